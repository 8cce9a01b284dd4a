//! `kubeward completions SHELL`: print the shell's completion script.
//!
//! clap_complete derives it from the command line's own definition, so every subcommand, flag
//! and value list is in it.

use clap::CommandFactory;

use crate::EXIT_OK;
use crate::cli::Cli;
use crate::error::Error;

/// Write the completion script for `shell` to standard output.
pub(super) fn print(shell: clap_complete::Shell) -> Result<u8, Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "kubeward", &mut script);
    super::to_stdout(&String::from_utf8_lossy(&script))?;
    Ok(EXIT_OK)
}
