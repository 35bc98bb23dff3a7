//! The matcher: normalized text -> one keyword pass (keywords, context phrases, the literals that gate the
//! regexes) -> anchored regex searches where those literals allow, and a lazy DFA per other regex over
//! the sentences that need it -> context filters -> findings with spans in the original text. It never prints;
//! reporters render what it returns.

pub mod automata;
pub mod census;
pub mod chunk;
pub mod context;
pub mod crosscheck;
mod embedded_dfas;
pub mod frequency;
mod frequency_model;
pub mod fxhash;
pub mod keywords;
pub mod lazy_regex;
pub mod listing;
pub mod phrase_set;
pub mod regexes;

use std::sync::Arc;

use rayon::prelude::*;

use crate::error::RuleError;
use crate::finding::{report_order, sort_and_locate, Finding, LineCol, TimeRange};
use crate::normalize::{normalize, normalize_into, Normalized};
use crate::rules::schema::{ProductCategory, Scope};
use crate::rules::RuleSet;
use crate::source::Document;

use keywords::{KeywordIndex, RulePhrases};
use regexes::RegexIndex;

/// What a phrase stands for in a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// A keyword or regex hit: a candidate finding.
    Match,
    /// An `unless.inside` phrase.
    Inside,
    /// An `unless.after` word.
    After,
    /// An `unless.near` phrase.
    Near,
}

/// One occurrence in normalized text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hit {
    /// Index of the rule in the rule set.
    pub rule: u32,
    /// What the occurrence is for.
    pub role: Role,
    /// Byte start in normalized text.
    pub start: usize,
    /// Byte end in normalized text.
    pub end: usize,
}

/// What the engine needs to know about an input besides its text.
#[derive(Debug, Clone, Default)]
pub struct ScanContext {
    /// Script, transcript or listing; `None` applies every rule.
    pub kind: Option<Scope>,
    /// Product categories the input is about; rules with `when.product` need one of them.
    pub products: Vec<ProductCategory>,
}

/// A candidate that passed its rule's context filters, as a byte range of the ORIGINAL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    rule: u32,
    start: usize,
    end: usize,
}

/// The buffers of one scan ([`Engine::candidates`]), kept per thread between scans: a tree of small files
/// otherwise grows them anew for each file, through a dozen reallocations of the literal occurrences alone
/// (issue 6).
#[derive(Debug, Default)]
struct Scratch {
    hits: Vec<Hit>,
    literals: Vec<(u32, usize)>,
    context: Vec<keywords::ContextPhrase>,
    near: Vec<Hit>,
}

impl Scratch {
    fn clear(&mut self) {
        self.hits.clear();
        self.literals.clear();
        self.context.clear();
        self.near.clear();
    }
}

thread_local! {
    /// The buffers of a scan ([`Engine::candidates`]), kept for the thread's next scan.
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
    /// The normalized text of the chunk this thread scans, its buffers kept for the next chunk
    /// ([`normalize_into`]). It holds at most one chunk's text and offset map for the thread's life (about
    /// 1.3 MB at the 1 MB chunk size).
    static CHUNK_TEXT: std::cell::Cell<Normalized> = std::cell::Cell::new(Normalized::default());
}

/// A thread's buffers taken out of their slot ([`SCRATCH`], [`CHUNK_TEXT`]) for one use and put back when it
/// ends, by an error too, so that the next use on the thread finds their capacity. A use that starts on the
/// same thread while another holds them (rayon runs other work inside a join) takes empty ones of its own.
struct Taken<T: Default + 'static> {
    slot: &'static std::thread::LocalKey<std::cell::Cell<T>>,
    value: T,
}

impl<T: Default + 'static> Taken<T> {
    fn from(slot: &'static std::thread::LocalKey<std::cell::Cell<T>>) -> Taken<T> {
        Taken {
            slot,
            value: slot.with(std::cell::Cell::take),
        }
    }
}

impl<T: Default + 'static> Drop for Taken<T> {
    fn drop(&mut self) {
        let value = std::mem::take(&mut self.value);
        // A thread being torn down has no slot left to put it in.
        let _ = self.slot.try_with(|s| s.set(value));
    }
}

/// Compiled rules: build once per run, share across threads.
#[derive(Debug, Clone)]
pub struct Engine {
    rules: Arc<RuleSet>,
    keywords: KeywordIndex,
    regexes: RegexIndex,
    /// The chunk size set with [`Engine::with_chunk_bytes`]; by default it depends on the input
    /// ([`chunk::default_chunk_bytes`]).
    chunk_bytes: Option<usize>,
    /// Normalized bytes around a chunk that decide its findings.
    margin: usize,
    /// Bytes around a candidate in which its context phrases can stand.
    context_reach: usize,
}

impl Engine {
    /// Indexes every rule of the set for one keyword pass; regexes are compiled on first use (issue 6: a run
    /// that reaches no regex rule does not pay for them).
    pub fn new(rules: Arc<RuleSet>) -> Result<Engine, RuleError> {
        // The rules' phrases are collected while the regexes are analysed: a pre-commit run on one script is
        // mostly start-up, and each is a serial stretch of it (issue 6).
        let (regexes, phrases) = rayon::join(
            || RegexIndex::new(&rules.rules),
            || RulePhrases::new(&rules.rules),
        );
        let regexes = regexes?;
        let keywords = KeywordIndex::from_phrases(phrases, regexes.literals())?;
        let max_window = rules
            .rules
            .iter()
            .map(|r| r.near_window)
            .max()
            .unwrap_or(0)
            .max(context::AFTER_WINDOW);
        // How far from a candidate a context phrase can decide it: the phrase plus the window at 4 bytes a
        // character.
        let context_reach = keywords.longest_context() + 4 * (max_window + 1);
        // See chunk.rs: match, context reach, look-around slack.
        let margin = keywords.longest_match().max(regexes.max_len()) + context_reach + 16;
        Ok(Engine {
            rules,
            keywords,
            regexes,
            chunk_bytes: None,
            margin,
            context_reach,
        })
    }

    /// True when some regex is gated by literals: only then do the input's word rates change a plan.
    pub fn gates_regexes(&self) -> bool {
        !self.regexes.literals().is_empty()
    }

    /// What to count in a sample of the input to plan the regex gates by its own word rates; `None` when no
    /// regex is gated.
    pub fn census(&self) -> Option<census::Census> {
        let words = self.regexes.gate_words();
        (!words.is_empty()).then(|| census::Census::new(words))
    }

    /// This engine with the regex gates planned by the word rates `observed` in the input (census.rs), and
    /// the keyword pass looking for the literals of those plans. It finds what `self` finds; the regexes
    /// compiled so far are shared.
    pub fn replanned(&self, observed: &census::Observed) -> Result<Engine, RuleError> {
        // As in `new`, the rules' phrases are collected while the regexes are planned.
        let (regexes, phrases) = rayon::join(
            || self.regexes.replanned(observed),
            || RulePhrases::new(&self.rules.rules),
        );
        let keywords = KeywordIndex::from_phrases(phrases, regexes.literals())?;
        Ok(Engine {
            rules: Arc::clone(&self.rules),
            keywords,
            regexes,
            chunk_bytes: self.chunk_bytes,
            margin: self.margin,
            context_reach: self.context_reach,
        })
    }

    /// Sets the size of the chunks big inputs are split into (parallel scan). The findings do not depend on
    /// it; tests set it small to force many chunk edges.
    pub fn with_chunk_bytes(mut self, bytes: usize) -> Engine {
        self.chunk_bytes = Some(bytes.max(1));
        self
    }

    /// The rules this engine was built from.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Which rules apply to an input of this kind and product.
    fn active(&self, ctx: &ScanContext) -> Vec<bool> {
        self.rules
            .rules
            .iter()
            .map(|r| {
                let scope_ok = match ctx.kind {
                    Some(k) => r.scope.is_empty() || r.scope.contains(&k),
                    None => true,
                };
                let product_ok =
                    r.products.is_empty() || r.products.iter().any(|p| ctx.products.contains(p));
                scope_ok && product_ok
            })
            .collect()
    }

    /// Scans a text and returns its findings, sorted by (start, rule), with spans and positions in `original`.
    ///
    /// Inputs larger than the chunk size are split into overlapping chunks scanned in parallel (on the
    /// current rayon pool); the findings are the same as those of one whole scan (see `chunk.rs`).
    pub fn scan_text(&self, original: &str, ctx: &ScanContext) -> Result<Vec<Finding>, String> {
        let active = self.active(ctx);
        if !active.iter().any(|&a| a) {
            return Ok(Vec::new());
        }
        let chunk_bytes = self
            .chunk_bytes
            .unwrap_or_else(|| chunk::default_chunk_bytes(original.len()));
        let mut cands = if original.len() > chunk_bytes {
            let threads = rayon::current_num_threads();
            let plan = chunk::plan_tapered(original, chunk_bytes, self.margin, threads);
            // The threads take the chunks in order, each the next one left, so that the last chunks, which
            // the plan makes small, are the last scanned and the threads finish together. (A parallel
            // iterator over the chunks hands each thread a range, whose last chunk may be anywhere; one of
            // its ranges at a time also left a thread idle when the other core ran slower: issue 6, 67 ms of
            // a 245 ms scan of 100 MB.) A thread that comes late, or is busy with another input, takes fewer.
            let next = std::sync::atomic::AtomicUsize::new(0);
            let mut parts: Vec<(usize, Result<Vec<Candidate>, String>)> = (0..threads
                .min(plan.len()))
                .into_par_iter()
                .with_max_len(1)
                .flat_map_iter(|_| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(w) = plan.get(i) else { break };
                        mine.push((i, self.chunk_candidates(original, w, self.margin, &active)));
                    }
                    mine
                })
                .collect();
            parts.sort_unstable_by_key(|(i, _)| *i);
            let mut all = Vec::new();
            for (_, part) in parts {
                all.append(&mut part?);
            }
            all
        } else {
            let mut out = Vec::new();
            let norm = normalize(original);
            self.candidates(original, &norm, 0, 0..original.len(), &active, &mut out)?;
            out
        };
        if cands.is_empty() {
            return Ok(Vec::new());
        }
        if cands.len() > 4096 {
            cands.par_sort_unstable();
        } else {
            cands.sort_unstable();
        }
        // Overlapping candidates of one rule are one finding. Mapping to the original text keeps order and
        // overlap, so merging here equals merging in normalized text.
        let mut kept: Vec<Candidate> = Vec::with_capacity(cands.len());
        for c in cands {
            match kept.last_mut() {
                Some(prev) if prev.rule == c.rule && c.start < prev.end => {
                    prev.end = prev.end.max(c.end)
                }
                _ => kept.push(c),
            }
        }
        // Many findings (a big input) are built and sorted on all threads; a few are not worth the hand-off.
        let many = kept.len() > 4096;
        let mut findings: Vec<Finding> = kept
            .into_par_iter()
            .with_min_len(if many { 1024 } else { usize::MAX })
            .map(|c| {
                let rule = &self.rules.rules[c.rule as usize];
                let span = c.start..c.end;
                let matched = original.get(span.clone()).unwrap_or_default().to_string();
                Finding {
                    rule: Arc::clone(&rule.meta),
                    severity: rule.meta.severity,
                    message: rule.message_for(&matched),
                    matched,
                    span,
                    start: LineCol::default(),
                    end: LineCol::default(),
                    time: None,
                }
            })
            .collect();
        if !many {
            sort_and_locate(original, &mut findings);
            return Ok(findings);
        }
        // Many findings (a big input): sort and locate on all threads.
        findings.par_sort_unstable_by(report_order);
        let mut positions: Vec<(usize, &mut LineCol)> = Vec::with_capacity(findings.len() * 2);
        for f in findings.iter_mut() {
            positions.push((f.span.start, &mut f.start));
            positions.push((f.span.end, &mut f.end));
        }
        positions.par_sort_unstable_by_key(|(o, _)| *o);
        chunk::locate_parallel(original, &mut positions);
        Ok(findings)
    }

    /// The candidates that start in the core of one chunk, scanned in its window; widens the window when
    /// normalization left less than `margin` bytes on a side.
    fn chunk_candidates(
        &self,
        original: &str,
        w: &chunk::Window,
        margin: usize,
        active: &[bool],
    ) -> Result<Vec<Candidate>, String> {
        let mut window = w.window.clone();
        let mut widen_by = margin;
        let mut norm = Taken::from(&CHUNK_TEXT);
        loop {
            let text = &original[window.clone()];
            normalize_into(text, &mut norm.value);
            let norm = &norm.value;
            let core = w.core.start - window.start..w.core.end - window.start;
            let left = norm.normalized_offset(core.start);
            let right = norm.text.len() - norm.normalized_offset(core.end);
            let left_ok = window.start == 0 || left >= margin;
            let right_ok = window.end == original.len() || right >= margin;
            if left_ok && right_ok {
                let mut out = Vec::new();
                self.candidates(text, norm, window.start, core, active, &mut out)?;
                return Ok(out);
            }
            widen_by = widen_by.saturating_mul(2);
            window = chunk::widen(original, w.core.clone(), widen_by);
        }
    }

    /// Scans one normalized text and appends the candidates that pass their rule's context filters and start
    /// inside `core` (byte range of `original`), offset by `base` into the whole input.
    fn candidates(
        &self,
        original: &str,
        norm: &Normalized,
        base: usize,
        core: std::ops::Range<usize>,
        active: &[bool],
        out: &mut Vec<Candidate>,
    ) -> Result<(), String> {
        let mut scratch = Taken::from(&SCRATCH);
        scratch.value.clear();
        let text = norm.text.as_str();
        let Scratch {
            hits,
            literals,
            context,
            near,
        } = &mut scratch.value;
        self.keywords
            .scan_with_literals(text, active, hits, literals, context);
        self.regexes.scan_found(text, active, literals, hits)?;
        if hits.is_empty() {
            return Ok(());
        }
        // Only the context phrases within reach of a candidate of their rule: the others decide nothing.
        self.keywords
            .context_hits_near(context, hits, self.context_reach, near);
        hits.append(near);
        hits.sort_unstable();
        // A context hit near several candidates was given once for each.
        hits.dedup();
        for group in hits.chunk_by(|a, b| a.rule == b.rule) {
            // Hits sort by (rule, role, start): per role, the context hits are sorted by start, so each
            // candidate looks only at those within reach instead of all of them (issue 6: no quadratic cost
            // on inputs with many hits).
            let role_end = |r: Role| group.partition_point(|h| h.role <= r);
            let (m, i, a) = (
                role_end(Role::Match),
                role_end(Role::Inside),
                role_end(Role::After),
            );
            let (cands, inside, after, near) =
                (&group[..m], &group[m..i], &group[i..a], &group[a..]);
            let rule = &self.rules.rules[group[0].rule as usize];
            for cand in cands {
                let lo = cand.start.saturating_sub(self.context_reach);
                let hi = cand.end.saturating_add(self.context_reach);
                let within = |hs: &'_ [Hit]| -> std::ops::Range<usize> {
                    hs.partition_point(|h| h.start < lo)..hs.partition_point(|h| h.start <= hi)
                };
                if context::inside(cand, &inside[within(inside)])
                    || context::after(text, cand, &after[within(after)])
                    || (rule.near_window > 0
                        && context::near(text, cand, &near[within(near)], rule.near_window))
                {
                    continue;
                }
                let span = norm.original_range(original, cand.start..cand.end);
                if core.contains(&span.start) {
                    out.push(Candidate {
                        rule: cand.rule,
                        start: base + span.start,
                        end: base + span.end,
                    });
                }
            }
        }
        Ok(())
    }

    /// Scans a document: its text with its kind and products, then attaches cue times for transcripts.
    pub fn scan_document(&self, doc: &Document) -> Result<Vec<Finding>, String> {
        let ctx = ScanContext {
            kind: Some(doc.kind),
            products: doc.products.clone(),
        };
        let mut findings = self.scan_text(&doc.text, &ctx)?;
        if !doc.segments.is_empty() {
            for f in &mut findings {
                f.time = doc.time_of(f.span.clone()).map(|(s, e)| TimeRange {
                    start_ms: s,
                    end_ms: e,
                });
            }
        }
        // Transcripts are scanned as joined cue text; report positions in the file itself (issue 4).
        if let Some(origin) = &doc.origin {
            origin.remap(&mut findings);
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{PackSource, RuleSet};

    fn engine(yaml: &str) -> Engine {
        let set = RuleSet::from_sources(&[PackSource {
            name: "t.yaml".into(),
            text: yaml.into(),
        }])
        .unwrap();
        Engine::new(Arc::new(set)).unwrap()
    }

    const PACK: &str = r#"pack: t
rules:
  - id: lowest-price
    title: 全网最低价
    category: fake-discount
    severity: error
    law: ["明码标价和禁止价格欺诈规定 第十九条"]
    message: "{matched}"
    help: h
    match: { keywords: [全网最低价, 全网最低] }
    unless: { after: [不得, 禁止] }
    examples: { flag: ["«全网最低价»"], pass: ["不得宣称全网最低价"] }
  - id: superlative
    title: 最
    category: absolute-terms
    severity: error
    law: ["广告法 第九条第三项"]
    message: "{matched}"
    help: h
    match: { keywords: [最低, 最好], regex: ['史上最\p{Han}{1,2}'] }
    unless: { inside: [最低温度] }
    examples: { flag: ["«最好»"], pass: ["最低温度"] }
"#;

    fn ids(fs: &[Finding]) -> Vec<(&str, &str)> {
        fs.iter()
            .map(|f| (f.rule.id.as_str(), f.matched.as_str()))
            .collect()
    }

    #[test]
    fn overlapping_terms_of_different_rules_are_each_reported() {
        let e = engine(PACK);
        let fs = e
            .scan_text("我们全网最低价", &ScanContext::default())
            .unwrap();
        assert_eq!(
            ids(&fs),
            vec![("t/lowest-price", "全网最低价"), ("t/superlative", "最低")]
        );
    }

    #[test]
    fn filters_apply_per_rule() {
        let e = engine(PACK);
        let fs = e
            .scan_text("不得宣称全网最低价。最低温度很低", &ScanContext::default())
            .unwrap();
        assert_eq!(ids(&fs), vec![("t/superlative", "最低")]);
    }

    #[test]
    fn a_scan_starts_from_nothing_after_another_on_the_same_thread() {
        // The buffers of a scan are kept per thread: nothing of one scan may reach the next.
        let e = engine(PACK);
        let ctx = ScanContext::default();
        assert_eq!(e.scan_text("全网最低价，史上最强", &ctx).unwrap().len(), 3);
        assert!(e.scan_text("最近好多家人们问", &ctx).unwrap().is_empty());
        let again = e
            .scan_text("不得宣称全网最低价。最低温度很低", &ctx)
            .unwrap();
        assert_eq!(ids(&again), vec![("t/superlative", "最低")]);
    }

    #[test]
    fn regex_hits_map_to_original_text() {
        let e = engine(PACK);
        let fs = e
            .scan_text("這是史上最 強的", &ScanContext::default())
            .unwrap();
        assert_eq!(ids(&fs), vec![("t/superlative", "史上最 強的")]);
        assert_eq!(fs[0].start, LineCol { line: 1, column: 3 });
        assert_eq!(fs[0].end, LineCol { line: 1, column: 9 });
    }
}
