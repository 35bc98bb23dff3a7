//! Rule packs: the YAML schema, validation with errors that point into the YAML, and loading.

pub mod cache;
pub mod compile;
pub mod locate;
pub mod pack;
pub mod regex_facts;
pub mod regex_table;
pub mod schema;

use std::collections::HashMap;

pub use compile::{Example, PackInfo, Rule};
pub use pack::PackSource;

use crate::error::RuleError;

/// Every rule of every loaded pack, in load order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// The packs.
    pub packs: Vec<PackInfo>,
    /// The rules; the engine refers to them by index.
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// Compiles packs, collecting every problem before failing so authors see them all at once.
    pub fn from_sources(sources: &[PackSource]) -> Result<RuleSet, RuleError> {
        RuleSet::from_sources_cached(sources, None)
    }

    /// [`RuleSet::from_sources`], taking user packs from `cache` where it holds them and keeping there those
    /// it does not (cache.rs).
    pub fn from_sources_cached(
        sources: &[PackSource],
        cache: Option<&cache::PackCache>,
    ) -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        let mut errors = Vec::new();
        let mut pack_ids: HashMap<String, String> = HashMap::new();
        // Packs are parsed on all cores (issue 6: reading the YAML of the default packs is a quarter of a
        // pre-commit run on one script), then merged in their order.
        use rayon::prelude::*;
        let compiled: Vec<_> = sources
            .par_iter()
            .map(|s| compile::compile_pack_cached(&s.name, &s.text, cache))
            .collect();
        for (s, result) in sources.iter().zip(compiled) {
            match result {
                Ok((info, rules)) => {
                    if let Some(first) = pack_ids.get(&info.id) {
                        let at = s.text.find(&info.id).unwrap_or(0);
                        errors.push(RuleError::invalid(
                            &s.name,
                            &s.text,
                            at,
                            info.id.len(),
                            format!("pack id `{}` is already used by {first}", info.id),
                            "duplicate pack id",
                            Some("rule ids are <pack>/<id>; give each pack its own id".into()),
                        ));
                        continue;
                    }
                    pack_ids.insert(info.id.clone(), s.name.clone());
                    set.packs.push(info);
                    set.rules.extend(rules);
                }
                Err(e) => errors.push(e),
            }
        }
        RuleError::collect(errors)?;
        Ok(set)
    }

    /// Looks a rule up by its full id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.meta.id == id)
    }
}
