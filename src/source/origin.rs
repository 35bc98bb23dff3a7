//! Transcripts are scanned as ONE joined text (the cue texts, separated by `\n`) so that a phrase a host says
//! across two cues (`…全网最` | `低价…`) is still found (issue 4). Reviewers, though, open the subtitle file
//! itself: findings are moved back from the joined text to the decoded file, so `line:column` and the byte span
//! point at the cue text in the `.srt`/`.vtt`/`.json` an editor shows.
//!
//! The joined text is built from pieces of the file: runs copied byte for byte (`verbatim`), and a few that are
//! rewritten (a JSON escape `\u6700`, an HTML entity `&amp;`). Everything else in the file (cue numbers,
//! timestamps, `<v 主播>` tags) is left out of the joined text, and the `\n` put between cues and cue lines
//! belongs to no piece.

use std::ops::Range;

use crate::finding::Finding;
#[cfg(test)]
use crate::finding::LineCol;
use crate::source::Segment;

/// A stretch of the joined text and where it came from in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Piece {
    joined: Range<usize>,
    original: Range<usize>,
    /// Copied byte for byte, so inner offsets map one to one. Otherwise (an escape or entity) the piece maps
    /// only as a whole.
    verbatim: bool,
}

/// Maps byte offsets of the joined text back to byte offsets of the decoded file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OriginMap {
    /// Sorted by `joined` and by `original`, never overlapping.
    pieces: Vec<Piece>,
}

impl OriginMap {
    /// Maps a joined-text span to the file. Start and end are mapped separately, so a span over two cues
    /// becomes a file span from the first cue's text to the second's (the timestamp lines between included).
    ///
    /// A start that falls on a `\n` put between cues moves forward to the next piece; an end that falls there
    /// moves back to the end of the previous one, so a span never grows over a cue boundary it does not cross.
    pub fn to_original(&self, span: Range<usize>) -> Range<usize> {
        let start = self.map_start(span.start);
        let end = self.map_end(span.end).max(start);
        start..end
    }

    fn map_start(&self, at: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.joined.end <= at);
        match self.pieces.get(i) {
            Some(p) if p.joined.start <= at && p.verbatim => {
                p.original.start + (at - p.joined.start)
            }
            Some(p) => p.original.start,
            None => self.pieces.last().map_or(0, |p| p.original.end),
        }
    }

    fn map_end(&self, at: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.joined.start < at);
        let Some(p) = i.checked_sub(1).and_then(|i| self.pieces.get(i)) else {
            return self.pieces.first().map_or(0, |p| p.original.start);
        };
        if at <= p.joined.end && p.verbatim {
            p.original.start + (at - p.joined.start)
        } else {
            p.original.end
        }
    }
}

/// The decoded file behind a transcript's joined text: what reports show and count lines in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The decoded file text.
    pub text: String,
    /// Joined text offsets -> file offsets.
    pub map: OriginMap,
}

impl Origin {
    /// Maps one joined-text span to the file, as [`Origin::remap`] does for findings.
    pub fn to_original(&self, r: std::ops::Range<usize>) -> std::ops::Range<usize> {
        self.map.to_original(r)
    }

    /// Moves findings made on the joined text to the file: span, line and column (`time` must already be set).
    ///
    /// `matched` stays the words said, not the file text of the span (which, across cues, holds cue numbers and
    /// timestamps): the cue text without tags, with the breaks between cues and cue lines taken out (see
    /// [`spoken`]). The message, filled in from `matched`, follows.
    pub fn remap(&self, findings: &mut [Finding]) {
        for f in findings.iter_mut() {
            f.span = self.map.to_original(f.span.clone());
            if f.matched.contains('\n') {
                let said = spoken(&f.matched);
                f.message = f.message.replace(&f.matched, &said);
                f.matched = said;
            }
        }
        crate::finding::locate_findings(&self.text, findings);
    }
}

/// The words of a joined-text span as said: a line break between two CJK characters is a subtitle's line
/// wrap and goes; elsewhere (`best\nprice`) it becomes a space.
pub fn spoken(joined: &str) -> String {
    let mut out = String::with_capacity(joined.len());
    let mut chars = joined.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\n' {
            out.push(c);
            continue;
        }
        let before = out.chars().next_back();
        let after = chars.peek().copied();
        let wide = |c: Option<char>| c.is_some_and(|c| !c.is_ascii());
        if !(wide(before) && wide(after)) {
            out.push(' ');
        }
    }
    out
}

/// Builds a transcript's joined text cue by cue, recording where each piece came from.
#[derive(Debug)]
pub struct Joiner<'a> {
    original: &'a str,
    text: String,
    map: OriginMap,
    segments: Vec<Segment>,
    /// Joined offset where the open cue's text starts, once it has some.
    cue_start: Option<usize>,
    /// A line break inside the cue is due before the next piece.
    pending_break: bool,
}

impl<'a> Joiner<'a> {
    /// Starts an empty joined text over `original`, the decoded file.
    pub fn new(original: &'a str) -> Joiner<'a> {
        Joiner {
            original,
            text: String::with_capacity(original.len() / 2),
            map: OriginMap::default(),
            segments: Vec::new(),
            cue_start: None,
            pending_break: false,
        }
    }

    fn open(&mut self) {
        match self.cue_start {
            None => {
                if !self.text.is_empty() {
                    self.text.push('\n');
                }
                self.cue_start = Some(self.text.len());
            }
            Some(_) if self.pending_break => self.text.push('\n'),
            Some(_) => {}
        }
        self.pending_break = false;
    }

    /// Copies `original[range]` into the open cue.
    pub fn verbatim(&mut self, range: Range<usize>) {
        let Some(s) = self.original.get(range.clone()) else {
            return;
        };
        if s.is_empty() {
            return;
        }
        self.open();
        let joined = self.text.len()..self.text.len() + s.len();
        self.text.push_str(s);
        if let Some(last) = self.map.pieces.last_mut() {
            if last.verbatim && last.joined.end == joined.start && last.original.end == range.start
            {
                last.joined.end = joined.end;
                last.original.end = range.end;
                return;
            }
        }
        self.map.pieces.push(Piece {
            joined,
            original: range,
            verbatim: true,
        });
    }

    /// Adds `s` to the open cue in place of `original[range]` (an escape or an entity).
    pub fn rewritten(&mut self, s: &str, range: Range<usize>) {
        if s.is_empty() {
            return;
        }
        self.open();
        let joined = self.text.len()..self.text.len() + s.len();
        self.text.push_str(s);
        self.map.pieces.push(Piece {
            joined,
            original: range,
            verbatim: false,
        });
    }

    /// A line break inside the cue text; written only if more text follows in the same cue.
    pub fn line_break(&mut self) {
        if self.cue_start.is_some() {
            self.pending_break = true;
        }
    }

    /// Closes the cue. A cue without text leaves no segment: there is nothing in it to find.
    pub fn end_cue(&mut self, start_ms: u64, end_ms: u64) {
        if let Some(start) = self.cue_start.take() {
            self.segments.push(Segment {
                range: start..self.text.len(),
                start_ms,
                end_ms,
            });
        }
        self.pending_break = false;
    }

    /// The joined text, its segments and the map back to the file.
    pub fn finish(self) -> (String, Vec<Segment>, OriginMap) {
        (self.text, self.segments, self.map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two SRT cues; the joined text is `全网最\n低价！`.
    const SRT: &str = "1\n00:00:01,000 --> 00:00:02,000\n<b>全网最</b>\n\n2\n00:00:02,000 --> 00:00:03,000\n低价！\n";

    fn joined() -> (String, Vec<Segment>, OriginMap) {
        let mut j = Joiner::new(SRT);
        let a = SRT.find("全网最").unwrap();
        j.verbatim(a..a + "全网最".len());
        j.end_cue(1000, 2000);
        let b = SRT.find("低价").unwrap();
        j.verbatim(b..b + "低价！".len());
        j.end_cue(2000, 3000);
        j.finish()
    }

    #[test]
    fn joined_text_holds_only_cue_text() {
        let (text, segments, _) = joined();
        assert_eq!(text, "全网最\n低价！");
        assert_eq!(segments[0].range, 0..9);
        assert_eq!(segments[1].range, 10..19);
    }

    #[test]
    fn span_inside_one_cue_maps_byte_for_byte() {
        let (text, _, map) = joined();
        let at = text.find("全网").unwrap();
        let span = map.to_original(at..at + "全网".len());
        assert_eq!(&SRT[span], "全网");
    }

    #[test]
    fn span_over_two_cues_maps_start_and_end_separately() {
        let (text, _, map) = joined();
        let at = text.find("最").unwrap();
        let span = map.to_original(at..text.find("！").unwrap());
        let got = &SRT[span];
        assert!(got.starts_with("最</b>\n\n2\n"), "{got}");
        assert!(got.ends_with("\n低价"), "{got}");
    }

    #[test]
    fn offsets_on_the_cue_separator_do_not_leak_into_the_span() {
        let (text, _, map) = joined();
        let nl = text.find('\n').unwrap();
        // A span ending on the separator ends at the first cue's text; one starting there starts at the second.
        assert_eq!(&SRT[map.to_original(0..nl + 1)], "全网最");
        let end = text.len();
        assert_eq!(&SRT[map.to_original(nl..end)], "低价！");
    }

    #[test]
    fn spoken_words_drop_cue_breaks() {
        assert_eq!(spoken("全网最\n低价"), "全网最低价");
        assert_eq!(spoken("best\nprice"), "best price");
        assert_eq!(spoken("最好\nok"), "最好 ok");
    }

    #[test]
    fn remap_moves_findings_into_the_file() {
        use crate::finding::{RuleMeta, Severity};
        use std::sync::Arc;
        let (text, _, map) = joined();
        let origin = Origin {
            text: SRT.to_string(),
            map,
        };
        let at = text.find("最").unwrap();
        let end = text.find("！").unwrap();
        let mut fs = vec![Finding {
            rule: Arc::new(RuleMeta {
                id: "t/x".into(),
                title: "t".into(),
                category: crate::finding::Category::AbsoluteTerms,
                severity: Severity::Error,
                law: vec![],
                help: String::new(),
            }),
            severity: Severity::Error,
            span: at..end,
            matched: text[at..end].to_string(),
            message: format!("「{}」", &text[at..end]),
            start: LineCol::default(),
            end: LineCol::default(),
            time: None,
        }];
        origin.remap(&mut fs);
        assert_eq!(fs[0].matched, "最低价");
        assert_eq!(fs[0].message, "「最低价」");
        assert_eq!((fs[0].start.line, fs[0].start.column), (3, 6));
        assert_eq!((fs[0].end.line, fs[0].end.column), (7, 3));
        assert_eq!(&SRT[fs[0].span.clone()][..3], "最");
    }

    #[test]
    fn rewritten_pieces_map_as_a_whole() {
        let src = r#"{"text":"全网\u6700低价"}"#;
        let mut j = Joiner::new(src);
        let a = src.find("全网").unwrap();
        j.verbatim(a..a + 6);
        let esc = src.find("\\u6700").unwrap();
        j.rewritten("最", esc..esc + 6);
        j.verbatim(esc + 6..esc + 12);
        j.end_cue(0, 1000);
        let (text, _, map) = j.finish();
        assert_eq!(text, "全网最低价");
        let at = text.find("最低").unwrap();
        assert_eq!(&src[map.to_original(at..at + 6)], "\\u6700低");
        assert_eq!(&src[map.to_original(at..at + 3)], "\\u6700");
    }

    #[test]
    fn line_breaks_only_between_text() {
        let src = "a\nb";
        let mut j = Joiner::new(src);
        j.line_break();
        j.verbatim(0..1);
        j.line_break();
        j.line_break();
        j.verbatim(2..3);
        j.line_break();
        j.end_cue(0, 1);
        j.line_break();
        j.end_cue(1, 2);
        let (text, segments, _) = j.finish();
        assert_eq!(text, "a\nb");
        assert_eq!(segments.len(), 1);
    }
}
