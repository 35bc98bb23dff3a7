//! Speed must not change what is found (issue 6): a big input split into many small chunks, scanned on one or
//! two threads, gives exactly the findings of one whole scan.

use std::sync::Arc;

use assert_cmd::Command;
use livelint::engine::{Engine, ScanContext};
use livelint::finding::Finding;
use livelint::rules::{PackSource, RuleSet};

/// Pieces of text that exercise every part of the matcher at chunk edges: keywords of the default packs,
/// context phrases (`unless.inside`, `unless.after`), separators and zero-width characters between Han
/// characters, traditional characters, full-width letters, long runs without any split point.
const PIECES: &[&str] = &[
    "家人们，",
    "这是全网最好的面霜。",
    "最 好",
    "最\u{200b}\u{200b}佳",
    "最好不要熬夜，",
    "不得使用最佳等用语",
    "國家級",
    "我们是行业第一品牌！",
    "ＮＯ．１",
    "Top1 ",
    "史上最强",
    "史上最强最强最强",
    "最近好多人问",
    "\n",
    "\n\n",
    "，",
    "。",
    "据统计回购率最高",
    "全网最低价",
    "最最最最最最最最最最最最",
    "好好好好好好好好好好好好好好好好好好好好好好好好好好好好好好好好",
    "\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}\u{200b}",
    "   ",
    "abc",
    "第一次来直播间",
];

/// At least `bytes` of text, each piece chosen by `pick` from the next number of a xorshift sequence.
fn generated(seed: u64, bytes: usize, pick: impl Fn(u64) -> &'static str) -> String {
    let mut x = seed;
    let mut s = String::with_capacity(bytes + 64);
    while s.len() < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push_str(pick(x));
    }
    s
}

fn corpus(seed: u64, bytes: usize) -> String {
    generated(seed, bytes, |x| PIECES[(x % PIECES.len() as u64) as usize])
}

const PACK: &str = r#"pack: eq
rules:
  - id: best
    title: best
    category: absolute-terms
    severity: error
    law: ["广告法 第九条第三项"]
    message: "{matched}"
    help: h
    match: { keywords: [最好, 最佳, 国家级, 最最, 好好好] }
    unless:
      inside: [最好不要]
      after: [不得, 不得使用]
      near: { any: [据统计], window: 6 }
    examples: { flag: ["«最好»"], pass: ["最好不要"] }
  - id: history
    title: history
    category: absolute-terms
    severity: error
    law: ["广告法 第九条第三项"]
    message: "{matched}"
    help: h
    match: { regex: ['史上最\p{Han}{1,3}', '最高', 'no\.1|top\s?1'] }
    unless: { near: { any: [据统计], window: 4 } }
    examples: { flag: ["«史上最强»"], pass: ["历史"] }
"#;

fn engine(pack: &str) -> Engine {
    let set = RuleSet::from_sources(&[PackSource {
        name: "eq.yaml".into(),
        text: pack.into(),
    }])
    .expect("pack compiles");
    Engine::new(Arc::new(set)).expect("engine builds")
}

fn shape(fs: &[Finding]) -> Vec<(String, usize, usize, usize, usize, String)> {
    fs.iter()
        .map(|f| {
            (
                f.rule.id.clone(),
                f.span.start,
                f.span.end,
                f.start.line,
                f.start.column,
                f.matched.clone(),
            )
        })
        .collect()
}

#[test]
fn tiny_chunks_find_what_one_whole_scan_finds() {
    let text = corpus(7, 200_000);
    let whole = engine(PACK).with_chunk_bytes(usize::MAX);
    let expected = whole.scan_text(&text, &ScanContext::default()).unwrap();
    assert!(expected.len() > 1000, "the corpus must produce findings");
    for chunk in [64, 300, 4096] {
        let chunked = engine(PACK).with_chunk_bytes(chunk);
        let got = chunked.scan_text(&text, &ScanContext::default()).unwrap();
        assert_eq!(shape(&got), shape(&expected), "chunk size {chunk}");
    }
}

#[test]
fn unbounded_regex_gives_the_same_findings_in_chunks() {
    let pack = PACK.replace(r"'最高'", r"'最高\p{Han}*'");
    // A match longer than the regex cap (`最高` and 2,000 Han characters) inside ordinary text.
    let text = corpus(11, 50_000) + "最高" + &"好".repeat(2000) + "。" + &corpus(12, 5_000);
    let whole = engine(&pack).with_chunk_bytes(usize::MAX);
    let chunked = engine(&pack).with_chunk_bytes(64);
    let ctx = ScanContext::default();
    let expected = whole.scan_text(&text, &ctx).unwrap();
    assert!(expected.iter().any(|f| f.matched.len() > 3000));
    assert_eq!(
        shape(&chunked.scan_text(&text, &ctx).unwrap()),
        shape(&expected)
    );
}

#[test]
fn regexes_that_test_the_text_ends_give_the_same_findings_in_chunks() {
    // In a chunk's window, the window's edges look like the ends of the text to `^` and `$`; what they match
    // there starts outside the chunk's core and must not be reported.
    let pack = PACK.replace(r"'最高'", r"'^最好|最好$', '(是|排)第一(的|名|$)'");
    let text = "最好".to_string()
        + &corpus(13, 30_000)
        + "我们是第一的，是第一名"
        + &corpus(14, 30_000)
        + "我们是第一";
    let ctx = ScanContext::default();
    let expected = engine(&pack)
        .with_chunk_bytes(usize::MAX)
        .scan_text(&text, &ctx)
        .unwrap();
    let history: Vec<&Finding> = expected
        .iter()
        .filter(|f| f.rule.id == "eq/history")
        .collect();
    assert!(
        history.iter().any(|f| f.span == (0..6)),
        "最好 at the start"
    );
    assert!(
        history
            .iter()
            .any(|f| f.span.end == text.len() && f.matched == "是第一"),
        "是第一 at the end"
    );
    // 最好 and 是第一 inside the text, which only a chunk edge could make match.
    let inside = |m: &str| {
        history
            .iter()
            .filter(|f| f.matched == m && f.span.start > 0 && f.span.end < text.len())
            .count()
    };
    assert_eq!(inside("最好"), 0);
    assert_eq!(inside("是第一"), 0);
    for chunk in [64, 300, 4096] {
        let got = engine(&pack)
            .with_chunk_bytes(chunk)
            .scan_text(&text, &ctx)
            .unwrap();
        assert_eq!(shape(&got), shape(&expected), "chunk size {chunk}");
    }
}

fn run(dir: &std::path::Path, extra: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("livelint")
        .unwrap()
        .arg("check")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    out.stdout
}

#[test]
fn cli_output_is_identical_for_chunks_and_jobs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.txt"), corpus(3, 600_000)).unwrap();
    for i in 0..6 {
        std::fs::write(
            dir.path().join(format!("s{i}.txt")),
            corpus(100 + i, 20_000),
        )
        .unwrap();
    }
    let whole = run(dir.path(), &["--chunk-bytes", "1000000000", "--jobs", "1"]);
    assert!(
        String::from_utf8_lossy(&whole).matches("\"rule\"").count() > 100,
        "the corpus must produce findings"
    );
    for extra in [
        ["--chunk-bytes", "1000000000", "--jobs", "2"],
        ["--chunk-bytes", "2000", "--jobs", "1"],
        ["--chunk-bytes", "2000", "--jobs", "2"],
        ["--chunk-bytes", "65536", "--jobs", "2"],
    ] {
        assert!(run(dir.path(), &extra) == whole, "{extra:?}");
    }
}

/// Commerce talk in which words that general text seldom holds (平台, 品牌, 直播间, 拍) are everywhere: the
/// counts of such text plan the default packs' gates differently from the table's rates.
const COMMERCE: &[&str] = &[
    "家人们，",
    "这个平台的品牌，",
    "直播间已经有3万人了！",
    "三二一，上链接！",
    "拍一发二，",
    "加微信领券，",
    "销量突破10万单，",
    "好评率百分之九十九，",
    "原价199今天只要99，",
    "这款面霜能治疗湿疹，",
    "全网最低价，",
    "国家级专供，",
    "只剩最后5单！",
    "点赞破10万，",
    "我们家都是源头工厂，",
    "\n",
];

fn commerce(seed: u64, bytes: usize) -> String {
    generated(seed, bytes, |x| {
        let pieces = if x % 3 == 0 { PIECES } else { COMMERCE };
        pieces[((x >> 8) % pieces.len() as u64) as usize]
    })
}

#[test]
fn gates_planned_by_the_inputs_own_counts_find_what_the_tables_plans_find() {
    let set = RuleSet::from_sources(&livelint::rules::pack::embedded()).expect("default packs");
    let engine = Engine::new(Arc::new(set)).expect("engine builds");
    let census = engine.census().expect("the default packs gate regexes");
    let mut texts: Vec<String> = (0..4).map(|i| commerce(20 + i, 40_000)).collect();
    for dir in ["fixtures/scripts", "fixtures/eval"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
    }
    // Counted on commerce talk, on the fixtures, and on nothing (the table's rates with the arm ratio of
    // observed ones).
    let counted = |ts: &[String]| {
        let mut counts = census.count("");
        for t in ts {
            counts.add(&census.count(t));
        }
        census.observed(&counts)
    };
    let variants = [counted(&texts[..1]), counted(&texts[4..]), counted(&[])];
    let ctx = ScanContext::default();
    let mut findings = 0;
    for observed in &variants {
        let replanned = engine.replanned(observed).expect("replans");
        for text in &texts {
            let want = engine.scan_text(text, &ctx).unwrap();
            findings += want.len();
            assert_eq!(
                shape(&replanned.scan_text(text, &ctx).unwrap()),
                shape(&want)
            );
        }
    }
    assert!(
        findings > 3000,
        "the texts must produce findings: {findings}"
    );
}
