//! The commands on top of the pipeline: parse the command line, dispatch, map errors to exit 2.
//!
//! The commands on top of the pipeline: parse the command line, run one subcommand, turn its
//! error into a diagnostic and exit code 2.

mod baseline;
mod completions;
mod execute;
mod explain;
mod fix;
pub(crate) mod guard;
mod init;
mod lint;
pub(crate) mod plan;
mod rules;

use std::io::IsTerminal;

use clap::Parser;

pub(crate) use execute::lint_dir;

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::report::outfile;
use crate::rule::{Rule, registry};
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, config};

/// Set by [`crate::run_and_exit`]: the process ends after the run, so its results need not be
/// freed.
pub(crate) static EXITS_AFTER_RUN: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Run the command line and return the exit code.
pub(crate) fn run(raw: &[String]) -> u8 {
    let cli = match Cli::try_parse_from(raw) {
        Ok(c) => c,
        Err(e) => {
            if e.use_stderr() {
                let _ = e.print();
                return EXIT_ERROR;
            }
            if std::io::stdout().is_terminal() {
                let _ = e.print();
                return EXIT_OK;
            }
            // --help, --version: on standard output, whose reader may have gone (`| head`).
            return match to_stdout(&e.render().to_string()) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    outfile::stderr(&error_text(&e));
                    EXIT_ERROR
                }
            };
        }
    };
    let result = match cli.command {
        Command::Lint(args) => lint::lint(&args, raw),
        Command::Init(args) => init::init(&args),
        Command::Baseline(args) => baseline::write_baseline(args),
        Command::Rules(args) => all_rules(args.config.as_deref())
            .and_then(|rules| rules::print_rules(args.format, &rules))
            .map(|()| EXIT_OK),
        Command::Explain(args) => explain::explain(&args),
        Command::Completions(args) => completions::print(args.shell),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            outfile::stderr(&error_text(&e));
            EXIT_ERROR
        }
    }
}

/// An error as the user reads it on standard error (coloured when that is a terminal).
fn error_text(e: &Error) -> String {
    let color = lint::use_color(
        crate::cli::ColorChoice::Auto,
        std::io::stderr().is_terminal(),
    );
    format!("{}\n", crate::report::human::error(e, color))
}

/// What could not be written to standard output, unless the reader closed it.
fn to_stdout(text: &str) -> Result<(), Error> {
    outfile::stdout(text).map_err(|e| Error::Write("standard output".into(), e))
}

/// The built-in rules and the custom rules of the configuration (`--config`, else the one
/// found from the current directory).
fn all_rules(config: Option<&std::path::Path>) -> Result<Vec<&'static dyn Rule>, Error> {
    let path = config
        .map(std::path::Path::to_path_buf)
        .or_else(|| config::discover(std::path::Path::new(".")));
    let custom = match &path {
        Some(p) => config::load(p).map_err(Box::new)?.custom,
        None => std::sync::Arc::from(Vec::new()),
    };
    Ok(registry::ALL
        .iter()
        .copied()
        .chain(custom.iter().map(|c| c.rule))
        .collect())
}
