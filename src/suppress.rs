//! Inline suppressions: `livelint: allow RULE-ID reason="…"` on the line before a finding.
//!
//! Scripts are plain text, so a directive is recognised as a whole line on its own, and also inside a line
//! comment or an HTML comment (`# …`, `// …`, `<!-- … -->`) for files that have them. Recognition is by lines,
//! never by a Markdown or HTML parser, so a comment inside a list, after a blank line or split over three lines
//! still works (Vale's suppression comments break in exactly those places).
//!
//! Suppression filters findings after matching; the matcher knows nothing of it. A directive must give a reason
//! (reviewers need to know why a claim was accepted), and a directive that suppresses nothing is reported, so
//! stale ones do not pile up and hide future violations.

use std::ops::Range;
use std::sync::{Arc, LazyLock};

use crate::finding::{locate_all, Category, Finding, LineCol, RuleMeta, Severity};

/// Built-in rule: a directive without `reason="…"` (or without a rule id). It suppresses nothing.
pub const WITHOUT_REASON: &str = "livelint/suppression-without-reason";
/// Built-in rule: a directive that matched no finding.
pub const UNUSED: &str = "livelint/unused-suppression";

static WITHOUT_REASON_META: LazyLock<Arc<RuleMeta>> = LazyLock::new(|| {
    Arc::new(RuleMeta {
        id: WITHOUT_REASON.into(),
        title: "suppression without a reason".into(),
        category: Category::Suppression,
        severity: Severity::Error,
        law: Vec::new(),
        help: "write the rule id and why the line is acceptable: livelint: allow zh-ad-law/absolute-superlatives reason=\"品牌名\"".into(),
    })
});

static UNUSED_META: LazyLock<Arc<RuleMeta>> = LazyLock::new(|| {
    Arc::new(RuleMeta {
        id: UNUSED.into(),
        title: "suppression that suppresses nothing".into(),
        category: Category::Suppression,
        severity: Severity::Warning,
        law: Vec::new(),
        help:
            "remove the directive, or fix its rule id; it applies to the next non-blank line only"
                .into(),
    })
});

/// True for the ids of the built-in rules, which configs may override or disable like pack rules.
pub fn is_builtin(id: &str) -> bool {
    id == WITHOUT_REASON || id == UNUSED
}

/// One parsed directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Byte range of the directive text (trimmed line) in the document.
    pub span: Range<usize>,
    /// Rule ids it allows (`pack/*` allows a whole pack).
    pub rules: Vec<String>,
    /// The reason, if one was given.
    pub reason: Option<String>,
    /// Byte range of the line it applies to, if any line follows.
    pub target: Option<Range<usize>>,
}

/// Strips comment openers and closers; returns the inside of the comment or the bare line.
fn comment_body(line: &str) -> &str {
    let mut s = line.trim();
    for open in ["<!--", "//", "/*", "--", ";"] {
        if let Some(rest) = s.strip_prefix(open) {
            s = rest;
            break;
        }
    }
    s = s.trim_start_matches('#');
    for close in ["-->", "*/"] {
        if let Some(rest) = s.strip_suffix(close) {
            s = rest;
            break;
        }
    }
    s.trim()
}

/// Parses a line as a directive: `livelint: allow ID[, ID…] reason="…"`. `None` when the line is not one.
fn parse_line(line: &str) -> Option<(Vec<String>, Option<String>)> {
    let body = comment_body(line);
    let rest = body
        .strip_prefix("livelint:")
        .or_else(|| body.strip_prefix("livelint："))?
        .trim_start();
    let rest = rest.strip_prefix("allow")?;
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let (ids_part, reason) = match rest.find("reason") {
        Some(i) => (&rest[..i], parse_reason(&rest[i + "reason".len()..])),
        None => (rest, None),
    };
    let rules = ids_part
        .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Some((rules, reason))
}

/// Parses `="…"` (also `“…”`, `'…'`, `＝`) after the word `reason`; empty reasons count as none.
fn parse_reason(s: &str) -> Option<String> {
    let s = s.trim_start();
    let s = s
        .strip_prefix('=')
        .or_else(|| s.strip_prefix('＝'))?
        .trim_start();
    let mut chars = s.chars();
    let open = chars.next()?;
    let close = match open {
        '"' => '"',
        '\'' => '\'',
        '“' => '”',
        '「' => '」',
        _ => return None,
    };
    let inner = chars.as_str();
    let end = inner.find(close)?;
    let reason = inner[..end].trim();
    (!reason.is_empty()).then(|| reason.to_string())
}

/// True for lines that carry no script text: blank, or only a comment closer (`-->` of a comment whose
/// directive stood on its own line).
fn is_filler(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t == "-->" || t == "*/"
}

/// Whether `text` holds the word every directive starts with. Most texts do not, and this is all that is
/// done for them: a SIMD search, on all threads for a big text, since it runs after the scan on one core
/// while the other waits (`str::contains` took 10 ms on 100 MB; issue 6).
fn mentions_livelint(text: &str) -> bool {
    use rayon::prelude::*;
    const WORD: &[u8] = b"livelint";
    const PIECE: usize = 1 << 20;
    let bytes = text.as_bytes();
    let finder = memchr::memmem::Finder::new(WORD);
    if bytes.len() <= PIECE {
        return finder.find(bytes).is_some();
    }
    // Pieces overlap by one byte less than the word, so a word across a boundary is inside one of them.
    (0..bytes.len().div_ceil(PIECE)).into_par_iter().any(|i| {
        let lo = i * PIECE;
        let hi = (lo + PIECE + WORD.len() - 1).min(bytes.len());
        finder.find(&bytes[lo..hi]).is_some()
    })
}

/// Finds every directive in a text, with the line each applies to.
pub fn directives(text: &str) -> Vec<Directive> {
    if !mentions_livelint(text) {
        return Vec::new();
    }
    let mut lines: Vec<(Range<usize>, &str)> = Vec::new();
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        lines.push((off..off + line.len(), line));
        off += line.len();
    }
    let parsed: Vec<Option<(Vec<String>, Option<String>)>> = lines
        .iter()
        .map(|(_, l)| {
            if l.contains("livelint") {
                parse_line(l)
            } else {
                None
            }
        })
        .collect();
    let mut out = Vec::new();
    for (i, p) in parsed.iter().enumerate() {
        let Some((rules, reason)) = p else { continue };
        let (range, line) = &lines[i];
        let lead = line.len() - line.trim_start().len();
        let span = range.start + lead..range.start + line.trim_end().len();
        let target = (i + 1..lines.len())
            .find(|&j| parsed[j].is_none() && !is_filler(lines[j].1))
            .map(|j| lines[j].0.clone());
        out.push(Directive {
            span,
            rules: rules.clone(),
            reason: reason.clone(),
            target,
        });
    }
    out
}

fn allows(rule_pattern: &str, id: &str) -> bool {
    match rule_pattern.strip_suffix("/*") {
        Some(pack) => id.strip_prefix(pack).is_some_and(|r| r.starts_with('/')),
        None => rule_pattern == id,
    }
}

/// Drops the findings allowed by the directives of `text`, drops findings inside directive lines (a reason may
/// quote the very words it excuses), and adds findings for directives without a reason and for unused ones.
/// Keeps the findings sorted by (start, rule).
pub fn apply(text: &str, findings: &mut Vec<Finding>) {
    let dirs = directives(text);
    if dirs.is_empty() {
        return;
    }
    let mut used = vec![false; dirs.len()];
    findings.retain(|f| {
        if dirs
            .iter()
            .any(|d| d.span.start <= f.span.start && f.span.start < d.span.end)
        {
            return false;
        }
        let mut keep = true;
        for (i, d) in dirs.iter().enumerate() {
            let Some(t) = &d.target else { continue };
            if d.reason.is_some()
                && t.start <= f.span.start
                && f.span.start < t.end
                && d.rules.iter().any(|r| allows(r, &f.rule.id))
            {
                used[i] = true;
                keep = false;
            }
        }
        keep
    });
    let mut added = Vec::new();
    for (d, used) in dirs.iter().zip(used) {
        let directive = text[d.span.clone()].to_string();
        let (meta, message) = if d.reason.is_none() || d.rules.is_empty() {
            (
                &*WITHOUT_REASON_META,
                "suppression needs a rule id and reason=\"…\"; it suppresses nothing".to_string(),
            )
        } else if !used {
            (
                &*UNUSED_META,
                format!(
                    "suppression of {} matches no finding on the next line",
                    d.rules.join(", ")
                ),
            )
        } else {
            continue;
        };
        added.push(Finding {
            rule: Arc::clone(meta),
            severity: meta.severity,
            span: d.span.clone(),
            matched: directive,
            message,
            start: LineCol::default(),
            end: LineCol::default(),
            time: None,
        });
    }
    if added.is_empty() {
        return;
    }
    let mut positions: Vec<(usize, &mut LineCol)> = Vec::with_capacity(added.len() * 2);
    for f in added.iter_mut() {
        positions.push((f.span.start, &mut f.start));
        positions.push((f.span.end, &mut f.end));
    }
    locate_all(text, &mut positions);
    findings.extend(added);
    findings.sort_by(|a, b| {
        (a.span.start, &a.rule.id, a.span.end).cmp(&(b.span.start, &b.rule.id, b.span.end))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_is_found_across_piece_boundaries() {
        // ASCII, so the word can be put at any byte.
        let filler = "0123456789 abc\n".repeat((1 << 20) / 15 + 7);
        assert!(filler.len() > 1 << 20);
        assert!(!mentions_livelint(&filler));
        // At the start, across the first boundary at each of its bytes, at the very end.
        let mut at = vec![0, filler.len()];
        at.extend((1usize..9).map(|k| (1 << 20) - k));
        for pos in at {
            let mut text = filler.clone();
            text.insert_str(pos, "livelint");
            assert!(mentions_livelint(&text), "at {pos}");
        }
    }

    #[test]
    fn parses_plain_and_comment_forms() {
        for line in [
            "livelint: allow zh-ad-law/x reason=\"品牌名\"",
            "# livelint: allow zh-ad-law/x reason=\"品牌名\"",
            "// livelint: allow zh-ad-law/x reason=\"品牌名\"",
            "  <!-- livelint: allow zh-ad-law/x reason=“品牌名” -->",
        ] {
            let (ids, reason) = parse_line(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(ids, vec!["zh-ad-law/x".to_string()], "{line}");
            assert_eq!(reason.as_deref(), Some("品牌名"), "{line}");
        }
    }

    #[test]
    fn prose_mentioning_livelint_is_not_a_directive() {
        assert!(parse_line("我们用 livelint: allow 之类的写法").is_none());
        assert!(parse_line("livelint: allowed a/b").is_none());
    }

    #[test]
    fn missing_or_empty_reason_is_none() {
        assert_eq!(parse_line("livelint: allow a/b").unwrap().1, None);
        assert_eq!(
            parse_line("livelint: allow a/b reason=\"  \"").unwrap().1,
            None
        );
    }

    #[test]
    fn target_skips_blank_lines_stacked_directives_and_closers() {
        let text = "<!--\nlivelint: allow a/b reason=\"x\"\n-->\n\n# livelint: allow c/d reason=\"y\"\n正文\n";
        let ds = directives(text);
        assert_eq!(ds.len(), 2);
        for d in &ds {
            assert_eq!(&text[d.target.clone().unwrap()], "正文\n");
        }
    }

    #[test]
    fn pack_wildcard() {
        assert!(allows("zh-ad-law/*", "zh-ad-law/absolute-grade"));
        assert!(!allows("zh-ad-law/*", "zh-ad-lawyer/x"));
        assert!(allows("a/b", "a/b"));
    }
}
