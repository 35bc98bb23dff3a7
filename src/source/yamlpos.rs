//! Finds where keys and values sit in YAML or JSON text.
//!
//! serde_yaml and serde_json keep no positions for values that parsed fine, yet a listing finding must point at
//! the field's line and column (issue 4). The values are parsed by serde; this module only answers "where is
//! the value of `key` inside this mapping" and "where are the items of this sequence", on the raw text. It
//! understands block YAML (indentation), flow YAML and JSON (brackets, which JSON is a subset of), quoted and
//! plain scalars, and comments. Anything it cannot place returns `None`, and callers fall back to an enclosing
//! node, so a strange layout costs precision, never a wrong parse.

use std::ops::Range;

/// The root node of a document: the text after leading blank lines, comments and a `---` marker.
pub fn root(text: &str) -> Range<usize> {
    let mut pos = 0;
    loop {
        let start = skip_blank(text, pos, text.len());
        let line_end = line_end(text, start, text.len());
        let line = text[start..line_end].trim_end();
        if line == "---" {
            pos = (line_end + 1).min(text.len());
            continue;
        }
        return start..text.len();
    }
}

/// The key range and the value range of `key` in the mapping node `node`; `None` when the key is absent.
/// An empty value (`title:` with nothing after it) has an empty range just after the colon.
pub fn get(text: &str, node: Range<usize>, key: &str) -> Option<(Range<usize>, Range<usize>)> {
    let start = skip_blank(text, node.start, node.end);
    if text[start..node.end].starts_with('{') {
        flow_get(text, start, node.end, key)
    } else {
        block_get(text, start, node.end, key)
    }
}

/// The item ranges of the sequence node `node` (block `- a` or flow `[a, b]`).
pub fn items(text: &str, node: Range<usize>) -> Vec<Range<usize>> {
    let start = skip_blank(text, node.start, node.end);
    if text[start..node.end].starts_with('[') {
        flow_items(text, start, node.end)
    } else if text[start..node.end].starts_with('-') {
        block_items(text, start, node.end)
    } else {
        Vec::new()
    }
}

/// The characters of a scalar node without its quotes.
pub fn scalar(text: &str, node: Range<usize>) -> Range<usize> {
    let s = &text[node.clone()];
    let quoted = s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')));
    if quoted {
        node.start + 1..node.end - 1
    } else {
        node
    }
}

fn line_end(text: &str, pos: usize, end: usize) -> usize {
    text[pos..end].find('\n').map_or(end, |i| pos + i)
}

/// Skips spaces, tabs, newlines and `#` comments.
fn skip_blank(text: &str, mut pos: usize, end: usize) -> usize {
    let b = text.as_bytes();
    while pos < end {
        match b[pos] {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => pos = line_end(text, pos, end),
            _ => break,
        }
    }
    pos
}

fn column_of(text: &str, pos: usize) -> usize {
    pos - text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

fn indent_of_line(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// If `content` starts with `key:` (plain, double- or single-quoted key), the key's length and the offset just
/// after the colon.
fn key_prefix(content: &str, key: &str) -> Option<(usize, usize)> {
    for (open, close) in [("", ""), ("\"", "\""), ("'", "'")] {
        let Some(rest) = content.strip_prefix(open) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix(key) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix(close) else {
            continue;
        };
        let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let rest = &rest[ws..];
        if let Some(after) = rest.strip_prefix(':') {
            if after.is_empty() || after.starts_with([' ', '\t', '\r', '\n']) || !open.is_empty() {
                let key_len = open.len() + key.len() + close.len();
                return Some((key_len, content.len() - after.len()));
            }
        }
    }
    None
}

/// Where a plain scalar's comment starts (` #`), or its end.
fn strip_comment(s: &str) -> &str {
    let mut prev_space = true;
    for (i, c) in s.char_indices() {
        if c == '#' && prev_space {
            return &s[..i];
        }
        prev_space = c == ' ' || c == '\t';
    }
    s
}

fn block_get(
    text: &str,
    start: usize,
    end: usize,
    key: &str,
) -> Option<(Range<usize>, Range<usize>)> {
    let base = column_of(text, start);
    let mut pos = start;
    let mut first = true;
    while pos < end {
        let le = line_end(text, pos, end);
        let (indent, content_start) = if first {
            (base, pos)
        } else {
            let n = indent_of_line(&text[pos..le]);
            (n, pos + n)
        };
        first = false;
        if indent == base {
            if let Some((key_len, after)) = key_prefix(&text[content_start..le], key) {
                let key_range = content_start..content_start + key_len;
                let value = block_value(text, content_start + after, le, indent, end);
                return Some((key_range, value));
            }
        }
        pos = le + 1;
    }
    None
}

fn block_value(text: &str, after: usize, le: usize, key_indent: usize, end: usize) -> Range<usize> {
    let rest_start = after + (text[after..le].len() - text[after..le].trim_start().len());
    let rest = strip_comment(&text[rest_start..le]).trim_end();
    if !rest.is_empty() {
        return match rest.as_bytes()[0] {
            b'{' | b'[' => rest_start..match_bracket(text, rest_start, end),
            b'"' | b'\'' => rest_start..quote_end(text, rest_start, end),
            b'|' | b'>' => nested_block(text, le, key_indent, end, false).unwrap_or(after..after),
            _ => rest_start..rest_start + rest.len(),
        };
    }
    nested_block(text, le, key_indent, end, true).unwrap_or(after..after)
}

/// The lines after `le` that belong to a key at `key_indent`: more indented ones, or (for a sequence written
/// at the key's own indentation) `- ` lines at the same indentation.
fn nested_block(
    text: &str,
    le: usize,
    key_indent: usize,
    end: usize,
    allow_same_indent_seq: bool,
) -> Option<Range<usize>> {
    let mut pos = le + 1;
    let mut first: Option<usize> = None;
    let mut last_end = 0;
    let mut seq_at_same = false;
    while pos < end {
        let l_end = line_end(text, pos, end);
        let line = &text[pos..l_end];
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            pos = l_end + 1;
            continue;
        }
        let indent = indent_of_line(line);
        let content = &line[indent..];
        let is_dash = content == "-" || content.starts_with("- ");
        if first.is_none() {
            seq_at_same = allow_same_indent_seq && indent == key_indent && is_dash;
            if indent <= key_indent && !seq_at_same {
                return None;
            }
            first = Some(pos + indent);
        } else if indent < key_indent || (indent == key_indent && !(seq_at_same && is_dash)) {
            break;
        }
        last_end = pos + line.trim_end().len();
        pos = l_end + 1;
    }
    first.map(|f| f..last_end.max(f))
}

fn block_items(text: &str, start: usize, end: usize) -> Vec<Range<usize>> {
    let base = column_of(text, start);
    let mut starts = Vec::new();
    let mut pos = start;
    let mut first = true;
    while pos < end {
        let le = line_end(text, pos, end);
        let (indent, content_start) = if first {
            (base, pos)
        } else {
            let n = indent_of_line(&text[pos..le]);
            (n, pos + n)
        };
        first = false;
        let content = &text[content_start..le];
        if indent == base && (content == "-" || content.starts_with("- ") || content == "-\r") {
            starts.push(content_start);
        }
        pos = le + 1;
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, &s) in starts.iter().enumerate() {
        let stop = starts.get(i + 1).copied().unwrap_or(end);
        let item_start = skip_blank(text, s + 1, stop);
        let item_end = trim_end_blank(text, item_start, stop);
        out.push(item_start..item_end.max(item_start));
    }
    out
}

/// Moves `stop` back over trailing whitespace and whole comment lines.
fn trim_end_blank(text: &str, start: usize, stop: usize) -> usize {
    let mut end = start;
    let mut pos = start;
    while pos < stop {
        let le = line_end(text, pos, stop);
        let line = &text[pos..le];
        let t = line.trim();
        if !t.is_empty() && !t.starts_with('#') {
            end = pos + strip_comment(line).trim_end().len();
        }
        pos = le + 1;
    }
    end
}

/// Index just after the bracket that closes the one at `open`; strings are skipped.
fn match_bracket(text: &str, open: usize, end: usize) -> usize {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < end {
        match b[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b'"' | b'\'' => {
                i = quote_end(text, i, end);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    end
}

/// Index just after the quote that closes the one at `open` (`\"` escapes in double quotes, `''` in single).
fn quote_end(text: &str, open: usize, end: usize) -> usize {
    let b = text.as_bytes();
    let q = b[open];
    let mut i = open + 1;
    while i < end {
        if q == b'"' && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == q {
            if q == b'\'' && i + 1 < end && b[i + 1] == b'\'' {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    end
}

/// End of a flow value starting at `i`: a bracketed node, a quoted string, or a plain scalar up to `,` `}` `]`.
fn flow_value_end(text: &str, i: usize, end: usize) -> usize {
    let b = text.as_bytes();
    if i >= end {
        return end;
    }
    match b[i] {
        b'{' | b'[' => match_bracket(text, i, end),
        b'"' | b'\'' => quote_end(text, i, end),
        _ => {
            let mut j = i;
            while j < end && !matches!(b[j], b',' | b'}' | b']' | b'\n') {
                j += 1;
            }
            i + text[i..j].trim_end().len()
        }
    }
}

fn flow_get(
    text: &str,
    open: usize,
    end: usize,
    key: &str,
) -> Option<(Range<usize>, Range<usize>)> {
    let close = match_bracket(text, open, end);
    let b = text.as_bytes();
    let mut i = open + 1;
    loop {
        i = skip_blank(text, i, close);
        if i >= close || b[i] == b'}' {
            return None;
        }
        // The key: quoted, or plain up to the colon.
        let k_start = i;
        let k_end = if b[i] == b'"' || b[i] == b'\'' {
            quote_end(text, i, close)
        } else {
            let mut j = i;
            while j < close && b[j] != b':' && b[j] != b',' && b[j] != b'}' {
                j += 1;
            }
            j
        };
        let k_text = text[k_start..k_end].trim();
        let k_text = k_text.trim_matches(|c| c == '"' || c == '\'');
        let mut j = skip_blank(text, k_end, close);
        if j < close && b[j] == b':' {
            j = skip_blank(text, j + 1, close);
            let v_end = flow_value_end(text, j, close);
            if k_text == key {
                let value = if j < close && !matches!(b[j], b',' | b'}') {
                    j..v_end
                } else {
                    j..j
                };
                return Some((
                    k_start..k_start + text[k_start..k_end].trim_end().len(),
                    value,
                ));
            }
            i = v_end;
        } else {
            i = j;
        }
        i = skip_blank(text, i, close);
        if i < close && b[i] == b',' {
            i += 1;
        } else if i < close && b[i] != b'}' {
            // Not a mapping we understand; give up rather than guess.
            return None;
        }
    }
}

fn flow_items(text: &str, open: usize, end: usize) -> Vec<Range<usize>> {
    let close = match_bracket(text, open, end);
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = open + 1;
    loop {
        i = skip_blank(text, i, close);
        if i >= close || b[i] == b']' {
            return out;
        }
        let v_end = flow_value_end(text, i, close);
        out.push(i..v_end);
        i = skip_blank(text, v_end, close);
        if i < close && b[i] == b',' {
            i += 1;
        } else if i < close && b[i] != b']' {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val<'a>(text: &'a str, node: Range<usize>, key: &str) -> (&'a str, Range<usize>) {
        let (_, v) = get(text, node, key).unwrap();
        (&text[v.clone()], v)
    }

    const YAML: &str = "# listing\nproducts:\n  - id: p1\n    title: \"面霜\"  # c\n    seller:\n      name: 某某\n      uscc: 91350100M000100Y43\n    aliases:\n    - 面霜\n    - 3号链接\n  - id: p2\n    seller: {name: 乙, uscc: 'X'}\n    aliases: [a, \"b\"]\n    description: |\n      第一行\n      第二行\n    price: 99\n";

    #[test]
    fn block_yaml() {
        let r = root(YAML);
        let (_, products) = get(YAML, r, "products").unwrap();
        let items = items(YAML, products);
        assert_eq!(items.len(), 2);
        assert_eq!(val(YAML, items[0].clone(), "id").0, "p1");
        let (t, tr) = val(YAML, items[0].clone(), "title");
        assert_eq!(t, "\"面霜\"");
        assert_eq!(&YAML[scalar(YAML, tr)], "面霜");
        let (_, seller) = get(YAML, items[0].clone(), "seller").unwrap();
        assert_eq!(val(YAML, seller, "uscc").0, "91350100M000100Y43");
        let (_, aliases) = get(YAML, items[0].clone(), "aliases").unwrap();
        let a: Vec<&str> = items_of(YAML, aliases);
        assert_eq!(a, vec!["面霜", "3号链接"]);
        assert_eq!(val(YAML, items[1].clone(), "id").0, "p2");
        assert_eq!(val(YAML, items[1].clone(), "price").0, "99");
        assert_eq!(
            val(YAML, items[1].clone(), "description").0,
            "第一行\n      第二行"
        );
        // p2 has no title: the search must not leak into p1 or past its own block.
        assert!(get(YAML, items[1].clone(), "title").is_none());
    }

    fn items_of(text: &str, node: Range<usize>) -> Vec<&str> {
        items(text, node).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn flow_yaml_and_json() {
        let (_, p2seller) = {
            let r = root(YAML);
            let (_, products) = get(YAML, r, "products").unwrap();
            let p2 = items(YAML, products)[1].clone();
            get(YAML, p2, "seller").unwrap()
        };
        assert_eq!(val(YAML, p2seller.clone(), "name").0, "乙");
        assert_eq!(val(YAML, p2seller, "uscc").0, "'X'");
        let json = "{\n  \"products\": [\n    {\"id\": \"a\", \"price\": 12.5, \"seller\": {\"uscc\": \"9\"}},\n    {\"id\": \"b\", \"aliases\": [\"x\", \"y,z\"]}\n  ]\n}";
        let (_, products) = get(json, root(json), "products").unwrap();
        let it = items(json, products);
        assert_eq!(it.len(), 2);
        assert_eq!(val(json, it[0].clone(), "price").0, "12.5");
        let (_, s) = get(json, it[0].clone(), "seller").unwrap();
        assert_eq!(val(json, s, "uscc").0, "\"9\"");
        let (_, a) = get(json, it[1].clone(), "aliases").unwrap();
        assert_eq!(items_of(json, a), vec!["\"x\"", "\"y,z\""]);
    }

    #[test]
    fn empty_values_and_same_indent_sequences() {
        let t = "products:\n- id: a\n  title:\n  aliases:\n  - x\n";
        let (_, p) = get(t, root(t), "products").unwrap();
        let it = items(t, p);
        assert_eq!(it.len(), 1);
        let (_, title) = get(t, it[0].clone(), "title").unwrap();
        assert!(title.is_empty());
        let (_, a) = get(t, it[0].clone(), "aliases").unwrap();
        assert_eq!(items_of(t, a), vec!["x"]);
    }
}
