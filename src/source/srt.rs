//! SubRip (`.srt`): numbered cues, a timing line, then text lines up to a blank line.
//!
//! Tolerant of what real exporters write (CRLF, extra blank lines, no blank line at the end, `.` instead of
//! `,` before the milliseconds, coordinates after the end time, `<i>`/`<font>` tags, a missing blank line
//! before the next cue number); strict about what makes the times unreliable (a bad timestamp, a cue without
//! its number or timing line, a file cut off in the middle of a cue), naming the line.

use crate::source::origin::Joiner;
use crate::source::transcript::{lines, parse_timing, push_cue_line, Line, Markup, ParseError};

fn is_index(line: &Line<'_>) -> bool {
    let t = line.text.trim();
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

fn is_timing(line: &Line<'_>) -> bool {
    line.text.contains("-->")
}

/// Parses an SRT file into `joiner`.
pub fn parse(text: &str, joiner: &mut Joiner<'_>) -> Result<(), ParseError> {
    let ls = lines(text);
    let mut i = 0;
    loop {
        while ls.get(i).is_some_and(Line::is_blank) {
            i += 1;
        }
        let Some(index) = ls.get(i) else {
            return Ok(());
        };
        if is_timing(index) {
            return Err(ParseError::new(
                index.number,
                "timing line without a cue number before it",
            ));
        }
        if !is_index(index) {
            return Err(ParseError::new(
                index.number,
                format!("expected a cue number, found {:?}", index.text.trim()),
            ));
        }
        let number = index.text.trim();
        i += 1;
        let timing = match ls.get(i) {
            None => {
                return Err(ParseError::new(
                    index.number,
                    format!("cue {number} ends before its timing line (truncated file?)"),
                ))
            }
            Some(l) if l.is_blank() => {
                return Err(ParseError::new(
                    l.number,
                    format!("cue {number} has no timing line"),
                ))
            }
            Some(l) => l,
        };
        let (start, end) = parse_timing(timing, false)?;
        i += 1;
        let mut has_text = false;
        while let Some(line) = ls.get(i) {
            if line.is_blank() {
                break;
            }
            // A cue number directly followed by a timing line starts the next cue even without a blank line.
            if is_index(line) && ls.get(i + 1).is_some_and(is_timing) {
                break;
            }
            if has_text {
                joiner.line_break();
            }
            push_cue_line(joiner, line, Markup::Srt);
            has_text = true;
            i += 1;
        }
        if !has_text && i >= ls.len() {
            return Err(ParseError::new(
                timing.number,
                format!("cue {number} ends after its timing line, without text (truncated file?)"),
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

    #[test]
    fn cues_are_joined_without_numbers_or_times() {
        let src = "1\n00:00:01,000 --> 00:00:03,500\n家人们晚上好\n欢迎来到直播间\n\n2\n00:00:03,500 --> 00:00:05,000\n<i>全网最</i>\n\n3\n00:00:05,000 --> 00:00:06,000\n低价\n";
        let (text, segs) = parse_str(src).unwrap();
        assert_eq!(text, "家人们晚上好\n欢迎来到直播间\n全网最\n低价");
        let times: Vec<_> = segs.iter().map(|s| (s.start_ms, s.end_ms)).collect();
        assert_eq!(times, vec![(1000, 3500), (3500, 5000), (5000, 6000)]);
        assert_eq!(&text[segs[1].range.clone()], "全网最");
    }

    #[test]
    fn tolerates_crlf_extra_blanks_and_no_final_newline() {
        let src = "\r\n1\r\n00:00:01.000 --> 00:00:02.000 X1:10 X2:20\r\n第一句\r\n\r\n\r\n\r\n2\r\n00:00:02,000 --> 00:00:03,000\r\n第二句";
        let (text, segs) = parse_str(src).unwrap();
        assert_eq!(text, "第一句\n第二句");
        assert_eq!(segs.len(), 2);
    }

    #[test]
    fn missing_blank_line_before_the_next_cue() {
        let src =
            "1\n00:00:01,000 --> 00:00:02,000\n第一句\n2\n00:00:02,000 --> 00:00:03,000\n第二句\n";
        let (text, segs) = parse_str(src).unwrap();
        assert_eq!(text, "第一句\n第二句");
        assert_eq!(segs[1].start_ms, 2000);
    }

    #[test]
    fn empty_cue_in_the_middle_is_kept_out() {
        let src = "1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:02,000 --> 00:00:03,000\n第二句\n";
        let (text, segs) = parse_str(src).unwrap();
        assert_eq!(text, "第二句");
        assert_eq!(segs.len(), 1);
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                "1\n00:00:01,000 --> 00:00:1,000\n好\n",
                "line 2: bad timestamp \"00:00:1,000\"",
            ),
            (
                "1\n00:00:01,000 --> 00:00:02,000\n好\n\n00:00:02,000 --> 00:00:03,000\n好\n",
                "line 5: timing line without a cue number before it",
            ),
            (
                "1\n00:00:01,000 --> 00:00:02,000\n好\n\n2\n",
                "line 5: cue 2 ends before its timing line (truncated file?)",
            ),
            (
                "1\n00:00:01,000 --> 00:00:02,000\n好\n\n2\n00:00:02,000 --> 00:00:03,000\n",
                "line 6: cue 2 ends after its timing line, without text (truncated file?)",
            ),
            (
                "1\n00:00:01,000 --> 00:00:02,000\n好\n\n家人们\n",
                "line 5: expected a cue number, found \"家人们\"",
            ),
            (
                "1\n00:00:03,000 --> 00:00:02,000\n好\n",
                "line 2: cue ends (00:00:02,000) before it starts (00:00:03,000)",
            ),
        ];
        for (src, want) in cases {
            assert_eq!(parse_str(src).unwrap_err().to_string(), want, "{src:?}");
        }
    }
}
