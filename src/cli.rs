//! Command-line types (clap derive) and nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// livelint: compliance auditor for live-commerce scripts, transcripts and product listings.
#[derive(Debug, Parser)]
#[command(name = "livelint", version, about, long_about = None)]
pub struct Cli {
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colours on a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit files and folders (walked in parallel); `-` reads stdin.
    Check(CheckArgs),
    /// List, explain and test rule packs.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Write a commented starter `.livelint.yaml` in the current folder (never overwrites one).
    Init,
    /// Install or remove the git pre-commit hook.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Check a live stream: ASR lines or JSON Lines segments from stdin, each finding printed as its line arrives.
    Watch(WatchArgs),
}

/// Where the project configuration comes from.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// Use this configuration file instead of the nearest `.livelint.yaml` from the current folder upward.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub no_config: bool,
}

/// `livelint hook ...`.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write the pre-commit hook (`git rev-parse --git-path hooks`, so worktrees and core.hooksPath work).
    Install {
        /// Replace a pre-commit hook livelint did not write (it is kept as `pre-commit.livelint-backup`).
        #[arg(long)]
        force: bool,
        /// Run `livelint` from PATH instead of this binary's absolute path.
        #[arg(long)]
        use_path: bool,
    },
    /// Remove the pre-commit hook, if livelint wrote it (restoring a hook it replaced).
    Uninstall,
}

/// Output of `watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchFormat {
    /// `name:line:column: severity[rule]: message`, one a line.
    Human,
    /// One JSON object a line: `"type": "finding"`, then `"type": "summary"`.
    Jsonl,
}

/// `livelint watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// `-` for stdin, or a saved ASR log to replay.
    #[arg(value_name = "INPUT", default_value = "-")]
    pub input: PathBuf,
    /// Rule packs.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Project configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = WatchFormat::Human)]
    pub format: WatchFormat,
    /// Exit with 1 at the end when a finding at or above this severity was printed.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Name shown for the stream.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_name: String,
}

/// Which rule packs to load.
#[derive(Debug, Clone, Args)]
pub struct RuleArgs {
    /// A rule pack file or a folder of packs; repeatable. Added to the default packs.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not load the default packs embedded in the binary.
    #[arg(long)]
    pub no_default_rules: bool,
    /// Parse every `--rules` pack from its YAML, without reading or writing the cache of parsed packs
    /// (`$LIVELINT_CACHE_DIR`, else the user's cache directory; an empty LIVELINT_CACHE_DIR turns it off too).
    #[arg(long)]
    pub no_cache: bool,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Diagnostics with the source line underlined, the law and the fix.
    Human,
    /// One JSON document (DESIGN.md section 5).
    Json,
    /// JSON Lines: one finding, error, skipped input or summary a line, each with a `type`.
    Jsonl,
    /// SARIF 2.1.0, for code scanning (columns in UTF-16 code units, as SARIF expects).
    Sarif,
    /// One row per finding, UTF-8 with BOM so spreadsheets show Chinese.
    Csv,
    /// GitHub Actions annotations (`::error file=...`).
    Github,
}

/// The lowest severity that makes the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Only errors.
    Error,
    /// Warnings and errors.
    Warning,
    /// Any finding.
    Info,
}

/// Input kinds for stdin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// A sales script (plain text or Markdown).
    Script,
    /// SubRip subtitles.
    Srt,
    /// WebVTT subtitles.
    Vtt,
    /// ASR JSON in Whisper's shape: {"segments":[{"start":12.3,"end":15.1,"text":"…"}]}.
    AsrJson,
    /// JSON Lines, one {"start","end","text"} segment a line.
    Jsonl,
}

/// `livelint check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files and folders to audit; `-` for stdin. Defaults to the current folder.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Rule packs.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding at or above this severity is reported [default: the config's, else error].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Worker threads (default: one per core). The output is the same whatever the number.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Read big files instead of mapping them into memory. A file changed by another program while it is
    /// scanned can give wrong positions when mapped, or stop the run if it is cut short.
    #[arg(long)]
    pub no_mmap: bool,
    /// Name shown for stdin in reports.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_name: String,
    /// How to read stdin.
    #[arg(long, value_enum, default_value_t = KindArg::Script)]
    pub stdin_kind: KindArg,
    /// Decode every input with this encoding (utf-8, gb18030, gbk, utf-16le ...) instead of detecting it.
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
    /// A product listing (YAML, JSON or CSV; README, Product listings); repeatable. Listings inside the
    /// audited folders (`*.listing.yaml|yml|json|csv`, or a top-level `products:` key) are read too.
    #[arg(long = "listings", value_name = "FILE")]
    pub listings: Vec<PathBuf>,
    /// Tie every script and transcript to this listed product (a script's front matter `product:` wins).
    #[arg(long, value_name = "ID")]
    pub product: Option<String>,
    /// Broadcast date for the 7-day reference-price check (front matter `date:` wins); today when absent.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Leave the elapsed time out of the summary line (for diffs and snapshots).
    #[arg(long, hide = true)]
    pub no_timing: bool,
    /// Project configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Audit the staged content (the git index) of staged files instead of the working tree.
    #[arg(long, conflicts_with = "stream")]
    pub staged: bool,
    /// Treat stdin as a live stream (as `livelint watch -`): print each finding as its line arrives.
    #[arg(long)]
    pub stream: bool,
    /// Hide the findings recorded in this baseline; report its entries that no longer match.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Record every current finding in this baseline file (written atomically) and report none of them.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Apply the config's include/exclude globs also to files named on the command line (as pre-commit names
    /// them); `--force-exclude=false` audits named files whatever the globs say.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set,
          num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub force_exclude: bool,
    /// Split inputs larger than this many bytes into chunks scanned in parallel (the findings do not change;
    /// tests force small chunks to check that).
    #[arg(long, hide = true, value_name = "BYTES")]
    pub chunk_bytes: Option<usize>,
}

/// `livelint rules ...`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List every loaded rule: id, category, severity, law.
    List {
        /// Rule packs.
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Show a rule's title, category, severity, law, help and examples.
    Explain {
        /// Full rule id (`pack/id`).
        id: String,
        /// Rule packs.
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Run every example of every pack; exit 1 if one fails. With PATHs, test only those packs.
    Test {
        /// Pack files or folders; the default packs when none.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Measure precision and recall of the packs on a labelled corpus; exit 1 below the thresholds.
    ///
    /// The corpus has one sentence a line: `labels<TAB>sentence`, where labels is `clean` or comma-separated
    /// categories (absolute-terms, exaggerated-efficacy, fake-discount, missing-credentials, fake-data,
    /// off-platform-transaction, misleading-claims). Blank lines and `#` lines are ignored. Per category C:
    /// TP = a sentence labelled C with a finding of C; FP = a finding of C on a sentence not labelled C;
    /// FN = a sentence labelled C without one. Thresholds apply to every category and to the overall row.
    Eval {
        /// The labelled file (for example fixtures/eval/zh.tsv).
        #[arg(value_name = "PATH")]
        path: PathBuf,
        /// Rule packs.
        #[command(flatten)]
        rules: RuleArgs,
        /// Lowest acceptable precision, overall and per category.
        #[arg(long, value_name = "P", default_value_t = 0.95)]
        min_precision: f64,
        /// Lowest acceptable recall, overall and per category.
        #[arg(long, value_name = "R", default_value_t = 0.90)]
        min_recall: f64,
        /// Also print every sentence with a false positive or a false negative.
        #[arg(long)]
        misses: bool,
    },
}
