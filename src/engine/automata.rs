//! How a rule regex becomes an automaton. Shared by the engine and build.rs, which builds the DFAs of the
//! embedded packs' regexes ahead of time: both must build the same automaton from a pattern, or a pattern would
//! match differently depending on whether its DFA came with the binary.

use regex_automata::nfa::thompson;
use regex_automata::util::syntax;

/// Longest embedded DFA, in bytes of its serialized sparse form. Most patterns of the default packs take a few
/// kilobytes; up to a few hundred kilobytes are still worth 2 MB more binary: with 64 KB, a run on a 5 KB script
/// compiled four NFAs at run time and took 7% more instructions (issue 6). The few whose bounded gaps multiply
/// their states into megabytes are built lazily at run time.
pub const MAX_EMBEDDED_DFA_BYTES: usize = 256 << 10;

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

/// Most bytes before a required word in a match for the word to trigger searches of a gated pattern: the
/// window walked before each occurrence. `(加|私|联系)[^,]{0,5}(微信|qq)` (23 bytes) is triggered by 微信 or qq,
/// `直播间(有|里)*\d+万` stays triggered by 直播间. Shared with build.rs, which embeds the DFAs an ungated
/// pattern needs.
pub const WINDOW_BYTES: usize = 32;

/// [`WINDOW_BYTES`] for a branch with prefixes: a search starts only at the positions of the window that begin
/// with a prefix's first character, so a longer window costs a walk over its characters and few searches.
/// `(腰|腿|...|头|胃|肚子)[^,。!?;]{0,8}就?不(疼|痛|酸|麻)了` is then triggered by 不 and its words, not by 头
/// or 腰, and `(数据|销量|评论|好评)[^,。!?;]{0,8}刷(一点|一些|一下|点)` by 刷: on the benchmark tree the regex
/// literals occurred 20% less often, and a scan with the default packs took 3% less time than with 32 (64:
/// 2%). A branch without prefixes keeps [`WINDOW_BYTES`]: each position of its window is a search (issue 6).
pub const PREFIXED_WINDOW_BYTES: usize = 128;

/// The anchored forward DFA of a gated pattern, fully built, as the little-endian bytes of its sparse form;
/// `None` when it does not parse, or does not fit in `max_bytes`. `MatchKind::All`, like the lazy DFA it stands
/// in for: a search runs until no match can be extended and reports the longest.
pub fn anchored_dfa_bytes(pattern: &str, max_bytes: usize) -> Option<Vec<u8>> {
    dfa_bytes(pattern, false, true, max_bytes)
}

/// The DFAs of an ungated pattern, as [`anchored_dfa_bytes`] gives them: the unanchored forward DFA that finds
/// where matches end, and the anchored reverse DFA that finds where each starts.
pub fn ungated_dfa_bytes(pattern: &str, max_bytes: usize) -> Option<(Vec<u8>, Vec<u8>)> {
    Some((
        dfa_bytes(pattern, false, false, max_bytes)?,
        dfa_bytes(pattern, true, true, max_bytes)?,
    ))
}

/// Forward DFAs start anchored or not (a gated pattern's searches are anchored, an ungated one's are not);
/// reverse DFAs start anchored at the end of a match.
fn dfa_bytes(pattern: &str, reverse: bool, anchored: bool, max_bytes: usize) -> Option<Vec<u8>> {
    use regex_automata::dfa::{dense, StartKind};
    let nfa = nfa_compiler(reverse).build(pattern).ok()?;
    // Determinization is abandoned early for the patterns whose DFA would be far too big.
    let dense = dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(regex_automata::MatchKind::All)
                .start_kind(if anchored {
                    StartKind::Anchored
                } else {
                    StartKind::Unanchored
                })
                .dfa_size_limit(Some(max_bytes * 16))
                .determinize_size_limit(Some(max_bytes * 64)),
        )
        .build_from_nfa(&nfa)
        .ok()?;
    let bytes = dense.to_sparse().ok()?.to_bytes_little_endian();
    (bytes.len() <= max_bytes).then_some(bytes)
}
