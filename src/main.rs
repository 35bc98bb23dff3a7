//! The binary: parse the command line, run, and turn the outcome into an exit code
//! (0 clean, 1 findings at or above `--fail-on`, 2 usage, configuration or I/O error).

use std::process::ExitCode;

use clap::Parser;
use livelint::app::{self, Status};
use livelint::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match app::run(cli) {
        Ok(Status::Clean) => ExitCode::SUCCESS,
        Ok(Status::Findings) => ExitCode::from(1),
        Ok(Status::InputErrors) => ExitCode::from(2),
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(2)
        }
    }
}
