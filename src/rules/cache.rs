//! A cache of user rule packs as parsed, so that a pre-commit hook does not read the same YAML on every run
//! (issue 6: start-up).
//!
//! A pack named with `--rules` is YAML, and libyaml reads it at about 28 MB/s: 0.7 ms for a pack of 870
//! keywords, 8.4 ms for one of 10,000, on each run. The same document as JSON parses ten times faster. So once
//! a pack has been parsed and compiled without an error, its document is kept as JSON in the cache directory
//! beside an exact copy of the YAML it came from, and a later run that reads the same bytes takes the JSON.
//!
//! - An entry is used only when its copy of the YAML equals the pack's text byte for byte and it was written
//!   by this version of livelint: an edited pack is never read from an old entry.
//! - The JSON is the YAML document itself, made as `build.rs` makes the embedded packs' (not livelint's rule
//!   types), so what a pack means does not depend on whether it came from the cache. A pack is compiled from
//!   it exactly as from the YAML, and its errors still point at lines of the YAML.
//! - An entry that cannot be read, parsed or written is ignored and the YAML is parsed: the cache can make a
//!   run faster, never different. Entries are written to a temporary file and renamed, so two runs at once
//!   never read half an entry.
//! - Small packs are not cached: below [`MIN_CACHED_BYTES`] reading an entry costs about what parsing does.
//!
//! The directory is `$LIVELINT_CACHE_DIR`, else the user's cache directory (`$XDG_CACHE_HOME/livelint` or
//! `~/.cache/livelint`; `~/Library/Caches/livelint` on macOS; `%LOCALAPPDATA%\livelint` on Windows). An
//! empty `LIVELINT_CACHE_DIR`, or `--no-cache`, turns the cache off. It holds at most [`MAX_ENTRIES`] entries;
//! deleting it loses nothing.

use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::PathBuf;

/// Packs shorter than this are parsed each time (a few hundred keywords or fewer).
pub const MIN_CACHED_BYTES: usize = 8 * 1024;

/// Entries kept; the oldest beyond this are deleted when one is written.
pub const MAX_ENTRIES: usize = 64;

/// The first line of every entry: a different version of livelint ignores the entries of this one.
const HEADER: &str = concat!("livelint pack cache ", env!("CARGO_PKG_VERSION"), "\n");

/// The cache directory of parsed packs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackCache {
    dir: PathBuf,
}

impl PackCache {
    /// A cache in `dir` (created when the first entry is written).
    pub fn at(dir: impl Into<PathBuf>) -> PackCache {
        PackCache { dir: dir.into() }
    }

    /// The cache the environment names (see the module documentation), or `None` when it is turned off or
    /// there is no cache directory to use.
    pub fn from_env() -> Option<PackCache> {
        PackCache::from_vars(|name| std::env::var_os(name))
    }

    /// [`PackCache::from_env`] with the environment read through `var`.
    fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Option<PackCache> {
        if let Some(dir) = var("LIVELINT_CACHE_DIR") {
            return (!dir.is_empty()).then(|| PackCache::at(dir));
        }
        let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let base = if cfg!(windows) {
            set("LOCALAPPDATA")
        } else if cfg!(target_os = "macos") {
            set("HOME").map(|h| h.join("Library").join("Caches"))
        } else {
            set("XDG_CACHE_HOME").or_else(|| set("HOME").map(|h| h.join(".cache")))
        };
        base.map(|b| PackCache::at(b.join("livelint")))
    }

    /// The pack `text` as a JSON document, if an entry for exactly this text is kept.
    pub fn lookup(&self, text: &str) -> Option<String> {
        if text.len() < MIN_CACHED_BYTES {
            return None;
        }
        let bytes = fs::read(self.entry_path(text)).ok()?;
        let rest = bytes.strip_prefix(HEADER.as_bytes())?;
        let newline = rest.iter().position(|&b| b == b'\n')?;
        let len: usize = std::str::from_utf8(&rest[..newline]).ok()?.parse().ok()?;
        let body = &rest[newline + 1..];
        let (yaml, json) = (body.get(..len)?, body.get(len..)?);
        if yaml != text.as_bytes() {
            return None;
        }
        simdutf8::basic::from_utf8(json).ok().map(str::to_string)
    }

    /// Keeps `text`, a pack that has just parsed and compiled, as JSON. Does nothing for a small pack, or one
    /// whose document has no JSON form (a key that is not a string); errors are ignored. The YAML is parsed a
    /// second time here, into a document rather than the rule types, as `build.rs` does for the embedded
    /// packs; that happens once per pack text, on the run that finds no entry.
    pub fn store(&self, text: &str) {
        if text.len() < MIN_CACHED_BYTES {
            return;
        }
        let Some(json) = serde_yaml::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|doc| serde_json::to_string(&doc).ok())
        else {
            return;
        };
        let _ = self.write_entry(text, &json);
        self.prune();
    }

    fn write_entry(&self, text: &str, json: &str) -> std::io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let path = self.entry_path(text);
        // Unique to this process and this write: two packs of one run, or two runs, never share a file.
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
        let mut f = fs::File::create(&tmp)?;
        let written = (|| {
            f.write_all(HEADER.as_bytes())?;
            f.write_all(format!("{}\n", text.len()).as_bytes())?;
            f.write_all(text.as_bytes())?;
            f.write_all(json.as_bytes())
        })();
        drop(f);
        match written.and_then(|()| fs::rename(&tmp, &path)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// Deletes the oldest entries beyond [`MAX_ENTRIES`], and temporary files an hour old (left by a run that
    /// was killed while it wrote one).
    fn prune(&self) {
        let Ok(dir) = fs::read_dir(&self.dir) else {
            return;
        };
        // `checked_sub`: a clock set before 1970 plus an hour leaves no file stale rather than panicking.
        let stale = std::time::SystemTime::now().checked_sub(std::time::Duration::from_secs(3600));
        let mut entries: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
        for e in dir.filter_map(Result::ok) {
            let path = e.path();
            let Some(modified) = e.metadata().ok().and_then(|m| m.modified().ok()) else {
                continue;
            };
            match path.extension().and_then(|x| x.to_str()) {
                Some("pack") => entries.push((modified, path)),
                Some(x) if x.starts_with("tmp") && stale.is_some_and(|s| modified < s) => {
                    let _ = fs::remove_file(&path);
                }
                _ => {}
            }
        }
        if entries.len() <= MAX_ENTRIES {
            return;
        }
        entries.sort();
        for (_, path) in &entries[..entries.len() - MAX_ENTRIES] {
            let _ = fs::remove_file(path);
        }
    }

    /// Where the entry for `text` is: named by a hash of the text, which only finds the entry; the copy of
    /// the text inside decides whether it is used.
    fn entry_path(&self, text: &str) -> PathBuf {
        self.dir
            .join(format!("{:016x}.pack", fnv1a(text.as_bytes())))
    }
}

/// 64-bit FNV-1a: stable across builds and platforms, unlike std's hasher, so a name found once is found again.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(n: usize) -> String {
        let mut s = String::from("pack: big\nrules:\n  - id: words\n    match:\n      keywords:\n");
        for i in 0..n {
            s.push_str(&format!("        - 词{i}\n"));
        }
        s
    }

    #[test]
    fn an_entry_is_found_only_for_the_same_text() {
        let dir = tempfile::tempdir().unwrap();
        let cache = PackCache::at(dir.path().join("c"));
        let text = pack(1000);
        assert!(cache.lookup(&text).is_none());
        cache.store(&text);
        let json = cache.lookup(&text).expect("stored");
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(doc["rules"][0]["match"]["keywords"][999], "词999");
        // One byte more, or one changed, is another pack.
        assert!(cache.lookup(&format!("{text}\n")).is_none());
        assert!(cache.lookup(&text.replacen("词5", "词6", 1)).is_none());
        // A small pack is never kept.
        let small = pack(3);
        cache.store(&small);
        assert!(cache.lookup(&small).is_none());
    }

    #[test]
    fn a_damaged_or_foreign_entry_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let cache = PackCache::at(dir.path());
        let text = pack(1000);
        cache.store(&text);
        let path = cache.entry_path(&text);
        let good = fs::read(&path).unwrap();
        // Another version's entry.
        let other = [b"livelint pack cache 0.0.0\n", &good[HEADER.len()..]].concat();
        fs::write(&path, other).unwrap();
        assert!(cache.lookup(&text).is_none());
        // Cut short inside the copy of the YAML.
        fs::write(&path, &good[..HEADER.len() + 100]).unwrap();
        assert!(cache.lookup(&text).is_none());
        // A length that is no number.
        let bad = [HEADER.as_bytes(), b"x\n", &good[HEADER.len()..]].concat();
        fs::write(&path, bad).unwrap();
        assert!(cache.lookup(&text).is_none());
        fs::write(&path, &good).unwrap();
        assert!(cache.lookup(&text).is_some());
        // Another text's entry under this text's name (as a hash collision would put it).
        let other_text = pack(1001);
        fs::write(cache.entry_path(&other_text), &good).unwrap();
        assert!(cache.lookup(&other_text).is_none());
    }

    #[test]
    fn the_oldest_entries_beyond_the_limit_are_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let cache = PackCache::at(dir.path());
        let texts: Vec<String> = (0..MAX_ENTRIES + 3)
            .map(|i| format!("{}# {i}\n", pack(1000)))
            .collect();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for (i, t) in texts.iter().enumerate() {
            cache.store(t);
            // The first three are the oldest.
            if i < 3 {
                let f = fs::File::options()
                    .write(true)
                    .open(cache.entry_path(t))
                    .unwrap();
                f.set_modified(old).unwrap();
            }
        }
        let kept = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(kept, MAX_ENTRIES);
        // A temporary file an hour old goes at the next write; a fresh one (another run writing) stays.
        let old_tmp = dir.path().join("0000000000000000.tmp1");
        let new_tmp = dir.path().join("0000000000000001.tmp2");
        fs::write(&old_tmp, "x").unwrap();
        fs::write(&new_tmp, "x").unwrap();
        fs::File::options()
            .write(true)
            .open(&old_tmp)
            .unwrap()
            .set_modified(old)
            .unwrap();
        cache.store(&texts[5]);
        assert!(!old_tmp.exists());
        assert!(new_tmp.exists());
        assert!(texts[..3].iter().all(|t| cache.lookup(t).is_none()));
        assert!(texts[3..].iter().all(|t| cache.lookup(t).is_some()));
    }

    #[test]
    fn the_environment_names_the_directory_or_turns_the_cache_off() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let named = PackCache::from_vars(env(&[
            ("LIVELINT_CACHE_DIR", "/c/ll"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
            ("LOCALAPPDATA", "/l"),
        ]));
        assert_eq!(named, Some(PackCache::at("/c/ll")));
        let off = PackCache::from_vars(env(&[("LIVELINT_CACHE_DIR", ""), ("HOME", "/h")]));
        assert_eq!(off, None);
        assert_eq!(PackCache::from_vars(env(&[])), None);
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            let xdg = PackCache::from_vars(env(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")]));
            assert_eq!(xdg, Some(PackCache::at("/x/livelint")));
            let home = PackCache::from_vars(env(&[("XDG_CACHE_HOME", ""), ("HOME", "/h")]));
            assert_eq!(home, Some(PackCache::at("/h/.cache/livelint")));
        }
    }
}
