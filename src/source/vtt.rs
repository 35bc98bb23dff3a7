//! WebVTT (`.vtt`): a `WEBVTT` header, then blocks: cues (optional identifier, timing line with optional
//! settings, text) and `NOTE`, `STYLE` and `REGION` blocks, which hold no speech and are skipped.
//!
//! Voice and style tags (`<v 主播>`, `<c.red>`, `<b>`, `<00:00:01.000>`) are left out of the text that is
//! scanned; character references (`&amp;`) are read as the character they stand for.

use crate::source::origin::Joiner;
use crate::source::transcript::{lines, parse_timing, push_cue_line, Line, Markup, ParseError};

fn is_block_keyword(line: &Line<'_>, keyword: &str) -> bool {
    line.text
        .strip_prefix(keyword)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// Parses a WebVTT file into `joiner`.
pub fn parse(text: &str, joiner: &mut Joiner<'_>) -> Result<(), ParseError> {
    let ls = lines(text);
    let mut i = 0;
    // The header block: `WEBVTT` and anything up to the first blank line. Files without it are read anyway.
    if ls
        .first()
        .is_some_and(|l| l.text.trim_start_matches('\u{feff}').starts_with("WEBVTT"))
    {
        while ls.get(i).is_some_and(|l| !l.is_blank()) {
            i += 1;
        }
    }
    loop {
        while ls.get(i).is_some_and(Line::is_blank) {
            i += 1;
        }
        let Some(first) = ls.get(i) else {
            return Ok(());
        };
        if ["NOTE", "STYLE", "REGION"]
            .iter()
            .any(|k| is_block_keyword(first, k))
        {
            while ls.get(i).is_some_and(|l| !l.is_blank()) {
                i += 1;
            }
            continue;
        }
        let timing = if first.text.contains("-->") {
            first
        } else {
            // A cue identifier; the timing line must follow it.
            i += 1;
            match ls.get(i) {
                Some(l) if l.text.contains("-->") => l,
                Some(l) if !l.is_blank() => {
                    return Err(ParseError::new(
                        l.number,
                        format!(
                            "expected a timing line like `00:01.000 --> 00:04.000` after cue {:?}, found {:?}",
                            first.text.trim(),
                            l.text.trim()
                        ),
                    ))
                }
                _ => {
                    return Err(ParseError::new(
                        first.number,
                        format!(
                            "cue {:?} has no timing line (truncated file?)",
                            first.text.trim()
                        ),
                    ))
                }
            }
        };
        let (start, end) = parse_timing(timing, true)?;
        i += 1;
        let mut has_text = false;
        while let Some(line) = ls.get(i) {
            if line.is_blank() {
                break;
            }
            if has_text {
                joiner.line_break();
            }
            push_cue_line(joiner, line, Markup::Vtt);
            has_text = true;
            i += 1;
        }
        if !has_text && i >= ls.len() {
            return Err(ParseError::new(
                timing.number,
                "cue ends after its timing line, without text (truncated file?)",
            ));
        }
        joiner.end_cue(start, end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Segment;

    fn parse_str(src: &str) -> Result<(String, Vec<Segment>), ParseError> {
        let mut j = Joiner::new(src);
        parse(src, &mut j)?;
        let (text, segments, _) = j.finish();
        Ok((text, segments))
    }

    const VTT: &str = "WEBVTT - 直播回放\nKind: captions\n\nNOTE 自动生成的字幕\n可能有误\n\nSTYLE\n::cue { color: yellow }\n\nintro\n00:01.000 --> 00:04.000 align:start position:10%\n<v 主播>家人们晚上好\n\n00:00:04.000 --> 00:00:06.500\n<v 主播>这是<b>最好</b>的面霜\n";

    #[test]
    fn notes_styles_ids_settings_and_tags() {
        let (text, segs) = parse_str(VTT).unwrap();
        assert_eq!(text, "家人们晚上好\n这是最好的面霜");
        let times: Vec<_> = segs.iter().map(|s| (s.start_ms, s.end_ms)).collect();
        assert_eq!(times, vec![(1000, 4000), (4000, 6500)]);
    }

    #[test]
    fn crlf_and_missing_header() {
        let (text, _) = parse_str("00:01.000 --> 00:02.000\r\n第一句\r\n\r\n").unwrap();
        assert_eq!(text, "第一句");
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                "WEBVTT\n\n00:01.000 --> 00:0x.000\n好\n",
                "line 3: bad timestamp \"00:0x.000\"",
            ),
            (
                "WEBVTT\n\nintro\n家人们\n",
                "line 4: expected a timing line like `00:01.000 --> 00:04.000` after cue \"intro\", found \"家人们\"",
            ),
            (
                "WEBVTT\n\n00:01.000 --> 00:02.000\n好\n\nlast",
                "line 6: cue \"last\" has no timing line (truncated file?)",
            ),
            (
                "WEBVTT\n\n00:01.000 --> 00:02.000\n",
                "line 3: cue ends after its timing line, without text (truncated file?)",
            ),
        ];
        for (src, want) in cases {
            assert_eq!(parse_str(src).unwrap_err().to_string(), want, "{src:?}");
        }
    }
}
