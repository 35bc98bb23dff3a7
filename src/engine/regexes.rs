//! ONE multi-pattern regex pass: every regex of every rule is a pattern of a single lazy DFA searched with
//! overlapping semantics, so two rules' regexes matching the same text are both reported. A reverse DFA,
//! anchored on the pattern that matched, finds where each match starts.
//!
//! Every match is reported: for each pattern and each offset where one of its matches ends, the leftmost start
//! of a match ending there, at most [`MAX_MATCH_BYTES`] back. That set depends only on the text around each match, never on where the search
//! began, which is what lets big inputs be split into overlapping chunks with identical findings (issue 6);
//! the engine merges overlapping candidates of a rule into one finding afterwards.
//!
//! The automata are compiled on first use: a run whose inputs activate no regex rule never pays for them.

use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{Arc, OnceLock};

use regex_automata::hybrid::dfa::{Cache, OverlappingState, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::pool::Pool;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind};

use super::{Hit, Role};
use crate::error::RuleError;
use crate::rules::Rule;

type CacheFn = Box<dyn Fn() -> (Cache, Cache) + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// The compiled forward and reverse DFAs, and a pool of their caches so that threads scanning chunks of the
/// same file reuse the states they have already computed.
struct Compiled {
    fwd: DFA,
    rev: DFA,
    caches: Pool<(Cache, Cache), CacheFn>,
}

/// All regexes, the rule each pattern belongs to, and the automata once built.
#[derive(Clone)]
pub struct RegexIndex {
    patterns: Arc<Vec<String>>,
    rule_of: Vec<u32>,
    compiled: OnceLock<Arc<Compiled>>,
    max_len: Option<usize>,
}

impl fmt::Debug for RegexIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegexIndex")
            .field("patterns", &self.patterns)
            .field("rule_of", &self.rule_of)
            .field("compiled", &self.compiled.get().is_some())
            .field("max_len", &self.max_len)
            .finish()
    }
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

/// Longest regex match in bytes of normalized text (about 340 Han characters). A pattern that could match more
/// (`\d+元`) reports, for each end, the leftmost start at most this far back: no real claim in a script is that
/// long, and the bound is what lets every input be split into chunks with identical findings (issue 6).
pub const MAX_MATCH_BYTES: usize = 1024;

/// Longest match of a pattern in bytes (at most [`MAX_MATCH_BYTES`]), `None` when it tests the ends of the text
/// (`^`, `$` without `(?m)`), which a chunk of a text does not share.
fn bounded_len(pattern: &str) -> Result<Option<usize>, RuleError> {
    let hir = syntax::parse_with(pattern, &syntax_config())
        .map_err(|e| RuleError::Build(e.to_string()))?;
    let props = hir.properties();
    if props.look_set().contains_anchor_haystack() {
        return Ok(None);
    }
    Ok(Some(
        props
            .maximum_len()
            .map_or(MAX_MATCH_BYTES, |n| n.min(MAX_MATCH_BYTES)),
    ))
}

fn compile(patterns: &[String]) -> Result<Compiled, String> {
    let fwd = DFA::builder()
        .syntax(syntax_config())
        .configure(
            DFA::config()
                .match_kind(MatchKind::All)
                .cache_capacity(FWD_CACHE_CAPACITY),
        )
        .build_many(patterns)
        .map_err(|e| e.to_string())?;
    let rev = DFA::builder()
        .syntax(syntax_config())
        .thompson(thompson::Config::new().reverse(true))
        .configure(
            DFA::config()
                .match_kind(MatchKind::All)
                .starts_for_each_pattern(true)
                .cache_capacity(REV_CACHE_CAPACITY),
        )
        .build_many(patterns)
        .map_err(|e| e.to_string())?;
    let (f, r) = (fwd.clone(), rev.clone());
    let create: CacheFn = Box::new(move || (f.create_cache(), r.create_cache()));
    Ok(Compiled {
        fwd,
        rev,
        caches: Pool::new(create),
    })
}

impl RegexIndex {
    /// Collects all regexes of all rules; they are parsed now (to bound their length) and compiled on first use.
    pub fn new(rules: &[Rule]) -> Result<RegexIndex, RuleError> {
        let mut patterns: Vec<String> = Vec::new();
        let mut rule_of = Vec::new();
        let mut max_len = Some(0usize);
        for (ri, rule) in rules.iter().enumerate() {
            for re in &rule.regexes {
                max_len = match (max_len, bounded_len(re)?) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                patterns.push(re.clone());
                rule_of.push(ri as u32);
            }
        }
        Ok(RegexIndex {
            patterns: Arc::new(patterns),
            rule_of,
            compiled: OnceLock::new(),
            max_len,
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

    /// Longest match of any regex in bytes; `None` when some regex is anchored to the text ends.
    pub fn max_len(&self) -> Option<usize> {
        self.max_len
    }

    fn compiled(&self) -> Result<&Compiled, String> {
        if let Some(c) = self.compiled.get() {
            return Ok(c);
        }
        let c = Arc::new(compile(&self.patterns)?);
        Ok(self.compiled.get_or_init(|| c))
    }

    /// Appends every match of every pattern of an active rule: for each end offset, the leftmost start.
    pub fn scan(&self, text: &str, active: &[bool], out: &mut Vec<Hit>) -> Result<(), String> {
        if !self.rule_of.iter().any(|&r| active[r as usize]) {
            return Ok(());
        }
        let compiled = self.compiled()?;
        let (fwd, rev) = (&compiled.fwd, &compiled.rev);
        let mut guard = compiled.caches.get();
        let (fcache, rcache) = &mut *guard;
        let mut state = OverlappingState::start();
        let input = Input::new(text);
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
                .range(end.saturating_sub(MAX_MATCH_BYTES)..end)
                .anchored(Anchored::Pattern(pid));
            let Some(start) = rev
                .try_search_rev(rcache, &rinput)
                .map_err(|e| e.to_string())?
                .map(|m| m.offset())
            else {
                continue;
            };
            if start < end {
                out.push(Hit {
                    rule,
                    role: Role::Match,
                    start,
                    end,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_matches_start_at_most_the_cap_back() {
        use crate::rules::{PackSource, RuleSet};
        let set = RuleSet::from_sources(&[PackSource {
            name: "t.yaml".into(),
            text: r#"pack: t
rules:
  - id: digits
    title: d
    category: fake-discount
    severity: warning
    law: ["x"]
    message: "{matched}"
    help: h
    match: { regex: ['\d+元'] }
    examples: { flag: ["«9元»"], pass: ["元"] }
"#
            .into(),
        }])
        .unwrap();
        let idx = RegexIndex::new(&set.rules).unwrap();
        let text = format!("{}元", "1".repeat(3000));
        let mut hits = Vec::new();
        idx.scan(&text, &[true], &mut hits).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].end, text.len());
        assert_eq!(hits[0].start, text.len() - MAX_MATCH_BYTES);
    }

    #[test]
    fn lengths_are_capped_and_anchors_refuse_chunks() {
        assert_eq!(bounded_len(r"史上最\p{Han}{1,3}").unwrap(), Some(9 + 3 * 4)); // \p{Han} reaches 4-byte characters
        assert_eq!(bounded_len(r"\d+元").unwrap(), Some(MAX_MATCH_BYTES));
        assert_eq!(bounded_len(r"^最好").unwrap(), None);
        assert_eq!(bounded_len(r"(?m)^最好").unwrap(), Some(6));
    }
}
