//! `--format jsonl`: JSON Lines, one object a line, so a consumer can process findings as a stream (and a
//! `grep`/`jq -c` pipeline can filter them) without holding the whole document. Every line has a `type`:
//! `finding` (the same fields as a finding of the JSON contract, DESIGN.md section 5), `error`, `skipped`, and
//! last `summary`, which also carries the contract's `version`.

use std::io::{self, Write};

use serde::Serialize;

use super::json::{self, JsonFinding, JsonSummary, VERSION};
use super::Report;

/// One line: the `type` tag first, then the object's own fields.
#[derive(Serialize)]
struct Line<T> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    inner: T,
}

#[derive(Serialize)]
struct SummaryLine {
    version: u32,
    #[serde(flatten)]
    summary: JsonSummary,
}

fn line<T: Serialize>(out: &mut dyn Write, kind: &'static str, inner: T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Line { kind, inner })?;
    out.write_all(b"\n")
}

/// Writes findings in report order, then input errors, skipped inputs and the summary.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (path, f) in report.findings() {
        line(out, "finding", JsonFinding::new(path, f))?;
    }
    for e in json::errors(report) {
        line(out, "error", e)?;
    }
    for s in json::skipped(report) {
        line(out, "skipped", s)?;
    }
    line(
        out,
        "summary",
        SummaryLine {
            version: VERSION,
            summary: JsonSummary::new(report),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    #[test]
    fn every_line_is_an_object_with_a_type() {
        let mut buf = Vec::new();
        render(&sample_report(), &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let types: Vec<String> = text
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["type"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(
            types,
            ["finding", "finding", "finding", "error", "skipped", "summary"]
        );
    }

    #[test]
    fn finding_line_has_the_json_contract_fields() {
        let report = sample_report();
        let mut buf = Vec::new();
        render(&report, &mut buf).unwrap();
        let first: serde_json::Value =
            serde_json::from_str(String::from_utf8(buf).unwrap().lines().next().unwrap()).unwrap();
        let (path, f) = report.findings().next().unwrap();
        let mut expected = serde_json::to_value(JsonFinding::new(path, f)).unwrap();
        expected["type"] = "finding".into();
        assert_eq!(first, expected);
    }
}
