//! Measured accuracy of the default packs on the labelled corpora in `fixtures/eval/`, and the `rules eval` and
//! `rules explain` commands on the real binary.

use std::sync::Arc;

use assert_cmd::Command;
use livelint::eval::{evaluate, parse_labelled, render_table, EvalReport};
use livelint::{Category, Engine, RuleSet};

const MIN_PRECISION: f64 = 0.95;
const MIN_RECALL: f64 = 0.90;

fn default_engine() -> Engine {
    let set = RuleSet::from_sources(&livelint::rules::pack::embedded()).unwrap();
    Engine::new(Arc::new(set)).unwrap()
}

fn score(path: &str) -> EvalReport {
    let src = std::fs::read_to_string(path).unwrap();
    let samples = parse_labelled(path, &src).unwrap();
    evaluate(&default_engine(), &samples).unwrap()
}

fn assert_thresholds(path: &str, report: &EvalReport) {
    let below = report.below(MIN_PRECISION, MIN_RECALL);
    assert!(
        below.is_empty(),
        "{path} below thresholds: {below:?}\n{}\n{}",
        render_table(report),
        livelint::eval::render_misses(report)
    );
}

#[test]
fn zh_corpus_meets_precision_and_recall_overall_and_per_category() {
    let path = "fixtures/eval/zh.tsv";
    let report = score(path);
    assert!(report.sentences >= 300, "{} sentences", report.sentences);
    // About half clean, half violations: a corpus of only violations cannot measure precision.
    assert!(
        report.clean * 3 >= report.sentences,
        "{} clean",
        report.clean
    );
    for (c, n) in &report.categories {
        assert!(
            n.tp + n.fn_ >= 15,
            "{c}: only {} labelled sentences",
            n.tp + n.fn_
        );
    }
    assert_thresholds(path, &report);
}

#[test]
fn en_corpus_meets_precision_and_recall_overall_and_per_category() {
    let path = "fixtures/eval/en.tsv";
    let report = score(path);
    assert!(report.sentences >= 80, "{} sentences", report.sentences);
    assert!(
        report.clean * 3 >= report.sentences,
        "{} clean",
        report.clean
    );
    for c in [
        Category::ExaggeratedEfficacy,
        Category::FakeDiscount,
        Category::FakeData,
        Category::MisleadingClaims,
    ] {
        let n = report.categories.iter().find(|(k, _)| *k == c).unwrap().1;
        assert!(
            n.tp + n.fn_ >= 8,
            "{c}: only {} labelled sentences",
            n.tp + n.fn_
        );
    }
    assert_thresholds(path, &report);
}

/// The held-out corpora were written after the packs and never used to change a rule, so their figures are the
/// honest estimate on new text (zh 0.968 / 0.860, en 0.955 / 0.875 at the time of writing). This guard only catches a
/// regression; raising a rule's recall by reading these files would make the estimate worthless.
#[test]
fn held_out_corpora_do_not_regress() {
    for (path, min_p, min_r) in [
        ("fixtures/eval/zh-unseen.tsv", 0.93, 0.82),
        ("fixtures/eval/en-unseen.tsv", 0.90, 0.80),
    ] {
        let report = score(path);
        assert!(
            report.sentences >= 40,
            "{path}: {} sentences",
            report.sentences
        );
        let n = report.overall;
        assert!(
            n.precision() >= min_p && n.recall() >= min_r,
            "{path}: precision {:.3} recall {:.3}\n{}",
            n.precision(),
            n.recall(),
            render_table(&report)
        );
    }
}

fn livelint() -> Command {
    Command::cargo_bin("livelint").unwrap()
}

#[test]
fn rules_eval_prints_the_table_and_passes_on_the_corpus() {
    let out = livelint()
        .args(["rules", "eval", "fixtures/eval/zh.tsv"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for c in Category::ALL {
        assert!(stdout.contains(c.as_str()), "{stdout}");
    }
    assert!(stdout.contains("precision"));
    assert!(stdout.lines().last().unwrap().starts_with("overall"));
}

#[test]
fn rules_eval_exits_1_below_thresholds_and_lists_misses() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.tsv");
    std::fs::write(
        &path,
        "absolute-terms\t这是全网最好的面霜\nfake-data\t这件衣服颜色很正\nclean\t最近好多家人们问\n",
    )
    .unwrap();
    let out = livelint()
        .args(["rules", "eval", "--misses"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FN line 2: [fake-data] 这件衣服颜色很正"),
        "{stdout}"
    );
    assert!(
        stdout.contains("below threshold: fake-data: recall 0.000"),
        "{stdout}"
    );
    // The same file passes when the user lowers the bar.
    livelint()
        .args(["rules", "eval", "--min-recall", "0"])
        .arg(&path)
        .assert()
        .code(0);
}

#[test]
fn rules_eval_rejects_a_malformed_corpus_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.tsv");
    std::fs::write(&path, "clean\t最近\nabsolute\t最好\n").unwrap();
    let out = livelint()
        .args(["rules", "eval"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("bad.tsv:2"), "{stderr}");
    assert!(stderr.contains("unknown label `absolute`"), "{stderr}");
}

#[test]
fn rules_explain_prints_law_help_and_examples() {
    let out = livelint()
        .args(["rules", "explain", "zh-price/lowest-price-claims"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("category: fake-discount"), "{stdout}");
    assert!(stdout.contains("severity: error"), "{stdout}");
    assert!(
        stdout.contains("明码标价和禁止价格欺诈规定 第十九条第三项"),
        "{stdout}"
    );
    assert!(stdout.contains("flag: 今天直播间«全网最低价»"), "{stdout}");
    assert!(stdout.contains("pass: 不得虚构“全网最低价”"), "{stdout}");
}

#[test]
fn every_default_pack_rule_cites_a_law_and_has_examples() {
    let set = RuleSet::from_sources(&livelint::rules::pack::embedded()).unwrap();
    let packs: Vec<&str> = set.packs.iter().map(|p| p.id.as_str()).collect();
    for p in [
        "zh-ad-law",
        "zh-efficacy",
        "zh-price",
        "zh-credentials",
        "zh-fake-data",
        "zh-off-platform",
        "zh-misleading",
        "en-health",
        "en-price",
        "en-reviews",
        "en-claims",
        "en-off-platform",
    ] {
        assert!(packs.contains(&p), "missing pack {p}: {packs:?}");
    }
    for c in Category::ALL {
        assert!(
            set.rules.iter().any(|r| r.meta.category == c),
            "no rule for {c}"
        );
    }
    let run = livelint::examples::run_examples(&default_engine());
    assert!(run.failures.is_empty(), "{:?}", run.failures);
}
