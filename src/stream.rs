//! The live stream: `livelint watch -` (or `check --stream -`) reads ASR lines or JSON Lines segments
//! (`{"start": s, "end": s, "text": …}`, Whisper's shape) from stdin while a broadcast runs, and prints each finding
//! as soon as its line arrives, flushed, so a room monitor can act on it.
//!
//! Each line is scanned together with a short tail of the lines before it, because a recogniser splits phrases
//! at arbitrary points (全网最 / 低价). A finding that lies wholly in the tail was decided when its own line
//! arrived, and one that overlaps a finding already printed for the same rule is the same violation growing; both
//! are skipped, so nothing is printed twice. A decision is final once printed: a later line cannot take it back.

use std::io::{self, BufRead, Write};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::engine::{Engine, ScanContext};
use crate::finding::{format_timestamp, Finding, LineCol, Severity, TimeRange};
use crate::report::json::{BySeverity, JsonFinding};
use crate::rules::schema::Scope;

/// Characters of earlier lines kept in front of each new line; longer than any phrase and than the 24 characters
/// `unless.after` looks back.
pub const TAIL_CHARS: usize = 64;

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFormat {
    /// `name:line:column: severity[rule]: message`, one a line.
    Human,
    /// One JSON object a line with `"type": "finding"`, then `"type": "summary"`.
    Jsonl,
}

/// Counts printed at the end of the stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamSummary {
    /// Lines read.
    pub lines: usize,
    /// Findings printed.
    pub findings: usize,
    /// By severity: info, warning, error.
    pub by_severity: [usize; 3],
}

impl StreamSummary {
    /// True when a printed finding is at or above `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        (threshold as usize..3).any(|i| self.by_severity[i] > 0)
    }
}

#[derive(Deserialize)]
struct Segment {
    #[serde(default)]
    start: Option<f64>,
    #[serde(default)]
    end: Option<f64>,
    text: String,
}

#[derive(Serialize)]
struct FindingLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    finding: JsonFinding<'a>,
}

#[derive(Serialize)]
struct SummaryLine {
    #[serde(rename = "type")]
    kind: &'static str,
    lines: usize,
    findings: usize,
    by_severity: BySeverity,
}

/// A line of the window: where it came from.
#[derive(Debug, Clone)]
struct TailLine {
    /// 1-based input line.
    line: usize,
    /// Characters cut from its front.
    column_offset: usize,
    /// Byte offset of the kept text in the stream (line texts joined by newlines).
    stream_offset: usize,
    text: String,
    time: Option<TimeRange>,
}

fn seconds_to_ms(s: f64) -> u64 {
    if s.is_finite() && s > 0.0 {
        (s * 1000.0).round() as u64
    } else {
        0
    }
}

/// Splits an input line into text and time: a JSON segment when it parses as one, else the line itself.
fn parse_line(raw: &str) -> (String, Option<TimeRange>) {
    let t = raw.trim();
    if t.starts_with('{') {
        if let Ok(seg) = serde_json::from_str::<Segment>(t) {
            let time = seg.start.map(|s| {
                let start_ms = seconds_to_ms(s);
                TimeRange {
                    start_ms,
                    end_ms: seg.end.map_or(start_ms, seconds_to_ms).max(start_ms),
                }
            });
            return (seg.text, time);
        }
    }
    (raw.to_string(), None)
}

/// The streaming checker: feed it lines, it returns the new findings of each.
pub struct Watcher<'a> {
    engine: &'a Engine,
    settings: &'a Settings,
    tail: Vec<TailLine>,
    /// Printed findings still inside the tail: (rule id, stream start, stream end).
    printed: Vec<(Arc<str>, usize, usize)>,
    line: usize,
    stream_len: usize,
}

impl<'a> Watcher<'a> {
    /// A watcher over a built engine; `settings` brings severity overrides and disabled built-ins.
    pub fn new(engine: &'a Engine, settings: &'a Settings) -> Watcher<'a> {
        Watcher {
            engine,
            settings,
            tail: Vec::new(),
            printed: Vec::new(),
            line: 0,
            stream_len: 0,
        }
    }

    /// Lines read so far.
    pub fn lines(&self) -> usize {
        self.line
    }

    /// Scans one input line (raw text or a JSON segment) and returns the findings it completes, with lines,
    /// columns and byte offsets of the whole stream.
    pub fn push(&mut self, raw: &str) -> Result<Vec<Finding>, String> {
        let (text, time) = parse_line(raw.trim_end_matches(['\n', '\r']));
        self.line += 1;
        let current = TailLine {
            line: self.line,
            column_offset: 0,
            stream_offset: self.stream_len + usize::from(self.line > 1),
            text,
            time,
        };
        self.stream_len = current.stream_offset + current.text.len();
        let mut window = String::new();
        let mut starts = Vec::with_capacity(self.tail.len() + 1);
        for l in self.tail.iter().chain(std::iter::once(&current)) {
            if !starts.is_empty() {
                window.push('\n');
            }
            starts.push(window.len());
            window.push_str(&l.text);
        }
        let new_from = *starts.last().unwrap_or(&0);
        let ctx = ScanContext {
            kind: Some(Scope::Transcript),
            products: Vec::new(),
        };
        let mut found = self.engine.scan_text(&window, &ctx)?;
        let lines: Vec<&TailLine> = self.tail.iter().chain(std::iter::once(&current)).collect();
        let to_stream = |off: usize| {
            let i = starts.partition_point(|&s| s <= off).saturating_sub(1);
            lines[i].stream_offset + (off - starts[i])
        };
        found.retain(|f| f.span.end > new_from);
        let mut out = Vec::new();
        for mut f in found {
            let (s, e) = (to_stream(f.span.start), to_stream(f.span.end));
            if self
                .printed
                .iter()
                .any(|(id, ps, pe)| **id == *f.rule.id && s < *pe && *ps < e)
            {
                continue;
            }
            self.printed.push((Arc::from(f.rule.id.as_str()), s, e));
            let map = |lc: LineCol| {
                let l = lines[lc.line.saturating_sub(1).min(lines.len() - 1)];
                LineCol {
                    line: l.line,
                    column: lc.column + l.column_offset,
                }
            };
            let (first, last) = (
                lines[f.start.line.saturating_sub(1).min(lines.len() - 1)],
                lines[f.end.line.saturating_sub(1).min(lines.len() - 1)],
            );
            f.time = match (first.time, last.time) {
                (Some(a), Some(b)) => Some(TimeRange {
                    start_ms: a.start_ms,
                    end_ms: b.end_ms.max(a.start_ms),
                }),
                (Some(a), None) | (None, Some(a)) => Some(a),
                (None, None) => None,
            };
            f.start = map(f.start);
            f.end = map(f.end);
            f.span = s..e;
            out.push(f);
        }
        self.settings.apply_findings(&mut out);
        self.keep_tail(current);
        Ok(out)
    }

    /// Keeps the last `TAIL_CHARS` characters of the lines seen, whole lines where they fit.
    fn keep_tail(&mut self, current: TailLine) {
        self.tail.push(current);
        let mut budget = TAIL_CHARS;
        let mut keep_from = self.tail.len();
        while keep_from > 0 && budget > 0 {
            keep_from -= 1;
            let n = self.tail[keep_from].text.chars().count();
            if n > budget {
                let l = &mut self.tail[keep_from];
                let cut = l
                    .text
                    .char_indices()
                    .nth(n - budget)
                    .map_or(l.text.len(), |(i, _)| i);
                l.column_offset += n - budget;
                l.stream_offset += cut;
                l.text.drain(..cut);
                budget = 0;
            } else {
                budget -= n;
            }
        }
        self.tail.drain(..keep_from);
        let oldest = self
            .tail
            .first()
            .map_or(self.stream_len, |l| l.stream_offset);
        self.printed.retain(|(_, _, e)| *e > oldest);
    }
}

/// Prints one finding and flushes.
pub fn print_finding(
    out: &mut dyn Write,
    name: &str,
    f: &Finding,
    format: StreamFormat,
) -> io::Result<()> {
    match format {
        StreamFormat::Human => {
            let time = f
                .time
                .map(|t| format!(" @ {}", format_timestamp(t.start_ms)))
                .unwrap_or_default();
            // One line per finding: a match across a line break shows the break as ⏎.
            let message = f.message.replace("\r\n", "⏎").replace('\n', "⏎");
            writeln!(
                out,
                "{name}:{}:{}{time}: {}[{}]: {message}",
                f.start.line, f.start.column, f.severity, f.rule.id
            )?;
        }
        StreamFormat::Jsonl => {
            let line = FindingLine {
                kind: "finding",
                finding: JsonFinding::new(name, f),
            };
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}

fn print_summary(out: &mut dyn Write, s: &StreamSummary, format: StreamFormat) -> io::Result<()> {
    match format {
        StreamFormat::Human => {
            let mark = if s.findings == 0 { "✔" } else { "✖" };
            writeln!(
                out,
                "{mark} {} finding{} ({} error{}, {} warning{}, {} info) in {} line{}",
                s.findings,
                if s.findings == 1 { "" } else { "s" },
                s.by_severity[2],
                if s.by_severity[2] == 1 { "" } else { "s" },
                s.by_severity[1],
                if s.by_severity[1] == 1 { "" } else { "s" },
                s.by_severity[0],
                s.lines,
                if s.lines == 1 { "" } else { "s" },
            )?;
        }
        StreamFormat::Jsonl => {
            let line = SummaryLine {
                kind: "summary",
                lines: s.lines,
                findings: s.findings,
                by_severity: BySeverity::new(s.by_severity),
            };
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}

/// Reads `input` to its end, printing findings as their lines arrive and the summary at the end.
/// Undecodable bytes are replaced, not fatal: a live monitor must keep going.
pub fn run(
    engine: &Engine,
    settings: &Settings,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    name: &str,
    format: StreamFormat,
) -> io::Result<StreamSummary> {
    let mut watcher = Watcher::new(engine, settings);
    let mut summary = StreamSummary::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&buf);
        let findings = watcher.push(&line).map_err(io::Error::other)?;
        for f in &findings {
            summary.findings += 1;
            summary.by_severity[f.severity as usize] += 1;
            print_finding(out, name, f, format)?;
        }
    }
    summary.lines = watcher.lines();
    print_summary(out, &summary, format)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{pack, RuleSet};

    fn engine() -> Engine {
        Engine::new(Arc::new(RuleSet::from_sources(&pack::embedded()).unwrap())).unwrap()
    }

    #[test]
    fn phrase_split_across_lines_is_found_once() {
        let e = engine();
        let s = Settings::default();
        let mut w = Watcher::new(&e, &s);
        assert!(w.push("家人们这是全网最\n").unwrap().is_empty());
        let f = w.push("好的面霜\n").unwrap();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].start, LineCol { line: 1, column: 8 });
        assert_eq!(f[0].end, LineCol { line: 2, column: 2 });
        assert!(w.push("最近好多人问\n").unwrap().is_empty());
        assert!(w.push("真的很好用\n").unwrap().is_empty());
    }

    #[test]
    fn findings_in_the_tail_are_not_repeated() {
        let e = engine();
        let s = Settings::default();
        let mut w = Watcher::new(&e, &s);
        let a = w.push("这是最好的\n").unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].span, 6..12);
        let b = w.push("也是最佳的\n").unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].matched, "最佳");
        assert_eq!(b[0].start, LineCol { line: 2, column: 3 });
        // Byte offsets count in the stream of lines joined by newlines.
        assert_eq!(b[0].span, 16 + 6..16 + 12);
    }

    #[test]
    fn json_segments_carry_times() {
        let e = engine();
        let s = Settings::default();
        let mut w = Watcher::new(&e, &s);
        let f = w
            .push(r#"{"start": 12.5, "end": 14.0, "text": "全网最好"}"#)
            .unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].time,
            Some(TimeRange {
                start_ms: 12_500,
                end_ms: 14_000
            })
        );
        assert_eq!(f[0].start, LineCol { line: 1, column: 3 });
    }

    #[test]
    fn long_lines_keep_only_a_tail() {
        let e = engine();
        let s = Settings::default();
        let mut w = Watcher::new(&e, &s);
        let long = format!("{}最", "啊".repeat(200));
        assert!(w.push(&long).unwrap().is_empty());
        let f = w.push("好").unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].start,
            LineCol {
                line: 1,
                column: 201
            }
        );
        assert_eq!(f[0].matched, "最\n好");
    }
}
