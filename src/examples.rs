//! Runs every rule's `flag`/`pass` examples through the real engine. Used by `livelint rules test` and by the
//! test suite, so a rule's examples are its tests.

use std::ops::Range;

use crate::engine::{Engine, ScanContext};
use crate::rules::Rule;

/// An example whose findings differ from its markers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// Full rule id.
    pub rule: String,
    /// Pack file.
    pub source: String,
    /// The example as written, with markers.
    pub example: String,
    /// Expected spans, marked up.
    pub expected: String,
    /// What the rule found, marked up the same way.
    pub actual: String,
}

/// Totals of an example run.
#[derive(Debug, Clone, Default)]
pub struct ExampleRun {
    /// Examples run.
    pub total: usize,
    /// Those that failed.
    pub failures: Vec<ExampleFailure>,
}

/// Puts «» around `spans` of `text`.
pub fn mark(text: &str, spans: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len() + spans.len() * 4);
    let mut at = 0;
    for s in spans {
        if s.start < at || s.end > text.len() {
            continue;
        }
        out.push_str(&text[at..s.start]);
        out.push('«');
        out.push_str(&text[s.clone()]);
        out.push('»');
        at = s.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The context an example runs in: the rule's first scope and first product category, if it names them.
fn context_for(rule: &Rule) -> ScanContext {
    ScanContext {
        kind: rule.scope.first().copied(),
        products: rule.products.first().copied().into_iter().collect(),
    }
}

/// Runs the examples of every rule of the engine.
pub fn run_examples(engine: &Engine) -> ExampleRun {
    let mut run = ExampleRun::default();
    for rule in &engine.rules().rules {
        // Listing rules and cross-checks run on products, not on text alone.
        if let Some(check) = &rule.field {
            crate::engine::listing::run_field_examples(rule, check, &mut run);
            continue;
        }
        if rule.claim.is_some() {
            crate::engine::crosscheck::run_claim_examples(rule, &mut run);
            continue;
        }
        let ctx = context_for(rule);
        for ex in &rule.examples {
            run.total += 1;
            let actual: Vec<Range<usize>> = match engine.scan_text(&ex.text, &ctx) {
                Ok(fs) => fs
                    .into_iter()
                    .filter(|f| f.rule.id == rule.meta.id)
                    .map(|f| f.span)
                    .collect(),
                Err(e) => {
                    run.failures.push(ExampleFailure {
                        rule: rule.meta.id.clone(),
                        source: rule.source.clone(),
                        example: ex.raw.clone(),
                        expected: mark(&ex.text, &ex.expected),
                        actual: format!("scan error: {e}"),
                    });
                    continue;
                }
            };
            if actual != ex.expected {
                run.failures.push(ExampleFailure {
                    rule: rule.meta.id.clone(),
                    source: rule.source.clone(),
                    example: ex.raw.clone(),
                    expected: mark(&ex.text, &ex.expected),
                    actual: mark(&ex.text, &actual),
                });
            }
        }
    }
    run
}
