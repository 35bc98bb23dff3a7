//! Reporters render a finished `Report`; they never match text. One file per format.

pub mod csv;
pub mod github;
pub mod human;
pub mod json;
pub mod jsonl;
pub mod sarif;
#[cfg(test)]
mod test_support;

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use crate::error::InputError;
use crate::finding::{Finding, Severity};

/// The findings of one input.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// Path as displayed.
    pub path: String,
    /// The decoded text, kept only for reporters that show source lines.
    pub source: Option<Arc<str>>,
    /// Sorted by (start, rule).
    pub findings: Vec<Finding>,
}

/// A file that was not scanned, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Path as displayed.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Inputs scanned.
    pub files: usize,
    /// Bytes scanned.
    pub bytes: u64,
    /// Findings reported.
    pub findings: usize,
    /// Findings by severity: info, warning, error.
    pub by_severity: [usize; 3],
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl Summary {
    /// Count of findings of one severity.
    pub fn count(&self, s: Severity) -> usize {
        self.by_severity[s as usize]
    }
}

/// Everything one run found, sorted by path.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Inputs with findings (and without, when a reporter wants them), sorted by path.
    pub files: Vec<FileReport>,
    /// Inputs that could not be read or parsed.
    pub errors: Vec<InputError>,
    /// Inputs that were not scanned, such as binary files.
    pub skipped: Vec<Skipped>,
    /// Totals.
    pub summary: Summary,
}

impl Report {
    /// Iterates findings in report order, with their path.
    pub fn findings(&self) -> impl Iterator<Item = (&str, &Finding)> {
        self.files
            .iter()
            .flat_map(|f| f.findings.iter().map(move |x| (f.path.as_str(), x)))
    }

    /// Recomputes the finding counts from the files.
    pub fn recount(&mut self) {
        let mut by = [0usize; 3];
        let mut n = 0;
        for (_, f) in self.findings() {
            by[f.severity as usize] += 1;
            n += 1;
        }
        self.summary.findings = n;
        self.summary.by_severity = by;
    }

    /// True when any finding is at or above `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.findings().any(|(_, f)| f.severity >= threshold)
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// miette diagnostics and a summary line.
    Human,
    /// DESIGN.md section 5.
    Json,
    /// JSON Lines: one object a line with a `type` field.
    Jsonl,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// One row per finding, UTF-8 with BOM, for spreadsheets.
    Csv,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

impl Format {
    /// Whether the reporter needs each file's decoded text (source lines, UTF-16 columns).
    pub fn needs_source(self) -> bool {
        matches!(self, Format::Human | Format::Sarif)
    }
}

/// Options that change how a report looks, not what it says.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// ANSI colours.
    pub color: bool,
    /// Terminal width for wrapping.
    pub width: Option<usize>,
    /// Leave the timing out of the summary (snapshots and diffs).
    pub no_timing: bool,
}

/// Writes `report` in `format`.
pub fn render(
    report: &Report,
    format: Format,
    opts: RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, opts, out),
        Format::Json => json::render(report, out),
        Format::Jsonl => jsonl::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Csv => csv::render(report, out),
        Format::Github => github::render(report, out),
    }
}
