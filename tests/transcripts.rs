//! Transcripts and encodings through the real binary (issue 4): every format is found at the right line, column
//! and cue time of the file itself; a phrase split over two cues is found; legacy encodings are detected;
//! a malformed file is an error naming its line while the other files are still reported.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn livelint() -> Command {
    let mut cmd = Command::cargo_bin("livelint").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Runs `check ARGS --format json`, returns (exit code, report).
fn check_json(args: &[&str]) -> (i32, Value) {
    let out = livelint()
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), report)
}

/// The findings of one rule in one file.
fn findings<'a>(report: &'a Value, path: &str, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == path && f["rule"] == rule)
        .collect()
}

/// The one finding of `rule` in `path` with this `matched` text.
fn the_finding<'a>(report: &'a Value, path: &str, rule: &str, matched: &str) -> &'a Value {
    let fs: Vec<_> = findings(report, path, rule)
        .into_iter()
        .filter(|f| f["matched"] == matched)
        .collect();
    assert_eq!(fs.len(), 1, "{path} {rule} {matched}: {report:#}");
    fs[0]
}

fn pos(f: &Value) -> (u64, u64) {
    (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap())
}

fn time(f: &Value) -> (&str, &str) {
    (
        f["time"]["start"].as_str().unwrap(),
        f["time"]["end"].as_str().unwrap(),
    )
}

/// 1-based line and character column of the first `needle` in `text`, as an editor counts them.
fn locate(text: &str, needle: &str) -> (u64, u64) {
    locate_after(text, "", needle)
}

/// Like `locate`, for the first `needle` after the first `marker`.
fn locate_after(text: &str, marker: &str, needle: &str) -> (u64, u64) {
    let from = text.find(marker).unwrap();
    let at = from + text[from..].find(needle).unwrap();
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line as u64, column as u64)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

const SUPERLATIVES: &str = "zh-ad-law/absolute-superlatives";
const FIRST_ONLY: &str = "zh-ad-law/absolute-first-only";
const GRADE: &str = "zh-ad-law/absolute-grade";
const LOWEST_PRICE: &str = "zh-price/lowest-price-claims";

#[test]
fn every_format_is_found_at_its_place_in_the_file_with_its_cue_time() {
    let (code, report) = check_json(&["fixtures/transcripts"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["errors"], Value::Array(vec![]), "{report:#}");
    assert_eq!(report["skipped"], Value::Array(vec![]), "{report:#}");

    let srt = "fixtures/transcripts/face-cream.srt";
    let f = the_finding(&report, srt, SUPERLATIVES, "最好");
    assert_eq!(pos(f), (11, 6));
    assert_eq!(pos(f), locate(&read(srt), "最好"));
    assert_eq!(time(f), ("00:00:06.800", "00:00:10.500"));

    // The column counts the `<v 主播>` and `<b>` tags: it is the column an editor shows.
    let vtt = "fixtures/transcripts/lipstick.vtt";
    let f = the_finding(&report, vtt, GRADE, "顶级");
    assert_eq!(pos(f), (15, 15));
    assert_eq!(pos(f), locate(&read(vtt), "顶级"));
    assert_eq!(time(f), ("00:00:03.000", "00:00:06.500"));

    let json = "fixtures/transcripts/whisper-serum.json";
    let text = read(json);
    let f = the_finding(&report, json, FIRST_ONLY, "全国首家");
    assert_eq!(f["line"], 4);
    // Whisper repeats the whole text at the top; the finding is in the segment, where the time is.
    assert_eq!(pos(f), locate_after(&text, "\"segments\"", "全国首家"));
    assert_eq!(time(f), ("00:00:00.000", "00:00:04.200"));
    let f = the_finding(&report, json, GRADE, "国家级");
    assert_eq!(f["line"], 6);
    assert_eq!(time(f), ("00:00:08.000", "00:00:12.500"));
    // The byte span is the file's too.
    let (a, b) = (
        f["byte_start"].as_u64().unwrap() as usize,
        f["byte_end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[a..b], "国家级");

    let jsonl = "fixtures/transcripts/sunscreen.jsonl";
    let f = the_finding(&report, jsonl, FIRST_ONLY, "首选");
    assert_eq!(pos(f), locate(&read(jsonl), "首选"));
    assert_eq!(f["line"], 2);
    assert_eq!(time(f), ("00:00:03.500", "00:00:07.250"));

    // Cue numbers and timestamps are never scanned: nothing is reported on those lines.
    for f in report["findings"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        if path.ends_with(".srt") || path.ends_with(".vtt") {
            assert!(
                f["matched"]
                    .as_str()
                    .unwrap()
                    .chars()
                    .all(|c| !c.is_ascii_digit()),
                "{f:#}"
            );
        }
    }
}

#[test]
fn a_phrase_split_over_two_cues_is_found_with_the_first_cues_time() {
    let path = "fixtures/transcripts/cross-cue.srt";
    let (_, report) = check_json(&[path]);
    let f = the_finding(&report, path, LOWEST_PRICE, "全网最低价");
    // Starts at 全网 at the end of cue 2 (line 7), ends after 低价 at the start of cue 3 (line 11).
    assert_eq!(pos(f), (7, 5));
    assert_eq!(
        (f["end_line"].as_u64(), f["end_column"].as_u64()),
        (Some(11), Some(3))
    );
    assert_eq!(time(f), ("00:12:03.400", "00:12:07.900"));
    assert_eq!(f["message"], "无法证实的最低价宣称「全网最低价」");
    let text = read(path);
    let span =
        &text[f["byte_start"].as_u64().unwrap() as usize..f["byte_end"].as_u64().unwrap() as usize];
    assert!(
        span.starts_with("全网最") && span.ends_with("低价"),
        "{span:?}"
    );
}

#[test]
fn human_report_shows_the_cue_time_beside_line_and_column() {
    let out = livelint()
        .args([
            "--color",
            "never",
            "check",
            "fixtures/transcripts/cross-cue.srt",
            "--no-timing",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("fixtures/transcripts/cross-cue.srt:7:5 @ 00:12:03.400"),
        "{stdout}"
    );
    insta::assert_snapshot!("cross_cue_human", stdout);
}

#[test]
fn legacy_and_unicode_encodings_are_detected() {
    let (code, report) = check_json(&["fixtures/transcripts"]);
    assert_eq!(code, 1);

    let gb = "fixtures/transcripts/mask-gb18030.srt";
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(gb)).unwrap();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture must not be UTF-8"
    );
    let (decoded, _, _) = encoding_rs::GB18030.decode(&bytes);
    let f = the_finding(&report, gb, LOWEST_PRICE, "最便宜");
    assert_eq!(pos(f), (7, 5));
    assert_eq!(pos(f), locate(&decoded, "最便宜"));
    assert_eq!(time(f), ("00:00:05.000", "00:00:08.500"));
    // Byte offsets refer to the decoded text, not to the GB18030 bytes.
    let a = f["byte_start"].as_u64().unwrap() as usize;
    assert_eq!(&decoded[a..a + "最便宜".len()], "最便宜");

    let f = the_finding(
        &report,
        "fixtures/transcripts/sweater-utf16le.srt",
        GRADE,
        "绝对",
    );
    assert_eq!(pos(f), (7, 4));
    assert_eq!(time(f), ("00:03:13.500", "00:03:17.000"));

    let bom = "fixtures/transcripts/tea-utf8-bom.vtt";
    let f = the_finding(&report, bom, FIRST_ONLY, "唯一");
    assert_eq!(pos(f), (7, 4));
    let decoded = read(bom);
    let decoded = decoded.strip_prefix('\u{feff}').unwrap();
    let a = f["byte_start"].as_u64().unwrap() as usize;
    assert_eq!(&decoded[a..a + "唯一".len()], "唯一");
}

#[test]
fn forced_encoding_wins_and_a_wrong_one_is_an_error() {
    let gb = "fixtures/transcripts/mask-gb18030.srt";
    let (code, report) = check_json(&[gb, "--encoding", "gbk"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&report, gb, LOWEST_PRICE).len(), 1);

    let (code, report) = check_json(&[gb, "--encoding", "utf-8"]);
    assert_eq!(code, 2);
    let msg = report["errors"][0]["message"].as_str().unwrap();
    assert!(msg.contains("does not decode as UTF-8"), "{msg}");
}

#[test]
fn a_malformed_file_names_its_line_and_the_run_goes_on() {
    let (code, report) = check_json(&[
        "tests/data/bad/malformed.srt",
        "fixtures/transcripts/face-cream.srt",
    ]);
    assert_eq!(code, 2);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(errors[0]["path"], "tests/data/bad/malformed.srt");
    assert_eq!(
        errors[0]["message"],
        "line 10: bad timestamp \"00:00:1,000\""
    );
    // Nothing of the malformed file is reported as scanned; the other file is.
    assert!(findings(&report, "tests/data/bad/malformed.srt", SUPERLATIVES).is_empty());
    the_finding(
        &report,
        "fixtures/transcripts/face-cream.srt",
        SUPERLATIVES,
        "最好",
    );
}

#[test]
fn a_file_that_does_not_decode_is_reported_not_mangled() {
    let (code, report) = check_json(&["tests/data/bad/broken-gbk.srt"]);
    assert_eq!(code, 2);
    assert_eq!(report["findings"], Value::Array(vec![]));
    let msg = report["errors"][0]["message"].as_str().unwrap();
    assert!(msg.contains("gb18030") && msg.contains("line 7"), "{msg}");
}

#[test]
fn stdin_kinds() {
    let srt = read("fixtures/transcripts/face-cream.srt");
    let out = livelint()
        .args([
            "check",
            "-",
            "--stdin-kind",
            "srt",
            "--stdin-name",
            "live.srt",
        ])
        .args(["--format", "json"])
        .write_stdin(srt.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = the_finding(&report, "live.srt", SUPERLATIVES, "最好");
    assert_eq!(pos(f), (11, 6));
    assert_eq!(time(f), ("00:00:06.800", "00:00:10.500"));

    // Read as a script, the same bytes have no cue times.
    let out = livelint()
        .args(["check", "-", "--format", "json"])
        .write_stdin(srt)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = the_finding(&report, "<stdin>", SUPERLATIVES, "最好");
    assert!(f.get("time").is_none(), "{f:#}");

    let out = livelint()
        .args(["check", "-", "--stdin-kind", "jsonl", "--format", "json"])
        .write_stdin(read("fixtures/transcripts/sunscreen.jsonl"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        the_finding(&report, "<stdin>", FIRST_ONLY, "首选")["line"],
        2
    );

    // Named as a transcript, JSON without segments is an error, not a quiet skip.
    let out = livelint()
        .args(["check", "-", "--stdin-kind", "asr-json", "--format", "json"])
        .write_stdin(r#"{"name":"x"}"#)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not an ASR transcript"));
}

#[test]
fn other_json_in_a_walked_folder_is_skipped_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"name":"demo","private":true}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tsconfig.json"),
        "// comments are not JSON\n{}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("labels.jsonl"),
        "{\"label\":\"fake-discount\",\"text\":\"全网最低价\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("asr.json"),
        r#"{"segments":[{"start":1.5,"end":3,"text":"这是最好的"}]}"#,
    )
    .unwrap();
    let out = livelint()
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(report["errors"], Value::Array(vec![]));
    let skipped: Vec<&str> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, vec!["JSON without transcript segments"; 3]);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    assert_eq!(report["findings"][0]["time"]["start"], "00:00:01.500");
}

#[test]
fn inline_suppressions_apply_to_cue_lines() {
    let dir = tempfile::tempdir().unwrap();
    let srt = "1\n00:00:01,000 --> 00:00:03,000\nlivelint: allow zh-ad-law/absolute-superlatives reason=\"品牌口号\"\n这是最好的面霜\n\n2\n00:00:03,000 --> 00:00:05,000\n这是最好的\n";
    std::fs::write(dir.path().join("live.srt"), srt).unwrap();
    let out = livelint()
        .args(["check", "--format", "json"])
        .arg(dir.path().join("live.srt"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fs = report["findings"].as_array().unwrap();
    assert_eq!(fs.len(), 1, "{report:#}");
    assert_eq!(pos(&fs[0]), (8, 3));
    assert_eq!(time(&fs[0]), ("00:00:03.000", "00:00:05.000"));
}

/// A folder with a `.json` listing (by content, not by name) and a Whisper `.json` transcript: each file goes to
/// its own loader, and a 原价 claimed on air is checked against the listing and reported at the file's line.
#[test]
fn json_listing_and_json_transcript_in_one_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog.json"),
        r#"{"products": [{"id": "cream-01", "title": "玻尿酸面霜", "category": "cosmetics",
  "aliases": ["玻尿酸面霜"], "price": 129,
  "price-history": [{"date": "2026-11-05", "price": 129}],
  "manufacturer": {"name": "广州某某化妆品有限公司", "address": "广州市白云区某某路1号"},
  "credentials": {"cosmetics-filing": "粤G妆网备字2019199401"}}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("show.json"),
        r#"{"segments": [
 {"start": 1.0, "end": 3.5, "text": "家人们看这款玻尿酸面霜"},
 {"start": 3.5, "end": 6.0, "text": "原价299，今天只要129"}]}"#,
    )
    .unwrap();
    let out = Command::cargo_bin("livelint")
        .unwrap()
        .args(["check", "--format", "json", "--date", "2026-11-08"])
        .arg(dir.path())
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r["errors"].as_array().unwrap().is_empty(), "{r}");
    assert!(r["skipped"].as_array().unwrap().is_empty(), "{r}");
    let claim: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "zh-claims/reference-price-above-7-day-low")
        .collect();
    assert_eq!(claim.len(), 1, "{r}");
    let f = claim[0];
    assert!(f["path"].as_str().unwrap().ends_with("show.json"));
    assert_eq!(f["matched"], "原价299");
    assert_eq!(f["line"], 3, "line of the segment in the JSON file");
    assert_eq!(f["time"]["start"], "00:00:03.500");
    let text = std::fs::read_to_string(dir.path().join("show.json")).unwrap();
    let (s, e) = (
        f["byte_start"].as_u64().unwrap() as usize,
        f["byte_end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], "原价299");
}
