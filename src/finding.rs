//! `Finding` is the seam between the engine and the reporters: the engine produces findings with spans in the
//! ORIGINAL decoded text, reporters only render them. Nothing here matches text or prints.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// How serious a finding is. Ordered so that `Error > Warning > Info`, which is what `--fail-on` compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Advice: worth a look, rarely a violation on its own.
    Info,
    /// Needs evidence or review (a reference price, an origin claim).
    Warning,
    /// A violation as written.
    Error,
}

impl Severity {
    /// The stable lower-case name used in rule packs and every report format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stable categories of DESIGN.md section 3. They follow the causes in enforcement reports
/// (夸大功效, 虚假优惠, 三无产品 ...), so reviewers can filter and count by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// 绝对化用语 (广告法 第九条).
    AbsoluteTerms,
    /// 夸大功效, medical or disease claims.
    ExaggeratedEfficacy,
    /// 虚假优惠 and price fraud.
    FakeDiscount,
    /// 三无产品 / missing registrations and licences.
    MissingCredentials,
    /// Invented sales, views, likes or reviews.
    FakeData,
    /// Steering buyers to trade off the platform.
    OffPlatformTransaction,
    /// Other false or misleading claims (origin, honours, endorsements).
    MisleadingClaims,
    /// livelint's own directives: a suppression without a reason, or one that suppresses nothing.
    /// Never written in a pack: only built-in checks use it.
    #[serde(skip_deserializing)]
    Suppression,
}

impl Category {
    /// The stable categories rule packs and labelled corpora use (DESIGN.md section 3), in report order.
    /// `Suppression` is not among them: it is livelint's own, never a pack's or a corpus label.
    pub const ALL: [Category; 7] = [
        Category::AbsoluteTerms,
        Category::ExaggeratedEfficacy,
        Category::FakeDiscount,
        Category::MissingCredentials,
        Category::FakeData,
        Category::OffPlatformTransaction,
        Category::MisleadingClaims,
    ];

    /// The stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::AbsoluteTerms => "absolute-terms",
            Category::ExaggeratedEfficacy => "exaggerated-efficacy",
            Category::FakeDiscount => "fake-discount",
            Category::MissingCredentials => "missing-credentials",
            Category::FakeData => "fake-data",
            Category::OffPlatformTransaction => "off-platform-transaction",
            Category::MisleadingClaims => "misleading-claims",
            Category::Suppression => "suppression",
        }
    }

    /// Parses a stable name, as written in labelled corpora.
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a reporter needs to know about the rule behind a finding. Shared, so a finding costs no copies of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMeta {
    /// `<pack>/<id>`, stable: suppressions and baselines refer to it.
    pub id: String,
    /// Short human title.
    pub title: String,
    /// Stable category.
    pub category: Category,
    /// The severity the pack gives the rule.
    pub severity: Severity,
    /// The article(s) the rule enforces.
    pub law: Vec<String>,
    /// How to fix it.
    pub help: String,
}

/// A 1-based line and a 1-based column counted in Unicode scalar values (a CJK character is one column).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
}

/// A time range inside a transcript, in milliseconds from the start of the broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeRange {
    /// Start of the cue or segment that holds the start of the finding.
    pub start_ms: u64,
    /// End of the cue or segment that holds the end of the finding.
    pub end_ms: u64,
}

/// Formats milliseconds as `HH:MM:SS.mmm`, the shape of DESIGN.md section 5.
pub fn format_timestamp(ms: u64) -> String {
    let h = ms / 3_600_000;
    let m = ms / 60_000 % 60;
    let s = ms / 1000 % 60;
    format!("{h:02}:{m:02}:{s:02}.{:03}", ms % 1000)
}

/// One violation, located in the original text of one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule that fired.
    pub rule: Arc<RuleMeta>,
    /// Effective severity (a project config may override the pack's).
    pub severity: Severity,
    /// Byte range in the original decoded text.
    pub span: Range<usize>,
    /// The original text of the span.
    pub matched: String,
    /// The rule's message with `{matched}` filled in.
    pub message: String,
    /// Start position (inclusive).
    pub start: LineCol,
    /// End position (exclusive).
    pub end: LineCol,
    /// For transcripts: the cue time.
    pub time: Option<TimeRange>,
}

/// The order of findings within one input: start, then rule id, then end. Every path that produces findings
/// (text rules, listing fields, cross-checks) sorts by it, so the output is the same whatever produced it.
pub fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (a.span.start, &a.rule.id, a.span.end).cmp(&(b.span.start, &b.rule.id, b.span.end))
}

/// Fills in the start and end positions of `findings` from their spans in `text`, in one forward pass.
pub fn locate_findings(text: &str, findings: &mut [Finding]) {
    let mut positions: Vec<(usize, &mut LineCol)> = Vec::with_capacity(findings.len() * 2);
    for f in findings.iter_mut() {
        positions.push((f.span.start, &mut f.start));
        positions.push((f.span.end, &mut f.end));
    }
    locate_all(text, &mut positions);
}

/// Sorts findings in [`report_order`] and fills in their lines and columns.
pub fn sort_and_locate(text: &str, findings: &mut [Finding]) {
    findings.sort_by(report_order);
    locate_findings(text, findings);
}

/// Computes line and character column for byte offsets, in one forward pass over the text.
///
/// Positions are only needed for findings, so this runs after matching, never per line.
pub fn locate_all(text: &str, offsets: &mut [(usize, &mut LineCol)]) {
    locate_counting(text, offsets, text.len());
}

/// [`locate_all`], returning the number of newlines in `text[..end]` (`end` at or after the last offset), which
/// the pass has mostly counted already.
pub fn locate_counting(text: &str, offsets: &mut [(usize, &mut LineCol)], end: usize) -> usize {
    offsets.sort_by_key(|(o, _)| *o);
    let bytes = text.as_bytes();
    let mut line = 1usize;
    let mut pos = 0usize;
    // The column of `pos`, carried forward: a long line (a one-line ASR JSON file of 10 MB) is counted once,
    // not once per finding on it.
    let mut column = 1usize;
    for (offset, out) in offsets.iter_mut() {
        let offset = (*offset).min(bytes.len());
        // SIMD: the newlines between two findings are counted at once, and only the last one is looked for
        // (issue 6: a search per line was most of locating 100,000 findings in 100 MB).
        let gap = &bytes[pos..offset];
        let newlines = memchr::memchr_iter(b'\n', gap).count();
        if newlines > 0 {
            line += newlines;
            pos += memchr::memrchr(b'\n', gap).map_or(0, |nl| nl + 1);
            column = 1;
        }
        column += text.get(pos..offset).map_or(0, |s| s.chars().count());
        pos = offset;
        **out = LineCol { line, column };
    }
    let end = end.clamp(pos, bytes.len());
    line - 1 + memchr::memchr_iter(b'\n', &bytes[pos..end]).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "第一行\n这是全网最好的面霜\n";
        let start = text.find("最好").unwrap();
        let mut a = LineCol::default();
        let mut b = LineCol::default();
        locate_all(text, &mut [(start, &mut a), (start + "最好".len(), &mut b)]);
        assert_eq!(a, LineCol { line: 2, column: 5 });
        assert_eq!(b, LineCol { line: 2, column: 7 });
    }

    #[test]
    fn offsets_in_any_order() {
        let text = "a\nb\nc";
        let mut x = LineCol::default();
        let mut y = LineCol::default();
        locate_all(text, &mut [(4, &mut x), (0, &mut y)]);
        assert_eq!(x, LineCol { line: 3, column: 1 });
        assert_eq!(y, LineCol { line: 1, column: 1 });
    }

    #[test]
    fn many_offsets_on_one_line() {
        let text = "最好，最好\n最好";
        let mut cols = [LineCol::default(); 5];
        let [a, b, c, d, e] = &mut cols;
        locate_all(
            text,
            &mut [(0, a), (3, b), (9, c), (9, d), (text.len() - 6, e)],
        );
        let got: Vec<(usize, usize)> = cols.iter().map(|p| (p.line, p.column)).collect();
        assert_eq!(got, vec![(1, 1), (1, 2), (1, 4), (1, 4), (2, 1)]);
    }

    #[test]
    fn timestamp_shape() {
        assert_eq!(format_timestamp(723_400), "00:12:03.400");
        assert_eq!(format_timestamp(3_600_000 + 5), "01:00:00.005");
    }

    #[test]
    fn severity_order_is_what_fail_on_compares() {
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Info);
    }
}
