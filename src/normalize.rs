//! Normalization with an offset map back to the original text.
//!
//! Hosts and script writers dodge keyword filters with full-width letters (ＮＯ．１), inserted separators
//! (`最 好`, `最*好`, `最\u{200b}好`) and traditional characters (`最具實力`). Matching runs on a normalized copy; every
//! reported span is mapped back to the ORIGINAL text, so a reviewer sees the characters that were actually written.
//!
//! Every transformation is one character to one character, or one character to nothing, so the map can be
//! sparse: an anchor is recorded only where the byte length changes. CJK text mostly keeps its length
//! (3 bytes to 3 bytes), which keeps the map small on the inputs that matter.

use std::ops::Range;

include!(concat!(env!("OUT_DIR"), "/t2s_table.rs"));

/// The first and last code points the traditional-to-simplified table covers in its dense part.
const DENSE_LO: u32 = 0x3400;
const DENSE_HI: u32 = 0xA000;

/// Most runs of separators between two CJK characters that are still treated as an evasion (`最  *  好`).
const MAX_SEPARATOR_RUN: usize = 4;

/// Normalized text plus the sparse map to original byte offsets.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    /// The text the keyword automaton and the regexes run on.
    pub text: String,
    /// `(normalized offset, original offset)` pairs, sorted; between two anchors both texts advance byte for byte.
    anchors: Vec<(u32, u32)>,
}

impl Normalized {
    /// Maps a normalized byte offset that starts a character to the original byte offset of the same character.
    pub fn original_offset(&self, norm: usize) -> usize {
        let idx = self.anchors.partition_point(|&(n, _)| n as usize <= norm);
        match idx.checked_sub(1).map(|i| self.anchors[i]) {
            Some((n, o)) => o as usize + (norm - n as usize),
            None => norm,
        }
    }

    /// Maps a normalized byte range to the original byte range that holds exactly its characters.
    ///
    /// The end is computed from the last character rather than from the next one, so separators dropped after
    /// a match never leak into its span.
    pub fn original_range(&self, original: &str, norm: Range<usize>) -> Range<usize> {
        let start = self.original_offset(norm.start);
        if norm.end <= norm.start {
            return start..start;
        }
        let last_len = self.text[..norm.end]
            .chars()
            .next_back()
            .map_or(0, char::len_utf8);
        let last_start = self.original_offset(norm.end - last_len);
        let end = original
            .get(last_start..)
            .and_then(|s| s.chars().next())
            .map_or(last_start, |c| last_start + c.len_utf8());
        start..end
    }
}

/// Returns true for CJK ideographs (the blocks hosts write in, plus compatibility and extension blocks).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Characters that never carry meaning and are used to split banned words.
fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
    )
}

/// Characters inserted between CJK characters to dodge filters. CJK punctuation (，。！？) is NOT among them:
/// it ends a clause, and joining clauses would invent phrases.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\r'
            | '\n'
            | '*'
            | '-'
            | '_'
            | '.'
            | '·'
            | '•'
            | '|'
            | '/'
            | '\\'
            | '~'
            | '^'
            | '#'
            | '@'
            | '+'
            | '='
            | '`'
            | '\u{3000}'
            | '\u{00A0}'
    )
}

/// Traditional to simplified, one character to one character.
pub fn to_simplified(c: char) -> char {
    let cp = c as u32;
    if cp < DENSE_LO {
        return c;
    }
    if cp < DENSE_HI {
        let i = (cp - DENSE_LO) as usize;
        if T2S_BITMAP[i / 64] & (1u64 << (i % 64)) == 0 {
            return c;
        }
    }
    match T2S.binary_search_by_key(&c, |&(t, _)| t) {
        Ok(i) => T2S[i].1,
        Err(_) => c,
    }
}

/// Folds one character: full-width ASCII to half-width, Latin to lower case, traditional to simplified.
pub fn fold_char(c: char) -> char {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c.is_alphabetic() && !is_han(c) {
        let mut lower = c.to_lowercase();
        if let (Some(l), None) = (lower.next(), lower.next()) {
            return l;
        }
        return c;
    }
    to_simplified(c)
}

/// Normalizes a whole text and records how to map offsets back.
pub fn normalize(original: &str) -> Normalized {
    let mut text = String::with_capacity(original.len());
    let mut anchors: Vec<(u32, u32)> = Vec::new();
    let mut prev_han = false;
    let mut iter = original.char_indices().peekable();
    while let Some((pos, c)) = iter.next() {
        if is_zero_width(c) {
            anchors.push((text.len() as u32, (pos + c.len_utf8()) as u32));
            continue;
        }
        let folded = fold_char(c);
        if prev_han && (is_separator(c) || is_separator(folded)) {
            // Look ahead: drop the run only if it is short and a CJK character follows.
            let rest = &original[pos..];
            let mut run_end = pos;
            let mut run_len = 0usize;
            let mut next_is_han = false;
            for (off, d) in rest.char_indices() {
                if is_zero_width(d) || is_separator(d) || is_separator(fold_char(d)) {
                    run_len += 1;
                    run_end = pos + off + d.len_utf8();
                    if run_len > MAX_SEPARATOR_RUN {
                        break;
                    }
                    continue;
                }
                next_is_han = is_han(fold_char(d));
                break;
            }
            if next_is_han && run_len <= MAX_SEPARATOR_RUN {
                while iter.peek().is_some_and(|&(p, _)| p < run_end) {
                    iter.next();
                }
                anchors.push((text.len() as u32, run_end as u32));
                continue;
            }
        }
        text.push(folded);
        if folded.len_utf8() != c.len_utf8() {
            anchors.push((text.len() as u32, (pos + c.len_utf8()) as u32));
        }
        prev_han = is_han(folded);
    }
    Normalized { text, anchors }
}

/// Normalizes a keyword or example phrase the same way as the text it is matched against.
pub fn normalize_str(s: &str) -> String {
    normalize(s).text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_of(original: &str, needle: &str) -> Option<String> {
        let n = normalize(original);
        let at = n.text.find(needle)?;
        let r = n.original_range(original, at..at + needle.len());
        Some(original[r].to_string())
    }

    #[test]
    fn separators_between_han_are_dropped_and_span_covers_original() {
        assert_eq!(span_of("这是最 好的", "最好").as_deref(), Some("最 好"));
        assert_eq!(span_of("这是最*好的", "最好").as_deref(), Some("最*好"));
        assert_eq!(
            span_of("这是最\u{200b}好的", "最好").as_deref(),
            Some("最\u{200b}好")
        );
        assert_eq!(
            span_of("全网 最 低 价！", "全网最低价").as_deref(),
            Some("全网 最 低 价")
        );
    }

    #[test]
    fn separators_elsewhere_are_kept() {
        assert_eq!(normalize("hello world").text, "hello world");
        assert_eq!(normalize("第一， 最好").text, "第一, 最好");
        assert_eq!(normalize("价格 99 元").text, "价格 99 元");
        // A long gap is not an evasion.
        assert_eq!(normalize("最     好").text, "最     好");
    }

    #[test]
    fn traditional_to_simplified() {
        assert_eq!(normalize("最具實力").text, "最具实力");
        assert_eq!(
            span_of("這是全網最好的", "全网最好").as_deref(),
            Some("全網最好")
        );
    }

    #[test]
    fn width_and_case_folding() {
        assert_eq!(normalize("ＮＯ．１").text, "no.1");
        assert_eq!(
            span_of("我们是ＮＯ．１品牌", "no.1").as_deref(),
            Some("ＮＯ．１")
        );
        assert_eq!(normalize("TOP1 Best").text, "top1 best");
        assert_eq!(normalize("　").text, " ");
    }

    #[test]
    fn empty_and_ascii_roundtrip() {
        let n = normalize("");
        assert_eq!(n.text, "");
        let n = normalize("abc");
        assert_eq!(n.original_range("abc", 1..2), 1..2);
    }

    #[test]
    fn map_is_sparse_on_cjk_text() {
        let n = normalize("这是一段很长的中文文本没有任何需要改变长度的字符");
        assert!(n.anchors.is_empty());
    }
}
