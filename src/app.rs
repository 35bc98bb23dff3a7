//! The run: load packs -> build the engine -> collect inputs -> parallel scan -> sort -> report.
//! Returns an exit status; `main.rs` prints errors and exits.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::cli::{
    CheckArgs, Cli, ColorChoice, Command, FormatArg, KindArg, RuleArgs, RulesCommand, WatchArgs,
    WatchFormat,
};
use crate::config::Settings;
use crate::engine::crosscheck::{CrossChecker, ProductIndex};
use crate::engine::{listing, Engine};
use crate::error::{AppError, InputError};
use crate::examples::run_examples;
use crate::placement::Placement;
use crate::prefetch::{self, Prefetched};
use crate::report::{self, FileReport, Format, RenderOptions, Report, Skipped};
use crate::rules::cache::PackCache;
use crate::rules::schema::Scope;
use crate::rules::{pack, PackSource, RuleSet};
use crate::source::transcript::TranscriptFormat;
use crate::source::{self, decode, Loaded, SkipReason};
use crate::{adapt, staged, suppress, walk, workflow};

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
        Command::Init => print(&workflow::init()?).map(|()| Status::Clean),
        Command::Hook(cmd) => print(&workflow::hook(cmd)?).map(|()| Status::Clean),
        Command::Watch(args) => watch(&args),
    }
}

fn watch(args: &WatchArgs) -> Result<Status, AppError> {
    Ok(if workflow::watch(args)? {
        Status::Findings
    } else {
        Status::Clean
    })
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && io::stdout().is_terminal(),
    }
}

/// Loads the default packs (unless disabled) and the `--rules` paths, the latter through the cache of parsed
/// packs unless `--no-cache` (rules/cache.rs).
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
    let cache = if args.no_cache || args.rules.is_empty() {
        None
    } else {
        PackCache::from_env()
    };
    Ok(RuleSet::from_sources_cached(&sources, cache.as_ref())?)
}

enum Outcome {
    File(FileReport, u64),
    Skipped(Skipped),
    Error(InputError),
}

fn scan_one(
    engine: &Engine,
    xcheck: &CrossChecker<'_>,
    loaded: Result<Loaded, InputError>,
    display: &str,
    keep_source: bool,
    settings: &Settings,
) -> Outcome {
    match loaded {
        Err(e) => Outcome::Error(e),
        Ok(Loaded::Skipped(reason)) => Outcome::Skipped(Skipped {
            path: display.to_string(),
            reason: reason.describe().into(),
        }),
        Ok(Loaded::Doc(mut doc)) => match xcheck
            .tie(&mut doc)
            .map(|tie| (engine.scan_document(&doc), tie))
        {
            Err(e) => Outcome::Error(e),
            Ok((Ok(mut findings), tie)) => {
                xcheck.check(&doc, &tie, &mut findings);
                // Transcript findings point into the file itself, where its directives are too.
                suppress::apply(doc.file_text(), &mut findings);
                settings.apply_findings(&mut findings);
                let bytes = doc.file_text().len() as u64;
                Outcome::File(
                    FileReport {
                        path: doc.path.clone(),
                        // Only files with findings are rendered with their text: keeping every file's text
                        // would hold a whole tree in memory.
                        source: (keep_source && !findings.is_empty())
                            .then(|| Arc::from(doc.file_text())),
                        findings,
                    },
                    bytes,
                )
            }
            Ok((Err(e), _)) => Outcome::Error(InputError {
                path: display.to_string(),
                message: format!("scan failed: {e}"),
            }),
        },
    }
}

/// What `--stdin-kind` reads stdin as.
fn stdin_kind(kind: KindArg) -> (Scope, Option<TranscriptFormat>) {
    match kind {
        KindArg::Script => (Scope::Script, None),
        KindArg::Srt => (Scope::Transcript, Some(TranscriptFormat::Srt)),
        KindArg::Vtt => (Scope::Transcript, Some(TranscriptFormat::Vtt)),
        KindArg::AsrJson => (Scope::Transcript, Some(TranscriptFormat::AsrJson)),
        KindArg::Jsonl => (Scope::Transcript, Some(TranscriptFormat::JsonLines)),
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
    let mut settings = workflow::settings(&args.config)?;
    settings.force_exclude = args.force_exclude;
    if args.stream {
        if args.paths.len() > 1 {
            return Err(AppError::Usage(
                "--stream reads one stream: `-` for stdin or one saved log".into(),
            ));
        }
        return watch(&WatchArgs {
            input: args.paths.first().cloned().unwrap_or_else(|| "-".into()),
            rules: args.rules.clone(),
            config: args.config.clone(),
            format: match args.format {
                FormatArg::Human => WatchFormat::Human,
                _ => WatchFormat::Jsonl,
            },
            fail_on: args.fail_on,
            stdin_name: args.stdin_name.clone(),
        });
    }
    let baseline_file = args.baseline.clone().or_else(|| settings.baseline.clone());
    // The thread that runs the check is one of the pool's threads rather than one that waits for them: a run
    // starts one thread fewer, and a pre-commit run on one script, a few milliseconds, took 3-5% less time
    // (issue 6). Only `join` and parallel iterators run on the pool, which this thread takes part in; nothing is
    // spawned onto it that this thread would have to pick up. `--jobs 1` runs everything on this thread.
    // The pool is a local one, not rayon's global pool: `build_global` waits until every new thread has
    // started, 0.3 ms of a run here (more on a busy machine), while this thread could be loading the packs.
    // Its registry stays alive with this thread as its worker 0 (the documented effect of a local pool with
    // `use_current_thread`), so the parallel work below runs on it without `install`.
    // Each new thread starts on another CPU than this one (placement.rs).
    let placement = Placement::here();
    let spread = placement.clone();
    let current = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .use_current_thread()
        .start_handler(move |i| {
            if i > 0 {
                spread.move_off();
            }
        })
        .build()
        .map(std::mem::forget);
    if current.is_ok() && rayon::current_num_threads() > 1 {
        placement.yield_to_new_threads();
    }
    let jobs_pool = args.jobs.and_then(|n| {
        // This thread is already a worker of a pool (a second check in one process): `--jobs` gets a pool
        // of its own.
        current.is_err().then(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .start_handler(move |_| {
                    placement.move_off();
                })
                .build()
                .map_err(|e| AppError::Usage(format!("cannot start {n} threads: {e}")))
        })
    });
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
        FormatArg::Jsonl => Format::Jsonl,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Csv => Format::Csv,
        FormatArg::Github => Format::Github,
    };
    let keep_source = format.needs_source();
    // Baselines fingerprint the text around each finding.
    let keep_text = keep_source || baseline_file.is_some() || args.write_baseline.is_some();

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
    // The folders are walked, and the first inputs loaded, while the packs load and the engine is built: on a
    // tree of a few thousand files each is a few milliseconds before the first file can be scanned (issue 6).
    let is_json = |i: &walk::Input| i.display.to_ascii_lowercase().ends_with(".json");
    let load = |input: &walk::Input| {
        source::load_path(
            &input.path,
            &input.display,
            input.kind,
            forced,
            !args.no_mmap,
        )
    };
    let ready = AtomicBool::new(false);
    let building = AtomicBool::new(false);
    // This thread walks and loads; the packs are left for the pool's other thread to take. This thread is
    // running, the other may not have started yet: had this thread taken the packs, the first input would
    // wait for them whenever the other thread came too late to take the walk (most runs on one 10 MB file),
    // and its UTF-8 check, 2 ms there, ran after the packs instead of beside them (issue 6, target 6).
    let ((mut walked, prefetched), engine) = rayon::join(
        || {
            if args.staged {
                return (walk::Walked::default(), Prefetched::default());
            }
            let walked = walk::walk(&file_paths);
            // Only documents: a `.json` may be a listing, which is loaded as one further down.
            let wanted = |i: &walk::Input| {
                i.kind != Scope::Listing
                    && !is_json(i)
                    && !settings.excludes(&i.path, file_paths.contains(&i.path))
            };
            let prefetched = prefetch::prefetch(&walked.inputs, &ready, &building, wanted, load);
            (walked, prefetched)
        },
        || -> Result<Engine, AppError> {
            building.store(true, Ordering::Release);
            let built = workflow::rule_set(&args.rules, &settings)
                .and_then(|set| Ok(Engine::new(Arc::new(set))?));
            ready.store(true, Ordering::Release);
            Ok(match args.chunk_bytes {
                Some(bytes) => built?.with_chunk_bytes(bytes),
                None => built?,
            })
        },
    );
    let engine = engine?;
    let staged = if args.staged {
        if use_stdin {
            return Err(AppError::Usage(
                "--staged reads the git index, not stdin".into(),
            ));
        }
        Some(staged::collect(&args.paths)?)
    } else {
        None
    };
    walked
        .inputs
        .retain(|i| !settings.excludes(&i.path, file_paths.contains(&i.path)));
    // The baseline is livelint's own file, not an input, whatever its extension.
    for b in [&baseline_file, &args.write_baseline].into_iter().flatten() {
        walked.inputs.retain(|i| !same_file(&i.path, b));
    }
    if let Some(out) = &args.output {
        if let Some(l) = args.listings.iter().find(|l| same_file(l, out)) {
            return Err(AppError::Usage(format!(
                "--output {} is one of the listings; livelint never writes to its inputs",
                l.display()
            )));
        }
        if let Some(input) = walked.inputs.iter().find(|i| same_file(&i.path, out)) {
            return Err(AppError::Usage(format!(
                "--output {} is one of the audited files; livelint never writes to its inputs",
                input.display
            )));
        }
    }

    // `--jobs N` sizes the pool this thread joins before anything uses it (loading the packs, building the
    // engine and writing the report run on it too); only if this thread is already in one does the scan get a
    // pool of its own. Without `--jobs` the pool already started for the packs does the work (issue 6: no
    // second set of threads to start on a pre-commit run).
    let pool = match jobs_pool {
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => return Err(e),
        None => None,
    };
    let date = match &args.date {
        Some(d) => crate::source::listing::Date::parse(d)
            .ok_or_else(|| AppError::Usage(format!("--date {d}: expected YYYY-MM-DD")))?,
        None => crate::source::listing::Date::today(),
    };
    // Listings first: scripts and transcripts are checked against the products they describe.
    // A walked `.json` may be a listing (`products`) or a transcript (`segments`): the listing loader sees it
    // first and skips it quietly unless it is a listing.
    let listing_inputs: Vec<&walk::Input> = walked
        .inputs
        .iter()
        .filter(|i| i.kind == Scope::Listing || is_json(i))
        .collect();
    let mut candidates: Vec<(PathBuf, String)> = listing_inputs
        .iter()
        .map(|i| (i.path.clone(), i.display.clone()))
        .collect();
    // Listings named in .livelint.yaml: files are read like --listings, folders are walked for listings.
    let mut explicit = args.listings.clone();
    for p in &settings.listings {
        if p.is_dir() {
            let found = walk::walk(std::slice::from_ref(p));
            candidates.extend(
                found
                    .inputs
                    .into_iter()
                    .filter(|i| i.kind == Scope::Listing)
                    .map(|i| (i.path, i.display)),
            );
        } else {
            explicit.push(p.clone());
        }
    }
    let listings = in_pool(pool.as_ref(), || {
        listing::load_all(&explicit, &candidates, forced)
    });
    let listed: std::collections::HashSet<&str> =
        listings.files.iter().map(|f| f.path.as_str()).collect();
    let doc_inputs: Vec<&walk::Input> = walked
        .inputs
        .iter()
        .filter(|i| i.kind != Scope::Listing && !listed.contains(i.display.as_str()))
        .collect();
    // Before a scan of many megabytes, the regex gates are planned by the input's own word rates.
    let (engine, _) = in_pool(pool.as_ref(), || {
        adapt::adapt(
            engine,
            &doc_inputs,
            &prefetched,
            &load,
            adapt::Policy::default(),
        )
    });
    let (index, index_errors) = ProductIndex::new(&listings.files);
    let xcheck = CrossChecker::new(engine.rules(), &index, args.product.as_deref(), date)
        .map_err(AppError::Usage)?;
    let mut outcomes: Vec<Outcome> = in_pool(pool.as_ref(), || {
        let mut out: Vec<Outcome> = listings
            .files
            .par_iter()
            .map(|f| match listing::scan_listing(&engine, f, date) {
                Ok(mut findings) => {
                    settings.apply_findings(&mut findings);
                    Outcome::File(
                        FileReport {
                            path: f.path.clone(),
                            source: (keep_source && !findings.is_empty())
                                .then(|| Arc::from(f.text.as_str())),
                            findings,
                        },
                        f.text.len() as u64,
                    )
                }
                Err(e) => Outcome::Error(InputError {
                    path: f.path.clone(),
                    message: format!("scan failed: {e}"),
                }),
            })
            .collect();
        out.par_extend(doc_inputs.par_iter().map(|input| {
            let loaded = prefetched.take_or_load(input, load);
            scan_one(
                &engine,
                &xcheck,
                loaded,
                &input.display,
                keep_text,
                &settings,
            )
        }));
        out
    });
    if let Some(st) = &staged {
        let files: Vec<&staged::StagedFile> = st
            .files
            .iter()
            .filter(|f| !settings.excludes(&f.path, false))
            .collect();
        outcomes.extend(in_pool(pool.as_ref(), || {
            files
                .par_iter()
                .map(|f| {
                    let kind = source::kind_for_path(&f.path).unwrap_or(Scope::Script);
                    let loaded = source::load_bytes(&f.display, kind, &f.bytes, forced);
                    scan_one(&engine, &xcheck, loaded, &f.display, keep_text, &settings)
                })
                .collect::<Vec<_>>()
        }));
    }
    outcomes.extend(
        listings
            .errors
            .into_iter()
            .chain(index_errors)
            .map(Outcome::Error),
    );
    if use_stdin {
        let mut bytes = Vec::new();
        io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|source| AppError::Input {
                path: PathBuf::from("-"),
                source,
            })?;
        let (kind, format) = stdin_kind(args.stdin_kind);
        let loaded = match source::load_bytes_as(&args.stdin_name, kind, format, &bytes, forced) {
            // Named explicitly as a transcript: not skipped quietly as a walked .json would be.
            Ok(Loaded::Skipped(SkipReason::NotTranscript)) => Err(InputError {
                path: args.stdin_name.clone(),
                message: "not an ASR transcript (no `segments` list of {start, end, text})".into(),
            }),
            other => other,
        };
        outcomes.push(scan_one(
            &engine,
            &xcheck,
            loaded,
            &args.stdin_name,
            keep_text,
            &settings,
        ));
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
    let root = match &staged {
        Some(st) => st.root.clone(),
        None => PathBuf::from("."),
    };
    workflow::baselines(
        &mut report,
        &root,
        args.write_baseline.as_deref(),
        baseline_file.as_deref(),
    )?;
    if !keep_source {
        for f in &mut report.files {
            f.source = None;
        }
    }
    report.summary.elapsed = started.elapsed();

    let opts = RenderOptions {
        color: color && args.output.is_none(),
        width: None,
        no_timing: args.no_timing,
    };
    write_report(&report, format, opts, args.output.as_deref())?;

    let status = if !report.errors.is_empty() {
        Status::InputErrors
    } else if report.fails(workflow::threshold(args.fail_on, &settings)) {
        Status::Findings
    } else {
        Status::Clean
    };
    // The process ends after the report. Freeing the rules, automata, listings and findings one allocation
    // at a time took half a millisecond of a pre-commit run on one script (issue 6), for memory the exit
    // returns anyway.
    std::mem::forget(index);
    std::mem::forget(listings.files);
    std::mem::forget(engine);
    std::mem::forget(report);
    Ok(status)
}

/// Runs `f` on `pool`, or on the pool this thread is a worker of when there is none.
fn in_pool<R: Send>(pool: Option<&rayon::ThreadPool>, f: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
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
            render_buffered(report, format, opts, file).map_err(out_err)
        }
        None => {
            let written = match raw_stdout() {
                Some(file) => render_buffered(report, format, opts, file),
                None => render_buffered(report, format, opts, io::stdout().lock()),
            };
            written.or_else(ignore_broken_pipe).map_err(out_err)
        }
    }
}

/// Renders the report into `out` through a 64 KB buffer, flushed at the end.
fn render_buffered(
    report: &Report,
    format: Format,
    opts: RenderOptions,
    out: impl Write,
) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    report::render(report, format, opts, &mut w).and_then(|()| w.flush())
}

/// Standard output as a file of its own, bypassing std's handle: that one is line-buffered whatever it is
/// connected to, and searches every write for its last newline, which on the 44 MB JSON report of the
/// benchmark tree (one line) was a byte-by-byte scan of all of it on the thread that writes (issue 6).
/// `None` where the descriptor cannot be duplicated; std's handle is used then.
#[cfg(unix)]
fn raw_stdout() -> Option<std::fs::File> {
    use std::os::fd::AsFd;
    // Whatever std holds goes out first, so the report follows it.
    io::stdout().flush().ok()?;
    let fd = io::stdout().as_fd().try_clone_to_owned().ok()?;
    Some(std::fs::File::from(fd))
}

#[cfg(not(unix))]
fn raw_stdout() -> Option<std::fs::File> {
    None
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
        RulesCommand::Eval {
            path,
            rules,
            min_precision,
            min_recall,
            misses,
        } => eval_command(&path, &rules, min_precision, min_recall, misses),
        RulesCommand::Test { paths } => {
            let set = if paths.is_empty() {
                load_rules(&RuleArgs {
                    rules: vec![],
                    no_default_rules: false,
                    no_cache: true,
                })?
            } else {
                // Authors test the YAML they wrote: it is parsed, not read from the cache.
                load_rules(&RuleArgs {
                    rules: paths,
                    no_default_rules: true,
                    no_cache: true,
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
    if let Some(f) = &rule.field {
        s.push_str(&format!("listing field: {}\n", f.path_text));
    }
    if let Some((listing, date)) = &rule.example_listing {
        s.push_str(&format!("examples are checked against: {listing}"));
        if !date.is_empty() {
            s.push_str(&format!(" (broadcast date {date})"));
        }
        s.push('\n');
    }
    s.push_str("examples:\n");
    for ex in &rule.examples {
        let tag = if ex.must_flag { "flag" } else { "pass" };
        s.push_str(&format!("  {tag}: {}\n", ex.raw));
    }
    s
}

/// `rules eval`: scores the packs on a labelled corpus (format and scoring in `crate::eval`).
fn eval_command(
    path: &Path,
    rules: &RuleArgs,
    min_precision: f64,
    min_recall: f64,
    misses: bool,
) -> Result<Status, AppError> {
    let src = std::fs::read_to_string(path).map_err(|source| AppError::Input {
        path: path.to_path_buf(),
        source,
    })?;
    let samples = crate::eval::parse_labelled(&path.display().to_string(), &src).map_err(|e| {
        AppError::Config {
            message: e.to_string(),
        }
    })?;
    let engine = Engine::new(Arc::new(load_rules(rules)?))?;
    let report = crate::eval::evaluate(&engine, &samples).map_err(|e| AppError::Config {
        message: format!("{}: scan failed: {e}", path.display()),
    })?;
    let mut s = String::new();
    if misses {
        s.push_str(&crate::eval::render_misses(&report));
    }
    s.push_str(&crate::eval::render_table(&report));
    let below = report.below(min_precision, min_recall);
    for b in &below {
        s.push_str(&format!("below threshold: {b}\n"));
    }
    print(&s)?;
    Ok(if below.is_empty() {
        Status::Clean
    } else {
        Status::Findings
    })
}
