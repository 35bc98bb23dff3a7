//! The live stream through the real binary: a finding must come out while stdin is still open.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(20);

struct Live {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Live {
    fn start(args: &[&str]) -> Live {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("livelint"))
            .args(args)
            .arg("--no-config")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Live {
            child,
            stdin,
            lines,
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// The next output line, failing (never hanging) after the timeout.
    fn next(&self) -> String {
        self.lines
            .recv_timeout(TIMEOUT)
            .expect("no output line within the timeout: the stream is not flushed per finding")
    }

    /// Closes stdin and collects the rest of the output and the exit code.
    fn finish(mut self) -> (Vec<String>, Option<i32>) {
        drop(self.stdin.take());
        let mut rest = Vec::new();
        while let Ok(l) = self.lines.recv_timeout(TIMEOUT) {
            rest.push(l);
        }
        let code = self.child.wait().unwrap().code();
        (rest, code)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn watch_prints_each_finding_before_stdin_closes() {
    let mut live = Live::start(&["watch", "-"]);
    live.send("家人们晚上好");
    live.send("这是全网最好的面霜");
    let first = live.next();
    assert_eq!(
        first,
        "<stdin>:2:5: error[zh-ad-law/absolute-superlatives]: 绝对化用语「最好」"
    );
    // A phrase split across two recogniser lines is found once, when its second half arrives.
    live.send("我们的品质是顶");
    live.send("级的");
    let second = live.next();
    assert!(
        second.starts_with("<stdin>:3:7: error[zh-ad-law/absolute-grade]"),
        "{second}"
    );
    live.send("最近好多人问");
    let (rest, code) = live.finish();
    assert_eq!(
        rest,
        vec!["✖ 2 findings (2 errors, 0 warnings, 0 info) in 5 lines".to_string()]
    );
    assert_eq!(code, Some(1));
}

#[test]
fn check_stream_emits_json_lines_with_segment_times() {
    let mut live = Live::start(&["check", "--stream", "-", "--format", "json"]);
    live.send(r#"{"start": 723.4, "end": 725.1, "text": "这是全网最好的"}"#);
    let v: serde_json::Value = serde_json::from_str(&live.next()).unwrap();
    assert_eq!(v["type"], "finding");
    assert_eq!(v["rule"], "zh-ad-law/absolute-superlatives");
    assert_eq!(v["matched"], "最好");
    assert_eq!(v["time"]["start"], "00:12:03.400");
    assert_eq!(v["time"]["end"], "00:12:05.100");
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(1), Some(5))
    );
    live.send(r#"{"start": 726.0, "end": 727.0, "text": "今天不错"}"#);
    let (rest, code) = live.finish();
    assert_eq!(rest.len(), 1, "{rest:?}");
    let s: serde_json::Value = serde_json::from_str(&rest[0]).unwrap();
    assert_eq!(s["type"], "summary");
    assert_eq!(s["lines"], 2);
    assert_eq!(s["findings"], 1);
    assert_eq!(code, Some(1));
}

#[test]
fn a_clean_stream_prints_only_the_summary() {
    let mut live = Live::start(&["watch", "-", "--format", "jsonl"]);
    live.send("最近好多家人们问");
    let (rest, code) = live.finish();
    assert_eq!(
        rest,
        vec![
            r#"{"type":"summary","lines":1,"findings":0,"by_severity":{"error":0,"warning":0,"info":0}}"#
                .to_string()
        ]
    );
    assert_eq!(code, Some(0));
}

/// The stream finds what a whole-file check finds: nothing missed at line breaks, nothing printed twice.
#[test]
fn stream_and_whole_file_check_agree() {
    let pieces = [
        "家人们晚上好今天给大家带来一款面霜",
        "这是全网最",
        "好的面霜真的",
        "最近好多人问我这个价格",
        "顶级享受限时优惠",
        "不得说最好",
        "史上最",
        "强的产品",
        "我们是首",
        "家做这个的",
    ];
    let mut seed: u64 = 7;
    let mut text = String::new();
    for _ in 0..400 {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
        text.push('\n');
    }
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("asr.txt");
    std::fs::write(&path, &text).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(assert_cmd::cargo::cargo_bin("livelint"))
            .args(args)
            .arg(&path)
            // Fixed rules: this compares the stream with a whole-file check, not the default packs.
            .args([
                "--no-config",
                "--no-default-rules",
                "--rules",
                "tests/data/zh-ad-law-frozen.yaml",
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let key = |f: &serde_json::Value| {
        (
            f["rule"].as_str().unwrap().to_string(),
            f["line"].as_u64().unwrap(),
            f["column"].as_u64().unwrap(),
            f["end_line"].as_u64().unwrap(),
            f["end_column"].as_u64().unwrap(),
        )
    };
    let batch: serde_json::Value =
        serde_json::from_str(&run(&["check", "--format", "json"])).unwrap();
    let mut want: Vec<_> = batch["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect();
    let mut got: Vec<_> = run(&["watch", "--format", "jsonl"])
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "finding")
        .map(|v| key(&v))
        .collect();
    want.sort();
    got.sort();
    assert!(
        want.len() > 50,
        "the sample has findings across line breaks"
    );
    assert!(
        want.iter().any(|k| k.1 != k.3),
        "some findings span two lines"
    );
    assert_eq!(got, want);
}
