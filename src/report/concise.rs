//! `--format concise`: one line per unsuppressed finding.
//!
//! `path:line:col: severity rule-id message`, for `grep`, editors' quickfix lists and quick
//! reading. Every control character of the path and message is escaped, so a finding is always
//! exactly one line.

use std::io::{self, Write};

use super::inert;
use crate::engine::Run;

/// Write one line per unsuppressed finding.
///
/// # Errors
/// A failed write.
pub fn write(run: &Run, w: &mut dyn Write) -> io::Result<()> {
    let mut line = String::new();
    for f in run.findings.iter().filter(|f| f.suppressed().is_none()) {
        let r = f.primary.region;
        let path = &run.files[f.primary.file as usize].path;
        line.clear();
        line.push_str(&inert::path(path));
        line.push_str(&format!(
            ":{}:{}: {} {} ",
            r.line, r.col, f.severity, f.meta.id
        ));
        line.push_str(&inert::path(&f.message));
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}
