//! Inputs: bytes -> decoded text -> `Document` (text, kind, and for transcripts the cue times).

pub mod asr;
pub mod decode;
pub mod listing;
pub mod origin;
pub mod srt;
pub mod transcript;
pub mod vtt;
pub mod yamlpos;

use std::ops::{Deref, Range};
use std::path::Path;
use std::sync::Arc;

use crate::error::InputError;
use crate::rules::schema::{ProductCategory, Scope};

/// Largest input read whole; larger files are reported, not scanned (offsets are kept in 32 bits).
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// A transcript cue or ASR segment: its byte range in `Document::text` and its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Byte range of the cue text inside the joined document text.
    pub range: Range<usize>,
    /// Start time in milliseconds.
    pub start_ms: u64,
    /// End time in milliseconds.
    pub end_ms: u64,
}

/// The decoded text of a document: owned, or a read-only map of a big UTF-8 file.
///
/// Reading 100 MB into memory cost a sixth of a scan of it, most of it copying and zeroing pages before the
/// first byte could be scanned (issue 6); a map costs neither, and the scan starts at once. Mapped text is
/// checked to be UTF-8 when it is mapped. As with ripgrep's maps, a file that another program changes while it
/// is scanned can give wrong spans, or stop the run if it is cut short; `--no-mmap` reads instead.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Owned(String),
    /// Valid UTF-8 (checked when mapped).
    Mapped(Arc<memmap2::Mmap>),
}

impl Text {
    /// The text as a string slice.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Owned(s) => s,
            // SAFETY: `Text::mapped` admits only maps that hold valid UTF-8, and the map is read-only.
            Repr::Mapped(m) => unsafe { std::str::from_utf8_unchecked(m) },
        }
    }

    /// Whether the text is a map of its file rather than a copy.
    pub fn is_mapped(&self) -> bool {
        matches!(self.0, Repr::Mapped(_))
    }

    /// A map that holds UTF-8; gives it back otherwise.
    fn mapped(map: memmap2::Mmap) -> Result<Text, memmap2::Mmap> {
        if is_utf8(&map) {
            Ok(Text(Repr::Mapped(Arc::new(map))))
        } else {
            Err(map)
        }
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Repr::Owned(s))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(Repr::Owned(s.to_string()))
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// One input, ready to scan.
#[derive(Debug, Clone)]
pub struct Document {
    /// Path as displayed.
    pub path: String,
    /// Script, transcript or listing.
    pub kind: Scope,
    /// Decoded text; every span refers to it.
    pub text: Text,
    /// Cues, sorted by range (transcripts only).
    pub segments: Vec<Segment>,
    /// Product categories the input is about.
    pub products: Vec<ProductCategory>,
    /// For transcripts: the decoded file, when `text` is the joined cue text. Findings are mapped back to it.
    pub origin: Option<origin::Origin>,
}

impl Document {
    /// A plain-text document.
    pub fn script(path: impl Into<String>, text: impl Into<Text>) -> Document {
        Document {
            path: path.into(),
            kind: Scope::Script,
            text: text.into(),
            segments: Vec::new(),
            products: Vec::new(),
            origin: None,
        }
    }

    /// The text reports show and count lines in: the decoded file (for transcripts, not the joined cue text).
    pub fn file_text(&self) -> &str {
        self.origin.as_ref().map_or(self.text.as_str(), |o| &o.text)
    }

    /// The start of the cue holding `span.start` and the end of the cue holding the end of the span.
    pub fn time_of(&self, span: Range<usize>) -> Option<(u64, u64)> {
        let find = |at: usize| {
            let i = self.segments.partition_point(|s| s.range.end <= at);
            self.segments.get(i).or_else(|| self.segments.last())
        };
        let first = find(span.start)?;
        let last = find(span.end.saturating_sub(1).max(span.start))?;
        Some((first.start_ms, last.end_ms.max(first.start_ms)))
    }
}

/// What kind of input a path is, by its name; `None` for files a folder walk does not pick up.
pub fn kind_for_path(path: &Path) -> Option<Scope> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if listing::is_listing_name(&name) {
        return Some(Scope::Listing);
    }
    let ext = name.rsplit('.').next()?;
    match ext {
        "txt" | "md" | "markdown" => Some(Scope::Script),
        // YAML is a listing only with a top-level `products:` key; the listing loader skips the others (rule
        // packs, configs) silently. A `.json` is read by both loaders: a transcript with `segments`, a listing
        // with `products`.
        "yaml" | "yml" => Some(Scope::Listing),
        _ => transcript::format_for_name(&name).map(|_| Scope::Transcript),
    }
}

/// Why a file was not scanned, without being an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// It holds NUL bytes: not text.
    Binary,
    /// JSON that is not a transcript (no `segments`), found by extension.
    NotTranscript,
}

impl SkipReason {
    /// Why, as listed in reports.
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary file",
            SkipReason::NotTranscript => "JSON without transcript segments",
        }
    }
}

/// The outcome of reading one input.
#[derive(Debug)]
pub enum Loaded {
    /// Ready to scan.
    Doc(Document),
    /// Not text; listed in the report.
    Skipped(SkipReason),
}

/// Turns raw bytes of a named input into a document (decoding, format parsing). A transcript's format is
/// taken from the name's extension.
pub fn load_bytes(
    display: &str,
    kind: Scope,
    bytes: &[u8],
    forced_encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<Loaded, InputError> {
    let format = match kind {
        Scope::Transcript => {
            let name = display.rsplit('/').next().unwrap_or(display);
            transcript::format_for_name(&name.to_ascii_lowercase())
        }
        _ => None,
    };
    load_bytes_as(display, kind, format, bytes, forced_encoding)
}

/// Like `load_bytes`, parsing the decoded text as a transcript in `format` when one is given.
pub fn load_bytes_as(
    display: &str,
    kind: Scope,
    format: Option<transcript::TranscriptFormat>,
    bytes: &[u8],
    forced_encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<Loaded, InputError> {
    let err = |message: String| InputError {
        path: display.to_string(),
        message,
    };
    if forced_encoding.is_none() && decode::looks_binary(bytes) {
        return Ok(Loaded::Skipped(SkipReason::Binary));
    }
    let text = decode::decode(bytes, forced_encoding).map_err(err)?;
    if let Some(format) = format {
        return match transcript::parse(display, format, text) {
            Ok(transcript::Parsed::Doc(doc)) => Ok(Loaded::Doc(doc)),
            Ok(transcript::Parsed::NotTranscript) => Ok(Loaded::Skipped(SkipReason::NotTranscript)),
            Err(e) => Err(err(e.to_string())),
        };
    }
    Ok(Loaded::Doc(Document {
        path: display.to_string(),
        kind,
        text: text.into(),
        segments: Vec::new(),
        products: Vec::new(),
        origin: None,
    }))
}

/// Reads a file from disk, or maps it when `map` is set and it is a big plain script. Never writes to it.
pub fn load_path(
    path: &Path,
    display: &str,
    kind: Scope,
    forced_encoding: Option<&'static encoding_rs::Encoding>,
    map: bool,
) -> Result<Loaded, InputError> {
    let err = |message: String| InputError {
        path: display.to_string(),
        message,
    };
    // One open, and the size from the open file: a stat of the path and a second open per file were a
    // percent of a run on a tree of 2,000 scripts (issue 6).
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(format!(
            "file is {} bytes, larger than the {} byte limit",
            meta.len(),
            MAX_FILE_BYTES
        )));
    }
    if map && meta.len() >= MAP_BYTES && meta.is_file() {
        let mapped = map_file(&file).map_err(|e| err(format!("cannot read: {e}")))?;
        if !is_plain(kind, &mapped, forced_encoding) {
            // Decoded or parsed into text of its own: the map is only read once.
            return load_bytes(display, kind, &mapped, forced_encoding);
        }
        return match Text::mapped(mapped) {
            Ok(text) => Ok(Loaded::Doc(Document::script(display, text))),
            Err(mapped) => load_bytes(display, kind, &mapped, forced_encoding),
        };
    }
    let bytes = read_file(&file, path, meta.len()).map_err(|e| err(format!("cannot read: {e}")))?;
    load_owned(display, kind, bytes, forced_encoding)
}

/// Plain scripts at least this big are mapped rather than read (see [`Text`]). Below it a read is as cheap
/// and a map's set-up and page faults are not worth it.
pub const MAP_BYTES: u64 = 4 * 1024 * 1024;

/// Maps a whole file read-only.
fn map_file(file: &std::fs::File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and private to this process; livelint never writes to the files it
    // audits. Another program changing the file while it is scanned is the documented risk of `Text`.
    unsafe { memmap2::Mmap::map(file) }
}

/// A script read without any decoding: no forced encoding, no byte-order mark, not binary. Such bytes are
/// used as they are when they are UTF-8.
fn is_plain(
    kind: Scope,
    bytes: &[u8],
    forced_encoding: Option<&'static encoding_rs::Encoding>,
) -> bool {
    kind == Scope::Script
        && forced_encoding.is_none()
        && encoding_rs::Encoding::for_bom(bytes).is_none()
        && !decode::looks_binary(bytes)
}

/// Files at least this big are read, and checked for UTF-8, in two halves side by side.
const SPLIT_READ_BYTES: u64 = 8 * 1024 * 1024;

/// Reads a whole file: `file` is open, `len` is its size when it was opened, and `path` where to read it again
/// if it changed since. The bytes come in one read of that size, as `std::fs::read` does (`File::read_to_end`
/// would ask the system for the size again, and without it reads 8, 16, then 32 KB at a time). A big file is
/// read in two halves on two threads of the current rayon pool: reading 100 MB into memory was a fifth of a scan
/// of it, all on one core (issue 6), and each half faults its pages in on its own thread. The buffer is not
/// zeroed first: a script of a tree is a few dozen KB, below the size the allocator takes fresh (zeroed) pages
/// for, so `vec![0; n]` cleared each buffer before the read overwrote it, 2% of the instructions of a scan of
/// the benchmark tree.
#[cfg(unix)]
fn read_file(file: &std::fs::File, path: &Path, len: u64) -> std::io::Result<Vec<u8>> {
    let Ok(n) = usize::try_from(len) else {
        return std::fs::read(path);
    };
    let mut buf: Vec<u8> = Vec::with_capacity(n);
    let spare = &mut buf.spare_capacity_mut()[..n];
    let whole = if len >= SPLIT_READ_BYTES && rayon::current_num_threads() >= 2 {
        let half = n / 2;
        let (a, b) = spare.split_at_mut(half);
        let (ra, rb) = rayon::join(|| read_at(file, a, 0), || read_at(file, b, half as u64));
        ra? == half && rb? == n - half
    } else {
        read_at(file, spare, 0)? == n
    };
    // The file changed size while it was read: read it again the plain way.
    let mut probe = [std::mem::MaybeUninit::uninit()];
    if !whole || read_at(file, &mut probe, len)? != 0 {
        return std::fs::read(path);
    }
    // SAFETY: `whole`: the reads above wrote all `n` bytes of the capacity.
    unsafe { buf.set_len(n) };
    Ok(buf)
}

#[cfg(not(unix))]
fn read_file(_file: &std::fs::File, path: &Path, _len: u64) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}

/// Fills `buf` from `offset` of `file` on, stopping early only at the end of the file; returns the bytes read,
/// which are the first ones of `buf`. `buf` need not be initialized: `pread` writes it.
#[cfg(unix)]
fn read_at(
    file: &std::fs::File,
    buf: &mut [std::mem::MaybeUninit<u8>],
    offset: u64,
) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;
    let mut done = 0;
    while done < buf.len() {
        let at = offset
            .checked_add(done as u64)
            .and_then(|o| libc::off_t::try_from(o).ok())
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        let rest = &mut buf[done..];
        // SAFETY: `pread` writes at most `rest.len()` bytes to `rest`, memory this function may write.
        let got =
            unsafe { libc::pread(file.as_raw_fd(), rest.as_mut_ptr().cast(), rest.len(), at) };
        match usize::try_from(got) {
            Ok(0) => break,
            Ok(got) => done += got,
            Err(_) => {
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
    Ok(done)
}

/// Like [`load_bytes`], but a plain UTF-8 script takes over the buffer instead of copying it: a 100 MB
/// file is then in memory once, not twice (issue 6, peak memory).
fn load_owned(
    display: &str,
    kind: Scope,
    bytes: Vec<u8>,
    forced_encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<Loaded, InputError> {
    if !is_plain(kind, &bytes, forced_encoding) {
        return load_bytes(display, kind, &bytes, forced_encoding);
    }
    match utf8_string(bytes) {
        Ok(text) => Ok(Loaded::Doc(Document::script(display, text))),
        Err(bytes) => load_bytes(display, kind, &bytes, forced_encoding),
    }
}

/// `String::from_utf8` without the copy, with a SIMD check: std's check is a tenth of the time of a whole run
/// on Chinese text, simdutf8's about a hundredth (issue 6). Gives the bytes back when they are not UTF-8.
fn utf8_string(bytes: Vec<u8>) -> Result<String, Vec<u8>> {
    if !is_utf8(&bytes) {
        return Err(bytes);
    }
    // SAFETY: `is_utf8` has just checked that `bytes` is valid UTF-8, and nothing changed it since.
    Ok(unsafe { String::from_utf8_unchecked(bytes) })
}

/// Buffers of two pieces or more are checked for UTF-8 in pieces of this size, on all threads of the current pool.
const UTF8_PIECE_BYTES: usize = 1 << 20;

/// Whether `bytes` is UTF-8. A big buffer is checked in pieces side by side, each cut before a byte that starts
/// a character (valid pieces make a valid whole, and a valid whole cuts there into valid pieces). Pieces rather
/// than halves: the check runs while the other thread builds the engine, and whichever thread is free takes
/// the next piece, so on a 10 MB script neither waits for the other (issue 6, target 6).
fn is_utf8(bytes: &[u8]) -> bool {
    use rayon::prelude::*;
    let check = |b: &[u8]| simdutf8::basic::from_utf8(b).is_ok();
    if bytes.len() < 2 * UTF8_PIECE_BYTES || rayon::current_num_threads() < 2 {
        return check(bytes);
    }
    let mut cuts = vec![0];
    let mut at = UTF8_PIECE_BYTES;
    while at < bytes.len() {
        // At most three continuation bytes follow a start byte in valid UTF-8: a cut that finds a fourth is
        // inside an invalid sequence, which the piece after it then starts with.
        let mut cut = at;
        while cut < bytes.len() && (bytes[cut] & 0xC0) == 0x80 && cut < at + 3 {
            cut += 1;
        }
        cuts.push(cut);
        at = cut + UTF8_PIECE_BYTES;
    }
    cuts.push(bytes.len());
    cuts.par_windows(2)
        .with_max_len(1)
        .all(|w| check(&bytes[w[0]..w[1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_threads<T: Send>(f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(f)
    }

    #[test]
    fn big_files_read_in_halves_are_read_whole() {
        // Three-byte characters put the middle of the file inside a character.
        let text = "全网最低价，abc。\n".repeat(SPLIT_READ_BYTES as usize / 20 + 1);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        std::fs::write(&path, &text).unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len >= SPLIT_READ_BYTES);
        let read = |len| {
            let file = std::fs::File::open(&path).unwrap();
            two_threads(|| read_file(&file, &path, len)).unwrap()
        };
        assert!(read(len) == text.as_bytes());
        // A size that is out of date (the file grew or shrank) falls back to a plain read.
        assert!(read(len - 1) == text.as_bytes());
        assert!(read(len + 1) == text.as_bytes());
        // Small files are read whole from the open file.
        let small = dir.path().join("small.txt");
        std::fs::write(&small, "全网最低价").unwrap();
        let file = std::fs::File::open(&small).unwrap();
        assert_eq!(
            read_file(&file, &small, 15).unwrap(),
            "全网最低价".as_bytes()
        );
        for stale in [14, 16] {
            assert_eq!(
                read_file(&file, &small, stale).unwrap(),
                "全网最低价".as_bytes()
            );
        }
    }

    #[test]
    fn reads_at_an_offset_stop_at_the_buffers_end_or_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("script.txt");
        let text = "全网最低价，仅此一场。\n".repeat(5000);
        std::fs::write(&path, &text).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let n = text.len();
        let read = |len: usize, offset: usize| {
            let mut buf = vec![std::mem::MaybeUninit::<u8>::uninit(); len];
            let got = read_at(&file, &mut buf, offset as u64).unwrap();
            // SAFETY: `read_at` wrote the first `got` bytes.
            buf[..got]
                .iter()
                .map(|b| unsafe { b.assume_init() })
                .collect::<Vec<u8>>()
        };
        assert!(read(n, 0) == text.as_bytes());
        assert!(read(n - 7, 0) == text.as_bytes()[..n - 7]);
        assert!(read(n + 100, 0) == text.as_bytes());
        assert!(read(100, n - 40) == text.as_bytes()[n - 40..]);
        assert!(read(0, 0).is_empty());
        assert!(read(1, n).is_empty());
    }

    #[test]
    fn big_plain_scripts_are_mapped_and_others_read() {
        let text = "全网最低价，abc。\n".repeat(MAP_BYTES as usize / 20 + 1);
        let dir = tempfile::tempdir().unwrap();
        let load = |name: &str, bytes: &[u8], kind: Scope, map: bool| -> Document {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            match load_path(&path, name, kind, None, map).unwrap() {
                Loaded::Doc(doc) => doc,
                Loaded::Skipped(r) => panic!("{name} skipped: {}", r.describe()),
            }
        };
        let doc = load("big.txt", text.as_bytes(), Scope::Script, true);
        assert!(doc.text.is_mapped());
        assert!(doc.text.as_str() == text);
        let doc = load("read.txt", text.as_bytes(), Scope::Script, false);
        assert!(!doc.text.is_mapped());
        assert!(doc.text.as_str() == text);
        // A byte-order mark is decoded (and dropped), GBK is decoded: both into text of their own.
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        let doc = load("bom.txt", &bom, Scope::Script, true);
        assert!(!doc.text.is_mapped());
        assert!(doc.text.as_str() == text);
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let doc = load("gbk.txt", &gbk, Scope::Script, true);
        assert!(!doc.text.is_mapped());
        assert!(doc.text.as_str() == text);
        // Small files are read.
        assert!(!load("small.txt", "最好".as_bytes(), Scope::Script, true)
            .text
            .is_mapped());
        // A cloned document keeps the same text.
        let doc = load("big2.txt", text.as_bytes(), Scope::Script, true);
        assert!(doc.clone().text.as_str() == text);
    }

    #[test]
    fn utf8_checked_in_pieces_agrees_with_std() {
        let text = "全网最低价，abc。\n".repeat(3 * UTF8_PIECE_BYTES / 20 + 1);
        // The first cut falls inside a character.
        let mid = UTF8_PIECE_BYTES;
        assert!(!text.is_char_boundary(mid) || !text.is_char_boundary(mid + 1));
        two_threads(|| {
            assert!(is_utf8(text.as_bytes()));
            let last = text.len() - 1;
            for at in [0, mid - 1, mid, mid + 1, mid + 2, 2 * mid + 1, last] {
                let mut bad = text.clone().into_bytes();
                bad[at] = 0xFF;
                assert!(!is_utf8(&bad), "0xFF at {at}");
                let mut cut = text.clone().into_bytes();
                // A continuation byte where a character should start, or a start byte without its tail.
                cut[at] = if text.is_char_boundary(at) {
                    0x80
                } else {
                    0xE5
                };
                assert_eq!(is_utf8(&cut), std::str::from_utf8(&cut).is_ok(), "at {at}");
            }
            // A four-byte character across the cut, with one to three of its bytes before it, is valid; four
            // continuation bytes from the cut on are not.
            for before in 1..=3 {
                let mut across = "a".repeat(mid - before);
                across.push('😀');
                across.push_str(&"a".repeat(2 * mid));
                assert!(
                    is_utf8(across.as_bytes()),
                    "😀 with {before} bytes before the cut"
                );
            }
            let mut four = "a".repeat(mid).into_bytes();
            four.extend_from_slice(&[0x80; 4]);
            four.extend_from_slice("a".repeat(2 * mid).as_bytes());
            assert!(std::str::from_utf8(&four).is_err());
            assert!(!is_utf8(&four), "four continuation bytes at the cut");
        });
    }

    #[test]
    fn utf8_check_agrees_with_std() {
        let text = "全网最低价，abc。\n".repeat(1000);
        assert_eq!(
            utf8_string(text.clone().into_bytes()).as_deref(),
            Ok(text.as_str())
        );
        // A continuation byte where a character starts is invalid.
        let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for at in [0, starts[starts.len() / 2], starts[starts.len() - 1]] {
            let mut bad = text.clone().into_bytes();
            bad[at] = 0x80;
            assert!(std::str::from_utf8(&bad).is_err());
            assert!(utf8_string(bad).is_err());
        }
        // Text cut inside its last character (。 before the newline).
        let mut cut = text.into_bytes();
        cut.truncate(cut.len() - 2);
        assert!(utf8_string(cut).is_err());
    }

    #[test]
    fn time_of_spans_cues() {
        let doc = Document {
            path: "a.srt".into(),
            kind: Scope::Transcript,
            text: "全网\n最低价".into(),
            segments: vec![
                Segment {
                    range: 0..6,
                    start_ms: 1000,
                    end_ms: 2000,
                },
                Segment {
                    range: 7..16,
                    start_ms: 2000,
                    end_ms: 3500,
                },
            ],
            products: vec![],
            origin: None,
        };
        assert_eq!(doc.time_of(0..16), Some((1000, 3500)));
        assert_eq!(doc.time_of(7..10), Some((2000, 3500)));
    }
}
