//! Splitting a big input into chunks that are scanned in parallel with findings IDENTICAL to one whole scan
//! (issue 6).
//!
//! Why it is sound:
//! - Chunks start and end only after a character for which [`is_clean_split_after`] holds (kept as is, no
//!   separator, not Han). No separator run of normalization reaches across such a point and the state after it
//!   is that of a text start, so normalizing the pieces one by one gives exactly the pieces of the whole
//!   normalized text.
//! - Each chunk (the core) is scanned inside a window that extends it on both sides by the reach of the rules
//!   (in normalized bytes): the longest keyword or regex match, plus the longest context phrase, plus the
//!   `unless.after` and `unless.near` windows at four bytes a character. Everything that decides whether a
//!   candidate that starts in the core becomes a finding lies inside the window. Each chunk keeps only the
//!   candidates that start in its core, so every candidate is produced exactly once.
//! - Regex matches are bounded: by the pattern's own maximum length, and in any case by
//!   `regexes::MAX_MATCH_BYTES` (for each end, the leftmost start at most that far back, in whole scans too).
//!   A regex that tests the ends of the text (`^`, `$` without `(?m)`) takes a window's edges for them, but
//!   what it matches there begins in the first `MAX_MATCH_BYTES` of the window or ends at its last byte, so it
//!   starts outside the core (the margin is longer than any match) unless the edge is a real end of the text
//!   (`tests/equivalence.rs`).
//! - Overlapping candidates of a rule are merged into one finding only after all chunks are in, so a merged
//!   finding may be longer than any chunk.
//!
//! When normalization drops many characters near an edge (zero-width runs), the window is too short in
//! normalized bytes; the scan then widens that window and tries again rather than guess.

use std::ops::Range;

use rayon::prelude::*;

use crate::finding::{locate_all, locate_counting, LineCol};
use crate::normalize::is_clean_split_after;

/// Default chunk size. Chunks are small enough that two cores share work evenly and each chunk's normalized
/// copy stays in cache-friendly sizes, large enough that the window margins (a few hundred bytes) cost nothing.
pub const DEFAULT_CHUNK_BYTES: usize = 1 << 20;

/// Fewest chunks an input split with the default size is cut into, and the smallest chunk that takes.
/// The threads' shares end together only to within about a chunk: ten 1 MB chunks of a 10 MB script left one
/// of two cores idle for up to a chunk's scan at the end, a tenth of the run (issue 6, target 6).
const MIN_CHUNKS: usize = 32;
const MIN_CHUNK_BYTES: usize = 256 << 10;

/// The chunk size for an input of `len` bytes when none is set: [`DEFAULT_CHUNK_BYTES`], or less for a
/// mid-size input so that it still makes [`MIN_CHUNKS`] chunks, but not less than [`MIN_CHUNK_BYTES`].
/// Inputs up to [`DEFAULT_CHUNK_BYTES`] are not split at all.
pub fn default_chunk_bytes(len: usize) -> usize {
    if len <= DEFAULT_CHUNK_BYTES {
        return DEFAULT_CHUNK_BYTES;
    }
    (len / MIN_CHUNKS).clamp(MIN_CHUNK_BYTES, DEFAULT_CHUNK_BYTES)
}

/// One unit of parallel work: the core it owns and the window it scans, both byte ranges of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Candidates starting here belong to this chunk.
    pub core: Range<usize>,
    /// The text normalized and scanned.
    pub window: Range<usize>,
}

/// The first split point at or after `pos` (the text length if there is none).
pub fn split_at_or_after(text: &str, pos: usize) -> usize {
    if pos >= text.len() {
        return text.len();
    }
    let mut at = pos;
    while !text.is_char_boundary(at) {
        at += 1;
    }
    if at == 0 {
        return 0;
    }
    // `at` itself is a split point when the character before it is clean.
    if text[..at]
        .chars()
        .next_back()
        .is_some_and(is_clean_split_after)
    {
        return at;
    }
    for (off, c) in text[at..].char_indices() {
        if is_clean_split_after(c) {
            return at + off + c.len_utf8();
        }
    }
    text.len()
}

/// The last split point at or before `pos` (0 if there is none).
pub fn split_at_or_before(text: &str, pos: usize) -> usize {
    if pos >= text.len() {
        return text.len();
    }
    let mut at = pos;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    for (off, c) in text[..at].char_indices().rev() {
        if is_clean_split_after(c) {
            return off + c.len_utf8();
        }
    }
    0
}

/// Cores of about `chunk_bytes` that tile the text, each with a window extended by `margin` original bytes.
pub fn plan(text: &str, chunk_bytes: usize, margin: usize) -> Vec<Window> {
    plan_tapered(text, chunk_bytes, margin, 1)
}

/// The smallest chunk [`plan_tapered`] shrinks the last chunks to: a few hundred bytes of margin on each side
/// still cost nothing, and a chunk is still 0.1-0.2 ms of work.
pub const TAPER_MIN_BYTES: usize = 64 << 10;

/// [`plan`] for `threads` threads that take the chunks in order: once fewer than `4 * threads` full chunks are
/// left, each is a quarter of what is left per thread (but not less than [`TAPER_MIN_BYTES`]), so the threads' last
/// chunks are small and they finish together. With chunks of one size, one of two threads sat idle for up to a
/// chunk at the end: 1 ms of a 22 ms scan of 10 MB, 2 ms of 100 MB (issue 6, targets 1 and 6).
pub fn plan_tapered(text: &str, chunk_bytes: usize, margin: usize, threads: usize) -> Vec<Window> {
    let chunk = chunk_bytes.max(1);
    let floor = chunk.min(TAPER_MIN_BYTES);
    let threads = threads.max(1);
    let mut out = Vec::with_capacity(text.len() / chunk + 1);
    let mut start = 0;
    while start < text.len() {
        let size = if threads > 1 {
            ((text.len() - start) / (4 * threads)).clamp(floor, chunk)
        } else {
            chunk
        };
        let end = split_at_or_after(text, start.saturating_add(size));
        out.push(Window {
            core: start..end,
            window: widen(text, start..end, margin),
        });
        start = end;
    }
    out
}

/// The range from the last split point `margin` bytes before `core` to the first one `margin` bytes after it.
pub fn widen(text: &str, core: Range<usize>, margin: usize) -> Range<usize> {
    let lo = if core.start == 0 {
        0
    } else {
        split_at_or_before(text, core.start.saturating_sub(margin))
    };
    let hi = split_at_or_after(text, core.end.saturating_add(margin));
    lo..hi
}

/// A byte offset and where its line and column go.
type Position<'a> = (usize, &'a mut LineCol);

/// [`locate_all`] on all threads, for the many findings of a big input: the text is cut at line starts into
/// pieces located independently, then each piece's lines are shifted by the newlines before it.
/// `positions` must be sorted by offset.
pub fn locate_parallel(text: &str, positions: &mut [Position<'_>]) {
    const PIECES: usize = 64;
    let bytes = text.as_bytes();
    let mut cuts: Vec<usize> = (0..PIECES)
        .map(|i| {
            let at = text.len() / PIECES * i;
            bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |nl| nl + 1)
        })
        .collect();
    cuts.push(text.len());
    cuts.dedup();
    if cuts.len() < 2 {
        locate_all(text, positions);
        return;
    }
    // The positions of each piece: offsets from its start up to (not including) the next piece's start; the
    // last piece also takes offsets at the very end of the text.
    let mut groups: Vec<(usize, usize, &mut [Position<'_>])> = Vec::new();
    let mut rest = positions;
    for w in cuts.windows(2) {
        let (lo, hi) = (w[0], w[1]);
        let n = if hi == text.len() {
            rest.len()
        } else {
            rest.partition_point(|(o, _)| *o < hi)
        };
        let (mine, tail) = rest.split_at_mut(n);
        groups.push((lo, hi, mine));
        rest = tail;
    }
    let newlines: Vec<usize> = groups
        .par_iter_mut()
        .map(|(lo, hi, group)| {
            let mut local: Vec<Position<'_>> = group
                .iter_mut()
                .map(|(o, lc)| (o.saturating_sub(*lo), &mut **lc))
                .collect();
            locate_counting(&text[*lo..], &mut local, *hi - *lo)
        })
        .collect();
    let mut before = 0;
    for ((_, _, group), n) in groups.iter_mut().zip(newlines) {
        for (_, lc) in group.iter_mut() {
            lc.line += before;
        }
        before += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mid_size_inputs_make_at_least_min_chunks() {
        // Small inputs are not split; big ones use the default size.
        assert_eq!(default_chunk_bytes(5_000), DEFAULT_CHUNK_BYTES);
        assert_eq!(
            default_chunk_bytes(DEFAULT_CHUNK_BYTES),
            DEFAULT_CHUNK_BYTES
        );
        assert_eq!(default_chunk_bytes(100 << 20), DEFAULT_CHUNK_BYTES);
        // 10 MB: 32 chunks of 320 KB rather than ten of 1 MB.
        assert_eq!(default_chunk_bytes(10 << 20), 320 << 10);
        // Just above one chunk: the smallest chunk size.
        assert_eq!(
            default_chunk_bytes(DEFAULT_CHUNK_BYTES + 1),
            MIN_CHUNK_BYTES
        );
        for len in [2 << 20, 5 << 20, 10 << 20, 31 << 20, 33 << 20] {
            let c = default_chunk_bytes(len);
            assert!((MIN_CHUNK_BYTES..=DEFAULT_CHUNK_BYTES).contains(&c));
            assert!(len / c >= MIN_CHUNKS || c == MIN_CHUNK_BYTES, "{len}");
        }
    }

    #[test]
    fn cores_tile_the_text_at_clean_points() {
        let text = "家人们，这是最好的。\n今天全网最低价！abc 最 好 \n".repeat(50);
        let plan = plan(&text, 64, 16);
        assert!(plan.len() > 10);
        let mut at = 0;
        for w in &plan {
            assert_eq!(w.core.start, at);
            assert!(w.window.start <= w.core.start && w.core.end <= w.window.end);
            for p in [w.core.end, w.window.start, w.window.end] {
                assert!(
                    p == 0
                        || p == text.len()
                        || text[..p]
                            .chars()
                            .next_back()
                            .is_some_and(is_clean_split_after),
                    "{p}"
                );
            }
            at = w.core.end;
        }
        assert_eq!(at, text.len());
    }

    #[test]
    fn tapered_plans_tile_the_text_and_shrink_only_at_the_end() {
        let text = "家人们，这是最好的。\n今天全网最低价！abc 最 好 \n".repeat(60_000);
        let chunk = 256 << 10;
        let tapered = plan_tapered(&text, chunk, 300, 2);
        let mut at = 0;
        for w in &tapered {
            assert_eq!(w.core.start, at);
            assert_eq!(w.window, widen(&text, w.core.clone(), 300));
            at = w.core.end;
        }
        assert_eq!(at, text.len());
        let sizes: Vec<usize> = tapered.iter().map(|w| w.core.len()).collect();
        // Full chunks while more than eight are left, then smaller ones, never below the floor (but the last).
        let full = sizes.iter().take_while(|&&n| n >= chunk).count();
        assert!(full > 5, "{sizes:?}");
        let rest = &sizes[full..];
        assert!(rest.len() > 4, "{sizes:?}");
        assert!(rest.windows(2).all(|w| w[1] <= w[0] + 64), "{sizes:?}");
        assert!(
            rest[..rest.len() - 1].iter().all(|&n| n >= TAPER_MIN_BYTES),
            "{sizes:?}"
        );
        assert!(*rest.last().unwrap() < 2 * TAPER_MIN_BYTES, "{sizes:?}");
        // One thread, or chunks below the floor: one size throughout, as `plan` gives.
        assert_eq!(plan_tapered(&text, chunk, 300, 1), plan(&text, chunk, 300));
        let small = &text[..text.floor_char_boundary(20_000)];
        let sizes: Vec<usize> = plan_tapered(small, 1000, 50, 2)
            .iter()
            .map(|w| w.core.len())
            .collect();
        assert!(
            sizes[..sizes.len() - 1]
                .iter()
                .all(|&n| (1000..1100).contains(&n)),
            "{sizes:?}"
        );
    }

    #[test]
    fn parallel_positions_equal_serial_ones() {
        let text = "第一行，最好\n第二行\n\n全网最低价，abc\n".repeat(500);
        let offsets: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .step_by(7)
            .chain([text.len()])
            .collect();
        let mut a = vec![LineCol::default(); offsets.len()];
        let mut b = a.clone();
        let mut pa: Vec<(usize, &mut LineCol)> =
            offsets.iter().copied().zip(a.iter_mut()).collect();
        let mut pb: Vec<(usize, &mut LineCol)> =
            offsets.iter().copied().zip(b.iter_mut()).collect();
        locate_all(&text, &mut pa);
        locate_parallel(&text, &mut pb);
        drop((pa, pb));
        assert_eq!(a, b);
        assert_eq!(b.last().map(|lc| lc.line), Some(2001));
    }

    #[test]
    fn text_without_split_points_is_one_chunk() {
        let text = "最好最好".repeat(100);
        let plan = plan(&text, 16, 8);
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].window, 0..text.len());
    }
}
