//! Turns the paths on the command line into a sorted list of inputs. Folders are walked; hidden entries are
//! skipped there (as ripgrep does) but a file named explicitly is always scanned.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::InputError;
use crate::rules::schema::Scope;
use crate::source::kind_for_path;

/// One file to scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    /// Path on disk.
    pub path: PathBuf,
    /// Path as shown in reports (forward slashes).
    pub display: String,
    /// How to read it.
    pub kind: Scope,
}

/// The walk's outcome: inputs to scan, and folders or entries that could not be read.
#[derive(Debug, Default)]
pub struct Walked {
    /// Sorted, without duplicates.
    pub inputs: Vec<Input>,
    /// Entries that could not be read.
    pub errors: Vec<InputError>,
    /// Hidden entries left out of folder walks.
    pub hidden: usize,
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.') && name != "." && name != ".."
}

/// Walks `paths` (files or folders) in sorted order.
pub fn walk(paths: &[PathBuf]) -> Walked {
    let mut out = Walked::default();
    for root in paths {
        match std::fs::metadata(root) {
            Err(e) => out.errors.push(InputError {
                path: display(root),
                message: format!("cannot read: {e}"),
            }),
            Ok(meta) if !meta.is_dir() => out.inputs.push(Input {
                path: root.clone(),
                display: display(root),
                kind: kind_for_path(root).unwrap_or(Scope::Script),
            }),
            Ok(_) => walk_dir(root, &mut out),
        }
    }
    out.inputs.sort();
    out.inputs.dedup_by(|a, b| a.path == b.path);
    out.errors.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn walk_dir(root: &Path, out: &mut Walked) {
    let mut it = WalkDir::new(root).sort_by_file_name().into_iter();
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(display).unwrap_or_else(|| display(root));
                let message = match e.io_error() {
                    Some(io) => format!("cannot read: {io}"),
                    None => e.to_string(),
                };
                out.errors.push(InputError { path, message });
                continue;
            }
        };
        if entry.depth() > 0 && is_hidden(&entry.file_name().to_string_lossy()) {
            out.hidden += 1;
            if entry.file_type().is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        if entry.path_is_symlink() {
            // A link in a walked folder is followed only to a file; a dangling one is an unreadable input.
            match std::fs::metadata(entry.path()) {
                Err(e) if kind_for_path(entry.path()).is_some() => {
                    out.errors.push(InputError {
                        path: display(entry.path()),
                        message: format!("cannot read: {e}"),
                    });
                    continue;
                }
                Ok(m) if m.is_file() => {}
                _ => continue,
            }
        } else if !entry.file_type().is_file() {
            continue;
        }
        if let Some(kind) = kind_for_path(entry.path()) {
            out.inputs.push(Input {
                path: entry.path().to_path_buf(),
                display: display(entry.path()),
                kind,
            });
        }
    }
}
