//! How a rule regex becomes an automaton. Shared by the engine and build.rs, which compiles the anchored DFAs
//! of the embedded packs ahead of time: both must build the same automaton from a pattern, or a pattern would
//! match differently depending on whether its DFA came with the binary.

use regex_automata::nfa::thompson;
use regex_automata::util::syntax;

/// Longest embedded DFA, in bytes of its serialized sparse form. Most patterns of the default packs take a few
/// kilobytes; the few whose bounded gaps multiply their states into megabytes are built lazily at run time.
pub const MAX_EMBEDDED_DFA_BYTES: usize = 64 << 10;

/// The syntax of the rule regexes. The text is already lower-cased; matching case-insensitively lets authors
/// write `Top\s*1`. The same setting as `regex_facts::parse`.
pub fn syntax_config() -> syntax::Config {
    syntax::Config::new().case_insensitive(true)
}

/// An NFA compiler for the rule regexes: the engine's syntax, no capture groups (DFAs have none).
pub fn nfa_compiler(reverse: bool) -> thompson::Compiler {
    let mut c = thompson::Compiler::new();
    c.syntax(syntax_config()).configure(
        thompson::Config::new()
            .reverse(reverse)
            .which_captures(thompson::WhichCaptures::None),
    );
    c
}

/// The anchored forward DFA of a gated pattern, fully built, as the little-endian bytes of its sparse form;
/// `None` when it does not parse, or does not fit in `max_bytes`. `MatchKind::All`, like the lazy DFA it stands
/// in for: a search runs until no match can be extended and reports the longest.
pub fn anchored_dfa_bytes(pattern: &str, max_bytes: usize) -> Option<Vec<u8>> {
    use regex_automata::dfa::{dense, StartKind};
    let nfa = nfa_compiler(false).build(pattern).ok()?;
    // Determinization is abandoned early for the patterns whose DFA would be far too big.
    let dense = dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(regex_automata::MatchKind::All)
                .start_kind(StartKind::Anchored)
                .dfa_size_limit(Some(max_bytes * 16))
                .determinize_size_limit(Some(max_bytes * 64)),
        )
        .build_from_nfa(&nfa)
        .ok()?;
    let bytes = dense.to_sparse().ok()?.to_bytes_little_endian();
    (bytes.len() <= max_bytes).then_some(bytes)
}
