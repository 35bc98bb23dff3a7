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
}
