//! Every occurrence of many phrases in one pass: the engine's keyword matcher (issue 6).
//!
//! The phrases are sorted, and grouped by their first two characters. The text is walked once, character by
//! character; each pair of adjacent characters is looked up in a small bit table (a Bloom filter of the pairs
//! that begin a phrase, 16 KB, so it stays in the L1 cache). Only where the bit is set are the phrases of that
//! pair compared with the text, by narrowing their sorted range one byte at a time. One-character phrases have
//! a table of their own. On live-commerce text 3% of the positions pass with the bench pack's 870 phrases; with
//! the default packs, whose regex literals include common words, 9% do on the benchmark tree. Most of those
//! begin a pair that only starts longer phrases (直播 of 直播间, 平台 of 平台客服), and more than half begin no
//! phrase at all. A second Bloom filter, of each phrase's first pair with its third character (or with none,
//! for a phrase of two), turns those away in the walk itself, where the character after the pair is one load
//! away: the pair's table slot is not probed and no function is called (issue 6: the walk of the default
//! packs took 14% less time on the benchmark tree than with a filter of third characters in the slot).
//!
//! Against the character-wise double-array Aho-Corasick automaton this replaced, the walk costs one table
//! test per character instead of a transition through a double array many times the size of the cache, and
//! building it is a sort: no automaton to construct, even for a 5 KB script. The cost of a position that passes
//! the filter is bounded by the longest phrase (a binary search per byte of it), so the pass stays linear in
//! the text for a given pack.

/// Bits of the pair filter's index: 2^17 bits (16 KB). With a few thousand pairs, about 3% of the positions
/// that begin no phrase pass it.
const FILTER_BITS: u32 = 17;

/// Bits of the one-character filter's index: 2^14 bits (2 KB), room for a few hundred one-character phrases
/// (68 in the default packs). At the pair filter's size the two took all of a 32 KB L1 cache between them; at
/// this one cachegrind counts 12% fewer L1 data misses on the tree, for the same instructions (issue 6).
const SINGLE_BITS: u32 = 14;

/// Bits of the index of the filter of each phrase's first pair and third character: 2^17 bits (16 KB). With
/// 2^16 the walk took 3% longer: it is read only where a pair passes, about one position in eleven, and its
/// false positives cost more than the cache lines it shares with the pair filter (issue 6).
const TRIPLE_BITS: u32 = 17;

/// Ranges of at most this many phrases are compared one by one, eight bytes at a time, rather than narrowed
/// byte by byte with binary searches: -0.95% instructions on 45 MB of the benchmark tree, against -0.5% with
/// 4 and -0.6% with 16 (issue 6).
const SMALL_RANGE: usize = 8;

/// A set of distinct, non-empty phrases, each with the caller's id.
#[derive(Clone, Default)]
pub struct PhraseSet {
    /// The phrases' bytes, concatenated in sorted order; phrase `i` is `bytes[offsets[i]..offsets[i + 1]]`.
    bytes: Vec<u8>,
    offsets: Vec<u32>,
    /// The first eight bytes of each sorted phrase (zero-padded), for [`PhraseSet::begins`].
    heads: Vec<u64>,
    /// The caller's id of each sorted phrase.
    ids: Vec<u32>,
    /// Bloom filter of the (first, second) character pairs of the phrases of two characters or more.
    pairs: Filter<FILTER_WORDS>,
    /// Bloom filter of each phrase's first pair with its third character ([`triple_bit`]), or with 0 for a
    /// phrase of two characters: where a pair passes `pairs`, this turns away the pairs that only begin longer
    /// phrases followed by another character (直播 not followed by 间), without a call or a table probe.
    triples: Filter<TRIPLE_WORDS>,
    /// For each pair, the range of sorted phrases that begin with it.
    groups: KeyTable,
    /// Bloom filter and table of the one-character phrases.
    single_filter: Filter<SINGLE_WORDS>,
    singles: KeyTable,
}

/// A summary: the tables hold thousands of phrases and a 16 KB filter, which would swamp an engine's `{:?}`.
impl std::fmt::Debug for PhraseSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhraseSet")
            .field("phrases", &self.ids.len())
            .field("pairs", &self.groups.len())
            .field("singles", &self.singles.len())
            .finish()
    }
}

/// The key of a pair of characters, from their UTF-8 bytes as numbers ([`char_of`]): at most four bytes each,
/// so the key is exact.
#[inline]
fn pair_key(first: u32, second: u32) -> u64 {
    (u64::from(first) << 32) | u64::from(second)
}

/// The filter bit of a key.
#[inline]
fn filter_bit(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - FILTER_BITS)) as usize
}

/// The filter bit of one character ([`char_of`]): a 32-bit hash, tested at every character, is a few
/// instructions cheaper than the pairs' 64-bit one (issue 6).
#[inline]
fn single_bit(c: u32) -> usize {
    (c.wrapping_mul(0x9E37_79B1) >> (32 - SINGLE_BITS)) as usize
}

/// The bit of a pair (`key`) followed by `third` ([`char_of`], 0 for none) in the triples filter.
#[inline]
fn triple_bit(key: u64, third: u32) -> usize {
    ((key.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(third))
        .wrapping_mul(0xD6E8_FEB8_6659_FD93)
        >> (64 - TRIPLE_BITS)) as usize
}

/// A Bloom filter of `64 * WORDS` bits. Its fixed size lets the walk index it without a bounds check: a bit
/// number is the top bits of a hash, as many as the size holds ([`FILTER_BITS`], [`SINGLE_BITS`],
/// [`TRIPLE_BITS`]).
#[derive(Clone)]
struct Filter<const WORDS: usize>(Box<[u64; WORDS]>);

const FILTER_WORDS: usize = (1 << FILTER_BITS) / 64;
const SINGLE_WORDS: usize = (1 << SINGLE_BITS) / 64;
const TRIPLE_WORDS: usize = (1 << TRIPLE_BITS) / 64;

impl<const WORDS: usize> Default for Filter<WORDS> {
    fn default() -> Filter<WORDS> {
        Filter(Box::new([0; WORDS]))
    }
}

impl<const WORDS: usize> Filter<WORDS> {
    #[inline]
    fn has_bit(&self, bit: usize) -> bool {
        self.0[bit / 64] & (1u64 << (bit % 64)) != 0
    }

    fn set_bit(&mut self, bit: usize) {
        self.0[bit / 64] |= 1u64 << (bit % 64);
    }
}

/// The pair filter is indexed by [`filter_bit`], which spans exactly its size. The one-character filter has its
/// own index ([`single_bit`]), and so has the triples filter ([`triple_bit`]), which is of the same size: it is
/// read and set with `has_bit` and `set_bit` only, never with a pair key.
impl Filter<FILTER_WORDS> {
    #[inline]
    fn has(&self, key: u64) -> bool {
        self.has_bit(filter_bit(key))
    }

    fn set(&mut self, key: u64) {
        self.set_bit(filter_bit(key));
    }
}

/// The sorted phrases of each pair (or the one phrase of a character): an open-addressing table whose slots
/// hold the key and the range inline, so that a position passing a filter costs one cache line (issue 6: the
/// general hash map behind the pair filter probed its control bytes, then its bucket, two lines in the L2
/// cache, at 3.4 million positions of the benchmark tree).
#[derive(Clone, Default)]
struct KeyTable {
    /// A power of two of slots, at least twice the number of keys, or none for no key; a slot with `hi == 0`
    /// is empty (a range ends after its first phrase, so `hi` is at least 1).
    slots: Vec<KeySlot>,
}

#[derive(Clone, Copy, Default)]
struct KeySlot {
    key: u64,
    lo: u32,
    hi: u32,
}

impl KeyTable {
    /// The slot a key's probe starts at: the hash's bits below those the filter takes.
    #[inline]
    fn home(&self, key: u64) -> usize {
        let h = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let bits = self.slots.len().trailing_zeros();
        (h >> (64 - FILTER_BITS - bits)) as usize & (self.slots.len() - 1)
    }

    /// A table of the `(key, range)` entries, each key once.
    fn new(entries: &[(u64, (u32, u32))]) -> KeyTable {
        if entries.is_empty() {
            return KeyTable::default();
        }
        let mut table = KeyTable {
            slots: vec![KeySlot::default(); (entries.len() * 2).next_power_of_two()],
        };
        for &(key, (lo, hi)) in entries {
            let mut i = table.home(key);
            while table.slots[i].hi != 0 {
                i = (i + 1) & (table.slots.len() - 1);
            }
            table.slots[i] = KeySlot { key, lo, hi };
        }
        table
    }

    /// True when the table holds no key.
    fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Number of keys (for `Debug`).
    fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.hi != 0).count()
    }

    /// The range of the phrases of `key`.
    #[inline]
    fn get(&self, key: u64) -> Option<(u32, u32)> {
        self.slot(key).map(|s| (s.lo, s.hi))
    }

    /// The slot of `key`.
    #[inline]
    fn slot(&self, key: u64) -> Option<&KeySlot> {
        if self.is_empty() {
            return None;
        }
        let mut i = self.home(key);
        loop {
            let slot = &self.slots[i];
            if slot.hi == 0 {
                return None;
            }
            if slot.key == key {
                return Some(slot);
            }
            i = (i + 1) & (self.slots.len() - 1);
        }
    }
}

/// The character at the start of `word` (four bytes of valid UTF-8 read little-endian, zero-padded past the
/// end of the text) as its bytes read as a number, and its byte length. The walk keys characters by their
/// bytes rather than their code points: one load and a mask instead of a decode (issue 6).
///
/// The length comes from branches, not a table: a branch on the first byte is predicted (Chinese text is
/// mostly three-byte characters), so the next position is known before the load that a table lookup would
/// wait for (issue 6: with a table the walk took fewer instructions but 20% longer).
#[inline(always)]
fn char_of(word: u32) -> (u32, usize) {
    let b0 = word & 0xFF;
    if (0xE0..0xF0).contains(&b0) {
        (word & 0x00FF_FFFF, 3)
    } else if b0 < 0x80 {
        (b0, 1)
    } else if b0 < 0xE0 {
        (word & 0xFFFF, 2)
    } else {
        (word, 4)
    }
}

/// [`char_at`] as the walk needs it: one load and a mask while four bytes are left, padded near the end.
#[inline(always)]
fn char_at_fast(bytes: &[u8], pos: usize) -> (u32, usize) {
    match bytes
        .get(pos..pos + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
    {
        Some(word) => char_of(u32::from_le_bytes(word)),
        None => char_at(bytes, pos),
    }
}

/// The first eight bytes of `bytes` as a little-endian number, zero-padded.
#[inline]
fn head8(bytes: &[u8]) -> u64 {
    match bytes.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
        Some(b) => u64::from_le_bytes(b),
        None => {
            let mut b = [0u8; 8];
            b[..bytes.len()].copy_from_slice(bytes);
            u64::from_le_bytes(b)
        }
    }
}

/// [`char_of`] the character starting at `pos` of valid UTF-8 (`pos` < `bytes.len()`), near the end too.
#[inline]
fn char_at(bytes: &[u8], pos: usize) -> (u32, usize) {
    let mut word = [0u8; 4];
    let rest = &bytes[pos..bytes.len().min(pos + 4)];
    word[..rest.len()].copy_from_slice(rest);
    char_of(u32::from_le_bytes(word))
}

impl PhraseSet {
    /// Indexes `(phrase, id)` pairs. An empty phrase is skipped, and a phrase given twice keeps its smaller id.
    pub fn new<'a>(phrases: impl IntoIterator<Item = (&'a str, u32)>) -> PhraseSet {
        // Sorted by their first eight bytes as a number first, so that most comparisons are not string
        // comparisons.
        let mut keyed: Vec<(u64, &str, u32)> = phrases
            .into_iter()
            .filter(|(p, _)| !p.is_empty())
            .map(|(p, id)| {
                let mut head = [0u8; 8];
                let n = p.len().min(8);
                head[..n].copy_from_slice(&p.as_bytes()[..n]);
                (u64::from_be_bytes(head), p, id)
            })
            .collect();
        keyed.sort_unstable();
        // Narrowing relies on distinct phrases: two equal ones would leave one of exactly `depth` bytes behind.
        keyed.dedup_by(|later, first| later.1 == first.1);
        let sorted: Vec<(&str, u32)> = keyed.into_iter().map(|(_, p, id)| (p, id)).collect();
        let mut set = PhraseSet {
            bytes: Vec::with_capacity(sorted.iter().map(|(p, _)| p.len()).sum()),
            offsets: Vec::with_capacity(sorted.len() + 1),
            heads: Vec::with_capacity(sorted.len()),
            ids: Vec::with_capacity(sorted.len()),
            pairs: Filter::default(),
            triples: Filter::default(),
            groups: KeyTable::default(),
            single_filter: Filter::default(),
            singles: KeyTable::default(),
        };
        set.offsets.push(0);
        let mut groups: Vec<(u64, (u32, u32))> = Vec::new();
        let mut singles: Vec<(u64, (u32, u32))> = Vec::new();
        for (i, &(phrase, id)) in sorted.iter().enumerate() {
            set.bytes.extend_from_slice(phrase.as_bytes());
            set.offsets.push(set.bytes.len() as u32);
            set.heads.push(head8(phrase.as_bytes()));
            set.ids.push(id);
            let (a, first_len) = char_at(phrase.as_bytes(), 0);
            if first_len == phrase.len() {
                set.single_filter.set_bit(single_bit(a));
                singles.push((u64::from(a), (i as u32, i as u32 + 1)));
                continue;
            }
            let (b, second_len) = char_at(phrase.as_bytes(), first_len);
            let key = pair_key(a, b);
            set.pairs.set(key);
            let pair_len = first_len + second_len;
            let third = if phrase.len() == pair_len {
                0
            } else {
                char_at(phrase.as_bytes(), pair_len).0
            };
            set.triples.set_bit(triple_bit(key, third));
            let i = i as u32;
            // Sorted, the phrases of a pair are next to each other.
            match groups.last_mut() {
                Some((k, range)) if *k == key => range.1 = i + 1,
                _ => groups.push((key, (i, i + 1))),
            }
        }
        set.groups = KeyTable::new(&groups);
        set.singles = KeyTable::new(&singles);
        set
    }

    /// Number of phrases.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when the set holds no phrase.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// True when `rest` begins with phrase `i`, whose first eight bytes `rest8` is compared with first
    /// (`head8` of `rest`): most candidates differ there, and a comparison of two numbers costs no call to
    /// `memcmp` (issue 6).
    #[inline(always)]
    fn begins(&self, i: usize, rest: &[u8], rest8: u64) -> bool {
        let p = self.phrase(i);
        let mask = match p.len() {
            n if n >= 8 => u64::MAX,
            n => (1u64 << (8 * n)) - 1,
        };
        rest8 & mask == self.heads[i] && (p.len() <= 8 || rest.starts_with(p))
    }

    fn phrase(&self, i: usize) -> &[u8] {
        &self.bytes[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// Calls `found(id, start, end)` for every occurrence of every phrase in `text`, overlapping ones
    /// included, by start and then shortest first.
    pub fn for_each_match(&self, text: &str, mut found: impl FnMut(u32, usize, usize)) {
        self.for_each_match_in_order(text, |i, start, end| {
            found(self.ids[i as usize], start, end)
        });
    }

    /// The caller's ids in the set's own order: phrase `i` of [`for_each_match_in_order`] has id
    /// `ids_in_order()[i]`.
    ///
    /// [`for_each_match_in_order`]: Self::for_each_match_in_order
    pub fn ids_in_order(&self) -> &[u32] {
        &self.ids
    }

    /// [`for_each_match`](Self::for_each_match), each phrase given by its place in the set's order
    /// ([`ids_in_order`](Self::ids_in_order)) instead of its id: a caller that keeps what it needs of a phrase
    /// in that order looks up one table instead of two at each occurrence (issue 6).
    pub fn for_each_match_in_order(&self, text: &str, mut found: impl FnMut(u32, usize, usize)) {
        if self.ids.is_empty() || text.is_empty() {
            return;
        }
        // Two copies of the walk, so that a set without one-character phrases does not test for them.
        if self.singles.is_empty() {
            self.walk::<false, _>(text.as_bytes(), &mut found);
        } else {
            self.walk::<true, _>(text.as_bytes(), &mut found);
        }
    }

    /// The walk of [`for_each_match_in_order`](Self::for_each_match_in_order) over a non-empty text. The loop
    /// keeps only the previous character and its position; what is done where a filter passes is out of line,
    /// so the loop's state stays in registers.
    #[inline(always)]
    fn walk<const SINGLES: bool, F: FnMut(u32, usize, usize)>(&self, bytes: &[u8], found: &mut F) {
        let (mut prev, first_len) = char_at(bytes, 0);
        if SINGLES {
            self.single_at(prev, 0, first_len, found);
        }
        let mut prev_pos = 0usize;
        let mut pos = first_len;
        // While four bytes are left, a character is one load and a mask; the last few are padded first.
        while pos < bytes.len() {
            let (c, len) = char_at_fast(bytes, pos);
            let key = pair_key(prev, c);
            if self.pairs.has(key) && self.may_begin(key, bytes, pos + len) {
                self.pair_at(key, bytes, prev_pos, pos + len - prev_pos, found);
            }
            if SINGLES {
                self.single_at(c, pos, len, found);
            }
            prev = c;
            prev_pos = pos;
            pos += len;
        }
    }

    /// False when no phrase begins with the pair `key` that ends at `after` and what follows it: the pair is
    /// no phrase, and no longer phrase of it goes on with that character.
    #[inline(always)]
    fn may_begin(&self, key: u64, bytes: &[u8], after: usize) -> bool {
        if self.triples.has_bit(triple_bit(key, 0)) {
            return true;
        }
        let c = if after < bytes.len() {
            char_at_fast(bytes, after).0
        } else {
            0
        };
        self.triples.has_bit(triple_bit(key, c))
    }

    /// Reports the phrases that begin at `at` with the pair `key`, which holds `depth` bytes.
    ///
    /// Generic in `found`, so that what the caller does with an occurrence is compiled into the comparison of
    /// the phrases, not called through a pointer at each of millions of occurrences (issue 6).
    #[inline(never)]
    fn pair_at<F: FnMut(u32, usize, usize)>(
        &self,
        key: u64,
        bytes: &[u8],
        at: usize,
        depth: usize,
        found: &mut F,
    ) {
        let Some(slot) = self.groups.slot(key) else {
            return;
        };
        let (lo, hi) = (slot.lo, slot.hi);
        self.narrow(&bytes[at..], depth, lo as usize, hi as usize, |i, n| {
            found(i as u32, at, at + n)
        });
    }

    /// Reports the one-character phrase `c` at `pos`, if it is one.
    #[inline(always)]
    fn single_at<F: FnMut(u32, usize, usize)>(
        &self,
        c: u32,
        pos: usize,
        len: usize,
        found: &mut F,
    ) {
        if self.single_filter.has_bit(single_bit(c)) {
            if let Some((i, _)) = self.singles.get(u64::from(c)) {
                found(i, pos, pos + len);
            }
        }
    }

    /// Reports (sorted index, length) of every phrase of `lo..hi` that `rest` begins with, shortest first.
    /// All of `lo..hi` share the first `depth` bytes, which `rest` holds.
    #[inline]
    fn narrow(
        &self,
        rest: &[u8],
        mut depth: usize,
        mut lo: usize,
        mut hi: usize,
        mut found: impl FnMut(usize, usize),
    ) {
        loop {
            if hi - lo <= SMALL_RANGE {
                // Sorted, the phrases that `rest` begins with come shortest first.
                let rest8 = head8(rest);
                for i in lo..hi {
                    if self.begins(i, rest, rest8) {
                        found(i, self.phrase(i).len());
                    }
                }
                return;
            }
            // Sorted, a phrase comes before those it begins: the one of exactly `depth` bytes, if any, is first.
            if self.phrase(lo).len() == depth {
                found(lo, depth);
                lo += 1;
            }
            let Some(&b) = rest.get(depth) else { return };
            // Every phrase left is longer than `depth`: keep those with byte `b` there.
            lo = self.first_at_least(lo, hi, depth, b);
            hi = match b.checked_add(1) {
                Some(next) => self.first_at_least(lo, hi, depth, next),
                None => hi,
            };
            if lo == hi {
                return;
            }
            depth += 1;
        }
    }

    /// The first sorted phrase of `lo..hi` whose byte at `depth` is at least `b` (`hi` if none). Every phrase
    /// of the range is longer than `depth` and they are sorted, so that byte does not decrease.
    #[inline]
    fn first_at_least(&self, mut lo: usize, mut hi: usize, depth: usize, b: u8) -> usize {
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.phrase(mid)[depth] < b {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every occurrence of every phrase, by trying each phrase at each character start.
    fn naive(phrases: &[&str], text: &str) -> Vec<(u32, usize, usize)> {
        let mut out = Vec::new();
        for (pos, _) in text.char_indices() {
            for (id, p) in phrases.iter().enumerate() {
                if !p.is_empty() && text[pos..].starts_with(p) {
                    out.push((id as u32, pos, pos + p.len()));
                }
            }
        }
        out.sort_unstable_by_key(|&(_, s, e)| (s, e));
        out
    }

    fn check(phrases: &[&str], text: &str) {
        let set = PhraseSet::new(phrases.iter().enumerate().map(|(i, p)| (*p, i as u32)));
        let mut got = Vec::new();
        set.for_each_match(text, |id, s, e| got.push((id, s, e)));
        assert_eq!(got, naive(phrases, text), "text {text:?}");
    }

    const PHRASES: [&str; 19] = [
        "最",
        "最好",
        "最好的",
        "最好的产品",
        "好的",
        "的",
        "全网最低",
        "网最",
        "低价",
        "最低价",
        "no.1",
        "o.",
        "1",
        "家人们",
        "人们",
        "们",
        "𠀀𠀁",
        "é好",
        "ab\u{7f}",
    ];

    #[test]
    fn finds_what_trying_every_phrase_everywhere_finds() {
        check(
            &PHRASES,
            "全网最低价，最好的no.1家人们最最好好的的，最好的产品𠀀𠀁é好ab\u{7f}",
        );
        check(&PHRASES, "");
        check(&PHRASES, "最");
        check(&["最好"], "最");
        check(&[], "最好");
        // Pseudo-random texts over the phrases' characters and a few others, in one, two, three and four bytes.
        let alphabet: Vec<char> = "最好的全网低价产品no.1家人们，x天𠀀𠀁éab\u{7f}"
            .chars()
            .collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..300 {
            let text: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            check(&PHRASES, &text);
        }
    }

    #[test]
    fn many_phrases_sharing_a_pair_are_narrowed_byte_by_byte() {
        // 300 phrases under one pair, with the byte at each depth spread over the whole range.
        let owned: Vec<String> = (0..300u32)
            .map(|i| format!("最好{}", char::from_u32(0x4E00 + i * 37).unwrap_or('x')))
            .chain(["最好".to_string(), "最好一二三".to_string()])
            .collect();
        let phrases: Vec<&str> = owned.iter().map(String::as_str).collect();
        let text: String = owned.iter().rev().map(|p| format!("{p}，{p}最")).collect();
        check(&phrases, &text);
    }

    #[test]
    fn keys_that_share_a_home_slot_are_all_found_and_probing_wraps_around() {
        // Keys whose probe starts at the last slot of a table of eight: each later one wraps to the front.
        let probe = KeyTable::new(&[(1, (0, 1)), (2, (0, 1)), (3, (0, 1)), (4, (0, 1))]);
        assert_eq!(probe.slots.len(), 8);
        let last: Vec<u64> = (1..100_000u64)
            .filter(|&k| probe.home(k) == 7)
            .take(5)
            .collect();
        assert_eq!(last.len(), 5);
        let entries: Vec<(u64, (u32, u32))> = last[..4]
            .iter()
            .zip(0u32..)
            .map(|(&k, i)| (k, (i, i + 1)))
            .collect();
        let table = KeyTable::new(&entries);
        for &(k, range) in &entries {
            assert_eq!(table.get(k), Some(range));
        }
        assert_eq!(table.get(last[4]), None);
        assert_eq!(table.len(), 4);
        assert_eq!(KeyTable::new(&[]).get(last[0]), None);
    }

    #[test]
    fn the_triples_filter_knows_what_its_pairs_go_on_with() {
        let set = |phrases: &[&str]| PhraseSet::new(phrases.iter().map(|p| (*p, 0)));
        let key = |pair: &str| {
            let (a, n) = char_at(pair.as_bytes(), 0);
            pair_key(a, char_at(pair.as_bytes(), n).0)
        };
        let c = |ch: char| char_at(ch.to_string().as_bytes(), 0).0;
        // Longer phrases only: their third characters, and no mark for the pair on its own.
        let longer = set(&["最好的", "最好用"]);
        assert!(longer.triples.has_bit(triple_bit(key("最好"), c('的'))));
        assert!(longer.triples.has_bit(triple_bit(key("最好"), c('用'))));
        assert!(!longer.triples.has_bit(triple_bit(key("最好"), 0)));
        let text = "最好看，最好的，最好用，最好";
        let at = |needle: &str| text.find(needle).unwrap();
        let bytes = text.as_bytes();
        // 最好看 and the pair at the end of the text are turned away; 最好的 is not.
        assert!(!longer.may_begin(key("最好"), bytes, at("看")));
        assert!(longer.may_begin(key("最好"), bytes, at("的")));
        assert!(!longer.may_begin(key("最好"), bytes, text.len()));
        // The pair is a phrase itself: every continuation passes.
        let whole = set(&["最好的", "最好"]);
        assert!(whole.may_begin(key("最好"), bytes, at("看")));
        assert!(whole.may_begin(key("最好"), bytes, text.len()));
        check(&["最好的", "最好用"], text);
        check(&["最好的", "最好"], text);
    }

    #[test]
    fn a_repeated_phrase_keeps_its_first_id() {
        let set = PhraseSet::new([("最好", 3), ("最好", 1), ("好", 2), ("好", 0)]);
        assert_eq!(set.len(), 2);
        let mut got = Vec::new();
        set.for_each_match("最好", |id, s, e| got.push((id, s, e)));
        assert_eq!(got, [(1, 0, 6), (0, 3, 6)]);
    }
}
