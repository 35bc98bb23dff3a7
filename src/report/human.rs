//! `--format human`: one miette diagnostic per finding (the source line with the matched characters
//! underlined, the law and the fix), then errors, skipped files and a one-line summary.

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

use super::{RenderOptions, Report};
use crate::finding::{format_timestamp, Finding, Severity};

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    source: NamedSource<Arc<str>>,
    help: String,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic")
            .field("rule", &self.finding.rule.id)
            .finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.finding.rule.id))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let f = self.finding;
        let mut label = f.rule.title.clone();
        if let Some(t) = f.time {
            label = format!(
                "{label} [{} --> {}]",
                format_timestamp(t.start_ms),
                format_timestamp(t.end_ms)
            );
        }
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(label), (f.span.start, f.span.len())),
        )))
    }
}

/// `path:line:column` (column in characters) and, for transcripts, the cue time.
fn header(path: &str, f: &Finding) -> String {
    match f.time {
        Some(t) => format!(
            "{path}:{}:{} @ {}",
            f.start.line,
            f.start.column,
            format_timestamp(t.start_ms)
        ),
        None => format!("{path}:{}:{}", f.start.line, f.start.column),
    }
}

fn help_text(f: &Finding) -> String {
    if f.rule.law.is_empty() {
        // Built-in checks (suppressions) enforce no law.
        return f.rule.help.clone();
    }
    format!("{}\nlaw: {}", f.rule.help, f.rule.law.join("; "))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn human_bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// Renders the report for a terminal.
pub fn render(report: &Report, opts: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width.unwrap_or(100))
        .with_links(false)
        .without_primary_span_start();
    for file in &report.files {
        if file.findings.is_empty() {
            continue;
        }
        match &file.source {
            Some(text) => {
                for f in &file.findings {
                    // miette counts columns in bytes; the header carries our character column instead.
                    let diag = FindingDiagnostic {
                        finding: f,
                        source: NamedSource::new(header(&file.path, f), Arc::clone(text)),
                        help: help_text(f),
                    };
                    let mut s = String::new();
                    handler
                        .render_report(&mut s, &diag)
                        .map_err(io::Error::other)?;
                    out.write_all(s.as_bytes())?;
                    out.write_all(b"\n")?;
                }
            }
            None => {
                for f in &file.findings {
                    let time = f
                        .time
                        .map(|t| format!(" [{}]", format_timestamp(t.start_ms)))
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "{}:{}:{}{time}: {}[{}]: {}",
                        file.path, f.start.line, f.start.column, f.severity, f.rule.id, f.message
                    )?;
                }
            }
        }
    }
    for e in &report.errors {
        writeln!(out, "error: {}: {}", e.path, e.message)?;
    }
    for s in &report.skipped {
        writeln!(out, "skipped: {}: {}", s.path, s.reason)?;
    }
    let s = &report.summary;
    let mark = if s.findings == 0 { "✔" } else { "✖" };
    let mut line = format!(
        "{mark} {} ({}, {}, {}) in {} ({})",
        plural(s.findings, "finding", "findings"),
        plural(s.count(Severity::Error), "error", "errors"),
        plural(s.count(Severity::Warning), "warning", "warnings"),
        plural(s.count(Severity::Info), "info", "info"),
        plural(s.files, "file", "files"),
        human_bytes(s.bytes),
    );
    if !report.errors.is_empty() {
        line.push_str(&format!(
            ", {}",
            plural(report.errors.len(), "unreadable input", "unreadable inputs")
        ));
    }
    if !report.skipped.is_empty() {
        line.push_str(&format!(", {} skipped", report.skipped.len()));
    }
    if !opts.no_timing {
        line.push_str(&format!(", {} ms", s.elapsed.as_millis()));
    }
    writeln!(out, "{line}")
}
