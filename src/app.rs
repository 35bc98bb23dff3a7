//! The run: load packs -> build the engine -> collect inputs -> parallel scan -> sort -> report.
//! Returns an exit status; `main.rs` prints errors and exits.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::cli::{CheckArgs, Cli, ColorChoice, Command, FailOn, FormatArg, RuleArgs, RulesCommand};
use crate::engine::Engine;
use crate::error::{AppError, InputError};
use crate::examples::run_examples;
use crate::finding::Severity;
use crate::report::{self, FileReport, Format, RenderOptions, Report, Skipped};
use crate::rules::schema::Scope;
use crate::rules::{pack, PackSource, RuleSet};
use crate::source::{self, decode, Loaded, SkipReason};
use crate::walk;

/// Exit status of a run that did not fail with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing at or above the threshold.
    Clean,
    /// Findings at or above the threshold, or failing rule examples.
    Findings,
    /// The run finished but some inputs could not be read: the audit is incomplete.
    InputErrors,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<Status, AppError> {
    let color = use_color(cli.color);
    match cli.command {
        Command::Check(args) => check(args, color),
        Command::Rules(cmd) => rules_command(cmd),
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && io::stdout().is_terminal(),
    }
}

/// Loads the default packs (unless disabled) and the `--rules` paths.
pub fn load_rules(args: &RuleArgs) -> Result<RuleSet, AppError> {
    let mut sources: Vec<PackSource> = Vec::new();
    if !args.no_default_rules {
        sources.extend(pack::embedded());
    }
    for p in &args.rules {
        sources.extend(pack::read_path(p)?);
    }
    if sources.is_empty() {
        return Err(AppError::Usage(
            "no rule packs: --no-default-rules needs at least one --rules PATH".into(),
        ));
    }
    Ok(RuleSet::from_sources(&sources)?)
}

fn severity_of(f: FailOn) -> Severity {
    match f {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    }
}

enum Outcome {
    File(FileReport, u64),
    Skipped(Skipped),
    Error(InputError),
}

fn scan_one(
    engine: &Engine,
    loaded: Result<Loaded, InputError>,
    display: &str,
    keep_source: bool,
) -> Outcome {
    match loaded {
        Err(e) => Outcome::Error(e),
        Ok(Loaded::Skipped(SkipReason::Binary)) => Outcome::Skipped(Skipped {
            path: display.to_string(),
            reason: "binary file".into(),
        }),
        Ok(Loaded::Doc(doc)) => match engine.scan_document(&doc) {
            Ok(findings) => {
                let bytes = doc.text.len() as u64;
                Outcome::File(
                    FileReport {
                        path: doc.path.clone(),
                        source: keep_source.then(|| Arc::from(doc.text.as_str())),
                        findings,
                    },
                    bytes,
                )
            }
            Err(e) => Outcome::Error(InputError {
                path: display.to_string(),
                message: format!("scan failed: {e}"),
            }),
        },
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn check(args: CheckArgs, color: bool) -> Result<Status, AppError> {
    let started = Instant::now();
    let set = load_rules(&args.rules)?;
    let mut engine = Engine::new(Arc::new(set))?;
    if let Some(bytes) = args.chunk_bytes {
        engine = engine.with_chunk_bytes(bytes);
    }
    let forced = match &args.encoding {
        Some(label) => Some(decode::by_label(label).ok_or_else(|| {
            AppError::Usage(format!(
                "unknown encoding `{label}` (try utf-8, gb18030, utf-16le)"
            ))
        })?),
        None => None,
    };
    let format = match args.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
    };
    let keep_source = format == Format::Human;

    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let use_stdin = paths.iter().any(|p| p.as_os_str() == "-");
    let file_paths: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let walked = walk::walk(&file_paths);
    if let Some(out) = &args.output {
        if let Some(input) = walked.inputs.iter().find(|i| same_file(&i.path, out)) {
            return Err(AppError::Usage(format!(
                "--output {} is one of the audited files; livelint never writes to its inputs",
                input.display
            )));
        }
    }

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .map_err(|e| {
            AppError::Usage(format!(
                "cannot start {} threads: {e}",
                args.jobs.unwrap_or(0)
            ))
        })?;
    let mut outcomes: Vec<Outcome> = pool.install(|| {
        walked
            .inputs
            .par_iter()
            .map(|input| {
                let loaded = source::load_path(&input.path, &input.display, input.kind, forced);
                scan_one(&engine, loaded, &input.display, keep_source)
            })
            .collect()
    });
    if use_stdin {
        let mut bytes = Vec::new();
        io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|source| AppError::Input {
                path: PathBuf::from("-"),
                source,
            })?;
        let loaded = source::load_bytes(&args.stdin_name, Scope::Script, &bytes, forced);
        outcomes.push(scan_one(&engine, loaded, &args.stdin_name, keep_source));
    }

    let mut report = Report {
        errors: walked.errors,
        ..Report::default()
    };
    for o in outcomes {
        match o {
            Outcome::File(f, bytes) => {
                report.summary.files += 1;
                report.summary.bytes += bytes;
                report.files.push(f);
            }
            Outcome::Skipped(s) => report.skipped.push(s),
            Outcome::Error(e) => report.errors.push(e),
        }
    }
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    report.errors.sort_by(|a, b| a.path.cmp(&b.path));
    report.recount();
    report.summary.elapsed = started.elapsed();

    let opts = RenderOptions {
        color: color && args.output.is_none(),
        width: None,
        no_timing: args.no_timing,
    };
    write_report(&report, format, opts, args.output.as_deref())?;

    Ok(if !report.errors.is_empty() {
        Status::InputErrors
    } else if report.fails(severity_of(args.fail_on)) {
        Status::Findings
    } else {
        Status::Clean
    })
}

/// Streams the report through a buffer instead of rendering it whole first: a report of a 100 MB input is
/// tens of MB of JSON, which would otherwise sit in memory beside the input (issue 6, peak memory).
fn write_report(
    report: &Report,
    format: Format,
    opts: RenderOptions,
    output: Option<&Path>,
) -> Result<(), AppError> {
    let out_err = |source| AppError::Output {
        path: output.map_or_else(|| PathBuf::from("-"), Path::to_path_buf),
        source,
    };
    match output {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(out_err)?;
            let mut w = io::BufWriter::with_capacity(1 << 16, file);
            report::render(report, format, opts, &mut w)
                .and_then(|()| w.flush())
                .map_err(out_err)
        }
        None => {
            let mut w = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
            report::render(report, format, opts, &mut w)
                .and_then(|()| w.flush())
                .or_else(ignore_broken_pipe)
                .map_err(out_err)
        }
    }
}

/// `livelint check | head` must not end in an error.
fn ignore_broken_pipe(e: io::Error) -> io::Result<()> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

fn print(text: &str) -> Result<(), AppError> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .or_else(ignore_broken_pipe)
        .map_err(|source| AppError::Output {
            path: PathBuf::from("-"),
            source,
        })
}

fn rules_command(cmd: RulesCommand) -> Result<Status, AppError> {
    match cmd {
        RulesCommand::List { rules } => {
            let set = load_rules(&rules)?;
            let mut s = String::new();
            let w = set
                .rules
                .iter()
                .map(|r| r.meta.id.chars().count())
                .max()
                .unwrap_or(0);
            for r in &set.rules {
                s.push_str(&format!(
                    "{:<w$}  {:<24}  {:<7}  {}\n",
                    r.meta.id,
                    r.meta.category.as_str(),
                    r.meta.severity.as_str(),
                    r.meta.law.join("; "),
                ));
            }
            s.push_str(&format!(
                "{} rules in {} packs\n",
                set.rules.len(),
                set.packs.len()
            ));
            print(&s)?;
            Ok(Status::Clean)
        }
        RulesCommand::Explain { id, rules } => {
            let set = load_rules(&rules)?;
            let rule = set.get(&id).ok_or_else(|| {
                AppError::Usage(format!(
                    "no rule `{id}`; `livelint rules list` shows the ids"
                ))
            })?;
            print(&explain(rule))?;
            Ok(Status::Clean)
        }
        RulesCommand::Test { paths } => {
            let set = if paths.is_empty() {
                load_rules(&RuleArgs {
                    rules: vec![],
                    no_default_rules: false,
                })?
            } else {
                load_rules(&RuleArgs {
                    rules: paths,
                    no_default_rules: true,
                })?
            };
            let engine = Engine::new(Arc::new(set))?;
            let run = run_examples(&engine);
            let mut s = String::new();
            for f in &run.failures {
                s.push_str(&format!(
                    "FAIL {} ({})\n  example:  {}\n  expected: {}\n  actual:   {}\n",
                    f.rule, f.source, f.example, f.expected, f.actual
                ));
            }
            s.push_str(&format!(
                "{} passed, {} failed ({} rules)\n",
                run.total - run.failures.len(),
                run.failures.len(),
                engine.rules().rules.len()
            ));
            print(&s)?;
            Ok(if run.failures.is_empty() {
                Status::Clean
            } else {
                Status::Findings
            })
        }
    }
}

/// The text of `rules explain`.
pub fn explain(rule: &crate::rules::Rule) -> String {
    let m = &rule.meta;
    let mut s = format!(
        "{}  {}\ncategory: {}\nseverity: {}\nlaw:      {}\nhelp:     {}\npack:     {}\n",
        m.id,
        m.title,
        m.category,
        m.severity,
        m.law.join("; "),
        m.help,
        rule.source
    );
    if !rule.products.is_empty() {
        s.push_str("applies to products: ");
        let names: Vec<String> = rule.products.iter().map(|p| format!("{p:?}")).collect();
        s.push_str(&names.join(", "));
        s.push('\n');
    }
    s.push_str("examples:\n");
    for ex in &rule.examples {
        let tag = if ex.must_flag { "flag" } else { "pass" };
        s.push_str(&format!("  {tag}: {}\n", ex.raw));
    }
    s
}
