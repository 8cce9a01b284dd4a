//! `kubeward lint`: the run, filtered, written in the chosen format, and the exit code.
//!
//! `kubeward lint`: the run, filtered by a baseline or a base revision, written in the chosen
//! format, and the exit code.

use std::io::{IsTerminal, Write};

use crate::baseline;
use crate::cli::{ColorChoice, FailOn, LintArgs};
use crate::error::Error;
use crate::report::{self, Format, Report, outfile};
use crate::rule::Severity;
use crate::timings;

use super::execute::execute;
use super::{EXIT_FINDINGS, EXIT_OK, EXITS_AFTER_RUN};

pub(super) fn lint(args: &LintArgs, raw: &[String]) -> Result<u8, Error> {
    let (mut run, mut plan) = execute(
        args,
        args.format == Format::Sarif || args.sarif_file.is_some(),
    )?;
    let mut notes = Vec::new();
    if let Some(path) = &args.baseline {
        let known = baseline::read(path)?.known();
        let shown = crate::report::inert::path(&path.to_string_lossy()).into_owned();
        let (dropped, stale) =
            baseline::suppress_known(&mut run, &known, &format!("in baseline {shown}"));
        notes.push(format!(
            "baseline: {dropped} known findings not reported, {stale} stale entries"
        ));
        if known.legacy {
            notes.push(format!(
                "baseline {shown} is of format version 1: it still matches, but write it again (`kubeward baseline -o {shown}`) so that it holds this version's fingerprints"
            ));
        }
    }
    if let Some(rev) = &args.new_from_rev {
        match baseline::old_findings(rev, &args_for_base(raw))? {
            baseline::Old::Fingerprints(fps, base) => {
                let known = baseline::Known {
                    fingerprints: fps,
                    legacy: false,
                };
                let short = &base[..base.len().min(12)];
                let (dropped, _) = baseline::suppress_known(
                    &mut run,
                    &known,
                    &format!(
                        "present at the merge base {short} of {}",
                        crate::report::inert::path(rev)
                    ),
                );
                notes.push(format!(
                    "new from {rev} (merge base {}): {dropped} pre-existing findings not reported",
                    &base[..base.len().min(12)]
                ));
            }
            baseline::Old::ChangedLines(changed, why) => {
                let dropped = baseline::keep_changed(&mut run, &changed);
                notes.push(format!(
                    "new from {rev}: {why} ({dropped} findings elsewhere not reported)"
                ));
            }
        }
    }

    let frame = plan.sarif_frame.take().map(|h| {
        h.join()
            .unwrap_or_else(|_| Err(std::io::Error::other("internal error: SARIF frame")))
    });
    let report = Report::new(&run, &plan.rules, frame);
    if let Some(path) = &args.sarif_file {
        outfile::write_with(path, |w| report.sarif(w))
            .map_err(|e| Error::Write(path.display().to_string(), e))?;
    }
    report
        .append_step_summary(args.format)
        .map_err(|(path, e)| Error::Write(path, e))?;
    report.draw(args.format, use_color(args.color));
    let mut stderr = String::new();
    if !args.quiet {
        stderr.push_str(&report::summary(&run, args.verbose, true));
        for n in &notes {
            stderr.push_str(n);
            stderr.push('\n');
        }
    }
    let _ = std::io::stderr().write_all(stderr.as_bytes());
    if !args.format.is_diagnostics() {
        match &args.output {
            Some(path) => outfile::write_with(path, |w| report.write(args.format, w))
                .map_err(|e| Error::Write(path.display().to_string(), e))?,
            // A closed pipe (`| head`) is not an error worth reporting; a full disk is.
            None => outfile::stdout_with(|w| report.write(args.format, w))
                .map_err(|e| Error::Write("standard output".into(), e))?,
        }
    }
    timings::mark("output");
    timings::report();
    let failing = if plan.settings.profile.is_some() {
        // Under a profile the exit code answers one question: does some object violate the level?
        run.findings
            .iter()
            .any(|f| f.suppressed().is_none() && f.meta.pss.is_some())
    } else {
        threshold(plan.fail_on).is_some_and(|t| {
            run.findings
                .iter()
                .any(|f| f.suppressed().is_none() && f.severity >= t)
        })
    };
    if EXITS_AFTER_RUN.load(std::sync::atomic::Ordering::Relaxed) {
        std::mem::forget(run);
    }
    Ok(if failing { EXIT_FINDINGS } else { EXIT_OK })
}

/// The original `lint` arguments without those that only shape this run's output, for linting
/// the merge base with the same settings.
fn args_for_base(raw: &[String]) -> Vec<String> {
    const DROP_WITH_VALUE: &[&str] = &[
        "--format",
        "--output",
        "-o",
        "--sarif-file",
        "--new-from-rev",
        "--baseline",
        "--fail-on",
        "--color",
    ];
    const DROP: &[&str] = &["--quiet", "-q", "--verbose", "-v", "--no-progress"];
    let mut out = Vec::new();
    let mut it = raw.iter().skip_while(|a| *a != "lint").skip(1);
    while let Some(a) = it.next() {
        if DROP_WITH_VALUE.contains(&a.as_str()) {
            it.next();
        } else if DROP.contains(&a.as_str())
            || DROP_WITH_VALUE
                .iter()
                .any(|d| a.starts_with(&format!("{d}=")))
        {
        } else {
            out.push(a.clone());
        }
    }
    out
}

fn threshold(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Critical => Some(Severity::Critical),
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Never => None,
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}
