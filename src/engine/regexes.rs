//! ONE multi-pattern regex pass: every regex of every rule is a pattern of a single lazy DFA searched with
//! overlapping semantics, so two rules' regexes matching the same text are both reported. A reverse DFA,
//! anchored on the pattern that matched, finds where each match starts.

use std::sync::{Arc, Mutex};

use regex_automata::hybrid::dfa::{Cache, OverlappingState, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind};

use super::{Hit, Role};
use crate::error::RuleError;
use crate::rules::Rule;

/// Forward and reverse lazy DFAs over all regexes, plus the rule each pattern belongs to.
#[derive(Debug, Clone)]
pub struct RegexIndex {
    dfas: Option<(DFA, DFA)>,
    rule_of: Vec<u32>,
    /// Caches of finished scans, reused by the next scan. A lazy DFA builds its states while it searches; a fresh
    /// cache per file made every small file pay for determinizing the default packs again (300 files of 5 KB took
    /// about a minute), a reused one pays once per thread.
    caches: Arc<Mutex<Vec<(Cache, Cache)>>>,
}

/// Upper bound of the forward lazy DFA's state cache. The default packs hold well over a hundred regexes with
/// bounded gaps (`[^,。!?;]{0,8}`); searched together with overlapping semantics they need far more DFA states
/// than the 2 MB default, and a cache that is cleared over and over made a 3 MB script take a minute. Memory is
/// only used as states are built: about 30 MB on dense marketing prose.
const FWD_CACHE_CAPACITY: usize = 64 << 20;

/// Upper bound of the reverse DFA's cache; it only runs anchored from the end of each match.
const REV_CACHE_CAPACITY: usize = 16 << 20;

fn syntax_config() -> syntax::Config {
    // The text is already lower-cased; matching case-insensitively lets authors write `Top\s*1`.
    syntax::Config::new().case_insensitive(true)
}

impl RegexIndex {
    /// Compiles all regexes of all rules into one forward and one reverse lazy DFA.
    pub fn new(rules: &[Rule]) -> Result<RegexIndex, RuleError> {
        let mut patterns: Vec<&str> = Vec::new();
        let mut rule_of = Vec::new();
        for (ri, rule) in rules.iter().enumerate() {
            for re in &rule.regexes {
                patterns.push(re.as_str());
                rule_of.push(ri as u32);
            }
        }
        if patterns.is_empty() {
            return Ok(RegexIndex {
                dfas: None,
                rule_of,
                caches: Arc::default(),
            });
        }
        let build = |e: regex_automata::hybrid::BuildError| RuleError::Build(e.to_string());
        let fwd = DFA::builder()
            .syntax(syntax_config())
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(FWD_CACHE_CAPACITY),
            )
            .build_many(&patterns)
            .map_err(build)?;
        let rev = DFA::builder()
            .syntax(syntax_config())
            .thompson(thompson::Config::new().reverse(true))
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .starts_for_each_pattern(true)
                    .cache_capacity(REV_CACHE_CAPACITY),
            )
            .build_many(&patterns)
            .map_err(build)?;
        Ok(RegexIndex {
            dfas: Some((fwd, rev)),
            rule_of,
            caches: Arc::default(),
        })
    }

    /// Number of regexes.
    pub fn len(&self) -> usize {
        self.rule_of.len()
    }

    /// True when no rule has a regex.
    pub fn is_empty(&self) -> bool {
        self.rule_of.is_empty()
    }

    /// Appends the leftmost-longest, non-overlapping matches of each pattern (patterns may overlap each other).
    pub fn scan(&self, text: &str, active: &[bool], out: &mut Vec<Hit>) -> Result<(), String> {
        let Some((fwd, rev)) = &self.dfas else {
            return Ok(());
        };
        if !self.rule_of.iter().any(|&r| active[r as usize]) {
            return Ok(());
        }
        let reused = self.caches.lock().ok().and_then(|mut v| v.pop());
        let (mut fcache, mut rcache) =
            reused.unwrap_or_else(|| (fwd.create_cache(), rev.create_cache()));
        let result = self.scan_with(fwd, rev, &mut fcache, &mut rcache, text, active, out);
        if let Ok(mut v) = self.caches.lock() {
            v.push((fcache, rcache));
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn scan_with(
        &self,
        fwd: &DFA,
        rev: &DFA,
        fcache: &mut Cache,
        rcache: &mut Cache,
        text: &str,
        active: &[bool],
        out: &mut Vec<Hit>,
    ) -> Result<(), String> {
        let mut state = OverlappingState::start();
        let input = Input::new(text);
        // Per pattern, the end of the last match kept, so a longer match from the same start replaces it.
        let mut last: Vec<Option<usize>> = vec![None; self.rule_of.len()];
        loop {
            fwd.try_search_overlapping_fwd(fcache, &input, &mut state)
                .map_err(|e| e.to_string())?;
            let Some(hm) = state.get_match() else { break };
            let pid = hm.pattern();
            let rule = self.rule_of[pid.as_usize()];
            if !active[rule as usize] {
                continue;
            }
            let end = hm.offset();
            let rinput = Input::new(text)
                .range(..end)
                .anchored(Anchored::Pattern(pid));
            let Some(start) = rev
                .try_search_rev(rcache, &rinput)
                .map_err(|e| e.to_string())?
                .map(|m| m.offset())
            else {
                continue;
            };
            if start == end {
                continue;
            }
            match last[pid.as_usize()] {
                // Same pattern, overlapping an earlier match: keep the union (leftmost-longest).
                Some(i) if out[i].end > start || out[i].start == start => {
                    if end > out[i].end {
                        out[i].end = end;
                    }
                }
                _ => {
                    last[pid.as_usize()] = Some(out.len());
                    out.push(Hit {
                        rule,
                        role: Role::Match,
                        start,
                        end,
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{PackSource, RuleSet};

    #[test]
    fn caches_are_reused_and_results_stay_the_same() {
        let set = RuleSet::from_sources(&[PackSource {
            name: "t.yaml".into(),
            text: r#"pack: t
rules:
  - id: r
    title: r
    category: fake-discount
    severity: warning
    law: ["明码标价和禁止价格欺诈规定 第十六条"]
    message: "{matched}"
    help: h
    match: { regex: ['原价\d+[^。]{0,8}到手价\d+'] }
    examples: { flag: ["«原价99，今天到手价49»"], pass: ["原价"] }
"#
            .into(),
        }])
        .unwrap();
        let index = RegexIndex::new(&set.rules).unwrap();
        let mut first = Vec::new();
        index
            .scan("原价99，今天到手价49", &[true], &mut first)
            .unwrap();
        assert_eq!(index.caches.lock().unwrap().len(), 1);
        let mut second = Vec::new();
        index
            .scan("原价99，今天到手价49", &[true], &mut second)
            .unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), 1);
        // One scan at a time here, so one cache pair is enough.
        assert_eq!(index.caches.lock().unwrap().len(), 1);
    }
}
