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
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Diagnostics with the source line underlined, the law and the fix.
    Human,
    /// One JSON document (DESIGN.md section 5).
    Json,
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
    /// Exit with 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Worker threads (default: one per core). The output is the same whatever the number.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Name shown for stdin in reports.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_name: String,
    /// How to read stdin.
    #[arg(long, value_enum, default_value_t = KindArg::Script)]
    pub stdin_kind: KindArg,
    /// Decode every input with this encoding (utf-8, gb18030, gbk, utf-16le ...) instead of detecting it.
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
    /// Leave the elapsed time out of the summary line (for diffs and snapshots).
    #[arg(long, hide = true)]
    pub no_timing: bool,
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
}
