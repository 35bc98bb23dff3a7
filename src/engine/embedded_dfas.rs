//! The anchored DFAs of the embedded packs' regexes, built by build.rs with [`automata`](super::automata) when
//! livelint is built. A run on one script reaches a score of gated patterns; compiling each into a lazy DFA and
//! then computing its states during the searches was most of the scan of a 5 KB script (issue 6). A regex of
//! another pack, or one whose DFA is too big to embed, is still compiled when first reached.

use regex_automata::dfa::sparse;

include!(concat!(env!("OUT_DIR"), "/anchored_dfas.rs"));

/// The DFA built for `pattern` with [`automata::anchored_dfa_bytes`](super::automata::anchored_dfa_bytes),
/// if it is a regex of the embedded packs with a small enough DFA. Reading it checks it and copies nothing.
/// `None` also on a big-endian machine, where the little-endian bytes do not load: the pattern is then compiled
/// as any other.
pub fn anchored(pattern: &str) -> Option<sparse::DFA<&'static [u8]>> {
    let i = ANCHORED_DFAS
        .binary_search_by(|(p, ..)| (*p).cmp(pattern))
        .ok()?;
    let (_, start, len) = ANCHORED_DFAS[i];
    let bytes = ANCHORED_DFA_BYTES.get(start..start + len)?;
    sparse::DFA::from_bytes(bytes).ok().map(|(dfa, _)| dfa)
}

/// The patterns that have an embedded DFA.
#[cfg(test)]
pub fn patterns() -> impl Iterator<Item = &'static str> {
    ANCHORED_DFAS.iter().map(|(p, ..)| *p)
}
