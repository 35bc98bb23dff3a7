//! ONE matcher for every keyword of every rule, and for every context phrase (`unless.inside`,
//! `unless.after`, `unless.near`) and regex literal, so the text is walked once whatever the number of rules.
//!
//! The matcher is a [`PhraseSet`] (issue 6): a filter of the character pairs phrases begin with, then the sorted
//! phrases of a pair narrowed byte by byte where the filter lets a position through. It is built by a sort, so
//! a pre-commit run on one script pays next to nothing for it, and it scans faster than the double-array
//! automaton it replaced.

use super::fxhash::FxHashMap;
use super::phrase_set::PhraseSet;
use super::{Hit, Role};
use crate::error::RuleError;
use crate::rules::Rule;

/// The matcher and, for each of its patterns, the (rule, role) pairs it stands for. A phrase used by several
/// rules is one pattern with several roles, so overlapping terms of different rules are each reported.
#[derive(Debug, Clone)]
pub struct KeywordIndex {
    set: PhraseSet,
    /// What each pattern stands for, in the set's own order ([`PhraseSet::ids_in_order`]), so that an
    /// occurrence looks up one entry of 16 bytes (issue 6: four tables by pattern id, each an L2 access, at
    /// 5 million occurrences on the benchmark tree).
    entries: Vec<Entry>,
    roles: Vec<(u32, Role)>,
    /// Number of rule phrases (the patterns after them are regex literals only).
    phrases: usize,
    longest: usize,
    longest_match: usize,
    longest_context: usize,
}

/// [`KeywordIndex`]'s mark for a pattern that is no regex literal.
const NO_LITERAL: u32 = u32::MAX;

/// One pattern of a [`KeywordIndex`]: its (rule, role) pairs are `roles[first..last]`, its match roles up to
/// `match_end`, then its context roles; `literal` is the id of the regex literal it also is ([`NO_LITERAL`]
/// if none).
#[derive(Debug, Clone, Copy)]
struct Entry {
    literal: u32,
    first: u32,
    match_end: u32,
    last: u32,
}

impl Entry {
    /// Its match roles, as a range of `roles`.
    fn matches(&self) -> std::ops::Range<usize> {
        self.first as usize..self.match_end as usize
    }

    /// Its context roles, as a range of `roles`.
    fn context(&self) -> std::ops::Range<usize> {
        self.match_end as usize..self.last as usize
    }
}

/// About how many gating literals a regex gives (10.5 on the default packs): what the phrase map reserves.
const LITERALS_PER_REGEX: usize = 12;

/// The distinct phrases of all rules and, for each, the (rule, role) pairs it stands for: the part of the
/// index that does not depend on the regexes. Patterns are borrowed while the index is built: the phrase set
/// keeps their bytes in one buffer, and the roles are one flat table, so building allocates a few arrays rather
/// than one string and one list per pattern (issue 6: start-up on one script).
#[derive(Debug)]
pub struct RulePhrases<'a> {
    ids: FxHashMap<&'a str, u32>,
    patterns: Vec<&'a str>,
    role_starts: Vec<u32>,
    match_ends: Vec<u32>,
    roles: Vec<(u32, Role)>,
    longest_match: usize,
    longest_context: usize,
}

impl<'a> RulePhrases<'a> {
    /// Collects the normalized phrases of `rules`.
    pub fn new(rules: &'a [Rule]) -> RulePhrases<'a> {
        // Room for the phrases and the regexes' literals, which `from_phrases` adds, from the start: the map
        // grew three times on the default packs (1,241 phrases, 3,004 literals of 286 regexes), and each new
        // table was fresh pages to fault in at start-up (issue 6).
        let phrases: usize = rules
            .iter()
            .map(|r| r.keywords.len() + r.inside.len() + r.after.len() + r.near.len())
            .sum();
        let regexes: usize = rules.iter().map(|r| r.regexes.len()).sum();
        let room = phrases + LITERALS_PER_REGEX * regexes;
        let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
        ids.reserve(room);
        let mut patterns: Vec<&str> = Vec::with_capacity(room);
        let mut pairs: Vec<(u32, u32, Role)> = Vec::new();
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
                        patterns.push(phrase);
                        patterns.len() as u32 - 1
                    });
                    pairs.push((id, ri as u32, role));
                }
            }
        }
        // Per pattern, its (rule, role) pairs, each once: the match roles first (a scan reports those at once,
        // the context roles only near a candidate of their rule), each part by rule.
        pairs.sort_unstable_by_key(|&(id, rule, role)| (id, role != Role::Match, rule, role));
        pairs.dedup();
        let mut role_starts = Vec::with_capacity(patterns.len() + 1);
        let mut match_ends = Vec::with_capacity(patterns.len());
        let mut roles = Vec::with_capacity(pairs.len());
        let mut next = pairs.iter().peekable();
        for id in 0..patterns.len() as u32 {
            role_starts.push(roles.len() as u32);
            while let Some(&(_, rule, _)) = next.next_if(|p| p.0 == id && p.2 == Role::Match) {
                roles.push((rule, Role::Match));
            }
            match_ends.push(roles.len() as u32);
            while let Some(&(_, rule, role)) = next.next_if(|p| p.0 == id) {
                roles.push((rule, role));
            }
        }
        role_starts.push(roles.len() as u32);
        RulePhrases {
            ids,
            patterns,
            role_starts,
            match_ends,
            roles,
            longest_match,
            longest_context,
        }
    }
}

impl KeywordIndex {
    /// Indexes the normalized phrases of all rules.
    pub fn new(rules: &[Rule]) -> Result<KeywordIndex, RuleError> {
        KeywordIndex::with_literals(rules, &[])
    }

    /// Indexes the phrases of all rules and the literals that gate the regexes
    /// ([`super::regexes::RegexIndex::literals`]), so that one pass over the text finds both (issue 6: a
    /// second pass cost as much as the first).
    pub fn with_literals(rules: &[Rule], literals: &[String]) -> Result<KeywordIndex, RuleError> {
        KeywordIndex::from_phrases(RulePhrases::new(rules), literals)
    }

    /// [`KeywordIndex::with_literals`] from the rules' phrases, collected beforehand: the engine collects
    /// them while it analyses the regexes that give the literals.
    pub fn from_phrases(
        phrases: RulePhrases<'_>,
        literals: &[String],
    ) -> Result<KeywordIndex, RuleError> {
        let RulePhrases {
            mut ids,
            mut patterns,
            mut role_starts,
            mut match_ends,
            roles,
            longest_match,
            longest_context,
        } = phrases;
        let longest = longest_match.max(longest_context);
        let phrases = patterns.len();
        let mut literal = vec![NO_LITERAL; phrases];
        ids.reserve(literals.len());
        for (li, lit) in literals.iter().enumerate() {
            if lit.is_empty() {
                return Err(RuleError::Build("empty regex literal".into()));
            }
            let id = *ids.entry(lit.as_str()).or_insert_with(|| {
                patterns.push(lit);
                literal.push(NO_LITERAL);
                patterns.len() as u32 - 1
            });
            literal[id as usize] = li as u32;
        }
        if u32::try_from(patterns.len()).is_err() {
            return Err(RuleError::Build("too many phrases for one matcher".into()));
        }
        // A literal that is no rule phrase stands for no (rule, role) pair.
        let end = roles.len() as u32;
        role_starts.pop();
        role_starts.resize(patterns.len() + 1, end);
        match_ends.resize(patterns.len(), end);
        let set = PhraseSet::new(patterns.iter().zip(0u32..).map(|(p, i)| (*p, i)));
        let entries = set
            .ids_in_order()
            .iter()
            .map(|&id| {
                let i = id as usize;
                Entry {
                    literal: literal[i],
                    first: role_starts[i],
                    match_end: match_ends[i],
                    last: role_starts[i + 1],
                }
            })
            .collect();
        Ok(KeywordIndex {
            set,
            entries,
            roles,
            phrases,
            longest,
            longest_match,
            longest_context,
        })
    }

    /// Number of distinct rule phrases in the matcher.
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
    pub fn scan(&self, text: &str, active: &[bool], out: &mut Vec<Hit>) {
        let mut context = Vec::new();
        self.scan_with_literals(text, active, out, &mut Vec::new(), &mut context);
        self.context_hits(&context, active, out);
    }

    /// [`KeywordIndex::scan`], and every occurrence of a regex literal as (literal id, start) in `literals`.
    ///
    /// Occurrences come by start, and for one start the shortest first.
    pub fn scan_with_literals(
        &self,
        text: &str,
        active: &[bool],
        out: &mut Vec<Hit>,
        literals: &mut Vec<(u32, usize)>,
        context: &mut Vec<ContextPhrase>,
    ) {
        self.set.for_each_match_in_order(text, |id, start, end| {
            let entry = self.entries[id as usize];
            if entry.literal != NO_LITERAL {
                literals.push((entry.literal, start));
            }
            for &(rule, role) in &self.roles[entry.matches()] {
                if active[rule as usize] {
                    out.push(Hit {
                        rule,
                        role,
                        start,
                        end,
                    });
                }
            }
            if entry.match_end < entry.last {
                context.push(ContextPhrase { id, start, end });
            }
        });
    }

    /// All hits of `context` (found by [`scan_with_literals`](Self::scan_with_literals)) for the rules that
    /// `wanted` marks.
    pub fn context_hits(&self, context: &[ContextPhrase], wanted: &[bool], out: &mut Vec<Hit>) {
        for c in context {
            for &(rule, role) in &self.roles[self.entries[c.id as usize].context()] {
                if wanted[rule as usize] {
                    out.push(Hit {
                        rule,
                        role,
                        start: c.start,
                        end: c.end,
                    });
                }
            }
        }
    }

    /// The hits of `context` (sorted by start, as the scan reports them) that can decide one of `matches`:
    /// those of the match's rule that start at most `reach` bytes before it or after its end, the window in
    /// which the engine looks for them. Any other context hit decides nothing, and making hits of all of
    /// them, for every rule a word such as 不 is a context word of, then sorting them, was about 7% of the
    /// CPU time of a tree with the default packs (issue 6). A context hit near several matches is given once
    /// per match.
    pub fn context_hits_near(
        &self,
        context: &[ContextPhrase],
        matches: &[Hit],
        reach: usize,
        out: &mut Vec<Hit>,
    ) {
        for m in matches {
            let (lo, hi) = (m.start.saturating_sub(reach), m.end.saturating_add(reach));
            let from = context.partition_point(|c| c.start < lo);
            for c in context[from..].iter().take_while(|c| c.start <= hi) {
                for &(rule, role) in &self.roles[self.entries[c.id as usize].context()] {
                    if rule == m.rule {
                        out.push(Hit {
                            rule,
                            role,
                            start: c.start,
                            end: c.end,
                        });
                    }
                }
            }
        }
    }
}

/// An occurrence of a phrase that is a context phrase (`unless`) of some rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextPhrase {
    /// The phrase, by its place in the set's order (an index of `entries`).
    id: u32,
    start: usize,
    end: usize,
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
    fn context_hits_are_those_near_a_match_of_their_rule() {
        let set = one_rule(
            "match: { keywords: [最好] }\n    unless: { after: [不] }",
            r#"{ flag: ["«最好»"], pass: ["不最好"] }"#,
        );
        let idx = KeywordIndex::new(&set.rules).unwrap();
        let text = format!("不最好{}不{}不", "啊".repeat(10), "啊".repeat(40));
        let (mut matches, mut context) = (Vec::new(), Vec::new());
        idx.scan_with_literals(&text, &[true], &mut matches, &mut Vec::new(), &mut context);
        assert_eq!(matches.len(), 1);
        assert_eq!(context.len(), 3);
        let starts = |reach: usize| {
            let mut near = Vec::new();
            idx.context_hits_near(&context, &matches, reach, &mut near);
            near.iter().map(|h| (h.start, h.role)).collect::<Vec<_>>()
        };
        let second = "不最好".len() + "啊".len() * 10;
        assert_eq!(starts(0), []);
        assert_eq!(starts(3), [(0, Role::After)]);
        assert_eq!(starts(30), [(0, Role::After), (second, Role::After)]);
        assert_eq!(starts(29), [(0, Role::After)]);
        // All of them, as `scan` gives.
        let mut all = Vec::new();
        idx.scan(&text, &[true], &mut all);
        assert_eq!(all.len(), 4);
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
        idx.scan(text, &[true], &mut a);
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
}
