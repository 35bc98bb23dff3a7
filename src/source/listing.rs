//! Product listings: YAML, JSON or CSV files that describe the products a broadcast sells (issue 4).
//!
//! A listing is parsed into typed [`Product`]s that keep, for every field, the byte range of its value in the
//! file, so a finding ("食品未标示SC编号") points at the field's line and column, or at the product's `id:`
//! line when the field is missing. serde does the parsing; [`super::yamlpos`] finds where each value sits.
//!
//! Schema (README "Product listings" has a complete example):
//!
//! ```yaml
//! products:
//!   - id: cream-01                  # required, unique across all listings of a run
//!     title: 玻尿酸补水面霜 50g
//!     category: cosmetics           # cosmetics | special-cosmetics | food | health-food | drug |
//!                                   # medical-device | ccc | general (default general)
//!     aliases: [补水面霜, 3号链接]    # names a script or transcript uses for the product
//!     price: 129                    # the price the broadcast sells at (元)
//!     list-price: 199               # the crossed-out (划线) price shown
//!     price-history:                # transaction prices before the broadcast
//!       - {date: 2026-11-01, price: 129}
//!     origin: 法国                  # country or region of origin; anything but 中国 makes it imported
//!     seller: {name: 某某商贸有限公司, uscc: 91350100M000100Y43}
//!     manufacturer: {name: 某某化妆品有限公司, address: 广州市白云区某路1号}
//!     credentials:                  # by kind; a value may also be a list of numbers
//!       cosmetics-filing: 粤G妆网备字2019199401
//!     description: 补水保湿
//! ```
//!
//! A record that cannot be used (no `id`, a field of the wrong type, an unknown key, an unparsable CSV row) is
//! reported as an error naming its line; the file's other records are still checked.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde_yaml::Value;

use super::yamlpos;
use crate::error::InputError;
use crate::rules::schema::ProductCategory;

/// A value and where it is written in the listing file (byte range of the value, without quotes).
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The parsed value.
    pub value: T,
    /// Byte range in the file text.
    pub span: Range<usize>,
}

/// Kinds of licence, registration and certificate a listing can hold (regulations.md sections 5-9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CredentialKind {
    /// 食品生产许可证编号 SC + 14 digits (食品生产许可管理办法 第二十九条).
    ProductionLicense,
    /// 特殊化妆品注册证 国妆特字G / 国妆特进字J.
    CosmeticsRegistration,
    /// 普通化妆品备案 妆网备字 / 国妆网备进字.
    CosmeticsFiling,
    /// 保健食品注册 国食健注.
    HealthFoodRegistration,
    /// 保健食品备案 食健备.
    HealthFoodFiling,
    /// 药品批准文号 国药准字.
    DrugApproval,
    /// 医疗器械注册证 械注.
    DeviceRegistration,
    /// 第一类医疗器械备案 械备.
    DeviceFiling,
    /// 强制性产品认证 (3C) certificate.
    Ccc,
}

impl CredentialKind {
    /// Every kind, in documentation order.
    pub const ALL: [CredentialKind; 9] = [
        CredentialKind::ProductionLicense,
        CredentialKind::CosmeticsRegistration,
        CredentialKind::CosmeticsFiling,
        CredentialKind::HealthFoodRegistration,
        CredentialKind::HealthFoodFiling,
        CredentialKind::DrugApproval,
        CredentialKind::DeviceRegistration,
        CredentialKind::DeviceFiling,
        CredentialKind::Ccc,
    ];

    /// The kebab-case key used in listings, CSV headers (`credentials.<kind>`) and rule packs.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::ProductionLicense => "production-license",
            CredentialKind::CosmeticsRegistration => "cosmetics-registration",
            CredentialKind::CosmeticsFiling => "cosmetics-filing",
            CredentialKind::HealthFoodRegistration => "health-food-registration",
            CredentialKind::HealthFoodFiling => "health-food-filing",
            CredentialKind::DrugApproval => "drug-approval",
            CredentialKind::DeviceRegistration => "device-registration",
            CredentialKind::DeviceFiling => "device-filing",
            CredentialKind::Ccc => "ccc",
        }
    }

    /// Parses a kebab-case key.
    pub fn parse(s: &str) -> Option<CredentialKind> {
        CredentialKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The kebab-case name of a product category, as written in listings and packs.
pub fn category_name(c: ProductCategory) -> &'static str {
    match c {
        ProductCategory::Cosmetics => "cosmetics",
        ProductCategory::SpecialCosmetics => "special-cosmetics",
        ProductCategory::Food => "food",
        ProductCategory::HealthFood => "health-food",
        ProductCategory::Drug => "drug",
        ProductCategory::MedicalDevice => "medical-device",
        ProductCategory::Ccc => "ccc",
        ProductCategory::General => "general",
    }
}

const CATEGORIES: [ProductCategory; 8] = [
    ProductCategory::Cosmetics,
    ProductCategory::SpecialCosmetics,
    ProductCategory::Food,
    ProductCategory::HealthFood,
    ProductCategory::Drug,
    ProductCategory::MedicalDevice,
    ProductCategory::Ccc,
    ProductCategory::General,
];

fn parse_category(s: &str) -> Option<ProductCategory> {
    CATEGORIES.into_iter().find(|c| category_name(*c) == s)
}

/// A calendar date, as days since 1970-01-01 (proleptic Gregorian). Only what the 7-day price rule needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i64);

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let mut it = s.splitn(3, '-');
        let y: i64 = it.next()?.parse().ok()?;
        let m: i64 = it.next()?.parse().ok()?;
        let d: i64 = it.next()?.parse().ok()?;
        if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) || s.len() != 10 {
            return None;
        }
        Some(Date(days_from_civil(y, m, d)))
    }

    /// Today in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date((secs / 86_400) as i64)
    }

    /// The date `n` days later (earlier for negative `n`).
    pub fn add_days(self, n: i64) -> Date {
        Date(self.0 + n)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// One entry of `price-history`.
#[derive(Debug, Clone, PartialEq)]
pub struct PricePoint {
    /// Day of the transaction price.
    pub date: Date,
    /// Price in 元.
    pub price: f64,
    /// Where the entry is written.
    pub span: Range<usize>,
}

/// One product of a listing. Every field keeps where it is written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Product {
    /// Unique id; the anchor for findings about missing fields.
    pub id: Spanned<String>,
    /// Title: marketing copy, scanned by the text rules.
    pub title: Option<Spanned<String>>,
    /// Category; `None` when the listing does not say (treated as `general`).
    pub category: Option<Spanned<ProductCategory>>,
    /// Names scripts use for the product (product names, 3号链接).
    pub aliases: Vec<Spanned<String>>,
    /// Selling price in 元.
    pub price: Option<Spanned<f64>>,
    /// Crossed-out (划线) price in 元.
    pub list_price: Option<Spanned<f64>>,
    /// Transaction prices before the broadcast, in file order.
    pub price_history: Vec<PricePoint>,
    /// Country or region of origin.
    pub origin: Option<Spanned<String>>,
    /// Seller's name.
    pub seller_name: Option<Spanned<String>>,
    /// Seller's 统一社会信用代码.
    pub seller_uscc: Option<Spanned<String>>,
    /// Manufacturer's name (三无产品 when missing).
    pub manufacturer_name: Option<Spanned<String>>,
    /// Manufacturer's address.
    pub manufacturer_address: Option<Spanned<String>>,
    /// Credential numbers by kind.
    pub credentials: BTreeMap<CredentialKind, Vec<Spanned<String>>>,
    /// Description: marketing copy, scanned by the text rules.
    pub description: Option<Spanned<String>>,
}

impl Default for Spanned<String> {
    fn default() -> Self {
        Spanned {
            value: String::new(),
            span: 0..0,
        }
    }
}

impl Product {
    /// The category, `general` when the listing does not give one.
    pub fn category(&self) -> ProductCategory {
        self.category
            .as_ref()
            .map_or(ProductCategory::General, |c| c.value)
    }

    /// True when the listing holds at least one non-empty number of this kind.
    pub fn has_credential(&self, kind: CredentialKind) -> bool {
        self.credentials
            .get(&kind)
            .is_some_and(|v| v.iter().any(|s| !s.value.trim().is_empty()))
    }
}

/// A parsed listing file.
#[derive(Debug, Clone)]
pub struct ListingFile {
    /// Path as displayed.
    pub path: String,
    /// Decoded text; every span refers to it.
    pub text: String,
    /// The usable products.
    pub products: Vec<Product>,
    /// Records that could not be used, each naming its line.
    pub errors: Vec<InputError>,
}

/// The outcome of reading a candidate listing.
#[derive(Debug)]
pub enum Parsed {
    /// A listing (possibly with bad records).
    Listing(ListingFile),
    /// A YAML or JSON file without a top-level `products:` key (a rule pack, a config): not a listing.
    NotListing,
}

/// Listing syntaxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingFormat {
    /// YAML (`.yaml`, `.yml`).
    Yaml,
    /// JSON.
    Json,
    /// CSV, one product per row.
    Csv,
}

/// The format of a file by its extension.
pub fn format_for_name(name: &str) -> Option<ListingFormat> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        Some(ListingFormat::Csv)
    } else if lower.ends_with(".json") {
        Some(ListingFormat::Json)
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        Some(ListingFormat::Yaml)
    } else {
        None
    }
}

/// True for `*.listing.yaml`, `*.listing.yml`, `*.listing.json` and `*.listing.csv`: files that are listings by
/// name (anything else must hold a top-level `products:` key to count).
pub fn is_listing_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".listing.yaml",
        ".listing.yml",
        ".listing.json",
        ".listing.csv",
    ]
    .iter()
    .any(|s| lower.ends_with(s))
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

struct Ctx<'a> {
    path: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn error(&self, offset: usize, message: impl fmt::Display) -> InputError {
        let (line, col) = line_col(self.text, offset);
        InputError {
            path: self.path.to_string(),
            message: format!("line {line}, column {col}: {message}"),
        }
    }
}

/// Parses a listing. `by_name` says the file is a listing by its name (`*.listing.*` or `--listings`), so a
/// missing `products:` key is an error rather than "not a listing".
pub fn parse(
    path: &str,
    text: String,
    format: ListingFormat,
    by_name: bool,
) -> Result<Parsed, InputError> {
    let mut file = ListingFile {
        path: path.to_string(),
        text: String::new(),
        products: Vec::new(),
        errors: Vec::new(),
    };
    let (products, errors) = match format {
        ListingFormat::Csv => parse_csv(path, &text),
        ListingFormat::Yaml | ListingFormat::Json => {
            match parse_tree(path, &text, format, by_name)? {
                Some(r) => r,
                None => return Ok(Parsed::NotListing),
            }
        }
    };
    file.products = products;
    file.errors = errors;
    file.text = text;
    Ok(Parsed::Listing(file))
}

type Records = (Vec<Product>, Vec<InputError>);

fn parse_tree(
    path: &str,
    text: &str,
    format: ListingFormat,
    by_name: bool,
) -> Result<Option<Records>, InputError> {
    let ctx = Ctx { path, text };
    // A walked candidate (a package.json, a config) is not parsed whole unless the key could be there.
    if !by_name && !text.contains("products") {
        return Ok(None);
    }
    let value: Value = match format {
        ListingFormat::Json => serde_json::from_str(text).map_err(|e| InputError {
            path: path.to_string(),
            message: format!(
                "line {}, column {}: invalid JSON: {}",
                e.line(),
                e.column(),
                e.to_string().split(" at line ").next().unwrap_or_default()
            ),
        })?,
        _ => match serde_yaml::from_str(text) {
            Ok(v) => v,
            Err(e) if by_name => {
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                let offset = e.location().map_or(0, |l| l.index());
                return Err(ctx.error(offset, format!("invalid YAML: {msg}")));
            }
            // A walked `.yaml` that does not even parse is somebody else's file, not a broken listing.
            Err(_) => return Ok(None),
        },
    };
    let Some(list) = value.get("products") else {
        if by_name {
            return Err(ctx.error(
                0,
                "no top-level `products:` list (see README, Product listings)",
            ));
        }
        return Ok(None);
    };
    let root = yamlpos::root(text);
    let (products_key, products_node) = yamlpos::get(text, root.clone(), "products")
        .unwrap_or((root.start..root.start, root.clone()));
    let Some(seq) = list.as_sequence() else {
        return Err(ctx.error(products_key.start, "`products` must be a list of products"));
    };
    let mut nodes = yamlpos::items(text, products_node.clone());
    if nodes.len() != seq.len() {
        // A layout the locator does not follow: point every record at the `products:` key.
        nodes = vec![products_key.clone(); seq.len()];
    }
    let mut products = Vec::new();
    let mut errors = Vec::new();
    for (i, (v, node)) in seq.iter().zip(nodes).enumerate() {
        match product_from_value(&ctx, v, node, i + 1) {
            Ok(p) => products.push(p),
            Err(e) => errors.push(e),
        }
    }
    Ok(Some((products, errors)))
}

/// Parses one product written as a YAML or JSON mapping on its own, as rule examples do.
pub fn parse_product_snippet(text: &str) -> Result<Product, String> {
    let value: Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    let ctx = Ctx {
        path: "example",
        text,
    };
    product_from_value(&ctx, &value, yamlpos::root(text), 1).map_err(|e| e.message)
}

const PRODUCT_KEYS: [&str; 12] = [
    "id",
    "title",
    "category",
    "aliases",
    "price",
    "list-price",
    "price-history",
    "origin",
    "seller",
    "manufacturer",
    "credentials",
    "description",
];

struct Field<'a> {
    v: &'a Value,
    key: Range<usize>,
    value: Range<usize>,
}

fn child<'a>(text: &str, v: &'a Value, node: &Range<usize>, key: &str) -> Option<Field<'a>> {
    let cv = v.get(key)?;
    let (k, val) = yamlpos::get(text, node.clone(), key)
        .unwrap_or((node.start..node.start, node.start..node.start));
    Some(Field {
        v: cv,
        key: k,
        value: val,
    })
}

fn product_from_value(
    ctx: &Ctx<'_>,
    v: &Value,
    node: Range<usize>,
    nth: usize,
) -> Result<Product, InputError> {
    let text = ctx.text;
    let Some(map) = v.as_mapping() else {
        return Err(ctx.error(
            node.start,
            format!("product {nth} must be a mapping of fields"),
        ));
    };
    for k in map.keys() {
        let name = k.as_str().unwrap_or_default();
        if !PRODUCT_KEYS.contains(&name) {
            let at = yamlpos::get(text, node.clone(), name).map_or(node.start, |(k, _)| k.start);
            return Err(ctx.error(
                at,
                format!(
                    "product {nth}: unknown field `{}` (known: {})",
                    scalar_text(k).unwrap_or_default(),
                    PRODUCT_KEYS.join(", ")
                ),
            ));
        }
    }
    let id = match child(text, v, &node, "id") {
        Some(f) => match string_of(text, &f) {
            Some(s) if !s.value.trim().is_empty() => s,
            _ => {
                return Err(ctx.error(
                    f.key.start,
                    format!("product {nth}: `id` must be non-empty text"),
                ))
            }
        },
        None => return Err(ctx.error(node.start, format!("product {nth} has no `id`"))),
    };
    let who = format!("product `{}`", id.value);
    let text_field =
        |key: &str, f: Option<Field<'_>>| -> Result<Option<Spanned<String>>, InputError> {
            match f {
                None => Ok(None),
                Some(f) if f.v.is_null() => Ok(None),
                Some(f) => string_of(text, &f)
                    .map(Some)
                    .ok_or_else(|| ctx.error(f.key.start, format!("{who}: `{key}` must be text"))),
            }
        };
    let mut p = Product {
        title: text_field("title", child(text, v, &node, "title"))?,
        description: text_field("description", child(text, v, &node, "description"))?,
        origin: text_field("origin", child(text, v, &node, "origin"))?,
        ..Product::default()
    };
    if let Some(f) = child(text, v, &node, "category") {
        if !f.v.is_null() {
            let s = string_of(text, &f)
                .ok_or_else(|| ctx.error(f.key.start, format!("{who}: `category` must be text")))?;
            let c = parse_category(s.value.trim()).ok_or_else(|| {
                ctx.error(
                    s.span.start,
                    format!(
                        "{who}: unknown category `{}` (one of: {})",
                        s.value,
                        CATEGORIES.map(category_name).join(", ")
                    ),
                )
            })?;
            p.category = Some(Spanned {
                value: c,
                span: s.span,
            });
        }
    }
    if let Some(f) = child(text, v, &node, "aliases") {
        p.aliases = string_list(ctx, &f, &who, "aliases")?;
    }
    for (key, slot) in [("price", &mut p.price), ("list-price", &mut p.list_price)] {
        if let Some(f) = child(text, v, &node, key) {
            if !f.v.is_null() {
                *slot = Some(price_of(text, &f).ok_or_else(|| {
                    ctx.error(
                        f.value.start.max(f.key.start),
                        format!("{who}: `{key}` must be a number (元)"),
                    )
                })?);
            }
        }
    }
    if let Some(f) = child(text, v, &node, "price-history") {
        p.price_history = history_of(ctx, &f, &who)?;
    }
    for (key, subkeys) in [
        ("seller", ["name", "uscc"]),
        ("manufacturer", ["name", "address"]),
    ] {
        let Some(f) = child(text, v, &node, key) else {
            continue;
        };
        if f.v.is_null() {
            continue;
        }
        let Some(m) = f.v.as_mapping() else {
            return Err(ctx.error(
                f.key.start,
                format!("{who}: `{key}` must be a mapping ({})", subkeys.join(", ")),
            ));
        };
        for k in m.keys() {
            let name = k.as_str().unwrap_or_default();
            if !subkeys.contains(&name) {
                let at =
                    yamlpos::get(text, f.value.clone(), name).map_or(f.key.start, |(k, _)| k.start);
                return Err(ctx.error(
                    at,
                    format!(
                        "{who}: unknown field `{key}.{name}` (known: {})",
                        subkeys.join(", ")
                    ),
                ));
            }
        }
        let a = text_field(
            &format!("{key}.{}", subkeys[0]),
            child(text, f.v, &f.value, subkeys[0]),
        )?;
        let b = text_field(
            &format!("{key}.{}", subkeys[1]),
            child(text, f.v, &f.value, subkeys[1]),
        )?;
        if key == "seller" {
            p.seller_name = a;
            p.seller_uscc = b;
        } else {
            p.manufacturer_name = a;
            p.manufacturer_address = b;
        }
    }
    if let Some(f) = child(text, v, &node, "credentials") {
        if !f.v.is_null() {
            let Some(m) = f.v.as_mapping() else {
                return Err(ctx.error(
                    f.key.start,
                    format!("{who}: `credentials` must be a mapping of kind to number"),
                ));
            };
            for k in m.keys() {
                let name = k.as_str().unwrap_or_default();
                let at = yamlpos::get(text, f.value.clone(), name);
                let Some(kind) = CredentialKind::parse(name) else {
                    return Err(ctx.error(
                        at.map_or(f.key.start, |(k, _)| k.start),
                        format!(
                            "{who}: unknown credential kind `{name}` (known: {})",
                            CredentialKind::ALL.map(CredentialKind::as_str).join(", ")
                        ),
                    ));
                };
                if let Some(cf) = child(text, f.v, &f.value, name) {
                    let list = string_list(ctx, &cf, &who, &format!("credentials.{name}"))?;
                    p.credentials.entry(kind).or_default().extend(list);
                }
            }
        }
    }
    p.id = id;
    Ok(p)
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A text value. Numbers and booleans are taken as written in the file (a credential number made of digits
/// only must keep its leading zeros).
fn string_of(text: &str, f: &Field<'_>) -> Option<Spanned<String>> {
    let span = yamlpos::scalar(text, f.value.clone());
    let value = match f.v {
        Value::String(s) => s.clone(),
        Value::Number(_) | Value::Bool(_) => {
            let raw = text[span.clone()].trim();
            if raw.is_empty() {
                scalar_text(f.v)?
            } else {
                raw.to_string()
            }
        }
        _ => return None,
    };
    Some(Spanned { value, span })
}

fn string_list(
    ctx: &Ctx<'_>,
    f: &Field<'_>,
    who: &str,
    key: &str,
) -> Result<Vec<Spanned<String>>, InputError> {
    match f.v {
        Value::Null => Ok(Vec::new()),
        Value::Sequence(seq) => {
            let mut nodes = yamlpos::items(ctx.text, f.value.clone());
            if nodes.len() != seq.len() {
                nodes = vec![f.value.clone(); seq.len()];
            }
            seq.iter()
                .zip(nodes)
                .map(|(item, node)| {
                    string_of(
                        ctx.text,
                        &Field {
                            v: item,
                            key: node.clone(),
                            value: node.clone(),
                        },
                    )
                    .ok_or_else(|| {
                        ctx.error(
                            node.start,
                            format!("{who}: every entry of `{key}` must be text"),
                        )
                    })
                })
                .collect()
        }
        _ => string_of(ctx.text, f).map(|s| vec![s]).ok_or_else(|| {
            ctx.error(
                f.key.start,
                format!("{who}: `{key}` must be text or a list of text"),
            )
        }),
    }
}

/// Parses a price: a number, or text such as `129`, `¥129` or `129元`.
pub fn parse_price(s: &str) -> Option<f64> {
    let t = s
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .trim();
    let p: f64 = t.parse().ok()?;
    (p.is_finite() && p >= 0.0).then_some(p)
}

fn price_of(text: &str, f: &Field<'_>) -> Option<Spanned<f64>> {
    let span = yamlpos::scalar(text, f.value.clone());
    let value = match f.v {
        Value::Number(n) => n.as_f64().filter(|p| p.is_finite() && *p >= 0.0)?,
        Value::String(s) => parse_price(s)?,
        _ => return None,
    };
    Some(Spanned { value, span })
}

fn history_of(ctx: &Ctx<'_>, f: &Field<'_>, who: &str) -> Result<Vec<PricePoint>, InputError> {
    let text = ctx.text;
    let seq = match f.v {
        Value::Null => return Ok(Vec::new()),
        Value::Sequence(s) => s,
        _ => {
            return Err(ctx.error(
                f.key.start,
                format!("{who}: `price-history` must be a list of {{date, price}}"),
            ))
        }
    };
    let mut nodes = yamlpos::items(text, f.value.clone());
    if nodes.len() != seq.len() {
        nodes = vec![f.value.clone(); seq.len()];
    }
    let mut out = Vec::with_capacity(seq.len());
    for (item, node) in seq.iter().zip(nodes) {
        let bad = |m: &str| ctx.error(node.start, format!("{who}: price-history entry {m}"));
        if !item.is_mapping() {
            return Err(bad("must be {date: YYYY-MM-DD, price: N}"));
        }
        let date = child(text, item, &node, "date")
            .and_then(|d| string_of(text, &d))
            .and_then(|d| Date::parse(&d.value))
            .ok_or_else(|| bad("needs a `date` written YYYY-MM-DD"))?;
        let price = child(text, item, &node, "price")
            .and_then(|d| price_of(text, &d))
            .ok_or_else(|| bad("needs a numeric `price`"))?;
        out.push(PricePoint {
            date,
            price: price.value,
            span: node.clone(),
        });
    }
    Ok(out)
}

/// CSV columns, in documentation order. Credential columns are `credentials.<kind>`.
pub const CSV_COLUMNS: [&str; 13] = [
    "id",
    "title",
    "category",
    "aliases",
    "price",
    "list-price",
    "price-history",
    "origin",
    "seller.name",
    "seller.uscc",
    "manufacturer.name",
    "manufacturer.address",
    "description",
];

/// Byte ranges of the cells of the CSV record starting at `start` (contents without their quotes).
fn csv_cells(text: &str, start: usize) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut cells = Vec::new();
    let mut i = start;
    loop {
        if i < b.len() && b[i] == b'"' {
            let s = i + 1;
            let mut j = s;
            while j < b.len() {
                if b[j] == b'"' {
                    if j + 1 < b.len() && b[j + 1] == b'"' {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j += 1;
            }
            cells.push(s..j.min(b.len()));
            i = (j + 1).min(b.len());
            while i < b.len() && !matches!(b[i], b',' | b'\n' | b'\r') {
                i += 1;
            }
        } else {
            let s = i;
            while i < b.len() && !matches!(b[i], b',' | b'\n' | b'\r') {
                i += 1;
            }
            cells.push(s..i);
        }
        if i < b.len() && b[i] == b',' {
            i += 1;
            continue;
        }
        return cells;
    }
}

fn parse_csv(path: &str, text: &str) -> Records {
    let ctx = Ctx { path, text };
    let mut products = Vec::new();
    let mut errors = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            errors.push(ctx.error(0, format!("cannot read the CSV header: {e}")));
            return (products, errors);
        }
    };
    let header_cells = csv_cells(text, 0);
    let mut columns: Vec<Option<String>> = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        let known = CSV_COLUMNS.contains(&h.as_str())
            || h.strip_prefix("credentials.")
                .is_some_and(|k| CredentialKind::parse(k).is_some());
        if known {
            columns.push(Some(h.clone()));
        } else {
            let at = header_cells.get(i).map_or(0, |r| r.start);
            errors.push(ctx.error(
                at,
                format!(
                    "unknown CSV column `{h}` (known: {}, credentials.<kind>)",
                    CSV_COLUMNS.join(", ")
                ),
            ));
            columns.push(None);
        }
    }
    if !headers.iter().any(|h| h == "id") {
        errors.push(ctx.error(0, "the CSV header has no `id` column"));
        return (products, errors);
    }
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let offset =
                    skip_newlines(text, e.position().map_or(text.len(), |p| p.byte() as usize));
                let msg = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!(
                        "CSV row has {len} fields, the header has {expected_len}; the row is skipped"
                    ),
                    _ => format!("unreadable CSV row: {e}"),
                };
                errors.push(ctx.error(offset, msg));
                continue;
            }
        };
        let start = skip_newlines(text, record.position().map_or(0, |p| p.byte() as usize));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let spans = csv_cells(text, start);
        let mut cells: Vec<(&str, Spanned<String>)> = Vec::new();
        for (i, value) in record.iter().enumerate() {
            let Some(Some(col)) = columns.get(i) else {
                continue;
            };
            let span = spans.get(i).cloned().unwrap_or(start..start);
            cells.push((
                col.as_str(),
                Spanned {
                    value: value.to_string(),
                    span,
                },
            ));
        }
        match product_from_cells(&ctx, start, &cells) {
            Ok(p) => products.push(p),
            Err(e) => errors.push(e),
        }
    }
    (products, errors)
}

/// The csv crate may report a record as starting at the `\r` of the previous CRLF terminator.
fn skip_newlines(text: &str, mut at: usize) -> usize {
    let b = text.as_bytes();
    while at < b.len() && (b[at] == b'\r' || b[at] == b'\n') {
        at += 1;
    }
    at
}

/// Splits a CSV cell on `|`, keeping each part's span.
fn split_cell(cell: &Spanned<String>) -> Vec<Spanned<String>> {
    let mut out = Vec::new();
    let mut at = 0;
    for part in cell.value.split('|') {
        let lead = part.len() - part.trim_start().len();
        let t = part.trim();
        if !t.is_empty() {
            let s = cell.span.start + at + lead;
            // Spans are exact only when the cell was written without escapes.
            let span = if cell.span.len() == cell.value.len() {
                s..s + t.len()
            } else {
                cell.span.clone()
            };
            out.push(Spanned {
                value: t.to_string(),
                span,
            });
        }
        at += part.len() + 1;
    }
    out
}

fn product_from_cells(
    ctx: &Ctx<'_>,
    row: usize,
    cells: &[(&str, Spanned<String>)],
) -> Result<Product, InputError> {
    let get = |k: &str| {
        cells
            .iter()
            .find(|(c, v)| *c == k && !v.value.trim().is_empty())
            .map(|(_, v)| Spanned {
                value: v.value.trim().to_string(),
                span: v.span.clone(),
            })
    };
    let Some(id) = get("id") else {
        return Err(ctx.error(row, "CSV row has no `id`; the row is skipped"));
    };
    let who = format!("product `{}`", id.value);
    let mut p = Product {
        title: get("title"),
        description: get("description"),
        origin: get("origin"),
        seller_name: get("seller.name"),
        seller_uscc: get("seller.uscc"),
        manufacturer_name: get("manufacturer.name"),
        manufacturer_address: get("manufacturer.address"),
        ..Product::default()
    };
    if let Some(c) = get("category") {
        let cat = parse_category(&c.value).ok_or_else(|| {
            ctx.error(
                c.span.start,
                format!(
                    "{who}: unknown category `{}` (one of: {})",
                    c.value,
                    CATEGORIES.map(category_name).join(", ")
                ),
            )
        })?;
        p.category = Some(Spanned {
            value: cat,
            span: c.span,
        });
    }
    if let Some(a) = get("aliases") {
        p.aliases = split_cell(&a);
    }
    for (key, slot) in [("price", &mut p.price), ("list-price", &mut p.list_price)] {
        if let Some(c) = get(key) {
            let v = parse_price(&c.value).ok_or_else(|| {
                ctx.error(
                    c.span.start,
                    format!("{who}: `{key}` must be a number (元), not `{}`", c.value),
                )
            })?;
            *slot = Some(Spanned {
                value: v,
                span: c.span,
            });
        }
    }
    if let Some(h) = get("price-history") {
        for part in split_cell(&h) {
            let (d, pr) = part.value.split_once(':').unwrap_or((&part.value, ""));
            let (Some(date), Some(price)) = (Date::parse(d), parse_price(pr)) else {
                return Err(ctx.error(
                    part.span.start,
                    format!(
                        "{who}: price-history entry `{}` must be YYYY-MM-DD:price",
                        part.value
                    ),
                ));
            };
            p.price_history.push(PricePoint {
                date,
                price,
                span: part.span,
            });
        }
    }
    for (col, v) in cells {
        if let Some(kind) = col
            .strip_prefix("credentials.")
            .and_then(CredentialKind::parse)
        {
            let parts = split_cell(v);
            if !parts.is_empty() {
                p.credentials.entry(kind).or_default().extend(parts);
            }
        }
    }
    p.id = id;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(name: &str, text: &str) -> ListingFile {
        match parse(name, text.to_string(), format_for_name(name).unwrap(), true).unwrap() {
            Parsed::Listing(l) => l,
            Parsed::NotListing => panic!("not a listing"),
        }
    }

    #[test]
    fn dates() {
        let d = Date::parse("2026-11-08").unwrap();
        assert_eq!(d.to_string(), "2026-11-08");
        assert_eq!(d.add_days(-7).to_string(), "2026-11-01");
        assert_eq!(
            Date::parse("2024-02-29").unwrap().add_days(1).to_string(),
            "2024-03-01"
        );
        assert!(Date::parse("2026-02-30").is_none());
        assert!(Date::parse("2026-1-3").is_none());
        assert_eq!(Date::parse("1970-01-01"), Some(Date(0)));
    }

    #[test]
    fn yaml_fields_keep_positions() {
        let text = "products:\n  - id: p1\n    category: food\n    price: 99\n    seller: {name: 某, uscc: \"91350100M000100Y43\"}\n    credentials:\n      production-license: SC11144011500213\n";
        let l = listing("a.listing.yaml", text);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        let p = &l.products[0];
        assert_eq!(p.category(), ProductCategory::Food);
        assert_eq!(line_col(text, p.id.span.start), (2, 9));
        let u = p.seller_uscc.as_ref().unwrap();
        assert_eq!(&text[u.span.clone()], "91350100M000100Y43");
        let sc = &p.credentials[&CredentialKind::ProductionLicense][0];
        assert_eq!(line_col(text, sc.span.start), (7, 27));
        assert_eq!(p.price.as_ref().unwrap().value, 99.0);
    }

    #[test]
    fn bad_records_are_errors_and_good_ones_stay() {
        let text = "products:\n  - title: 无id\n  - id: ok\n  - id: p3\n    price: 九十九\n  - id: p4\n    colour: red\n";
        let l = listing("a.listing.yaml", text);
        assert_eq!(l.products.len(), 1);
        assert_eq!(l.products[0].id.value, "ok");
        let msgs: Vec<&str> = l.errors.iter().map(|e| e.message.as_str()).collect();
        assert!(
            msgs[0].starts_with("line 2, column 5: product 1 has no `id`"),
            "{msgs:?}"
        );
        assert!(msgs[1].starts_with("line 5, column 12:"), "{msgs:?}");
        assert!(
            msgs[2].starts_with("line 7, column 5:") && msgs[2].contains("colour"),
            "{msgs:?}"
        );
    }

    #[test]
    fn not_a_listing_unless_named_so() {
        let text = "pack: x\nrules: []\n";
        assert!(matches!(
            parse("r.yaml", text.into(), ListingFormat::Yaml, false).unwrap(),
            Parsed::NotListing
        ));
        assert!(parse("r.listing.yaml", text.into(), ListingFormat::Yaml, true).is_err());
    }

    #[test]
    fn json_listing() {
        let text = "{\"products\": [{\"id\": \"j1\", \"category\": \"drug\", \"credentials\": {\"drug-approval\": \"国药准字H20000001\"}}, {\"id\": 5, \"price\": \"abc\"}]}";
        let l = listing("a.listing.json", text);
        assert_eq!(l.products.len(), 1);
        assert_eq!(l.errors.len(), 1);
        let c = &l.products[0].credentials[&CredentialKind::DrugApproval][0];
        assert_eq!(&text[c.span.clone()], "国药准字H20000001");
    }

    #[test]
    fn csv_rows_and_errors_name_their_line() {
        let text = "id,title,category,price,price-history,credentials.production-license\nc1,饼干,food,19.9,2026-11-01:19.9|2026-11-03:25,SC11144011500213\nc2,坏行,food\nc3,\"引号, 标题\",food,abc,,\n";
        let l = listing("a.listing.csv", text);
        assert_eq!(l.products.len(), 1);
        let p = &l.products[0];
        assert_eq!(p.price_history.len(), 2);
        assert_eq!(&text[p.price_history[1].span.clone()], "2026-11-03:25");
        let sc = &p.credentials[&CredentialKind::ProductionLicense][0];
        assert_eq!(&text[sc.span.clone()], "SC11144011500213");
        let msgs: Vec<&str> = l.errors.iter().map(|e| e.message.as_str()).collect();
        assert!(
            msgs[0].starts_with("line 3,") && msgs[0].contains("3 fields"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].starts_with("line 4,") && msgs[1].contains("`price`"),
            "{msgs:?}"
        );
    }

    #[test]
    fn crlf_csv_rows_start_on_their_own_line() {
        let text = "id,category,price\r\nb1,food,1\r\nb2,food,x\r\n";
        let l = listing("w.listing.csv", text);
        assert_eq!(line_col(text, l.products[0].id.span.start), (2, 1));
        assert!(
            l.errors[0].message.starts_with("line 3, column 9:"),
            "{:?}",
            l.errors
        );
    }

    #[test]
    fn snippet() {
        let p = parse_product_snippet("{id: s, category: cosmetics, aliases: [面霜]}").unwrap();
        assert_eq!(p.aliases[0].value, "面霜");
        assert!(parse_product_snippet("{title: x}").is_err());
    }
}
