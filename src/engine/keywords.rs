//! ONE Aho-Corasick automaton for every keyword of every rule, and for every context phrase (`unless.inside`,
//! `unless.after`, `unless.near`), so the text is walked once whatever the number of rules.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::{Hit, Role};
use crate::error::RuleError;
use crate::rules::Rule;

/// The automaton and, for each of its patterns, the (rule, role) pairs it stands for. A phrase used by several
/// rules is one pattern with several roles, so overlapping terms of different rules are each reported.
#[derive(Debug, Clone)]
pub struct KeywordIndex {
    ac: Option<AhoCorasick>,
    roles: Vec<Vec<(u32, Role)>>,
    longest: usize,
}

impl KeywordIndex {
    /// Builds the automaton over the normalized phrases of all rules.
    pub fn new(rules: &[Rule]) -> Result<KeywordIndex, RuleError> {
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut patterns: Vec<&str> = Vec::new();
        let mut roles: Vec<Vec<(u32, Role)>> = Vec::new();
        for (ri, rule) in rules.iter().enumerate() {
            let lists: [(&[String], Role); 4] = [
                (&rule.keywords, Role::Match),
                (&rule.inside, Role::Inside),
                (&rule.after, Role::After),
                (&rule.near, Role::Near),
            ];
            for (list, role) in lists {
                for phrase in list {
                    let id = *ids.entry(phrase.as_str()).or_insert_with(|| {
                        patterns.push(phrase.as_str());
                        roles.push(Vec::new());
                        patterns.len() - 1
                    });
                    let entry = (ri as u32, role);
                    if !roles[id].contains(&entry) {
                        roles[id].push(entry);
                    }
                }
            }
        }
        let longest = patterns.iter().map(|p| p.len()).max().unwrap_or(0);
        let ac = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                    .map_err(|e| RuleError::Build(e.to_string()))?,
            )
        };
        Ok(KeywordIndex { ac, roles, longest })
    }

    /// Number of distinct phrases in the automaton.
    pub fn len(&self) -> usize {
        self.roles.len()
    }

    /// True when no rule has a phrase.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    /// Longest phrase in bytes: big inputs are split into chunks that overlap by at least this much.
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// Appends every occurrence of every phrase, overlapping ones included, for the rules marked `active`.
    pub fn scan(&self, text: &str, active: &[bool], out: &mut Vec<Hit>) {
        let Some(ac) = &self.ac else { return };
        for m in ac.find_overlapping_iter(text) {
            for &(rule, role) in &self.roles[m.pattern().as_usize()] {
                if active[rule as usize] {
                    out.push(Hit {
                        rule,
                        role,
                        start: m.start(),
                        end: m.end(),
                    });
                }
            }
        }
    }
}
