//! The serde mirror of a rule pack's YAML (DESIGN.md section 3). Unknown fields are errors, so a typo such as
//! `unles:` cannot silently switch a filter off.

use serde::Deserialize;

use crate::finding::{Category, Severity};

/// One YAML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackDef {
    /// Pack id; rule ids are `<pack>/<id>`.
    pub pack: String,
    /// Human title.
    #[serde(default)]
    pub title: Option<String>,
    /// Language of the texts the pack is written for (`zh`, `en`).
    #[serde(default)]
    pub lang: Option<String>,
    /// Free-text description for `rules list`.
    #[serde(default)]
    pub description: Option<String>,
    /// The rules.
    pub rules: Vec<RuleDef>,
}

/// Where a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Sales scripts (话术) before a show.
    Script,
    /// Transcripts of shows.
    Transcript,
    /// Product listings (title, description).
    Listing,
}

/// Product categories of DESIGN.md section 4; `when.product` limits a rule to some of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProductCategory {
    /// 普通化妆品 (备案).
    Cosmetics,
    /// 特殊化妆品 (注册: 染发、烫发、祛斑美白、防晒、防脱发).
    SpecialCosmetics,
    /// Ordinary food.
    Food,
    /// 保健食品.
    HealthFood,
    /// 药品.
    Drug,
    /// 医疗器械.
    MedicalDevice,
    /// Goods under compulsory certification (3C).
    Ccc,
    /// Anything else.
    General,
}

/// One rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// Id within the pack: names what is flagged.
    pub id: String,
    /// Short human title.
    pub title: String,
    /// Stable category.
    pub category: Category,
    /// error, warning or info.
    pub severity: Severity,
    /// Articles the rule enforces.
    pub law: Vec<String>,
    /// Message; `{matched}` is replaced by the matched text.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// Input kinds the rule applies to; all when absent.
    #[serde(default)]
    pub scope: Option<Vec<Scope>>,
    /// Conditions on the product the input is about.
    #[serde(default)]
    pub when: Option<WhenDef>,
    /// What to look for.
    #[serde(default, rename = "match")]
    pub matcher: Option<MatchDef>,
    /// Context in which a hit is not a finding.
    #[serde(default)]
    pub unless: Option<UnlessDef>,
    /// A listing rule: a product field and what it must satisfy (instead of `match`).
    #[serde(default)]
    pub field: Option<FieldDef>,
    /// A cross-check: a named built-in check of claims against the listing (instead of `match`).
    #[serde(default)]
    pub claim: Option<ClaimDef>,
    /// Examples run by `rules test` and the test suite.
    pub examples: ExamplesDef,
}

/// `when:`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhenDef {
    /// Only for products of these categories.
    #[serde(default)]
    pub product: Vec<ProductCategory>,
}

/// `match:`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchDef {
    /// Literal phrases, matched after normalization.
    #[serde(default)]
    pub keywords: Option<Vec<String>>,
    /// Regexes, matched on the normalized text.
    #[serde(default)]
    pub regex: Option<Vec<String>>,
}

/// `unless:`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlessDef {
    /// A hit inside one of these phrases is no finding (最近, 第一次, 第一类医疗器械).
    #[serde(default)]
    pub inside: Vec<String>,
    /// A hit after one of these words in the same clause is no finding (不得, 禁止).
    #[serde(default)]
    pub after: Vec<String>,
    /// A hit with one of these words nearby is no finding.
    #[serde(default)]
    pub near: Option<NearDef>,
}

/// `unless.near:`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NearDef {
    /// Any of these phrases.
    pub any: Vec<String>,
    /// Within this many characters before or after the hit.
    #[serde(default = "default_window")]
    pub window: usize,
}

fn default_window() -> usize {
    12
}

/// `examples:`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamplesDef {
    /// Texts that must yield exactly the «marked» spans.
    #[serde(default)]
    pub flag: Vec<String>,
    /// Texts that must yield nothing.
    #[serde(default)]
    pub pass: Vec<String>,
    /// `claim:` rules: the product (one YAML mapping, listing schema) the example texts are checked against.
    #[serde(default)]
    pub listing: Option<String>,
    /// `claim:` rules: the broadcast date (YYYY-MM-DD) of the examples; today when absent.
    #[serde(default)]
    pub date: Option<String>,
}

/// `field:` of a listing rule (README, Product listings). `field` rules check every product of every listing;
/// their `flag`/`pass` examples are products written as one YAML mapping.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// A field path (`seller.uscc`, `credentials.production-license`), or several of which one is enough.
    pub path: FieldPaths,
    /// A product without the field (or with every listed field empty) is a finding at its `id:`.
    #[serde(default)]
    pub required: bool,
    /// A value that does not match this regex as a whole is a finding at the value.
    #[serde(default)]
    pub pattern: Option<String>,
    /// A named check-digit algorithm (`gb32100`): a value of the right shape with a wrong check digit is a
    /// finding.
    #[serde(default)]
    pub checksum: Option<String>,
}

/// One field path or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FieldPaths {
    /// `path: seller.uscc`
    One(String),
    /// `path: [credentials.device-registration, credentials.device-filing]`
    Many(Vec<String>),
}

impl FieldPaths {
    /// The paths as a list.
    pub fn list(&self) -> Vec<&str> {
        match self {
            FieldPaths::One(p) => vec![p.as_str()],
            FieldPaths::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// `claim:` of a cross-check rule: which built-in check runs, with its parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimDef {
    /// `reference-price`, `discount`, `credential-claim` or `efficacy-category`.
    pub check: String,
    /// The check's parameters (README, Claims checked against the listing).
    #[serde(default)]
    pub params: Option<serde_yaml::Value>,
    /// Full ids of text rules that only ask for evidence this check reads from the listing (the
    /// "原价 N … 到手价 M needs evidence" warning, say). Where the check evaluated a claim against the product,
    /// their findings on the same span are dropped: the listing has answered.
    #[serde(default)]
    pub supersedes: Vec<String>,
}
