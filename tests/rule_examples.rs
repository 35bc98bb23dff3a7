//! Every rule of every embedded pack carries `flag`/`pass` examples; this runs them all through the engine.

use std::sync::Arc;

use livelint::examples::run_examples;
use livelint::rules::{pack, PackSource};
use livelint::{Engine, RuleSet};

fn engine_for(sources: &[PackSource]) -> Engine {
    let set = RuleSet::from_sources(sources).unwrap_or_else(|e| panic!("{e:?}"));
    Engine::new(Arc::new(set)).unwrap()
}

#[test]
fn every_embedded_rule_example_holds() {
    let packs = pack::embedded();
    assert!(!packs.is_empty(), "the default packs are embedded");
    let engine = engine_for(&packs);
    let run = run_examples(&engine);
    let rules = &engine.rules().rules;
    assert!(
        run.total >= 2 * rules.len(),
        "every rule has a flag and a pass example"
    );
    let report: Vec<String> = run
        .failures
        .iter()
        .map(|f| {
            format!(
                "{} ({})\n  example:  {}\n  expected: {}\n  actual:   {}",
                f.rule, f.source, f.example, f.expected, f.actual
            )
        })
        .collect();
    assert!(
        report.is_empty(),
        "failing examples:\n{}",
        report.join("\n")
    );
}

#[test]
fn every_embedded_rule_has_law_help_and_both_kinds_of_example() {
    let engine = engine_for(&pack::embedded());
    for rule in &engine.rules().rules {
        assert!(!rule.meta.law.is_empty(), "{}", rule.meta.id);
        assert!(!rule.meta.help.trim().is_empty(), "{}", rule.meta.id);
        assert!(
            rule.examples.iter().any(|e| e.must_flag),
            "{}",
            rule.meta.id
        );
        assert!(
            rule.examples.iter().any(|e| !e.must_flag),
            "{}",
            rule.meta.id
        );
    }
}

#[test]
fn a_wrong_example_is_caught() {
    let yaml = r#"pack: t
rules:
  - id: best
    title: t
    category: absolute-terms
    severity: error
    law: ["广告法 第九条第三项"]
    message: "{matched}"
    help: h
    match: { keywords: [最好] }
    examples:
      flag: ["«这是»最好的", "最好的«最好»"]
      pass: ["最好的"]
"#;
    let engine = engine_for(&[PackSource {
        name: "t.yaml".into(),
        text: yaml.into(),
    }]);
    let run = run_examples(&engine);
    assert_eq!(run.total, 3);
    let failed: Vec<&str> = run.failures.iter().map(|f| f.example.as_str()).collect();
    assert_eq!(failed, vec!["«这是»最好的", "最好的«最好»", "最好的"]);
    assert_eq!(run.failures[0].actual, "这是«最好»的");
}
