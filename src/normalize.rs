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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    /// The text the keyword matcher and the regexes run on.
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

    /// Maps an original byte offset to the normalized one. Exact where the original text may be split
    /// ([`is_clean_split_after`] holds for the character before it), which is where chunks start and end.
    pub fn normalized_offset(&self, orig: usize) -> usize {
        let idx = self.anchors.partition_point(|&(_, o)| o as usize <= orig);
        match idx.checked_sub(1).map(|i| self.anchors[i]) {
            Some((n, o)) => n as usize + (orig - o as usize),
            None => orig,
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
#[inline]
fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
    )
}

/// Characters inserted between CJK characters to dodge filters. CJK punctuation (，。！？) is NOT among them:
/// it ends a clause, and joining clauses would invent phrases.
const fn is_separator(c: char) -> bool {
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
#[inline]
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
#[inline]
pub fn fold_char(c: char) -> char {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    // Han first, then the caseless punctuation blocks scripts are full of (，。“”…、《》): `is_alphabetic` is a
    // table search that would otherwise dominate normalization (issue 6).
    if is_han(c) {
        return to_simplified(c);
    }
    if matches!(c as u32, 0x2000..=0x206F | 0x3001..=0x30FF | 0xFF5F..=0xFF65) {
        return c;
    }
    if c.is_alphabetic() {
        let mut lower = c.to_lowercase();
        if let (Some(l), None) = (lower.next(), lower.next()) {
            return l;
        }
        return c;
    }
    to_simplified(c)
}

/// Normalizes a whole text and records how to map offsets back.
///
/// Unchanged characters are copied in runs rather than one by one, and ASCII and Han characters take short
/// paths: a script is mostly Han that is already simplified, so most of the text is one `memcpy` (issue 6).
pub fn normalize(original: &str) -> Normalized {
    let mut out = Normalized::default();
    normalize_into(original, &mut out);
    out
}

/// [`normalize`] into `out`, reusing its buffers, so that a thread normalizing one chunk after another writes
/// to fresh memory only for its first. Memory new to the process costs a page fault per 4 KB at its first
/// write, and with a new buffer per chunk the allocator gave the first buffers back to the kernel and mapped
/// new ones: of the 312 KB chunks of a 10 MB file, the first took 0.71 ms, the second 0.57 and the others
/// 0.34, against 0.69 and then 0.37 with one buffer. That cost is fixed per thread, not per byte, and counts
/// ten times more in a 10 MB file than in a 100 MB one (issue 6, target 6).
pub fn normalize_into(original: &str, out: &mut Normalized) {
    let bytes = original.as_bytes();
    let kept: &[u64; 1024] = &KEPT_THREE_BYTE;
    let mut text = std::mem::take(&mut out.text);
    text.clear();
    text.reserve(original.len());
    // Commerce talk has a ， (three bytes folded to one, an anchor) about every ten characters: room for that
    // many up front spares the growth of the map, a dozen copies per script (issue 6).
    let mut anchors = std::mem::take(&mut out.anchors);
    anchors.clear();
    anchors.reserve(original.len() / 32);
    // Whether the character before `pos` is Han is asked only at a separator or a zero-width character, so it
    // is kept as where the last character known to be Han ends, and where the last character the fast path
    // kept ends (Han or punctuation, told apart only when asked): the fast path then looks nothing up for it
    // (issue 6: a second table load for every character). `kept_end` could be left out, reading back any
    // three-byte character before a separator, but normalization then took 5-8% longer.
    let mut han_end = usize::MAX;
    let mut kept_end = usize::MAX;
    let prev_is_han = |pos: usize, han_end: usize, kept_end: usize| -> bool {
        han_end == pos
            || (kept_end == pos
                && matches!(bytes.get(pos.wrapping_sub(3)..pos), Some(&[b0, b1, b2])
                if {
                    let (block, bit) = three_byte_bit(b0, b1, b2);
                    HAN_KEPT[block] & bit != 0
                }))
    };
    // Start of the run of bytes copied unchanged since the last change.
    let mut run = 0usize;
    let mut pos = 0usize;
    while pos < bytes.len() {
        // Hot loop: three-byte characters. Han characters (U+3400 to U+9FFF) that are already simplified are
        // kept as they are, which is most of a Chinese script: one bit of `HAN_KEPT`, indexed by the first two
        // bytes, tells. The punctuation between clauses, one in every ten characters of a script, also stays
        // on this path: quotes, 、。《》 and … are kept; ，！？：；（） (U+FF01 to U+FF1F, lead byte 0xEF) fold to
        // ASCII (issue 6: with 0xEF left out, every ， took the general path below, a decode and three lookups,
        // at one character in ten of commerce talk).
        let end = kept_run(bytes, pos, kept);
        if end != pos {
            pos = end;
            kept_end = end;
        }
        if let Some(&[b0 @ 0xEF, b1, b2]) = bytes.get(pos..pos + 3) {
            let (block, _) = three_byte_bit(b0, b1, b2);
            let cp = ((block as u32) << 6) | u32::from(b2 & 0x3F);
            if let Some(a) = folded_fullwidth_punctuation(cp) {
                text.push_str(&original[run..pos]);
                text.push(a);
                pos += 3;
                run = pos;
                anchors.push((text.len() as u32, pos as u32));
                continue;
            }
        }
        let Some(&b0) = bytes.get(pos) else { break };
        if b0 < 0x80 {
            // ASCII, a tenth of a script (digits, prices, `\n`): only upper case changes, and a separator run
            // between two Han characters is dropped. The ASCII separators are exactly `is_separator`'s.
            if PLAIN_ASCII[usize::from(b0)] {
                // Digits, lower case and punctuation that is no separator stay as they are, and nothing about
                // them is recorded: the run is stepped over in a loop of its own (issue 6).
                pos += 1;
                while bytes
                    .get(pos)
                    .is_some_and(|&b| b < 0x80 && PLAIN_ASCII[usize::from(b)])
                {
                    pos += 1;
                }
                continue;
            }
            if b0.is_ascii_uppercase() {
                text.push_str(&original[run..pos]);
                text.push(b0.to_ascii_lowercase() as char);
                run = pos + 1;
            } else if is_separator(b0 as char) && prev_is_han(pos, han_end, kept_end) {
                if let Some(run_end) = separator_run_before_han(original, pos) {
                    drop_range(original, &mut text, &mut anchors, run, pos, run_end);
                    (pos, run) = (run_end, run_end);
                    continue;
                }
            }
            pos += 1;
            continue;
        }
        let (c, len) = decode_at(bytes, pos);
        if is_zero_width(c) {
            // Transparent: the character after it follows what came before it.
            if prev_is_han(pos, han_end, kept_end) {
                han_end = pos + len;
            }
            drop_range(original, &mut text, &mut anchors, run, pos, pos + len);
            (pos, run) = (pos + len, pos + len);
            continue;
        }
        let folded = fold_char(c);
        if (is_separator(c) || is_separator(folded)) && prev_is_han(pos, han_end, kept_end) {
            if let Some(run_end) = separator_run_before_han(original, pos) {
                drop_range(original, &mut text, &mut anchors, run, pos, run_end);
                (pos, run) = (run_end, run_end);
                continue;
            }
        }
        if folded != c {
            text.push_str(&original[run..pos]);
            text.push(folded);
            run = pos + len;
            if folded.len_utf8() != len {
                anchors.push((text.len() as u32, (pos + len) as u32));
            }
        }
        if is_han(folded) {
            han_end = pos + len;
        }
        pos += len;
    }
    text.push_str(&original[run..]);
    *out = Normalized { text, anchors };
}

/// The end of the run of three-byte characters from `pos` that normalization keeps as they are
/// ([`KEPT_THREE_BYTE`]): `pos` itself when the character there is not one.
///
/// Its own loop, two characters a step while eight bytes are left, so that only the position and the table
/// stay in registers: written inside `normalize`, whose other state did not fit beside them, each character
/// stored a position to the stack and loaded the text's address back from it (issue 6).
#[inline(always)]
fn kept_run(bytes: &[u8], mut pos: usize, kept: &[u64; 1024]) -> usize {
    // A three-byte character has a lead byte 0xE0 to 0xEF; the table has no bit for those it does not keep,
    // so the lead byte needs no closer test. One test for Han and kept punctuation alike, passed nineteen times
    // in twenty: a branch between the two was mispredicted at every clause end (issue 6).
    let is_kept = |b0: u8, b1: u8, b2: u8| {
        let (block, bit) = three_byte_bit(b0, b1, b2);
        b0 & 0xF0 == 0xE0 && kept[block] & bit != 0
    };
    while let Some(&[b0, b1, b2, b3, b4, b5, _, _]) = bytes.get(pos..pos + 8) {
        if !is_kept(b0, b1, b2) {
            return pos;
        }
        if !is_kept(b3, b4, b5) {
            return pos + 3;
        }
        pos += 6;
    }
    while let Some(&[b0, b1, b2]) = bytes.get(pos..pos + 3) {
        if !is_kept(b0, b1, b2) {
            break;
        }
        pos += 3;
    }
    pos
}

/// The entry and bit of a three-byte character (lead byte `b0`) in the tables by code point / 64 (`HAN_KEPT`,
/// [`KEPT_THREE_BYTE`]): the fast path and the look back at a kept character read the same tables.
#[inline(always)]
fn three_byte_bit(b0: u8, b1: u8, b2: u8) -> (usize, u64) {
    (
        (usize::from(b0 & 0x0F) << 6) | usize::from(b1 & 0x3F),
        1u64 << (b2 & 0x3F),
    )
}

/// Leaves `original[from..to]` out of the normalized text: copies the unchanged run `original[run..from]` before
/// it and records where the original goes on.
#[inline]
fn drop_range(
    original: &str,
    text: &mut String,
    anchors: &mut Vec<(u32, u32)>,
    run: usize,
    from: usize,
    to: usize,
) {
    text.push_str(&original[run..from]);
    anchors.push((text.len() as u32, to as u32));
}

/// ASCII that normalization keeps as it is wherever it stands: neither upper case nor a separator.
static PLAIN_ASCII: [bool; 128] = {
    let mut plain = [false; 128];
    let mut b = 0;
    while b < 128 {
        plain[b] = !(b as u8).is_ascii_uppercase() && !is_separator(b as u8 as char);
        b += 1;
    }
    plain
};

/// Three-byte characters normalization keeps as they are on its fast path: the Han characters of `HAN_KEPT`
/// and the punctuation of [`is_kept_punctuation`], by code point / 64.
static KEPT_THREE_BYTE: std::sync::LazyLock<[u64; 1024]> = std::sync::LazyLock::new(|| {
    let mut kept = HAN_KEPT;
    for cp in (0x2000..0x3100u32).filter(|&cp| is_kept_punctuation(cp)) {
        kept[(cp >> 6) as usize] |= 1u64 << (cp & 0x3F);
    }
    kept
});

/// Three-byte punctuation that normalization keeps as it is and that is neither Han, a separator nor a
/// zero-width character: quotes, 、。 and CJK brackets.
#[inline]
fn is_kept_punctuation(cp: u32) -> bool {
    matches!(cp, 0x2018..=0x2019 | 0x201C..=0x201D | 0x2026 | 0x3001..=0x3002 | 0x3008..=0x3011)
}

/// Full-width punctuation that folds to ASCII punctuation that is no separator (，！？：；（）), folded.
#[inline]
fn folded_fullwidth_punctuation(cp: u32) -> Option<char> {
    match cp {
        0xFF01 | 0xFF08 | 0xFF09 | 0xFF0C | 0xFF1A | 0xFF1B | 0xFF1F => char::from_u32(cp - 0xFEE0),
        _ => None,
    }
}

/// Decodes the non-ASCII character starting at `pos` of valid UTF-8.
#[inline]
fn decode_at(bytes: &[u8], pos: usize) -> (char, usize) {
    let b0 = u32::from(bytes[pos]);
    let cont = |i: usize| u32::from(bytes.get(pos + i).copied().unwrap_or(0x80) & 0x3F);
    let (cp, len) = if b0 < 0xE0 {
        (((b0 & 0x1F) << 6) | cont(1), 2)
    } else if b0 < 0xF0 {
        (((b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3)
    } else {
        (
            ((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
            4,
        )
    };
    (char::from_u32(cp).unwrap_or('\u{FFFD}'), len)
}

/// After a Han character, the end of the separator run starting at `pos` if the run is short and a Han
/// character follows it (`最 * 好`): such a run is an evasion and is dropped.
fn separator_run_before_han(original: &str, pos: usize) -> Option<usize> {
    let rest = &original[pos..];
    let mut run_end = pos;
    let mut run_len = 0usize;
    for (off, d) in rest.char_indices() {
        if is_zero_width(d) || is_separator(d) || is_separator(fold_char(d)) {
            run_len += 1;
            run_end = pos + off + d.len_utf8();
            if run_len > MAX_SEPARATOR_RUN {
                return None;
            }
            continue;
        }
        return is_han(fold_char(d)).then_some(run_end);
    }
    None
}

/// True when a text may be split after character `c` without changing its normalization: the character is
/// kept as it is, is no separator and is not Han, so no separator run reaches across it and the state after it
/// is the state at a text start. Big inputs are split into chunks only at such points (issue 6).
pub fn is_clean_split_after(c: char) -> bool {
    if is_zero_width(c) || is_separator(c) {
        return false;
    }
    let folded = fold_char(c);
    !is_separator(folded) && !is_han(folded)
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
    fn normalizing_into_a_used_buffer_gives_what_a_fresh_one_does() {
        // Longest first, with more anchors than what follows, so that whatever the buffer keeps of a
        // previous text would show.
        let texts = [
            "ＡＢＣ最　好，全网最低价！第一　名，國家級。",
            "最 好",
            "",
            "plain ascii",
            "买一送一，ＯＫ",
        ];
        let mut reused = Normalized::default();
        for text in texts {
            normalize_into(text, &mut reused);
            assert_eq!(reused, normalize(text), "{text}");
        }
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

    /// The straightforward one-character-at-a-time normalization the fast path must reproduce exactly.
    fn normalize_reference(original: &str) -> Normalized {
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
                if let Some(run_end) = separator_run_before_han(original, pos) {
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

    /// Deterministic mixed text: Han (simplified and traditional), separators, zero-width, full-width, case.
    fn mixed_text(seed: u64, len: usize) -> String {
        const POOL: &[char] = &[
            '最', '好', '實', '網', '价', ' ', ' ', '*', '\n', '\u{200b}', '\u{3000}', 'Ｎ', 'Ｏ',
            '．', 'A', 'b', '。', '，', 'É', 'ß', 'İ', '1', '-', '\u{feff}', '𠀀', 'Ⱥ', '“', '”',
            '、', '《', '！', '？', '：', '（', '…', '·',
        ];
        let mut x = seed;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                POOL[(x % POOL.len() as u64) as usize]
            })
            .collect()
    }

    #[test]
    fn fold_shortcuts_change_nothing() {
        let reference = |c: char| {
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
        };
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            assert_eq!(fold_char(c), reference(c), "U+{:04X}", c as u32);
        }
    }

    /// The ASCII that `normalize` steps over without a look is exactly what folding keeps and no separator.
    #[test]
    fn plain_ascii_is_what_folding_keeps_and_no_separator() {
        for b in 0u8..128 {
            let c = b as char;
            assert_eq!(
                PLAIN_ASCII[usize::from(b)],
                fold_char(c) == c && !is_separator(c),
                "{c:?}"
            );
        }
        let n = normalize("abc 12.5元 Ok");
        assert_eq!(n.text, "abc 12.5元 ok");
    }

    /// `kept_run` tests only that a lead byte is one of a three-byte character: the table must keep nothing of
    /// the lead bytes whose characters the rest of `normalize` handles (0xE0, 0xE1, 0xEA to 0xEF).
    #[test]
    fn kept_table_keeps_nothing_outside_punctuation_and_han() {
        for (block, &bits) in KEPT_THREE_BYTE.iter().enumerate() {
            let cp = (block as u32) << 6;
            if bits != 0 {
                assert!((0x2000..0xA000).contains(&cp), "block at U+{cp:04X}");
            }
        }
        // And the run stops at a character it does not keep, also in the two-at-a-time loop.
        let t = "我们的产品真的很好用，家人们快来抢购吧";
        let stop = t.find('，').unwrap();
        assert_eq!(kept_run(t.as_bytes(), 0, &KEPT_THREE_BYTE), stop);
        assert_eq!(kept_run(t.as_bytes(), 3, &KEPT_THREE_BYTE), stop);
        assert_eq!(kept_run(t.as_bytes(), stop, &KEPT_THREE_BYTE), stop);
        let tail = stop + '，'.len_utf8();
        assert_eq!(kept_run(t.as_bytes(), tail, &KEPT_THREE_BYTE), t.len());
    }

    #[test]
    fn fast_path_equals_reference() {
        for seed in 1..200u64 {
            let t = mixed_text(seed, 64);
            let fast = normalize(&t);
            let slow = normalize_reference(&t);
            assert_eq!(fast.text, slow.text, "{t:?}");
            assert_eq!(fast.anchors, slow.anchors, "{t:?}");
        }
    }

    #[test]
    fn clean_split_points_compose() {
        for seed in 1..200u64 {
            let t = mixed_text(seed, 80);
            let whole = normalize(&t);
            for (i, c) in t.char_indices() {
                let at = i + c.len_utf8();
                if !is_clean_split_after(c) {
                    continue;
                }
                let joined = normalize(&t[..at]).text + &normalize(&t[at..]).text;
                assert_eq!(joined, whole.text, "{t:?} split at {at}");
                assert_eq!(whole.normalized_offset(at), normalize(&t[..at]).text.len());
            }
        }
    }

    #[test]
    fn han_kept_table_is_the_unmapped_han_of_the_dense_blocks() {
        for cp in 0x800..0x1_0000u32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let block = (cp >> 6) as usize;
            let kept = block < HAN_KEPT.len() && HAN_KEPT[block] & (1u64 << (cp & 0x3F)) != 0;
            let dense_han = (DENSE_LO..=0x4DBF).contains(&cp) || (0x4E00..=0x9FFF).contains(&cp);
            let i = cp.wrapping_sub(DENSE_LO) as usize;
            let mapped = dense_han && T2S_BITMAP[i / 64] & (1u64 << (i % 64)) != 0;
            assert_eq!(kept, dense_han && !mapped, "U+{cp:04X}");
            if kept {
                assert!(is_han(c) && fold_char(c) == c, "U+{cp:04X}");
            }
            let fast = block < 1024 && KEPT_THREE_BYTE[block] & (1u64 << (cp & 0x3F)) != 0;
            assert_eq!(fast, kept || is_kept_punctuation(cp), "U+{cp:04X}");
        }
    }

    #[test]
    fn punctuation_shortcuts_agree_with_fold_char() {
        for cp in 0x2000..=0xFFFFu32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            if is_kept_punctuation(cp) {
                assert!(
                    c.len_utf8() == 3 && fold_char(c) == c && !is_han(c),
                    "U+{cp:04X}"
                );
                assert!(!is_separator(c) && !is_zero_width(c), "U+{cp:04X}");
            }
            if let Some(a) = folded_fullwidth_punctuation(cp) {
                assert_eq!(fold_char(c), a, "U+{cp:04X}");
                assert!(!is_separator(a) && !is_han(a), "U+{cp:04X}");
            }
        }
    }

    #[test]
    fn map_is_sparse_on_cjk_text() {
        let n = normalize("这是一段很长的中文文本没有任何需要改变长度的字符");
        assert!(n.anchors.is_empty());
    }
}
