//! The regexes of all rules. Most are *gated*: searched, anchored, only where literals found by the engine's
//! one phrase pass allow (below). Each of the others (*ungated*: digit-led patterns and the like) has a lazy DFA
//! of its own, searched with overlapping semantics over the sentences that can hold a match (those around one
//! of its required words); a reverse DFA, built at its first match, finds where each match starts.
//!
//! Every match is reported: for each pattern and each offset where one of its matches ends, the leftmost start
//! of a match ending there, at most [`MAX_MATCH_BYTES`] back. That set depends only on the text around each
//! match, never on where the search began, which is what lets big inputs be split into overlapping chunks with
//! identical findings (issue 6); the engine merges overlapping candidates of a rule into one finding afterwards.
//!
//! Every regex is compiled the first time its literals or sentences occur: a run on one script compiles the
//! few its text reaches, not the 286 of the default packs (issue 6).
//!
//! Gating by literals: most rule regexes start with an alternation of words (`(降血糖|降血压|...)[^,]{0,8}...`).
//! Hundreds of them in one overlapping DFA need more states than any cache holds, so the DFA thrashed (a 100 MB
//! tree took 16 s). Every match of a regex begins with one of its prefix literals, so a regex whose prefix set is
//! finite is *gated*: the literals go into the engine's keyword matcher (the text is walked once for
//! keywords and regexes), and only where they occur the regex runs, anchored, for its longest match (capped as
//! above). The union of those spans equals the union of all matches, which is what the engine reports after
//! merging a rule's overlapping candidates. Regexes that have neither a finite prefix set nor a required word
//! near their start (below) stay ungated.
//!
//! Triggers and arms (required words): a one-character prefix such as 加 or 与 occurs every few hundred bytes,
//! and an anchored search at each of them cost more than the rest of the scan (5.4 million searches on the
//! 100 MB benchmark tree). Most gated regexes also hold fixed words that every match passes through
//! (`(加|私|联系)[^,]{0,5}(微信|qq)`), found by `regex_facts`. Each branch of a pattern is then *triggered* by the
//! rarer of its prefixes and a required word that stands at most a few characters into a match (searches start
//! at the positions in that window before each occurrence that begin with a prefix's first character), and
//! *armed* by up to two more required words: a start is searched only if each of them occurs within the
//! pattern's longest match after it. A branch without finite prefixes (`\p{Han}{1,3}之王`) can be triggered by
//! a required word near its start. How rare a set is comes from how often its words occur in Chinese text
//! ([`super::frequency`]); an arm's every occurrence is reported, so only sets that are not much commoner than
//! the trigger are arms. The other required sets (万 or 退 after a rarer trigger) are *checks*: before a
//! search, the few dozen bytes a match from the start can cover are looked at for a word of each. Only starts
//! where no match can begin are skipped, so the matches are those of an anchored search at every position
//! (tested against exactly that).

use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use regex_automata::hybrid::dfa::{Cache, OverlappingState, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::pool::Pool;
use regex_automata::{Anchored, Input, MatchKind};

#[cfg(test)]
use super::automata::syntax_config;
use super::automata::{nfa_compiler, PREFIXED_WINDOW_BYTES, WINDOW_BYTES};
use super::census::Observed;
use super::embedded_dfas;
use super::frequency::set_rate;
use super::phrase_set::PhraseSet;
use super::{Hit, Role};
use crate::error::RuleError;
use crate::normalize::fold_char;
use crate::rules::regex_facts::{self, Facts};
use crate::rules::{regex_table, Rule};

type CacheFn = Box<dyn Fn() -> Cache + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// A pattern's automata once compiled (or why they could not be), boxed (see `RegexIndex::gated`).
type Compiled<T> = OnceLock<Result<Box<T>, String>>;

/// A lazy DFA and the pool of its caches.
type WithCaches = (DFA, Pool<Cache, CacheFn>);

/// One ungated pattern: its forward lazy DFA and, built at its first match, the reverse DFA that finds
/// where a match starts, each with a pool of caches so that threads scanning chunks of the same file reuse
/// the states already computed. Each pattern is compiled the first time a sentence needs it: one script
/// reaches one or two of them, and compiling all of them as one DFA, both ways, was a fifth of a run on one
/// script (issue 6).
///
/// A regex of the embedded packs whose DFAs are small comes with both built with livelint, used for its first
/// [`EMBEDDED_UNGATED_BYTES`] of text; as for [`AnchoredRegex`], the lazy DFAs step faster on more.
struct Ungated {
    pattern: String,
    /// Forward and reverse DFAs built with livelint.
    embedded: Option<(embedded_dfas::Embedded, embedded_dfas::Embedded)>,
    /// Bytes searched with `embedded` so far.
    searched: AtomicUsize,
    fwd: OnceLock<Result<WithCaches, String>>,
    rev: OnceLock<Result<WithCaches, String>>,
}

/// Bytes of text an ungated pattern searches with its embedded DFAs before it is compiled. Compiling takes a
/// few hundred microseconds; past this much text the slower steps of the sparse DFAs cost more. A 5 KB script
/// stays below it; on the 2,000-file tree 8 KB (with 512 starts for [`EMBEDDED_SEARCHES`]) took 1.6% fewer
/// instructions than 64 KB (and 4,096), the 5 KB script the same (cachegrind).
const EMBEDDED_UNGATED_BYTES: usize = 8 << 10;

/// The trigger and arm words of all gate groups; a literal's id indexes `starts`.
///
/// The engine puts the literals into its keyword matcher, so the text is walked once for both (issue 6);
/// `set` is built only when the index scans on its own (tests, benchmarks).
struct Anchors {
    literals: Vec<String>,
    set: OnceLock<PhraseSet>,
    /// For each literal, the buckets its occurrences go to (a group's trigger bucket, then one per arm), as
    /// ranges of `targets`: one flat array, since this is done for every occurrence.
    starts: Vec<u32>,
    targets: Vec<u32>,
}

/// The sentences the ungated regexes have to search: no match of theirs holds one of `barriers` (。!?; in
/// the default packs), and every match of a pattern holds one of its words, whose literal ids map to it in
/// `of_literal`. So each pattern runs only on the text between two barriers around one of its words.
/// Patterns without such words (`whole`) run on the whole text.
#[derive(Debug)]
struct Sentences {
    /// The barriers in UTF-8, and the distinct bytes that end one.
    encoded: Vec<Vec<u8>>,
    last_bytes: Vec<u8>,
    /// Per literal id, the ungated patterns (indices into `ungated`) it is a word of.
    of_literal: Vec<Vec<u32>>,
    /// Ungated patterns (indices into `ungated`) that some match could hold without any word.
    whole: Vec<u32>,
    /// Per ungated pattern, per branch, the required sets a sentence must hold a word of each of: those besides
    /// the one that bounds the sentences, or all of them when the pattern has several branches (empty for the
    /// patterns of `whole`).
    required: Vec<Vec<BranchSets>>,
}

impl Sentences {
    /// Whether `sentence` holds a word of every required set of some branch of ungated pattern `u`, as each
    /// of the branch's matches does (a one-branch pattern's bounding set holds by construction). One set
    /// bounds the sentences; most sentences around its words lack another (issue 6: on the benchmark tree
    /// 71,653 sentences hold 万 or 亿 and none a match of `(已经|...)[^,。!?;]{0,8}(卖|售|...)...(万|亿)`,
    /// whose DFA stepped through all 7.2 MB of them).
    fn holds(&self, u: usize, sentence: &[u8]) -> bool {
        let branches = &self.required[u];
        branches.is_empty()
            || branches
                .iter()
                .any(|sets| sets.iter().all(|set| set.in_text(sentence)))
    }

    /// The sentence around byte `q` (a character start) of valid UTF-8: from the end of the barrier before
    /// it to the start of the barrier after it, or the ends of the text. Found with `memchr` from the barriers'
    /// last bytes rather than character by character: there are a hundred thousand such lookups on the
    /// benchmark tree (issue 6). A last byte that ends no barrier (0x82 of a character other than 。) is
    /// passed over.
    fn around(&self, bytes: &[u8], q: usize) -> std::ops::Range<usize> {
        let barrier_ending_at = |i: usize| {
            self.encoded
                .iter()
                .find(|b| bytes[..=i].ends_with(b))
                .map(Vec::len)
        };
        let mut before = q;
        let start = loop {
            match rfind_any(&bytes[..before], &self.last_bytes) {
                None => break 0,
                Some(i) if barrier_ending_at(i).is_some() => break i + 1,
                Some(i) => before = i,
            }
        };
        let mut after = q;
        let end = loop {
            match find_any(&bytes[after..], &self.last_bytes) {
                None => break bytes.len(),
                Some(j) => match barrier_ending_at(after + j) {
                    Some(n) => break after + j + 1 - n,
                    None => after += j + 1,
                },
            }
        };
        start..end.max(start)
    }
}

/// The last position of `hay` that holds one of `needles`, searched three bytes at a time, each search only
/// after the best position so far.
fn rfind_any(hay: &[u8], needles: &[u8]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for chunk in needles.chunks(3) {
        let from = best.map_or(0, |b| b + 1);
        let region = &hay[from..];
        let hit = match *chunk {
            [a] => memchr::memrchr(a, region),
            [a, b] => memchr::memrchr2(a, b, region),
            [a, b, c] => memchr::memrchr3(a, b, c, region),
            _ => None,
        };
        if let Some(h) = hit {
            best = Some(from + h);
        }
    }
    best
}

/// The first position of `hay` that holds one of `needles`, searched three bytes at a time, each search only
/// before the best position so far.
fn find_any(hay: &[u8], needles: &[u8]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for chunk in needles.chunks(3) {
        let region = &hay[..best.unwrap_or(hay.len())];
        let hit = match *chunk {
            [a] => memchr::memchr(a, region),
            [a, b] => memchr::memchr2(a, b, region),
            [a, b, c] => memchr::memchr3(a, b, c, region),
            _ => None,
        };
        if hit.is_some() {
            best = hit;
        }
    }
    best
}

/// The distinct literals of all groups while the index is built, and the (group, slot) pairs each belongs to.
#[derive(Default)]
struct LiteralTable {
    ids: super::fxhash::FxHashMap<String, usize>,
    /// (literal id, group, slot) as they are seen: one flat list rather than a list per literal, which were
    /// thousands of small allocations at each start (issue 6).
    owners: Vec<(u32, u32, u8)>,
}

impl LiteralTable {
    /// The id of `lit`, added if new.
    fn intern(&mut self, lit: String) -> usize {
        let next = self.ids.len();
        *self.ids.entry(lit).or_insert(next)
    }

    /// Number of distinct literals.
    fn len(&self) -> usize {
        self.ids.len()
    }

    /// The literals in the order of their ids, and the buckets of each: those of literal `i` are
    /// `targets[starts[i]..starts[i + 1]]`, each once, in the order first seen.
    fn into_parts(mut self, groups: &[Group]) -> (Vec<String>, Vec<u32>, Vec<u32>) {
        let mut literals = vec![String::new(); self.ids.len()];
        for (lit, id) in self.ids {
            literals[id] = lit;
        }
        // Stable: each literal's owners stay in the order seen, where a repeated one is next to the first.
        self.owners.sort_by_key(|&(id, ..)| id);
        self.owners.dedup();
        let mut targets = Vec::with_capacity(self.owners.len());
        let mut starts = Vec::with_capacity(literals.len() + 1);
        let mut next = self.owners.iter().peekable();
        for id in 0..literals.len() as u32 {
            starts.push(targets.len() as u32);
            while let Some(&(_, g, slot)) = next.next_if(|o| o.0 == id) {
                targets.push(groups[g as usize].bucket + u32::from(slot));
            }
        }
        starts.push(targets.len() as u32);
        (literals, starts, targets)
    }
}

/// One branch of a gated pattern and the word set that triggers a search for it: its prefixes, or, when one
/// of its required sets is likely rarer, that set. Its occurrences go into bucket `bucket`, those of its
/// `arms` other required sets into the buckets after it.
#[derive(Debug, Clone)]
struct Group {
    start: Start,
    bucket: u32,
    arms: u8,
    /// Required sets checked in the text after a start, as bytes (see [`Plan::checks`]).
    checks: Vec<Vec<Vec<u8>>>,
}

/// Most required sets checked near a start, and most words in one.
const MAX_CHECKS: usize = 2;
const MAX_CHECK_WORDS: usize = 8;

/// Longest reach after a start that the checks scan; a pattern that can match further (up to
/// [`MAX_MATCH_BYTES`]) is searched without them.
const MAX_CHECK_REACH: usize = 192;

/// Most required sets, besides the trigger, that a start is checked against before a search.
const MAX_ARMS: usize = 2;

/// A required set is an arm when it occurs less than this many times as often as its trigger: reporting an
/// occurrence costs a fraction of a search (issue 6: on the benchmark tree, a ratio of 2 took 0.1% more
/// instructions, 5 took 2.6% more, 10 about 3% more).
const ARM_RATIO: f64 = 3.0;

/// [`ARM_RATIO`] for rates observed in the input itself (census.rs), which are what the scan will meet
/// rather than an estimate: 2 took 1.1% fewer instructions on 45 MB of the benchmark tree than 3, and 1.5 to
/// 2.5 all the same within 0.2%.
const OBSERVED_ARM_RATIO: f64 = 2.0;

/// The first characters of a branch's prefixes, sorted, with a 256-bit filter of them: the window before a
/// trigger is walked character by character, and most characters there begin no prefix, so one bit test
/// instead of a binary search answers for most (issue 6: the binary search was an eighth of choosing the
/// starts on the benchmark tree).
#[derive(Debug, Clone)]
struct FirstChars {
    chars: Vec<char>,
    filter: [u64; 4],
    /// The distinct last bytes of the characters' UTF-8, when there are at most three: the window is then
    /// searched for those bytes with `memchr` instead of walked character by character (issue 6: decoding the
    /// windows of 256,000 trigger occurrences on the benchmark tree was 2% of the instructions of a scan).
    last_bytes: Option<Vec<u8>>,
}

impl FirstChars {
    fn new(mut chars: Vec<char>) -> FirstChars {
        chars.sort_unstable();
        chars.dedup();
        let mut filter = [0u64; 4];
        for &c in &chars {
            let bit = Self::bit(c);
            filter[bit / 64] |= 1 << (bit % 64);
        }
        let mut last: Vec<u8> = chars
            .iter()
            .map(|c| {
                let mut buf = [0u8; 4];
                let encoded = c.encode_utf8(&mut buf).as_bytes();
                encoded[encoded.len() - 1]
            })
            .collect();
        last.sort_unstable();
        last.dedup();
        let last_bytes = (!last.is_empty() && last.len() <= 3).then_some(last);
        FirstChars {
            chars,
            filter,
            last_bytes,
        }
    }

    /// Appends the starts of these characters at `lo..=q` of `text` (`lo` a character start) in order, found
    /// from their last bytes: at most one character ends at a byte, so each byte found gives at most one start.
    /// False, with nothing appended, when the characters have more than three last bytes.
    fn push_starts_by_last_byte(
        &self,
        text: &str,
        lo: usize,
        q: usize,
        starts: &mut Vec<usize>,
    ) -> bool {
        let Some(last) = self.last_bytes.as_deref() else {
            return false;
        };
        let bytes = text.as_bytes();
        let end = (q + 4).min(bytes.len());
        let hay = &bytes[lo..end];
        let mut at = |i: usize| {
            // The byte found ends a character only where the next one starts; that character starts at
            // `lo` or after, since `lo` is a character start.
            let e = lo + i;
            if !text.is_char_boundary(e + 1) {
                return;
            }
            let mut s = e;
            while !text.is_char_boundary(s) {
                s -= 1;
            }
            if s <= q && text[s..=e].chars().next().is_some_and(|c| self.contains(c)) {
                starts.push(s);
            }
        };
        match *last {
            [a] => memchr::memchr_iter(a, hay).for_each(&mut at),
            [a, b] => memchr::memchr2_iter(a, b, hay).for_each(&mut at),
            [a, b, c] => memchr::memchr3_iter(a, b, c, hay).for_each(&mut at),
            _ => return false,
        }
        true
    }

    #[inline]
    fn bit(c: char) -> usize {
        ((c as u32).wrapping_mul(0x9E37_79B1) >> 24) as usize
    }

    #[inline]
    fn contains(&self, c: char) -> bool {
        let bit = Self::bit(c);
        self.filter[bit / 64] & (1 << (bit % 64)) != 0 && self.chars.binary_search(&c).is_ok()
    }
}

/// Where a trigger occurrence starts searches.
#[derive(Debug, Clone)]
enum Start {
    /// The trigger is the prefix set: a search starts where it occurs.
    AtTrigger,
    /// The trigger is a required word at `q`, at most this many bytes into a match: a search starts at each
    /// position in that window before `q` that begins with one of these characters (the prefixes' first
    /// characters, sorted).
    FirstChars(FirstChars, Window),
    /// As `FirstChars`, at every position: the branch has no finite prefix set (`\p{Han}{1,3}之王`).
    Anywhere(Window),
}

/// How far before a trigger word at `q` a match can start: `bytes` before it, or, when the gap may hold
/// unbounded runs of whitespace (`降\s*(xue|tang|ya)`, [`regex_facts::Required::spaced`]), as far back as
/// `bytes` bytes other than whitespace reach (and at most [`MAX_MATCH_BYTES`]).
#[derive(Debug, Clone, Copy)]
struct Window {
    bytes: usize,
    spaced: bool,
}

impl Window {
    /// The first byte at which a match holding the trigger word at `q` can start, or a byte inside the
    /// character before it: the caller steps to the next character start.
    fn start(self, text: &str, q: usize) -> usize {
        if !self.spaced {
            return q.saturating_sub(self.bytes);
        }
        let floor = q.saturating_sub(MAX_MATCH_BYTES);
        let mut other = 0;
        let mut lo = q;
        for c in text[..q].chars().rev() {
            let len = c.len_utf8();
            if lo - len < floor {
                break;
            }
            if !c.is_whitespace() {
                if other + len > self.bytes {
                    break;
                }
                other += len;
            }
            lo -= len;
        }
        lo
    }
}

thread_local! {
    /// Per thread, the trigger occurrences of one scan, one bucket per group; kept between scans so that a
    /// tree of small files does not allocate them again for every file.
    static BUCKETS: std::cell::RefCell<Vec<Vec<usize>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// All regexes, the rule each pattern belongs to, and the automata once built.
#[derive(Clone)]
pub struct RegexIndex {
    patterns: Arc<Vec<String>>,
    rule_of: Vec<u32>,
    /// Patterns (indices into `patterns`) searched with a DFA of their own where their sentences allow.
    ungated: Arc<Vec<usize>>,
    /// The gates, as planned.
    gates: Gates,
    /// Per pattern, its own anchored regex, compiled the first time one of its literals occurs. Boxed: a
    /// regex with its DFAs and caches takes kilobytes, and a list of them all, mostly never compiled, took a
    /// megabyte to set up (issue 6).
    gated: Arc<Vec<Compiled<AnchoredRegex>>>,
    /// Per pattern, its longest match in bytes (capped): how far after a start its arms can stand.
    reach: Vec<usize>,
    /// Per ungated pattern, its DFAs once compiled (boxed, as `gated`).
    compiled: Arc<Vec<Compiled<Ungated>>>,
    max_len: usize,
    /// Per pattern, what its gates are planned from (`None` for an ungated one), kept to plan them again by
    /// the input's own word counts ([`RegexIndex::replanned`]).
    sources: Arc<Vec<Option<GateSource>>>,
    /// What bounds the ungated patterns' sentences, from which [`Sentences`] is made for each plan.
    bounds: Arc<SentenceBounds>,
}

/// Where a gated pattern's plans come from.
#[derive(Debug)]
enum GateSource {
    /// The facts in the binary, with the rates build.rs worked out.
    Static(&'static [regex_facts::StaticGroup]),
    /// A user pack's pattern, analysed at start-up.
    User(Vec<regex_facts::Group>),
}

impl GateSource {
    /// One plan per group, each set rated by the table's rates or, given `observed`, by the input's.
    fn plans(&self, observed: Option<&Observed>) -> Option<Vec<Plan>> {
        match self {
            GateSource::Static(gs) => gs.iter().map(|g| plan_static(g, observed)).collect(),
            GateSource::User(gs) => gs.iter().map(|g| plan(g, observed)).collect(),
        }
    }

    /// Every literal of every set the plans choose from, as normalized text can hold them.
    fn words(&self, out: &mut Vec<String>) {
        let mut add =
            |set: Option<Vec<&str>>| out.extend(set.into_iter().flatten().map(str::to_string));
        match self {
            GateSource::Static(gs) => {
                for g in gs.iter() {
                    add(g.prefixes.and_then(|(p, _)| normal_sorted_literals(p)));
                    for &(words, _, _, _) in g.required {
                        add(normal_sorted_literals(words));
                    }
                }
            }
            GateSource::User(gs) => {
                for g in gs {
                    add(g.prefixes.as_deref().and_then(normal_literals));
                    for r in &g.required {
                        add(normal_literals(&r.words));
                    }
                }
            }
        }
    }
}

/// The ends no ungated match holds, and per ungated pattern and branch the required sets, as normalized text
/// can hold them (`None` when some branch has none): see [`Sentences`].
#[derive(Debug, Default)]
struct SentenceBounds {
    barriers: Vec<char>,
    branches: Vec<Option<Vec<Vec<Vec<String>>>>>,
}

/// Per ungated pattern, what bounds its sentences: the words of the rarest required set of each branch, and
/// per branch the sets of which a sentence must hold a word each ([`Sentences::holds`]).
/// `None` when the pattern runs on the whole text.
type Bounded = Vec<Option<(Vec<String>, Vec<BranchSets>)>>;

/// A branch's required sets that a sentence is checked for.
type BranchSets = Vec<WordSet>;

/// A set of words a sentence is searched for, with a SIMD searcher of them built at its first search: a
/// sentence is about a hundred bytes, and searching it once for any of six words took a sixth of the
/// instructions of searching it for each.
#[derive(Debug)]
struct WordSet {
    words: Vec<String>,
    searcher: OnceLock<Option<aho_corasick::packed::Searcher>>,
}

impl WordSet {
    fn new(words: Vec<String>) -> WordSet {
        WordSet {
            words,
            searcher: OnceLock::new(),
        }
    }

    /// Whether `hay` holds one of the words.
    fn in_text(&self, hay: &[u8]) -> bool {
        match self
            .searcher
            .get_or_init(|| aho_corasick::packed::Searcher::new(self.words.iter()))
        {
            Some(s) => s.find(hay).is_some(),
            None => self.words.iter().any(|w| holds_word(hay, w.as_bytes())),
        }
    }
}

impl SentenceBounds {
    /// Per ungated pattern, the words that bound its sentences: the rarest required set of each branch, and
    /// the sets its sentences are checked for (`None` when it runs on the whole text).
    ///
    /// By the table's rates, "rarest" goes by character count, not by rate: general-text rates underrate the
    /// words of commerce talk (卖, 拍, 抢), and a bound of whole sentences by them took 6% more instructions
    /// on the benchmark tree than 万 or 亿 (issue 6). Rates `observed` in the input have no such bias.
    fn bound(&self, observed: Option<&Observed>) -> Bounded {
        self.branches
            .iter()
            .map(|branches| {
                let mut words = Vec::new();
                let mut checked = Vec::new();
                let branches = branches.as_ref()?;
                for sets in branches {
                    let rarest = match observed {
                        None => sets.iter().enumerate().max_by_key(|(_, w)| rarity(w)),
                        Some(o) => {
                            let rate = |set: &Vec<String>| o.set_rate(set, set_rate(set));
                            sets.iter()
                                .enumerate()
                                .min_by(|a, b| rate(a.1).total_cmp(&rate(b.1)))
                        }
                    }?
                    .0;
                    words.extend(sets[rarest].iter().cloned());
                    // A sentence around a word of one branch need not hold the bounding words of another.
                    checked.push(
                        sets.iter()
                            .enumerate()
                            .filter(|&(i, _)| i != rarest || branches.len() > 1)
                            .map(|(_, set)| WordSet::new(set.clone()))
                            .collect(),
                    );
                }
                Some((words, checked))
            })
            .collect()
    }
}

/// The parts of an index that follow from the gates' plans.
#[derive(Clone)]
struct Gates {
    /// The literals of the gated patterns, if any.
    anchors: Option<Arc<Anchors>>,
    /// Where the ungated patterns run: only the sentences that hold one of their required words; the whole
    /// text when `None`.
    sentences: Option<Arc<Sentences>>,
    /// The gate groups of all gated patterns (one per branch of a top-level alternation).
    groups: Vec<Group>,
    /// Per pattern, its groups (empty for the patterns of the DFA).
    groups_of: Vec<std::ops::Range<u32>>,
    /// Number of buckets of literal occurrences over all groups.
    buckets: usize,
}

impl Gates {
    /// Groups, buckets and literals of the `plans` (per pattern; `None` for an ungated one), and the
    /// sentences of the ungated patterns between `barriers` around their `words`, which get literal ids after
    /// the gates' literals.
    fn new(
        plans: Vec<Option<Vec<Plan>>>,
        reach: &[usize],
        barriers: &[char],
        words: Bounded,
    ) -> Gates {
        let mut table = LiteralTable::default();
        table.ids.reserve(plans.len() * 16);
        let mut buckets = 0usize;
        let mut groups: Vec<Group> = Vec::new();
        let mut groups_of = vec![0..0; plans.len()];
        for (pi, plan) in plans.into_iter().enumerate() {
            let Some(plan) = plan else { continue };
            let first = groups.len() as u32;
            for plan in plan {
                let gi = groups.len() as u32;
                let checks = if reach[pi] <= MAX_CHECK_REACH {
                    plan.checks
                        .iter()
                        .map(|set| set.iter().map(|w| w.as_bytes().to_vec()).collect())
                        .collect()
                } else {
                    Vec::new()
                };
                groups.push(Group {
                    start: plan.start,
                    bucket: buckets as u32,
                    arms: plan.arms.len() as u8,
                    checks,
                });
                buckets += 1 + plan.arms.len();
                let sets = std::iter::once(plan.trigger).chain(plan.arms);
                for (slot, set) in sets.enumerate() {
                    for lit in set {
                        let id = table.intern(lit) as u32;
                        table.owners.push((id, gi, slot as u8));
                    }
                }
            }
            groups_of[pi] = first..groups.len() as u32;
        }
        let sentences = if words.is_empty() || barriers.is_empty() {
            None
        } else {
            let mut pairs: Vec<(usize, u32)> = Vec::new();
            let mut whole = Vec::new();
            let mut required = Vec::with_capacity(words.len());
            for (u, bound) in words.into_iter().enumerate() {
                match bound {
                    Some((words, checked)) => {
                        pairs.extend(words.into_iter().map(|w| (table.intern(w), u as u32)));
                        required.push(checked);
                    }
                    None => {
                        whole.push(u as u32);
                        required.push(Vec::new());
                    }
                }
            }
            let mut of_literal = vec![Vec::new(); table.len()];
            for (id, u) in pairs {
                if !of_literal[id].contains(&u) {
                    of_literal[id].push(u);
                }
            }
            let encoded: Vec<Vec<u8>> = barriers
                .iter()
                .map(|c| c.to_string().into_bytes())
                .collect();
            let mut last_bytes: Vec<u8> =
                encoded.iter().filter_map(|e| e.last().copied()).collect();
            last_bytes.sort_unstable();
            last_bytes.dedup();
            Some(Arc::new(Sentences {
                encoded,
                last_bytes,
                of_literal,
                whole,
                required,
            }))
        };
        let (literals, starts, targets) = table.into_parts(&groups);
        let anchors = if literals.is_empty() {
            None
        } else {
            Some(Arc::new(Anchors {
                literals,
                set: OnceLock::new(),
                starts,
                targets,
            }))
        };
        Gates {
            anchors,
            sentences,
            groups,
            groups_of,
            buckets,
        }
    }
}

impl fmt::Debug for RegexIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegexIndex")
            .field("patterns", &self.patterns)
            .field("rule_of", &self.rule_of)
            .field("ungated", &self.ungated.len())
            .field(
                "compiled",
                &self.compiled.iter().filter(|c| c.get().is_some()).count(),
            )
            .field("max_len", &self.max_len)
            .finish()
    }
}

/// Upper bound of an ungated pattern's forward lazy DFA cache. When the ungated regexes were one DFA, their
/// bounded gaps (`[^,。!?;]{0,8}`) searched together needed far more states than the 2 MB default, and a cache
/// cleared over and over made a 3 MB script take a minute; one pattern needs far fewer, and memory is only used
/// as states are built, so the bound stays generous.
const FWD_CACHE_CAPACITY: usize = 64 << 20;

/// Upper bound of the reverse DFA's cache; it only runs anchored from the end of each match.
const REV_CACHE_CAPACITY: usize = 16 << 20;

pub use regex_facts::MAX_MATCH_BYTES;

thread_local! {
    /// Per thread, the NFA compilers (forward, reverse) the lazy DFAs are built from. A compiler keeps its
    /// tables for Unicode classes between patterns; a new one allocates and clears them (400 KB) for each,
    /// which was a tenth of a run on one script (issue 6).
    static NFA_COMPILERS: [thompson::Compiler; 2] = [nfa_compiler(false), nfa_compiler(true)];
}

/// A lazy DFA for `pattern`, forward or reverse, with `MatchKind::All` (every match, for overlapping and
/// longest-match searches) and no capture groups, and the pool of its per-thread state caches. A cache grows up
/// to `capacity`, or to the least the pattern needs if that is more.
fn lazy_dfa(pattern: &str, reverse: bool, capacity: usize) -> Result<WithCaches, String> {
    let nfa = NFA_COMPILERS.with(|c| {
        c[usize::from(reverse)]
            .build(pattern)
            .map_err(|e| e.to_string())
    })?;
    let dfa = DFA::builder()
        .configure(
            DFA::config()
                .match_kind(MatchKind::All)
                .cache_capacity(capacity)
                .skip_cache_capacity_check(true),
        )
        .build_from_nfa(nfa)
        .map_err(|e| e.to_string())?;
    let d = dfa.clone();
    let create: CacheFn = Box::new(move || d.create_cache());
    Ok((dfa, Pool::new(create)))
}

/// Counts `n` more uses (starts, bytes) of a pattern's embedded DFAs in `used`: true while the total stays
/// within `limit`, after which the pattern is searched with its lazy DFAs.
fn within_share(used: &AtomicUsize, n: usize, limit: usize) -> bool {
    used.fetch_add(n, Ordering::Relaxed) + n <= limit
}

/// The slot of a pattern's forward lazy DFA: compiled now, unless the pattern has an embedded DFA to search
/// with first (then on demand).
fn lazy_slot(
    pattern: &str,
    embedded: bool,
    capacity: usize,
) -> Result<OnceLock<Result<WithCaches, String>>, String> {
    let slot = OnceLock::new();
    if !embedded {
        slot.get_or_init(|| lazy_dfa(pattern, false, capacity))
            .as_ref()
            .map_err(Clone::clone)?;
    }
    Ok(slot)
}

impl Ungated {
    /// The pattern's embedded DFAs, or else its forward lazy DFA, compiled now.
    fn new(pattern: &str) -> Result<Ungated, String> {
        let embedded = embedded_dfas::ungated(pattern);
        Ok(Ungated {
            fwd: lazy_slot(pattern, embedded.is_some(), FWD_CACHE_CAPACITY)?,
            pattern: pattern.to_string(),
            embedded,
            searched: AtomicUsize::new(0),
            rev: OnceLock::new(),
        })
    }

    /// Each match over `span` of `text`, given to `found` as (start, end): for each end, the leftmost start at
    /// most [`MAX_MATCH_BYTES`] back and not before `span`.
    fn find_all(
        &self,
        text: &str,
        span: std::ops::Range<usize>,
        found: impl FnMut(usize, usize),
    ) -> Result<(), String> {
        if let Some(dfas) = &self.embedded {
            if within_share(&self.searched, span.len(), EMBEDDED_UNGATED_BYTES) {
                return find_all_embedded(dfas, text, span, found);
            }
        }
        self.find_all_lazy(text, span, found)
    }

    /// [`Ungated::find_all`] with the lazy DFAs, compiled now if they are not yet.
    ///
    /// Most sentences given to a pattern hold none of its matches. Whether one does is asked first with the
    /// DFA's plain search, which stops at the first match and steps faster than the overlapping one (about 9
    /// instructions a byte against 27); only a span with a match is searched for all of them (issue 6: -4.9%
    /// instructions on the benchmark tree).
    fn find_all_lazy(
        &self,
        text: &str,
        span: std::ops::Range<usize>,
        found: impl FnMut(usize, usize),
    ) -> Result<(), String> {
        let (fwd, fwd_caches) = self.fwd_dfa()?;
        let mut fcache = fwd_caches.get();
        let input = Input::new(text).range(span.clone());
        let any = fwd
            .try_search_fwd(&mut fcache, &input.earliest(true))
            .map_err(|e| e.to_string())?;
        if any.is_none() {
            return Ok(());
        }
        self.find_all_overlapping(&mut fcache, text, span, found)
    }

    /// The forward lazy DFA, compiled now if it is not yet.
    fn fwd_dfa(&self) -> Result<&WithCaches, String> {
        self.fwd
            .get_or_init(|| lazy_dfa(&self.pattern, false, FWD_CACHE_CAPACITY))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// [`Ungated::find_all_lazy`] without asking first whether `span` holds a match, with a cache of the
    /// forward DFA taken by the caller.
    fn find_all_overlapping(
        &self,
        fcache: &mut Cache,
        text: &str,
        span: std::ops::Range<usize>,
        mut found: impl FnMut(usize, usize),
    ) -> Result<(), String> {
        let (fwd, _) = self.fwd_dfa()?;
        let first = span.start;
        let input = Input::new(text).range(span);
        let mut state = OverlappingState::start();
        loop {
            fwd.try_search_overlapping_fwd(fcache, &input, &mut state)
                .map_err(|e| e.to_string())?;
            let Some(hm) = state.get_match() else { break };
            let end = hm.offset();
            let (rev, rev_caches) = self
                .rev
                .get_or_init(|| lazy_dfa(&self.pattern, true, REV_CACHE_CAPACITY))
                .as_ref()
                .map_err(Clone::clone)?;
            let start = rev
                .try_search_rev(&mut rev_caches.get(), &reverse_input(text, first, end))
                .map_err(|e| e.to_string())?;
            if let Some(start) = start.map(|m| m.offset()).filter(|&s| s < end) {
                found(start, end);
            }
        }
        Ok(())
    }
}

/// [`Ungated::find_all`] with DFAs built with livelint.
fn find_all_embedded(
    (fwd, rev): &(embedded_dfas::Embedded, embedded_dfas::Embedded),
    text: &str,
    span: std::ops::Range<usize>,
    mut found: impl FnMut(usize, usize),
) -> Result<(), String> {
    use regex_automata::dfa::{Automaton, OverlappingState};
    let mut state = OverlappingState::start();
    let first = span.start;
    let input = Input::new(text).range(span);
    loop {
        fwd.try_search_overlapping_fwd(&input, &mut state)
            .map_err(|e| e.to_string())?;
        let Some(hm) = state.get_match() else { break };
        let end = hm.offset();
        let start = rev
            .try_search_rev(&reverse_input(text, first, end))
            .map_err(|e| e.to_string())?;
        if let Some(start) = start.map(|m| m.offset()).filter(|&s| s < end) {
            found(start, end);
        }
    }
    Ok(())
}

/// The reverse search for the start of a match that ends at `end`: anchored there, at most
/// [`MAX_MATCH_BYTES`] back and not before `first`.
fn reverse_input(text: &str, first: usize, end: usize) -> Input<'_> {
    Input::new(text)
        .range(end.saturating_sub(MAX_MATCH_BYTES).max(first)..end)
        .anchored(Anchored::Yes)
}

impl RegexIndex {
    /// Collects all regexes of all rules and analyses them (length bound, prefix literals, required words);
    /// they are compiled on first use.
    pub fn new(rules: &[Rule]) -> Result<RegexIndex, RuleError> {
        let mut patterns: Vec<String> = Vec::new();
        let mut rule_of = Vec::new();
        for (ri, rule) in rules.iter().enumerate() {
            for re in &rule.regexes {
                patterns.push(re.clone());
                rule_of.push(ri as u32);
            }
        }
        // Each pattern's facts and gate plan on all cores: this is most of building the engine, and a
        // pre-commit run on one script is mostly start-up (issue 6).
        use rayon::prelude::*;
        // A pattern of the embedded packs is planned from its facts in the binary, without copying them into
        // strings first (issue 6: that was a seventh of the instructions of building the engine); only an
        // ungated one needs all its facts.
        let analysed: Vec<Analysed> = patterns
            .par_iter()
            .map(|re| {
                if let Some(sf) = regex_table::embedded(re) {
                    let planned = sf.groups.and_then(|gs| {
                        let source = GateSource::Static(gs);
                        Some((source.plans(None)?, source))
                    });
                    return Ok((sf.max_len, planned.ok_or_else(|| sf.facts(&normal))));
                }
                let f = regex_table::facts(re, &normal).map_err(RuleError::Build)?;
                let planned = f.groups.as_ref().and_then(|gs| {
                    let source = GateSource::User(gs.clone());
                    Some((source.plans(None)?, source))
                });
                Ok((f.max_len, planned.ok_or(f)))
            })
            .collect::<Result<_, RuleError>>()?;
        // A pattern that tests the ends of the text (`^`, `$`) is bounded like the others: every match is at
        // most MAX_MATCH_BYTES long, so a chunk window's edge, which such a pattern takes for an end of the
        // text, can only end or begin matches that start outside the chunk's core, and those are dropped
        // (chunk.rs). Scanning such inputs whole had kept every big file on one core with the default packs,
        // one of whose rules ends in `(的|名|$)` (issue 6).
        let max_len = analysed
            .iter()
            .map(|(max_len, _)| max_len.unwrap_or(MAX_MATCH_BYTES))
            .max()
            .unwrap_or(0);
        let mut ungated = Vec::new();
        let mut reach = vec![MAX_MATCH_BYTES; patterns.len()];
        let mut plans: Vec<Option<Vec<Plan>>> = Vec::with_capacity(patterns.len());
        let mut sources: Vec<Option<GateSource>> = Vec::with_capacity(patterns.len());
        // What limits the ungated patterns to sentences that hold a required word: the ends no ungated match
        // holds, and per pattern the required sets of each branch (`None` once a branch has none).
        let mut bounds = SentenceBounds {
            barriers: regex_facts::BARRIER_CANDIDATES.to_vec(),
            branches: Vec::new(),
        };
        for (pi, (max_len, planned)) in analysed.into_iter().enumerate() {
            match planned {
                Ok((plan, source)) => {
                    reach[pi] = max_len.unwrap_or(MAX_MATCH_BYTES);
                    plans.push(Some(plan));
                    sources.push(Some(source));
                }
                Err(f) => {
                    ungated.push(pi);
                    plans.push(None);
                    sources.push(None);
                    bounds.barriers.retain(|c| f.barriers.contains(c));
                    let branches = f.groups.as_ref().and_then(|gs| {
                        gs.iter()
                            .map(|g| {
                                let sets: Vec<Vec<String>> = g
                                    .required
                                    .iter()
                                    .filter_map(|r| normal_literals(&r.words))
                                    .map(|w| w.into_iter().map(str::to_string).collect())
                                    .collect();
                                (!sets.is_empty()).then_some(sets)
                            })
                            .collect::<Option<Vec<_>>>()
                    });
                    bounds.branches.push(branches);
                }
            }
        }
        let gates = Gates::new(plans, &reach, &bounds.barriers, bounds.bound(None));
        let gated = (0..patterns.len()).map(|_| OnceLock::new()).collect();
        let compiled = (0..ungated.len()).map(|_| OnceLock::new()).collect();
        Ok(RegexIndex {
            patterns: Arc::new(patterns),
            rule_of,
            ungated: Arc::new(ungated),
            gates,
            gated: Arc::new(gated),
            reach,
            compiled: Arc::new(compiled),
            max_len,
            sources: Arc::new(sources),
            bounds: Arc::new(bounds),
        })
    }

    /// Every word of the sets the gates are planned from: what a census of the input counts
    /// (census.rs).
    pub fn gate_words(&self) -> Vec<String> {
        let mut words = Vec::new();
        for source in self.sources.iter().flatten() {
            source.words(&mut words);
        }
        let sets = self.bounds.branches.iter().flatten().flatten().flatten();
        words.extend(sets.flatten().cloned());
        words
    }

    /// This index with its gates planned by the rates `observed` in the input. The patterns, and the
    /// automata compiled so far, are shared with `self`; the findings are the same (each plan skips only starts
    /// where no match can begin).
    pub fn replanned(&self, observed: &Observed) -> RegexIndex {
        let mut plans = Vec::with_capacity(self.sources.len());
        for source in self.sources.iter() {
            match source {
                Some(source) => match source.plans(Some(observed)) {
                    Some(plan) => plans.push(Some(plan)),
                    // A set of words is planned whatever its rate, so this does not happen; if it did, the
                    // plans of the table stay.
                    None => return self.clone(),
                },
                None => plans.push(None),
            }
        }
        RegexIndex {
            gates: Gates::new(
                plans,
                &self.reach,
                &self.bounds.barriers,
                self.bounds.bound(Some(observed)),
            ),
            ..self.clone()
        }
    }

    /// Number of regexes.
    pub fn len(&self) -> usize {
        self.rule_of.len()
    }

    /// True when no rule has a regex.
    pub fn is_empty(&self) -> bool {
        self.rule_of.is_empty()
    }

    /// Longest match of any regex in bytes (at most [`MAX_MATCH_BYTES`]).
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The DFAs of ungated pattern `u` (an index into `ungated`), compiled on first use.
    fn ungated_dfa(&self, u: usize) -> Result<&Ungated, String> {
        self.compiled[u]
            .get_or_init(|| Ungated::new(&self.patterns[self.ungated[u]]).map(Box::new))
            .as_ref()
            .map(|b| &**b)
            .map_err(Clone::clone)
    }

    /// Appends every match of every pattern of an active rule: for each end offset, the leftmost start.
    pub fn scan(&self, text: &str, active: &[bool], out: &mut Vec<Hit>) -> Result<(), String> {
        let mut found = Vec::new();
        if let Some(anchors) = &self.gates.anchors {
            let set = anchors.set.get_or_init(|| {
                PhraseSet::new(
                    anchors
                        .literals
                        .iter()
                        .zip(0u32..)
                        .map(|(l, i)| (l.as_str(), i)),
                )
            });
            set.for_each_match(text, |id, start, _| found.push((id, start)));
        }
        self.scan_found(text, active, &found, out)
    }

    /// The literals that trigger and arm the gated regexes, in the order of the ids
    /// [`RegexIndex::scan_found`] takes.
    pub fn literals(&self) -> &[String] {
        self.gates.anchors.as_ref().map_or(&[], |a| &a.literals)
    }

    /// [`RegexIndex::scan`], given every occurrence of its [`literals`](RegexIndex::literals) in `text` as
    /// (literal id, start), found by the caller's keyword matcher.
    pub fn scan_found(
        &self,
        text: &str,
        active: &[bool],
        found: &[(u32, usize)],
        out: &mut Vec<Hit>,
    ) -> Result<(), String> {
        if !self.rule_of.iter().any(|&r| active[r as usize]) {
            return Ok(());
        }
        let is_active = |u: usize| active[self.rule_of[self.ungated[u]] as usize];
        // The ungated patterns this text reaches: those of active rules that run on the whole text, and those
        // with a word in it, each word with the pattern that goes to its sentence, (pattern, word start).
        let mut whole: Vec<u32> = Vec::new();
        let mut words: Vec<(u32, usize)> = Vec::new();
        if !text.is_empty() {
            match &self.gates.sentences {
                None => {
                    whole.extend((0..self.ungated.len() as u32).filter(|&u| is_active(u as usize)))
                }
                Some(sentences) => {
                    whole.extend(sentences.whole.iter().filter(|&&u| is_active(u as usize)));
                    for &(id, at) in found {
                        for &u in &sentences.of_literal[id as usize] {
                            if is_active(u as usize) {
                                words.push((u, at));
                            }
                        }
                    }
                    words.sort_unstable();
                }
            }
        }
        let mut reached: Vec<u32> = whole.clone();
        reached.extend(words.iter().map(|&(u, _)| u));
        reached.sort_unstable();
        reached.dedup();
        self.scan_gated(text, active, found, &reached, out)?;
        for &u in &whole {
            self.scan_ungated(u as usize, text, 0..text.len(), out)?;
        }
        let Some(sentences) = &self.gates.sentences else {
            return Ok(());
        };
        let mut done = (u32::MAX, 0);
        for (u, q) in words {
            if u == done.0 && q < done.1 {
                continue;
            }
            let span = sentences.around(text.as_bytes(), q);
            done = (u, span.end);
            if sentences.holds(u as usize, &text.as_bytes()[span.clone()]) {
                self.scan_ungated(u as usize, text, span, out)?;
            }
        }
        Ok(())
    }

    /// Ungated pattern `u` over `span` of `text`: for each end of a match, the leftmost start at most
    /// [`MAX_MATCH_BYTES`] back and not before `span`.
    fn scan_ungated(
        &self,
        u: usize,
        text: &str,
        span: std::ops::Range<usize>,
        out: &mut Vec<Hit>,
    ) -> Result<(), String> {
        if span.is_empty() {
            return Ok(());
        }
        let rule = self.rule_of[self.ungated[u]];
        self.ungated_dfa(u)?.find_all(text, span, |start, end| {
            out.push(Hit {
                rule,
                role: Role::Match,
                start,
                end,
            })
        })
    }

    /// The gated regexes: where one of a pattern's prefix literals occurs, the pattern's longest match anchored
    /// there (at most [`MAX_MATCH_BYTES`] long). The `ungated` patterns the text reaches are compiled with the
    /// gated ones it reaches, before the searches.
    fn scan_gated(
        &self,
        text: &str,
        active: &[bool],
        found: &[(u32, usize)],
        ungated: &[u32],
        out: &mut Vec<Hit>,
    ) -> Result<(), String> {
        let Some(anchors) = &self.gates.anchors else {
            self.compile_reached(&[], ungated);
            return Ok(());
        };
        let mut armed: Vec<usize> = Vec::new();
        let mut runs: Vec<(usize, usize)> = Vec::new();
        BUCKETS.with(|cell| {
            let mut buckets = cell.borrow_mut();
            // Cleared first, so that a scan that stopped half-way (an error) leaves nothing for the next.
            for b in buckets.iter_mut() {
                b.clear();
            }
            if buckets.len() < self.gates.buckets {
                buckets.resize_with(self.gates.buckets, Vec::new);
            }
            // Occurrences of inactive rules' literals are collected too and skipped per pattern below.
            for &(literal, start) in found {
                let l = literal as usize;
                let range = anchors.starts[l] as usize..anchors.starts[l + 1] as usize;
                for &b in &anchors.targets[range] {
                    buckets[b as usize].push(start);
                }
            }
            self.armed_starts(text, active, &mut buckets, &mut armed, &mut runs);
        });
        // Outside the borrow of the buckets: a thread that waits for the parallel loop may meanwhile run
        // another scan, which takes them.
        self.compile_reached(&runs, ungated);
        self.search_armed(text, &armed, &runs, out)
    }

    /// The starts of each gated pattern that its triggers (`buckets`, filled by the literal matcher) allow and
    /// its arms confirm: the trigger occurrences themselves, or the positions within a window before a
    /// required word that begin with the first character of a prefix. Appends them to `armed`, and for each
    /// pattern with starts (pattern, end of its starts in `armed`) to `runs`.
    fn armed_starts(
        &self,
        text: &str,
        active: &[bool],
        buckets: &mut [Vec<usize>],
        armed_all: &mut Vec<usize>,
        runs: &mut Vec<(usize, usize)>,
    ) {
        // Reused from pattern to pattern; room for the starts of a common pattern in a script up front.
        let mut starts: Vec<usize> = Vec::with_capacity(256);
        let mut armed: Vec<usize> = Vec::with_capacity(256);
        for (p, groups) in self.gates.groups_of.iter().enumerate() {
            if groups.is_empty() || !active[self.rule_of[p] as usize] {
                continue;
            }
            armed.clear();
            for group in &self.gates.groups[groups.start as usize..groups.end as usize] {
                let first = group.bucket as usize;
                if buckets[first].is_empty() {
                    continue;
                }
                let sets = &mut buckets[first..=first + group.arms as usize];
                // The matcher reports by start, so the occurrences come sorted, bar literals of different
                // lengths at one place: a stable sort is about linear.
                for b in sets.iter_mut() {
                    b.sort();
                }
                let (hits, arms) = sets.split_at(1);
                let hits = &hits[0];
                starts.clear();
                match &group.start {
                    Start::AtTrigger => starts.extend_from_slice(hits),
                    Start::FirstChars(chars, window) => {
                        window_starts(text, hits, *window, Some(chars), &mut starts)
                    }
                    Start::Anywhere(window) => {
                        window_starts(text, hits, *window, None, &mut starts)
                    }
                }
                starts.dedup();
                // Every match from a start holds a word of each arm, beginning within the pattern's reach.
                let mut cursors = [0usize; MAX_ARMS];
                for &start in &starts {
                    let last = start + self.reach[p];
                    let ok = arms.iter().zip(cursors.iter_mut()).all(|(w, c)| {
                        while *c < w.len() && w[*c] < start {
                            *c += 1;
                        }
                        *c < w.len() && w[*c] <= last
                    });
                    if ok && passes_checks(text.as_bytes(), start, self.reach[p], &group.checks) {
                        armed.push(start);
                    }
                }
            }
            if groups.len() > 1 {
                armed.sort_unstable();
                armed.dedup();
            }
            if armed.is_empty() {
                continue;
            }
            armed_all.extend_from_slice(&armed);
            runs.push((p, armed_all.len()));
        }
    }

    /// Compiles the gated patterns of `runs` and the `ungated` patterns not compiled yet, side by side when
    /// there are several: a pre-commit run on one script reaches about twenty, at a few hundred microseconds
    /// each, while the other cores have nothing to do (issue 6).
    fn compile_reached(&self, runs: &[(usize, usize)], ungated: &[u32]) {
        use rayon::prelude::*;
        enum Job {
            Gated(usize),
            Ungated(usize),
        }
        let missing: Vec<Job> = runs
            .iter()
            .map(|&(p, _)| p)
            .filter(|&p| self.gated[p].get().is_none())
            .map(Job::Gated)
            .chain(
                ungated
                    .iter()
                    .map(|&u| u as usize)
                    .filter(|&u| self.compiled[u].get().is_none())
                    .map(Job::Ungated),
            )
            .collect();
        if missing.len() > 1 {
            missing.par_iter().for_each(|job| match *job {
                Job::Gated(p) => {
                    self.gated[p]
                        .get_or_init(|| AnchoredRegex::new(&self.patterns[p]).map(Box::new));
                }
                Job::Ungated(u) => {
                    self.compiled[u].get_or_init(|| {
                        Ungated::new(&self.patterns[self.ungated[u]]).map(Box::new)
                    });
                }
            });
        }
    }

    /// Searches each pattern of `runs`, anchored, at its starts in `armed`.
    fn search_armed(
        &self,
        text: &str,
        armed: &[usize],
        runs: &[(usize, usize)],
        out: &mut Vec<Hit>,
    ) -> Result<(), String> {
        let mut from = 0;
        for &(p, to) in runs {
            let re = self.gated[p]
                .get_or_init(|| AnchoredRegex::new(&self.patterns[p]).map(Box::new))
                .as_ref()
                .map_err(Clone::clone)?;
            let rule = self.rule_of[p];
            re.each_longest(text, &armed[from..to], |start, end| {
                out.push(Hit {
                    rule,
                    role: Role::Match,
                    start,
                    end,
                })
            })?;
            from = to;
        }
        Ok(())
    }
}

/// One gated pattern, for anchored searches that report the longest match at a start. A forward DFA alone:
/// the start is known, so unlike a full regex it needs no reverse automaton and no capture groups, which
/// halves what a pre-commit run spends compiling the patterns its script reaches (issue 6).
///
/// A regex of the embedded packs whose DFA is small comes with a DFA built with livelint, so that a run on
/// one script compiles nothing for it. That DFA is sparse: each step looks its byte up among the state's
/// transitions, where a lazy DFA indexes a table. A pattern searched from many starts (a big input, a tree)
/// is therefore compiled after [`EMBEDDED_SEARCHES`] of them and searched lazily from then on; both find the
/// same matches (tested).
struct AnchoredRegex {
    pattern: String,
    embedded: Option<embedded_dfas::Embedded>,
    /// Starts searched with `embedded` so far.
    searched: AtomicUsize,
    lazy: OnceLock<Result<WithCaches, String>>,
}

/// Upper bound of the state cache of one anchored pattern's DFA per thread. Most searches are short and build
/// few states, but a long alternation before a gap (`(指标|斑块|...|尿布疹)[^。!?;]{0,10}(好了|...)`) builds
/// new ones at most of its starts: with 256 KB its cache was cleared 200 times on the benchmark tree, and
/// 1 MB took 0.85% fewer instructions there (issue 6). Memory is used only as states are built.
const ANCHORED_CACHE_CAPACITY: usize = 1 << 20;

/// Starts of a pattern searched with its embedded DFA before it is compiled. Compiling takes a few hundred
/// microseconds; past this many searches the slower steps of the sparse DFA cost more. A script stays below it
/// (39 starts over 16 patterns in the 5 KB benchmark script); see [`EMBEDDED_UNGATED_BYTES`] for the tree.
const EMBEDDED_SEARCHES: usize = 512;

impl AnchoredRegex {
    /// The pattern's embedded DFA, or else its lazy DFA, compiled now.
    fn new(pattern: &str) -> Result<AnchoredRegex, String> {
        let embedded = embedded_dfas::anchored(pattern);
        Ok(AnchoredRegex {
            lazy: lazy_slot(pattern, embedded.is_some(), ANCHORED_CACHE_CAPACITY)?,
            pattern: pattern.to_string(),
            embedded,
            searched: AtomicUsize::new(0),
        })
    }

    /// For each of `starts`, the end of the longest non-empty match starting there (at most
    /// [`MAX_MATCH_BYTES`] long), given to `found` as (start, end). With `MatchKind::All` the DFA runs until no
    /// match can be extended and reports the last one it saw.
    fn each_longest(
        &self,
        text: &str,
        starts: &[usize],
        mut found: impl FnMut(usize, usize),
    ) -> Result<(), String> {
        let input_at = |start: usize| {
            Input::new(text)
                .range(start..(start + MAX_MATCH_BYTES).min(text.len()))
                .anchored(Anchored::Yes)
        };
        let mut report = |start: usize, m: Option<regex_automata::HalfMatch>| {
            if let Some(end) = m.map(|m| m.offset()).filter(|&e| e > start) {
                found(start, end);
            }
        };
        if let Some(dfa) = &self.embedded {
            if within_share(&self.searched, starts.len(), EMBEDDED_SEARCHES) {
                use regex_automata::dfa::Automaton;
                for &start in starts {
                    let m = dfa
                        .try_search_fwd(&input_at(start))
                        .map_err(|e| e.to_string())?;
                    report(start, m);
                }
                return Ok(());
            }
        }
        let (dfa, caches) = self
            .lazy
            .get_or_init(|| lazy_dfa(&self.pattern, false, ANCHORED_CACHE_CAPACITY))
            .as_ref()
            .map_err(Clone::clone)?;
        let mut cache = caches.get();
        for &start in starts {
            let m = dfa
                .try_search_fwd(&mut cache, &input_at(start))
                .map_err(|e| e.to_string())?;
            report(start, m);
        }
        Ok(())
    }
}

/// Whether the text a match from `start` could cover (at most `reach` bytes) holds a word of each of `checks`:
/// every match does, so a start where one is missing is not searched.
fn passes_checks(text: &[u8], start: usize, reach: usize, checks: &[Vec<Vec<u8>>]) -> bool {
    let covered = &text[start..(start + reach).min(text.len())];
    checks
        .iter()
        .all(|set| set.iter().any(|w| holds_word(covered, w)))
}

/// Whether `hay`, a few dozen or hundred bytes, holds `word`. Searched for the word's last byte: a Han
/// character's first byte is shared by thousands of characters, its last by far fewer of those that occur.
fn holds_word(hay: &[u8], word: &[u8]) -> bool {
    let Some(last) = word.len().checked_sub(1) else {
        return true;
    };
    memchr::memchr_iter(word[last], hay.get(last..).unwrap_or_default())
        .any(|i| hay[i..].starts_with(word))
}

/// The starts a windowed trigger allows: each position at most `window` bytes before an occurrence (sorted)
/// that begins with one of `first_chars` (any position when `None`); windows of neighbouring occurrences are
/// walked once.
fn window_starts(
    text: &str,
    hits: &[usize],
    window: Window,
    first_chars: Option<&FirstChars>,
    starts: &mut Vec<usize>,
) {
    let mut done = 0;
    for &q in hits {
        // Both may fall inside a character (`done` is one byte past the previous occurrence's start), which
        // the loop below steps out of.
        let mut lo = window.start(text, q).max(done);
        while !text.is_char_boundary(lo) {
            lo += 1;
        }
        if lo > q {
            continue;
        }
        if first_chars.is_some_and(|f| f.push_starts_by_last_byte(text, lo, q, starts)) {
            done = q + 1;
            continue;
        }
        for (i, c) in text[lo..].char_indices() {
            if lo + i > q {
                break;
            }
            if first_chars.map_or(true, |f| f.contains(c)) {
                starts.push(lo + i);
            }
        }
        done = q + 1;
    }
}

/// How one group is found: its trigger words (its prefixes, or its rarest required set when that is rarer than
/// the prefixes and stands at most [`PREFIXED_WINDOW_BYTES`] into a match, the window walked before each
/// occurrence; [`WINDOW_BYTES`] for a group without prefixes),
/// where they start searches, and up to [`MAX_ARMS`] other required sets, rarest first, that must occur within
/// the pattern's reach after a start. `None` when the group has no trigger.
fn plan(group: &regex_facts::Group, observed: Option<&Observed>) -> Option<Plan> {
    fn rated<'a>(observed: Option<&Observed>, set: Vec<&'a str>) -> (f64, Vec<&'a str>) {
        (observed_rate(observed, &set, set_rate(&set)), set)
    }
    plan_sets(
        group
            .prefixes
            .as_deref()
            .and_then(normal_literals)
            .map(|set| rated(observed, set)),
        group
            .required
            .iter()
            .filter_map(|r| {
                let (rate, words) = rated(observed, normal_literals(&r.words)?);
                Some((rate, words, r.max_before, r.spaced))
            })
            .collect(),
        arm_ratio(observed),
    )
}

/// [`plan`] for a group of the facts in the binary (see [`regex_table`]), whose sets' rates build.rs worked
/// out.
fn plan_static(group: &regex_facts::StaticGroup, observed: Option<&Observed>) -> Option<Plan> {
    plan_sets(
        group.prefixes.and_then(|(p, rate)| {
            let set = normal_sorted_literals(p)?;
            Some((observed_rate(observed, &set, rate), set))
        }),
        group
            .required
            .iter()
            .filter_map(|&(words, max_before, spaced, rate)| {
                let set = normal_sorted_literals(words)?;
                Some((observed_rate(observed, &set, rate), set, max_before, spaced))
            })
            .collect(),
        arm_ratio(observed),
    )
}

/// [`ARM_RATIO`], or [`OBSERVED_ARM_RATIO`] for rates `observed` in the input.
fn arm_ratio(observed: Option<&Observed>) -> f64 {
    if observed.is_some() {
        OBSERVED_ARM_RATIO
    } else {
        ARM_RATIO
    }
}

/// The rate of `set` to plan by: the table's `rate`, or the one `observed` in the input.
fn observed_rate(observed: Option<&Observed>, set: &[&str], rate: f64) -> f64 {
    observed.map_or(rate, |o| o.set_rate(set, rate))
}

/// [`normal_literals`] of a set of the facts in the binary, which build.rs wrote sorted and without the
/// literals that extend another (`Facts::without_extensions`): leaving out the ones normalized text cannot hold
/// keeps both, so only that filter is left to do (issue 6: sorting and checking each set again was a twelfth
/// of the instructions of a run on one script). A dropped literal's extensions hold its characters, so they are
/// dropped too and none comes back.
fn normal_sorted_literals<'a>(set: &[&'a str]) -> Option<Vec<&'a str>> {
    let mut kept: Vec<&str> = Vec::with_capacity(set.len());
    kept.extend(set.iter().copied().filter(|l| normal(l)));
    (!kept.is_empty()).then_some(kept)
}

/// [`plan`] from the group's prefixes and required sets, each reduced to the literals normalized text can
/// hold, with their rates ([`set_rate`]).
fn plan_sets(
    prefixes: Option<(f64, Vec<&str>)>,
    mut required: Vec<(f64, Vec<&str>, Option<usize>, bool)>,
    arm_ratio: f64,
) -> Option<Plan> {
    // Rarest first.
    required.sort_by(|a, b| a.0.total_cmp(&b.0));
    let window = if prefixes.is_some() {
        PREFIXED_WINDOW_BYTES
    } else {
        WINDOW_BYTES
    };
    let windowed = required
        .iter()
        .position(|(_, _, before, _)| before.is_some_and(|b| b <= window));
    let window_of = |before: Option<usize>, spaced: bool| Window {
        bytes: before.unwrap_or(0),
        spaced,
    };
    let ((trigger_rate, trigger), start) = match (prefixes, windowed) {
        (Some((prefix_rate, p)), Some(i)) if required[i].0 < prefix_rate => {
            let (rate, words, before, spaced) = required.remove(i);
            let first = FirstChars::new(p.iter().filter_map(|l| l.chars().next()).collect());
            (
                (rate, words),
                Start::FirstChars(first, window_of(before, spaced)),
            )
        }
        (Some(p), _) => (p, Start::AtTrigger),
        (None, Some(i)) => {
            let (rate, words, before, spaced) = required.remove(i);
            ((rate, words), Start::Anywhere(window_of(before, spaced)))
        }
        (None, None) => return None,
    };
    let owned = |words: Vec<&str>| words.into_iter().map(str::to_string).collect::<Vec<_>>();
    // An arm is a set that occurs less than [`ARM_RATIO`] times as often as the trigger: where a start has no
    // word of it within reach, no search is made. Every occurrence of an arm is reported by the keyword pass
    // whether or not a trigger is near, so a set as common as its trigger costs more than it saves:
    // - 合作 after 央视 (`(央视|cctv)[^,]{0,6}(合作|上榜...)`) occurred 25,000 times in 10 MB of commerce
    //   talk, 央视 a few hundred; 的, 一 or 用 stand near almost every start (issue 6: arming one-character
    //   sets was 10% of the CPU time of a 10 MB transcript).
    // - 癌, 疮 or 疹 are rare, so the disease names after 治疗 or 改善 arm their searches, though some are one
    //   character (counting characters had left 45,000 searches for 845 matches on the tree).
    // - A set with a number is no arm: the digit pairs of `[0-9]{2,}` occurred 94,000 times in 10 MB.
    let mut arms = Vec::new();
    let mut checks = Vec::new();
    for (rate, words, _, _) in required {
        if words == trigger {
            continue;
        }
        if rate < arm_ratio * trigger_rate && !has_number(&words) && arms.len() < MAX_ARMS {
            arms.push(owned(words));
        } else if words.len() <= MAX_CHECK_WORDS && checks.len() < MAX_CHECKS {
            checks.push(owned(words));
        }
    }
    Some(Plan {
        trigger: owned(trigger),
        start,
        arms,
        checks,
    })
}

/// A pattern's longest match (see [`Facts::max_len`]) and its plans, one per group, with what they were
/// planned from; or, when some group has no
/// trigger, its facts: it is searched ungated.
type Analysed = (Option<usize>, Result<(Vec<Plan>, GateSource), Facts>);

/// See [`plan`].
struct Plan {
    trigger: Vec<String>,
    start: Start,
    arms: Vec<Vec<String>>,
    /// Required sets that are neither trigger nor arm (one-character words such as 万 or 退, or any set after
    /// a trigger of longer words): before a search, the text a match from the start could cover is checked
    /// for a word of each. A few dozen bytes are looked at, where an anchored search costs several times as
    /// much, and most searches from a weak trigger find nothing (issue 6: 125,000 searches for 6,500 matches
    /// in 10 MB of transcript).
    checks: Vec<Vec<String>>,
}

/// Keeps the literals that normalized text can hold; `None` when none is left. Matching runs on normalized
/// text, which holds no character that normalization would change: of the case variants a case-insensitive
/// pattern yields (`Clinically`, `cLinically` ...) only the lower-case one can occur, so the others are left
/// out (exactly, not as an approximation).
fn normal_literals<S: AsRef<str>>(set: &[S]) -> Option<Vec<&str>> {
    let mut normal: Vec<&str> = set
        .iter()
        .map(AsRef::as_ref)
        .filter(|l| normal(l))
        .collect();
    // A literal that extends another one of the set adds nothing: where it occurs, the shorter one occurs at
    // the same place. Dropping them leaves a third of the literals (专柜 stands for 405 variants such as
    // 专柜也卖), and the matcher has a third of them to look for. In sorted order the extensions of a literal
    // follow it directly.
    normal.sort_unstable();
    let mut kept: Vec<&str> = Vec::with_capacity(normal.len());
    for l in normal {
        if !kept.last().is_some_and(|k| l.starts_with(k)) {
            kept.push(l);
        }
    }
    (!kept.is_empty()).then_some(kept)
}

/// True when a word of `set` is a number (digits and dots), which text of prices and figures is full of.
fn has_number<S: AsRef<str>>(set: &[S]) -> bool {
    set.iter()
        .any(|w| w.as_ref().bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// True when normalization leaves `literal` as it is.
fn normal(literal: &str) -> bool {
    literal.chars().all(|c| fold_char(c) == c)
}

/// How rare a literal set is likely to be, for choosing the words that bound an ungated pattern's sentences
/// (the gates use [`set_rate`]): the character count of its shortest word
/// first (a two-character word is far rarer than any one character), then fewer words (万 or 亿 is rarer than
/// any digit).
fn rarity<S: AsRef<str>>(set: &[S]) -> (usize, std::cmp::Reverse<usize>) {
    let shortest = set
        .iter()
        .map(|l| l.as_ref().chars().count())
        .min()
        .unwrap_or(0);
    (shortest, std::cmp::Reverse(set.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule example of the embedded packs and the labelled corpus, normalized as a scan sees them, one
    /// text a line.
    fn corpus() -> String {
        let set = crate::rules::RuleSet::from_sources(&crate::rules::pack::embedded()).unwrap();
        let mut raw: Vec<String> = set
            .rules
            .iter()
            .flat_map(|r| &r.examples)
            .map(|ex| ex.text.clone())
            .collect();
        for corpus in ["zh", "en", "zh-unseen", "en-unseen"] {
            let path = format!("{}/fixtures/eval/{corpus}.tsv", env!("CARGO_MANIFEST_DIR"));
            raw.extend(
                std::fs::read_to_string(path)
                    .unwrap()
                    .lines()
                    .map(str::to_string),
            );
        }
        let mut text = String::new();
        for t in &raw {
            text.push_str(&crate::normalize::normalize(t).text);
            text.push('\n');
        }
        text
    }

    /// An ungated pattern's DFAs built with livelint find the matches its lazy DFAs find, on each line of the
    /// corpus (scans search sentences), and it is compiled once it has searched its share of text.
    #[test]
    fn embedded_ungated_dfas_find_what_the_lazy_ones_find() {
        let text = corpus();
        assert!(text.len() > 2 * EMBEDDED_UNGATED_BYTES);
        let (mut patterns, mut matches) = (0, 0);
        for p in embedded_dfas::ungated_patterns() {
            let re = Ungated::new(p).unwrap();
            let dfas = re.embedded.as_ref().unwrap();
            let (mut want, mut got) = (Vec::new(), Vec::new());
            let mut at = 0;
            for line in text.split_inclusive('\n') {
                let span = at..at + line.len();
                find_all_embedded(dfas, &text, span.clone(), |s, e| got.push((s, e))).unwrap();
                re.find_all_lazy(&text, span, |s, e| want.push((s, e)))
                    .unwrap();
                at += line.len();
            }
            assert_eq!(got, want, "{p}");
            patterns += 1;
            matches += got.len();
            // Within its share of text the pattern is not compiled; past it, it is.
            let re = Ungated::new(p).unwrap();
            re.find_all(&text, 0..EMBEDDED_UNGATED_BYTES, |_, _| ())
                .unwrap();
            assert!(re.fwd.get().is_none(), "{p}: compiled within its share");
            re.find_all(&text, 0..text.len(), |_, _| ()).unwrap();
            assert!(re.fwd.get().is_some(), "{p}: not compiled past its share");
        }
        assert!(
            patterns >= 10,
            "{patterns} patterns with embedded ungated DFAs"
        );
        assert!(matches > 30, "{matches} matches");
    }

    /// Asking first whether a sentence holds a match of an ungated pattern leaves out only sentences without
    /// one: on each line of the corpus, every ungated pattern of the default packs finds what the overlapping
    /// search alone finds.
    #[test]
    fn the_first_match_check_drops_only_sentences_without_a_match() {
        let text = corpus();
        let set = crate::rules::RuleSet::from_sources(&crate::rules::pack::embedded()).unwrap();
        let index = RegexIndex::new(&set.rules).unwrap();
        assert!(index.ungated.len() >= 10, "{} ungated", index.ungated.len());
        let (mut with, mut without) = (0, 0);
        for &p in index.ungated.iter() {
            let re = Ungated::new(&index.patterns[p]).unwrap();
            let mut at = 0;
            for line in text.split_inclusive('\n') {
                let span = at..at + line.len();
                let (mut want, mut got) = (Vec::new(), Vec::new());
                let mut cache = re.fwd_dfa().unwrap().1.get();
                re.find_all_overlapping(&mut cache, &text, span.clone(), |s, e| want.push((s, e)))
                    .unwrap();
                re.find_all_lazy(&text, span, |s, e| got.push((s, e)))
                    .unwrap();
                assert_eq!(got, want, "{} on {line:?}", index.patterns[p]);
                if want.is_empty() {
                    without += 1;
                } else {
                    with += 1;
                }
                at += line.len();
            }
        }
        assert!(
            with > 30 && without > 1000,
            "{with} lines with matches, {without} without"
        );
    }

    /// The DFAs built with livelint stand in for the lazy DFAs compiled at run time: on the corpus, both find
    /// the same longest match from every position.
    #[test]
    fn embedded_dfas_find_what_the_lazy_ones_find() {
        let text = corpus();
        let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let (mut patterns, mut matches) = (0, 0);
        for p in embedded_dfas::anchored_patterns() {
            let (mut want, mut got) = (Vec::new(), Vec::new());
            // With the embedded DFA: a new regex for each share of starts.
            for part in starts.chunks(EMBEDDED_SEARCHES) {
                let re = AnchoredRegex::new(p).unwrap();
                assert!(re.embedded.is_some(), "{p}");
                re.each_longest(&text, part, |s, e| got.push((s, e)))
                    .unwrap();
                assert!(re.lazy.get().is_none(), "{p}: compiled within its share");
            }
            // Past its share, a regex is compiled and searched lazily.
            let re = AnchoredRegex::new(p).unwrap();
            re.searched.store(EMBEDDED_SEARCHES, Ordering::Relaxed);
            re.each_longest(&text, &starts, |s, e| want.push((s, e)))
                .unwrap();
            assert!(re.lazy.get().is_some(), "{p}: not compiled past its share");
            assert_eq!(got, want, "{p}");
            patterns += 1;
            matches += got.len();
        }
        // Most gated patterns of the default packs are embedded, and the examples exercise them.
        assert!(patterns > 200, "{patterns} embedded DFAs");
        assert!(matches > 800, "{matches} matches");
    }

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

    /// `n` pieces drawn by a fixed linear congruential generator from `seed`.
    fn random_text(pieces: &[&str], mut seed: u64, n: usize) -> String {
        let mut text = String::new();
        for _ in 0..n {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
        }
        text
    }

    #[test]
    fn windows_searched_by_last_byte_give_the_starts_walking_them_gives() {
        // 加 (E5 8A A0) and 钱 (E9 92 B1): other characters hold A0 or B1 in the middle, and ASCII `v` ends
        // nothing else.
        let text = random_text(
            &[
                "加",
                "钱",
                "v",
                "加v",
                "我",
                "蜜",
                "丠",
                "ɠ",
                "𠀀",
                " ",
                "a",
                "，",
                "直播间",
            ],
            5,
            4000,
        );
        let hits: Vec<usize> = text
            .char_indices()
            .filter(|&(_, c)| c == '直' || c == 'a')
            .map(|(i, _)| i)
            .collect();
        for chars in [
            vec!['加'],
            vec!['加', 'v'],
            vec!['加', '钱', 'v'],
            vec!['ɠ', '𠀀'],
        ] {
            let fast = FirstChars::new(chars.clone());
            assert!(fast.last_bytes.is_some(), "{chars:?}");
            let walked = FirstChars {
                last_bytes: None,
                ..fast.clone()
            };
            for window in [
                Window {
                    bytes: 19,
                    spaced: false,
                },
                Window {
                    bytes: 128,
                    spaced: false,
                },
                Window {
                    bytes: 6,
                    spaced: true,
                },
            ] {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                window_starts(&text, &hits, window, Some(&fast), &mut a);
                window_starts(&text, &hits, window, Some(&walked), &mut b);
                assert!(b.len() > 10, "{chars:?} {window:?}");
                assert_eq!(a, b, "{chars:?} {window:?}");
            }
        }
        assert!(FirstChars::new(vec!['加', '钱', 'v', '我'])
            .last_bytes
            .is_none());
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
        assert!(idx.gates.anchors.is_some());
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

    #[test]
    fn checks_look_only_where_a_match_can_reach() {
        let set = |ws: &[&str]| ws.iter().map(|w| w.as_bytes().to_vec()).collect::<Vec<_>>();
        let text = "直播间现在有十二万人在看".as_bytes();
        let checks = vec![set(&["万人", "亿人"])];
        let at = "直播间现在有十二".len();
        // The word ends exactly at the reach, lies beyond it, or is missing.
        assert!(passes_checks(text, 0, at + "万人".len(), &checks));
        assert!(!passes_checks(text, 0, at + "万人".len() - 1, &checks));
        assert!(!passes_checks(text, 0, text.len(), &[set(&["亿人"])]));
        // An empty word is in any text.
        assert!(passes_checks(text, 5, 0, &[set(&[""])]));
        // Every set must hold a word; a reach past the end is cut at it.
        assert!(passes_checks(
            text,
            0,
            1000,
            &[set(&["万人"]), set(&["直播", "在看"])]
        ));
        assert!(!passes_checks(
            text,
            0,
            1000,
            &[set(&["万人"]), set(&["在听"])]
        ));
        assert!(passes_checks(text, 3, 1000, &[]));
    }

    /// How the first group of a one-pattern index is triggered: start, arms, checks.
    fn mode(idx: &RegexIndex) -> (&'static str, u8, usize) {
        let g = &idx.gates.groups[0];
        let m = match g.start {
            Start::AtTrigger => "prefix",
            Start::FirstChars(..) => "window",
            Start::Anywhere(_) => "anywhere",
        };
        (m, g.arms, g.checks.len())
    }

    /// Gated patterns, each with the mode its first group is planned in by the table's rates (see [`mode`]).
    const GATE_PATTERNS: [(&str, (&str, u8, usize)); 11] = [
        (r"(加|添加|私|联系)[^,。]{0,5}(微信|qq)", ("window", 0, 0)),
        // Past a gap of whitespace alone, however long, the rarer word still triggers: a match holds one
        // character other than whitespace before it.
        (r"(抗|防|治)\s*ai", ("window", 0, 0)),
        (r"降\s*(xue|tang|ya)[^,。]{0,2}\s*(药|片)", ("window", 0, 0)),
        (r"\p{Han}{1,3}之王", ("anywhere", 0, 0)),
        (
            r"私下[^,]{0,4}(发|转)|(发|转)[^,]{0,3}红包给我",
            ("prefix", 0, 1),
        ),
        // A one-character trigger (癌 or 瘤, rarer than three prefixes) is armed by the words after it.
        (
            r"(抗|防|治)[^,。]{0,4}(癌|瘤)[^,。]{0,4}(有效|见效)[^,。]{0,4}(真的|确实)",
            ("window", 2, 0),
        ),
        // After a rarer trigger, words that are several times as common are checked, not armed.
        (
            r"(抗|防|治)[^,。]{0,4}(癌症|肿瘤)[^,。]{0,4}(有效|见效)[^,。]{0,4}(真的|确实)",
            ("window", 0, 2),
        ),
        // A set with a number is no arm: it is checked.
        (
            r"(抗|防|治)[^,。]{0,4}(癌症|肿瘤)[^,。]{0,4}(12|3)",
            ("window", 0, 1),
        ),
        // 万人 and 亿人 are commoner than 直播间 in general text: no arm, and no check past a gap of
        // unbounded length.
        (r"直播间(现在|有)*\s*[0-9]+\s*(万|亿)人", ("prefix", 0, 0)),
        (
            r"(我|自己)[^,。]{0,4}(没|没有)(用过|吃过)[^。]{0,24}(推荐|放心)",
            ("window", 0, 1),
        ),
        // The rarer words stand up to 38 bytes into a match, past `WINDOW_BYTES`: with prefixes, the window
        // reaches them (`PREFIXED_WINDOW_BYTES`), and 腰, 头 or 胃 trigger nothing.
        (r"(腰|头|胃)[^,。]{0,8}就?不(疼|痛)了", ("window", 0, 0)),
    ];

    /// What the texts of the gate tests are made of.
    const GATE_PIECES: &[&str] = &[
        "加",
        "添加",
        "私",
        "联系",
        "微信",
        "qq",
        "抗",
        "防",
        "治",
        " ",
        "ai",
        "之王",
        "手机",
        "私下",
        "发",
        "转",
        "红包给我",
        "直播间",
        "现在",
        "有",
        "3",
        "12",
        "万",
        "亿",
        "人",
        "我",
        "自己",
        "没",
        "没有",
        "用过",
        "吃过",
        "推荐",
        "放心",
        "我没用过",
        "自己没有吃过",
        "直播间有 12万人",
        "直播间3亿",
        ",",
        "。",
        "的",
        "好",
        "癌症",
        "肿瘤",
        "有效",
        "真的",
        "抗癌症有效真的",
        "防止肿瘤见效，确实",
        "治肿瘤很有效确实",
        "腰",
        "头",
        "胃",
        "就",
        "不疼了",
        "不痛了",
        "头好像就不痛了",
        "腰这几天都不疼了",
        "降",
        "xue",
        "tang",
        "药",
        "降 xue",
        "降   tang好 药",
        "降\u{3000}ya片",
        "抗    ai",
        "      ",
        "\u{3000}\u{3000}",
        "\t\n",
    ];

    #[test]
    fn triggered_searches_find_what_searching_everywhere_finds() {
        let text = random_text(GATE_PIECES, 7, 6000);
        for (p, expected_mode) in GATE_PATTERNS {
            let idx = index_of(&[p]);
            assert!(idx.ungated.is_empty(), "{p} is gated");
            assert_eq!(mode(&idx), expected_mode, "{p}");
            let want = anchored_everywhere(p, &text);
            assert!(want.len() > 3, "{p} matches the text {} times", want.len());
            assert_eq!(gated_matches(&idx, &text), want, "{p}");
        }
    }

    /// Every match of a gated index in `text`, sorted.
    fn gated_matches(idx: &RegexIndex, text: &str) -> Vec<(usize, usize)> {
        let mut hits = Vec::new();
        idx.scan(text, &[true], &mut hits).unwrap();
        let mut got: Vec<(usize, usize)> = hits.iter().map(|h| (h.start, h.end)).collect();
        got.sort_unstable();
        got
    }

    /// The reference: a full regex, longest match anchored at each position.
    fn anchored_everywhere(p: &str, text: &str) -> Vec<(usize, usize)> {
        let re = regex_automata::meta::Regex::builder()
            .syntax(syntax_config())
            .configure(regex_automata::meta::Config::new().match_kind(MatchKind::All))
            .build(p)
            .unwrap();
        let mut want = Vec::new();
        for (s, _) in text.char_indices() {
            let input = Input::new(text)
                .range(s..(s + MAX_MATCH_BYTES).min(text.len()))
                .anchored(Anchored::Yes);
            if let Some(m) = re.search(&input) {
                if m.end() > m.start() {
                    want.push((m.start(), m.end()));
                }
            }
        }
        want
    }

    #[test]
    fn gates_planned_by_the_inputs_counts_find_the_same_matches() {
        // Counts that make a pattern's prefixes, then its required words, look like the common ones, and the
        // counts of the text itself.
        let text = random_text(GATE_PIECES, 11, 6000);
        let census = super::super::census::Census::new(
            index_of(&GATE_PATTERNS.map(|(p, _)| p)).gate_words(),
        );
        let own = census.observed(&census.count(&text));
        let mut changed = 0;
        for (p, _) in GATE_PATTERNS {
            let idx = index_of(&[p]);
            let words = idx.gate_words();
            assert!(!words.is_empty(), "{p} has gate words");
            let mut prefixes_common: Vec<(&str, u64)> = Vec::new();
            let mut required_common: Vec<(&str, u64)> = Vec::new();
            for w in &words {
                // The first characters of each branch stand for its prefixes here.
                let prefix = [
                    "加",
                    "添加",
                    "私",
                    "联系",
                    "抗",
                    "防",
                    "治",
                    "我",
                    "自己",
                    "直播间",
                    "发",
                    "转",
                ]
                .contains(&w.as_str());
                prefixes_common.push((w, if prefix { 1_000_000 } else { 0 }));
                required_common.push((w, if prefix { 0 } else { 1_000_000 }));
            }
            let variants = [
                own.clone(),
                Observed::from_counts(prefixes_common, 1_000_000),
                Observed::from_counts(required_common, 1_000_000),
            ];
            let want = anchored_everywhere(p, &text);
            for observed in &variants {
                let replanned = idx.replanned(observed);
                if mode(&replanned) != mode(&idx) || replanned.literals() != idx.literals() {
                    changed += 1;
                }
                assert_eq!(gated_matches(&replanned, &text), want, "{p}: {observed:?}");
            }
        }
        // The counts do change plans: the test would not see a plan that loses matches otherwise.
        assert!(changed >= 6, "{changed} plans changed");
    }

    #[test]
    fn the_dfa_on_sentences_with_words_finds_what_it_finds_on_the_whole_text() {
        let patterns = [
            r"[0-9.]+\s*天[^,。!?;]{0,3}(见效|好了)",
            r"([0-9.]+|[一二三四五六七八九十百千几]+)\s*多?\s*(万|亿)\s*人",
            r"\p{Han}{1,12}之王",
            // No word every match holds: searched on the whole text.
            r"\p{Han}{2}\d",
        ];
        let pieces = [
            "3", "12", ".", "天", "就", "见效", "好了", "万", "亿", "人", "多", " ", "。", "!",
            "?", ";", ",", "\n", "三", "百", "手机", "之王", "的",
            // Ends in the last byte of 。 (0x82) and is no barrier.
            "丂",
        ];
        let text = random_text(&pieces, 11, 8000);
        let limited = index_of(&patterns);
        assert_eq!(limited.ungated.len(), 4, "none is gated");
        let sentences = limited
            .gates
            .sentences
            .as_ref()
            .expect("limited to sentences");
        let barriers: Vec<Vec<u8>> = ["。", "!", "?", ";", ","]
            .iter()
            .map(|b| b.as_bytes().to_vec())
            .collect();
        assert_eq!(sentences.encoded, barriers);
        assert_eq!(sentences.whole, vec![3]);
        let mut whole = limited.clone();
        whole.gates.sentences = None;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        limited.scan(&text, &[true], &mut a).unwrap();
        whole.scan(&text, &[true], &mut b).unwrap();
        a.sort_unstable();
        b.sort_unstable();
        assert!(b.len() > 20, "{} matches", b.len());
        let han_digits = regex::Regex::new(r"^\p{Han}{2}\d$").unwrap();
        assert!(b.iter().any(|h| han_digits.is_match(&text[h.start..h.end])));
        assert_eq!(a, b);
    }

    /// A sentence around one required word is searched only if it also holds a word of each other required
    /// set of some branch; the scan finds the same matches either way (the test above).
    #[test]
    fn a_sentence_without_a_branchs_other_words_is_not_searched() {
        const N: &str = "([0-9.]+|[一二三四五六七八九十百千几]+)";
        let limited = index_of(&[&format!(r"{N}\s*万\s*人|{N}\s*亿\s*单")]);
        assert_eq!(limited.ungated.len(), 1, "ungated");
        let sentences = limited.gates.sentences.as_ref().expect("sentences");
        assert_eq!(sentences.required[0].len(), 2, "one entry per branch");
        let holds = |s: &str| sentences.holds(0, s.as_bytes());
        assert!(holds("已经3万人"));
        assert!(holds("3亿单"));
        assert!(!holds("3万单"), "万 of one branch, 单 of the other");
        assert!(!holds("3亿人"));
        assert!(holds("3万 5亿单"));
        assert!(!holds("三万"));
        // A branch with one required set passes every sentence its word bounds.
        let one = index_of(&[&format!(r"{N}\s*万|{N}\s*亿\s*单")]);
        assert_eq!(one.ungated.len(), 1, "ungated");
        let one = one.gates.sentences.as_ref().expect("sentences");
        assert!(one.holds(0, "3万".as_bytes()));
        assert!(!one.holds(0, "3亿".as_bytes()));
    }

    #[test]
    fn literal_sets_keep_what_normalized_text_holds_and_drop_extensions() {
        let set = ["专柜也卖", "专柜", "Abc", "专柜价", "x", "专卖"]
            .map(String::from)
            .to_vec();
        assert_eq!(normal_literals(&set), Some(vec!["x", "专卖", "专柜"]));
        assert_eq!(normal_literals(&["Ｘ".to_string()]), None);
    }

    #[test]
    fn the_binarys_sets_need_only_the_normalization_filter() {
        let mut sets = 0;
        for (pattern, facts) in crate::rules::regex_table::embedded_table() {
            for g in facts.groups.into_iter().flatten() {
                let required = g.required.iter().map(|r| r.0);
                for set in g.prefixes.map(|p| p.0).into_iter().chain(required) {
                    assert_eq!(
                        normal_sorted_literals(set),
                        normal_literals(set),
                        "{pattern}"
                    );
                    sets += 1;
                }
            }
        }
        assert!(sets > 500, "{sets} sets");
    }
}
