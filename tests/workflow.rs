//! The workflow through the real binary and a real `git` in temporary repositories: the pre-commit hook,
//! `check --staged`, the project config, inline suppressions and baselines.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};

use assert_cmd::Command;
use tempfile::TempDir;

const BAD: &str = "家人们晚上好\n这是全网最好的面霜\n";
const CLEAN: &str = "家人们晚上好\n这款面霜很滋润\n";

/// A git command isolated from the machine's global and system config (a global core.hooksPath would hide
/// the hook under test).
fn git_cmd(dir: &Path, home: &Path) -> Process {
    let mut c = Process::new("git");
    c.current_dir(dir)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE");
    c
}

struct Repo {
    _tmp: TempDir,
    home: PathBuf,
    dir: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let tmp = TempDir::new().unwrap();
        let home = tmp.path().join("home");
        let dir = tmp.path().join("repo");
        fs::create_dir_all(&home).unwrap();
        fs::create_dir_all(&dir).unwrap();
        fs::write(home.join("gitconfig"), "").unwrap();
        let r = Repo {
            _tmp: tmp,
            home,
            dir,
        };
        r.git_ok(&["init", "-q", "-b", "main"]);
        r.git_ok(&["config", "commit.gpgsign", "false"]);
        r
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> Output {
        git_cmd(dir, &self.home).args(args).output().unwrap()
    }

    fn git(&self, args: &[&str]) -> Output {
        self.git_in(&self.dir, args)
    }

    fn git_ok(&self, args: &[&str]) -> String {
        let out = self.git(args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn livelint_in(&self, dir: &Path) -> Command {
        let mut c = Command::cargo_bin("livelint").unwrap();
        c.current_dir(dir)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.join("gitconfig"))
            .env("NO_COLOR", "1");
        c
    }

    fn livelint(&self) -> Command {
        self.livelint_in(&self.dir)
    }

    /// Commits what is staged; returns (success, everything git and the hook printed).
    fn commit_in(&self, dir: &Path, msg: &str) -> (bool, String) {
        let out = self.git_in(dir, &["commit", "-q", "-m", msg]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn commit(&self, msg: &str) -> (bool, String) {
        self.commit_in(&self.dir, msg)
    }

    fn commits(&self) -> usize {
        let out = self.git(&["rev-list", "--count", "HEAD"]);
        if !out.status.success() {
            return 0;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(out), stderr(out)))
}

fn rules_of(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn hook_refuses_a_violating_commit_and_lets_a_clean_one_through() {
    let r = Repo::new();
    let out = r.livelint().args(["hook", "install"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let hook = r.dir.join(".git/hooks/pre-commit");
    assert!(fs::read_to_string(&hook)
        .unwrap()
        .contains("# livelint-hook: pre-commit v1"));

    r.write("scripts/bad.txt", BAD);
    r.git_ok(&["add", "."]);
    let (ok, text) = r.commit("bad");
    assert!(!ok, "a violating commit went through: {text}");
    assert!(
        text.contains("zh-ad-law/absolute-superlatives") && text.contains("scripts/bad.txt:2:5"),
        "diagnostics not shown: {text}"
    );
    assert_eq!(r.commits(), 0);

    r.write("scripts/bad.txt", CLEAN);
    r.git_ok(&["add", "."]);
    let (ok, text) = r.commit("clean");
    assert!(ok, "a clean commit was refused: {text}");
    assert_eq!(r.commits(), 1);
}

#[test]
fn the_staged_side_is_judged_not_the_working_tree() {
    let r = Repo::new();
    r.livelint().args(["hook", "install"]).assert().success();

    // Violation staged, fixed only on disk: still refused.
    r.write("a.txt", BAD);
    r.git_ok(&["add", "a.txt"]);
    r.write("a.txt", CLEAN);
    let (ok, text) = r.commit("staged violation");
    assert!(!ok, "an unstaged fix hid a staged violation: {text}");
    assert!(text.contains("最好"), "{text}");
    // livelint never writes to what it audits.
    assert_eq!(fs::read_to_string(r.dir.join("a.txt")).unwrap(), CLEAN);

    // Clean staged, violation only on disk: goes through.
    r.git_ok(&["add", "a.txt"]);
    r.write("a.txt", BAD);
    let (ok, text) = r.commit("clean staged");
    assert!(ok, "an unstaged violation stopped a clean commit: {text}");
    assert_eq!(fs::read_to_string(r.dir.join("a.txt")).unwrap(), BAD);

    // The same through `check --staged` directly, with JSON paths relative to the repository top.
    r.write("sub/b 脚本.md", BAD);
    r.git_ok(&["add", "sub"]);
    let out = r
        .livelint_in(&r.dir.join("sub"))
        .args(["check", "--staged", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["findings"][0]["path"], "sub/b 脚本.md");
    assert_eq!(v["summary"]["files"], 1, "only staged files are audited");
}

#[test]
fn commit_all_and_partial_commits_are_judged_on_what_they_commit() {
    let r = Repo::new();
    r.write("a.txt", CLEAN);
    r.write("b.txt", CLEAN);
    r.git_ok(&["add", "."]);
    r.git_ok(&["commit", "-q", "-m", "init"]);
    r.livelint().args(["hook", "install"]).assert().success();
    // `commit -a` stages the working tree for the hook (git hands it a temporary index).
    r.write("a.txt", BAD);
    let out = r.git(&["commit", "-q", "-a", "-m", "all"]);
    assert!(
        !out.status.success(),
        "commit -a of a violation went through"
    );
    // A partial commit of a clean file passes although another file on disk is bad.
    r.write("b.txt", "家人们晚上好\n今天天气不错\n");
    let out = r.git(&["commit", "-q", "-m", "only b", "--", "b.txt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = r.git(&["commit", "-q", "-m", "only a", "--", "a.txt"]);
    assert!(
        !out.status.success(),
        "partial commit of a violation went through"
    );
    assert_eq!(r.commits(), 2);
}

#[test]
fn staged_deletions_and_unknown_kinds_are_not_audited() {
    let r = Repo::new();
    r.write("a.txt", CLEAN);
    r.git_ok(&["add", "."]);
    r.git_ok(&["commit", "-q", "-m", "init"]);
    r.git_ok(&["rm", "-q", "a.txt"]);
    r.write("main.rs", "// 全网最好\n");
    r.git_ok(&["add", "main.rs"]);
    let out = r
        .livelint()
        .args(["check", "--staged", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["summary"]["files"], 0);
}

#[test]
fn install_refuses_a_foreign_hook_without_force_and_uninstall_restores_it() {
    let r = Repo::new();
    let hook = r.dir.join(".git/hooks/pre-commit");
    fs::create_dir_all(hook.parent().unwrap()).unwrap();
    let foreign = "#!/bin/sh\necho other hook\n";
    fs::write(&hook, foreign).unwrap();

    let out = r.livelint().args(["hook", "install"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&hook).unwrap(), foreign);

    let out = r.livelint().args(["hook", "uninstall"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "uninstall removed a foreign hook"
    );
    assert_eq!(fs::read_to_string(&hook).unwrap(), foreign);

    r.livelint()
        .args(["hook", "install", "--force"])
        .assert()
        .success();
    assert!(fs::read_to_string(&hook).unwrap().contains("livelint-hook"));
    assert_eq!(
        fs::read_to_string(r.dir.join(".git/hooks/pre-commit.livelint-backup")).unwrap(),
        foreign
    );
    // Re-installing over our own hook needs no --force.
    r.livelint().args(["hook", "install"]).assert().success();

    r.livelint().args(["hook", "uninstall"]).assert().success();
    assert_eq!(fs::read_to_string(&hook).unwrap(), foreign);
}

#[test]
fn works_with_core_hooks_path() {
    let r = Repo::new();
    r.git_ok(&["config", "core.hooksPath", ".githooks"]);
    r.livelint().args(["hook", "install"]).assert().success();
    assert!(r.dir.join(".githooks/pre-commit").is_file());
    assert!(!r.dir.join(".git/hooks/pre-commit").exists());
    r.write("a.txt", BAD);
    r.git_ok(&["add", "a.txt"]);
    let (ok, text) = r.commit("bad");
    assert!(!ok, "hook under core.hooksPath did not run: {text}");
    r.livelint().args(["hook", "uninstall"]).assert().success();
    assert!(!r.dir.join(".githooks/pre-commit").exists());
    let (ok, text) = r.commit("bad, no hook");
    assert!(ok, "{text}");
}

#[test]
fn works_in_a_linked_worktree() {
    let r = Repo::new();
    r.write("a.txt", CLEAN);
    r.git_ok(&["add", "."]);
    r.git_ok(&["commit", "-q", "-m", "init"]);
    let wt = r.dir.parent().unwrap().join("wt");
    r.git_ok(&["worktree", "add", "-q", wt.to_str().unwrap(), "-b", "side"]);
    r.livelint_in(&wt)
        .args(["hook", "install"])
        .assert()
        .success();
    fs::write(wt.join("b.txt"), BAD).unwrap();
    assert!(r.git_in(&wt, &["add", "b.txt"]).status.success());
    let (ok, text) = r.commit_in(&wt, "bad in worktree");
    assert!(!ok, "{text}");
    assert!(text.contains("b.txt:2:5"), "{text}");
}

#[test]
fn config_excludes_apply_to_files_named_explicitly_and_to_staged_files() {
    let r = Repo::new();
    r.write(".livelint.yaml", "exclude: [drafts]\n");
    r.write("drafts/a.txt", BAD);
    r.write("b.txt", BAD);
    // pre-commit passes files by name: the exclude still holds.
    let out = r
        .livelint()
        .args(["check", "drafts/a.txt", "b.txt", "--format", "json"])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["summary"]["files"], 1, "{v}");
    assert_eq!(v["findings"][0]["path"], "b.txt");
    let out = r
        .livelint()
        .args([
            "check",
            "drafts/a.txt",
            "--force-exclude=false",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(json(&out)["summary"]["files"], 1);
    // A folder walk from a subfolder finds the config upward.
    let out = r
        .livelint_in(&r.dir.join("drafts"))
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(json(&out)["summary"]["files"], 0);
    // The hook obeys it too.
    r.git_ok(&["add", "drafts", ".livelint.yaml"]);
    let out = r
        .livelint()
        .args(["check", "--staged", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // --no-config audits everything.
    let out = r
        .livelint()
        .args(["check", "drafts/a.txt", "--no-config", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(json(&out)["summary"]["findings"], 1);
}

#[test]
fn config_overrides_disables_and_allowed_names_flow_into_findings() {
    let r = Repo::new();
    r.write(
        ".livelint.yaml",
        "severity:\n  zh-ad-law/absolute-superlatives: warning\n\
         disable: [zh-ad-law/absolute-first-only]\n\
         allow-names: [至尊宝]\n",
    );
    r.write(
        "a.txt",
        "这是全网最好的面霜\n全网第一\n至尊宝奶茶好喝\n顶级享受\n",
    );
    let out = r
        .livelint()
        .args(["check", "a.txt", "--format", "json"])
        .output()
        .unwrap();
    let v = json(&out);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(
        rules_of(&v),
        vec![
            "zh-ad-law/absolute-superlatives",
            "zh-ad-law/absolute-grade"
        ],
        "{v}"
    );
    assert_eq!(f[0]["severity"], "warning");
    assert_eq!(f[1]["matched"], "顶级");
    assert_eq!(out.status.code(), Some(1), "顶级 is still an error");
    // fail-on from the config, overridden by the flag.
    r.write("a.txt", "最好\n");
    r.write(
        ".livelint.yaml",
        "fail-on: info\nseverity:\n  zh-ad-law/absolute-superlatives: info\n",
    );
    r.livelint().args(["check", "a.txt"]).assert().code(1);
    r.livelint()
        .args(["check", "a.txt", "--fail-on", "error"])
        .assert()
        .code(0);
    // Packs off.
    r.write(".livelint.yaml", "packs:\n  zh-ad-law: false\n");
    let out = r
        .livelint()
        .args(["check", "a.txt", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(json(&out)["summary"]["findings"], 0);
}

const TEAM_PACK: &str = r#"pack: team
rules:
  - id: miracle
    title: 神奇功效
    category: exaggerated-efficacy
    severity: warning
    law: ["广告法 第二十八条"]
    message: "「{matched}」"
    help: 删掉
    match: { keywords: [神奇] }
    examples: { flag: ["«神奇»面霜"], pass: ["普通面霜"] }
"#;

#[test]
fn config_rule_folders_are_relative_to_the_config_file() {
    let r = Repo::new();
    r.write(
        "team/.livelint.yaml",
        "rules: [packs]\nallow-names: [神奇宝贝]\n",
    );
    r.write("team/packs/team.yaml", TEAM_PACK);
    r.write("team/scripts/a.txt", "神奇面霜\n神奇宝贝卡片\n");
    let out = r
        .livelint_in(&r.dir.join("team/scripts"))
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(rules_of(&v), vec!["team/miracle"], "{v}");
    assert_eq!(v["findings"][0]["line"], 1);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a warning does not fail by default"
    );
}

#[test]
fn config_errors_point_at_the_line() {
    let r = Repo::new();
    r.write(".livelint.yaml", "fail-on: error\nexlude: [a]\n");
    let out = r.livelint().args(["check", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains(".livelint.yaml:2:1") && e.contains("unknown field `exlude`"),
        "{e}"
    );
    r.write(
        ".livelint.yaml",
        "severity:\n  zh-ad-law/no-such-rule: info\n",
    );
    let out = r.livelint().args(["check", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains(".livelint.yaml:2:3") && e.contains("unknown rule"),
        "{e}"
    );
    r.write(".livelint.yaml", "packs:\n  zh-ad-lw: false\n");
    let e = stderr(&r.livelint().args(["check", "."]).output().unwrap());
    assert!(e.contains(":2:3") && e.contains("unknown pack"), "{e}");
    // --config names a file anywhere.
    r.write(
        "conf/other.yaml",
        "disable: [zh-ad-law/absolute-superlatives]\n",
    );
    r.write("a.txt", "最好\n");
    let out = r
        .livelint()
        .args(["check", "a.txt", "--config", "conf/other.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn init_writes_a_starter_that_parses_and_never_overwrites() {
    let r = Repo::new();
    r.livelint().arg("init").assert().success();
    let text = fs::read_to_string(r.dir.join(".livelint.yaml")).unwrap();
    assert!(text.contains("# allow-names"));
    r.write("a.txt", BAD);
    r.livelint().args(["check", "a.txt"]).assert().code(1);
    fs::write(r.dir.join(".livelint.yaml"), "fail-on: info\n").unwrap();
    r.livelint().arg("init").assert().code(2);
    assert_eq!(
        fs::read_to_string(r.dir.join(".livelint.yaml")).unwrap(),
        "fail-on: info\n"
    );
}

#[test]
fn suppressions_work_in_markdown_and_plain_text() {
    let r = Repo::new();
    r.write(
        "a.md",
        "# 口播稿\n\n\
         - 第一条\n  <!-- livelint: allow zh-ad-law/absolute-superlatives reason=\"引用禁用词清单\" -->\n  - 禁用：最好\n\n\
         <!--\nlivelint: allow zh-ad-law/absolute-grade reason=\"地名\"\n-->\n\n顶级山庄\n\n\
         <!-- livelint: allow zh-ad-law/absolute-grade -->\n顶级\n\n\
         <!-- livelint: allow zh-ad-law/absolute-superlatives reason=\"旧的\" -->\n没有问题\n",
    );
    r.write(
        "b.txt",
        "livelint: allow zh-ad-law/absolute-superlatives reason=\"品牌口号「最好」\"\n这是最好的\n最佳\n",
    );
    let out = r
        .livelint()
        .args(["check", "a.md", "b.txt", "--format", "json"])
        .output()
        .unwrap();
    let v = json(&out);
    let got: Vec<(String, String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("a.md", "livelint/suppression-without-reason", 13),
        ("a.md", "zh-ad-law/absolute-grade", 14),
        ("a.md", "livelint/unused-suppression", 16),
        ("b.txt", "zh-ad-law/absolute-superlatives", 3),
    ];
    let want: Vec<(String, String, u64)> = want
        .iter()
        .map(|(p, r, l)| (p.to_string(), r.to_string(), *l))
        .collect();
    assert_eq!(got, want, "{v}");
    let unused = &v["findings"][2];
    assert_eq!(unused["severity"], "warning");
    assert_eq!(unused["category"], "suppression");
    // Built-in rules can be disabled in the config like any rule.
    r.write(".livelint.yaml", "disable: [livelint/unused-suppression]\n");
    let out = r
        .livelint()
        .args(["check", "a.md", "--format", "json"])
        .output()
        .unwrap();
    assert!(!rules_of(&json(&out)).contains(&"livelint/unused-suppression".to_string()));
}

#[test]
fn baseline_survives_moved_lines_and_still_reports_new_violations() {
    let r = Repo::new();
    r.write("a.txt", "这是全网最好的面霜\n顶级享受\n最好\n最好\n");
    let out = r
        .livelint()
        .args(["check", "a.txt", "--write-baseline", "base/bl.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = fs::read_to_string(r.dir.join("base/bl.json")).unwrap();
    let b: serde_json::Value = serde_json::from_str(&written).unwrap();
    let entries = b["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0]["path"], "../a.txt");
    let keys: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{}\t{}\t{}\t{:09}",
                e["path"], e["rule"], e["fingerprint"], e["occurrence"]
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "entries are sorted");
    // No temporary files are left beside the baseline.
    assert_eq!(fs::read_dir(r.dir.join("base")).unwrap().count(), 1);
    // Writing it again gives the same bytes.
    r.livelint()
        .args(["check", "a.txt", "--write-baseline", "base/bl.json"])
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(r.dir.join("base/bl.json")).unwrap(),
        written
    );

    // Lines move, one accepted finding is fixed, one new violation is written on an accepted line.
    r.write(
        "a.txt",
        "开场白\n\n这是全网最好的面霜，也是最佳选择\n最好\n最好\n最好\n",
    );
    let out = r
        .livelint()
        .args([
            "check",
            "a.txt",
            "--baseline",
            "base/bl.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v = json(&out);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2, "{v}");
    assert_eq!(
        (f[0]["matched"].as_str(), f[0]["line"].as_u64()),
        (Some("最佳"), Some(3))
    );
    assert_eq!(
        (f[1]["matched"].as_str(), f[1]["line"].as_u64()),
        (Some("最好"), Some(6))
    );
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(
        e.contains("baseline entry matches nothing") && e.contains("«顶级»享受"),
        "{e}"
    );
    // From another folder, the same baseline still applies (paths are relative to the baseline file).
    let out = r
        .livelint_in(&r.dir.join("base"))
        .args([
            "check",
            "../a.txt",
            "--baseline",
            "bl.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(json(&out)["summary"]["findings"], 2);
    // A baseline path in the config is relative to the config file.
    r.write(".livelint.yaml", "baseline: base/bl.json\n");
    let out = r
        .livelint()
        .args(["check", "a.txt", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(json(&out)["summary"]["findings"], 2);
}

#[test]
fn parallel_baseline_writers_never_leave_a_broken_file() {
    let r = Repo::new();
    r.write("a.txt", BAD);
    let children: Vec<_> = (0..6)
        .map(|_| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("livelint"))
                .current_dir(&r.dir)
                .args(["check", "a.txt", "--write-baseline", "bl.json"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let b: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(r.dir.join("bl.json")).unwrap()).unwrap();
    assert_eq!(b["entries"].as_array().unwrap().len(), 1);
    let leftovers: Vec<_> = fs::read_dir(&r.dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn pre_commit_framework_manifest_is_well_formed() {
    let text =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"))
            .unwrap();
    let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let hook = &v[0];
    assert_eq!(hook["id"].as_str(), Some("livelint"));
    assert_eq!(hook["language"].as_str(), Some("rust"));
    assert_eq!(hook["entry"].as_str(), Some("livelint check"));
    assert_eq!(hook["types"][0].as_str(), Some("text"));
}

#[test]
fn snapshot_of_a_config_error() {
    let r = Repo::new();
    r.write(
        ".livelint.yaml",
        "# team settings\nfail-on: error\nexlude: [drafts]\n",
    );
    let out = r.livelint().args(["check", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out));
}

#[test]
fn snapshot_of_suppression_diagnostics() {
    let r = Repo::new();
    r.write(
        "a.md",
        "<!-- livelint: allow zh-ad-law/absolute-grade -->\n顶级享受\n\n\
         <!-- livelint: allow zh-ad-law/absolute-superlatives reason=\"旧稿\" -->\n今天很开心\n",
    );
    let out = r
        .livelint()
        .args(["check", "a.md", "--no-timing", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}
