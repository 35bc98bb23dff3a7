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
/// packs with a small enough DFA. Reading it checks it and copies nothing. `None` also on a big-endian machine,
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

fn load(at: usize, len: usize) -> Option<Embedded> {
    let bytes = DFA_BYTES.get(at..at + len)?;
    sparse::DFA::from_bytes(bytes).ok().map(|(dfa, _)| dfa)
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
