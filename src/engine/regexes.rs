//! ONE multi-pattern regex pass: every regex of every rule is a pattern of a single lazy DFA searched with
//! overlapping semantics, so two rules' regexes matching the same text are both reported. A reverse DFA,
//! anchored on the pattern that matched, finds where each match starts.

use regex_automata::hybrid::dfa::{OverlappingState, DFA};
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
}

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
            });
        }
        let build = |e: regex_automata::hybrid::BuildError| RuleError::Build(e.to_string());
        let fwd = DFA::builder()
            .syntax(syntax_config())
            .configure(DFA::config().match_kind(MatchKind::All))
            .build_many(&patterns)
            .map_err(build)?;
        let rev = DFA::builder()
            .syntax(syntax_config())
            .thompson(thompson::Config::new().reverse(true))
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .starts_for_each_pattern(true),
            )
            .build_many(&patterns)
            .map_err(build)?;
        Ok(RegexIndex {
            dfas: Some((fwd, rev)),
            rule_of,
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
        let mut fcache = fwd.create_cache();
        let mut rcache = rev.create_cache();
        let mut state = OverlappingState::start();
        let input = Input::new(text);
        // Per pattern, the end of the last match kept, so a longer match from the same start replaces it.
        let mut last: Vec<Option<usize>> = vec![None; self.rule_of.len()];
        loop {
            fwd.try_search_overlapping_fwd(&mut fcache, &input, &mut state)
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
                .try_search_rev(&mut rcache, &rinput)
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
