//! Finds where a value sits in a pack's YAML text, so semantic errors (duplicate ids, bad regexes, examples
//! without markers) point at a line and column like syntax errors do. serde_yaml keeps no positions for values
//! that parsed fine, so this searches the text: first the rule's `id:` line, then the value inside that rule.

/// Byte range of the `id: <id>` value of the `nth` rule with that id (0 for the first occurrence).
pub fn rule_id(src: &str, id: &str, nth: usize) -> Option<(usize, usize)> {
    let mut seen = 0;
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let trimmed = line.trim_start().trim_start_matches("- ").trim_start();
        if let Some(rest) = trimmed.strip_prefix("id:") {
            let value = rest.trim().trim_matches(|c| c == '"' || c == '\'');
            if value == id {
                if seen == nth {
                    let col = line.find(id).unwrap_or(0);
                    return Some((offset + col, id.len()));
                }
                seen += 1;
            }
        }
        offset += line.len();
    }
    None
}

/// Byte range of `needle` inside the block of the rule whose `id:` line starts at `rule_at`; falls back to the
/// first part of the needle (YAML may have folded or escaped it) and then to the rule's id.
pub fn in_rule(src: &str, rule_at: (usize, usize), needle: &str) -> (usize, usize) {
    let start = rule_at.0;
    let block_end = src[start..]
        .match_indices("\n")
        .map(|(i, _)| start + i + 1)
        .find(|&i| {
            let rest = &src[i..];
            let t = rest.trim_start_matches(' ');
            t.starts_with("- id:") && (rest.len() - t.len()) <= indent_of(src, start)
        })
        .unwrap_or(src.len());
    let block = &src[start..block_end];
    if !needle.is_empty() {
        if let Some(i) = block.find(needle) {
            return (start + i, needle.len());
        }
        let prefix: String = needle.chars().take(6).collect();
        if !prefix.is_empty() {
            if let Some(i) = block.find(&prefix) {
                return (start + i, prefix.len());
            }
        }
    }
    rule_at
}

fn indent_of(src: &str, at: usize) -> usize {
    let line_start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &src[line_start..];
    line.len() - line.trim_start_matches(' ').len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str =
        "pack: p\nrules:\n  - id: a\n    regex: ['x(']\n  - id: b\n    regex: ['x(']\n  - id: a\n";

    #[test]
    fn finds_nth_rule_id() {
        let (at, len) = rule_id(SRC, "a", 1).unwrap();
        assert_eq!(&SRC[at..at + len], "a");
        assert_eq!(SRC[..at].matches('\n').count() + 1, 7);
    }

    #[test]
    fn finds_value_inside_its_own_rule() {
        let b = rule_id(SRC, "b", 0).unwrap();
        let (at, _) = in_rule(SRC, b, "x(");
        assert_eq!(SRC[..at].matches('\n').count() + 1, 6);
    }
}
