//! `--format csv`: one row per finding, for reviewers who work in a spreadsheet.
//!
//! The file starts with a UTF-8 byte-order mark: without it Excel reads a CSV in the system's legacy code page
//! and shows Chinese as mojibake. A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
//! leading `'`, so a spreadsheet shows it as text instead of running it as a formula (OWASP "CSV injection");
//! audited scripts are third-party text, and a matched `+V` would otherwise be read as a formula.

use std::io::{self, Write};

use super::Report;
use crate::finding::format_timestamp;

/// The header row; one column per field of a finding.
pub const HEADER: [&str; 14] = [
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "rule",
    "category",
    "severity",
    "message",
    "matched",
    "law",
    "help",
    "time_start",
    "time_end",
];

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Makes a cell safe to open in a spreadsheet.
pub fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// Writes the BOM, the header and one row per finding. Input errors and skipped files are not rows: they are
/// not findings, and a spreadsheet of findings should sum to the summary's count.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(BOM)?;
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(HEADER)?;
    for (path, f) in report.findings() {
        let (start, end) = match f.time {
            Some(t) => (format_timestamp(t.start_ms), format_timestamp(t.end_ms)),
            None => (String::new(), String::new()),
        };
        let law = f.rule.law.join("; ");
        w.write_record([
            &*cell(path),
            &f.start.line.to_string(),
            &f.start.column.to_string(),
            &f.end.line.to_string(),
            &f.end.column.to_string(),
            &*cell(&f.rule.id),
            f.rule.category.as_str(),
            f.severity.as_str(),
            &*cell(&f.message),
            &*cell(&f.matched),
            &*cell(&law),
            &*cell(&f.rule.help),
            &start,
            &end,
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    fn rows(bytes: &[u8]) -> Vec<Vec<String>> {
        let mut r = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&bytes[BOM.len()..]);
        r.records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn bom_header_and_one_row_per_finding() {
        let report = sample_report();
        let mut buf = Vec::new();
        render(&report, &mut buf).unwrap();
        assert!(buf.starts_with(BOM));
        let rows = rows(&buf);
        assert_eq!(rows[0], HEADER);
        assert_eq!(rows.len(), 1 + report.summary.findings);
        assert_eq!(rows[1][0], "live/回放 1.srt");
        assert_eq!(rows[1][12], "00:12:03.400");
        assert_eq!(rows[2][9], "最好");
        assert_eq!(rows[2][10], "广告法 第九条第三项; 广告法 第五十七条");
        assert_eq!(rows[2][12], "", "no time for scripts");
    }

    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+V信"), "'+V信");
        assert_eq!(cell("-50%"), "'-50%");
        assert_eq!(cell("@x"), "'@x");
        assert_eq!(cell("最好"), "最好");
        assert_eq!(cell(""), "");
    }
}
