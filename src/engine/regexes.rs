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
//!
//! Gating by literals: most rule regexes start with an alternation of words (`(降血糖|降血压|...)[^,]{0,8}...`).
//! Hundreds of them in one overlapping DFA need more states than any cache holds, so the DFA thrashed (a 100 MB
//! tree took 16 s). Every match of a regex begins with one of its prefix literals, so a regex whose prefix set is
//! finite is *gated*: one character-wise automaton over all those literals finds where matches can start, and
//! only there the regex runs, anchored, for its longest match (capped as above). The union of those spans equals
//! the union of all matches, which is what the engine reports after merging a rule's overlapping candidates.
//! Regexes without a finite prefix set stay in the multi-pattern DFA.

use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{Arc, OnceLock};

use regex_automata::hybrid::dfa::{Cache, OverlappingState, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::pool::Pool;
use regex_automata::util::syntax;
use regex_automata::{meta, Anchored, Input, MatchKind};
use regex_syntax::hir::literal::Extractor;

use daachorse::CharwiseDoubleArrayAhoCorasick;

use super::{Hit, Role};
use crate::error::RuleError;
use crate::normalize::fold_char;
use crate::rules::Rule;

type CacheFn = Box<dyn Fn() -> (Cache, Cache) + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// The compiled forward and reverse DFAs, and a pool of their caches so that threads scanning chunks of the
/// same file reuse the states they have already computed.
struct Compiled {
    fwd: DFA,
    rev: DFA,
    caches: Pool<(Cache, Cache), CacheFn>,
}

/// The prefix literals of all gated regexes in one automaton; each literal's value indexes `owners`.
struct Anchors {
    ac: CharwiseDoubleArrayAhoCorasick<u32>,
    /// For each literal, the gated patterns (indices into `patterns`) it starts.
    owners: Vec<Vec<u32>>,
}

/// All regexes, the rule each pattern belongs to, and the automata once built.
#[derive(Clone)]
pub struct RegexIndex {
    patterns: Arc<Vec<String>>,
    rule_of: Vec<u32>,
    /// Patterns (indices into `patterns`) that go into the multi-pattern DFA, in DFA pattern-id order.
    ungated: Arc<Vec<usize>>,
    /// The literal automaton of the gated patterns, if any.
    anchors: Option<Arc<Anchors>>,
    /// Per pattern, its own anchored regex, compiled the first time one of its literals occurs.
    gated: Arc<Vec<OnceLock<Result<meta::Regex, String>>>>,
    compiled: OnceLock<Arc<Compiled>>,
    max_len: Option<usize>,
}

impl fmt::Debug for RegexIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegexIndex")
            .field("patterns", &self.patterns)
            .field("rule_of", &self.rule_of)
            .field("ungated", &self.ungated.len())
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

/// [`bounded_len_of`] a pattern's source.
#[cfg(test)]
fn bounded_len(pattern: &str) -> Result<Option<usize>, RuleError> {
    Ok(bounded_len_of(&parse(pattern)?))
}

/// Parses a rule regex as the matcher compiles it (case-insensitive).
fn parse(pattern: &str) -> Result<regex_syntax::hir::Hir, RuleError> {
    syntax::parse_with(pattern, &syntax_config()).map_err(|e| RuleError::Build(e.to_string()))
}

/// Longest match of a pattern in bytes (at most [`MAX_MATCH_BYTES`]), `None` when it tests the ends of the text
/// (`^`, `$` without `(?m)`), which a chunk of a text does not share.
fn bounded_len_of(hir: &regex_syntax::hir::Hir) -> Option<usize> {
    let props = hir.properties();
    if props.look_set().contains_anchor_haystack() {
        return None;
    }
    Some(
        props
            .maximum_len()
            .map_or(MAX_MATCH_BYTES, |n| n.min(MAX_MATCH_BYTES)),
    )
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
        let mut prefixes = Vec::new();
        for (ri, rule) in rules.iter().enumerate() {
            for re in &rule.regexes {
                let hir = parse(re)?;
                max_len = match (max_len, bounded_len_of(&hir)) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                prefixes.push(prefix_literals(&hir));
                patterns.push(re.clone());
                rule_of.push(ri as u32);
            }
        }
        let mut ungated = Vec::new();
        let mut literal_ids: std::collections::HashMap<String, usize> = Default::default();
        let mut literals: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<u32>> = Vec::new();
        for (pi, prefix) in prefixes.into_iter().enumerate() {
            match prefix {
                Some(lits) => {
                    for lit in lits {
                        let id = *literal_ids.entry(lit.clone()).or_insert_with(|| {
                            literals.push(lit);
                            owners.push(Vec::new());
                            literals.len() - 1
                        });
                        if !owners[id].contains(&(pi as u32)) {
                            owners[id].push(pi as u32);
                        }
                    }
                }
                None => ungated.push(pi),
            }
        }
        let anchors = if literals.is_empty() {
            None
        } else {
            let ac = CharwiseDoubleArrayAhoCorasick::with_values(
                literals
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.as_str(), i as u32)),
            )
            .map_err(|e| RuleError::Build(e.to_string()))?;
            Some(Arc::new(Anchors { ac, owners }))
        };
        let gated = (0..patterns.len()).map(|_| OnceLock::new()).collect();
        Ok(RegexIndex {
            patterns: Arc::new(patterns),
            rule_of,
            ungated: Arc::new(ungated),
            anchors,
            gated: Arc::new(gated),
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
        let ungated: Vec<String> = self
            .ungated
            .iter()
            .map(|&i| self.patterns[i].clone())
            .collect();
        let c = Arc::new(compile(&ungated)?);
        Ok(self.compiled.get_or_init(|| c))
    }

    /// Appends every match of every pattern of an active rule: for each end offset, the leftmost start.
    pub fn scan(&self, text: &str, active: &[bool], out: &mut Vec<Hit>) -> Result<(), String> {
        if !self.rule_of.iter().any(|&r| active[r as usize]) {
            return Ok(());
        }
        self.scan_gated(text, active, out)?;
        if !self
            .ungated
            .iter()
            .any(|&p| active[self.rule_of[p] as usize])
        {
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
            let rule = self.rule_of[self.ungated[pid.as_usize()]];
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

    /// The gated regexes: where one of a pattern's prefix literals occurs, the pattern's longest match anchored
    /// there (at most [`MAX_MATCH_BYTES`] long).
    fn scan_gated(&self, text: &str, active: &[bool], out: &mut Vec<Hit>) -> Result<(), String> {
        let Some(anchors) = &self.anchors else {
            return Ok(());
        };
        let mut starts: Vec<(u32, usize)> = Vec::new();
        for m in anchors.ac.find_overlapping_iter(text) {
            for &p in &anchors.owners[m.value() as usize] {
                if active[self.rule_of[p as usize] as usize] {
                    starts.push((p, m.start()));
                }
            }
        }
        starts.sort_unstable();
        starts.dedup();
        for (p, start) in starts {
            let re = self.gated[p as usize]
                .get_or_init(|| anchored_regex(&self.patterns[p as usize]))
                .as_ref()
                .map_err(Clone::clone)?;
            let end_cap = (start + MAX_MATCH_BYTES).min(text.len());
            let input = Input::new(text)
                .range(start..end_cap)
                .anchored(Anchored::Yes);
            if let Some(m) = re.search(&input) {
                if m.end() > m.start() {
                    out.push(Hit {
                        rule: self.rule_of[p as usize],
                        role: Role::Match,
                        start: m.start(),
                        end: m.end(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// One gated pattern, for anchored searches that report the longest match at the start.
fn anchored_regex(pattern: &str) -> Result<meta::Regex, String> {
    meta::Regex::builder()
        .syntax(syntax_config())
        .configure(meta::Config::new().match_kind(MatchKind::All))
        .build(pattern)
        .map_err(|e| e.to_string())
}

/// Most prefix literals a gated pattern may have; beyond it the pattern stays in the DFA.
const MAX_PREFIX_LITERALS: usize = 4096;

/// The set of literals every match of `pattern` starts with, when it is finite, non-empty and made of whole
/// characters; `None` otherwise (the pattern then goes into the multi-pattern DFA).
fn prefix_literals(hir: &regex_syntax::hir::Hir) -> Option<Vec<String>> {
    let mut extractor = Extractor::new();
    extractor.limit_total(MAX_PREFIX_LITERALS);
    let seq = extractor.extract(hir);
    let lits = seq.literals()?;
    let mut out = Vec::with_capacity(lits.len());
    for lit in lits {
        let bytes = lit.as_bytes();
        // A literal cut short inside a character keeps its whole-character prefix, which still starts every
        // match it stood for.
        let whole = match std::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
        };
        if whole.is_empty() {
            return None;
        }
        // Matching runs on normalized text, which holds no character that normalization would change: of the
        // case variants a case-insensitive pattern yields (`Clinically`, `cLinically` ...) only the lower-case
        // one can occur, so the others are left out (exactly, not as an approximation).
        if whole.chars().all(|c| fold_char(c) == c) {
            out.push(whole.to_string());
        }
    }
    out.sort_unstable();
    out.dedup();
    if out.is_empty() {
        return None;
    }
    Some(out)
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

    fn index_of(regexes: &[&str]) -> RegexIndex {
        use crate::rules::{PackSource, RuleSet};
        let list = regexes
            .iter()
            .map(|r| format!("'{r}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let yaml = format!(
            "pack: t\nrules:\n  - id: r\n    title: r\n    category: fake-discount\n    severity: warning\n    law: [x]\n    message: m\n    help: h\n    match: {{ regex: [{list}] }}\n    examples: {{ flag: [\"«原价1»\"], pass: [\"x\"] }}\n"
        );
        let set = RuleSet::from_sources(&[PackSource {
            name: "t.yaml".into(),
            text: yaml,
        }])
        .unwrap();
        RegexIndex::new(&set.rules).unwrap()
    }

    #[test]
    fn literal_prefixed_regexes_are_gated_and_others_stay_in_the_dfa() {
        let idx = index_of(&[r"(降血糖|降血压)[^,]{0,8}(见效|管用)", r"\d+天见效"]);
        assert_eq!(
            *idx.ungated,
            vec![1],
            "the digit-led pattern has no finite prefix"
        );
        assert!(idx.anchors.is_some());
        let text = "这款茶降血糖特别管用,10天见效";
        let mut hits = Vec::new();
        idx.scan(text, &[true], &mut hits).unwrap();
        hits.sort_by_key(|h| h.start);
        let spans: Vec<&str> = hits.iter().map(|h| &text[h.start..h.end]).collect();
        assert_eq!(spans, vec!["降血糖特别管用", "10天见效"]);
    }

    #[test]
    fn a_gated_match_is_the_longest_one_from_its_start() {
        let idx = index_of(&[r"原价(\d|\d\d|\d\d\d)"]);
        assert!(idx.ungated.is_empty());
        let text = "原价299元";
        let mut hits = Vec::new();
        idx.scan(text, &[true], &mut hits).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(&text[hits[0].start..hits[0].end], "原价299");
    }

    #[test]
    fn inactive_rules_are_not_scanned() {
        let idx = index_of(&[r"原价\d+"]);
        let mut hits = Vec::new();
        idx.scan("原价299", &[false], &mut hits).unwrap();
        assert!(hits.is_empty());
    }
}
