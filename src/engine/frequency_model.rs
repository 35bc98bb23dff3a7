//! The rate model of [`super::frequency`] without its table, so that build.rs works out the rates of the
//! embedded packs' word sets with the same code (issue 6: rating thousands of words at start-up was 4% of a
//! run on a 5 KB script).

/// The least rate of a listed word of two characters or more (`MIN_WORD` of `scripts/han_freq.py`): an
/// unlisted one is taken to be rarer.
pub const LISTED_WORD_MIN: f64 = 1e-5;

/// A character the table does not list.
pub const UNLISTED_CHAR: f64 = 1e-8;

/// An ASCII digit, and any other ASCII character, on its own.
const ASCII_DIGIT: f64 = 5e-3;
const ASCII_OTHER: f64 = 2e-3;

/// Per further character of a word, the factor its rate falls by: ASCII words, and unlisted Chinese ones.
const ASCII_NEXT: f64 = 0.05;
const HAN_NEXT: f64 = 0.01;

/// Expected occurrences of `word` per character of text, given the table's rates (`listed`). An empty word
/// occurs everywhere.
pub fn rate_with(word: &str, listed: &dyn Fn(&str) -> Option<f64>) -> f64 {
    let n = word.chars().count();
    if n == 0 {
        return 1.0;
    }
    if word.is_ascii() {
        let first = if word.bytes().all(|b| b.is_ascii_digit()) {
            ASCII_DIGIT
        } else {
            ASCII_OTHER
        };
        return first * ASCII_NEXT.powi(n as i32 - 1);
    }
    if let Some(r) = listed(word) {
        return r;
    }
    if n == 1 {
        return UNLISTED_CHAR;
    }
    let char_rate = |c: char| {
        if c.is_ascii_digit() {
            ASCII_DIGIT
        } else if c.is_ascii() {
            ASCII_OTHER
        } else {
            let mut buf = [0u8; 4];
            listed(c.encode_utf8(&mut buf)).unwrap_or(UNLISTED_CHAR)
        }
    };
    let rarest = word.chars().map(char_rate).fold(f64::INFINITY, f64::min);
    (rarest * HAN_NEXT.powi(n as i32 - 1)).min(LISTED_WORD_MIN)
}

/// FNV-1a of a word's bytes: the slot hash of the table's index, which build.rs lays out and
/// [`super::frequency`] probes.
pub fn slot_hash(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}
