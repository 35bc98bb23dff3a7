//! Listing rules (`field:`): credential numbers, manufacturer details and the seller's 统一社会信用代码, checked
//! on every product of every listing (issue 4), plus the text rules run over each product's title and
//! description (marketing copy, DESIGN.md section 4) with spans mapped back into the listing file.
//!
//! A `field:` rule names a field path and any of three checks:
//! - `required: true` — a product without the field is a finding at its `id:` (三无产品, 北京市直播带货合规指引);
//! - `pattern:` — a value that does not match the regex as a whole is a finding at the value;
//! - `checksum: gb32100` — a 统一社会信用代码 of the right shape whose check digit is wrong is a finding. Early
//!   pilot codes are real yet fail the check (regulations.md section 8), so packs give this rule `warning`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::lazy_regex::LazyRegex;
use rayon::prelude::*;

use super::{Engine, ScanContext};
use crate::error::{InputError, RuleError};
use crate::examples::{mark, ExampleFailure, ExampleRun};
use crate::finding::{sort_and_locate, Finding, LineCol};
use crate::rules::compile::{check_regex, parse_example, ErrFn};
use crate::rules::schema::{ExamplesDef, FieldDef, ProductCategory, RuleDef, Scope};
use crate::rules::Rule;
use crate::source::listing::{
    self, category_name, CredentialKind, Date, ListingFile, Parsed, Product,
};
use crate::source::{decode, MAX_FILE_BYTES};

/// A field of a product, as named in `field.path` and in CSV headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldPath {
    /// `id`
    Id,
    /// `title`
    Title,
    /// `category`
    Category,
    /// `aliases`
    Aliases,
    /// `price`
    Price,
    /// `list-price`
    ListPrice,
    /// `price-history`
    PriceHistory,
    /// `origin`
    Origin,
    /// `seller.name`
    SellerName,
    /// `seller.uscc`
    SellerUscc,
    /// `manufacturer.name`
    ManufacturerName,
    /// `manufacturer.address`
    ManufacturerAddress,
    /// `description`
    Description,
    /// `credentials.<kind>`
    Credential(CredentialKind),
}

const SIMPLE_PATHS: [(&str, FieldPath); 13] = [
    ("id", FieldPath::Id),
    ("title", FieldPath::Title),
    ("category", FieldPath::Category),
    ("aliases", FieldPath::Aliases),
    ("price", FieldPath::Price),
    ("list-price", FieldPath::ListPrice),
    ("price-history", FieldPath::PriceHistory),
    ("origin", FieldPath::Origin),
    ("seller.name", FieldPath::SellerName),
    ("seller.uscc", FieldPath::SellerUscc),
    ("manufacturer.name", FieldPath::ManufacturerName),
    ("manufacturer.address", FieldPath::ManufacturerAddress),
    ("description", FieldPath::Description),
];

impl FieldPath {
    /// Parses `seller.uscc`, `credentials.production-license` ...
    pub fn parse(s: &str) -> Option<FieldPath> {
        if let Some(kind) = s.strip_prefix("credentials.") {
            return CredentialKind::parse(kind).map(FieldPath::Credential);
        }
        SIMPLE_PATHS.iter().find(|(n, _)| *n == s).map(|(_, p)| *p)
    }

    /// Every value of the field in a product, with its span.
    pub fn values<'a>(self, p: &'a Product) -> Vec<(Cow<'a, str>, Range<usize>)> {
        let text = |s: &'a Option<listing::Spanned<String>>| {
            s.iter()
                .map(|v| (Cow::Borrowed(v.value.as_str()), v.span.clone()))
                .collect::<Vec<_>>()
        };
        let num = |s: &Option<listing::Spanned<f64>>| {
            s.iter()
                .map(|v| (Cow::Owned(fmt_num(v.value)), v.span.clone()))
                .collect::<Vec<_>>()
        };
        let mut out = match self {
            FieldPath::Id => vec![(Cow::Borrowed(p.id.value.as_str()), p.id.span.clone())],
            FieldPath::Title => text(&p.title),
            FieldPath::Category => p
                .category
                .iter()
                .map(|c| (Cow::Borrowed(category_name(c.value)), c.span.clone()))
                .collect(),
            FieldPath::Aliases => p
                .aliases
                .iter()
                .map(|a| (Cow::Borrowed(a.value.as_str()), a.span.clone()))
                .collect(),
            FieldPath::Price => num(&p.price),
            FieldPath::ListPrice => num(&p.list_price),
            FieldPath::PriceHistory => p
                .price_history
                .iter()
                .map(|h| {
                    (
                        Cow::Owned(format!("{}:{}", h.date, fmt_num(h.price))),
                        h.span.clone(),
                    )
                })
                .collect(),
            FieldPath::Origin => text(&p.origin),
            FieldPath::SellerName => text(&p.seller_name),
            FieldPath::SellerUscc => text(&p.seller_uscc),
            FieldPath::ManufacturerName => text(&p.manufacturer_name),
            FieldPath::ManufacturerAddress => text(&p.manufacturer_address),
            FieldPath::Description => text(&p.description),
            FieldPath::Credential(kind) => p
                .credentials
                .get(&kind)
                .into_iter()
                .flatten()
                .map(|v| (Cow::Borrowed(v.value.as_str()), v.span.clone()))
                .collect(),
        };
        out.retain(|(v, _)| !v.trim().is_empty());
        out
    }
}

/// Formats a price without a trailing `.0` (129, 12.5).
pub fn fmt_num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        let s = format!("{r:.2}");
        s.trim_end_matches('0').to_string()
    }
}

/// Named check-digit algorithms for `field.checksum`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// 统一社会信用代码, GB 32100-2015.
    Gb32100,
}

/// The outcome of the GB 32100-2015 check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsccCheck {
    /// Not 18 characters of the code's alphabet in the code's layout.
    Malformed,
    /// The check digit matches.
    Valid,
    /// Right shape, wrong check digit; holds the digit the other 17 characters call for.
    Mismatch(char),
}

/// The code's alphabet: digits and capitals without I, O, Z, S, V (GB 32100-2015).
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights 3^i mod 31 for positions 1-17.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Checks a 统一社会信用代码 (regulations.md section 8): check = alphabet[(31 - Σ v·w mod 31) mod 31].
pub fn check_uscc(code: &str) -> UsccCheck {
    let b = code.trim().as_bytes();
    let index = |c: u8| USCC_ALPHABET.iter().position(|&a| a == c).map(|i| i as u32);
    // Prefilter ^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$.
    if b.len() != 18
        || b.iter().any(|&c| index(c).is_none())
        || !b[2..8].iter().all(u8::is_ascii_digit)
    {
        return UsccCheck::Malformed;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(USCC_WEIGHTS)
        .map(|(&c, w)| index(c).unwrap_or(0) * w)
        .sum();
    let expected = USCC_ALPHABET[((31 - sum % 31) % 31) as usize];
    if b[17] == expected {
        UsccCheck::Valid
    } else {
        UsccCheck::Mismatch(expected as char)
    }
}

/// A compiled `field:`.
#[derive(Debug, Clone)]
pub struct FieldCheck {
    /// The fields; with several, one present is enough for `required`.
    pub paths: Vec<FieldPath>,
    /// The path(s) as written, for `{field}`.
    pub path_text: String,
    /// Missing is a finding.
    pub required: bool,
    /// Whole-value regex.
    pub pattern: Option<LazyRegex>,
    /// Check digit.
    pub checksum: Option<Checksum>,
}

/// Validates a `field:` and the rule's examples (each one product as a YAML mapping).
pub(crate) fn compile_field(
    def: &FieldDef,
    examples: &ExamplesDef,
    err: &ErrFn<'_>,
    examples_checked: bool,
) -> Result<FieldCheck, Vec<RuleError>> {
    let mut errors = Vec::new();
    let mut paths = Vec::new();
    for p in def.path.list() {
        match FieldPath::parse(p) {
            Some(fp) => paths.push(fp),
            None => errors.push(err(
                p,
                format!("unknown field path `{p}`"),
                "unknown field",
                Some(format!(
                    "one of: {}, credentials.<{}>",
                    SIMPLE_PATHS.map(|(n, _)| n).join(", "),
                    CredentialKind::ALL.map(CredentialKind::as_str).join("|")
                )),
            )),
        }
    }
    if paths.is_empty() && errors.is_empty() {
        errors.push(err(
            "path",
            "`field.path` lists no field".into(),
            "path",
            None,
        ));
    }
    let pattern = match &def.pattern {
        Some(src) => match check_regex(src).map(|()| LazyRegex::known_good(format!("^(?:{src})$")))
        {
            Ok(re) => Some(re),
            Err(msg) => {
                errors.push(err(
                    src,
                    format!("bad `field.pattern`: {msg}"),
                    "this regex",
                    None,
                ));
                None
            }
        },
        None => None,
    };
    let checksum = match def.checksum.as_deref() {
        None => None,
        Some("gb32100") => Some(Checksum::Gb32100),
        Some(other) => {
            errors.push(err(
                other,
                format!("unknown checksum `{other}`"),
                "unknown checksum",
                Some("known: gb32100 (统一社会信用代码)".into()),
            ));
            None
        }
    };
    if !def.required && def.pattern.is_none() && def.checksum.is_none() {
        errors.push(err(
            "field",
            "`field` checks nothing: give `required`, `pattern` or `checksum`".into(),
            "field",
            None,
        ));
    }
    // Examples of a pack whose examples are checked already (embedded) are not parsed again.
    let examples_to_check = if examples_checked {
        None
    } else {
        Some(examples.flag.iter().chain(&examples.pass))
    };
    for raw in examples_to_check.into_iter().flatten() {
        if let Ok((text, _)) = parse_example(raw) {
            if let Err(msg) = listing::parse_product_snippet(&text) {
                errors.push(err(
                    raw,
                    format!("example is not a product mapping: {msg}"),
                    "example",
                    Some(
                        "examples of `field` rules are products: {id: p1, category: food, ...}"
                            .into(),
                    ),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(FieldCheck {
        path_text: def.path.list().join(" / "),
        paths,
        required: def.required,
        pattern,
        checksum,
    })
}

/// Validates what `field:` and `claim:` add to a rule (DESIGN.md section 3): a rule has exactly one of `match`,
/// `field` and `claim`; `unless` is for `match` rules; `examples.listing`/`date` are for `claim` rules.
pub(crate) fn compile_extensions(
    r: &RuleDef,
    err: &ErrFn<'_>,
    examples_checked: bool,
    errors: &mut Vec<RuleError>,
) -> (Option<FieldCheck>, Option<super::crosscheck::ClaimCheck>) {
    let kinds = [r.matcher.is_some(), r.field.is_some(), r.claim.is_some()];
    if kinds.iter().filter(|k| **k).count() > 1 {
        errors.push(err(
            "",
            format!(
                "rule `{}` has more than one of `match`, `field` and `claim`",
                r.id
            ),
            "this rule",
            Some("a text rule has `match`, a listing rule `field`, a cross-check `claim`".into()),
        ));
    }
    if (r.field.is_some() || r.claim.is_some()) && r.unless.is_some() {
        errors.push(err(
            "unless",
            format!("rule `{}`: `unless` applies to `match` rules only", r.id),
            "unless",
            None,
        ));
    }
    let field = match &r.field {
        Some(f) => compile_field(f, &r.examples, err, examples_checked)
            .map_err(|mut e| errors.append(&mut e))
            .ok(),
        None => None,
    };
    let claim = match &r.claim {
        Some(c) => super::crosscheck::compile_claim(c, &r.examples, err, examples_checked)
            .map_err(|mut e| errors.append(&mut e))
            .ok(),
        None => None,
    };
    if r.claim.is_none() && (r.examples.listing.is_some() || r.examples.date.is_some()) {
        errors.push(err(
            "examples",
            format!(
                "rule `{}`: `examples.listing` and `examples.date` are for `claim` rules",
                r.id
            ),
            "examples",
            None,
        ));
    }
    (field, claim)
}

/// Fills `{name}` placeholders.
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// A finding without its line and column yet.
pub fn raw_finding(
    rule: &Rule,
    severity: crate::finding::Severity,
    text: &str,
    span: Range<usize>,
    message: String,
) -> Finding {
    let span = span.start.min(text.len())..span.end.min(text.len()).max(span.start.min(text.len()));
    Finding {
        rule: Arc::clone(&rule.meta),
        severity,
        matched: text.get(span.clone()).unwrap_or_default().to_string(),
        span,
        message,
        start: LineCol::default(),
        end: LineCol::default(),
        time: None,
    }
}

/// Whether a rule applies to a product of this category.
fn applies(rule: &Rule, p: &Product) -> bool {
    rule.products.is_empty() || rule.products.contains(&p.category())
}

/// Runs one `field:` rule on one product.
pub fn check_field(
    rule: &Rule,
    check: &FieldCheck,
    p: &Product,
    text: &str,
    out: &mut Vec<Finding>,
) {
    if !applies(rule, p) {
        return;
    }
    let title = p
        .title
        .as_ref()
        .map_or(p.id.value.as_str(), |t| t.value.as_str());
    let values: Vec<(Cow<'_, str>, Range<usize>)> =
        check.paths.iter().flat_map(|fp| fp.values(p)).collect();
    if values.is_empty() {
        if check.required {
            let msg = render(
                &rule.message,
                &[
                    ("matched", &p.id.value),
                    ("product", &p.id.value),
                    ("title", title),
                    ("field", &check.path_text),
                    ("expected", ""),
                ],
            );
            out.push(raw_finding(
                rule,
                rule.meta.severity,
                text,
                p.id.span.clone(),
                msg,
            ));
        }
        return;
    }
    for (value, span) in values {
        let v = value.trim();
        let mut expected = String::new();
        let bad = match (&check.pattern, check.checksum) {
            (Some(re), _) if re.get().is_some_and(|re| !re.is_match(v)) => true,
            (_, Some(Checksum::Gb32100)) => match check_uscc(v) {
                UsccCheck::Mismatch(c) => {
                    expected = c.to_string();
                    true
                }
                UsccCheck::Valid | UsccCheck::Malformed => false,
            },
            _ => false,
        };
        if bad {
            let msg = render(
                &rule.message,
                &[
                    ("matched", v),
                    ("product", &p.id.value),
                    ("title", title),
                    ("field", &check.path_text),
                    ("expected", &expected),
                ],
            );
            out.push(raw_finding(rule, rule.meta.severity, text, span, msg));
        }
    }
}

/// Where a finding in a parsed value lies in the file: directly when the value is written verbatim, else the
/// same occurrence of the matched text inside the written value, else the whole value.
fn map_span(file: &str, written: Range<usize>, value: &str, inner: Range<usize>) -> Range<usize> {
    let raw = file.get(written.clone()).unwrap_or_default();
    if raw == value {
        return written.start + inner.start..written.start + inner.end;
    }
    let needle = value.get(inner.clone()).unwrap_or_default();
    if !needle.is_empty() {
        let nth = value[..inner.start].matches(needle).count();
        if let Some((i, _)) = raw.match_indices(needle).nth(nth) {
            return written.start + i..written.start + i + needle.len();
        }
    }
    written
}

/// Titles and descriptions joined for one scan, with where each piece starts.
#[derive(Default)]
struct MarketingCopy<'a> {
    text: String,
    pieces: Vec<(usize, &'a listing::Spanned<String>)>,
}

/// Joins pieces of copy: a line break and a full stop end the clause (no `unless.after` reaches across) and are
/// not separators that normalization drops between CJK characters (no keyword matches across).
const COPY_JOIN: &str = "\n。\n";

impl<'a> MarketingCopy<'a> {
    fn push(&mut self, field: &'a listing::Spanned<String>) {
        if !self.text.is_empty() {
            self.text.push_str(COPY_JOIN);
        }
        self.pieces.push((self.text.len(), field));
        self.text.push_str(&field.value);
    }

    /// Maps a span of the joined text to the listing file; `None` for a span that crosses two pieces.
    fn map_range(&self, file: &str, r: Range<usize>) -> Option<Range<usize>> {
        let i = self
            .pieces
            .partition_point(|(at, _)| *at <= r.start)
            .checked_sub(1)?;
        let (at, field) = self.pieces[i];
        if r.end > at + field.value.len() {
            return None;
        }
        let inner = r.start - at..r.end - at;
        Some(map_span(file, field.span.clone(), &field.value, inner))
    }

    /// Moves findings in the joined text to the listing file.
    fn map_back(&self, file: &str, found: Vec<Finding>, out: &mut Vec<Finding>) {
        for mut f in found {
            let Some(span) = self.map_range(file, f.span.clone()) else {
                continue;
            };
            f.span = span;
            f.matched = file.get(f.span.clone()).unwrap_or_default().to_string();
            out.push(f);
        }
    }
}

/// Every finding of a listing file: `field:` rules on each product, and the text rules on each title and
/// description (scope `listing`, with the product's category for `when.product`).
///
/// `claim:` rules whose scope includes `listing` also run on the title and description, against the product
/// itself, with `date` as the broadcast date.
pub fn scan_listing(
    engine: &Engine,
    file: &ListingFile,
    date: Date,
) -> Result<Vec<Finding>, String> {
    let mut out = Vec::new();
    for p in &file.products {
        for rule in &engine.rules().rules {
            if let Some(check) = &rule.field {
                check_field(rule, check, p, &file.text, &mut out);
            }
        }
    }
    // The copy of all products of one category is scanned in one pass (building the matcher's caches costs
    // more than scanning a title), joined by a clause break that no keyword or regex spans.
    let mut by_category: BTreeMap<ProductCategory, MarketingCopy<'_>> = BTreeMap::new();
    for p in &file.products {
        let copy = by_category.entry(p.category()).or_default();
        for field in [&p.title, &p.description].into_iter().flatten() {
            copy.push(field);
        }
    }
    for (category, copy) in &by_category {
        let ctx = ScanContext {
            kind: Some(Scope::Listing),
            products: vec![*category],
        };
        let found = engine.scan_text(&copy.text, &ctx)?;
        copy.map_back(&file.text, found, &mut out);
    }
    // Claims in a product's own copy are checked against that product.
    for p in &file.products {
        let mut copy = MarketingCopy::default();
        for field in [&p.title, &p.description].into_iter().flatten() {
            copy.push(field);
        }
        let (found, evaluated) =
            super::crosscheck::claims_in_listing_text(engine.rules(), p, &copy.text, date);
        // Text rules that only ask for evidence give way where the product itself answered (claim.supersedes).
        for (ids, span) in evaluated {
            if let Some(span) = copy.map_range(&file.text, span) {
                out.retain(|f| {
                    !(ids.contains(&f.rule.id)
                        && span.start < f.span.end
                        && f.span.start < span.end)
                });
            }
        }
        copy.map_back(&file.text, found, &mut out);
    }
    sort_and_locate(&file.text, &mut out);
    Ok(out)
}

/// Reads and parses one candidate listing. `by_name`: the file is a listing by its name or by `--listings`.
pub fn load_file(
    path: &Path,
    display: &str,
    by_name: bool,
    forced: Option<&'static encoding_rs::Encoding>,
) -> Result<Parsed, InputError> {
    let err = |message: String| InputError {
        path: display.to_string(),
        message,
    };
    let format = listing::format_for_name(display)
        .or_else(|| listing::format_for_name(&path.to_string_lossy()))
        .unwrap_or(listing::ListingFormat::Yaml);
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(format!(
            "file is {} bytes, larger than the {MAX_FILE_BYTES} byte limit",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let text = match decode::decode(&bytes, forced) {
        Ok(t) => t,
        Err(_) if !by_name => return Ok(Parsed::NotListing),
        Err(e) => return Err(err(e)),
    };
    listing::parse(display, text, format, by_name)
}

/// Listings of a run, and the errors met reading them.
#[derive(Debug, Default)]
pub struct Listings {
    /// Parsed files, sorted by path.
    pub files: Vec<ListingFile>,
    /// Unreadable files and unusable records.
    pub errors: Vec<InputError>,
}

/// Loads the `--listings` files and the walked candidates (in parallel), skipping walked YAML/JSON files that
/// are not listings and files named twice.
pub fn load_all(
    explicit: &[PathBuf],
    walked: &[(PathBuf, String)],
    forced: Option<&'static encoding_rs::Encoding>,
) -> Listings {
    let display = |p: &Path| {
        let s = p.to_string_lossy().replace('\\', "/");
        s.strip_prefix("./").map(str::to_string).unwrap_or(s)
    };
    let mut todo: Vec<(PathBuf, String, bool)> = explicit
        .iter()
        .map(|p| (p.clone(), display(p), true))
        .collect();
    for (p, d) in walked {
        let by_name = listing::is_listing_name(d);
        todo.push((p.clone(), d.clone(), by_name));
    }
    let mut seen = std::collections::HashSet::new();
    todo.retain(|(p, _, _)| seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())));
    let results: Vec<Result<Parsed, InputError>> = todo
        .par_iter()
        .map(|(p, d, by_name)| load_file(p, d, *by_name, forced))
        .collect();
    let mut out = Listings::default();
    for r in results {
        match r {
            Ok(Parsed::Listing(mut f)) => {
                out.errors.append(&mut f.errors);
                out.files.push(f);
            }
            Ok(Parsed::NotListing) => {}
            Err(e) => out.errors.push(e),
        }
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Runs the examples of a `field:` rule: each is one product; a `flag` example must yield exactly its «»
/// spans (the value, or the `id` value when the field is missing), a `pass` example nothing.
pub fn run_field_examples(rule: &Rule, check: &FieldCheck, run: &mut ExampleRun) {
    for ex in &rule.examples {
        run.total += 1;
        let actual = match listing::parse_product_snippet(&ex.text) {
            Ok(p) => {
                let mut out = Vec::new();
                check_field(rule, check, &p, &ex.text, &mut out);
                let mut spans: Vec<Range<usize>> = out.into_iter().map(|f| f.span).collect();
                spans.sort_by_key(|s| (s.start, s.end));
                Ok(spans)
            }
            Err(e) => Err(e),
        };
        push_outcome(rule, ex, actual, run);
    }
}

/// Records a failed example.
pub(crate) fn push_outcome(
    rule: &Rule,
    ex: &crate::rules::Example,
    actual: Result<Vec<Range<usize>>, String>,
    run: &mut ExampleRun,
) {
    let actual = match actual {
        Ok(spans) if spans == ex.expected => return,
        Ok(spans) => mark(&ex.text, &spans),
        Err(e) => format!("error: {e}"),
    };
    run.failures.push(ExampleFailure {
        rule: rule.meta.id.clone(),
        source: rule.source.clone(),
        example: ex.raw.clone(),
        expected: mark(&ex.text, &ex.expected),
        actual,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uscc_check_digit() {
        assert_eq!(check_uscc("91350100M000100Y43"), UsccCheck::Valid);
        // Early pilot codes are real but fail the check (regulations.md section 8).
        assert_eq!(check_uscc("91350100M0001TGQXM"), UsccCheck::Mismatch('1'));
        assert_eq!(check_uscc("91350211M0000XUF46"), UsccCheck::Mismatch('R'));
        assert_eq!(check_uscc("91350100M000100Y4"), UsccCheck::Malformed);
        assert_eq!(check_uscc("91350100M000100YI3"), UsccCheck::Malformed);
        assert_eq!(check_uscc("913501A0M000100Y43"), UsccCheck::Malformed);
    }

    fn compile_err(rule_body: &str) -> String {
        let src = format!(
            "pack: t\nrules:\n  - id: r\n    title: t\n    category: missing-credentials\n    severity: error\n    law: [x]\n    message: m\n    help: h\n{rule_body}"
        );
        match crate::rules::compile::compile_pack("t.yaml", &src) {
            Ok(_) => String::new(),
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn field_rules_validate_their_shape() {
        let ok = "    field: { path: seller.uscc, checksum: gb32100 }\n    examples: { flag: [\"{id: p, seller: {uscc: «91350100M0001TGQXM»}}\"], pass: [\"{id: p}\"] }\n";
        assert_eq!(compile_err(ok), "");
        let both = format!("    match: {{ keywords: [x] }}\n{ok}");
        assert!(compile_err(&both).contains("more than one of `match`, `field` and `claim`"));
        let nothing = ok.replace("checksum: gb32100", "required: false");
        assert!(compile_err(&nothing).contains("checks nothing"));
        let luhn = ok.replace("gb32100", "luhn");
        assert!(compile_err(&luhn).contains("unknown checksum `luhn`"));
        let bad_example = ok.replace("{id: p}", "{title: p}");
        assert!(compile_err(&bad_example).contains("not a product mapping"));
        let unless = format!("{ok}    unless: {{ after: [不] }}\n");
        assert!(compile_err(&unless).contains("`unless` applies to `match` rules only"));
    }

    #[test]
    fn paths() {
        assert_eq!(FieldPath::parse("seller.uscc"), Some(FieldPath::SellerUscc));
        assert_eq!(
            FieldPath::parse("credentials.ccc"),
            Some(FieldPath::Credential(CredentialKind::Ccc))
        );
        assert_eq!(FieldPath::parse("credentials.qs"), None);
        assert_eq!(fmt_num(129.0), "129");
        assert_eq!(fmt_num(12.5), "12.5");
    }

    #[test]
    fn spans_map_into_the_written_value() {
        let file = "title: \"全网最好\"\n";
        let written = 8..20;
        assert_eq!(&file[written.clone()], "全网最好");
        assert_eq!(map_span(file, written.clone(), "全网最好", 6..12), 14..20);
        let folded = "description: |\n  一行\n  最好\n";
        let w = 17..folded.len() - 1;
        let r = map_span(folded, w, "一行\n最好\n", 7..13);
        assert_eq!(&folded[r], "最好");
    }
}
