//! Validates a parsed pack and turns it into compiled `Rule`s. Every error points into the YAML.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

use regex_automata::util::syntax;

use super::locate;
use super::schema::{PackDef, ProductCategory, RuleDef, Scope};
use crate::error::RuleError;
use crate::finding::RuleMeta;
use crate::normalize::normalize_str;

/// The start and end markers of an expected span in a `flag` example.
pub const MARK_OPEN: char = '«';
/// See [`MARK_OPEN`].
pub const MARK_CLOSE: char = '»';

/// A pack as loaded: its id, title and where it came from.
#[derive(Debug, Clone)]
pub struct PackInfo {
    /// Pack id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Language.
    pub lang: String,
    /// File it came from (`rules/zh/absolute-terms.yaml` for embedded packs).
    pub source: String,
}

/// An example with its markers removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The text as written in the pack, with markers.
    pub raw: String,
    /// The text to scan.
    pub text: String,
    /// Expected spans (byte ranges in `text`); empty for `pass` examples.
    pub expected: Vec<Range<usize>>,
    /// `flag` or `pass`.
    pub must_flag: bool,
}

/// A validated rule, ready for the engine.
#[derive(Debug, Clone)]
pub struct Rule {
    /// What reporters see.
    pub meta: Arc<RuleMeta>,
    /// Message template with `{matched}`.
    pub message: String,
    /// Input kinds; empty means all.
    pub scope: Vec<Scope>,
    /// Product categories; empty means any product or none.
    pub products: Vec<ProductCategory>,
    /// Normalized keywords.
    pub keywords: Vec<String>,
    /// Regex sources, matched case-insensitively on normalized text.
    pub regexes: Vec<String>,
    /// Normalized `unless.inside` phrases.
    pub inside: Vec<String>,
    /// Normalized `unless.after` words.
    pub after: Vec<String>,
    /// Normalized `unless.near.any` phrases.
    pub near: Vec<String>,
    /// `unless.near.window`, in characters.
    pub near_window: usize,
    /// Examples.
    pub examples: Vec<Example>,
    /// The pack file.
    pub source: String,
    /// A listing rule (`field:`), checked on products instead of text.
    pub field: Option<crate::engine::listing::FieldCheck>,
    /// A cross-check (`claim:`), checked on scripts and transcripts tied to a product.
    pub claim: Option<crate::engine::crosscheck::ClaimCheck>,
    /// `examples.listing` and `examples.date` of a `claim:` rule.
    pub example_listing: Option<(String, String)>,
    /// `claim.supersedes`: text rules whose findings this cross-check replaces where it ran.
    pub supersedes: Vec<String>,
}

impl Rule {
    /// The message with every `{matched}` replaced by `matched`: `str::replace` without its searcher's set-up,
    /// which was most of the cost of a finding when a big input has 100,000 of them (issue 6).
    pub fn message_for(&self, matched: &str) -> String {
        const HOLE: &str = "{matched}";
        let mut out = String::with_capacity(self.message.len() + matched.len());
        let mut rest = self.message.as_str();
        while let Some(i) = memchr::memchr(b'{', rest.as_bytes()) {
            let (before, from) = rest.split_at(i);
            out.push_str(before);
            if let Some(after) = from.strip_prefix(HOLE) {
                out.push_str(matched);
                rest = after;
            } else {
                out.push('{');
                rest = &from[1..];
            }
        }
        out.push_str(rest);
        out
    }
}

/// Splits an example into text and «marked» spans.
pub fn parse_example(raw: &str) -> Result<(String, Vec<Range<usize>>), String> {
    let mut text = String::with_capacity(raw.len());
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    for c in raw.chars() {
        match c {
            MARK_OPEN if open.is_some() => return Err("nested «".into()),
            MARK_OPEN => open = Some(text.len()),
            MARK_CLOSE => match open.take() {
                Some(start) if start < text.len() => spans.push(start..text.len()),
                Some(_) => return Err("empty «» span".into()),
                None => return Err("» without «".into()),
            },
            _ => text.push(c),
        }
    }
    if open.is_some() {
        return Err("« without »".into());
    }
    Ok((text, spans))
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Checks a regex: it must parse, and it must not use Unicode word boundaries, which CJK text does not have and
/// which force the slow engines.
pub fn check_regex(pattern: &str) -> Result<(), String> {
    // The embedded packs' regexes were parsed when livelint was built (issue 6: start-up).
    let word_unicode = match super::regex_table::embedded(pattern) {
        Some(f) => f.unicode_word_boundary,
        None => syntax::parse(pattern)
            .map_err(|e| e.to_string())?
            .properties()
            .look_set()
            .contains_word_unicode(),
    };
    if word_unicode {
        return Err(
            "Unicode word boundaries (\\b, \\B) are not supported: CJK has no word boundaries; \
             use (?-u:\\b) for an ASCII word boundary"
                .into(),
        );
    }
    Ok(())
}

/// Parses and validates one pack file.
pub fn compile_pack(name: &str, src: &str) -> Result<(PackInfo, Vec<Rule>), RuleError> {
    compile_pack_cached(name, src, None)
}

/// [`compile_pack`], reading a user pack from `cache` when it holds this very text, and keeping it there
/// when it does not and the pack compiles (cache.rs: the YAML is parsed once, not on every run).
pub fn compile_pack_cached(
    name: &str,
    src: &str,
    cache: Option<&super::cache::PackCache>,
) -> Result<(PackInfo, Vec<Rule>), RuleError> {
    // An embedded pack comes with its JSON form; anything else, or JSON that does not fit the schema (the
    // YAML then tells what is wrong, with its line), is parsed as YAML.
    let embedded = super::pack::embedded_json(name, src);
    let json = match embedded {
        Some(json) => Some(std::borrow::Cow::Borrowed(json)),
        None => cache
            .and_then(|c| c.lookup(src))
            .map(std::borrow::Cow::Owned),
    };
    let from_json = json.and_then(|json| serde_json::from_str::<PackDef>(&json).ok());
    // An embedded pack's example listings are checked by the tests (which also compile it from its YAML),
    // not at each run: parsing them took a tenth of the rules' start-up (issue 6).
    let checked = embedded.is_some() && from_json.is_some();
    // A user pack read from its YAML is kept for the next run, once it has compiled.
    let keep = embedded.is_none() && from_json.is_none();
    let def: PackDef = match from_json {
        Some(def) => def,
        None => parse_yaml(name, src)?,
    };
    let compiled = compile_def(name, src, def, checked)?;
    if let Some(cache) = cache.filter(|_| keep) {
        cache.store(src);
    }
    Ok(compiled)
}

/// The pack's YAML, with an error that points at the line where it goes wrong.
fn parse_yaml(name: &str, src: &str) -> Result<PackDef, RuleError> {
    serde_yaml::from_str(src).map_err(|e| {
        let (offset, msg) = match e.location() {
            Some(loc) => (loc.index(), e.to_string()),
            None => (0, e.to_string()),
        };
        // serde_yaml appends " at line L column C"; our prefix already says where.
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        RuleError::invalid(name, src, offset, 1, msg, "here", None)
    })
}

/// Validates a parsed pack and compiles its rules; `src` is the YAML errors point into. With `examples_checked`
/// the example listings are known to parse and are not parsed again.
fn compile_def(
    name: &str,
    src: &str,
    def: PackDef,
    examples_checked: bool,
) -> Result<(PackInfo, Vec<Rule>), RuleError> {
    let mut errors = Vec::new();
    if !valid_id(&def.pack) {
        let at = src.find(&def.pack).unwrap_or(0);
        errors.push(RuleError::invalid(
            name,
            src,
            at,
            def.pack.len(),
            format!(
                "pack id `{}` must be lower-case letters, digits and dashes",
                def.pack
            ),
            "pack id",
            None,
        ));
    }
    let info = PackInfo {
        id: def.pack.clone(),
        title: def.title.clone().unwrap_or_else(|| def.pack.clone()),
        lang: def.lang.clone().unwrap_or_default(),
        source: name.to_string(),
    };
    let mut seen: HashSet<&str> = HashSet::new();
    let mut nth: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut rules = Vec::new();
    for r in &def.rules {
        let occurrence = {
            let n = nth.entry(r.id.as_str()).or_insert(0);
            *n += 1;
            *n - 1
        };
        // Where the rule is in the YAML: looked up only for an error, since it searches the text from the
        // top, and doing so for every rule of the default packs took a millisecond of each run (issue 6).
        let rule_at = std::cell::OnceCell::new();
        let at =
            || *rule_at.get_or_init(|| locate::rule_id(src, &r.id, occurrence).unwrap_or((0, 0)));
        let err = |needle: &str, msg: String, label: &str, help: Option<String>| {
            let (o, l) = if needle.is_empty() {
                at()
            } else {
                locate::in_rule(src, at(), needle)
            };
            RuleError::invalid(name, src, o, l, msg, label, help)
        };
        if !seen.insert(r.id.as_str()) {
            errors.push(err(
                "",
                format!("duplicate rule id `{}` in pack `{}`", r.id, def.pack),
                "defined again here",
                Some(
                    "rule ids are stable references for suppressions and baselines; rename one"
                        .into(),
                ),
            ));
        }
        if !valid_id(&r.id) {
            errors.push(err(
                "",
                format!(
                    "rule id `{}` must be lower-case letters, digits and dashes",
                    r.id
                ),
                "rule id",
                None,
            ));
        }
        match compile_rule(&def, r, name, &err, examples_checked) {
            Ok(rule) => rules.push(rule),
            Err(mut e) => errors.append(&mut e),
        }
    }
    RuleError::collect(errors)?;
    Ok((info, rules))
}

/// Builds an error pointing at `needle` inside the rule being compiled.
pub(crate) type ErrFn<'a> = dyn Fn(&str, String, &str, Option<String>) -> RuleError + 'a;

fn normalized_list(
    items: &[String],
    what: &str,
    err: &ErrFn<'_>,
    errors: &mut Vec<RuleError>,
) -> Vec<String> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let n = normalize_str(item);
        if n.trim().is_empty() {
            errors.push(err(
                what,
                format!("empty phrase in `{what}`"),
                "empty phrase",
                None,
            ));
        } else {
            out.push(n);
        }
    }
    out
}

fn compile_rule(
    pack: &PackDef,
    r: &RuleDef,
    name: &str,
    err: &ErrFn<'_>,
    examples_checked: bool,
) -> Result<Rule, Vec<RuleError>> {
    let mut errors = Vec::new();
    if r.law.is_empty() {
        errors.push(err(
            "law",
            format!("rule `{}` cites no law", r.id),
            "law: []",
            Some("every rule names the article(s) it enforces".into()),
        ));
    }
    // Borrowed, not cloned: a pack of 10,000 keywords was copied twice before being normalized (issue 6).
    let keywords_listed = r.matcher.as_ref().and_then(|m| m.keywords.as_ref());
    let regexes_listed = r.matcher.as_ref().and_then(|m| m.regex.as_ref());
    let keywords_raw: &[String] = keywords_listed.map_or(&[], Vec::as_slice);
    let regexes = regexes_listed.cloned().unwrap_or_default();
    if keywords_listed.is_some_and(|k| k.is_empty()) {
        errors.push(err(
            "keywords",
            format!("rule `{}` has an empty keyword list", r.id),
            "empty list",
            Some("list at least one phrase, or remove `keywords`".into()),
        ));
    }
    if regexes_listed.is_some_and(|k| k.is_empty()) {
        errors.push(err(
            "regex",
            format!("rule `{}` has an empty regex list", r.id),
            "empty list",
            None,
        ));
    }
    let (field, claim) =
        crate::engine::listing::compile_extensions(r, err, examples_checked, &mut errors);
    if keywords_raw.is_empty()
        && regexes.is_empty()
        && r.matcher.is_none()
        && r.field.is_none()
        && r.claim.is_none()
    {
        errors.push(err(
            "",
            format!(
                "rule `{}` has nothing to match (`match.keywords`, `match.regex`, `field` or `claim`)",
                r.id
            ),
            "this rule",
            None,
        ));
    }
    let keywords = normalized_list(keywords_raw, "keywords", err, &mut errors);
    for re in &regexes {
        if let Err(msg) = check_regex(re) {
            errors.push(err(
                re,
                format!("bad regex in rule `{}`: {msg}", r.id),
                "this regex",
                None,
            ));
        }
    }
    let unless = r.unless.clone().unwrap_or_default();
    let inside = normalized_list(&unless.inside, "inside", err, &mut errors);
    let after = normalized_list(&unless.after, "after", err, &mut errors);
    let (near, near_window) = match &unless.near {
        Some(n) => (normalized_list(&n.any, "near", err, &mut errors), n.window),
        None => (Vec::new(), 0),
    };
    let mut examples = Vec::new();
    if r.examples.flag.is_empty() || r.examples.pass.is_empty() {
        errors.push(err(
            "examples",
            format!(
                "rule `{}` needs at least one `flag` and one `pass` example",
                r.id
            ),
            "examples",
            Some("examples are the rule's tests: `rules test` runs them".into()),
        ));
    }
    for (raw, must_flag) in r
        .examples
        .flag
        .iter()
        .map(|e| (e, true))
        .chain(r.examples.pass.iter().map(|e| (e, false)))
    {
        match parse_example(raw) {
            Ok((_, spans)) if must_flag && spans.is_empty() => errors.push(err(
                raw,
                format!("`flag` example of rule `{}` has no «» span markers", r.id),
                "no «» markers",
                Some("mark each expected finding: 这是全网«最好»的面霜".into()),
            )),
            Ok((_, spans)) if !must_flag && !spans.is_empty() => errors.push(err(
                raw,
                format!("`pass` example of rule `{}` has «» markers", r.id),
                "markers in a pass example",
                Some("a pass example must yield no finding; remove the markers".into()),
            )),
            Ok((text, expected)) => examples.push(Example {
                raw: raw.clone(),
                text,
                expected,
                must_flag,
            }),
            Err(msg) => errors.push(err(
                raw,
                format!("example of rule `{}`: {msg}", r.id),
                "example",
                None,
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Rule {
        meta: Arc::new(RuleMeta {
            id: format!("{}/{}", pack.pack, r.id),
            title: r.title.clone(),
            category: r.category,
            severity: r.severity,
            law: r.law.clone(),
            help: r.help.clone(),
        }),
        message: r.message.clone(),
        scope: r.scope.clone().unwrap_or_default(),
        products: r
            .when
            .as_ref()
            .map(|w| w.product.clone())
            .unwrap_or_default(),
        keywords,
        regexes,
        inside,
        after,
        near,
        near_window,
        examples,
        source: name.to_string(),
        field,
        claim,
        supersedes: r
            .claim
            .as_ref()
            .map(|c| c.supersedes.clone())
            .unwrap_or_default(),
        example_listing: r.claim.as_ref().map(|_| {
            (
                r.examples.listing.clone().unwrap_or_default(),
                r.examples.date.clone().unwrap_or_default(),
            )
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_for_fills_every_hole_as_replace_does() {
        let mut rule = compile_pack("t.yaml", GOOD).unwrap().1[0].clone();
        for template in [
            "{matched}",
            "绝对化用语「{matched}」",
            "no hole",
            "",
            "{{matched}}",
            "{match}{matched}{",
            "{matched}{matched}x{",
        ] {
            rule.message = template.into();
            for m in ["最好", "", "{matched}"] {
                assert_eq!(
                    rule.message_for(m),
                    template.replace("{matched}", m),
                    "{template} / {m}"
                );
            }
        }
    }

    #[test]
    fn embedded_packs_read_from_json_compile_as_from_yaml() {
        for p in crate::rules::pack::embedded() {
            let json = crate::rules::pack::embedded_json(&p.name, &p.text)
                .unwrap_or_else(|| panic!("{} has no JSON form", p.name));
            let from_json: PackDef = serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("{}: JSON does not fit the schema: {e}", p.name));
            let a = compile_def(&p.name, &p.text, from_json, true).unwrap();
            let yaml = parse_yaml(&p.name, &p.text).unwrap();
            let b = compile_def(&p.name, &p.text, yaml, false).unwrap();
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{}", p.name);
        }
        // Only the unchanged embedded text takes the JSON path.
        let p = &crate::rules::pack::embedded()[0];
        assert!(crate::rules::pack::embedded_json(&p.name, &format!("{} ", p.text)).is_none());
        assert!(crate::rules::pack::embedded_json("other.yaml", &p.text).is_none());
    }

    const GOOD: &str = r#"pack: t
rules:
  - id: best
    title: 绝对化用语
    category: absolute-terms
    severity: error
    law: ["广告法 第九条第三项"]
    message: "绝对化用语「{matched}」"
    help: 改写
    match:
      keywords: [最好]
    unless:
      inside: [最好不要]
    examples:
      flag: ["这是«最好»的"]
      pass: ["最好不要买"]
"#;

    fn err_line(src: &str) -> (usize, String) {
        match compile_pack("p.yaml", src) {
            Err(RuleError::Invalid(e)) => (e.line, e.message),
            Err(RuleError::Many { errors }) => match &errors[0] {
                RuleError::Invalid(e) => (e.line, e.message.clone()),
                other => panic!("{other:?}"),
            },
            other => panic!("expected an error, got {other:?}"),
        }
    }

    /// GOOD with enough keywords that the cache keeps it.
    fn big_good() -> String {
        let words: Vec<String> = (0..1500).map(|i| format!("最好{i}")).collect();
        GOOD.replace(
            "keywords: [最好]",
            &format!("keywords: [最好, {}]", words.join(", ")),
        )
    }

    #[test]
    fn a_cached_pack_compiles_as_from_its_yaml() {
        let dir = tempfile::tempdir().unwrap();
        let cache = crate::rules::cache::PackCache::at(dir.path());
        let src = big_good();
        assert!(src.len() >= crate::rules::cache::MIN_CACHED_BYTES);
        let from_yaml = compile_pack("p.yaml", &src).unwrap();
        // The first compile keeps the pack; the second reads it from the cache.
        let first = compile_pack_cached("p.yaml", &src, Some(&cache)).unwrap();
        assert!(cache.lookup(&src).is_some());
        let second = compile_pack_cached("p.yaml", &src, Some(&cache)).unwrap();
        assert_eq!(format!("{from_yaml:?}"), format!("{first:?}"));
        assert_eq!(format!("{from_yaml:?}"), format!("{second:?}"));
    }

    #[test]
    fn a_pack_with_errors_is_not_cached_and_still_points_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let cache = crate::rules::cache::PackCache::at(dir.path());
        let src = big_good().replace("severity: error", "severity: fatal");
        for _ in 0..2 {
            match compile_pack_cached("p.yaml", &src, Some(&cache)) {
                Err(RuleError::Invalid(e)) => assert_eq!(e.line, 6, "{}", e.message),
                other => panic!("expected an error, got {other:?}"),
            }
        }
        assert!(cache.lookup(&src).is_none());
        assert_eq!(
            std::fs::read_dir(dir.path())
                .map(|d| d.count())
                .unwrap_or(0),
            0
        );
    }

    #[test]
    fn compiles_a_good_pack() {
        let (info, rules) = compile_pack("p.yaml", GOOD).unwrap();
        assert_eq!(info.id, "t");
        assert_eq!(rules[0].meta.id, "t/best");
        assert_eq!(rules[0].examples.len(), 2);
        assert_eq!(rules[0].examples[0].text, "这是最好的");
        assert_eq!(rules[0].examples[0].expected, vec![6..12]);
    }

    #[test]
    fn unknown_field_points_at_its_line() {
        let src = GOOD.replace("    unless:", "    unles:");
        let (line, msg) = err_line(&src);
        assert_eq!(line, 12, "{msg}");
        assert!(msg.contains("unknown field"), "{msg}");
    }

    #[test]
    fn bad_regex_points_at_its_line() {
        let src = GOOD.replace(
            "keywords: [最好]",
            "keywords: [最好]\n      regex: ['史上最(']",
        );
        let (line, msg) = err_line(&src);
        assert_eq!(line, 12, "{msg}");
        assert!(msg.contains("bad regex"), "{msg}");
    }

    #[test]
    fn unicode_word_boundary_is_rejected() {
        assert!(check_regex(r"\bcure\b").is_err());
        assert!(check_regex(r"(?-u:\b)cure(?-u:\b)").is_ok());
    }

    #[test]
    fn empty_keywords_and_missing_markers_and_duplicates() {
        let (line, msg) = err_line(&GOOD.replace("keywords: [最好]", "keywords: []"));
        assert_eq!(line, 11, "{msg}");
        let (line, msg) =
            err_line(&GOOD.replace("flag: [\"这是«最好»的\"]", "flag: [\"这是最好的\"]"));
        assert_eq!(line, 15, "{msg}");
        assert!(msg.contains("no «» span markers"));
        let doubled = format!("{GOOD}{}", &GOOD[GOOD.find("  - id").unwrap()..]);
        let (line, msg) = err_line(&doubled);
        assert_eq!(line, 17, "{msg}");
        assert!(msg.contains("duplicate rule id"));
    }

    #[test]
    fn example_markers() {
        assert_eq!(
            parse_example("a«b»c«d»").unwrap(),
            ("abcd".to_string(), vec![1..2, 3..4])
        );
        assert!(parse_example("a«b").is_err());
        assert!(parse_example("a»b").is_err());
        assert!(parse_example("«»").is_err());
    }
}
