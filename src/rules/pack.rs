//! Where packs come from: the ones embedded in the binary, and files or folders named with `--rules`.

use std::path::Path;

use walkdir::WalkDir;

use crate::error::RuleError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// A pack's YAML text and the name errors use for it.
#[derive(Debug, Clone)]
pub struct PackSource {
    /// Path as shown in errors.
    pub name: String,
    /// YAML text.
    pub text: String,
}

/// The default packs compiled into the binary from `rules/**/*.yaml`.
pub fn embedded() -> Vec<PackSource> {
    embedded::EMBEDDED_PACKS
        .iter()
        .map(|(name, text, _)| PackSource {
            name: (*name).to_string(),
            text: (*text).to_string(),
        })
        .collect()
}

/// The JSON form of `text` made when livelint was built, if `text` is the embedded pack `name` unchanged:
/// parsing it is several times faster than parsing the YAML (issue 6: start-up).
pub fn embedded_json(name: &str, text: &str) -> Option<&'static str> {
    embedded::EMBEDDED_PACKS
        .iter()
        .find(|(n, t, _)| *n == name && *t == text)
        .and_then(|(_, _, json)| *json)
}

/// Reads a pack file, or every `*.yaml`/`*.yml` below a folder (sorted, so ids and errors are stable).
pub fn read_path(path: &Path) -> Result<Vec<PackSource>, RuleError> {
    let io = |source| RuleError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let mut files = Vec::new();
    if meta.is_dir() {
        for entry in WalkDir::new(path).sort_by_file_name() {
            let entry = entry.map_err(|e| RuleError::Io {
                path: e.path().unwrap_or(path).to_path_buf(),
                source: e
                    .into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("walk error")),
            })?;
            let p = entry.path();
            if entry.file_type().is_file()
                && p.extension().is_some_and(|e| e == "yaml" || e == "yml")
            {
                files.push(p.to_path_buf());
            }
        }
    } else {
        files.push(path.to_path_buf());
    }
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).map_err(|source| RuleError::Io {
                path: f.clone(),
                source,
            })?;
            Ok(PackSource {
                name: f.display().to_string(),
                text,
            })
        })
        .collect()
}
