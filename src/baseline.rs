//! Baselines: accept the findings of an archive of old scripts once, and from then on report only new ones.
//!
//! An entry is a content fingerprint, never a line number: the rule, the normalized matched text and a few
//! normalized characters around it (cut at clause ends), plus a counter for identical fingerprints in the same
//! file. Inserting lines above a finding keeps it baselined (gitleaks' positional fingerprints break there), while
//! a new violation written on an old line has its own fingerprint and is reported.
//!
//! The file is JSON, sorted and stable, so it diffs well in review. It is written to a temporary file in the same
//! folder and renamed into place, so parallel hooks never see, or leave, half a file; livelint never checks out
//! other revisions in the working tree to compute it (the Semgrep baseline race).

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::config::absolute;
use crate::engine::context::is_clause_end;
use crate::error::AppError;
use crate::finding::Finding;
use crate::normalize::{fold_char, normalize_str};
use crate::report::Report;

/// Version of the baseline file format.
pub const VERSION: u32 = 1;

/// Characters of context kept on each side of a finding.
pub const CONTEXT_CHARS: usize = 8;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// File, relative to the baseline's folder (forward slashes).
    pub path: String,
    /// Rule id.
    pub rule: String,
    /// Normalized context with the match between « and ».
    pub fingerprint: String,
    /// 1 for the first finding with this fingerprint in the file, 2 for the second ...
    pub occurrence: u32,
}

/// The file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// Sorted entries.
    pub entries: Vec<Entry>,
}

/// What applying a baseline did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings hidden because they are in the baseline.
    pub hidden: usize,
    /// Entries for scanned files that matched no finding: fixed, or edited beyond recognition.
    pub stale: Vec<Entry>,
}

fn context_side(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    let mut n = 0;
    for c in chars {
        if c == '\n' || is_clause_end(fold_char(c)) {
            break;
        }
        if c.is_whitespace() {
            continue;
        }
        out.push(c);
        n += 1;
        if n == CONTEXT_CHARS {
            break;
        }
    }
    out
}

/// The fingerprint of a finding in `text`: normalized `before«matched»after`, the sides cut at clause ends so
/// that a clause added after an accepted one does not change it.
pub fn fingerprint(text: &str, f: &Finding) -> String {
    let before_raw: String = {
        let mut v: Vec<char> = context_side(text[..f.span.start.min(text.len())].chars().rev())
            .chars()
            .collect();
        v.reverse();
        v.into_iter().collect()
    };
    let after_raw = context_side(text.get(f.span.end..).unwrap_or_default().chars());
    let matched: String = normalize_str(&f.matched)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    format!(
        "{}«{}»{}",
        normalize_str(&before_raw),
        matched,
        normalize_str(&after_raw)
    )
}

/// The path key of a file: relative to the baseline's folder (with `..` where needed), so the baseline applies
/// whatever folder livelint runs from; as displayed when there is no relative path (stdin, another drive).
fn path_key(base_dir: &Path, fs_path: &Path, display: &str) -> String {
    let abs = absolute(fs_path);
    let a: Vec<Component> = abs.components().collect();
    let b: Vec<Component> = base_dir.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 || common == a.len() {
        return display.to_string();
    }
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        a[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Entries of one file's findings, in finding order, with occurrence counters.
fn entries_of(path: &str, text: &str, findings: &[Finding]) -> Vec<Entry> {
    let mut seen: BTreeMap<(String, String), u32> = BTreeMap::new();
    findings
        .iter()
        .map(|f| {
            let fp = fingerprint(text, f);
            let n = seen.entry((f.rule.id.clone(), fp.clone())).or_insert(0);
            *n += 1;
            Entry {
                path: path.to_string(),
                rule: f.rule.id.clone(),
                fingerprint: fp,
                occurrence: *n,
            }
        })
        .collect()
}

/// Locates the files of a report: `root` joined with the displayed path (the current folder for ordinary runs,
/// the repository top for `--staged`).
#[derive(Debug, Clone)]
pub struct Paths {
    /// Folder the displayed paths are relative to.
    pub root: PathBuf,
}

impl Baseline {
    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, AppError> {
        let text = std::fs::read_to_string(path).map_err(|source| AppError::Input {
            path: path.to_path_buf(),
            source,
        })?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| AppError::Config {
            message: format!(
                "{}:{}:{}: bad baseline: {e}",
                path.display(),
                e.line(),
                e.column()
            ),
        })?;
        if b.version != VERSION {
            return Err(AppError::Config {
                message: format!(
                    "{}: baseline version {} is not supported (expected {VERSION})",
                    path.display(),
                    b.version
                ),
            });
        }
        Ok(b)
    }

    /// The baseline of every finding in a report. The report must keep its files' texts (`FileReport::source`).
    pub fn from_report(report: &Report, paths: &Paths, baseline_file: &Path) -> Baseline {
        let base_dir = baseline_dir(baseline_file);
        let mut entries = Vec::new();
        for file in &report.files {
            if file.findings.is_empty() {
                continue;
            }
            let text = file.source.as_deref().unwrap_or_default();
            let key = path_key(&base_dir, &paths.root.join(&file.path), &file.path);
            entries.extend(entries_of(&key, text, &file.findings));
        }
        entries.sort();
        Baseline {
            version: VERSION,
            entries,
        }
    }

    /// Writes the baseline atomically: a temporary file in the same folder, then a rename.
    pub fn write(&self, path: &Path) -> Result<(), AppError> {
        let out = |source| AppError::Output {
            path: path.to_path_buf(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map_or_else(|| "baseline".into(), |n| n.to_string_lossy().into_owned());
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        std::fs::create_dir_all(&dir).map_err(out)?;
        let tmp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
        let mut json =
            serde_json::to_vec_pretty(self).map_err(|e| out(std::io::Error::other(e)))?;
        json.push(b'\n');
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(&json)?;
            f.sync_all()
        });
        if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(out(e));
        }
        Ok(())
    }

    /// Removes the baselined findings from a report (which must keep its files' texts) and returns what was hidden and which entries of the scanned
    /// files matched nothing. Entries of files not scanned in this run are left alone.
    pub fn apply(&self, report: &mut Report, paths: &Paths, baseline_file: &Path) -> Applied {
        let base_dir = baseline_dir(baseline_file);
        let mut remaining: HashSet<&Entry> = self.entries.iter().collect();
        let mut scanned: HashSet<String> = HashSet::new();
        let mut hidden = 0;
        for file in &mut report.files {
            let key = path_key(&base_dir, &paths.root.join(&file.path), &file.path);
            scanned.insert(key.clone());
            if file.findings.is_empty() {
                continue;
            }
            let text = file.source.as_deref().unwrap_or_default();
            let entries = entries_of(&key, text, &file.findings);
            let mut keep = entries.iter().map(|e| !remaining.remove(e));
            let before = file.findings.len();
            file.findings.retain(|_| keep.next().unwrap_or(true));
            hidden += before - file.findings.len();
        }
        let mut stale: Vec<Entry> = remaining
            .into_iter()
            .filter(|e| scanned.contains(&e.path))
            .cloned()
            .collect();
        stale.sort();
        report.recount();
        Applied { hidden, stale }
    }
}

fn baseline_dir(baseline_file: &Path) -> PathBuf {
    let abs = absolute(baseline_file);
    abs.parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, ScanContext};
    use crate::rules::{pack, RuleSet};
    use std::sync::Arc;

    fn scan(text: &str) -> Vec<Finding> {
        let set = RuleSet::from_sources(&pack::embedded()).unwrap();
        Engine::new(Arc::new(set))
            .unwrap()
            .scan_text(text, &ScanContext::default())
            .unwrap()
    }

    #[test]
    fn fingerprint_ignores_line_moves_and_following_clauses() {
        let a = "这是全网最好的面霜\n";
        let b = "家人们晚上好\n\n这是全网最好的面霜，今天上新\n";
        let fa = scan(a);
        let fb = scan(b);
        assert_eq!(fingerprint(a, &fa[0]), "这是全网«最好»的面霜");
        assert_eq!(fingerprint(a, &fa[0]), fingerprint(b, &fb[0]));
    }

    #[test]
    fn path_keys_are_relative_to_the_baseline_folder() {
        let base = absolute(Path::new("/srv/proj/base"));
        assert_eq!(
            path_key(&base, Path::new("/srv/proj/a.txt"), "x"),
            "../a.txt"
        );
        assert_eq!(
            path_key(&base, Path::new("/srv/proj/base/s/b.txt"), "x"),
            "s/b.txt"
        );
    }

    #[test]
    fn identical_findings_get_counters() {
        let t = "最好\n最好\n";
        let fs = scan(t);
        let es = entries_of("a.txt", t, &fs);
        assert_eq!(
            es.iter().map(|e| e.occurrence).collect::<Vec<_>>(),
            vec![1, 2]
        );
    }
}
