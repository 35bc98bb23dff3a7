//! Loading the first inputs while the rule packs load and the engine is built (issue 6).
//!
//! Before the scan can start, the packs are parsed and the engine built: with a user pack of 870 keywords that
//! is 1.5 ms of YAML, with the default packs a few milliseconds of building. Meanwhile the other core only walks
//! the folders. It reads (or maps and checks as UTF-8) the first inputs in that time too, so that a run on one
//! 10 MB transcript does not check it only after the packs are in. Loading stops as soon as the engine is ready,
//! which bounds what is held in memory by what one core reads in that time.
//!
//! An input is loaded by the same function either way, so a prefetched input is reported exactly as one loaded
//! at scan time, errors included.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::error::InputError;
use crate::source::Loaded;
use crate::walk::Input;

/// Inputs loaded ahead of the scan, by path; each is taken once.
#[derive(Default)]
pub struct Prefetched(Mutex<HashMap<PathBuf, Result<Loaded, InputError>>>);

impl Prefetched {
    /// The loaded input at `path`, if it was prefetched and not taken yet.
    pub fn take(&self, path: &std::path::Path) -> Option<Result<Loaded, InputError>> {
        // A poisoned lock only means a panic elsewhere: the map itself is intact.
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(path)
    }

    /// The input loaded ahead, or else loaded now with `load`.
    pub fn take_or_load(
        &self,
        input: &Input,
        load: impl FnOnce(&Input) -> Result<Loaded, InputError>,
    ) -> Result<Loaded, InputError> {
        self.take(&input.path).unwrap_or_else(|| load(input))
    }

    /// Holds `loaded` for the scan to take: an input loaded early for another reason (a census of the
    /// first inputs, adapt.rs) is not loaded again.
    pub fn put(&self, path: PathBuf, loaded: Result<Loaded, InputError>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path, loaded);
    }

    /// How many inputs are held.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Loads `inputs` in order with `load`, those `wanted` says will be scanned, until `ready` is set (checked
/// before each input). Past the first wanted input, loading goes on only while `building` says another thread
/// builds the engine: otherwise this thread builds it next, and inputs loaded before that would only be held
/// in memory longer. The first is loaded either way, as it is the first to be scanned.
pub fn prefetch(
    inputs: &[Input],
    ready: &AtomicBool,
    building: &AtomicBool,
    wanted: impl Fn(&Input) -> bool,
    load: impl Fn(&Input) -> Result<Loaded, InputError>,
) -> Prefetched {
    let mut map = HashMap::new();
    for input in inputs {
        if ready.load(Ordering::Acquire) || (!map.is_empty() && !building.load(Ordering::Acquire)) {
            break;
        }
        if wanted(input) {
            map.insert(input.path.clone(), load(input));
        }
    }
    Prefetched(Mutex::new(map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::schema::Scope;
    use crate::source::SkipReason;
    use std::cell::Cell;

    fn input(name: &str) -> Input {
        Input {
            path: PathBuf::from(name),
            display: name.to_string(),
            kind: Scope::Script,
        }
    }

    fn skipped(_: &Input) -> Result<Loaded, InputError> {
        Ok(Loaded::Skipped(SkipReason::Binary))
    }

    #[test]
    fn loads_the_wanted_inputs_until_ready_and_gives_each_once() {
        let inputs = [input("a.txt"), input("b.json"), input("c.txt")];
        let ready = AtomicBool::new(false);
        let building = AtomicBool::new(true);
        let loads = Cell::new(0);
        let got = prefetch(
            &inputs,
            &ready,
            &building,
            |i| !i.display.ends_with(".json"),
            |i| {
                loads.set(loads.get() + 1);
                skipped(i)
            },
        );
        assert_eq!((loads.get(), got.len()), (2, 2));
        assert!(got.take(&PathBuf::from("b.json")).is_none());
        assert!(matches!(
            got.take(&PathBuf::from("a.txt")),
            Some(Ok(Loaded::Skipped(SkipReason::Binary)))
        ));
        assert!(got.take(&PathBuf::from("a.txt")).is_none());
        assert_eq!(got.len(), 1);
        got.put(PathBuf::from("a.txt"), skipped(&inputs[0]));
        assert_eq!(got.len(), 2);
        let not_loaded = |_: &Input| -> Result<Loaded, InputError> { panic!("a.txt is held") };
        assert!(got.take_or_load(&inputs[0], not_loaded).is_ok());
        assert!(got.take(&PathBuf::from("a.txt")).is_none());
    }

    /// Prefetches every input, raising `flag` as each one loads.
    fn prefetch_raising(
        inputs: &[Input],
        ready: &AtomicBool,
        building: &AtomicBool,
        flag: &AtomicBool,
    ) -> Prefetched {
        let load = |i: &Input| {
            flag.store(true, Ordering::Release);
            skipped(i)
        };
        prefetch(inputs, ready, building, |_| true, load)
    }

    #[test]
    fn stops_as_soon_as_the_engine_is_ready() {
        let inputs = [input("a.txt"), input("b.txt"), input("c.txt")];
        let ready = AtomicBool::new(false);
        let building = AtomicBool::new(true);
        // The engine becomes ready while the first input loads: nothing more is loaded.
        let got = prefetch_raising(&inputs, &ready, &building, &ready);
        assert_eq!(got.len(), 1);
        let none = prefetch(&inputs, &ready, &building, |_| true, skipped);
        assert!(none.is_empty());
    }

    #[test]
    fn only_the_first_input_while_no_other_thread_builds_the_engine() {
        let inputs = [input("a.json"), input("b.txt"), input("c.txt")];
        let ready = AtomicBool::new(false);
        let building = AtomicBool::new(false);
        let got = prefetch(
            &inputs,
            &ready,
            &building,
            |i| i.display.ends_with(".txt"),
            skipped,
        );
        assert_eq!(got.len(), 1);
        assert!(got.take(&PathBuf::from("b.txt")).is_some());
        // The engine's build starts elsewhere while the first input loads: loading goes on.
        let got = prefetch_raising(&inputs, &ready, &building, &building);
        assert_eq!(got.len(), 3);
    }
}
