//! `kubeward baseline -o FILE [PATH]...`: write the run's findings as the accepted ones.

use std::path::PathBuf;

use crate::baseline;
use crate::cli::BaselineArgs;
use crate::error::Error;
use crate::report::outfile;

use super::EXIT_OK;
use super::execute::execute;

pub(super) fn write_baseline(args: BaselineArgs) -> Result<u8, Error> {
    let mut lint = args.lint;
    let file = match lint.output.take() {
        Some(file) => file,
        // The form of earlier versions: `kubeward baseline FILE [PATH]...`.
        None => {
            let first = PathBuf::from(lint.paths.remove(0));
            if lint.paths.is_empty() {
                lint.paths.push(".".to_owned());
            }
            first
        }
    };
    // Refused before linting: a mistyped command line must not cost a run, nor a manifest.
    baseline::check_replaceable(&file)?;
    let (run, _) = execute(&lint, false)?;
    let b = baseline::of(&run);
    baseline::write(&file, &b)?;
    outfile::stderr(&format!(
        "wrote {} findings to {}\n",
        b.findings.len(),
        crate::report::inert::path(&file.to_string_lossy())
    ));
    Ok(EXIT_OK)
}
