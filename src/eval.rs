//! Measures a rule set against a labelled corpus: precision and recall per category and overall.
//!
//! A compliance reviewer drops a tool that cries wolf on 最近 and 第一次, and a regulator fines what it misses, so
//! the accuracy of the packs is a number, not an impression. `livelint rules eval PATH` prints the table for any
//! labelled file, so users can measure their own packs the same way the test suite measures the default ones.
//!
//! # Format
//! One sentence a line: `labels<TAB>sentence`. `labels` is `clean` or a comma-separated list of category names
//! (`absolute-terms,fake-discount`). Blank lines and lines starting with `#` are ignored. Each sentence is scanned
//! on its own, with no input kind and no product category, so rules limited by `when.product` do not run.
//!
//! # Scoring
//! Per category C: a true positive is a sentence labelled C with at least one finding of category C; a false
//! positive is a finding of category C on a sentence not labelled C (each finding counts); a false negative is a
//! sentence labelled C with no finding of C. Overall figures sum the counts of every category (micro average).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use miette::Diagnostic;
use thiserror::Error;

use crate::engine::{Engine, ScanContext};
use crate::finding::Category;

/// The label of a sentence with no violation.
pub const CLEAN: &str = "clean";

/// A labelled corpus that cannot be read as one.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[error("{path}:{line}: {message}")]
#[diagnostic(
    code(livelint::eval::format),
    help("each line is `labels<TAB>sentence`; labels is `clean` or comma-separated categories")
)]
pub struct EvalFormatError {
    /// The corpus, as named by the caller.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// One labelled sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// 1-based line in the corpus.
    pub line: usize,
    /// Expected categories; empty for `clean`.
    pub labels: BTreeSet<Category>,
    /// The sentence.
    pub text: String,
}

/// Parses a labelled corpus. Every problem names its line, so a typo in a label cannot silently drop a sentence.
pub fn parse_labelled(path: &str, src: &str) -> Result<Vec<Sample>, EvalFormatError> {
    let mut out = Vec::new();
    for (i, raw) in src.lines().enumerate() {
        let line = i + 1;
        let err = |message: String| EvalFormatError {
            path: path.to_string(),
            line,
            message,
        };
        let row = raw.trim_end_matches('\r');
        if row.trim().is_empty() || row.trim_start().starts_with('#') {
            continue;
        }
        let Some((labels, text)) = row.split_once('\t') else {
            return Err(err("no TAB between the labels and the sentence".into()));
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(err("empty sentence".into()));
        }
        let mut set = BTreeSet::new();
        let mut clean = false;
        for name in labels.split(',').map(str::trim) {
            if name == CLEAN {
                clean = true;
            } else if let Some(c) = Category::parse(name) {
                set.insert(c);
            } else {
                return Err(err(format!(
                    "unknown label `{name}` (use `clean` or one of: {})",
                    Category::ALL.map(Category::as_str).join(", ")
                )));
            }
        }
        // Exactly one of: `clean`, or at least one category.
        if clean != set.is_empty() {
            return Err(err(
                "a sentence is either `clean` or labelled with categories, not both or neither"
                    .into(),
            ));
        }
        out.push(Sample {
            line,
            labels: set,
            text: text.to_string(),
        });
    }
    Ok(out)
}

/// Counts for one category, or summed over all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Sentences labelled C with a finding of C.
    pub tp: usize,
    /// Findings of C on sentences not labelled C.
    pub fp: usize,
    /// Sentences labelled C with no finding of C.
    pub fn_: usize,
}

impl Counts {
    /// TP / (TP + FP); 1.0 when nothing was reported (no claim, no wrong claim).
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// TP / (TP + FN); 1.0 when nothing was labelled.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// True when the category was neither labelled nor reported: its figures say nothing.
    pub fn is_empty(&self) -> bool {
        self.tp + self.fp + self.fn_ == 0
    }

    fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// A sentence the rules got wrong, for `--misses`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    /// Line in the corpus.
    pub line: usize,
    /// Expected categories (empty for clean).
    pub expected: BTreeSet<Category>,
    /// Rule ids and matched text of the findings, as `id「matched」`.
    pub found: Vec<String>,
    /// Categories that were labelled but not found.
    pub missed: Vec<Category>,
    /// Categories that were found but not labelled.
    pub spurious: Vec<Category>,
    /// The sentence.
    pub text: String,
}

/// The result of an evaluation.
#[derive(Debug, Clone, Default)]
pub struct EvalReport {
    /// Sentences scored.
    pub sentences: usize,
    /// Sentences labelled clean.
    pub clean: usize,
    /// Per category, in `Category::ALL` order.
    pub categories: Vec<(Category, Counts)>,
    /// Summed over categories.
    pub overall: Counts,
    /// Sentences with a false positive or a false negative.
    pub misses: Vec<Miss>,
}

impl EvalReport {
    /// Categories (or `overall`) whose precision or recall is below the thresholds. Categories that were neither
    /// labelled nor reported are skipped: there is nothing to measure.
    pub fn below(&self, min_precision: f64, min_recall: f64) -> Vec<String> {
        let mut out = Vec::new();
        let rows = self
            .categories
            .iter()
            .map(|(c, n)| (c.as_str(), *n))
            .chain(std::iter::once(("overall", self.overall)));
        for (name, n) in rows {
            if n.is_empty() {
                continue;
            }
            if n.precision() < min_precision {
                out.push(format!(
                    "{name}: precision {:.3} < {min_precision}",
                    n.precision()
                ));
            }
            if n.recall() < min_recall {
                out.push(format!("{name}: recall {:.3} < {min_recall}", n.recall()));
            }
        }
        out
    }
}

/// Scans every sample on its own and scores the findings by category.
pub fn evaluate(engine: &Engine, samples: &[Sample]) -> Result<EvalReport, String> {
    let ctx = ScanContext::default();
    let mut counts = [Counts::default(); Category::ALL.len()];
    let mut report = EvalReport {
        sentences: samples.len(),
        ..EvalReport::default()
    };
    for s in samples {
        if s.labels.is_empty() {
            report.clean += 1;
        }
        let findings = engine.scan_text(&s.text, &ctx)?;
        let mut found_cats = BTreeSet::new();
        for f in &findings {
            let c = f.rule.category;
            found_cats.insert(c);
            if let (false, Some(i)) = (s.labels.contains(&c), index(c)) {
                counts[i].fp += 1;
            }
        }
        for &c in &s.labels {
            let Some(i) = index(c) else { continue };
            if found_cats.contains(&c) {
                counts[i].tp += 1;
            } else {
                counts[i].fn_ += 1;
            }
        }
        let missed: Vec<Category> = s.labels.difference(&found_cats).copied().collect();
        let spurious: Vec<Category> = found_cats.difference(&s.labels).copied().collect();
        if !missed.is_empty() || !spurious.is_empty() {
            report.misses.push(Miss {
                line: s.line,
                expected: s.labels.clone(),
                found: findings
                    .iter()
                    .map(|f| format!("{}「{}」", f.rule.id, f.matched))
                    .collect(),
                missed,
                spurious,
                text: s.text.clone(),
            });
        }
    }
    for (i, c) in Category::ALL.into_iter().enumerate() {
        report.overall.add(counts[i]);
        report.categories.push((c, counts[i]));
    }
    Ok(report)
}

/// Position of a stable category in the table; livelint's own categories are not scored.
fn index(c: Category) -> Option<usize> {
    Category::ALL.iter().position(|&x| x == c)
}

/// The table `rules eval` prints: category, TP, FP, FN, precision, recall; then the overall row.
pub fn render_table(report: &EvalReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} sentences ({} clean, {} labelled)",
        report.sentences,
        report.clean,
        report.sentences - report.clean
    );
    let _ = writeln!(
        s,
        "{:<26}{:>5}{:>5}{:>5}{:>11}{:>8}",
        "category", "TP", "FP", "FN", "precision", "recall"
    );
    let row = |s: &mut String, name: &str, n: &Counts| {
        if n.is_empty() {
            let _ = writeln!(s, "{name:<26}{:>5}{:>5}{:>5}{:>11}{:>8}", 0, 0, 0, "-", "-");
        } else {
            let _ = writeln!(
                s,
                "{name:<26}{:>5}{:>5}{:>5}{:>11.3}{:>8.3}",
                n.tp,
                n.fp,
                n.fn_,
                n.precision(),
                n.recall()
            );
        }
    };
    for (c, n) in &report.categories {
        row(&mut s, c.as_str(), n);
    }
    row(&mut s, "overall", &report.overall);
    s
}

/// The misses, one block per sentence: what was expected, what was found.
pub fn render_misses(report: &EvalReport) -> String {
    let mut s = String::new();
    for m in &report.misses {
        let expected = if m.expected.is_empty() {
            CLEAN.to_string()
        } else {
            m.expected
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(",")
        };
        let kind = match (m.missed.is_empty(), m.spurious.is_empty()) {
            (false, true) => "FN",
            (true, false) => "FP",
            _ => "FN+FP",
        };
        let _ = writeln!(s, "{kind} line {}: [{expected}] {}", m.line, m.text);
        for f in &m.found {
            let _ = writeln!(s, "    found {f}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{PackSource, RuleSet};
    use std::sync::Arc;

    const PACK: &str = r#"pack: t
rules:
  - id: best
    title: 最
    category: absolute-terms
    severity: error
    law: ["广告法 第九条第三项"]
    message: "{matched}"
    help: h
    match: { keywords: [最好] }
    unless: { inside: [最好先] }
    examples: { flag: ["«最好»"], pass: ["最好先领券"] }
  - id: wechat
    title: 微信
    category: off-platform-transaction
    severity: error
    law: ["网络直播营销管理办法"]
    message: "{matched}"
    help: h
    match: { keywords: [加微信] }
    examples: { flag: ["«加微信»"], pass: ["微信"] }
"#;

    fn engine() -> Engine {
        let set = RuleSet::from_sources(&[PackSource {
            name: "t.yaml".into(),
            text: PACK.into(),
        }])
        .unwrap();
        Engine::new(Arc::new(set)).unwrap()
    }

    #[test]
    fn parses_labels_comments_and_blank_lines() {
        let s = parse_labelled(
            "c.tsv",
            "# comment\n\nclean\t最近好\nabsolute-terms, fake-data\t最好\r\n",
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert!(s[0].labels.is_empty());
        assert_eq!(s[0].line, 3);
        assert_eq!(
            s[1].labels.iter().copied().collect::<Vec<_>>(),
            vec![Category::AbsoluteTerms, Category::FakeData]
        );
        assert_eq!(s[1].text, "最好");
    }

    #[test]
    fn format_errors_name_the_line() {
        let e = parse_labelled("c.tsv", "clean\tok\nbogus\tx\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("bogus"));
        assert_eq!(parse_labelled("c.tsv", "clean x").unwrap_err().line, 1);
        assert!(parse_labelled("c.tsv", "clean,fake-data\tx").is_err());
        assert!(parse_labelled("c.tsv", "clean\t ").is_err());
    }

    #[test]
    fn scores_tp_fp_fn_per_category() {
        let samples = parse_labelled(
            "c.tsv",
            "absolute-terms\t这是最好的\n\
             absolute-terms\t这是顶级的\n\
             clean\t最好先领券\n\
             clean\t这是最好的，加微信\n\
             off-platform-transaction\t加微信\n",
        )
        .unwrap();
        let r = evaluate(&engine(), &samples).unwrap();
        let abs = r.categories[0].1;
        assert_eq!((abs.tp, abs.fp, abs.fn_), (1, 1, 1));
        assert_eq!(abs.precision(), 0.5);
        assert_eq!(abs.recall(), 0.5);
        let off = r.categories[5].1;
        assert_eq!((off.tp, off.fp, off.fn_), (1, 1, 0));
        assert_eq!(
            r.overall,
            Counts {
                tp: 2,
                fp: 2,
                fn_: 1
            }
        );
        assert_eq!(r.misses.len(), 2);
        assert_eq!(r.clean, 2);
        let below = r.below(0.95, 0.9);
        assert!(below
            .iter()
            .any(|b| b.starts_with("absolute-terms: precision")));
        assert!(below.iter().any(|b| b.starts_with("overall: recall")));
        // Categories with nothing labelled and nothing found are not judged.
        assert!(!below.iter().any(|b| b.starts_with("fake-data")));
    }

    #[test]
    fn table_lists_every_category_and_overall() {
        let samples = parse_labelled("c.tsv", "absolute-terms\t最好\n").unwrap();
        let r = evaluate(&engine(), &samples).unwrap();
        let t = render_table(&r);
        assert!(t.contains("absolute-terms                1    0    0      1.000   1.000"));
        assert!(t.contains("fake-data                     0    0    0          -       -"));
        assert!(t.lines().last().unwrap_or("").starts_with("overall"));
        assert!(render_misses(&r).is_empty());
    }
}
