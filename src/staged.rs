//! `check --staged`: the STAGED content of the staged files, read from the git index, never from the working
//! tree. A fix made on disk but not staged does not hide a violation that is about to be committed, and a violation
//! left on disk but not staged does not stop a clean commit. Nothing is checked out or written.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::AppError;
use crate::source::kind_for_path;

/// One staged file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedFile {
    /// Path relative to the repository top, with forward slashes, as git prints it.
    pub display: String,
    /// The same file in the working tree (used for config globs and baseline keys, never read).
    pub path: PathBuf,
    /// The blob in the index.
    pub bytes: Vec<u8>,
}

/// The staged files of a repository.
#[derive(Debug, Clone, Default)]
pub struct Staged {
    /// The repository top: displayed paths are relative to it.
    pub root: PathBuf,
    /// Sorted by path.
    pub files: Vec<StagedFile>,
}

fn git_error(what: &str, detail: impl std::fmt::Display) -> AppError {
    AppError::Usage(format!("--staged: {what}: {detail}"))
}

/// Runs git with `args` in the current folder and returns its stdout; a failure carries git's stderr.
pub fn git(args: &[&str]) -> Result<Vec<u8>, AppError> {
    let out = Command::new("git")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| git_error("cannot run git", e))?;
    if !out.status.success() {
        return Err(git_error(
            &format!("git {}", args.join(" ")),
            String::from_utf8_lossy(&out.stderr).trim(),
        ));
    }
    Ok(out.stdout)
}

/// One record of `git diff --raw -z`: the new side's mode, blob id and path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RawEntry {
    mode: String,
    blob: String,
    path: String,
}

/// Parses `:old_mode new_mode old_sha new_sha STATUS\0path\0` records (renames are off, so one path each).
fn parse_raw(out: &[u8]) -> Vec<RawEntry> {
    let mut entries = Vec::new();
    let mut fields = out.split(|&b| b == 0);
    while let Some(header) = fields.next() {
        let Some(header) = std::str::from_utf8(header)
            .ok()
            .and_then(|h| h.strip_prefix(':'))
        else {
            continue;
        };
        let Some(path) = fields.next() else { break };
        let parts: Vec<&str> = header.split_whitespace().collect();
        if parts.len() < 5 {
            continue;
        }
        entries.push(RawEntry {
            mode: parts[1].to_string(),
            blob: parts[3].to_string(),
            path: String::from_utf8_lossy(path).into_owned(),
        });
    }
    entries
}

/// Reads blobs through one `git cat-file --batch` process.
fn read_blobs(ids: &[String]) -> Result<Vec<Vec<u8>>, AppError> {
    let mut child = Command::new("git")
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| git_error("cannot run git cat-file", e))?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(git_error("git cat-file", "no pipes"));
    };
    let request: String = ids.iter().map(|id| format!("{id}\n")).collect();
    // Write from a thread: git answers while it reads, and a full pipe must not block both sides.
    let result = std::thread::scope(|s| {
        let writer = s.spawn(move || stdin.write_all(request.as_bytes()));
        let mut reader = BufReader::new(stdout);
        let mut blobs = Vec::with_capacity(ids.len());
        for id in ids {
            let mut header = String::new();
            reader
                .read_line(&mut header)
                .map_err(|e| git_error("reading git cat-file", e))?;
            let parts: Vec<&str> = header.split_whitespace().collect();
            let size: usize = match parts.as_slice() {
                [_, "blob", size] => size
                    .parse()
                    .map_err(|e| git_error("git cat-file size", e))?,
                _ => {
                    return Err(git_error(
                        "git cat-file",
                        format!("{id}: {}", header.trim()),
                    ))
                }
            };
            let mut blob = vec![0u8; size + 1];
            reader
                .read_exact(&mut blob)
                .map_err(|e| git_error("reading git cat-file", e))?;
            blob.pop(); // the newline after each blob
            blobs.push(blob);
        }
        writer
            .join()
            .map_err(|_| git_error("git cat-file", "writer thread failed"))?
            .map_err(|e| git_error("writing to git cat-file", e))?;
        Ok(blobs)
    });
    let status = child.wait().map_err(|e| git_error("git cat-file", e))?;
    let blobs = result?;
    if !status.success() {
        return Err(git_error("git cat-file", status));
    }
    Ok(blobs)
}

/// The staged (added, copied, modified) regular files under `pathspecs` (all when empty) that a folder walk
/// would pick up, with their index content.
pub fn collect(pathspecs: &[PathBuf]) -> Result<Staged, AppError> {
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let root = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches(['\n', '\r']));
    let mut args: Vec<String> = [
        "-c",
        "diff.relative=false",
        "diff",
        "--cached",
        "--raw",
        "-z",
        "--no-renames",
        "--no-ext-diff",
        "--diff-filter=ACM",
        "--",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(pathspecs.iter().map(|p| p.to_string_lossy().into_owned()));
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let raw = git(&arg_refs)?;
    let mut entries: Vec<RawEntry> = parse_raw(&raw)
        .into_iter()
        // Regular files only: symlinks (120000) hold a target path, gitlinks (160000) a commit.
        .filter(|e| e.mode == "100644" || e.mode == "100755")
        .filter(|e| kind_for_path(Path::new(&e.path)).is_some())
        .collect();
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let ids: Vec<String> = entries.iter().map(|e| e.blob.clone()).collect();
    let blobs = if ids.is_empty() {
        Vec::new()
    } else {
        read_blobs(&ids)?
    };
    let files = entries
        .into_iter()
        .zip(blobs)
        .map(|(e, bytes)| StagedFile {
            path: root.join(&e.path),
            display: e.path,
            bytes,
        })
        .collect();
    Ok(Staged { root, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_raw_records() {
        let raw = b":000000 100644 0000000 1111111 A\0a b.txt\0:100644 120000 2222222 3333333 M\0link.md\0";
        let e = parse_raw(raw);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].path, "a b.txt");
        assert_eq!(e[0].blob, "1111111");
        assert_eq!(e[1].mode, "120000");
    }
}
