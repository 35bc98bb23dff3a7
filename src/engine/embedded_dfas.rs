//! The DFAs of the embedded packs' regexes, built by build.rs with [`automata`](super::automata) when livelint is
//! built. A run on one script reaches a score of patterns; compiling each into a lazy DFA and then computing its
//! states during the searches was most of the scan of a 5 KB script (issue 6). A regex of another pack, or one
//! whose DFA is too big to embed, is still compiled when first reached.

use regex_automata::dfa::sparse;

include!(concat!(env!("OUT_DIR"), "/embedded_dfas.rs"));

/// A DFA as build.rs stored it.
pub type Embedded = sparse::DFA<&'static [u8]>;

/// The anchored DFA of a gated pattern, built with
/// [`automata::anchored_dfa_bytes`](super::automata::anchored_dfa_bytes), if it is a regex of the embedded
/// packs with a small enough DFA. Reading it copies nothing (see [`load`]). `None` also on a big-endian machine,
/// where the little-endian bytes do not load: the pattern is then compiled as any other.
pub fn anchored(pattern: &str) -> Option<Embedded> {
    let i = ANCHORED_DFAS
        .binary_search_by(|(p, ..)| (*p).cmp(pattern))
        .ok()?;
    let (_, at, len) = ANCHORED_DFAS[i];
    load(at, len)
}

/// The forward and reverse DFAs of an ungated pattern, built with
/// [`automata::ungated_dfa_bytes`](super::automata::ungated_dfa_bytes), as [`anchored`] gives them.
pub fn ungated(pattern: &str) -> Option<(Embedded, Embedded)> {
    let i = UNGATED_DFAS
        .binary_search_by(|(p, ..)| (*p).cmp(pattern))
        .ok()?;
    let (_, f_at, f_len, r_at, r_len) = UNGATED_DFAS[i];
    Some((load(f_at, f_len)?, load(r_at, r_len)?))
}

/// The DFA stored at `at..at + len` of [`DFA_BYTES`], read without checking it: checking every transition
/// took 40 microseconds a DFA, a millisecond of a run on one script (issue 6), for bytes this build wrote.
fn load(at: usize, len: usize) -> Option<Embedded> {
    // The bytes are little-endian; elsewhere the patterns are compiled at run time.
    if !cfg!(target_endian = "little") {
        return None;
    }
    let bytes = DFA_BYTES.get(at..at + len)?;
    // SAFETY: `bytes` is one DFA exactly as `to_bytes_little_endian` wrote it in build.rs, with the same
    // regex-automata (one version in Cargo.lock serves build.rs and livelint), on a little-endian target.
    // `every_embedded_dfa_passes_the_checks` reads each of them with the checks.
    unsafe { sparse::DFA::from_bytes_unchecked(bytes) }
        .ok()
        .map(|(dfa, _)| dfa)
}

/// The patterns that have an embedded anchored DFA.
#[cfg(test)]
pub fn anchored_patterns() -> impl Iterator<Item = &'static str> {
    ANCHORED_DFAS.iter().map(|(p, ..)| *p)
}

/// The patterns that have embedded ungated DFAs.
#[cfg(test)]
pub fn ungated_patterns() -> impl Iterator<Item = &'static str> {
    UNGATED_DFAS.iter().map(|(p, ..)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_dfa_passes_the_checks() {
        let mut n = 0;
        for &(_, at, len) in ANCHORED_DFAS {
            sparse::DFA::from_bytes(&DFA_BYTES[at..at + len]).unwrap();
            n += 1;
        }
        for &(_, f_at, f_len, r_at, r_len) in UNGATED_DFAS {
            sparse::DFA::from_bytes(&DFA_BYTES[f_at..f_at + f_len]).unwrap();
            sparse::DFA::from_bytes(&DFA_BYTES[r_at..r_at + r_len]).unwrap();
            n += 2;
        }
        assert!(n > 200, "{n} DFAs");
    }
}
