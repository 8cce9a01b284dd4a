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
use clap::ValueEnum as _;

use super::execute::execute;
use super::{EXIT_FINDINGS, EXIT_OK, EXITS_AFTER_RUN};

pub(super) fn lint(args: &LintArgs, raw: &[String]) -> Result<u8, Error> {
    if args.statistics && !matches!(args.format, Format::Human | Format::Concise | Format::Json) {
        return Err(Error::Usage(
            format!(
                "--statistics cannot be written as --format {}",
                args.format
                    .to_possible_value()
                    .map_or_else(String::new, |v| v.get_name().to_owned())
            ),
            "Use --statistics alone (a table), or with --format json (a JSON array); write SARIF \
             beside it with --sarif-file."
                .into(),
        ));
    }
    if let Some(note) = stdin_notice(&args.paths, std::io::stdin().is_terminal()) {
        outfile::stderr(note);
    }
    if args.diff {
        return super::fix::diff(args);
    }
    let mut notes = Vec::new();
    if args.fix {
        notes.push(super::fix::fix(args)?);
    }
    if let Some(reason) = &args.add_suppressions {
        notes.push(super::fix::add_suppressions(args, reason)?);
    }
    let (mut run, mut plan) = execute(
        args,
        args.format == Format::Sarif || args.sarif_file.is_some(),
    )?;
    super::fix::say_not_here(&mut run);
    // `--baseline`, else the configuration's `baseline` (inside the configuration's directory).
    let configured = plan
        .config
        .baseline
        .as_deref()
        .filter(|_| args.baseline.is_none());
    let read = match (&args.baseline, configured) {
        (Some(path), _) => Some((
            baseline::read(path)?,
            crate::report::inert::path(&path.to_string_lossy()).into_owned(),
        )),
        (None, Some(rel)) => {
            let dir = plan
                .config
                .path
                .as_deref()
                .and_then(std::path::Path::parent)
                .unwrap_or(std::path::Path::new(""));
            Some((
                baseline::read_configured(dir, rel)?,
                crate::report::inert::path(rel).into_owned(),
            ))
        }
        (None, None) => None,
    };
    if let Some((b, shown)) = read {
        let known = b.known();
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
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let report = Report::new(&run, &plan.rules, frame).with_color(
        args.format == Format::Human && !args.statistics && use_color(args.color, to_terminal),
    );
    if let Some(path) = &args.sarif_file {
        outfile::write_with(path, |w| report.sarif(w))
            .map_err(|e| Error::Write(path.display().to_string(), e))?;
    }
    report
        .append_step_summary(args.format, args.sarif_link.as_deref())
        .map_err(|(path, e)| Error::Write(path, e))?;
    let write = |w: &mut dyn Write| match (args.statistics, args.format) {
        (true, Format::Json) => report::statistics::write_json(&run, w),
        (true, _) => report::statistics::write_table(&run, w),
        (false, format) => report.write(format, w),
    };
    match &args.output {
        Some(path) => outfile::write_with(path, write)
            .map_err(|e| Error::Write(path.display().to_string(), e))?,
        // A closed pipe (`| head`) is not an error worth reporting; a full disk is.
        None => {
            outfile::stdout_with(write).map_err(|e| Error::Write("standard output".into(), e))?
        }
    }
    let mut stderr = String::new();
    if let Some(w) = no_manifests_warning(args, &run) {
        stderr.push_str(&w);
    }
    if !args.quiet {
        stderr.push_str(&report::summary(&run, args.verbose, true));
        for n in &notes {
            stderr.push_str(n);
            stderr.push('\n');
        }
    }
    let _ = std::io::stderr().write_all(stderr.as_bytes());
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
        "--add-suppressions",
    ];
    const DROP: &[&str] = &[
        "--quiet",
        "-q",
        "--verbose",
        "-v",
        "--no-progress",
        "--fix",
        "--diff",
        "--unsafe-fixes",
    ];
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

/// Whether to colour: `--color`, else when the output is a terminal that is not `dumb` and
/// NO_COLOR is unset (or empty).
pub(super) fn use_color(choice: ColorChoice, to_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

/// What `lint -` says when standard input is a terminal: it waits for manifests typed or pasted
/// there, which otherwise looks like a hang.
fn stdin_notice(paths: &[String], stdin_is_terminal: bool) -> Option<&'static str> {
    (stdin_is_terminal && paths.iter().any(|p| p == "-")).then_some(
        "kubeward: reading manifests from standard input (end with Ctrl-D; Ctrl-C to cancel)\n",
    )
}

/// A warning when a directory was given and the run found no Kubernetes object in it: a wrong
/// path, or manifests the walk leaves out (ignored, hidden, not `.yaml`/`.yml`/`.json`).
fn no_manifests_warning(args: &LintArgs, run: &crate::engine::Run) -> Option<String> {
    if run.stats.objects > 0 || run.stats.files_failed > 0 {
        return None;
    }
    let dirs: Vec<&str> = args
        .paths
        .iter()
        .filter(|p| *p != "-" && std::path::Path::new(p.as_str()).is_dir())
        .map(String::as_str)
        .collect();
    if dirs.is_empty() {
        return None;
    }
    let list: Vec<String> = dirs
        .iter()
        .map(|d| format!("`{}`", report::inert::path(d)))
        .collect();
    Some(format!(
        "warning: no Kubernetes manifests found in {} (YAML or JSON files with `apiVersion` and \
         `kind`; --verbose lists the files skipped and why)\n",
        list.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_on_a_terminal_is_announced() {
        let dash = vec!["-".to_owned()];
        assert!(stdin_notice(&dash, true).is_some_and(|n| n.contains("standard input")));
        assert!(stdin_notice(&dash, false).is_none());
        assert!(stdin_notice(&[".".to_owned()], true).is_none());
    }
}
