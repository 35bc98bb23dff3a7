//! How often the regex gates' words occur in the input itself, counted on a sample of it (issue 6).
//!
//! The gates are planned by how often their word sets occur ([`super::frequency`]): a rare set triggers the
//! searches of a regex, and a set not much commoner than the trigger arms them. The rates of the frequency
//! table come from general Chinese text, in which the words of commerce talk are rare: on the benchmark tree
//! 平台 occurred 182,411 times, as the trigger of a regex searched 8 times, and 品牌 135,239 times, as an arm of
//! a regex never searched. Each occurrence of a trigger or arm costs a report from the keyword pass and a place
//! in a bucket, and those were about a fifth of the run.
//!
//! On an archive of many files, the engine first counts every word of every gate set on the first
//! megabytes of it, and plans the gates again with rates that blend those counts with the table's
//! ([`Observed::set_rate`]). Rates only steer where the engine searches: every plan skips only starts where no
//! match can begin, so the findings are the same whatever was counted (tested).

use super::fxhash::FxHashMap;
use super::phrase_set::PhraseSet;

/// Characters of text that the table's rate of a set counts for in [`Observed::set_rate`]: a set the sample
/// never holds keeps a rate of about `table rate × PRIOR_CHARS / sampled characters`, so that a word of a
/// small sample is not taken for one that never occurs.
const PRIOR_CHARS: f64 = 50_000.0;

/// The words to count, in one matcher.
#[derive(Debug)]
pub struct Census {
    words: Vec<String>,
    set: PhraseSet,
}

/// Occurrences of each word of a [`Census`] in some texts, and how many characters those held.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    per_word: Vec<u64>,
    chars: u64,
}

impl Counts {
    /// Adds another text's counts.
    pub fn add(&mut self, other: &Counts) {
        if self.per_word.len() < other.per_word.len() {
            self.per_word.resize(other.per_word.len(), 0);
        }
        for (a, b) in self.per_word.iter_mut().zip(&other.per_word) {
            *a += b;
        }
        self.chars += other.chars;
    }

    /// Characters counted over.
    pub fn chars(&self) -> u64 {
        self.chars
    }
}

impl Census {
    /// A census of `words` (duplicates and empty words are ignored).
    pub fn new(mut words: Vec<String>) -> Census {
        words.retain(|w| !w.is_empty());
        words.sort_unstable();
        words.dedup();
        let set = PhraseSet::new(words.iter().zip(0u32..).map(|(w, i)| (w.as_str(), i)));
        Census { words, set }
    }

    /// Number of words counted.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when there is nothing to count.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Counts the words in `original`, normalized as the engine scans it.
    pub fn count(&self, original: &str) -> Counts {
        let text = crate::normalize::normalize(original).text;
        let text = text.as_str();
        let mut per_word = vec![0u64; self.words.len()];
        self.set
            .for_each_match(text, |id, _, _| per_word[id as usize] += 1);
        Counts {
            per_word,
            chars: text.chars().count() as u64,
        }
    }

    /// The rates the counts observed, to plan by.
    pub fn observed(&self, counts: &Counts) -> Observed {
        let per_word = self
            .words
            .iter()
            .zip(counts.per_word.iter().chain(std::iter::repeat(&0)))
            .map(|(w, &c)| (w.clone(), c))
            .collect();
        Observed {
            per_word,
            chars: counts.chars,
        }
    }
}

/// Word counts of a sample of the input, which the gates are planned by instead of the table's rates alone.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    per_word: FxHashMap<String, u64>,
    chars: u64,
}

impl Observed {
    /// Rates from explicit counts over `chars` characters (tests).
    pub fn from_counts<'a>(
        counts: impl IntoIterator<Item = (&'a str, u64)>,
        chars: u64,
    ) -> Observed {
        Observed {
            per_word: counts
                .into_iter()
                .map(|(w, c)| (w.to_string(), c))
                .collect(),
            chars,
        }
    }

    /// Expected occurrences of any word of `set` per character: the sample's count, with the table's rate
    /// `prior` counted as [`PRIOR_CHARS`] characters more. A word the census did not count (not one of its
    /// words) occurs as the table says.
    pub fn set_rate<S: AsRef<str>>(&self, set: &[S], prior: f64) -> f64 {
        let mut seen = 0u64;
        for w in set {
            match self.per_word.get(w.as_ref()) {
                Some(&c) => seen += c,
                None => return prior,
            }
        }
        (seen as f64 + prior * PRIOR_CHARS) / (self.chars as f64 + PRIOR_CHARS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_occurrence_of_every_word() {
        let census = Census::new(vec![
            "平台".into(),
            "平".into(),
            "品牌".into(),
            "".into(),
            "平台".into(),
        ]);
        assert_eq!(census.len(), 3);
        let mut counts = census.count("平台好，品牌平台");
        counts.add(&census.count("平"));
        assert_eq!(counts.chars(), 9);
        let observed = census.observed(&counts);
        assert_eq!(observed.per_word["平台"], 2);
        assert_eq!(observed.per_word["平"], 3);
        assert_eq!(observed.per_word["品牌"], 1);
    }

    #[test]
    fn rates_blend_the_sample_with_the_table() {
        let observed = Observed::from_counts([("平台", 1_000), ("癌", 0)], 950_000);
        let common = observed.set_rate(&["平台"], 1e-6);
        assert!((common - (1_000.0 + 0.05) / 1_000_000.0).abs() < 1e-12);
        // Never seen: the table's rate, weighted as 50,000 characters of a million.
        let rare = observed.set_rate(&["癌"], 1e-4);
        assert!((rare - 5e-6).abs() < 1e-12);
        // A set with a word the census did not count keeps the table's rate.
        assert_eq!(observed.set_rate(&["平台", "微信"], 3e-5), 3e-5);
    }
}
