//! The real binary on `fixtures/`: exit codes, JSON fields, CJK columns, evasions, bad inputs, bad packs.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn livelint() -> Command {
    let mut cmd = Command::cargo_bin("livelint").unwrap();
    cmd.env("NO_COLOR", "1");
    // Parsed packs are cached here, not in the user's cache directory.
    cmd.env(
        "LIVELINT_CACHE_DIR",
        concat!(env!("CARGO_TARGET_TMPDIR"), "/livelint-cache"),
    );
    cmd
}

fn json_of(args: &[&str]) -> (Value, i32) {
    let out = livelint()
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap())
}

fn findings(v: &Value) -> Vec<&Value> {
    v["findings"].as_array().unwrap().iter().collect()
}

/// (line, column, end_column, matched) of each finding.
fn spans(v: &Value) -> Vec<(u64, u64, u64, String)> {
    findings(v)
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["end_column"].as_u64().unwrap(),
                f["matched"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_acceptance_script_gives_exactly_one_finding_at_its_character_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("script.txt");
    std::fs::write(&p, "这是全网最好的面霜\n最近好多家人们问\n").unwrap();
    let (v, code) = json_of(&[p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(spans(&v), vec![(1, 5, 7, "最好".to_string())]);
    let f = findings(&v)[0];
    assert_eq!(f["rule"], "zh-ad-law/absolute-superlatives");
    assert_eq!(f["category"], "absolute-terms");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["byte_start"], 12);
    assert_eq!(f["byte_end"], 18);
    assert_eq!(f["end_line"], 1);
    assert!(f["law"][0].as_str().unwrap().contains("广告法"));
    assert!(!f["help"].as_str().unwrap().is_empty());
    assert!(f.get("time").is_none(), "scripts have no time");
}

#[test]
fn traditional_script_and_inserted_spaces_give_the_same_finding_on_the_original_characters() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, matched) in [
        ("trad.txt", "這是全網最好的面霜\n最近好多家人們問\n", "最好"),
        (
            "space.txt",
            "这是全网最 好的面霜\n最近好多家人们问\n",
            "最 好",
        ),
        (
            "star.txt",
            "这是全网最*好的面霜\n最近好多家人们问\n",
            "最*好",
        ),
        (
            "zw.txt",
            "这是全网最\u{200b}好的面霜\n最近好多家人们问\n",
            "最\u{200b}好",
        ),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let (v, _) = json_of(&[p.to_str().unwrap()]);
        let end = 5 + matched.chars().count() as u64;
        assert_eq!(spans(&v), vec![(1, 5, end, matched.to_string())], "{name}");
        let f = findings(&v)[0];
        let (s, e) = (
            f["byte_start"].as_u64().unwrap() as usize,
            f["byte_end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            &text[s..e],
            matched,
            "{name}: byte offsets point into the original"
        );
    }
}

#[test]
fn fixtures_folder_is_sorted_and_reports_each_file() {
    let (v, code) = json_of(&["fixtures/scripts"]);
    assert_eq!(code, 1);
    let paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert!(paths.contains(&"fixtures/scripts/evasions.md"));
    assert!(
        !paths.contains(&"fixtures/scripts/clean.md"),
        "trap words only"
    );
    let ev: Vec<String> = findings(&v)
        .iter()
        .filter(|f| f["path"] == "fixtures/scripts/evasions.md")
        .map(|f| f["matched"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ev, vec!["最 好", "首*选", "ＮＯ．１"]);
    assert_eq!(v["summary"]["files"], 4);
    assert_eq!(v["summary"]["findings"], findings(&v).len());
    assert_eq!(v["version"], 1);
}

#[test]
fn clean_file_exits_zero_and_fail_on_controls_the_threshold() {
    livelint()
        .args(["check", "fixtures/scripts/clean.md"])
        .assert()
        .code(0);
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("warn.yaml");
    std::fs::write(
        &pack,
        std::fs::read_to_string("fixtures/rules/custom-pack.yaml").unwrap(),
    )
    .unwrap();
    let script = dir.path().join("s.txt");
    std::fs::write(&script, "比某某牌好用\n").unwrap();
    let base = [
        "check",
        "--no-default-rules",
        "--rules",
        pack.to_str().unwrap(),
        script.to_str().unwrap(),
    ];
    livelint().args(base).assert().code(0);
    livelint()
        .args(base)
        .args(["--fail-on", "warning"])
        .assert()
        .code(1);
    livelint()
        .args(base)
        .args(["--fail-on", "info"])
        .assert()
        .code(1);
}

#[test]
fn output_is_identical_whatever_the_number_of_jobs() {
    let run = |jobs: &str| {
        livelint()
            .args(["check", "--format", "json", "--jobs", jobs, "fixtures/"])
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("2"));
    assert_eq!(one, run("4"));
}

/// A reader that stops early (`livelint check | head`) ends the run quietly, with the exit code of the
/// findings: a closed pipe is no error of livelint's.
#[test]
fn a_reader_that_stops_early_is_no_error() {
    use std::io::Read;
    use std::process::{Command as Process, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("long.txt");
    // About 20 MB of JSON: far more than a pipe holds, so the report is still being written when it closes.
    std::fs::write(&script, "全网最低价，家人们快抢！\n".repeat(50_000)).unwrap();
    let mut child = Process::new(env!("CARGO_BIN_EXE_livelint"))
        .args(["check", "--format", "json"])
        .arg(&script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 64];
    let mut stdout = child.stdout.take().unwrap();
    stdout.read_exact(&mut head).unwrap();
    assert!(head.starts_with(b"{\"version\":1,\"findings\":["));
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn stdin_is_read_with_dash_and_named() {
    let out = livelint()
        .args(["check", "--format", "json", "--stdin-name", "live.txt", "-"])
        .write_stdin("国货ＮＯ．１，这是史上最好用的\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&v)[0]["path"], "live.txt");
    assert_eq!(spans(&v)[0], (1, 3, 7, "ＮＯ．１".to_string()));
}

#[test]
fn an_unreadable_file_is_reported_and_the_others_are_still_scanned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "这是最好的\n").unwrap();
    std::fs::write(dir.path().join("c.txt"), "最佳选择\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("missing"), dir.path().join("b.txt")).unwrap();
    std::fs::write(
        dir.path().join("d.txt"),
        b"abc \xff\xff\xff not text in any encoding \x80",
    )
    .unwrap();
    std::fs::write(dir.path().join("e.txt"), b"binary\0\x01\x02").unwrap();
    let (v, code) = json_of(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "an incomplete audit is an error");
    let matched: Vec<String> = spans(&v).into_iter().map(|s| s.3).collect();
    assert_eq!(matched, vec!["最好", "最佳"]);
    let errors = v["errors"].as_array().unwrap();
    let err_paths: Vec<&str> = errors.iter().map(|e| e["path"].as_str().unwrap()).collect();
    #[cfg(unix)]
    assert!(err_paths.iter().any(|p| p.ends_with("b.txt")), "{errors:?}");
    assert!(err_paths.iter().any(|p| p.ends_with("d.txt")), "{errors:?}");
    assert!(errors
        .iter()
        .all(|e| !e["message"].as_str().unwrap().is_empty()));
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0]["path"].as_str().unwrap().ends_with("e.txt"));
    assert_eq!(skipped[0]["reason"], "binary file");
}

#[test]
fn hidden_files_in_folders_are_skipped_but_named_ones_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".drafts")).unwrap();
    std::fs::write(dir.path().join(".drafts/a.txt"), "最好\n").unwrap();
    std::fs::write(dir.path().join(".b.txt"), "最好\n").unwrap();
    let (v, code) = json_of(&[dir.path().to_str().unwrap()]);
    assert_eq!((code, findings(&v).len()), (0, 0));
    let named = dir.path().join(".b.txt");
    let (v, code) = json_of(&[named.to_str().unwrap()]);
    assert_eq!((code, findings(&v).len()), (1, 1));
}

#[test]
fn a_malformed_rule_file_names_its_line_and_exits_2() {
    let out = livelint()
        .args([
            "check",
            "--rules",
            "fixtures/rules/broken-regex.yaml",
            "fixtures/scripts",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("fixtures/rules/broken-regex.yaml:12:"),
        "{err}"
    );
    assert!(err.contains("bad regex"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "no partial report with a broken pack"
    );

    let out = livelint()
        .args(["rules", "test", "fixtures/rules/unknown-field.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown-field.yaml:12:5:"), "{err}");
    assert!(err.contains("unknown field `unles`"), "{err}");
}

#[test]
fn a_big_user_pack_is_read_from_the_cache_while_its_text_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let words: Vec<String> = (0..1500).map(|i| format!("词语{i}")).collect();
    let pack = format!(
        "pack: big\nrules:\n  - id: low\n    title: t\n    category: fake-discount\n    severity: error\n    \
         law: [\"明码标价和禁止价格欺诈规定 第十九条\"]\n    message: m\n    help: h\n    match:\n      \
         keywords: [全网最低价, {}]\n    examples:\n      flag: [\"«全网最低价»\"]\n      pass: [\"价格\"]\n",
        words.join(", ")
    );
    let pack_path = dir.path().join("big.yaml");
    std::fs::write(&pack_path, &pack).unwrap();
    let script = dir.path().join("s.txt");
    std::fs::write(&script, "今天全网最低价，还有替换词\n").unwrap();
    let matched = |extra: &[&str], cache_dir: &Path| -> Vec<String> {
        let out = livelint()
            .env("LIVELINT_CACHE_DIR", cache_dir)
            .args(["check", "--format", "json", "--no-default-rules", "--rules"])
            .arg(&pack_path)
            .args(extra)
            .arg(&script)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        findings(&v)
            .iter()
            .map(|f| f["matched"].as_str().unwrap().to_string())
            .collect()
    };
    let entries = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&cache)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default()
    };
    assert_eq!(matched(&[], &cache), ["全网最低价"]);
    let kept = entries();
    assert_eq!(kept.len(), 1, "the first run keeps the parsed pack");
    // Change the keyword in the entry's JSON only, after its copy of the YAML: a run that uses the entry finds
    // the changed keyword, which shows the JSON is what it read.
    let entry = std::fs::read_to_string(&kept[0]).unwrap();
    let at = entry.rfind("全网最低价").unwrap();
    assert!(at > entry.find("全网最低价").unwrap());
    std::fs::write(
        &kept[0],
        format!(
            "{}替换词{}",
            &entry[..at],
            &entry[at + "全网最低价".len()..]
        ),
    )
    .unwrap();
    assert_eq!(matched(&[], &cache), ["替换词"]);
    // --no-cache, or an empty LIVELINT_CACHE_DIR, parses the YAML.
    assert_eq!(matched(&["--no-cache"], &cache), ["全网最低价"]);
    assert_eq!(matched(&[], Path::new("")), ["全网最低价"]);
    // An edited pack is another text: its YAML is parsed and kept beside the old entry.
    std::fs::write(&pack_path, format!("{pack}# edited\n")).unwrap();
    assert_eq!(matched(&[], &cache), ["全网最低价"]);
    assert_eq!(entries().len(), 2);
    assert_eq!(
        std::fs::read_to_string(&script).unwrap(),
        "今天全网最低价，还有替换词\n"
    );
}

#[test]
fn user_packs_add_to_or_replace_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s.txt");
    std::fs::write(&s, "比某某牌好用，这是最好的\n").unwrap();
    let s = s.to_str().unwrap();
    let (v, _) = json_of(&["--rules", "fixtures/rules/custom-pack.yaml", s]);
    let rules: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        vec![
            "my-team/no-competitor-names",
            "zh-ad-law/absolute-superlatives"
        ]
    );
    let (v, _) = json_of(&[
        "--no-default-rules",
        "--rules",
        "fixtures/rules/custom-pack.yaml",
        s,
    ]);
    assert_eq!(findings(&v).len(), 1);
    livelint()
        .args(["check", "--no-default-rules", s])
        .assert()
        .code(2);
}

#[test]
fn output_file_gets_the_report_and_inputs_are_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("s.txt");
    std::fs::write(&script, "最好\n").unwrap();
    let report = dir.path().join("report.json");
    livelint()
        .args(["check", "--format", "json", "--output"])
        .args([&report, &script])
        .assert()
        .code(1)
        .stdout("");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(findings(&v).len(), 1);
    // Refuses to overwrite an audited file.
    livelint()
        .args(["check", "--output"])
        .args([&script, &script])
        .assert()
        .code(2);
    assert_eq!(std::fs::read_to_string(&script).unwrap(), "最好\n");
}

#[test]
fn rules_list_explain_and_test() {
    let out = livelint().args(["rules", "list"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("zh-ad-law/absolute-superlatives"));
    assert!(text.contains("广告法 第九条第三项"));

    let out = livelint()
        .args(["rules", "explain", "zh-ad-law/absolute-superlatives"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("category: absolute-terms"), "{text}");
    assert!(text.contains("flag: 这是全网«最好»的面霜"), "{text}");
    livelint()
        .args(["rules", "explain", "no/such-rule"])
        .assert()
        .code(2);

    let out = livelint().args(["rules", "test"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains(" 0 failed"));
}

#[test]
fn rules_test_prints_a_failing_example_with_expected_and_actual_spans() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("p.yaml");
    let yaml = std::fs::read_to_string("fixtures/rules/custom-pack.yaml")
        .unwrap()
        .replace("比«某某牌»好用多了", "«比某某牌»好用多了");
    std::fs::write(&pack, yaml).unwrap();
    let out = livelint()
        .args(["rules", "test", pack.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL my-team/no-competitor-names"), "{text}");
    assert!(text.contains("expected: «比某某牌»好用多了"), "{text}");
    assert!(text.contains("actual:   比«某某牌»好用多了"), "{text}");
    assert!(text.contains("1 passed, 1 failed"), "{text}");
}

#[test]
fn human_report_underlines_cjk_and_shows_law_and_summary() {
    let out = livelint()
        .args(["check", "--no-timing", "fixtures/scripts/face-cream.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("human_face_cream", text);
    assert!(Path::new("fixtures/scripts/face-cream.txt").exists());
}

#[test]
fn human_report_for_the_fixture_folder() {
    let out = livelint()
        .args(["check", "--no-timing", "fixtures/scripts"])
        .output()
        .unwrap();
    insta::assert_snapshot!("human_scripts", String::from_utf8(out.stdout).unwrap());
}
