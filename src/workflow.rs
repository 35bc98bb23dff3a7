//! The commands and steps of a team's workflow around `check`: the project config, `init`, the git hook, the
//! live stream and baselines. `app.rs` calls into here so the check pipeline itself stays short.

use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::app::load_rules;
use crate::baseline::{self, Baseline};
use crate::cli::{ConfigArgs, FailOn, HookCommand, RuleArgs, WatchArgs, WatchFormat};
use crate::config::{self, ConfigChoice, Settings};
use crate::engine::Engine;
use crate::error::AppError;
use crate::finding::Severity;
use crate::hook;
use crate::report::Report;
use crate::rules::RuleSet;
use crate::stream::{self, StreamFormat};

/// Severity of a `--fail-on` value.
pub fn fail_on_severity(f: FailOn) -> Severity {
    match f {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    }
}

/// Loads the configuration chosen by the flags.
pub fn settings(args: &ConfigArgs) -> Result<Settings, AppError> {
    Settings::load(&ConfigChoice {
        file: args.config.clone(),
        none: args.no_config,
    })
}

/// The threshold: the flag, else the config, else errors.
pub fn threshold(flag: Option<FailOn>, settings: &Settings) -> Severity {
    flag.map(fail_on_severity)
        .or(settings.fail_on)
        .unwrap_or(Severity::Error)
}

/// Loads the packs of the flags plus the config's extra folders, then applies the config's switches.
pub fn rule_set(args: &RuleArgs, settings: &Settings) -> Result<RuleSet, AppError> {
    let mut args = args.clone();
    args.rules.extend(settings.rules.iter().cloned());
    let mut set = load_rules(&args)?;
    if let Some(c) = &settings.config {
        c.apply_rules(&mut set)?;
    }
    Ok(set)
}

/// `livelint init`.
pub fn init() -> Result<String, AppError> {
    let path = Path::new(config::FILE_NAMES[0]);
    if let Some(existing) = config::FILE_NAMES
        .iter()
        .map(Path::new)
        .find(|p| p.exists())
    {
        return Err(AppError::Usage(format!(
            "{} already exists; livelint init never overwrites a configuration",
            existing.display()
        )));
    }
    // create_new: a file appearing between the check and the write is not overwritten either.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|source| AppError::Output {
            path: path.to_path_buf(),
            source,
        })?;
    f.write_all(config::STARTER.as_bytes())
        .map_err(|source| AppError::Output {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(format!("wrote {}\n", path.display()))
}

/// `livelint hook install|uninstall`.
pub fn hook(cmd: HookCommand) -> Result<String, AppError> {
    let dir = hook::hooks_dir()?;
    let outcome = match cmd {
        HookCommand::Install { force, use_path } => {
            let exe = if use_path {
                None
            } else {
                Some(
                    std::env::current_exe()
                        .and_then(|p| p.canonicalize())
                        .map_err(|source| AppError::Input {
                            path: PathBuf::from("livelint"),
                            source,
                        })?,
                )
            };
            hook::install_into(&dir, force, exe.as_deref())?
        }
        HookCommand::Uninstall => hook::uninstall_from(&dir)?,
    };
    Ok(format!("{outcome}\n"))
}

/// `livelint watch` and `check --stream`: returns whether a finding reached the threshold.
pub fn watch(args: &WatchArgs) -> Result<bool, AppError> {
    let settings = settings(&args.config)?;
    let set = rule_set(&args.rules, &settings)?;
    let engine = Engine::new(Arc::new(set))?;
    let format = match args.format {
        WatchFormat::Human => StreamFormat::Human,
        WatchFormat::Jsonl => StreamFormat::Jsonl,
    };
    let threshold = threshold(args.fail_on, &settings);
    let stdin = io::stdin();
    let mut input: Box<dyn BufRead> = if args.input.as_os_str() == "-" {
        Box::new(stdin.lock())
    } else {
        let f = std::fs::File::open(&args.input).map_err(|source| AppError::Input {
            path: args.input.clone(),
            source,
        })?;
        Box::new(BufReader::new(f))
    };
    let name = if args.input.as_os_str() == "-" {
        args.stdin_name.clone()
    } else {
        args.input.to_string_lossy().into_owned()
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match stream::run(&engine, &settings, &mut input, &mut out, &name, format) {
        Ok(summary) => Ok(summary.fails(threshold)),
        // The reader of a live stream went away (`| head`): stop quietly.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(source) => Err(AppError::Output {
            path: PathBuf::from("-"),
            source,
        }),
    }
}

/// Writes or applies a baseline to a finished report, printing notes on stderr. `root` is the folder the
/// report's paths are relative to.
pub fn baselines(
    report: &mut Report,
    root: &Path,
    write: Option<&Path>,
    apply: Option<&Path>,
) -> Result<(), AppError> {
    let paths = baseline::Paths {
        root: root.to_path_buf(),
    };
    let mut err = io::stderr().lock();
    if let Some(file) = write {
        let b = Baseline::from_report(report, &paths, file);
        b.write(file)?;
        let applied = b.apply(report, &paths, file);
        let _ = writeln!(
            err,
            "note: wrote {} baseline entries to {}",
            applied.hidden,
            file.display()
        );
        return Ok(());
    }
    let Some(file) = apply else { return Ok(()) };
    if !file.exists() {
        return Err(AppError::Config {
            message: format!(
                "baseline {} does not exist; create it with --write-baseline {}",
                file.display(),
                file.display()
            ),
        });
    }
    let b = Baseline::load(file)?;
    let applied = b.apply(report, &paths, file);
    if applied.hidden > 0 {
        let _ = writeln!(
            err,
            "note: {} finding{} hidden by the baseline {}",
            applied.hidden,
            if applied.hidden == 1 { "" } else { "s" },
            file.display()
        );
    }
    for e in &applied.stale {
        let _ = writeln!(
            err,
            "note: baseline entry matches nothing (fixed? rewrite the baseline): {}: {} {} #{}",
            e.path, e.rule, e.fingerprint, e.occurrence
        );
    }
    Ok(())
}
