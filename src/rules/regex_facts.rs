//! What the engine needs to know about a rule regex before it compiles it: how long a match can be, which
//! literals every match starts with, and which literal sets every match contains.
//!
//! This file depends on `regex-syntax` alone, so that build.rs analyses the regexes of the embedded packs with
//! this very code and livelint starts without parsing them (issue 6: parsing and literal extraction of the
//! default packs' 286 regexes took about 60 ms, the whole budget of a pre-commit run on one script).

use regex_syntax::hir::literal::Extractor;
use regex_syntax::hir::{Hir, HirKind};

/// Longest regex match in bytes of normalized text (about 340 Han characters). A pattern that could match more
/// (`\d+元`) reports, for each end, the leftmost start at most this far back: no real claim in a script is that
/// long, and the bound is what lets every input be split into chunks with identical findings (issue 6).
pub const MAX_MATCH_BYTES: usize = 1024;

/// Most literals a prefix or required set may have; beyond it the set is not used.
const MAX_SET_LITERALS: usize = 4096;

/// The analysis of one regex, before the literals are filtered down to those that normalized text can hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Longest match in bytes (at most [`MAX_MATCH_BYTES`]); `None` when the pattern tests the ends of the text
    /// (`^`, `$` without `(?m)`), which a chunk of a text does not share.
    pub max_len: Option<usize>,
    /// How matches can be found from literals: one group per branch of a top-level alternation (one group
    /// for any other pattern); `None` when some branch has neither a finite set of prefix literals nor a
    /// required word.
    pub groups: Option<Vec<Group>>,
    /// The pattern uses a Unicode word boundary, which rule packs may not (CJK has no word boundaries).
    pub unicode_word_boundary: bool,
    /// Which of the clause and sentence ends of normalized text ([`BARRIER_CANDIDATES`]) no match can hold:
    /// every match lies between two of them.
    pub barriers: Vec<char>,
}

/// Characters that end clauses and sentences in normalized text (，！？； are folded to ASCII).
pub const BARRIER_CANDIDATES: [char; 6] = ['。', '!', '?', ';', ',', '\n'];

/// The literals that start the matches of one branch of a pattern, and the words all those matches contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The literals every match of the branch starts with (whole characters, sorted), when that set is finite.
    pub prefixes: Option<Vec<String>>,
    /// Literal sets of which every match of the branch contains a member: the fixed words between the gaps of
    /// `(加|进)[^,]{0,6}(微信群|qq群)`, far rarer than a one-character prefix such as 加.
    pub required: Vec<Required>,
}

/// A set of words every match of a branch contains, and how far into the match it can begin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Required {
    /// The words (whole characters, sorted).
    pub words: Vec<String>,
    /// Most bytes of a match before the word, not counting the runs of [`Required::spaced`]; `None` when
    /// unbounded.
    pub max_before: Option<usize>,
    /// Whether what comes before the word also holds unbounded runs of whitespace (`\s*`, ` +`): the pinyin
    /// spellings (`降\s*(xue|tang|ya)`) and split handles (`(威|v|wei)\s*(xin|信)`) put one between two
    /// words. A match then holds at most `max_before` bytes other than whitespace before the word, which
    /// still bounds where it can start (issue 6: with the rare words after the gap as triggers instead of the
    /// pinyin pattern's one-character prefixes 三, 降, 高, 压 and 糖, the regex literals occurred 1,109,026
    /// times on the benchmark tree instead of 1,303,229).
    pub spaced: bool,
}

/// [`Facts`] as build.rs writes them into the binary for the regexes of the embedded packs.
#[derive(Debug)]
pub struct StaticFacts {
    pub max_len: Option<usize>,
    pub groups: Option<&'static [StaticGroup]>,
    pub unicode_word_boundary: bool,
    pub barriers: &'static [char],
}

/// [`Group`] as build.rs writes it, with the rate of each word set (see `engine::frequency`), worked out
/// when livelint is built.
#[derive(Debug)]
pub struct StaticGroup {
    pub prefixes: Option<(&'static [&'static str], f64)>,
    pub required: &'static [(&'static [&'static str], Option<usize>, bool, f64)],
}

impl StaticFacts {
    /// The facts, keeping only the literals `keep` accepts: the table holds every case variant the analysis
    /// yields (1,024 for `clinically`), of which the engine keeps the one normalized text can hold, and making
    /// strings of the others took a sixth of a pre-commit run.
    pub fn facts(&self, keep: &dyn Fn(&str) -> bool) -> Facts {
        let strings = |s: &[&str]| {
            s.iter()
                .filter(|x| keep(x))
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
        };
        Facts {
            max_len: self.max_len,
            groups: self.groups.map(|gs| {
                gs.iter()
                    .map(|g| Group {
                        prefixes: g.prefixes.map(|(p, _)| strings(p)),
                        required: g
                            .required
                            .iter()
                            .map(|(words, max_before, spaced, _)| Required {
                                words: strings(words),
                                max_before: *max_before,
                                spaced: *spaced,
                            })
                            .collect(),
                    })
                    .collect()
            }),
            unicode_word_boundary: self.unicode_word_boundary,
            barriers: self.barriers.to_vec(),
        }
    }
}

impl Facts {
    /// The facts without the literals that hold an ASCII capital: the text they are matched against is
    /// lower-cased, so the engine drops those anyway, and they are most of what a case-insensitive English
    /// pattern yields (1,024 variants of `clinically`). build.rs writes the table without them.
    pub fn without_ascii_capitals(self) -> Facts {
        self.with_each_set(|set| set.retain(|l| !l.bytes().any(|b| b.is_ascii_uppercase())))
    }

    /// The facts without the literals that extend another literal of their set (专柜也卖 beside 专柜): where
    /// one occurs, the shorter one occurs at the same place, so the engine drops them anyway (about a sixth of
    /// the literals of the default packs' regexes). build.rs writes the table without them, so that a run does
    /// not make strings of them (issue 6). Whether a literal is kept never depends on one dropped here: a
    /// literal holds every character of the literals it extends.
    pub fn without_extensions(self) -> Facts {
        self.with_each_set(|set| {
            set.sort_unstable();
            let mut kept: Vec<String> = Vec::with_capacity(set.len());
            for l in set.drain(..) {
                if !kept.last().is_some_and(|k| l.starts_with(k.as_str())) {
                    kept.push(l);
                }
            }
            *set = kept;
        })
    }

    /// The facts after `change` has been applied to every literal set (prefixes and required words).
    fn with_each_set(mut self, change: impl Fn(&mut Vec<String>)) -> Facts {
        for g in self.groups.iter_mut().flatten() {
            if let Some(p) = g.prefixes.as_mut() {
                change(p);
            }
            for r in &mut g.required {
                change(&mut r.words);
            }
        }
        self
    }
}

/// Parses a rule regex as the matcher compiles it: case-insensitively, because the text it runs on is already
/// lower-cased and authors write `Top\s*1`.
pub fn parse(pattern: &str) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())
}

/// Analyses one pattern.
pub fn analyze(pattern: &str) -> Result<Facts, String> {
    let hir = parse(pattern)?;
    Ok(facts_of(&hir))
}

/// Analyses a parsed pattern.
pub fn facts_of(hir: &Hir) -> Facts {
    let looks = hir.properties().look_set();
    let max_len = if looks.contains_anchor_haystack() {
        None
    } else {
        Some(
            hir.properties()
                .maximum_len()
                .map_or(MAX_MATCH_BYTES, |n| n.min(MAX_MATCH_BYTES)),
        )
    };
    let branches: Vec<&Hir> = match strip(hir).kind() {
        HirKind::Alternation(alts) => alts.iter().collect(),
        _ => vec![hir],
    };
    let groups = branches
        .into_iter()
        .map(|branch| {
            let prefixes = literal_set(branch);
            let required: Vec<Required> = required_sets(branch)
                .into_iter()
                // A set at the very start is the prefix set, or a less exact form of it.
                .filter(|r| {
                    Some(&r.words) != prefixes.as_ref() && (r.max_before != Some(0) || r.spaced)
                })
                .collect();
            (prefixes.is_some() || !required.is_empty()).then_some(Group { prefixes, required })
        })
        .collect();
    Facts {
        max_len,
        groups,
        unicode_word_boundary: looks.contains_word_unicode(),
        barriers: BARRIER_CANDIDATES
            .into_iter()
            .filter(|&c| !may_match_char(hir, c))
            .collect(),
    }
}

/// Whether some match of `hir` can contain `c` (conservative: true when unsure).
fn may_match_char(hir: &Hir, c: char) -> bool {
    use regex_syntax::hir::Class;
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => {
            let mut buf = [0u8; 4];
            let enc = c.encode_utf8(&mut buf).as_bytes();
            lit.0.windows(enc.len()).any(|w| w == enc)
        }
        HirKind::Class(Class::Unicode(u)) => {
            u.ranges().iter().any(|r| r.start() <= c && c <= r.end())
        }
        HirKind::Class(Class::Bytes(b)) => b.ranges().iter().any(|r| {
            if c.is_ascii() {
                r.start() <= c as u8 && c as u8 <= r.end()
            } else {
                r.end() >= 0x80
            }
        }),
        HirKind::Repetition(rep) => rep.max != Some(0) && may_match_char(&rep.sub, c),
        HirKind::Capture(cap) => may_match_char(&cap.sub, c),
        HirKind::Concat(xs) | HirKind::Alternation(xs) => xs.iter().any(|x| may_match_char(x, c)),
    }
}

/// The literals every match of `hir` starts with, when that set is finite, not too large and made of whole
/// characters (sorted, deduplicated).
fn literal_set(hir: &Hir) -> Option<Vec<String>> {
    let mut extractor = Extractor::new();
    extractor.limit_total(MAX_SET_LITERALS);
    let seq = extractor.extract(hir);
    let lits = seq.literals()?;
    let mut out = Vec::with_capacity(lits.len());
    for lit in lits {
        let bytes = lit.as_bytes();
        // A literal cut short inside a character keeps its whole-character prefix, which still starts every
        // match it stood for.
        let whole = match std::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
        };
        if whole.is_empty() {
            return None;
        }
        out.push(whole.to_string());
    }
    out.sort_unstable();
    out.dedup();
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

/// The literal sets of the pattern's top-level sequence: each run of elements that every match passes through
/// (not optional) and that matches a finite set of words. A run is taken whole: case-insensitive `years` is
/// five one-letter classes in the sequence, and the set wanted is the word, not its letters.
fn required_sets(hir: &Hir) -> Vec<Required> {
    let hir = strip(hir);
    let HirKind::Concat(children) = hir.kind() else {
        return Vec::new();
    };
    let mut sets: Vec<Required> = Vec::new();
    // The run of fixed elements being collected, and the most bytes before it.
    let mut run: Vec<Hir> = Vec::new();
    let mut run_before = (Some(0usize), false);
    // The most bytes before the current element, besides unbounded runs of whitespace, and whether there are
    // such runs.
    let mut before = Some(0usize);
    let mut spaced = false;
    let flush = |run: &mut Vec<Hir>, (max_before, spaced), sets: &mut Vec<Required>| {
        if !run.is_empty() {
            if let Some(words) = literal_set(&Hir::concat(std::mem::take(run))) {
                sets.push(Required {
                    words,
                    max_before,
                    spaced,
                });
            }
        }
    };
    for child in children {
        let c = strip(child);
        let open = match c.kind() {
            HirKind::Repetition(rep) => rep.max != Some(rep.min),
            HirKind::Look(_) | HirKind::Empty => true,
            _ => false,
        };
        if !open && literal_set(c).is_some() {
            if run.is_empty() {
                run_before = (before, spaced);
            }
            run.push(c.clone());
        } else {
            flush(&mut run, run_before, &mut sets);
            // A repeated element still holds a word of its own (`(微信|qq)+`).
            if let HirKind::Repetition(rep) = c.kind() {
                if rep.min >= 1 {
                    if let Some(words) = literal_set(strip(&rep.sub)) {
                        sets.push(Required {
                            words,
                            max_before: before,
                            spaced,
                        });
                    }
                }
            }
        }
        before = match (before, child.properties().maximum_len()) {
            (Some(a), Some(b)) => Some(a + b),
            (Some(a), None) if only_whitespace_repeated(c) => {
                spaced = true;
                Some(a)
            }
            _ => None,
        };
    }
    flush(&mut run, run_before, &mut sets);
    sets.dedup();
    sets
}

/// True when `hir` is a repetition of whitespace alone (`\s*`, ` +`): each character it matches is one that
/// `char::is_whitespace` holds for, as for `\s` (the Unicode White_Space property).
fn only_whitespace_repeated(hir: &Hir) -> bool {
    use regex_syntax::hir::Class;
    let HirKind::Repetition(rep) = hir.kind() else {
        return false;
    };
    match strip(&rep.sub).kind() {
        HirKind::Literal(lit) => std::str::from_utf8(&lit.0)
            .is_ok_and(|s| !s.is_empty() && s.chars().all(char::is_whitespace)),
        // White_Space has 25 characters; a class of more is not whitespace alone.
        HirKind::Class(Class::Unicode(u)) => u.ranges().iter().all(|r| {
            (r.end() as u32) - (r.start() as u32) < 64
                && (r.start()..=r.end()).all(char::is_whitespace)
        }),
        _ => false,
    }
}

fn strip(mut hir: &Hir) -> &Hir {
    while let HirKind::Capture(cap) = hir.kind() {
        hir = &cap.sub;
    }
    hir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_capped_and_anchors_refuse_chunks() {
        let len = |p: &str| analyze(p).unwrap().max_len;
        assert_eq!(len(r"史上最\p{Han}{1,3}"), Some(9 + 3 * 4)); // \p{Han} reaches 4-byte characters
        assert_eq!(len(r"\d+元"), Some(MAX_MATCH_BYTES));
        assert_eq!(len(r"^最好"), None);
        assert_eq!(len(r"(?m)^最好"), Some(6));
    }

    #[test]
    fn prefixes_and_required_words() {
        let f = one_group(r"(加|进)[^,。]{0,6}(微信群|QQ群)[^。]{0,8}(内部价|私下)");
        assert_eq!(f.prefixes, Some(strings(&["加", "进"])));
        let group = f
            .required
            .iter()
            .find(|r| r.words.contains(&"微信群".to_string()))
            .unwrap();
        assert!(
            group.words.contains(&"qq群".to_string()) && group.words.contains(&"QQ群".to_string())
        );
        assert_eq!(
            group.max_before,
            Some(3 + 6 * 4),
            "加 or 进, then six characters of up to 4 bytes"
        );
        let last = f
            .required
            .iter()
            .find(|r| r.words == strings(&["内部价", "私下"]))
            .unwrap();
        assert_eq!(last.max_before, Some(3 + 24 + 9 + 8 * 4));
        assert!(!analyze("加").unwrap().unicode_word_boundary);
    }

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn extensions_are_dropped_from_every_set() {
        let f = analyze("(专柜|专柜也卖|专卖|x|xy)[^,]{0,3}(微信群|微信|qq)").unwrap();
        let g = &f
            .without_ascii_capitals()
            .without_extensions()
            .groups
            .unwrap()[0];
        assert_eq!(
            g.prefixes.as_deref(),
            Some(&strings(&["x", "专卖", "专柜"])[..])
        );
        assert!(g
            .required
            .iter()
            .any(|r| r.words == strings(&["qq", "微信"])));
        assert!(g
            .required
            .iter()
            .all(|r| !r.words.contains(&"微信群".to_string())));
    }

    fn one_group(pattern: &str) -> Group {
        let mut groups = analyze(pattern).unwrap().groups.unwrap();
        assert_eq!(groups.len(), 1, "{pattern}");
        groups.remove(0)
    }

    #[test]
    fn optional_and_open_elements_are_not_required() {
        let f = one_group(r"(超级)?好用[^,]{0,3}(吗)?");
        assert!(f
            .required
            .iter()
            .all(|r| !r.words.contains(&"超级".to_string())));
        assert!(f
            .required
            .iter()
            .all(|r| !r.words.contains(&"吗".to_string())));
        let g = one_group(r"\d+天见效");
        assert_eq!(g.prefixes, None, "Unicode digits are too many");
        assert_eq!(g.required.len(), 1);
        assert_eq!(g.required[0].words, strings(&["天见效"]));
        assert_eq!(g.required[0].max_before, None);
        assert_eq!(one_group(r"[0-9]+天").prefixes.unwrap().len(), 10);
        assert_eq!(
            one_group(r"[0-9.]+天").prefixes,
            None,
            "classes beyond ten are not expanded"
        );
        assert_eq!(analyze(r"\d+[^,]*").unwrap().groups, None);
        assert_eq!(analyze(r"原价|划线价?").unwrap().groups.unwrap().len(), 2);
    }

    #[test]
    fn whitespace_gaps_leave_the_bound_on_other_bytes() {
        let word = |p: &str, w: &str| {
            one_group(p)
                .required
                .into_iter()
                .find(|r| r.words.contains(&w.to_string()))
                .map(|r| (r.max_before, r.spaced))
        };
        assert_eq!(word(r"降\s*(xue|tang|ya)", "xue"), Some((Some(3), true)));
        // Bounded elements count in full, whitespace or not; each unbounded whitespace run counts nothing.
        assert_eq!(
            word(r"(威|v)\s*[^,]{0,2}\s+ {0,3}(xin|信)", "信"),
            Some((Some(3 + 2 * 4 + 3), true))
        );
        assert_eq!(word(r"降 *ya", "ya"), Some((Some(3), true)));
        assert_eq!(word(r"降\s{0,4}ya", "ya"), Some((Some(3 + 4 * 3), false)));
        assert_eq!(word(r"降.*ya", "ya"), Some((None, false)));
        assert_eq!(word(r"降[ a]*ya", "ya"), Some((None, false)));
        assert_eq!(word(r"降(\s|,)*ya", "ya"), Some((None, false)));
        // A word right after the prefix, past whitespace only, is still a word apart from the prefix.
        assert_eq!(word(r"(抗|防|治)\s*ai", "ai"), Some((Some(3), true)));
        assert!(only_whitespace_repeated(&parse(r"\s*").unwrap()));
        assert!(!only_whitespace_repeated(&parse(r"\S*").unwrap()));
    }

    #[test]
    fn each_branch_of_an_alternation_is_a_group() {
        let groups = analyze(r"私下[^,]{0,4}(发|转)|(发|转)[^,]{0,3}红包给我")
            .unwrap()
            .groups
            .unwrap();
        assert_eq!(groups[0].prefixes, Some(strings(&["私下"])));
        assert_eq!(groups[1].prefixes, Some(strings(&["发", "转"])));
        assert_eq!(groups[1].required[0].words, strings(&["红包给我"]));
        assert_eq!(groups[1].required[0].max_before, Some(3 + 3 * 4));
        assert_eq!(analyze(r"私下|\d+").unwrap().groups, None);
    }

    #[test]
    fn case_insensitive_words_are_one_set() {
        let g = one_group(r"(?-u:\b)\d+\s+years\s+younger");
        assert!(
            g.required
                .iter()
                .any(|r| r.words.contains(&"years".to_string())),
            "{g:?}"
        );
        assert!(
            g.required
                .iter()
                .all(|r| r.words.iter().all(|w| w.len() > 1)),
            "{g:?}"
        );
    }

    #[test]
    fn barriers_are_the_ends_no_match_holds() {
        let b = |p: &str| analyze(p).unwrap().barriers;
        assert_eq!(
            b(r"[0-9]+天[^,。!?;]{0,3}见效"),
            vec!['。', '!', '?', ';', ',']
        );
        assert_eq!(b(r"[0-9]+天见效"), vec!['。', '!', '?', ';', ',', '\n']);
        assert_eq!(b(r"[0-9]+天[^。!?;]{0,24}见效"), vec!['。', '!', '?', ';']);
        assert_eq!(b(r"好.{0,3}"), vec!['\n']);
        assert_eq!(b(r"a。b"), vec!['!', '?', ';', ',', '\n']);
    }

    #[test]
    fn word_boundaries_are_seen() {
        assert!(analyze(r"\bcure\b").unwrap().unicode_word_boundary);
        assert!(
            !analyze(r"(?-u:\b)cure(?-u:\b)")
                .unwrap()
                .unicode_word_boundary
        );
    }
}
