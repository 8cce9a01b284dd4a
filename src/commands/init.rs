//! `kubeward init`: write a starter configuration file.

use crate::cli::InitArgs;
use crate::config;
use crate::error::Error;
use crate::report::outfile;

use super::EXIT_OK;

pub(super) fn init(args: &InitArgs) -> Result<u8, Error> {
    if args.path.exists() && !args.force {
        return Err(Error::Exists(args.path.display().to_string()));
    }
    write_to(&args.path, config::STARTER)?;
    outfile::stderr(&format!("wrote {}\n", args.path.display()));
    Ok(EXIT_OK)
}

fn write_to(path: &std::path::Path, text: &str) -> Result<(), Error> {
    outfile::write(path, text).map_err(|e| Error::Write(path.display().to_string(), e))
}
