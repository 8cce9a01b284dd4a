//! `kubeward baseline FILE`: write the run's findings as the accepted ones.

use crate::baseline;
use crate::cli::BaselineArgs;
use crate::error::Error;
use crate::report::outfile;

use super::EXIT_OK;
use super::execute::execute;

pub(super) fn write_baseline(args: &BaselineArgs) -> Result<u8, Error> {
    let (run, _) = execute(&args.lint, false)?;
    let b = baseline::of(&run);
    baseline::write(&args.file, &b)?;
    outfile::stderr(&format!(
        "wrote {} findings to {}\n",
        b.findings.len(),
        args.file.display()
    ));
    Ok(EXIT_OK)
}
