//! The facts of the embedded packs' regexes, worked out by build.rs with [`regex_facts`] when livelint is
//! built, so that a run does not parse them (issue 6: parsing and literal extraction of the default packs'
//! regexes took about 60 ms, the whole budget of a pre-commit run on one script). Regexes of other packs are
//! analysed when they are loaded.

use super::regex_facts::{self, Facts, StaticFacts, StaticGroup};

include!(concat!(env!("OUT_DIR"), "/regex_facts_table.rs"));

/// The table's entry for a pattern, if it is a regex of the embedded packs.
pub fn embedded(pattern: &str) -> Option<&'static StaticFacts> {
    EMBEDDED_FACTS
        .binary_search_by(|(p, _)| (*p).cmp(pattern))
        .ok()
        .map(|i| &EMBEDDED_FACTS[i].1)
}

/// Every pattern of the table with its facts.
#[cfg(test)]
pub fn embedded_table() -> impl Iterator<Item = (&'static str, &'static StaticFacts)> {
    EMBEDDED_FACTS.iter().map(|(p, f)| (*p, f))
}

/// The facts of a pattern: from the table when it has them, else analysed now. Only the literals `keep`
/// accepts are taken from the table; the caller filters the others itself.
pub fn facts(pattern: &str, keep: &dyn Fn(&str) -> bool) -> Result<Facts, String> {
    match embedded(pattern) {
        Some(f) => Ok(f.facts(keep)),
        None => regex_facts::analyze(pattern),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    #[test]
    fn the_table_is_what_analysis_gives_now() {
        assert!(EMBEDDED_FACTS.len() > 100);
        for (pattern, f) in EMBEDDED_FACTS {
            assert_eq!(
                f.facts(&|_| true),
                regex_facts::analyze(pattern)
                    .unwrap()
                    .without_ascii_capitals()
                    .without_extensions(),
                "{pattern}"
            );
        }
    }

    #[test]
    fn build_time_rates_are_the_engines_rates() {
        // build.rs rates each word set with the engine's model over the words without ASCII capitals; the
        // planner trusts those figures for the embedded packs instead of rating the sets at start-up.
        let engine_rate = |words: &[&str]| {
            let kept: Vec<&str> = words
                .iter()
                .copied()
                .filter(|w| !w.bytes().any(|b| b.is_ascii_uppercase()))
                .collect();
            crate::engine::frequency::set_rate(&kept)
        };
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
        let mut sets = 0;
        for (pattern, f) in EMBEDDED_FACTS {
            for g in f.groups.into_iter().flatten() {
                if let Some((words, rate)) = g.prefixes {
                    assert!(close(rate, engine_rate(words)), "{pattern}");
                    sets += 1;
                }
                for &(words, _, _, rate) in g.required {
                    assert!(close(rate, engine_rate(words)), "{pattern}");
                    sets += 1;
                }
            }
        }
        assert!(sets > 300, "{sets} sets rated");
    }

    #[test]
    fn every_embedded_regex_is_in_the_table() {
        let set = RuleSet::from_sources(&crate::rules::pack::embedded()).unwrap();
        let mut n = 0;
        for rule in &set.rules {
            for re in &rule.regexes {
                assert!(embedded(re).is_some(), "{re}");
                n += 1;
            }
        }
        assert!(n > 100);
        assert!(embedded("not (a) rule regex").is_none());
    }
}
