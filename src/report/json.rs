//! `--format json`: the output contract of DESIGN.md section 5. Others parse it; change it only on purpose and
//! bump `version`.

use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::finding::{format_timestamp, Finding};

/// Version of the JSON contract.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Time {
    start: String,
    end: String,
}

/// One finding as JSON; shared with the JSON Lines reporter.
#[derive(Serialize)]
pub struct JsonFinding<'a> {
    path: &'a str,
    rule: &'a str,
    category: &'a str,
    severity: &'a str,
    message: &'a str,
    matched: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    byte_start: usize,
    byte_end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<Time>,
    law: &'a [String],
    help: &'a str,
}

impl<'a> JsonFinding<'a> {
    /// The JSON shape of a finding.
    pub fn new(path: &'a str, f: &'a Finding) -> JsonFinding<'a> {
        JsonFinding {
            path,
            rule: &f.rule.id,
            category: f.rule.category.as_str(),
            severity: f.severity.as_str(),
            message: &f.message,
            matched: &f.matched,
            line: f.start.line,
            column: f.start.column,
            end_line: f.end.line,
            end_column: f.end.column,
            byte_start: f.span.start,
            byte_end: f.span.end,
            time: f.time.map(|t| Time {
                start: format_timestamp(t.start_ms),
                end: format_timestamp(t.end_ms),
            }),
            law: &f.rule.law,
            help: &f.rule.help,
        }
    }
}

/// An input error as JSON.
#[derive(Serialize)]
pub struct JsonError<'a> {
    path: &'a str,
    message: &'a str,
}

/// A skipped input as JSON.
#[derive(Serialize)]
pub struct JsonSkipped<'a> {
    path: &'a str,
    reason: &'a str,
}

/// Finding counts by severity, as every JSON shape reports them.
#[derive(Serialize)]
pub struct BySeverity {
    error: usize,
    warning: usize,
    info: usize,
}

impl BySeverity {
    /// From counts indexed by `Severity as usize` (info, warning, error).
    pub fn new(counts: [usize; 3]) -> BySeverity {
        BySeverity {
            error: counts[2],
            warning: counts[1],
            info: counts[0],
        }
    }
}

/// The summary object.
#[derive(Serialize)]
pub struct JsonSummary {
    files: usize,
    bytes: u64,
    findings: usize,
    by_severity: BySeverity,
    skipped: usize,
    errors: usize,
}

impl JsonSummary {
    /// The JSON shape of a report's summary.
    pub fn new(report: &Report) -> JsonSummary {
        let s = &report.summary;
        JsonSummary {
            files: s.files,
            bytes: s.bytes,
            findings: s.findings,
            by_severity: BySeverity::new(s.by_severity),
            skipped: report.skipped.len(),
            errors: report.errors.len(),
        }
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
    skipped: Vec<JsonSkipped<'a>>,
    summary: JsonSummary,
}

/// Errors as JSON objects.
pub fn errors(report: &Report) -> Vec<JsonError<'_>> {
    report
        .errors
        .iter()
        .map(|e| JsonError {
            path: &e.path,
            message: &e.message,
        })
        .collect()
}

/// Skipped inputs as JSON objects.
pub fn skipped(report: &Report) -> Vec<JsonSkipped<'_>> {
    report
        .skipped
        .iter()
        .map(|s| JsonSkipped {
            path: &s.path,
            reason: &s.reason,
        })
        .collect()
}

fn document(report: &Report) -> JsonReport<'_> {
    JsonReport {
        version: VERSION,
        findings: report
            .findings()
            .map(|(p, f)| JsonFinding::new(p, f))
            .collect(),
        errors: errors(report),
        skipped: skipped(report),
        summary: JsonSummary::new(report),
    }
}

/// Writes the whole report as one JSON document.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // serde writes many small pieces: buffer them here, where the writer's type is known (issue 6). Large
    // reports are written compact (same fields, same values) since indentation would be a third of their size.
    let mut buf = io::BufWriter::with_capacity(1 << 16, out);
    let count: usize = report.files.iter().map(|f| f.findings.len()).sum();
    if count > COMPACT_ABOVE {
        write_compact(report, &mut buf)?;
    } else {
        serde_json::to_writer_pretty(&mut buf, &document(report))?;
    }
    buf.write_all(b"\n")?;
    buf.flush()
}

/// Findings serialized per parallel task, and tasks per round: a round holds about 1,000 findings (a quarter
/// of a MB of JSON), so memory stays bounded however big the report (issue 6: 64 MiB on the tree). The
/// round's buffers are new memory the first time they fill, a page fault per 4 KB (4 us each on the
/// benchmark machine) that a report pays once whatever its size: at 8 x 512 findings a 10 MB file's run took
/// 1,682 faults, at 4 x 256 1,458, with the same output (issue 6, target 6).
const BATCH: usize = 256;
const ROUND: usize = 4 * BATCH;

/// `serde_json::to_writer(out, &document(report))`, byte for byte, with the findings serialized on all
/// threads: a report of 100,000 findings took a tenth of a run on one core (issue 6). Each finding's JSON
/// shape is made where it is serialized: collecting all of them first took as long as serializing them.
fn write_compact(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    use rayon::prelude::*;
    let findings: Vec<(&str, &Finding)> = report.findings().collect();
    write!(out, "{{\"version\":{VERSION},\"findings\":[")?;
    // One buffer per batch of a round, reused from round to round: 40 MB of JSON written into fresh buffers
    // was ten thousand page faults (issue 6).
    let mut bufs: Vec<Vec<u8>> = vec![Vec::new(); ROUND / BATCH];
    for (r, round) in findings.chunks(ROUND).enumerate() {
        round
            .par_chunks(BATCH)
            .zip(bufs.par_iter_mut())
            .try_for_each(|(batch, b)| -> io::Result<()> {
                b.clear();
                // The findings' strings were allocated one by one during the scan and are cold: touching
                // both ends of each in one loop of independent loads brings them in side by side, where the
                // writing loop below would wait for each in turn (issue 6).
                let ends = |s: &str| {
                    let bytes = s.as_bytes();
                    bytes.first().copied().unwrap_or(0) ^ bytes.last().copied().unwrap_or(0)
                };
                let warm = batch
                    .iter()
                    .fold(0u8, |acc, (_, f)| acc ^ ends(&f.message) ^ ends(&f.matched));
                std::hint::black_box(warm);
                let mut parts = RuleParts::default();
                for (i, (path, f)) in batch.iter().enumerate() {
                    if i > 0 {
                        b.push(b',');
                    }
                    write_finding(b, path, f, &mut parts)?;
                }
                Ok(())
            })?;
        let used = round.len().div_ceil(BATCH);
        for (i, part) in bufs[..used].iter().enumerate() {
            if r > 0 || i > 0 {
                out.write_all(b",")?;
            }
            out.write_all(part)?;
        }
    }
    out.write_all(b"],\"errors\":")?;
    serde_json::to_writer(&mut *out, &errors(report))?;
    out.write_all(b",\"skipped\":")?;
    serde_json::to_writer(&mut *out, &skipped(report))?;
    out.write_all(b",\"summary\":")?;
    serde_json::to_writer(&mut *out, &JsonSummary::new(report))?;
    out.write_all(b"}")
}

/// The JSON of the fields a rule fixes, escaped once per batch rather than once per finding: its id and
/// category, and its law and help. Keyed by the rule's address, which is shared by all its findings. Every
/// rule of the batch is kept, not only the last one: findings come by position, so the rules of one file
/// alternate, and re-escaping the help text of each was a third of writing the report of the benchmark tree
/// (issue 6).
#[derive(Default)]
struct RuleParts {
    rules: crate::engine::fxhash::FxHashMap<*const crate::finding::RuleMeta, (Vec<u8>, Vec<u8>)>,
}

impl RuleParts {
    /// `,"rule":…,"category":…` and `,"law":[…],"help":…` of `f`'s rule.
    fn of(&mut self, f: &Finding) -> io::Result<(&[u8], &[u8])> {
        let key = std::sync::Arc::as_ptr(&f.rule);
        let entry = match self.rules.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let mut head = b",\"rule\":".to_vec();
                serde_json::to_writer(&mut head, &f.rule.id)?;
                head.extend_from_slice(b",\"category\":");
                serde_json::to_writer(&mut head, f.rule.category.as_str())?;
                let mut tail = b",\"law\":".to_vec();
                serde_json::to_writer(&mut tail, &f.rule.law)?;
                tail.extend_from_slice(b",\"help\":");
                serde_json::to_writer(&mut tail, &f.rule.help)?;
                e.insert((head, tail))
            }
        };
        Ok((&entry.0, &entry.1))
    }
}

/// One finding as `serde_json::to_writer(b, &JsonFinding::new(path, f))` writes it, byte for byte, with the
/// keys written as literals and the rule's fields from `parts`: serde's field-by-field machinery was half of
/// writing a big report (issue 6). `parallel_compact_output_is_serde_output` holds the two together.
fn write_finding(
    b: &mut Vec<u8>,
    path: &str,
    f: &Finding,
    parts: &mut RuleParts,
) -> io::Result<()> {
    let num = |b: &mut Vec<u8>, key: &[u8], n: usize| -> io::Result<()> {
        b.extend_from_slice(key);
        serde_json::to_writer(&mut *b, &n).map_err(io::Error::from)
    };
    b.extend_from_slice(b"{\"path\":");
    write_str(b, path)?;
    let (head, tail) = parts.of(f)?;
    b.extend_from_slice(head);
    b.extend_from_slice(b",\"severity\":");
    write_str(b, f.severity.as_str())?;
    b.extend_from_slice(b",\"message\":");
    write_str(b, &f.message)?;
    b.extend_from_slice(b",\"matched\":");
    write_str(b, &f.matched)?;
    num(b, b",\"line\":", f.start.line)?;
    num(b, b",\"column\":", f.start.column)?;
    num(b, b",\"end_line\":", f.end.line)?;
    num(b, b",\"end_column\":", f.end.column)?;
    num(b, b",\"byte_start\":", f.span.start)?;
    num(b, b",\"byte_end\":", f.span.end)?;
    if let Some(t) = f.time {
        b.extend_from_slice(b",\"time\":");
        serde_json::to_writer(
            &mut *b,
            &Time {
                start: format_timestamp(t.start_ms),
                end: format_timestamp(t.end_ms),
            },
        )?;
    }
    b.extend_from_slice(tail);
    b.push(b'}');
    Ok(())
}

/// `serde_json::to_writer(b, s)`, byte for byte, copying `s` as it is when it holds nothing JSON escapes (a
/// quote, a backslash or a control character), as paths, messages and matched text almost never do: serde's
/// escaping loop, byte by byte, was most of writing a big report (issue 6).
fn write_str(b: &mut Vec<u8>, s: &str) -> io::Result<()> {
    // Without an early exit the test is vectorized: 16 bytes a step instead of three branches a byte.
    let escapes = s.bytes().fold(false, |any, c| {
        any | (c < 0x20) | (c == b'"') | (c == b'\\')
    });
    if escapes {
        return serde_json::to_writer(&mut *b, s).map_err(io::Error::from);
    }
    b.reserve(s.len() + 2);
    b.push(b'"');
    b.extend_from_slice(s.as_bytes());
    b.push(b'"');
    Ok(())
}

/// Reports with more findings than this are written without indentation.
pub const COMPACT_ABOVE: usize = 1000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    /// `write_compact` writes what serde writes for the whole document.
    fn assert_compact_is_serde(report: &Report) {
        let mut want = Vec::new();
        serde_json::to_writer(&mut want, &document(report)).unwrap();
        let mut got = Vec::new();
        write_compact(report, &mut got).unwrap();
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(want).unwrap()
        );
    }

    #[test]
    fn parallel_compact_output_is_serde_output() {
        let mut report = sample_report();
        // Enough findings for several rounds and a partial last batch.
        let file = report.files[0].clone();
        let copies = (2 * ROUND + BATCH / 2 + 7) / file.findings.len();
        for n in 0..copies {
            let mut f = file.clone();
            f.path = format!("{}-{n}", f.path);
            report.files.push(f);
        }
        assert!(report.findings().count() > 2 * ROUND);
        report.recount();
        assert_compact_is_serde(&report);
        // Strings JSON escapes, in each field the writer copies when there is nothing to escape.
        let mut odd = sample_report();
        let f = &mut odd.files[0].findings[0];
        f.matched = "引号\"与\\反斜杠\n换行\t\u{1}".into();
        f.message = format!("「{}」\r", f.matched);
        odd.files[0].path = "dir\\\"quoted\"/a\u{7f}.txt".into();
        assert_compact_is_serde(&odd);
        assert_compact_is_serde(&sample_report());
    }
}
