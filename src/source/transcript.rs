//! Transcript formats (issue 4): which files are transcripts, and what the SRT and WebVTT parsers share
//! (lines with their offsets, clock times, cue text with its markup left out).

use std::fmt;

use crate::rules::schema::Scope;
use crate::source::origin::{Joiner, Origin};
use crate::source::{asr, srt, vtt, Document};

/// How a transcript file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranscriptFormat {
    /// SubRip `.srt`.
    Srt,
    /// WebVTT `.vtt`.
    Vtt,
    /// ASR JSON in Whisper's shape: `{"segments":[{"start":12.3,"end":15.1,"text":"…"}]}`.
    AsrJson,
    /// JSON Lines, one segment object a line.
    JsonLines,
}

/// The transcript format a (lower-case) file name stands for. `*.listing.json` and the other listing names
/// are product listings, not transcripts, so they get `None` here.
pub fn format_for_name(lower_name: &str) -> Option<TranscriptFormat> {
    let mut parts = lower_name.rsplit('.');
    let ext = parts.next()?;
    if parts.next() == Some("listing") {
        return None;
    }
    match ext {
        "srt" => Some(TranscriptFormat::Srt),
        "vtt" => Some(TranscriptFormat::Vtt),
        "json" => Some(TranscriptFormat::AsrJson),
        "jsonl" | "ndjson" => Some(TranscriptFormat::JsonLines),
        _ => None,
    }
}

/// A transcript that cannot be read, with the 1-based line of the file where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line in the decoded file.
    pub line: usize,
    /// What is wrong there.
    pub message: String,
}

impl ParseError {
    /// An error at `line`.
    pub fn new(line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What a transcript parser made of a file.
#[derive(Debug)]
pub enum Parsed {
    /// A transcript, ready to scan.
    Doc(Document),
    /// Valid JSON that is not a transcript (a config file, a data set): a folder walk must not fail on it.
    NotTranscript,
}

/// Parses a decoded transcript file into a document whose text is the joined cue text.
pub fn parse(path: &str, format: TranscriptFormat, text: String) -> Result<Parsed, ParseError> {
    let mut joiner = Joiner::new(&text);
    let is_transcript = match format {
        TranscriptFormat::Srt => srt::parse(&text, &mut joiner).map(|()| true)?,
        TranscriptFormat::Vtt => vtt::parse(&text, &mut joiner).map(|()| true)?,
        TranscriptFormat::AsrJson => asr::parse_json(&text, &mut joiner)?,
        TranscriptFormat::JsonLines => asr::parse_lines(&text, &mut joiner)?,
    };
    if !is_transcript {
        return Ok(Parsed::NotTranscript);
    }
    let (joined, segments, map) = joiner.finish();
    Ok(Parsed::Doc(Document {
        path: path.to_string(),
        kind: Scope::Transcript,
        text: joined.into(),
        segments,
        products: Vec::new(),
        origin: Some(Origin { text, map }),
    }))
}

/// One line of a file: its 1-based number, the byte offset where it starts, and its text without `\r\n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: usize,
    /// Byte offset of the line in the file.
    pub offset: usize,
    /// The line without its terminator (CRLF files are common from Windows tools).
    pub text: &'a str,
}

impl Line<'_> {
    /// True for a line that is empty or only spaces.
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// Splits a file into lines with their offsets.
pub fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let body = raw.strip_suffix('\n').unwrap_or(raw);
        let body = body.strip_suffix('\r').unwrap_or(body);
        out.push(Line {
            number: i + 1,
            offset,
            text: body,
        });
        offset += raw.len();
    }
    out
}

/// Parses a clock time `H:MM:SS,mmm` (SRT) or `[H:]MM:SS.mmm` (WebVTT) into milliseconds. Both separators are
/// accepted in both formats, as tools mix them up; the digits are strict, so `00:00:1,000` is refused.
pub fn parse_clock(s: &str, hours_optional: bool) -> Option<u64> {
    let (hms, frac) = s.rsplit_once([',', '.'])?;
    if frac.len() != 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m, s] => (*h, *m, *s),
        [m, s] if hours_optional => ("0", *m, *s),
        _ => return None,
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 4 || m.len() != 2 || sec.len() != 2 || !digits(m) || !digits(sec) {
        return None;
    }
    let (h, m, sec, ms): (u64, u64, u64, u64) = (
        h.parse().ok()?,
        m.parse().ok()?,
        sec.parse().ok()?,
        frac.parse().ok()?,
    );
    if m >= 60 || sec >= 60 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

/// Parses a timing line `start --> end [settings]` into milliseconds, naming the bad part on failure.
pub fn parse_timing(line: &Line<'_>, hours_optional: bool) -> Result<(u64, u64), ParseError> {
    let Some((left, right)) = line.text.split_once("-->") else {
        return Err(ParseError::new(
            line.number,
            format!(
                "expected a timing line like `00:00:01,000 --> 00:00:04,000`, found {:?}",
                line.text
            ),
        ));
    };
    let left = left.trim();
    // WebVTT cue settings (`align:start position:10%`) and SRT coordinates (`X1:…`) may follow the end time.
    let right = right.split_whitespace().next().unwrap_or("");
    let bad = |s: &str| ParseError::new(line.number, format!("bad timestamp {s:?}"));
    let start = parse_clock(left, hours_optional).ok_or_else(|| bad(left))?;
    let end = parse_clock(right, hours_optional).ok_or_else(|| bad(right))?;
    if end < start {
        return Err(ParseError::new(
            line.number,
            format!("cue ends ({right}) before it starts ({left})"),
        ));
    }
    Ok((start, end))
}

/// Which markup a cue line may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// SRT: `<i>`, `<b>`, `<font …>` tags and ASS overrides such as `{\an8}`.
    Srt,
    /// WebVTT: `<v 主播>`, `<c.x>`, `<b>`, `<00:00:01.000>` tags and the character references `&amp;` ….
    Vtt,
}

/// Length of a tag starting at `rest` (which starts with `<` or `{`), or `None` if it is plain text such as
/// `价格<100元`.
fn tag_len(rest: &str, markup: Markup) -> Option<usize> {
    let bytes = rest.as_bytes();
    match bytes.first()? {
        b'<' => {
            let next = *bytes.get(1)?;
            let opens = next.is_ascii_alphabetic()
                || next == b'/'
                || (markup == Markup::Vtt && next.is_ascii_digit());
            if !opens {
                return None;
            }
            rest.find('>').map(|i| i + 1)
        }
        b'{' if markup == Markup::Srt && bytes.get(1) == Some(&b'\\') => {
            rest.find('}').map(|i| i + 1)
        }
        _ => None,
    }
}

/// A WebVTT character reference at the start of `rest`, with its length and replacement.
fn entity(rest: &str) -> Option<(usize, &'static str)> {
    const ENTITIES: [(&str, &str); 8] = [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&nbsp;", "\u{a0}"),
        ("&quot;", "\""),
        ("&apos;", "'"),
        ("&lrm;", ""),
        ("&rlm;", ""),
    ];
    ENTITIES
        .iter()
        .find(|(name, _)| rest.starts_with(name))
        .map(|(name, value)| (name.len(), *value))
}

/// Adds one line of cue text to the joined text, leaving tags out, so that `<b>最</b>好` is read as `最好` while
/// every character still maps back to its place in the file.
pub fn push_cue_line(joiner: &mut Joiner<'_>, line: &Line<'_>, markup: Markup) {
    let text = line.text;
    let mut run_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let skip: Option<(usize, Option<&str>)> = match bytes[i] {
            b'<' | b'{' => tag_len(&text[i..], markup).map(|n| (n, None)),
            b'&' if markup == Markup::Vtt => entity(&text[i..]).map(|(n, v)| (n, Some(v))),
            _ => None,
        };
        match skip {
            Some((n, replacement)) => {
                joiner.verbatim(line.offset + run_start..line.offset + i);
                if let Some(r) = replacement {
                    joiner.rewritten(r, line.offset + i..line.offset + i + n);
                }
                i += n;
                run_start = i;
            }
            None => i += 1,
        }
    }
    joiner.verbatim(line.offset + run_start..line.offset + text.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_name() {
        assert_eq!(format_for_name("a.srt"), Some(TranscriptFormat::Srt));
        assert_eq!(format_for_name("a.vtt"), Some(TranscriptFormat::Vtt));
        assert_eq!(
            format_for_name("whisper.json"),
            Some(TranscriptFormat::AsrJson)
        );
        assert_eq!(
            format_for_name("a.jsonl"),
            Some(TranscriptFormat::JsonLines)
        );
        assert_eq!(format_for_name("cream.listing.json"), None);
        assert_eq!(format_for_name("a.txt"), None);
    }

    #[test]
    fn clock_times() {
        assert_eq!(parse_clock("00:12:03,400", false), Some(723_400));
        assert_eq!(parse_clock("00:12:03.400", false), Some(723_400));
        assert_eq!(parse_clock("12:03.400", true), Some(723_400));
        assert_eq!(parse_clock("12:03.400", false), None);
        assert_eq!(parse_clock("00:00:1,000", false), None);
        assert_eq!(parse_clock("00:61:00,000", false), None);
        assert_eq!(parse_clock("00:00:01,00", false), None);
        assert_eq!(parse_clock("", false), None);
    }

    #[test]
    fn timing_lines_name_the_bad_timestamp() {
        let ls = lines("x\n00:00:01,000 --> 00:00:1,000\n");
        let e = parse_timing(&ls[1], false).unwrap_err();
        assert_eq!(e.to_string(), "line 2: bad timestamp \"00:00:1,000\"");
        let ls = lines("00:01.000 --> 00:04.000 align:start position:10%");
        assert_eq!(parse_timing(&ls[0], true).unwrap(), (1000, 4000));
    }

    #[test]
    fn lines_drop_crlf_and_keep_offsets() {
        let ls = lines("a\r\nbc\r\n\r\nd");
        let texts: Vec<_> = ls.iter().map(|l| (l.number, l.offset, l.text)).collect();
        assert_eq!(
            texts,
            vec![(1, 0, "a"), (2, 3, "bc"), (3, 7, ""), (4, 9, "d")]
        );
    }

    fn strip(src: &str, markup: Markup) -> (String, Vec<(String, String)>) {
        let ls = lines(src);
        let mut j = Joiner::new(src);
        push_cue_line(&mut j, &ls[0], markup);
        j.end_cue(0, 1);
        let (text, _, map) = j.finish();
        let mut pairs = Vec::new();
        for (i, c) in text.char_indices() {
            let r = map.to_original(i..i + c.len_utf8());
            pairs.push((c.to_string(), src[r].to_string()));
        }
        (text, pairs)
    }

    #[test]
    fn tags_are_left_out_and_characters_map_back() {
        let (text, pairs) = strip("<v 主播>全网<b>最</b>好", Markup::Vtt);
        assert_eq!(text, "全网最好");
        assert!(pairs.iter().all(|(a, b)| a == b), "{pairs:?}");
        let (text, _) = strip("{\\an8}<font color=\"#fff\">最好</font>", Markup::Srt);
        assert_eq!(text, "最好");
        let (text, _) = strip("价格<100元", Markup::Srt);
        assert_eq!(text, "价格<100元");
    }

    /// Every prefix of every fixture (a file cut off anywhere) parses or fails with a line inside the file, and
    /// every span of the joined text maps back inside the file: no input makes a parser panic.
    #[test]
    fn truncated_files_never_panic() {
        let files = [
            (
                TranscriptFormat::Srt,
                include_str!("../../fixtures/transcripts/face-cream.srt"),
            ),
            (
                TranscriptFormat::Srt,
                include_str!("../../fixtures/transcripts/cross-cue.srt"),
            ),
            (
                TranscriptFormat::Vtt,
                include_str!("../../fixtures/transcripts/lipstick.vtt"),
            ),
            (
                TranscriptFormat::AsrJson,
                include_str!("../../fixtures/transcripts/whisper-serum.json"),
            ),
            (
                TranscriptFormat::JsonLines,
                include_str!("../../fixtures/transcripts/sunscreen.jsonl"),
            ),
            (
                TranscriptFormat::Srt,
                include_str!("../../tests/data/bad/malformed.srt"),
            ),
        ];
        for (format, full) in files {
            let lines = full.lines().count() + 1;
            for (cut, _) in full.char_indices() {
                let text = &full[..cut];
                match parse("t", format, text.to_string()) {
                    Ok(Parsed::Doc(doc)) => {
                        let origin = doc.origin.as_ref().unwrap();
                        for seg in &doc.segments {
                            let r = origin.map.to_original(seg.range.clone());
                            assert!(r.end <= text.len() && text.is_char_boundary(r.start));
                        }
                    }
                    Ok(Parsed::NotTranscript) => {}
                    Err(e) => assert!(e.line >= 1 && e.line <= lines, "{e} in {text:?}"),
                }
            }
        }
    }

    #[test]
    fn entities_are_rewritten() {
        let (text, pairs) = strip("买一&amp;送一", Markup::Vtt);
        assert_eq!(text, "买一&送一");
        assert!(pairs.contains(&("&".into(), "&amp;".into())));
        let (text, _) = strip("买一&amp;送一", Markup::Srt);
        assert_eq!(text, "买一&amp;送一");
    }
}
