//! ONE Aho-Corasick automaton for every keyword of every rule, and for every context phrase (`unless.inside`,
//! `unless.after`, `unless.near`), so the text is walked once whatever the number of rules.
//!
//! The automaton is daachorse's character-wise double array (issue 6): it steps once per character rather than
//! once per byte, which on Chinese text (three bytes a character) scans about twice as fast as a byte DFA.
//!
//! Building it for the default packs (about 4,700 phrases and regex literals) takes about 5 ms, several times
//! the cost of scanning one script. So it is built on first need: the first few hundred kilobytes of small
//! inputs are scanned with [`Direct`], a table of the patterns by first character that costs next to nothing
//! to build (issue 6: a pre-commit run on one script; "choose the kind by input size, build lazily"). Both
//! report the same occurrences in the same order.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

use daachorse::CharwiseDoubleArrayAhoCorasick;

use super::fxhash::FxHashMap;
use super::{Hit, Role};
use crate::error::RuleError;
use crate::rules::Rule;

/// Texts at most this long may be scanned without the automaton.
const DIRECT_TEXT_BYTES: usize = 64 * 1024;

/// Bytes scanned without the automaton before it is built: about what scanning them directly costs compared
/// with building the automaton for the default packs.
const DIRECT_BUDGET_BYTES: usize = 256 * 1024;

/// The automaton and, for each of its patterns, the (rule, role) pairs it stands for. A phrase used by several
/// rules is one pattern with several roles, so overlapping terms of different rules are each reported.
pub struct KeywordIndex {
    patterns: Vec<String>,
    ac: OnceLock<Result<CharwiseDoubleArrayAhoCorasick<u32>, String>>,
    direct: Direct,
    /// Bytes scanned by `direct` so far, and whether some thread has started building `ac`.
    direct_bytes: AtomicUsize,
    building: AtomicBool,
    roles: Vec<Vec<(u32, Role)>>,
    /// Per pattern, the id of the regex literal it also is ([`NO_LITERAL`] if none).
    literal: Vec<u32>,
    /// Number of rule phrases (the patterns after them are regex literals only).
    phrases: usize,
    longest: usize,
    longest_match: usize,
    longest_context: usize,
}

impl Clone for KeywordIndex {
    fn clone(&self) -> KeywordIndex {
        KeywordIndex {
            patterns: self.patterns.clone(),
            ac: self.ac.clone(),
            direct: self.direct.clone(),
            direct_bytes: AtomicUsize::new(self.direct_bytes.load(Ordering::Relaxed)),
            building: AtomicBool::new(self.building.load(Ordering::Relaxed)),
            roles: self.roles.clone(),
            literal: self.literal.clone(),
            phrases: self.phrases,
            longest: self.longest,
            longest_match: self.longest_match,
            longest_context: self.longest_context,
        }
    }
}

impl fmt::Debug for KeywordIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeywordIndex")
            .field("patterns", &self.roles.len())
            .field("longest", &self.longest)
            .finish()
    }
}

/// [`KeywordIndex`]'s mark for a pattern that is no regex literal.
const NO_LITERAL: u32 = u32::MAX;

impl KeywordIndex {
    /// Builds the automaton over the normalized phrases of all rules.
    pub fn new(rules: &[Rule]) -> Result<KeywordIndex, RuleError> {
        KeywordIndex::with_literals(rules, &[])
    }

    /// Indexes the phrases of all rules and the literals that gate the regexes
    /// ([`super::regexes::RegexIndex::literals`]), so that one pass over the text finds both (issue 6: the
    /// second automaton pass cost as much as the first). The automaton itself is built on first need.
    pub fn with_literals(rules: &[Rule], literals: &[String]) -> Result<KeywordIndex, RuleError> {
        let mut ids: FxHashMap<&str, usize> = FxHashMap::default();
        let mut patterns: Vec<String> = Vec::new();
        let mut roles: Vec<Vec<(u32, Role)>> = Vec::new();
        let mut longest_match = 0;
        let mut longest_context = 0;
        for (ri, rule) in rules.iter().enumerate() {
            let lists: [(&[String], Role); 4] = [
                (&rule.keywords, Role::Match),
                (&rule.inside, Role::Inside),
                (&rule.after, Role::After),
                (&rule.near, Role::Near),
            ];
            for (list, role) in lists {
                for phrase in list {
                    if phrase.is_empty() {
                        continue;
                    }
                    if role == Role::Match {
                        longest_match = longest_match.max(phrase.len());
                    } else {
                        longest_context = longest_context.max(phrase.len());
                    }
                    let id = *ids.entry(phrase.as_str()).or_insert_with(|| {
                        patterns.push(phrase.clone());
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
        let longest = longest_match.max(longest_context);
        let phrases = patterns.len();
        let mut literal = vec![NO_LITERAL; phrases];
        for (li, lit) in literals.iter().enumerate() {
            if lit.is_empty() {
                return Err(RuleError::Build("empty regex literal".into()));
            }
            let id = *ids.entry(lit.as_str()).or_insert_with(|| {
                patterns.push(lit.clone());
                roles.push(Vec::new());
                literal.push(NO_LITERAL);
                patterns.len() - 1
            });
            literal[id] = li as u32;
        }
        if u32::try_from(patterns.len()).is_err() {
            return Err(RuleError::Build(
                "too many phrases for one automaton".into(),
            ));
        }
        let direct = Direct::new(&patterns);
        Ok(KeywordIndex {
            patterns,
            ac: OnceLock::new(),
            direct,
            direct_bytes: AtomicUsize::new(0),
            building: AtomicBool::new(false),
            roles,
            literal,
            phrases,
            longest,
            longest_match,
            longest_context,
        })
    }

    fn automaton(&self) -> Result<&CharwiseDoubleArrayAhoCorasick<u32>, String> {
        self.building.store(true, Ordering::Relaxed);
        self.ac
            .get_or_init(|| {
                // Patterns are distinct and non-empty (the map above, and compile.rs rejects empty phrases).
                CharwiseDoubleArrayAhoCorasick::new(&self.patterns).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Number of distinct rule phrases in the automaton.
    pub fn len(&self) -> usize {
        self.phrases
    }

    /// True when no rule has a phrase.
    pub fn is_empty(&self) -> bool {
        self.phrases == 0
    }

    /// Longest phrase in bytes: big inputs are split into chunks that overlap by at least this much.
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// Longest keyword (a phrase that makes a candidate) in normalized bytes.
    pub fn longest_match(&self) -> usize {
        self.longest_match
    }

    /// Longest context phrase (`unless.inside`, `after`, `near`) in normalized bytes.
    pub fn longest_context(&self) -> usize {
        self.longest_context
    }

    /// Appends every occurrence of every phrase, overlapping ones included, for the rules marked `active`.
    pub fn scan(&self, text: &str, active: &[bool], out: &mut Vec<Hit>) -> Result<(), String> {
        self.scan_with_literals(text, active, out, &mut Vec::new())
    }

    /// [`KeywordIndex::scan`], and every occurrence of a regex literal as (literal id, start) in `literals`.
    ///
    /// Occurrences come in the automaton's order, by end and then longest first, whichever way they were
    /// found.
    pub fn scan_with_literals(
        &self,
        text: &str,
        active: &[bool],
        out: &mut Vec<Hit>,
        literals: &mut Vec<(u32, usize)>,
    ) -> Result<(), String> {
        if self.patterns.is_empty() {
            return Ok(());
        }
        let mut emit = |id: usize, start: usize, end: usize| {
            if self.literal[id] != NO_LITERAL {
                literals.push((self.literal[id], start));
            }
            for &(rule, role) in &self.roles[id] {
                if active[rule as usize] {
                    out.push(Hit {
                        rule,
                        role,
                        start,
                        end,
                    });
                }
            }
        };
        if self.use_direct(text.len()) {
            for (id, start, end) in self.direct.find_all(&self.patterns, text) {
                emit(id as usize, start, end);
            }
            return Ok(());
        }
        for m in self.automaton()?.find_overlapping_iter(text) {
            emit(m.value() as usize, m.start(), m.end());
        }
        Ok(())
    }

    /// Whether this text is scanned without the automaton: it is small, the automaton is not built yet, and
    /// either the direct budget is not spent or another thread is building it (no one waits for it then).
    fn use_direct(&self, len: usize) -> bool {
        if self.ac.get().is_some() || len > DIRECT_TEXT_BYTES {
            return false;
        }
        let before = self.direct_bytes.fetch_add(len, Ordering::Relaxed);
        before + len <= DIRECT_BUDGET_BYTES || self.building.load(Ordering::Relaxed)
    }
}

/// The patterns grouped by their first character: at every character of the text, the patterns that start
/// with it are compared with the text there. Costs a sort to build and a binary search per character to scan.
#[derive(Debug, Clone, Default)]
struct Direct {
    /// Distinct first characters, sorted.
    firsts: Vec<char>,
    /// `ids[spans[i]..spans[i + 1]]` are the patterns that start with `firsts[i]`.
    spans: Vec<u32>,
    ids: Vec<u32>,
}

impl Direct {
    fn new(patterns: &[String]) -> Direct {
        let mut keyed: Vec<(char, u32)> = patterns
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((p.chars().next()?, i as u32)))
            .collect();
        keyed.sort_unstable();
        let mut d = Direct::default();
        for (c, id) in keyed {
            if d.firsts.last() != Some(&c) {
                d.firsts.push(c);
                d.spans.push(d.ids.len() as u32);
            }
            d.ids.push(id);
        }
        d.spans.push(d.ids.len() as u32);
        d
    }

    /// Every occurrence of every pattern as (pattern, start, end), sorted as the automaton reports them: by
    /// end, and for one end the longest first.
    fn find_all(&self, patterns: &[String], text: &str) -> Vec<(u32, usize, usize)> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        for (pos, c) in text.char_indices() {
            let Ok(i) = self.firsts.binary_search(&c) else {
                continue;
            };
            let rest = &bytes[pos..];
            for &id in &self.ids[self.spans[i] as usize..self.spans[i + 1] as usize] {
                let p = patterns[id as usize].as_bytes();
                if rest.starts_with(p) {
                    found.push((id, pos, pos + p.len()));
                }
            }
        }
        found.sort_unstable_by_key(|&(_, start, end)| (end, start));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{PackSource, RuleSet};

    /// A pack of one rule with this `match`/`unless` and these examples.
    fn one_rule(matcher: &str, examples: &str) -> RuleSet {
        let text = format!(
            "pack: t\nrules:\n  - id: a\n    title: a\n    category: absolute-terms\n    severity: error\n    law: [\"广告法 第九条第三项\"]\n    message: \"{{matched}}\"\n    help: h\n    {matcher}\n    examples: {examples}\n"
        );
        RuleSet::from_sources(&[PackSource {
            name: "t.yaml".into(),
            text,
        }])
        .unwrap()
    }

    #[test]
    fn every_overlapping_occurrence_is_found() {
        let set = one_rule(
            "match: { keywords: [最好, 好的, 全网最好, no.1] }\n    unless: { inside: [最好不要] }",
            r#"{ flag: ["«最好»"], pass: ["最好不要"] }"#,
        );
        let idx = KeywordIndex::new(&set.rules).unwrap();
        let text = "全网最好的 no.1 最好不要全网最好";
        let mut a = Vec::new();
        idx.scan(text, &[true], &mut a).unwrap();
        a.sort_unstable_by_key(|h| (h.start, h.end));
        let found: Vec<&str> = a.iter().map(|h| &text[h.start..h.end]).collect();
        assert_eq!(
            found,
            [
                "全网最好",
                "最好",
                "好的",
                "no.1",
                "最好",
                "最好不要",
                "全网最好",
                "最好"
            ]
        );
        assert_eq!(idx.longest_match(), "全网最好".len());
        assert_eq!(idx.longest_context(), "最好不要".len());
    }

    /// Every occurrence the automaton reports, in its order, from a pattern set with shared prefixes, suffixes
    /// and patterns inside others.
    fn both_ways(patterns: &[&str], text: &str) {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        let ac = CharwiseDoubleArrayAhoCorasick::<u32>::new(&patterns).unwrap();
        let want: Vec<(u32, usize, usize)> = ac
            .find_overlapping_iter(text)
            .map(|m| (m.value(), m.start(), m.end()))
            .collect();
        let got = Direct::new(&patterns).find_all(&patterns, text);
        assert_eq!(got, want, "text {text:?}");
    }

    #[test]
    fn direct_scan_reports_what_the_automaton_reports() {
        let patterns = [
            "最",
            "最好",
            "最好的",
            "好的",
            "的",
            "全网最低",
            "网最",
            "低价",
            "最低价",
            "no.1",
            "o.",
            "1",
            "家人们",
            "人们",
            "们",
        ];
        both_ways(&patterns, "全网最低价，最好的no.1家人们最最好好的的");
        // Pseudo-random texts over the patterns' characters and a few others.
        let alphabet: Vec<char> = "最好的全网低价no.1家人们，x天".chars().collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..200 {
            let text: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            both_ways(&patterns, &text);
        }
    }

    #[test]
    fn small_texts_skip_the_automaton_until_the_budget_is_spent() {
        let set = one_rule(
            "match: { keywords: [最好, 第一] }",
            r#"{ flag: ["«最好»"], pass: ["很好"] }"#,
        );
        let idx = KeywordIndex::new(&set.rules).unwrap();
        let text = "最好，第一，最好".repeat(100);
        let mut first = Vec::new();
        idx.scan(&text, &[true], &mut first).unwrap();
        assert!(idx.ac.get().is_none(), "a small text is scanned directly");
        let mut n = 0;
        while idx.ac.get().is_none() {
            let mut again = Vec::new();
            idx.scan(&text, &[true], &mut again).unwrap();
            assert_eq!(again, first);
            n += 1;
            assert!(n <= DIRECT_BUDGET_BYTES / text.len() + 1, "never built");
        }
        let mut last = Vec::new();
        idx.scan(&text, &[true], &mut last).unwrap();
        assert_eq!(last, first);
        assert_eq!(first.len(), 300);
    }
}
