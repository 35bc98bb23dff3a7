//! Throughput of the matcher's stages on Chinese live-commerce text (issue 6): normalization, the keyword
//! pass (the rules' phrases alone, and with the regexes' literals as the engine scans them), the regex pass, a
//! whole scan with the default packs, and building the engine.
//!
//! `cargo bench` runs them; `cargo bench --no-run` only compiles them. The text is `benches/data/script.txt`
//! (16 KB from the benchmark corpus generator), repeated to 1 MiB in memory.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use livelint::engine::keywords::KeywordIndex;
use livelint::engine::regexes::RegexIndex;
use livelint::engine::{Engine, ScanContext};
use livelint::normalize::normalize;
use livelint::rules::{pack, RuleSet};

const SCRIPT: &str = include_str!("data/script.txt");

const REGEX_PACK: &str = r#"pack: bench-regex
rules:
  - id: patterns
    title: regex patterns
    category: fake-discount
    severity: warning
    law: ["benchmark"]
    message: "{matched}"
    help: h
    match:
      regex: ['史上最\p{Han}{1,3}', '(?:原价|划线价)\s?\d{2,5}', 'top\s?\d{1,2}', '\d{1,3}%\s?(?:有效|治愈|好评)']
    examples: { flag: ["«史上最强»"], pass: ["历史"] }
"#;

fn text_1mib() -> String {
    let mut s = String::with_capacity((1 << 20) + SCRIPT.len());
    while s.len() < 1 << 20 {
        s.push_str(SCRIPT);
    }
    s
}

fn default_rules() -> Arc<RuleSet> {
    Arc::new(RuleSet::from_sources(&pack::embedded()).expect("default packs compile"))
}

fn stages(c: &mut Criterion) {
    let text = text_1mib();
    let rules = default_rules();
    let active = vec![true; rules.rules.len()];
    let norm = normalize(&text).text;

    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("normalize", |b| b.iter(|| normalize(black_box(&text))));

    let keywords = KeywordIndex::new(&rules.rules).expect("keywords build");
    let mut hits = Vec::new();
    g.bench_function("keyword scan", |b| {
        b.iter(|| {
            hits.clear();
            keywords.scan(black_box(&norm), &active, &mut hits);
            hits.len()
        })
    });

    // The pass as the engine makes it: the default packs' phrases and the literals that gate their regexes. The
    // literals are common words (已经, 直播间, 万), and on the benchmark tree they made the walk take about 40%
    // longer per character than the phrases alone.
    let gated = RegexIndex::new(&rules.rules).expect("default regexes parse");
    let with_literals =
        KeywordIndex::with_literals(&rules.rules, gated.literals()).expect("keywords build");
    let (mut literals, mut context) = (Vec::new(), Vec::new());
    g.bench_function("keyword scan, with regex literals", |b| {
        b.iter(|| {
            hits.clear();
            literals.clear();
            context.clear();
            with_literals.scan_with_literals(
                black_box(&norm),
                &active,
                &mut hits,
                &mut literals,
                &mut context,
            );
            hits.len() + literals.len()
        })
    });

    // Regexes of the kind the packs use, so the pass is measured whether or not the default packs have any.
    let regex_rules = RuleSet::from_sources(&[pack::PackSource {
        name: "bench-regex.yaml".into(),
        text: REGEX_PACK.into(),
    }])
    .expect("regex pack compiles");
    let regex_active = vec![true; regex_rules.rules.len()];
    let regexes = RegexIndex::new(&regex_rules.rules).expect("regexes parse");
    g.bench_function("regex scan", |b| {
        b.iter(|| {
            hits.clear();
            regexes
                .scan(black_box(&norm), &regex_active, &mut hits)
                .expect("regex scan");
            hits.len()
        })
    });

    let engine = Engine::new(Arc::clone(&rules)).expect("engine builds");
    let ctx = ScanContext::default();
    g.bench_function("whole document, default packs", |b| {
        b.iter(|| {
            engine
                .scan_text(black_box(&text), &ctx)
                .expect("scan")
                .len()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("start-up");
    g.bench_function("engine build, default packs", |b| {
        b.iter(|| Engine::new(Arc::clone(&rules)).expect("engine builds"))
    });
    let cut = (0..=5000)
        .rev()
        .find(|&i| SCRIPT.is_char_boundary(i))
        .unwrap_or(0);
    let small = &SCRIPT[..cut];
    g.bench_function("build and scan 5 KB, default packs", |b| {
        b.iter(|| {
            let e = Engine::new(Arc::clone(&rules)).expect("engine builds");
            e.scan_text(black_box(small), &ctx).expect("scan").len()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = stages
}
criterion_main!(benches);
