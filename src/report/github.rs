//! `--format github`: GitHub Actions workflow commands, which the runner turns into annotations on the pull
//! request's diff: `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`.
//!
//! Severity maps to `error`, `warning` and `notice`. Values are escaped as the Actions toolkit does
//! (`escapeData`/`escapeProperty` in `@actions/core`): `%`, `\r` and `\n` everywhere, and `:` and `,` in
//! properties too, so a message or file name can neither end the command early nor inject another one.
//! Columns are character columns; GitHub draws columns only on single-line annotations, so `col`/`endColumn`
//! are left out when a finding spans lines. GitHub shows a limited number of annotations per step; the
//! summary line at the end counts them all.

use std::io::{self, Write};

use super::Report;
use crate::finding::{format_timestamp, Severity};

/// Escapes a command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value (`file=`, `title=` ...).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Writes one annotation per finding and per unreadable input, then a plain summary line.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (path, f) in report.findings() {
        let one_line = f.start.line == f.end.line;
        let mut props = format!("file={},line={}", escape_property(path), f.start.line);
        if one_line {
            props.push_str(&format!(",col={}", f.start.column));
        }
        props.push_str(&format!(",endLine={}", f.end.line));
        if one_line {
            props.push_str(&format!(",endColumn={}", f.end.column));
        }
        props.push_str(&format!(
            ",title={}",
            escape_property(&format!("{} ({})", f.rule.title, f.rule.id))
        ));
        let mut message = f.message.clone();
        if let Some(t) = f.time {
            message.push_str(&format!(
                " [{} --> {}]",
                format_timestamp(t.start_ms),
                format_timestamp(t.end_ms)
            ));
        }
        message.push_str(&format!(
            "\n{}\nlaw: {}",
            f.rule.help,
            f.rule.law.join("; ")
        ));
        writeln!(
            out,
            "::{} {props}::{}",
            command(f.severity),
            escape_data(&message)
        )?;
    }
    for e in &report.errors {
        writeln!(
            out,
            "::error file={},title={}::{}",
            escape_property(&e.path),
            escape_property("livelint: unreadable input"),
            escape_data(&e.message)
        )?;
    }
    for s in &report.skipped {
        writeln!(out, "livelint: skipped {}: {}", s.path, s.reason)?;
    }
    let s = &report.summary;
    writeln!(
        out,
        "livelint: {} ({}, {}, {} info) in {}, {} unreadable, {} skipped",
        plural(s.findings, "finding"),
        plural(s.count(Severity::Error), "error"),
        plural(s.count(Severity::Warning), "warning"),
        s.count(Severity::Info),
        plural(s.files, "file"),
        report.errors.len(),
        report.skipped.len()
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(escape_data("100%\r\nnext"), "100%25%0D%0Anext");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
        assert_eq!(escape_property("a: b, c%"), "a%3A b%2C c%25");
        assert_eq!(escape_property("x\ny"), "x%0Ay");
    }

    #[test]
    fn one_command_per_finding_then_errors() {
        let mut buf = Vec::new();
        render(&sample_report(), &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with(
            "::notice file=live/回放 1.srt,line=1,col=4,endLine=1,endColumn=8,title="
        ));
        assert!(
            lines[1].starts_with("::error file=scripts/a.txt,line=2,col=7,endLine=2,endColumn=9,")
        );
        assert!(lines[2].starts_with("::warning "));
        // The rule title "功效: 需要证据" is a property: its `:` must not end the property list.
        assert!(lines[2].contains("title=功效%3A 需要证据 (test/efficacy)::"));
        // The message "100%有效" and the multi-line help are data.
        assert!(lines[2].contains("功效承诺「100%25有效」%0A写明依据, 例如检测报告: 编号%0Alaw: "));
        assert!(lines[3]
            .starts_with("::error file=scripts/gone.txt,title=livelint%3A unreadable input::"));
        assert_eq!(lines.len(), 6);
        assert!(lines[0].contains("「NO.1」 [00:12:03.400 --> 00:12:05.100]%0A"));
    }

    #[test]
    fn a_finding_across_lines_has_no_columns() {
        let mut report = sample_report();
        let f = &mut report.files[1].findings[0];
        f.end.line += 1;
        f.end.column = 2;
        let mut buf = Vec::new();
        render(&report, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.starts_with("::error file=scripts/a.txt,line=2,endLine=3,title="),
            "{line}"
        );
    }
}
