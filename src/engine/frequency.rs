//! How often a word occurs in text, per character: what the regex gates are planned by (issue 6).
//!
//! A gated regex is searched where one of its word sets (the *trigger*) occurs, and its other required sets
//! can be *arms*, whose every occurrence the keyword pass reports so that a start without one nearby is
//! skipped. Whether a set is worth either depends on how often it occurs: 合作 or 平台 occur every few
//! hundred characters of commerce talk, 癌 or 疮 seldom, though each is one character. Counting characters,
//! as the planner first did, took every one-character word for common and every longer word for rare.
//!
//! Chinese rates come from `data/han_freq.tsv` (jieba's dictionary, counted on a general corpus; see
//! `scripts/han_freq.py`): every character, and the words of two characters or more that occur at least once
//! in 100,000 characters. An unlisted word is rarer than that, and is estimated from its rarest character.
//! ASCII words (`v`, `qq`, `gmv`, digits) get a rate that falls with their length.
//!
//! The rates only steer where the engine searches: findings are the same whatever they are (the gates
//! skip only starts where no match can begin).

include!(concat!(env!("OUT_DIR"), "/han_freq_table.rs"));

use super::frequency_model::{rate_with, slot_hash};

/// Expected occurrences of `word` per character of text. An empty word occurs everywhere.
pub fn rate(word: &str) -> f64 {
    rate_with(word, &listed)
}

/// Expected occurrences of any word of `set` per character of text.
pub fn set_rate<S: AsRef<str>>(set: &[S]) -> f64 {
    set.iter().map(|w| rate(w.as_ref())).sum()
}

/// The table's rate of `word`, found through `HAN_FREQ_INDEX` rather than a binary search of string
/// comparisons: rating the default packs' thousands of words that way at start-up took 17 M more instructions
/// on a 5 KB script, two thirds of the run; with the index, 2 M (issue 6; those packs are now rated by
/// build.rs, a user pack's words here).
fn listed(word: &str) -> Option<f64> {
    let mask = HAN_FREQ_INDEX.len() - 1;
    let mut s = slot_hash(word.as_bytes()) as usize & mask;
    loop {
        let row = usize::from(HAN_FREQ_INDEX[s]).checked_sub(1)?;
        let (w, rate) = han_freq_row(row)?;
        if w == word {
            return Some(f64::from(rate) * 1e-9);
        }
        s = (s + 1) & mask;
    }
}

/// Row `i` of the table: its word and its occurrences per billion characters.
fn han_freq_row(i: usize) -> Option<(&'static str, u32)> {
    let start = match i.checked_sub(1) {
        Some(prev) => *HAN_FREQ_ENDS.get(prev)? as usize,
        None => 0,
    };
    let end = *HAN_FREQ_ENDS.get(i)? as usize;
    Some((HAN_FREQ_WORDS.get(start..end)?, *HAN_FREQ_RATES.get(i)?))
}

#[cfg(test)]
mod tests {
    use super::super::frequency_model::{LISTED_WORD_MIN, UNLISTED_CHAR};
    use super::*;

    #[test]
    fn common_characters_and_words_outrank_rare_ones() {
        // One character each, yet 的 is nearly a hundred times as common as 癌.
        assert!(rate("的") > 50.0 * rate("癌"));
        assert!(rate("合作") > 10.0 * rate("央视"));
        assert!(rate("万") > rate("万元"));
    }

    #[test]
    fn unlisted_words_are_rarer_than_listed_ones_and_fall_with_length() {
        // 小助理 is not in the dictionary; 助理 is.
        assert!(listed("小助理").is_none() && listed("助理").is_some());
        assert!(rate("小助理") <= LISTED_WORD_MIN);
        assert!(rate("小助理") > 0.0);
        assert!(rate("𪚥") == UNLISTED_CHAR);
    }

    #[test]
    fn ascii_words_fall_with_length_and_digits_are_commonest() {
        assert!(rate("7") > rate("v"));
        assert!(rate("v") > rate("qq"));
        assert!(rate("qq") > rate("gmv"));
        assert_eq!(rate(""), 1.0);
        assert_eq!(set_rate(&["qq", "v"]), rate("qq") + rate("v"));
    }

    #[test]
    fn the_table_is_sorted_and_holds_every_common_character() {
        let rows: Vec<_> = (0..HAN_FREQ_ENDS.len())
            .map(|i| han_freq_row(i).unwrap())
            .collect();
        assert!(rows.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(rows.iter().all(|(w, _)| !w.is_empty()));
        assert_eq!(
            rows.iter().map(|(w, _)| w.len()).sum::<usize>(),
            HAN_FREQ_WORDS.len()
        );
        assert_eq!(han_freq_row(HAN_FREQ_ENDS.len()), None);
        // Every row is found through the index built by build.rs with its own copy of the hash.
        for &(w, r) in &rows {
            assert_eq!(listed(w), Some(f64::from(r) * 1e-9), "{w}");
        }
        assert_eq!(listed("不在表中的词"), None);
        assert!(rows.len() > 10_000);
        for c in "的一是不了人我在有他这中大来上个国到说们".chars() {
            assert!(rate(&c.to_string()) > 1e-3, "{c}");
        }
    }
}
