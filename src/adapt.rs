//! Planning the regex gates by the input's own word rates before a big scan (issue 6; the why is in
//! `engine/census.rs`): which inputs are counted, and when planning again is worth it.
//!
//! Counting and planning again take a few milliseconds, which a pre-commit run on a few scripts would feel and
//! an archive of a hundred megabytes does not. Of many inputs, the first few in walk order are loaded (or taken
//! from those loaded while the engine was built) and their size tells whether the whole input is big enough;
//! of a few inputs, their sizes on disk tell. If it is, the start of the input is counted on all cores: the
//! first inputs up to the sample's size, or the start of one long transcript. Every input loaded here is handed
//! back for the scan, so nothing is read twice.

use rayon::prelude::*;

use crate::engine::census::Counts;
use crate::engine::Engine;
use crate::error::InputError;
use crate::prefetch::Prefetched;
use crate::source::Loaded;
use crate::walk::Input;

/// When the input is counted, and how much of it.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Inputs loaded to estimate the size of the whole (their mean size times the number of inputs).
    pub probe_inputs: usize,
    /// Least estimated input for which the gates are planned again.
    pub min_input_bytes: u64,
    /// Text counted, about.
    pub sample_bytes: u64,
}

impl Default for Policy {
    /// On the 2,000-file benchmark tree (100 MB, one thread), planning by the counts of its first 512 KB took
    /// 6.8% fewer instructions than the table's plans; 256 KB, 1 MB and 2 MB gave the same within 0.2%, 4 MB
    /// 1.7% less. Counting 512 KB and planning again cost about as much as scanning 400 KB, which an input of 16 MB
    /// pays back several times.
    fn default() -> Policy {
        Policy {
            probe_inputs: 8,
            min_input_bytes: 16 << 20,
            sample_bytes: 512 << 10,
        }
    }
}

/// `engine` planned again by the word rates of the first of `inputs` when they are estimated to be at least
/// `policy.min_input_bytes`, and whether it was; else `engine` itself. The inputs loaded are left in
/// `prefetched`. The findings do not depend on the outcome.
pub fn adapt(
    engine: Engine,
    inputs: &[&Input],
    prefetched: &Prefetched,
    load: &(dyn Fn(&Input) -> Result<Loaded, InputError> + Sync),
    policy: Policy,
) -> (Engine, bool) {
    if inputs.is_empty() || !engine.gates_regexes() {
        return (engine, false);
    }
    let probes = policy.probe_inputs.clamp(1, inputs.len());
    // A few inputs (a pre-commit run, or one long transcript): their sizes on disk tell, without loading
    // them here.
    if probes < policy.probe_inputs {
        let on_disk: u64 = inputs
            .iter()
            .map(|i| std::fs::metadata(&i.path).map_or(0, |m| m.len()))
            .sum();
        if on_disk < policy.min_input_bytes {
            return (engine, false);
        }
    }
    let fetch = |input: &Input| prefetched.take_or_load(input, load);
    let size = |loaded: &Result<Loaded, InputError>| match loaded {
        Ok(Loaded::Doc(doc)) => doc.text.as_str().len() as u64,
        _ => 0,
    };
    let mut loaded: Vec<(&Input, Result<Loaded, InputError>)> = inputs[..probes]
        .par_iter()
        .map(|&i| (i, fetch(i)))
        .collect();
    let per_input = loaded.iter().map(|(_, l)| size(l)).sum::<u64>() / probes as u64;
    let worth = per_input.saturating_mul(inputs.len() as u64) >= policy.min_input_bytes;
    let census = if worth { engine.census() } else { None };
    let replanned = census.and_then(|census| {
        let wanted = (policy.sample_bytes / per_input.max(1)) as usize + 1;
        let more = wanted.clamp(probes, inputs.len());
        loaded.par_extend(inputs[probes..more].par_iter().map(|&i| (i, fetch(i))));
        // The sample's bytes shared among the inputs loaded: a few big ones are counted on their starts.
        let each = policy.sample_bytes.div_ceil(loaded.len() as u64);
        let counts = loaded
            .par_iter()
            .map(|(_, l)| match l {
                Ok(Loaded::Doc(doc)) => census.count(head(doc.text.as_str(), each)),
                _ => Counts::default(),
            })
            .reduce(Counts::default, |mut a, b| {
                a.add(&b);
                a
            });
        // A failure to build leaves the plans of the table, which find the same.
        engine.replanned(&census.observed(&counts)).ok()
    });
    for (input, l) in loaded {
        prefetched.put(input.path.clone(), l);
    }
    match replanned {
        Some(e) => (e, true),
        None => (engine, false),
    }
}

/// The first `bytes` of `text`, or a few more to end on a character: a big input is counted on its start only.
fn head(text: &str, bytes: u64) -> &str {
    let mut end = usize::try_from(bytes).unwrap_or(usize::MAX).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::schema::Scope;
    use crate::rules::{pack, RuleSet};
    use crate::source::Document;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn inputs(n: usize) -> Vec<Input> {
        (0..n)
            .map(|i| Input {
                path: PathBuf::from(format!("s{i:03}.txt")),
                display: format!("s{i:03}.txt"),
                kind: Scope::Script,
            })
            .collect()
    }

    fn default_engine() -> Engine {
        let set = RuleSet::from_sources(&pack::embedded()).unwrap();
        Engine::new(Arc::new(set)).unwrap()
    }

    const TEXT: &str = "家人们，这个平台的品牌直播间已经卖了3万单，点赞破10万，加微信领券！";

    #[test]
    fn counts_only_inputs_estimated_big_enough_and_hands_back_what_it_loaded() {
        let all = inputs(40);
        let refs: Vec<&Input> = all.iter().collect();
        let loads = AtomicUsize::new(0);
        let load = |i: &Input| {
            loads.fetch_add(1, Ordering::Relaxed);
            Ok(Loaded::Doc(Document::script(
                i.display.clone(),
                TEXT.repeat(10),
            )))
        };
        let policy = |min_input_bytes| Policy {
            probe_inputs: 4,
            min_input_bytes,
            sample_bytes: 10 * TEXT.len() as u64 * 10,
        };
        let per_input = 10 * TEXT.len() as u64;
        let run = |prefetched: &Prefetched, min_input_bytes| {
            adapt(
                default_engine(),
                &refs,
                prefetched,
                &load,
                policy(min_input_bytes),
            )
            .1
        };
        // Estimated 40 inputs of `per_input` bytes: below the threshold only the probes are loaded.
        let prefetched = Prefetched::default();
        assert!(!run(&prefetched, per_input * 40 + 1));
        assert_eq!((loads.load(Ordering::Relaxed), prefetched.len()), (4, 4));
        // At the threshold the sample is loaded too (11 inputs hold the sample's bytes), and counted.
        let prefetched = Prefetched::default();
        loads.store(0, Ordering::Relaxed);
        assert!(run(&prefetched, per_input * 40));
        assert_eq!((loads.load(Ordering::Relaxed), prefetched.len()), (11, 11));
        // Inputs already loaded are taken, not loaded again.
        assert!(run(&prefetched, per_input * 40));
        assert_eq!((loads.load(Ordering::Relaxed), prefetched.len()), (11, 11));
    }

    #[test]
    fn a_few_inputs_are_sized_on_disk_and_loaded_only_when_big_enough() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.txt");
        std::fs::write(&path, TEXT.repeat(400)).unwrap();
        let input = Input {
            path: path.clone(),
            display: "long.txt".into(),
            kind: Scope::Script,
        };
        let loads = AtomicUsize::new(0);
        let load = |i: &Input| {
            loads.fetch_add(1, Ordering::Relaxed);
            let text = std::fs::read_to_string(&i.path).unwrap();
            Ok(Loaded::Doc(Document::script(i.display.clone(), text)))
        };
        let size = TEXT.len() as u64 * 400;
        let policy = |min_input_bytes| Policy {
            probe_inputs: 8,
            min_input_bytes,
            sample_bytes: 1000,
        };
        let prefetched = Prefetched::default();
        let (_, replanned) = adapt(
            default_engine(),
            &[&input],
            &prefetched,
            &load,
            policy(size + 1),
        );
        assert!(!replanned);
        assert_eq!((loads.load(Ordering::Relaxed), prefetched.len()), (0, 0));
        let (_, replanned) = adapt(
            default_engine(),
            &[&input],
            &prefetched,
            &load,
            policy(size),
        );
        assert!(replanned);
        assert_eq!((loads.load(Ordering::Relaxed), prefetched.len()), (1, 1));
        // A pack without gated regexes has no plans to change: nothing is sized or loaded.
        let set = RuleSet::from_sources(&[crate::rules::PackSource {
            name: "k.yaml".into(),
            text: "pack: k\nrules:\n  - id: k\n    title: k\n    category: absolute-terms\n    severity: error\n    law: [x]\n    message: m\n    help: h\n    match: { keywords: [最好] }\n    examples: { flag: [\"«最好»\"], pass: [\"好\"] }\n".into(),
        }])
        .unwrap();
        let keywords_only = Engine::new(Arc::new(set)).unwrap();
        let (_, replanned) = adapt(keywords_only, &[&input], &prefetched, &load, policy(0));
        assert!(!replanned);
        assert_eq!(loads.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn the_head_of_a_text_ends_on_a_character() {
        assert_eq!(head("平台品牌", 4), "平台");
        assert_eq!(head("平台品牌", 6), "平台");
        assert_eq!(head("平台", 100), "平台");
        assert_eq!(head("", 3), "");
    }
}
