//! The project configuration `.livelint.yaml`: found from the current folder upward, so a script team sets its
//! packs, severities, excludes and brand names once per repository instead of on every command line.
//!
//! Command-line flags override the file. Unknown keys, unknown pack ids and unknown rule ids are errors that point
//! at the line of the YAML: a misspelt `exlude:` or rule id must not silently switch an audit off.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use thiserror::Error;

use crate::error::AppError;
use crate::finding::{Finding, Severity};
use crate::normalize::normalize_str;
use crate::rules::RuleSet;
use crate::suppress;

/// File names looked for, in this order, in each folder from the current one up to the filesystem root.
pub const FILE_NAMES: [&str; 2] = [".livelint.yaml", ".livelint.yml"];

/// The YAML as written. Keys are kebab-case; unknown keys are errors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Pack id -> on/off. `false` drops every rule of the pack; `true` keeps it (and checks the id exists).
    #[serde(default)]
    pub packs: BTreeMap<String, bool>,
    /// Extra rule pack files or folders, relative to the config file.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// Rule id -> severity, overriding the pack's.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Rule ids that never report.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Globs (relative to the config file's folder) of the files to audit; empty means every file.
    #[serde(default)]
    pub include: Vec<String>,
    /// Globs of files and folders never audited, also when named explicitly (as pre-commit does).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Product listing files, relative to the config file.
    #[serde(default)]
    pub listings: Vec<PathBuf>,
    /// Lowest severity that fails the run.
    #[serde(default)]
    pub fail_on: Option<Severity>,
    /// Baseline file, relative to the config file.
    #[serde(default)]
    pub baseline: Option<PathBuf>,
    /// Brand and product names that contain trap words (第一坊, 最高山): a hit inside one is no finding.
    #[serde(default)]
    pub allow_names: Vec<String>,
}

/// A malformed configuration file, pointing at the offending line of its YAML.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(livelint::config::invalid))]
pub struct ConfigError {
    /// What is wrong, prefixed with `file:line:column`.
    pub message: String,
    /// The YAML, named by its path.
    #[source_code]
    pub src: NamedSource<String>,
    /// Where in the YAML.
    #[label("{label}")]
    pub span: SourceSpan,
    /// Short text under the pointer.
    pub label: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
    /// 1-based line.
    pub line: usize,
}

fn config_error(
    name: &str,
    src: &str,
    offset: usize,
    len: usize,
    message: impl Into<String>,
    label: impl Into<String>,
    help: Option<String>,
) -> AppError {
    let crate::error::YamlPoint {
        offset,
        len,
        line,
        column,
    } = crate::error::YamlPoint::new(src, offset, len);
    AppError::ConfigFile(Box::new(ConfigError {
        message: format!("{name}:{line}:{column}: {}", message.into()),
        src: NamedSource::new(name, src.to_string()).with_language("yaml"),
        span: (offset, len).into(),
        label: label.into(),
        help,
        line,
    }))
}

/// A loaded configuration file.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its folder: relative paths and globs in it are relative to this.
    pub root: PathBuf,
    /// The parsed YAML.
    pub file: ConfigFile,
    src: String,
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

/// Looks for a config file in `start` and each of its ancestors, up to the filesystem root. The path is
/// relative to `start` when the file lies in it, so messages stay short.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let abs = absolute(start);
    let found = abs
        .ancestors()
        .find_map(|dir| FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file()))?;
    match found.strip_prefix(&abs) {
        Ok(rel) if start == Path::new(".") => Some(rel.to_path_buf()),
        Ok(rel) => Some(start.join(rel)),
        Err(_) => Some(found),
    }
}

/// The starter file `livelint init` writes. Every key is shown, commented out, with what it does.
pub const STARTER: &str = r#"# livelint project configuration. livelint reads the nearest .livelint.yaml from the current folder upward;
# command-line flags override what is set here. Unknown keys are errors.

# Packs on or off, by pack id (`livelint rules list` shows them).
# packs:
#   zh-ad-law: true

# Extra rule pack files or folders, relative to this file.
# rules: [rules/]

# Severity overrides and disabled rules, by full rule id.
# severity:
#   zh-ad-law/absolute-grade: warning
# disable: [zh-ad-law/absolute-first-only]

# Which files to audit (globs relative to this file). Excludes also apply to files named on the command line,
# which is how pre-commit passes them.
# include: ["scripts/**", "*.md"]
exclude: ["target/**", "node_modules/**"]

# Product listings checked against what the scripts claim.
# listings: [listings/]

# Lowest severity that fails the run: error, warning or info.
fail-on: error

# Baseline of accepted findings in old scripts (write it with --write-baseline FILE).
# baseline: .livelint-baseline.json

# Brand and product names that contain trap words; a hit inside one of them is not a finding.
# allow-names: [第一坊, 最高山]
"#;

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, AppError> {
        let src = std::fs::read_to_string(path).map_err(|e| AppError::Config {
            message: format!("cannot read config {}: {e}", path.display()),
        })?;
        Config::parse(path, src)
    }

    /// Parses config text read from `path`.
    pub fn parse(path: &Path, src: String) -> Result<Config, AppError> {
        let name = path.display().to_string();
        let value: serde_yaml::Value =
            serde_yaml::from_str(&src).map_err(|e| yaml_error(&name, &src, &e))?;
        let file: ConfigFile = if value.is_null() {
            ConfigFile::default()
        } else {
            serde_yaml::from_str(&src).map_err(|e| yaml_error(&name, &src, &e))?
        };
        let root = absolute(path)
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let include = globs(&name, &src, &file.include)?;
        let exclude = globs(&name, &src, &file.exclude)?;
        Ok(Config {
            path: path.to_path_buf(),
            root,
            file,
            src,
            include,
            exclude,
        })
    }

    /// Resolves a path written in the file against its folder.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.root.join(p)
        }
    }

    fn error_at(
        &self,
        needle: &str,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> AppError {
        let at = find_value(&self.src, needle);
        config_error(
            &self.path.display().to_string(),
            &self.src,
            at.unwrap_or(0),
            if at.is_some() { needle.len() } else { 1 },
            message,
            label,
            help,
        )
    }

    /// Applies pack switches, disables and allowed names to a loaded rule set, checking every id it names.
    ///
    /// Allowed names become `unless.inside` phrases of every rule: the engine already suppresses a hit covered
    /// by such a phrase, so a brand such as 第一坊 costs one keyword pattern and no new filter.
    pub fn apply_rules(&self, set: &mut RuleSet) -> Result<(), AppError> {
        for id in self.file.packs.keys() {
            if !set.packs.iter().any(|p| &p.id == id) {
                let known: Vec<&str> = set.packs.iter().map(|p| p.id.as_str()).collect();
                return Err(self.error_at(
                    id,
                    format!("unknown pack `{id}`"),
                    "no such pack",
                    Some(format!("loaded packs: {}", known.join(", "))),
                ));
            }
        }
        let known_rule = |id: &str| set.get(id).is_some() || suppress::is_builtin(id);
        for id in self.file.severity.keys().chain(&self.file.disable) {
            if !known_rule(id) {
                return Err(self.error_at(
                    id,
                    format!("unknown rule `{id}`"),
                    "no such rule",
                    Some("rule ids are <pack>/<id>; `livelint rules list` shows them".into()),
                ));
            }
        }
        let off: HashSet<&str> = self
            .file
            .packs
            .iter()
            .filter(|(_, on)| !**on)
            .map(|(id, _)| id.as_str())
            .collect();
        let disabled: HashSet<&str> = self.file.disable.iter().map(String::as_str).collect();
        set.packs.retain(|p| !off.contains(p.id.as_str()));
        set.rules.retain(|r| {
            let pack = r.meta.id.split('/').next().unwrap_or_default();
            !off.contains(pack) && !disabled.contains(r.meta.id.as_str())
        });
        let names: Vec<String> = self
            .file
            .allow_names
            .iter()
            .map(|n| normalize_str(n))
            .filter(|n| !n.is_empty())
            .collect();
        if !names.is_empty() {
            for rule in &mut set.rules {
                for n in &names {
                    if !rule.inside.contains(n) {
                        rule.inside.push(n.clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// True when `path` (as given on the command line or found by a walk) is left out by `include`/`exclude`.
    /// Paths outside the config's folder are never left out: the globs cannot speak of them.
    pub fn excludes(&self, path: &Path) -> bool {
        if self.include.is_none() && self.exclude.is_none() {
            return false;
        }
        let abs = absolute(path);
        let Ok(rel) = abs.strip_prefix(&self.root) else {
            return false;
        };
        if rel.as_os_str().is_empty() {
            return false;
        }
        if let Some(ex) = &self.exclude {
            // A folder that matches excludes everything below it (`drafts` as well as `drafts/**`).
            if rel
                .ancestors()
                .any(|a| !a.as_os_str().is_empty() && ex.is_match(a))
            {
                return true;
            }
        }
        match &self.include {
            Some(inc) => !inc.is_match(rel),
            None => false,
        }
    }
}

fn yaml_error(name: &str, src: &str, e: &serde_yaml::Error) -> AppError {
    let msg = e.to_string();
    // serde_yaml appends " at line L column C"; our prefix already says where.
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let offset = e.location().map_or(0, |l| l.index()).min(src.len());
    // Underline the key or value that starts there, not just its first character.
    let len = src[offset..]
        .find([':', '\n', ',', ']'])
        .unwrap_or(0)
        .max(1);
    config_error(name, src, offset, len, msg, "here", None)
}

fn globs(name: &str, src: &str, patterns: &[String]) -> Result<Option<GlobSet>, AppError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let pat = p.trim_start_matches("./").trim_end_matches('/');
        let glob = Glob::new(pat).map_err(|e| {
            let at = find_value(src, p);
            config_error(
                name,
                src,
                at.unwrap_or(0),
                p.len(),
                format!("bad glob `{p}`: {}", e.kind()),
                "this glob",
                None,
            )
        })?;
        b.add(glob);
    }
    b.build().map(Some).map_err(|e| AppError::Config {
        message: format!("{name}: cannot build globs: {e}"),
    })
}

/// Byte offset of `needle` in the YAML, preferring an occurrence outside comments.
fn find_value(src: &str, needle: &str) -> Option<usize> {
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let code = line.split(" #").next().unwrap_or(line);
        if !line.trim_start().starts_with('#') {
            if let Some(i) = code.find(needle) {
                return Some(offset + i);
            }
        }
        offset += line.len();
    }
    src.find(needle)
}

/// An absolute, lexically clean form of `p` (symlinks resolved where the path exists), so globs compare paths
/// the same way whether they came from a walk, the command line or `git`.
pub fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    if let (Some(parent), Some(name)) = (p.parent(), p.file_name()) {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        if let Ok(c) = parent.canonicalize() {
            return c.join(name);
        }
    }
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Everything a run takes from the config and the command line together, flags winning.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The config file, if one was found or named.
    pub config: Option<Config>,
    /// Lowest severity that fails the run.
    pub fail_on: Option<Severity>,
    /// Baseline to apply.
    pub baseline: Option<PathBuf>,
    /// Listing files (for the listing checks).
    pub listings: Vec<PathBuf>,
    /// Extra rule packs from the config, resolved.
    pub rules: Vec<PathBuf>,
    /// Severity overrides by rule id.
    pub severity: HashMap<String, Severity>,
    /// Disabled built-in rules (pack rules are removed from the rule set instead).
    pub disabled: HashSet<String>,
    /// Apply `exclude`/`include` to files named explicitly too.
    pub force_exclude: bool,
}

/// Where to take the configuration from.
#[derive(Debug, Clone, Default)]
pub struct ConfigChoice {
    /// `--config FILE`.
    pub file: Option<PathBuf>,
    /// `--no-config`.
    pub none: bool,
}

impl Settings {
    /// Finds and loads the configuration as chosen on the command line.
    pub fn load(choice: &ConfigChoice) -> Result<Settings, AppError> {
        let path = if choice.none {
            None
        } else if let Some(f) = &choice.file {
            Some(f.clone())
        } else {
            discover(Path::new("."))
        };
        let config = path.map(|p| Config::load(&p)).transpose()?;
        Ok(Settings::from_config(config))
    }

    /// Settings from a loaded config (or none).
    pub fn from_config(config: Option<Config>) -> Settings {
        let mut s = Settings {
            force_exclude: true,
            ..Settings::default()
        };
        if let Some(c) = &config {
            s.fail_on = c.file.fail_on;
            s.baseline = c.file.baseline.as_deref().map(|p| c.resolve(p));
            s.listings = c.file.listings.iter().map(|p| c.resolve(p)).collect();
            s.rules = c.file.rules.iter().map(|p| c.resolve(p)).collect();
            s.severity = c.file.severity.clone().into_iter().collect();
            s.disabled = c
                .file
                .disable
                .iter()
                .filter(|id| suppress::is_builtin(id))
                .cloned()
                .collect();
        }
        s.config = config;
        s
    }

    /// True when a file should not be audited. `explicit` files (named on the command line) are filtered only
    /// with `force_exclude`.
    pub fn excludes(&self, path: &Path, explicit: bool) -> bool {
        if explicit && !self.force_exclude {
            return false;
        }
        self.config.as_ref().is_some_and(|c| c.excludes(path))
    }

    /// Applies severity overrides and drops disabled built-in findings.
    pub fn apply_findings(&self, findings: &mut Vec<Finding>) {
        if !self.disabled.is_empty() {
            findings.retain(|f| !self.disabled.contains(&f.rule.id));
        }
        if !self.severity.is_empty() {
            for f in findings.iter_mut() {
                if let Some(s) = self.severity.get(&f.rule.id) {
                    f.severity = *s;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Config, AppError> {
        Config::parse(Path::new("/proj/.livelint.yaml"), src.to_string())
    }

    #[test]
    fn unknown_key_points_at_its_line() {
        let err = parse("fail-on: error\nexlude: [a]\n").unwrap_err();
        match err {
            AppError::ConfigFile(e) => {
                assert_eq!(e.line, 2, "{}", e.message);
                assert!(
                    e.message.contains("unknown field `exlude`"),
                    "{}",
                    e.message
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn empty_and_starter_files_parse() {
        assert!(parse("").unwrap().file.exclude.is_empty());
        assert!(parse("# only comments\n").is_ok());
        let c = parse(STARTER).unwrap();
        assert_eq!(c.file.fail_on, Some(Severity::Error));
    }

    #[test]
    fn bad_severity_is_an_error_with_a_line() {
        let err = parse("severity:\n  a/b: fatal\n").unwrap_err();
        let AppError::ConfigFile(e) = err else {
            panic!("not a config error")
        };
        assert_eq!(e.line, 2);
    }

    #[test]
    fn excludes_folders_and_globs() {
        let c = Config::parse(
            &std::env::temp_dir().join(".livelint.yaml"),
            "exclude: [drafts, '*.bak.md']\n".into(),
        )
        .unwrap();
        let root = c.root.clone();
        assert!(c.excludes(&root.join("drafts/a/b.txt")));
        assert!(c.excludes(&root.join("x/old.bak.md")));
        assert!(!c.excludes(&root.join("scripts/a.txt")));
        assert!(!c.excludes(Path::new("/elsewhere/drafts/a.txt")));
    }

    #[test]
    fn include_limits_files() {
        let c = Config::parse(
            &std::env::temp_dir().join(".livelint.yaml"),
            "include: ['scripts/**']\n".into(),
        )
        .unwrap();
        assert!(!c.excludes(&c.root.join("scripts/a.txt")));
        assert!(c.excludes(&c.root.join("notes/a.txt")));
    }
}
