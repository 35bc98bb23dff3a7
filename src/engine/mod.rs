//! The matcher: normalized text -> one keyword automaton pass + one multi-regex pass -> context filters ->
//! findings with spans in the original text. It never prints; reporters render what it returns.

pub mod context;
pub mod crosscheck;
pub mod keywords;
pub mod listing;
pub mod regexes;

use std::sync::Arc;

use crate::error::RuleError;
use crate::finding::{locate_all, Finding, LineCol, TimeRange};
use crate::normalize::normalize;
use crate::rules::schema::{ProductCategory, Scope};
use crate::rules::RuleSet;
use crate::source::Document;

use keywords::KeywordIndex;
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

/// Compiled rules: build once per run, share across threads.
#[derive(Debug, Clone)]
pub struct Engine {
    rules: Arc<RuleSet>,
    keywords: KeywordIndex,
    regexes: RegexIndex,
}

impl Engine {
    /// Compiles every rule of the set into one automaton and one regex DFA pair.
    pub fn new(rules: Arc<RuleSet>) -> Result<Engine, RuleError> {
        let keywords = KeywordIndex::new(&rules.rules)?;
        let regexes = RegexIndex::new(&rules.rules)?;
        Ok(Engine {
            rules,
            keywords,
            regexes,
        })
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
    pub fn scan_text(&self, original: &str, ctx: &ScanContext) -> Result<Vec<Finding>, String> {
        let active = self.active(ctx);
        if !active.iter().any(|&a| a) {
            return Ok(Vec::new());
        }
        let norm = normalize(original);
        let text = norm.text.as_str();
        let mut hits = Vec::new();
        self.keywords.scan(text, &active, &mut hits);
        self.regexes.scan(text, &active, &mut hits)?;
        if hits.is_empty() {
            return Ok(Vec::new());
        }
        hits.sort_unstable();
        let mut kept: Vec<Hit> = Vec::new();
        for group in hits.chunk_by(|a, b| a.rule == b.rule) {
            let split = group.partition_point(|h| h.role == Role::Match);
            let (cands, ctx_hits) = group.split_at(split);
            let rule = &self.rules.rules[group[0].rule as usize];
            let first_of_rule = kept.len();
            for cand in cands {
                if context::inside(cand, ctx_hits)
                    || context::after(text, cand, ctx_hits)
                    || (rule.near_window > 0
                        && context::near(text, cand, ctx_hits, rule.near_window))
                {
                    continue;
                }
                // Candidates are sorted by start: merge overlaps of the same rule into one span.
                match kept[first_of_rule..].last_mut() {
                    Some(prev) if cand.start < prev.end => prev.end = prev.end.max(cand.end),
                    _ => kept.push(*cand),
                }
            }
        }
        let mut findings: Vec<Finding> = kept
            .into_iter()
            .map(|h| {
                let rule = &self.rules.rules[h.rule as usize];
                let span = norm.original_range(original, h.start..h.end);
                let matched = original.get(span.clone()).unwrap_or_default().to_string();
                Finding {
                    rule: Arc::clone(&rule.meta),
                    severity: rule.meta.severity,
                    message: rule.message.replace("{matched}", &matched),
                    matched,
                    span,
                    start: LineCol::default(),
                    end: LineCol::default(),
                    time: None,
                }
            })
            .collect();
        findings.sort_by(|a, b| {
            (a.span.start, &a.rule.id, a.span.end).cmp(&(b.span.start, &b.rule.id, b.span.end))
        });
        let mut positions: Vec<(usize, &mut LineCol)> = Vec::with_capacity(findings.len() * 2);
        for f in findings.iter_mut() {
            positions.push((f.span.start, &mut f.start));
            positions.push((f.span.end, &mut f.end));
        }
        locate_all(original, &mut positions);
        Ok(findings)
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
