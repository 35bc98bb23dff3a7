//! ASR output: Whisper's JSON (`{"segments":[{"start":12.3,"end":15.1,"text":"…"}]}`, times in seconds; a bare
//! array of segments is read too) and JSON Lines with one segment object a line.
//!
//! Each segment's `text` is read from the raw JSON string literal, so every character of the joined text maps
//! back to its place in the file, escapes (`\u6700`) included. Other fields (`id`, `tokens`, `words` …) are
//! ignored.
//!
//! A `.json` file found in a folder is only a transcript if it has a `segments` list (or is a list of segment
//! objects); other JSON (configs, data sets, listings) is skipped without an error.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::source::origin::Joiner;
use crate::source::transcript::ParseError;

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow)]
    segments: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct RawSegment<'a> {
    start: f64,
    end: f64,
    #[serde(borrow)]
    text: &'a RawValue,
}

/// Line numbers of offsets met in increasing order, without counting from the start of the file each time
/// (a Whisper file is often one line of thousands of segments).
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

/// Where `part` (a slice of `whole`) starts in `whole`.
fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// A serde_json message without its ` at line L column C` suffix, which we replace with our own line.
fn bare_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn json_error(base_line: usize, e: &serde_json::Error) -> ParseError {
    ParseError::new(base_line + e.line().saturating_sub(1), bare_message(e))
}

fn seconds_to_ms(line: usize, field: &str, s: f64) -> Result<u64, ParseError> {
    if !s.is_finite() || !(0.0..=1e9).contains(&s) {
        return Err(ParseError::new(
            line,
            format!("segment {field} {s} is not a time in seconds"),
        ));
    }
    Ok((s * 1000.0).round() as u64)
}

/// Reads one segment object, `raw` being a slice of `file`.
fn push_segment(
    file: &str,
    raw: &str,
    lines: &mut LineCounter<'_>,
    joiner: &mut Joiner<'_>,
) -> Result<(), ParseError> {
    let base = offset_in(file, raw);
    let line = lines.line_at(base);
    let seg: RawSegment<'_> = serde_json::from_str(raw).map_err(|e| json_error(line, &e))?;
    let start = seconds_to_ms(line, "start", seg.start)?;
    let end = seconds_to_ms(line, "end", seg.end)?;
    if end < start {
        return Err(ParseError::new(
            line,
            format!(
                "segment ends ({}) before it starts ({})",
                seg.end, seg.start
            ),
        ));
    }
    let literal = seg.text.get();
    let at = offset_in(file, literal);
    if !literal.starts_with('"') {
        return Err(ParseError::new(
            lines.line_at(at),
            "segment text is not a string",
        ));
    }
    push_json_string(literal, at, joiner);
    joiner.end_cue(start, end);
    Ok(())
}

/// Adds the value of a JSON string literal (quotes included, already validated by serde_json) that starts at
/// byte `at` of the file: plain runs are copied, each escape is rewritten as the character it stands for.
fn push_json_string(literal: &str, at: usize, joiner: &mut Joiner<'_>) {
    let body = &literal[1..literal.len().saturating_sub(1).max(1)];
    let base = at + 1;
    let bytes = body.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        joiner.verbatim(base + run..base + i);
        let (len, value) = escape(&body[i..]);
        joiner.rewritten(&value, base + i..base + i + len);
        i += len;
        run = i;
    }
    joiner.verbatim(base + run..base + body.len());
}

/// One escape at the start of `s` (`\n`, `\u6700`, a surrogate pair …): its length and value.
fn escape(s: &str) -> (usize, String) {
    let hex = |from: usize| {
        s.get(from..from + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    match s.as_bytes().get(1) {
        Some(b'u') => {
            let Some(hi) = hex(2) else {
                return (2, String::new());
            };
            if (0xD800..0xDC00).contains(&hi) && s.get(6..8) == Some("\\u") {
                if let Some(lo) = hex(8).filter(|lo| (0xDC00..0xE000).contains(lo)) {
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return (12, char::from_u32(c).map(String::from).unwrap_or_default());
                }
            }
            (
                6,
                char::from_u32(hi)
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
                    .to_string(),
            )
        }
        Some(&c) => {
            let v = match c {
                b'n' => '\n',
                b't' => '\t',
                b'r' => '\r',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                other => other as char,
            };
            (2, v.to_string())
        }
        None => (1, String::new()),
    }
}

/// Parses ASR JSON. `Ok(false)` means valid JSON that is not a transcript.
pub fn parse_json(text: &str, joiner: &mut Joiner<'_>) -> Result<bool, ParseError> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        // Broken JSON is reported only when it was meant as a transcript; a folder walk skips the rest.
        Err(e) if text.contains("\"segments\"") || text.contains("\"start\"") => {
            return Err(json_error(1, &e))
        }
        Err(_) => return Ok(false),
    };
    let segments: Vec<&RawValue> = match &value {
        Value::Object(map) if map.contains_key("segments") => {
            let top: Top<'_> = serde_json::from_str(text).map_err(|e| json_error(1, &e))?;
            top.segments
        }
        Value::Array(items) if items.first().is_some_and(looks_like_segment) => {
            serde_json::from_str(text).map_err(|e| json_error(1, &e))?
        }
        _ => return Ok(false),
    };
    let mut lines = LineCounter::new(text);
    for raw in segments {
        push_segment(text, raw.get(), &mut lines, joiner)?;
    }
    Ok(true)
}

fn looks_like_segment(v: &Value) -> bool {
    v.get("text").is_some() && v.get("start").is_some()
}

/// Parses JSON Lines of segments. `Ok(false)` when the first record is not a segment (another kind of data).
pub fn parse_lines(text: &str, joiner: &mut Joiner<'_>) -> Result<bool, ParseError> {
    let mut first = true;
    let mut offset = 0;
    let mut lines = LineCounter::new(text);
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += raw.len();
        let record = raw.trim();
        if record.is_empty() {
            continue;
        }
        if first {
            first = false;
            match serde_json::from_str::<Value>(record) {
                Ok(v) if !looks_like_segment(&v) => return Ok(false),
                Ok(_) => {}
                Err(e) => return Err(json_error(i + 1, &e)),
            }
        }
        let lead = raw.len() - raw.trim_start().len();
        let slice = &text[line_start + lead..line_start + lead + record.len()];
        push_segment(text, slice, &mut lines, joiner)?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Segment;

    fn json(src: &str) -> Result<Option<(String, Vec<Segment>)>, ParseError> {
        let mut j = Joiner::new(src);
        if !parse_json(src, &mut j)? {
            return Ok(None);
        }
        let (text, segments, _) = j.finish();
        Ok(Some((text, segments)))
    }

    fn jsonl(src: &str) -> Result<Option<(String, Vec<Segment>)>, ParseError> {
        let mut j = Joiner::new(src);
        if !parse_lines(src, &mut j)? {
            return Ok(None);
        }
        let (text, segments, _) = j.finish();
        Ok(Some((text, segments)))
    }

    #[test]
    fn whisper_shape() {
        let src = r#"{"text":"…","segments":[
  {"id":0,"seek":0,"start":12.3,"end":15.1,"text":" 家人们晚上好","tokens":[1,2]},
  {"id":1,"start":15.1,"end":17.0,"text":"全网\u6700低价"}
],"language":"zh"}"#;
        let (text, segs) = json(src).unwrap().unwrap();
        assert_eq!(text, " 家人们晚上好\n全网最低价");
        assert_eq!((segs[0].start_ms, segs[0].end_ms), (12_300, 15_100));
        assert_eq!(segs[1].start_ms, 15_100);
    }

    #[test]
    fn escapes_map_back_to_the_literal() {
        let src = r#"{"segments":[{"start":0,"end":1,"text":"说\"最好\"\ud83d\ude00"}]}"#;
        let mut j = Joiner::new(src);
        assert!(parse_json(src, &mut j).unwrap());
        let (text, _, map) = j.finish();
        assert_eq!(text, "说\"最好\"😀");
        let at = text.find("最好").unwrap();
        assert_eq!(&src[map.to_original(at..at + 6)], "最好");
        let q = text.find('"').unwrap();
        assert_eq!(&src[map.to_original(q..q + 1)], "\\\"");
        let e = text.find('😀').unwrap();
        assert_eq!(&src[map.to_original(e..e + 4)], "\\ud83d\\ude00");
    }

    #[test]
    fn other_json_is_not_a_transcript() {
        assert!(json(r#"{"name":"livelint","version":"1"}"#)
            .unwrap()
            .is_none());
        assert!(json(r#"[1,2,3]"#).unwrap().is_none());
        assert!(json("// a comment\n{\"a\":1}").unwrap().is_none());
        assert!(jsonl("{\"label\":\"x\",\"text\":\"y\"}\n")
            .unwrap()
            .is_none());
    }

    #[test]
    fn bare_array_of_segments() {
        let (text, _) = json(r#"[{"start":1,"end":2,"text":"好"}]"#)
            .unwrap()
            .unwrap();
        assert_eq!(text, "好");
    }

    #[test]
    fn json_errors_name_the_line() {
        let e = json("{\"segments\":[\n{\"start\":1,\"end\":2,\"text\":\"a\"},\n{\"start\":\"x\",\"end\":2,\"text\":\"b\"}\n]}")
            .unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("invalid type"), "{e}");
        let e = json("{\"segments\":[\n{\"start\":1,\"end\":2,\"text\":\"a\"},\n{\"start\":1,")
            .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let e = json("{\"segments\":[\n{\"start\":3,\"end\":2,\"text\":\"a\"}]}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: segment ends (2) before it starts (3)"
        );
        let e = json("{\"segments\":[\n{\"start\":1,\"end\":2,\"text\":7}]}").unwrap_err();
        assert_eq!(e.to_string(), "line 2: segment text is not a string");
    }

    #[test]
    fn json_lines() {
        let src = "{\"start\":0.5,\"end\":2,\"text\":\"家人们\"}\r\n\r\n{\"start\":2,\"end\":3.25,\"text\":\"最好\"}";
        let (text, segs) = jsonl(src).unwrap().unwrap();
        assert_eq!(text, "家人们\n最好");
        assert_eq!((segs[1].start_ms, segs[1].end_ms), (2000, 3250));
        let e = jsonl(
            "{\"start\":0,\"end\":1,\"text\":\"a\"}\n{\"start\":0,\"end\":1,\"text\":\"b\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = jsonl(
            "{\"start\":0,\"end\":1,\"text\":\"a\"}\n{\"start\":-1,\"end\":1,\"text\":\"b\"}",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: segment start -1 is not a time in seconds"
        );
    }
}
