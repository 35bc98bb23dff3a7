//! A fast hasher for the tables built at start-up (phrases and regex literals, thousands of short strings).
//! std's SipHash resists collision attacks the rule packs cannot mount, and hashing was a tenth of building
//! the engine (issue 6). This is the multiply-rotate hash of Firefox and rustc ("FxHash").

use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FxHasher`].
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The hasher itself: the length, then eight bytes at a time.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        // The length first, so that zero padding of the last word does not make "ab" and "ab\0" collide.
        self.add(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_with_it_finds_what_it_holds() {
        let words: Vec<String> = (0..5000).map(|i| format!("最{i}好")).collect();
        let mut map: FxHashMap<&str, usize> = FxHashMap::default();
        for (i, w) in words.iter().enumerate() {
            assert_eq!(map.insert(w.as_str(), i), None);
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(map.get(w.as_str()), Some(&i));
        }
        assert_eq!(map.get("最好"), None);
        // Byte strings that differ only in the zero padding of the last word hash apart.
        let h = |s: &str| {
            let mut h = FxHasher::default();
            h.write(s.as_bytes());
            h.finish()
        };
        assert_ne!(h("ab"), h("ab\0"));
    }
}
