//! `livelint hook install|uninstall`: the native git pre-commit hook.
//!
//! The hooks folder comes from `git rev-parse --git-path hooks`, which follows linked worktrees and
//! `core.hooksPath`. A hook livelint wrote carries [`MARKER`]; any other hook is foreign and is only replaced with
//! `--force` (it is then kept as `pre-commit.livelint-backup` and restored on uninstall).

use std::path::{Path, PathBuf};

use crate::error::AppError;
use crate::staged::git;

/// The line that marks a hook as livelint's.
pub const MARKER: &str = "# livelint-hook: pre-commit v1";

/// Where a foreign hook is kept when `--force` replaces it.
pub const BACKUP_SUFFIX: &str = ".livelint-backup";

/// What install or uninstall did, for the message on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new hook was written.
    Installed(PathBuf),
    /// Our own hook was rewritten (a new binary path, say).
    Updated(PathBuf),
    /// A foreign hook was moved to the backup path and ours written.
    Replaced {
        /// The hook.
        hook: PathBuf,
        /// Where the foreign one went.
        backup: PathBuf,
    },
    /// Our hook was removed.
    Removed(PathBuf),
    /// Our hook was removed and the foreign one it had replaced put back.
    Restored(PathBuf),
    /// There was no livelint hook.
    NotInstalled(PathBuf),
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Installed(p) => write!(f, "installed the pre-commit hook at {}", p.display()),
            Outcome::Updated(p) => write!(f, "updated the pre-commit hook at {}", p.display()),
            Outcome::Replaced { hook, backup } => write!(
                f,
                "installed the pre-commit hook at {} (the previous hook is kept as {})",
                hook.display(),
                backup.display()
            ),
            Outcome::Removed(p) => write!(f, "removed the pre-commit hook at {}", p.display()),
            Outcome::Restored(p) => write!(
                f,
                "removed the livelint hook and restored the previous hook at {}",
                p.display()
            ),
            Outcome::NotInstalled(p) => write!(f, "no livelint hook at {}", p.display()),
        }
    }
}

/// The hooks folder of the repository around the current folder.
pub fn hooks_dir() -> Result<PathBuf, AppError> {
    let out = git(&["rev-parse", "--git-path", "hooks"])?;
    Ok(PathBuf::from(
        String::from_utf8_lossy(&out).trim_end_matches(['\n', '\r']),
    ))
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The hook script. It runs the binary that installed it (by absolute path) and falls back to `livelint` on
/// `PATH` when that binary is gone; with `binary = None` it always uses `PATH`.
pub fn script(binary: Option<&Path>) -> String {
    let bin = match binary {
        Some(b) => format!(
            "livelint_bin={}\nif [ ! -x \"$livelint_bin\" ]; then livelint_bin=livelint; fi\n",
            sh_quote(&b.to_string_lossy())
        ),
        None => "livelint_bin=livelint\n".to_string(),
    };
    format!(
        "#!/bin/sh\n{MARKER}\n\
         # Written by `livelint hook install`; `livelint hook uninstall` removes it.\n\
         # Audits the STAGED content of staged files; findings at or above fail-on stop the commit.\n\
         # Skip it once with `git commit --no-verify`.\n\
         {bin}exec \"$livelint_bin\" check --staged\n"
    )
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> AppError + '_ {
    move |source| AppError::Output {
        path: path.to_path_buf(),
        source,
    }
}

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|s| s.lines().any(|l| l.trim() == MARKER))
}

fn backup_path(hook: &Path) -> PathBuf {
    let mut s = hook.as_os_str().to_owned();
    s.push(BACKUP_SUFFIX);
    PathBuf::from(s)
}

/// Installs the hook into `dir`.
pub fn install_into(dir: &Path, force: bool, binary: Option<&Path>) -> Result<Outcome, AppError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let hook = dir.join("pre-commit");
    let existed = hook.symlink_metadata().is_ok();
    let ours = existed && is_ours(&hook);
    let mut outcome = if ours {
        Outcome::Updated(hook.clone())
    } else {
        Outcome::Installed(hook.clone())
    };
    if existed && !ours {
        if !force {
            return Err(AppError::Usage(format!(
                "{} exists and was not written by livelint; use --force to replace it (it is kept as {})",
                hook.display(),
                backup_path(&hook).display()
            )));
        }
        let backup = backup_path(&hook);
        std::fs::rename(&hook, &backup).map_err(io_err(&hook))?;
        outcome = Outcome::Replaced {
            hook: hook.clone(),
            backup,
        };
    }
    std::fs::write(&hook, script(binary)).map_err(io_err(&hook))?;
    make_executable(&hook)?;
    Ok(outcome)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), AppError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(io_err(path))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<(), AppError> {
    Ok(())
}

/// Removes our hook from `dir`; a foreign hook is left alone (an error), a backup is put back.
pub fn uninstall_from(dir: &Path) -> Result<Outcome, AppError> {
    let hook = dir.join("pre-commit");
    if hook.symlink_metadata().is_err() {
        return Ok(Outcome::NotInstalled(hook));
    }
    if !is_ours(&hook) {
        return Err(AppError::Usage(format!(
            "{} was not written by livelint; leaving it alone",
            hook.display()
        )));
    }
    std::fs::remove_file(&hook).map_err(io_err(&hook))?;
    let backup = backup_path(&hook);
    if backup.is_file() {
        std::fs::rename(&backup, &hook).map_err(io_err(&hook))?;
        return Ok(Outcome::Restored(hook));
    }
    Ok(Outcome::Removed(hook))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_is_marked_and_quotes_the_path() {
        let s = script(Some(Path::new("/opt/it's here/livelint")));
        assert!(s.starts_with("#!/bin/sh\n"));
        assert!(s.lines().any(|l| l == MARKER));
        assert!(s.contains(r"'/opt/it'\''s here/livelint'"));
        assert!(s.contains("check --staged"));
        assert!(script(None).contains("livelint_bin=livelint\n"));
    }
}
