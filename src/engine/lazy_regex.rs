//! Regexes compiled on first use.

use regex::Regex;

/// A regex of a claim check or a listing field rule, compiled the first time a
/// listing is checked: only runs with a listing use them, and compiling them at load cost a pre-commit run on
/// one script about 15 ms (issue 6).
#[derive(Debug, Clone)]
pub struct LazyRegex {
    pattern: String,
    re: std::sync::OnceLock<Option<Regex>>,
}

impl LazyRegex {
    /// A pattern known to parse: escaped words in a fixed template, or a rule's regex already checked with
    /// `check_regex`. It is not parsed again.
    pub fn known_good(pattern: String) -> LazyRegex {
        LazyRegex {
            pattern,
            re: std::sync::OnceLock::new(),
        }
    }

    /// The compiled regex. The pattern parses and the size limit is far above any word list, so `None` does
    /// not occur in practice; it means the check finds nothing.
    pub fn get(&self) -> Option<&Regex> {
        self.re
            .get_or_init(|| {
                regex::RegexBuilder::new(&self.pattern)
                    .size_limit(1 << 30)
                    .build()
                    .ok()
            })
            .as_ref()
    }
}
