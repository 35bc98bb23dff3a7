//! The machine-readable report formats (jsonl, sarif, csv, github), through the real binary on
//! `fixtures/formats/`: a script with CJK text and astral-plane characters, a Markdown file with a Chinese name
//! and a space, a binary file (skipped) and a missing path (an input error). `tests/data/formats-pack.yaml` adds
//! a warning and an info rule whose texts hold `%`, `:` and `,`. The rules are fixed (`--no-default-rules` and a
//! frozen copy of the first `zh-ad-law` pack) so the snapshots change with the rendering, not with the packs.

use assert_cmd::Command;
use serde_json::Value;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Runs `livelint check` over the fixture folder in `format`; returns stdout and the exit code.
fn run(format: &str) -> (Vec<u8>, i32) {
    let out = Command::cargo_bin("livelint")
        .unwrap()
        .args([
            "check",
            "fixtures/formats",
            "fixtures/formats/missing.txt",
            "--no-default-rules",
            "--rules",
            "tests/data/zh-ad-law-frozen.yaml",
            "--rules",
            "tests/data/formats-pack.yaml",
            "--no-timing",
            "--color",
            "never",
            "--format",
            format,
        ])
        .output()
        .unwrap();
    (out.stdout, out.status.code().unwrap_or(-1))
}

fn text(format: &str) -> String {
    let (bytes, code) = run(format);
    assert_eq!(code, 2, "an unreadable input makes the exit code 2");
    String::from_utf8(bytes).unwrap()
}

/// The version changes with every release; snapshots should not.
fn stable(s: &str) -> String {
    s.replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[version]\"",
    )
}

fn sarif() -> Value {
    serde_json::from_str(&text("sarif")).unwrap()
}

#[test]
fn jsonl_snapshot() {
    let out = text("jsonl");
    insta::assert_snapshot!("jsonl", out);
}

#[test]
fn jsonl_lines_are_typed_and_findings_match_the_json_contract() {
    let lines: Vec<Value> = text("jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let types: Vec<&str> = lines.iter().map(|v| v["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["finding", "finding", "finding", "finding", "finding", "error", "skipped", "summary"]
    );
    let json: Value = serde_json::from_str(&text("json")).unwrap();
    for (line, finding) in lines.iter().zip(json["findings"].as_array().unwrap()) {
        let mut line = line.clone();
        line.as_object_mut().unwrap().remove("type");
        assert_eq!(&line, finding);
    }
    assert_eq!(lines[7]["findings"], 5);
    assert_eq!(lines[7]["version"], json["version"]);
}

#[test]
fn sarif_snapshot() {
    let out = stable(&text("sarif"));
    insta::assert_snapshot!("sarif", out);
}

fn schema_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn schema_errors(v: &jsonschema::Validator, log: &Value) -> Vec<String> {
    v.iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let v = schema_validator();
    let log = sarif();
    assert_eq!(schema_errors(&v, &log), Vec::<String>::new());

    // The validator does reject a broken log: a level SARIF does not define, and a result without a message.
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["level"] = "critical".into();
    assert!(!schema_errors(&v, &bad).is_empty());
    // Formats are checked too: a file name with a space must be percent-encoded to be a URI reference.
    let mut bad = log.clone();
    bad["runs"][0]["results"][4]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "fixtures/formats/直播 脚本.md".into();
    assert!(!schema_errors(&v, &bad).is_empty());
    let mut bad = log;
    bad["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!schema_errors(&v, &bad).is_empty());
}

#[test]
fn sarif_of_a_clean_run_is_valid_too() {
    let out = Command::cargo_bin("livelint")
        .unwrap()
        .args(["check", "--format", "sarif", "-"])
        .write_stdin("家人们晚上好")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        schema_errors(&schema_validator(), &log),
        Vec::<String>::new()
    );
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

fn region(log: &Value, i: usize) -> (&str, [u64; 4]) {
    let loc = &log["runs"][0]["results"][i]["locations"][0]["physicalLocation"];
    let r = &loc["region"];
    let n = |k: &str| r[k].as_u64().unwrap();
    (
        loc["artifactLocation"]["uri"].as_str().unwrap(),
        [
            n("startLine"),
            n("startColumn"),
            n("endLine"),
            n("endColumn"),
        ],
    )
}

#[test]
fn sarif_columns_are_utf16_code_units_on_cjk_and_astral_lines() {
    let log = sarif();
    assert_eq!(log["runs"][0]["columnKind"], "utf16CodeUnits");
    // Line 2 "🔥🔥这是全网最好…": each emoji is 2 UTF-16 units, each CJK character 1. 最好 is character
    // column 7..9 (what json reports) and UTF-16 column 9..11.
    assert_eq!(
        region(&log, 0),
        ("fixtures/formats/live.txt", [2, 9, 2, 11])
    );
    // Line 3 "𠀀国货NO.1": U+20000 is 2 units: NO.1 is character column 4..8, UTF-16 column 5..9.
    assert_eq!(region(&log, 2), ("fixtures/formats/live.txt", [3, 5, 3, 9]));
    // A pure CJK line: characters and UTF-16 units agree.
    assert_eq!(
        region(&log, 4),
        (
            "fixtures/formats/%E7%9B%B4%E6%92%AD%20%E8%84%9A%E6%9C%AC.md",
            [1, 5, 1, 7]
        )
    );
    let json: Value = serde_json::from_str(&text("json")).unwrap();
    let f = &json["findings"];
    assert_eq!(
        (&f[0]["column"], &f[0]["end_column"]),
        (&7.into(), &9.into())
    );
    assert_eq!(
        (&f[2]["column"], &f[2]["end_column"]),
        (&4.into(), &8.into())
    );
}

#[test]
fn sarif_rules_carry_help_law_and_category() {
    let log = sarif();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in log["runs"][0]["results"].as_array().unwrap() {
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
    }
    let sup = rules
        .iter()
        .find(|r| r["id"] == "zh-ad-law/absolute-superlatives")
        .unwrap();
    assert_eq!(sup["shortDescription"]["text"], "绝对化用语（最-）");
    assert!(sup["help"]["text"]
        .as_str()
        .unwrap()
        .ends_with("law: 广告法 第九条第三项; 广告法 第五十七条"));
    assert_eq!(sup["properties"]["category"], "absolute-terms");
    assert_eq!(sup["properties"]["law"][1], "广告法 第五十七条");
    let levels: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["error", "warning", "error", "note", "error"]);
    let n = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(
        n[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/formats/missing.txt"
    );
}

#[test]
fn csv_snapshot() {
    let (bytes, code) = run("csv");
    assert_eq!(code, 2);
    assert!(
        bytes.starts_with(BOM),
        "UTF-8 BOM first, so Excel reads UTF-8"
    );
    let body = String::from_utf8(bytes[BOM.len()..].to_vec()).unwrap();
    assert!(body.lines().count() > 1 && body.split("\r\n").count() == body.lines().count() + 1);
    insta::assert_snapshot!("csv", body.replace("\r\n", "\n"));
}

#[test]
fn csv_rows_read_back() {
    let (bytes, _) = run("csv");
    let mut r = csv::Reader::from_reader(&bytes[BOM.len()..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[0], "path");
    assert_eq!(header.len(), 14);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(&rows[1][8], "功效承诺「100%有效」, 需要证据");
    assert_eq!(&rows[1][11], "写明依据, 例如检测报告: 编号与机构");
    assert_eq!(&rows[4][0], "fixtures/formats/直播 脚本.md");
}

#[test]
fn github_snapshot() {
    let out = text("github");
    insta::assert_snapshot!("github", out);
}

#[test]
fn github_annotations_escape_and_map_severity() {
    let out = text("github");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with(
        "::error file=fixtures/formats/live.txt,line=2,col=7,endLine=2,endColumn=9,title="
    ));
    assert!(lines[1].starts_with("::warning "));
    assert!(lines[1].contains(",title=功效承诺%3A 需要证据 (formats-test/efficacy-percent)::"));
    assert!(lines[1].contains(
        "::功效承诺「100%25有效」, 需要证据%0A写明依据, 例如检测报告: 编号与机构%0Alaw: "
    ));
    assert!(lines[3].starts_with("::notice "));
    assert!(lines[5].starts_with("::error file=fixtures/formats/missing.txt,title="));
    assert!(lines.iter().all(|l| !l.contains('\r')));
}
