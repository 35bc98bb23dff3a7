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
