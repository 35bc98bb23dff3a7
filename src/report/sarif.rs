//! `--format sarif`: SARIF 2.1.0 (OASIS), the format code-scanning services and IDE viewers read.
//!
//! Decisions worth knowing:
//! - `tool.driver.rules` lists the rules that appear in the results (sorted by id), not every loaded rule: a
//!   reporter reads only the `Report`, and a log describes the run's results. Results point at their rule by
//!   `ruleId` and `ruleIndex`.
//! - Columns: SARIF's default `columnKind` is `utf16CodeUnits`, and consumers (GitHub code scanning, the VS Code
//!   viewer) assume it. So columns are computed in UTF-16 code units from the file's text: a CJK character is one
//!   unit, an astral-plane character (emoji, CJK Extension B) is two. `run.columnKind` says so explicitly. Only if
//!   a report lacks a file's text (a library caller that dropped it) does the run fall back to
//!   `unicodeCodePoints` with our character columns, and says that instead; one run never mixes the two.
//! - `charOffset`/`byteOffset` are left out: they count from the start of the file on disk, and a GB18030 or
//!   UTF-16 input's offsets differ from those of the decoded text the spans refer to.
//! - Input errors and skipped inputs are `invocations[0].toolExecutionNotifications`; `executionSuccessful` is
//!   false when an input could not be read, as the exit code (2) says.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::json::JsonSummary;
use super::Report;
use crate::finding::{format_timestamp, Finding, RuleMeta, Severity};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation<'a>; 1],
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties,
}

#[derive(Serialize)]
struct RunProperties {
    summary: JsonSummary,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Text<T> {
    text: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    short_description: Text<&'a str>,
    full_description: Text<String>,
    help: Text<String>,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    category: &'static str,
    law: &'a [String],
    tags: [&'static str; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<&'a str>,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
}

#[derive(Serialize)]
struct ResultProperties {
    time: Time,
}

#[derive(Serialize)]
struct Time {
    start: String,
    end: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region<'a>>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region<'a> {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    snippet: Text<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text<String>,
    locations: [Location<'a>; 1],
    descriptor: Descriptor,
}

#[derive(Serialize)]
struct Descriptor {
    id: &'static str,
}

/// SARIF's name for a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A displayed path as a SARIF `uri`: forward slashes, relative paths kept relative (to the folder livelint
/// ran in), absolute paths as `file:` URIs, and every byte outside RFC 3986's unreserved set (and `/`)
/// percent-encoded, so Chinese file names, spaces and `<stdin>` still make a valid URI reference.
pub fn path_to_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let bytes = path.as_bytes();
    let is_drive = bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1..3] == *b":/";
    let (mut out, rest) = if path.starts_with('/') {
        (String::from("file://"), path)
    } else if is_drive {
        // `C:/x` -> `file:///C:/x`; the drive colon is the one `:` left unencoded.
        (format!("file:///{}", &path[..2]), &path[2..])
    } else {
        (String::new(), path)
    };
    for b in rest.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The 1-based column of byte offset `at` in `text`, counted in UTF-16 code units from the start of its line.
pub fn utf16_column(text: &str, at: usize) -> Option<usize> {
    let before = text.get(..at)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Some(before[line_start..].encode_utf16().count() + 1)
}

fn help_text(rule: &RuleMeta) -> String {
    format!("{}\nlaw: {}", rule.help, rule.law.join("; "))
}

/// Region columns for one finding: UTF-16 when `source` is known, else the character columns.
fn region<'a>(f: &'a Finding, source: Option<&str>) -> Region<'a> {
    let (start_column, end_column) = match source {
        Some(text) => (
            utf16_column(text, f.span.start).unwrap_or(f.start.column),
            utf16_column(text, f.span.end).unwrap_or(f.end.column),
        ),
        None => (f.start.column, f.end.column),
    };
    Region {
        start_line: f.start.line,
        start_column,
        end_line: f.end.line,
        end_column,
        snippet: Text { text: &f.matched },
    }
}

fn file_location(path: &str) -> [Location<'_>; 1] {
    [Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: path_to_uri(path),
            },
            region: None,
        },
    }]
}

/// Writes the report as one SARIF 2.1.0 log with one run.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // Rules in results, by id, so ruleIndex is stable whatever the file order.
    let mut by_id: BTreeMap<&str, &RuleMeta> = BTreeMap::new();
    for (_, f) in report.findings() {
        by_id.entry(f.rule.id.as_str()).or_insert(&f.rule);
    }
    let index: BTreeMap<&str, usize> = by_id.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules = by_id
        .values()
        .map(|r| Rule {
            id: &r.id,
            short_description: Text { text: &r.title },
            full_description: Text { text: help_text(r) },
            help: Text { text: help_text(r) },
            default_configuration: Configuration {
                level: level(r.severity),
            },
            properties: RuleProperties {
                category: r.category.as_str(),
                law: &r.law,
                tags: ["compliance", r.category.as_str()],
            },
        })
        .collect();

    let utf16 = report
        .files
        .iter()
        .all(|f| f.findings.is_empty() || f.source.is_some());
    let mut results = Vec::with_capacity(report.summary.findings);
    for file in &report.files {
        let source = if utf16 { file.source.as_deref() } else { None };
        for f in &file.findings {
            results.push(SarifResult {
                rule_id: &f.rule.id,
                rule_index: index.get(f.rule.id.as_str()).copied().unwrap_or(0),
                level: level(f.severity),
                message: Text { text: &f.message },
                locations: [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: path_to_uri(&file.path),
                        },
                        region: Some(region(f, source)),
                    },
                }],
                properties: f.time.map(|t| ResultProperties {
                    time: Time {
                        start: format_timestamp(t.start_ms),
                        end: format_timestamp(t.end_ms),
                    },
                }),
            });
        }
    }

    let mut notifications = Vec::new();
    for e in &report.errors {
        notifications.push(Notification {
            level: "error",
            message: Text {
                text: e.message.clone(),
            },
            locations: file_location(&e.path),
            descriptor: Descriptor { id: "input-error" },
        });
    }
    for s in &report.skipped {
        notifications.push(Notification {
            level: "note",
            message: Text {
                text: format!("skipped: {}", s.reason),
            },
            locations: file_location(&s.path),
            descriptor: Descriptor { id: "skipped" },
        });
    }

    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "livelint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            invocations: [Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: notifications,
            }],
            column_kind: if utf16 {
                "utf16CodeUnits"
            } else {
                "unicodeCodePoints"
            },
            results,
            properties: RunProperties {
                summary: JsonSummary::new(report),
            },
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;
    use serde_json::Value;

    fn sarif(report: &Report) -> Value {
        let mut buf = Vec::new();
        render(report, &mut buf).unwrap();
        serde_json::from_slice(&buf).unwrap()
    }

    fn region_of(v: &Value, i: usize) -> (u64, u64, u64, u64) {
        let r = &v["runs"][0]["results"][i]["locations"][0]["physicalLocation"]["region"];
        (
            r["startLine"].as_u64().unwrap(),
            r["startColumn"].as_u64().unwrap(),
            r["endLine"].as_u64().unwrap(),
            r["endColumn"].as_u64().unwrap(),
        )
    }

    #[test]
    fn columns_are_utf16_code_units() {
        let v = sarif(&sample_report());
        assert_eq!(v["runs"][0]["columnKind"], "utf16CodeUnits");
        // Result 0: "𠀀国货NO.1": U+20000 is two UTF-16 units, so NO.1 starts at unit 5 (character column 4).
        assert_eq!(region_of(&v, 0), (1, 5, 1, 9));
        // Result 1: "🔥🔥这是全网最好": two emoji = four units, then four CJK characters: 最好 at unit 9.
        assert_eq!(region_of(&v, 1), (2, 9, 2, 11));
        let report = sample_report();
        let chars: Vec<usize> = report.findings().map(|(_, f)| f.start.column).collect();
        assert_eq!(
            chars,
            [4, 7, 13],
            "the character columns differ, as they should"
        );
    }

    #[test]
    fn without_source_text_the_run_says_code_points() {
        let mut report = sample_report();
        report.files[1].source = None;
        let v = sarif(&report);
        assert_eq!(v["runs"][0]["columnKind"], "unicodeCodePoints");
        assert_eq!(region_of(&v, 0), (1, 4, 1, 8));
        assert_eq!(region_of(&v, 1), (2, 7, 2, 9));
    }

    #[test]
    fn results_reference_rules_by_id_and_index() {
        let v = sarif(&sample_report());
        let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            [
                "test/efficacy",
                "zh-ad-law/absolute-first-only",
                "zh-ad-law/absolute-superlatives"
            ]
        );
        for r in v["runs"][0]["results"].as_array().unwrap() {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
        }
        let levels: Vec<&str> = v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["level"].as_str().unwrap())
            .collect();
        assert_eq!(levels, ["note", "error", "warning"]);
        let results = &v["runs"][0]["results"];
        assert_eq!(results[0]["properties"]["time"]["start"], "00:12:03.400");
        assert_eq!(results[0]["properties"]["time"]["end"], "00:12:05.100");
        assert!(
            results[1].get("properties").is_none(),
            "no time for scripts"
        );
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "live/%E5%9B%9E%E6%94%BE%201.srt"
        );
    }

    #[test]
    fn input_errors_are_notifications() {
        let v = sarif(&sample_report());
        let inv = &v["runs"][0]["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        let n = inv["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(n.len(), 2);
        assert_eq!(n[0]["level"], "error");
        assert_eq!(
            n[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "scripts/gone.txt"
        );
        assert_eq!(n[1]["level"], "note");
    }

    #[test]
    fn sample_logs_are_valid_against_the_schema() {
        let schema: Value =
            serde_json::from_str(include_str!("../../tests/data/sarif-schema-2.1.0.json")).unwrap();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        let mut without_source = sample_report();
        without_source.files[0].source = None;
        for report in [sample_report(), without_source, Report::default()] {
            let log = sarif(&report);
            let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
            assert_eq!(errors, Vec::<String>::new());
        }
    }

    #[test]
    fn uris() {
        assert_eq!(path_to_uri("fixtures/a.txt"), "fixtures/a.txt");
        assert_eq!(path_to_uri("./a b.txt"), "a%20b.txt");
        assert_eq!(path_to_uri("脚本.txt"), "%E8%84%9A%E6%9C%AC.txt");
        assert_eq!(path_to_uri("dir\\x#1.md"), "dir/x%231.md");
        assert_eq!(path_to_uri("/tmp/a.txt"), "file:///tmp/a.txt");
        assert_eq!(path_to_uri("C:\\work\\a.txt"), "file:///C:/work/a.txt");
        assert_eq!(path_to_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(path_to_uri("a:b.txt"), "a%3Ab.txt");
    }

    #[test]
    fn utf16_columns_of_lines() {
        let text = "ab\n𠀀x中y";
        assert_eq!(utf16_column(text, 0), Some(1));
        assert_eq!(utf16_column(text, 3), Some(1));
        assert_eq!(utf16_column(text, text.find('x').unwrap()), Some(3));
        assert_eq!(utf16_column(text, text.find('y').unwrap()), Some(5));
        assert_eq!(utf16_column(text, text.len()), Some(6));
        assert_eq!(utf16_column(text, 4), None, "inside a character");
    }
}
