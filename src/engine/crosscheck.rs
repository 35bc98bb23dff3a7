//! Claims in a script or transcript checked against the listing of the product it sells (issue 4).
//!
//! A document is tied to products by front matter (`---\nproduct: ID\ndate: YYYY-MM-DD\n---`), by
//! `--product ID`, or by the listing's `aliases` and `title` found in its text. Then every `claim:` rule runs
//! its named built-in check with the parameters from the pack:
//!
//! - `reference-price`: a claimed 原价/划线价/日常价/专柜价 above the lowest listed transaction price in the
//!   `window-days` before the broadcast (明码标价和禁止价格欺诈规定 第十六条); with no sale in the window, above the
//!   last earlier one; with no history, the `no-history` severity;
//! - `discount`: a claimed N折, 立减M or 省M元 more favourable than the listing's price and list price;
//! - `credential-claim`: a claimed registration or certification (国妆特字, 蓝帽子, 3C认证, 进口) the listing does
//!   not hold;
//! - `efficacy-category`: a special-cosmetics efficacy (美白, 防晒, 防脱) claimed for ordinary cosmetics.
//!
//! Claims are found on the normalized text (full-width digits folded) and mapped back to the original, so a
//! finding points at the characters the host said. A claim is attributed to the product mentioned last before
//! it (scripts often walk through several links), or to the first one mentioned.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::lazy_regex::LazyRegex;
use serde::Deserialize;

use super::context::{is_clause_end, AFTER_WINDOW};
use super::listing::{fmt_num, push_outcome, raw_finding, render};
use crate::error::{InputError, RuleError};
use crate::examples::ExampleRun;
use crate::finding::sort_and_locate;
use crate::finding::{Finding, Severity, TimeRange};
use crate::normalize::{normalize, normalize_str, Normalized};
use crate::rules::compile::ErrFn;
use crate::rules::schema::{ClaimDef, ExamplesDef, ProductCategory, Scope};
use crate::rules::{Rule, RuleSet};
use crate::source::listing::{self, category_name, CredentialKind, Date, ListingFile, Product};
use crate::source::Document;

/// A number: digits, or Chinese numerals as ASR writes them (一百九十九).
const NUM: &str = r"([0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千万]+)";

/// Which listed price a reference price is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The lowest price in the window (第十六条: 被比较价格 ≤ 前七日内最低成交价).
    Lowest,
    /// The highest: flags only a reference price never charged in the window.
    Highest,
}

/// Which discount claims are findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mismatch {
    /// Only claims more favourable than the listing (the deceptive direction).
    Overstated,
    /// Any difference beyond the tolerance.
    Any,
}

/// `reference-price` parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RefPriceParams {
    words: Vec<String>,
    #[serde(default = "seven")]
    window_days: u32,
    #[serde(default = "lowest")]
    basis: Basis,
    #[serde(default)]
    no_history: Option<Severity>,
    #[serde(default)]
    message_last_sale: Option<String>,
    #[serde(default)]
    message_no_history: Option<String>,
}

fn seven() -> u32 {
    7
}

fn lowest() -> Basis {
    Basis::Lowest
}

/// `discount` parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct DiscountParams {
    #[serde(default = "tenth")]
    tolerance: f64,
    #[serde(default = "one")]
    saving_tolerance: f64,
    #[serde(default = "saving_words")]
    saving_words: Vec<String>,
    #[serde(default = "overstated")]
    mismatch: Mismatch,
}

fn tenth() -> f64 {
    0.1
}

fn one() -> f64 {
    1.0
}

fn overstated() -> Mismatch {
    Mismatch::Overstated
}

fn saving_words() -> Vec<String> {
    ["立减", "直降", "立省"].map(String::from).to_vec()
}

/// One entry of `credential-claim` parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimEntryParams {
    words: Vec<String>,
    needs: Vec<String>,
    label: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CredentialClaimParams {
    claims: Vec<ClaimEntryParams>,
    #[serde(default)]
    unless_after: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct EfficacyParams {
    words: Vec<String>,
    categories: Vec<ProductCategory>,
    #[serde(default)]
    unless_after: Vec<String>,
}

/// What backs a claimed credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// A number of this kind in `credentials`.
    Credential(CredentialKind),
    /// An origin other than China, or an import-format number (国妆特进字, 国妆网备进字, 食健备J, 械注进 ...).
    Imported,
}

/// A claimed credential and what backs it.
#[derive(Debug, Clone)]
pub struct ClaimEntry {
    re: LazyRegex,
    needs: Vec<Need>,
    label: String,
}

/// A compiled `claim:`.
#[derive(Debug, Clone)]
pub enum ClaimCheck {
    /// 原价/划线价 vs price history.
    ReferencePrice {
        /// `(word)…(number)` on normalized text.
        re: LazyRegex,
        /// Days before the broadcast.
        window_days: u32,
        /// Lowest or highest.
        basis: Basis,
        /// Severity when the listing has no history; none = no finding.
        no_history: Option<Severity>,
        /// Message when the basis is the last sale before the window.
        message_last_sale: Option<String>,
        /// Message when there is no history.
        message_no_history: Option<String>,
    },
    /// N折 / 立减M / 省M元 vs price and list price.
    Discount {
        /// N折 and 半价.
        zhe: LazyRegex,
        /// 立减M, 省M元.
        saving: LazyRegex,
        /// In 折.
        tolerance: f64,
        /// In 元.
        saving_tolerance: f64,
        /// Which direction is flagged.
        mismatch: Mismatch,
    },
    /// Claimed credentials vs `credentials`.
    CredentialClaim {
        /// The claims and what backs each.
        entries: Vec<ClaimEntry>,
        /// Negations (不是, 不能说) that void a claim later in the same clause.
        unless_after: Vec<String>,
    },
    /// Efficacy words vs category.
    EfficacyCategory {
        /// The efficacy words.
        re: LazyRegex,
        /// Categories for which they are findings.
        categories: Vec<ProductCategory>,
        /// Negations that void a claim later in the same clause.
        unless_after: Vec<String>,
    },
}

/// The names of the built-in checks.
pub const CHECKS: [&str; 4] = [
    "reference-price",
    "discount",
    "credential-claim",
    "efficacy-category",
];

fn alternation(words: &[String]) -> String {
    let mut w: Vec<String> = words
        .iter()
        .map(|s| normalize_str(s))
        .filter(|s| !s.trim().is_empty())
        .collect();
    // Longest first, so 原装进口 wins over 进口.
    w.sort_by_key(|s| std::cmp::Reverse(s.len()));
    w.iter()
        .map(|s| regex::escape(s))
        .collect::<Vec<_>>()
        .join("|")
}

fn params<T: for<'de> Deserialize<'de>>(def: &ClaimDef) -> Result<T, String> {
    let v = def
        .params
        .clone()
        .unwrap_or(serde_yaml::Value::Mapping(Default::default()));
    serde_yaml::from_value(v).map_err(|e| e.to_string())
}

/// Validates a `claim:` and its examples (texts, checked against `examples.listing`).
pub(crate) fn compile_claim(
    def: &ClaimDef,
    examples: &ExamplesDef,
    err: &ErrFn<'_>,
    examples_checked: bool,
) -> Result<ClaimCheck, Vec<RuleError>> {
    let mut errors = Vec::new();
    let bad_params = |msg: String| {
        err(
            "params",
            format!("bad parameters for check `{}`: {msg}", def.check),
            "params",
            None,
        )
    };
    let check = match def.check.as_str() {
        "reference-price" => params::<RefPriceParams>(def).and_then(|p| {
            if p.words.is_empty() {
                return Err("`words` is empty".into());
            }
            let re = format!(
                r"({})(?:价格|价)?\s*(?:是|为|要|都要|卖|都卖)?\s*[:：]?\s*[¥￥]?\s*{NUM}(?:\s*(?:元|块))?",
                alternation(&p.words)
            );
            Ok(ClaimCheck::ReferencePrice {
                re: LazyRegex::known_good(re),
                window_days: p.window_days,
                basis: p.basis,
                no_history: p.no_history,
                message_last_sale: p.message_last_sale,
                message_no_history: p.message_no_history,
            })
        }),
        "discount" => params::<DiscountParams>(def).map(|p| {
            let zhe = LazyRegex::known_good(
                r"([0-9]+(?:\.[0-9]+)?|[一二三四五六七八九]{1,2})\s*折|半价".to_string(),
            );
            let saving = LazyRegex::known_good(format!(
                r"(?:{})\s*{NUM}(?:\s*(?:元|块))?|省\s*{NUM}\s*(?:元|块)",
                alternation(&p.saving_words)
            ));
            ClaimCheck::Discount {
                zhe,
                saving,
                tolerance: p.tolerance,
                saving_tolerance: p.saving_tolerance,
                mismatch: p.mismatch,
            }
        }),
        "credential-claim" => params::<CredentialClaimParams>(def).and_then(|p| {
            let mut entries = Vec::new();
            for c in p.claims {
                let mut needs = Vec::new();
                for n in &c.needs {
                    needs.push(match n.as_str() {
                        "imported" => Need::Imported,
                        k => Need::Credential(CredentialKind::parse(k).ok_or_else(|| {
                            format!(
                                "unknown need `{k}` (imported, {})",
                                CredentialKind::ALL.map(CredentialKind::as_str).join(", ")
                            )
                        })?),
                    });
                }
                if c.words.is_empty() || needs.is_empty() {
                    return Err(format!("claim `{}` needs `words` and `needs`", c.label));
                }
                entries.push(ClaimEntry {
                    re: LazyRegex::known_good(alternation(&c.words)),
                    needs,
                    label: c.label,
                });
            }
            Ok(ClaimCheck::CredentialClaim {
                entries,
                unless_after: p.unless_after.iter().map(|w| normalize_str(w)).collect(),
            })
        }),
        "efficacy-category" => params::<EfficacyParams>(def).and_then(|p| {
            if p.words.is_empty() || p.categories.is_empty() {
                return Err("`words` and `categories` must not be empty".into());
            }
            Ok(ClaimCheck::EfficacyCategory {
                re: LazyRegex::known_good(alternation(&p.words)),
                categories: p.categories,
                unless_after: p.unless_after.iter().map(|w| normalize_str(w)).collect(),
            })
        }),
        other => {
            errors.push(err(
                other,
                format!("unknown check `{other}`"),
                "unknown check",
                Some(format!("built-in checks: {}", CHECKS.join(", "))),
            ));
            return Err(errors);
        }
    };
    let check = match check {
        Ok(c) => c,
        Err(msg) => {
            errors.push(bad_params(msg));
            return Err(errors);
        }
    };
    match &examples.listing {
        None => errors.push(err(
            "examples",
            "`claim` rules need `examples.listing`: the product the examples are checked against"
                .into(),
            "examples",
            Some("listing: \"{id: p, category: cosmetics, price: 129, list-price: 199}\"".into()),
        )),
        Some(l) if !examples_checked => {
            if let Err(msg) = listing::parse_product_snippet(l) {
                errors.push(err(
                    l,
                    format!("`examples.listing` is not a product: {msg}"),
                    "listing",
                    None,
                ));
            }
        }
        Some(_) => {}
    }
    if let Some(d) = &examples.date {
        if Date::parse(d).is_none() {
            errors.push(err(
                d,
                format!("`examples.date` `{d}` is not YYYY-MM-DD"),
                "date",
                None,
            ));
        }
    }
    if errors.is_empty() {
        Ok(check)
    } else {
        Err(errors)
    }
}

/// Parses a number as written in a claim: digits, or Chinese numerals (一百九十九, 两百, 一九九).
pub fn parse_number(s: &str) -> Option<f64> {
    if let Ok(v) = s.parse::<f64>() {
        return Some(v);
    }
    let digit = |c: char| {
        "零一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .or(match c {
                '〇' => Some(0),
                '两' => Some(2),
                _ => None,
            })
    };
    if s.chars().all(|c| digit(c).is_some()) {
        return s
            .chars()
            .try_fold(0u64, |acc, c| Some(acc * 10 + digit(c)? as u64))
            .map(|v| v as f64);
    }
    let (mut total, mut section, mut current) = (0u64, 0u64, 0u64);
    for c in s.chars() {
        if let Some(d) = digit(c) {
            current = d as u64;
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            '万' => 10_000,
            _ => return None,
        };
        if unit == 10_000 {
            total += (section + current) * unit;
            section = 0;
        } else {
            section += current.max(u64::from(unit == 10 && current == 0)) * unit;
        }
        current = 0;
    }
    Some((total + section + current) as f64)
}

/// A product known to the run, with the listing it comes from.
#[derive(Debug, Clone)]
pub struct IndexedProduct {
    /// The product.
    pub product: Product,
    /// Its listing file.
    pub path: String,
}

/// Every product of every listing of a run, by id and by alias.
#[derive(Debug, Default)]
pub struct ProductIndex {
    /// The products.
    pub products: Vec<IndexedProduct>,
    by_id: HashMap<String, usize>,
    /// Normalized aliases and titles; the aho-corasick automaton is built on first use (a run of listings alone never
    /// needs it, and it is the costliest part of indexing thousands of products).
    alias_patterns: Vec<String>,
    aliases: OnceLock<Option<AhoCorasick>>,
    alias_owner: Vec<usize>,
}

impl ProductIndex {
    /// Indexes the products; a second product with an id already used is an error and is left out.
    pub fn new(files: &[ListingFile]) -> (ProductIndex, Vec<InputError>) {
        let mut index = ProductIndex::default();
        let mut errors = Vec::new();
        for f in files {
            for p in &f.products {
                if let Some(&first) = index.by_id.get(&p.id.value) {
                    let (line, col) = listing::line_col(&f.text, p.id.span.start);
                    errors.push(InputError {
                        path: f.path.clone(),
                        message: format!(
                            "line {line}, column {col}: product id `{}` is already defined in {}",
                            p.id.value, index.products[first].path
                        ),
                    });
                    continue;
                }
                index.by_id.insert(p.id.value.clone(), index.products.len());
                index.products.push(IndexedProduct {
                    product: p.clone(),
                    path: f.path.clone(),
                });
            }
        }
        let mut patterns = Vec::new();
        for (i, ip) in index.products.iter().enumerate() {
            let names = ip.product.aliases.iter().chain(ip.product.title.as_ref());
            for a in names {
                let n = normalize_str(a.value.trim());
                if n.chars().count() >= 2 {
                    patterns.push(n);
                    index.alias_owner.push(i);
                }
            }
        }
        index.alias_patterns = patterns;
        (index, errors)
    }

    fn alias_matcher(&self) -> Option<&AhoCorasick> {
        self.aliases
            .get_or_init(|| {
                if self.alias_patterns.is_empty() {
                    return None;
                }
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&self.alias_patterns)
                    .ok()
            })
            .as_ref()
    }

    /// The product with this id.
    pub fn get(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// True when no listing was loaded.
    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }
}

/// A document's products and the broadcast date.
#[derive(Debug, Clone, Default)]
pub struct Tie {
    /// Indices into the product index, in order of first mention.
    pub products: Vec<usize>,
    /// `(original byte offset, product)` of each alias mention, sorted.
    mentions: Vec<(usize, usize)>,
    /// Set by front matter or `--product`: every claim is about this product.
    forced: Option<usize>,
    /// Broadcast date.
    pub date: Option<Date>,
    /// The document's normalized text, when tying needed it (reused by the checks).
    norm: Option<Normalized>,
}

impl Tie {
    /// The product a claim at `offset` is about.
    fn product_at(&self, offset: usize) -> Option<usize> {
        if let Some(p) = self.forced {
            return Some(p);
        }
        let i = self.mentions.partition_point(|(o, _)| *o <= offset);
        match i.checked_sub(1) {
            Some(j) => Some(self.mentions[j].1),
            None => self.mentions.first().map(|m| m.1),
        }
    }
}

/// `product:` and `date:` of a script's front matter, with the line each is on.
#[derive(Debug, Default)]
struct FrontMatter {
    products: Vec<(String, usize)>,
    date: Option<(String, usize)>,
}

fn front_matter(text: &str) -> FrontMatter {
    let mut fm = FrontMatter::default();
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("---") {
        return fm;
    }
    for (i, line) in lines.enumerate() {
        let line = line.trim_end();
        if line == "---" || line == "..." {
            return fm;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim().trim_matches(['[', ']']);
        match k.trim() {
            "product" | "products" => {
                for id in v.split(',') {
                    let id = id.trim().trim_matches(['"', '\'']);
                    if !id.is_empty() {
                        fm.products.push((id.to_string(), i + 2));
                    }
                }
            }
            "date" => fm.date = Some((v.trim_matches(['"', '\'']).to_string(), i + 2)),
            _ => {}
        }
    }
    // No closing marker: not front matter.
    FrontMatter::default()
}

/// Ties documents to products and runs the `claim:` rules on them.
#[derive(Debug)]
pub struct CrossChecker<'a> {
    rules: &'a RuleSet,
    index: &'a ProductIndex,
    forced: Option<usize>,
    date: Date,
}

impl<'a> CrossChecker<'a> {
    /// `product`: `--product ID`; `date`: `--date` or today.
    pub fn new(
        rules: &'a RuleSet,
        index: &'a ProductIndex,
        product: Option<&str>,
        date: Date,
    ) -> Result<CrossChecker<'a>, String> {
        let forced = match product {
            Some(id) => Some(index.get(id).ok_or_else(|| {
                if index.is_empty() {
                    format!("--product {id}: no listing was loaded (use --listings FILE)")
                } else {
                    format!("--product {id}: no listing defines a product with that id")
                }
            })?),
            None => None,
        };
        Ok(CrossChecker {
            rules,
            index,
            forced,
            date,
        })
    }

    /// Finds the document's products, sets `doc.products` (so `when.product` rules fire) and the date.
    pub fn tie(&self, doc: &mut Document) -> Result<Tie, InputError> {
        let err = |line: usize, message: String| InputError {
            path: doc.path.clone(),
            message: format!("line {line}: {message}"),
        };
        let fm = if doc.kind == Scope::Listing {
            FrontMatter::default()
        } else {
            front_matter(&doc.text)
        };
        let mut tie = Tie {
            date: Some(self.date),
            ..Tie::default()
        };
        if let Some((d, line)) = &fm.date {
            tie.date =
                Some(Date::parse(d).ok_or_else(|| {
                    err(*line, format!("front matter date `{d}` is not YYYY-MM-DD"))
                })?);
        }
        for (id, line) in &fm.products {
            let p = self.index.get(id).ok_or_else(|| {
                err(
                    *line,
                    format!("front matter names product `{id}`, which no listing defines"),
                )
            })?;
            if !tie.products.contains(&p) {
                tie.products.push(p);
            }
        }
        if !tie.products.is_empty() {
            tie.forced = tie.products.first().copied();
        } else if let Some(p) = self.forced {
            tie.products.push(p);
            tie.forced = Some(p);
        } else if let Some(ac) = self.index.alias_matcher() {
            let norm = normalize(&doc.text);
            let mut seen = vec![false; self.index.products.len()];
            for m in ac.find_iter(norm.text.as_str()) {
                let owner = self.index.alias_owner[m.pattern().as_usize()];
                tie.mentions.push((norm.original_offset(m.start()), owner));
                if !seen[owner] {
                    seen[owner] = true;
                    tie.products.push(owner);
                }
            }
            tie.norm = Some(norm);
        }
        for &p in &tie.products {
            let c = self.index.products[p].product.category();
            if !doc.products.contains(&c) {
                doc.products.push(c);
            }
        }
        Ok(tie)
    }

    /// Runs every applicable `claim:` rule and adds its findings to `findings` (which stay sorted).
    pub fn check(&self, doc: &Document, tie: &Tie, findings: &mut Vec<Finding>) {
        if tie.products.is_empty() {
            return;
        }
        let rules = self.rules.rules.iter().filter(|r| r.claim.is_some());
        let index = self.index;
        let pick = |o: usize| tie.product_at(o).map(|i| &index.products[i].product);
        let (mut new, evaluated) = claim_findings(rules, doc, tie.norm.as_ref(), &pick, tie.date);
        // Text rules that only ask for evidence give way where the listing answered for the same claim.
        for (rule, spans) in &evaluated {
            if rule.supersedes.is_empty() {
                continue;
            }
            let spans: Vec<Range<usize>> = match &doc.origin {
                Some(o) => spans.iter().map(|s| o.to_original(s.clone())).collect(),
                None => spans.clone(),
            };
            findings.retain(|f| {
                !(rule.supersedes.iter().any(|id| *id == f.rule.id)
                    && spans
                        .iter()
                        .any(|s| s.start < f.span.end && f.span.start < s.end))
            });
        }
        if new.is_empty() {
            return;
        }
        sort_and_locate(&doc.text, &mut new);
        if !doc.segments.is_empty() {
            for f in &mut new {
                f.time = doc.time_of(f.span.clone()).map(|(s, e)| TimeRange {
                    start_ms: s,
                    end_ms: e,
                });
            }
        }
        // Transcript spans were found in the joined cue text; point them into the file like text findings.
        if let Some(o) = &doc.origin {
            o.remap(&mut new);
        }
        findings.append(&mut new);
        findings.sort_by(crate::finding::report_order);
    }
}

fn imported(p: &Product) -> bool {
    let domestic = ["中国", "国产", "中国大陆", "china", "cn", "prc"];
    if let Some(o) = &p.origin {
        let o = o.value.trim().to_lowercase();
        if !o.is_empty() && !domestic.contains(&o.as_str()) {
            return true;
        }
    }
    p.credentials.values().flatten().any(|c| {
        let v = c.value.as_str();
        v.contains("进字")
            || v.contains("械注进")
            || v.contains("备进")
            || v.starts_with("国食健注J")
            || v.starts_with("食健备J")
            || v.strip_prefix("国药准字")
                .is_some_and(|r| r.starts_with('J') || r.get(1..2) == Some("J"))
    })
}

fn holds(p: &Product, need: Need) -> bool {
    match need {
        Need::Credential(k) => p.has_credential(k),
        Need::Imported => imported(p),
    }
}

/// Which product a claim at an original byte offset is about.
type Pick<'a> = dyn Fn(usize) -> Option<&'a Product> + 'a;

struct Ctx<'c, 'a> {
    doc: &'c Document,
    norm: &'c Normalized,
    pick: &'c Pick<'a>,
    date: Option<Date>,
    /// Spans (in `doc.text`) of the claims the current rule evaluated against a product, flagged or not.
    evaluated: std::cell::RefCell<Vec<Range<usize>>>,
}

impl<'a> Ctx<'_, 'a> {
    fn span(&self, r: Range<usize>) -> Range<usize> {
        self.norm.original_range(&self.doc.text, r)
    }

    fn product(&self, orig: usize) -> Option<&'a Product> {
        (self.pick)(orig)
    }

    /// Records that a claim at `span` was checked against its product.
    fn evaluated(&self, span: &Range<usize>) {
        self.evaluated.borrow_mut().push(span.clone());
    }

    /// The matches of `re` that are claims about a product `rule` applies to: not negated in their clause,
    /// tied to a product. Each is recorded as evaluated (the listing answers it, flagged or not).
    fn claims<'s>(
        &'s self,
        rule: &'s Rule,
        re: &'s LazyRegex,
        unless_after: &'s [String],
    ) -> impl Iterator<Item = (Range<usize>, &'a Product)> + 's {
        let text = self.norm.text.as_str();
        re.get()
            .into_iter()
            .flat_map(move |re| re.find_iter(text))
            .filter_map(move |m| {
                if negated(&self.norm.text, m.start(), unless_after) {
                    return None;
                }
                let span = self.span(m.range());
                let p = self.product(span.start)?;
                if !applies(rule, p) {
                    return None;
                }
                self.evaluated(&span);
                Some((span, p))
            })
    }
}

/// Per `claim:` rule, the spans of the claims it evaluated against a product (flagged or not).
type Evaluated<'r> = Vec<(&'r Rule, Vec<Range<usize>>)>;

fn claim_findings<'r, 'a>(
    rules: impl Iterator<Item = &'r Rule>,
    doc: &Document,
    norm: Option<&Normalized>,
    pick: &Pick<'a>,
    date: Option<Date>,
) -> (Vec<Finding>, Evaluated<'r>) {
    let owned;
    let norm = match norm {
        Some(n) => n,
        None => {
            owned = normalize(&doc.text);
            &owned
        }
    };
    let ctx = Ctx {
        doc,
        norm,
        pick,
        date,
        evaluated: std::cell::RefCell::new(Vec::new()),
    };
    let mut out = Vec::new();
    let mut evaluated = Vec::new();
    for rule in rules {
        let Some(check) = &rule.claim else { continue };
        if !rule.scope.is_empty() && !rule.scope.contains(&doc.kind) {
            continue;
        }
        match check {
            ClaimCheck::ReferencePrice { .. } => reference_price(rule, check, &ctx, &mut out),
            ClaimCheck::Discount { .. } => discount(rule, check, &ctx, &mut out),
            ClaimCheck::CredentialClaim {
                entries,
                unless_after,
            } => {
                for e in entries {
                    for (span, p) in ctx.claims(rule, &e.re, unless_after) {
                        if e.needs.iter().any(|n| holds(p, *n)) {
                            continue;
                        }
                        let matched = &doc.text[span.clone()];
                        let msg = render(
                            &rule.message,
                            &[
                                ("matched", matched),
                                ("label", &e.label),
                                ("product", &p.id.value),
                                ("title", title(p)),
                            ],
                        );
                        out.push(raw_finding(rule, rule.meta.severity, &doc.text, span, msg));
                    }
                }
            }
            ClaimCheck::EfficacyCategory {
                re,
                categories,
                unless_after,
            } => {
                for (span, p) in ctx.claims(rule, re, unless_after) {
                    if !categories.contains(&p.category()) {
                        continue;
                    }
                    let matched = &doc.text[span.clone()];
                    let msg = render(
                        &rule.message,
                        &[
                            ("matched", matched),
                            ("product", &p.id.value),
                            ("title", title(p)),
                            ("category", category_name(p.category())),
                        ],
                    );
                    out.push(raw_finding(rule, rule.meta.severity, &doc.text, span, msg));
                }
            }
        }
        let done = ctx.evaluated.take();
        if !done.is_empty() {
            evaluated.push((rule, done));
        }
    }
    (out, evaluated)
}

/// True when one of `words` stands earlier in the same clause (at most `AFTER_WINDOW` characters back), as
/// `unless.after` does for text rules: "不能说美白" quotes a prohibition, it does not claim the efficacy.
fn negated(norm: &str, start: usize, words: &[String]) -> bool {
    if words.is_empty() {
        return false;
    }
    let before = &norm[..start];
    let mut from = start;
    for (n, (i, c)) in before.char_indices().rev().enumerate() {
        if n >= AFTER_WINDOW || is_clause_end(c) {
            break;
        }
        from = i;
    }
    let clause = &norm[from..start];
    words.iter().any(|w| clause.contains(w.as_str()))
}

fn title(p: &Product) -> &str {
    p.title
        .as_ref()
        .map_or(p.id.value.as_str(), |t| t.value.as_str())
}

fn applies(rule: &Rule, p: &Product) -> bool {
    rule.products.is_empty() || rule.products.contains(&p.category())
}

fn reference_price(rule: &Rule, check: &ClaimCheck, ctx: &Ctx<'_, '_>, out: &mut Vec<Finding>) {
    let ClaimCheck::ReferencePrice {
        re,
        window_days,
        basis,
        no_history,
        message_last_sale,
        message_no_history,
    } = check
    else {
        return;
    };
    let Some(date) = ctx.date else { return };
    let Some(re) = re.get() else { return };
    let text = &ctx.doc.text;
    for caps in re.captures_iter(&ctx.norm.text) {
        let (Some(all), Some(word), Some(num)) = (caps.get(0), caps.get(1), caps.get(2)) else {
            continue;
        };
        let span = ctx.span(all.range());
        let Some(p) = ctx.product(span.start) else {
            continue;
        };
        if !applies(rule, p) {
            continue;
        }
        ctx.evaluated(&span);
        let Some(claimed) = parse_number(num.as_str()) else {
            continue;
        };
        let from = date.add_days(-i64::from(*window_days));
        let window: Vec<f64> = p
            .price_history
            .iter()
            .filter(|h| h.date >= from && h.date < date)
            .map(|h| h.price)
            .collect();
        let word = &text[ctx.span(word.range())];
        let claimed_s = fmt_num(claimed);
        let window_s = window_days.to_string();
        let date_s = date.to_string();
        let base = |basis_v: f64, basis_date: String| {
            vec![
                ("matched", text[span.clone()].to_string()),
                ("word", word.to_string()),
                ("claimed", claimed_s.clone()),
                ("basis", fmt_num(basis_v)),
                ("basis-date", basis_date),
                ("window", window_s.clone()),
                ("date", date_s.clone()),
                ("product", p.id.value.clone()),
                ("title", title(p).to_string()),
            ]
        };
        let emit =
            |template: &str, vals: Vec<(&str, String)>, sev: Severity, out: &mut Vec<Finding>| {
                let pairs: Vec<(&str, &str)> = vals.iter().map(|(k, v)| (*k, v.as_str())).collect();
                out.push(raw_finding(
                    rule,
                    sev,
                    text,
                    span.clone(),
                    render(template, &pairs),
                ));
            };
        if !window.is_empty() {
            let b = match basis {
                Basis::Lowest => window.iter().copied().fold(f64::INFINITY, f64::min),
                Basis::Highest => window.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            };
            if claimed > b + 0.005 {
                emit(
                    &rule.message,
                    base(b, String::new()),
                    rule.meta.severity,
                    out,
                );
            }
        } else if let Some(last) = p
            .price_history
            .iter()
            .filter(|h| h.date < from)
            .max_by_key(|h| h.date)
        {
            // 第十六条: with no sale in the window, the compared price may not exceed the last sale.
            if claimed > last.price + 0.005 {
                let t = message_last_sale.as_deref().unwrap_or(&rule.message);
                emit(
                    t,
                    base(last.price, last.date.to_string()),
                    rule.meta.severity,
                    out,
                );
            }
        } else if let Some(sev) = no_history {
            let t = message_no_history.as_deref().unwrap_or(&rule.message);
            emit(t, base(0.0, String::new()), *sev, out);
        }
    }
}

/// Reads `N折` (7, 7.5, 75, 七五, 八) as a number of 折.
fn parse_zhe(s: &str) -> Option<f64> {
    if s.is_empty() {
        return Some(5.0); // 半价
    }
    if let Ok(v) = s.parse::<f64>() {
        return Some(if v >= 10.0 && !s.contains('.') {
            v / 10.0
        } else {
            v
        });
    }
    let d: Vec<f64> = s
        .chars()
        .map(|c| parse_number(&c.to_string()))
        .collect::<Option<Vec<_>>>()?;
    match d.as_slice() {
        [a] => Some(*a),
        [a, b] => Some(a + b / 10.0),
        _ => None,
    }
}

fn discount(rule: &Rule, check: &ClaimCheck, ctx: &Ctx<'_, '_>, out: &mut Vec<Finding>) {
    let ClaimCheck::Discount {
        zhe,
        saving,
        tolerance,
        saving_tolerance,
        mismatch,
    } = check
    else {
        return;
    };
    let text = &ctx.doc.text;
    let (Some(zhe), Some(saving)) = (zhe.get(), saving.get()) else {
        return;
    };
    let mut claims: Vec<(Range<usize>, bool, f64)> = Vec::new();
    for caps in zhe.captures_iter(&ctx.norm.text) {
        let Some(all) = caps.get(0) else { continue };
        let n = caps.get(1).map_or("", |m| m.as_str());
        if let Some(v) = parse_zhe(n).filter(|v| *v > 0.0 && *v < 10.0) {
            claims.push((all.range(), true, v));
        }
    }
    for caps in saving.captures_iter(&ctx.norm.text) {
        let Some(all) = caps.get(0) else { continue };
        let n = caps.get(1).or(caps.get(2)).map_or("", |m| m.as_str());
        if let Some(v) = parse_number(n) {
            claims.push((all.range(), false, v));
        }
    }
    for (range, is_zhe, v) in claims {
        let span = ctx.span(range);
        let Some(p) = ctx.product(span.start) else {
            continue;
        };
        if !applies(rule, p) {
            continue;
        }
        ctx.evaluated(&span);
        let (Some(price), Some(list)) = (&p.price, &p.list_price) else {
            continue;
        };
        if list.value <= 0.0 {
            continue;
        }
        let actual_zhe = price.value / list.value * 10.0;
        let actual_saving = list.value - price.value;
        let off = if is_zhe {
            // A smaller 折 is a deeper discount: overstated when the claim is below the actual.
            match mismatch {
                Mismatch::Overstated => actual_zhe - v > *tolerance + 1e-9,
                Mismatch::Any => (actual_zhe - v).abs() > *tolerance + 1e-9,
            }
        } else {
            match mismatch {
                Mismatch::Overstated => v - actual_saving > *saving_tolerance + 1e-9,
                Mismatch::Any => (v - actual_saving).abs() > *saving_tolerance + 1e-9,
            }
        };
        if !off {
            continue;
        }
        let actual_d = format!("{:.1}", actual_zhe);
        let actual_d = actual_d.trim_end_matches(".0");
        let msg = render(
            &rule.message,
            &[
                ("matched", &text[span.clone()]),
                ("price", &fmt_num(price.value)),
                ("list-price", &fmt_num(list.value)),
                ("actual-discount", actual_d),
                ("actual-saving", &fmt_num(actual_saving)),
                ("product", &p.id.value),
                ("title", title(p)),
            ],
        );
        out.push(raw_finding(rule, rule.meta.severity, text, span, msg));
    }
}

/// The `claim:` findings (scope `listing`) in a listing's own title or description, checked against the
/// product they describe: an ordinary-cosmetics listing that promises 美白 is the same problem as a host saying
/// it. Spans refer to `text`; positions are not filled in.
pub fn claims_in_listing_text(
    rules: &RuleSet,
    product: &Product,
    text: &str,
    date: Date,
) -> ClaimsInCopy {
    let mut applicable = rules
        .rules
        .iter()
        .filter(|r| r.claim.is_some() && (r.scope.is_empty() || r.scope.contains(&Scope::Listing)))
        .peekable();
    if applicable.peek().is_none() || text.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut doc = Document::script("listing", text);
    doc.kind = Scope::Listing;
    let pick = |_: usize| Some(product);
    let (found, evaluated) = claim_findings(applicable, &doc, None, &pick, Some(date));
    let superseding = evaluated
        .into_iter()
        .filter(|(rule, _)| !rule.supersedes.is_empty())
        .flat_map(|(rule, spans)| spans.into_iter().map(|s| (rule.supersedes.clone(), s)))
        .collect();
    (found, superseding)
}

/// Claim findings in a listing's copy, and the spans where a check with `supersedes` evaluated a claim (with the
/// rule ids it supersedes there).
pub type ClaimsInCopy = (Vec<Finding>, Vec<(Vec<String>, Range<usize>)>);

/// Runs the examples of a `claim:` rule: each text is tied to `examples.listing` at `examples.date`.
pub fn run_claim_examples(rule: &Rule, run: &mut ExampleRun) {
    let (listing_src, date) = rule.example_listing.clone().unwrap_or_default();
    let product = listing::parse_product_snippet(&listing_src);
    let date = Date::parse(&date).unwrap_or_else(Date::today);
    for ex in &rule.examples {
        run.total += 1;
        let actual = match &product {
            Err(e) => Err(e.clone()),
            Ok(p) => {
                let mut doc = Document::script("example", ex.text.clone());
                doc.kind = rule.scope.first().copied().unwrap_or(Scope::Script);
                let pick = |_: usize| Some(p);
                let (mut fs, _) =
                    claim_findings(std::iter::once(rule), &doc, None, &pick, Some(date));
                sort_and_locate(&doc.text, &mut fs);
                Ok(fs.into_iter().map(|f| f.span).collect())
            }
        };
        push_outcome(rule, ex, actual, run);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("199"), Some(199.0));
        assert_eq!(parse_number("12.5"), Some(12.5));
        assert_eq!(parse_number("一百九十九"), Some(199.0));
        assert_eq!(parse_number("两百"), Some(200.0));
        assert_eq!(parse_number("十九"), Some(19.0));
        assert_eq!(parse_number("一九九"), Some(199.0));
        assert_eq!(parse_number("一万二千"), Some(12000.0));
        assert_eq!(parse_number("x"), None);
        assert_eq!(parse_zhe("75"), Some(7.5));
        assert_eq!(parse_zhe("七五"), Some(7.5));
        assert_eq!(parse_zhe("八"), Some(8.0));
        assert_eq!(parse_zhe(""), Some(5.0));
    }

    #[test]
    fn front_matter_needs_both_markers() {
        let fm = front_matter("---\nproduct: a, b\ndate: 2026-11-08\n---\n正文");
        assert_eq!(fm.products, vec![("a".into(), 2), ("b".into(), 2)]);
        assert_eq!(fm.date, Some(("2026-11-08".into(), 3)));
        assert!(front_matter("---\nproduct: a\n正文").products.is_empty());
        assert!(front_matter("product: a\n").products.is_empty());
    }

    fn shop() -> (RuleSet, Vec<ListingFile>) {
        let rules = RuleSet::from_sources(&crate::rules::pack::embedded()).unwrap();
        let text = "products:\n  - id: a\n    category: cosmetics\n    aliases: [甲面霜]\n    price: 129\n    list-price: 199\n    price-history: [{date: 2026-11-03, price: 129}]\n  - id: b\n    category: special-cosmetics\n    aliases: [乙防晒]\n    credentials: {cosmetics-registration: 国妆特字G20210123}\n";
        let file = match listing::parse(
            "s.listing.yaml",
            text.into(),
            listing::ListingFormat::Yaml,
            true,
        )
        .unwrap()
        {
            listing::Parsed::Listing(f) => f,
            listing::Parsed::NotListing => unreachable!(),
        };
        (rules, vec![file])
    }

    #[test]
    fn transcript_claims_carry_cue_times_and_follow_the_product_mentioned() {
        let (rules, files) = shop();
        let (index, errs) = ProductIndex::new(&files);
        assert!(errs.is_empty());
        let date = Date::parse("2026-11-08").unwrap();
        let xc = CrossChecker::new(&rules, &index, None, date).unwrap();
        // Cue 1 sells 甲面霜 with an inflated 原价; cue 2 moves to 乙防晒, whose 防晒 is registered.
        let text = "甲面霜原价199\n乙防晒，防晒美白都有".to_string();
        let cut = text.find('\n').unwrap();
        let mut doc = Document {
            path: "t.srt".into(),
            kind: Scope::Transcript,
            segments: vec![
                crate::source::Segment {
                    range: 0..cut,
                    start_ms: 1_000,
                    end_ms: 4_000,
                },
                crate::source::Segment {
                    range: cut + 1..text.len(),
                    start_ms: 4_000,
                    end_ms: 9_000,
                },
            ],
            text: text.into(),
            products: vec![],
            origin: None,
        };
        let tie = xc.tie(&mut doc).unwrap();
        assert_eq!(tie.products, vec![0, 1]);
        assert_eq!(
            doc.products,
            vec![
                ProductCategory::Cosmetics,
                ProductCategory::SpecialCosmetics
            ]
        );
        let mut fs = Vec::new();
        xc.check(&doc, &tie, &mut fs);
        let got: Vec<(&str, &str, Option<u64>)> = fs
            .iter()
            .map(|f| {
                (
                    f.rule.id.as_str(),
                    f.matched.as_str(),
                    f.time.map(|t| t.start_ms),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![(
                "zh-claims/reference-price-above-7-day-low",
                "原价199",
                Some(1_000)
            )]
        );
    }

    #[test]
    fn negation_in_the_same_clause_voids_a_claim() {
        let words = vec!["不能说".to_string()];
        let t = "普通化妆品不能说美白";
        assert!(negated(t, t.find("美白").unwrap(), &words));
        let t = "这个不能说,但是美白";
        assert!(!negated(t, t.find("美白").unwrap(), &words));
    }

    #[test]
    fn attribution_follows_the_last_mention() {
        let tie = Tie {
            products: vec![0, 1],
            mentions: vec![(10, 0), (50, 1)],
            ..Tie::default()
        };
        assert_eq!(tie.product_at(0), Some(0));
        assert_eq!(tie.product_at(20), Some(0));
        assert_eq!(tie.product_at(60), Some(1));
    }
}
