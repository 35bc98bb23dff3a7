//! Typed errors. Library code returns these; only `main.rs` turns them into exit codes.

use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// A rule pack that cannot be used. Fatal for the run (exit 2): auditing with a half-loaded pack would
/// silently miss violations.
#[derive(Debug, Error, Diagnostic)]
pub enum RuleError {
    /// The pack file could not be read.
    #[error("cannot read rule pack {path}: {source}")]
    #[diagnostic(code(livelint::rules::io))]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The pack is malformed; the span points into its YAML.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<InvalidPack>),
    /// The packs are valid but the matcher could not be built from them (too many phrases, say).
    #[error("cannot build the matcher from the rule packs: {0}")]
    #[diagnostic(code(livelint::rules::build))]
    Build(String),
    /// Several problems in one or more packs: all are shown at once so an author fixes them in one go.
    #[error("{} problems in rule packs", errors.len())]
    #[diagnostic(code(livelint::rules::invalid))]
    Many {
        /// Each problem.
        #[related]
        errors: Vec<RuleError>,
    },
}

impl RuleError {
    /// Builds an `Invalid` error pointing at `offset..offset+len` of the YAML `src` named `name`.
    pub fn invalid(
        name: &str,
        src: &str,
        offset: usize,
        len: usize,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> RuleError {
        let YamlPoint {
            offset,
            len,
            line,
            column,
        } = YamlPoint::new(src, offset, len);
        RuleError::Invalid(Box::new(InvalidPack {
            message: format!("{name}:{line}:{column}: {}", message.into()),
            src: NamedSource::new(name, src.to_string()).with_language("yaml"),
            span: (offset, len).into(),
            label: label.into(),
            help,
            line,
            column,
        }))
    }

    /// Folds a list of errors into one: none, the single one, or `Many`.
    pub fn collect(mut errors: Vec<RuleError>) -> Result<(), RuleError> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(RuleError::Many { errors }),
        }
    }
}

/// A place in a YAML file (rule pack or configuration) that a diagnostic points at: the byte span clamped to the
/// text, and its 1-based line and character column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YamlPoint {
    /// Byte offset, clamped to the text.
    pub offset: usize,
    /// Byte length, clamped to the text.
    pub len: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters (miette's own header counts bytes).
    pub column: usize,
}

impl YamlPoint {
    /// Clamps `offset..offset+len` to `src` and computes its line and column.
    pub fn new(src: &str, offset: usize, len: usize) -> YamlPoint {
        let offset = offset.min(src.len());
        let len = len.min(src.len() - offset);
        let before = &src[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        YamlPoint {
            offset,
            len,
            line,
            column,
        }
    }
}

/// A malformed pack, with the YAML and a pointer at the offending line.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(livelint::rules::invalid))]
pub struct InvalidPack {
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
    /// 1-based line, for plain-text reports and tests.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
}

/// A problem with one input file. Never fatal: it is listed in the report and the other files are scanned.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[error("{path}: {message}")]
#[diagnostic(code(livelint::input))]
pub struct InputError {
    /// The input, as displayed.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Errors that stop a run (exit code 2).
#[derive(Debug, Error, Diagnostic)]
pub enum AppError {
    /// A rule pack is broken.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Rules(Box<RuleError>),
    /// The command line is inconsistent.
    #[error("{0}")]
    #[diagnostic(code(livelint::usage))]
    Usage(String),
    /// A configuration file is malformed; the span points into its YAML.
    #[error(transparent)]
    #[diagnostic(transparent)]
    ConfigFile(Box<crate::config::ConfigError>),
    /// A configuration file is broken.
    #[error("{message}")]
    #[diagnostic(code(livelint::config))]
    Config {
        /// What is wrong, with the file and line.
        message: String,
    },
    /// Writing the report or another output failed.
    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(livelint::io))]
    Output {
        /// The output.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Reading an input that the run cannot go on without failed (stdin, a baseline).
    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(livelint::io))]
    Input {
        /// The input.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl From<RuleError> for AppError {
    fn from(e: RuleError) -> AppError {
        AppError::Rules(Box::new(e))
    }
}
