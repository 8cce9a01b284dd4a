//! `kubeward lint`: the run, filtered by a baseline or a base revision, written in the chosen
//! format, and the exit code.

use std::io::{IsTerminal, Write};

use crate::baseline;
use crate::cli::{ColorChoice, FailOn, LintArgs};
use crate::error::Error;
use crate::report::{self, Format, outfile};
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
        let known = baseline::read(path)?
            .findings
            .into_iter()
            .map(|e| e.fingerprint)
            .collect();
        let (dropped, stale) = baseline::filter_known(&mut run, &known);
        notes.push(format!(
            "baseline: {dropped} known findings not reported, {stale} stale entries"
        ));
    }
    if let Some(rev) = &args.new_from_rev {
        match baseline::old_findings(rev, &args_for_base(raw))? {
            baseline::Old::Fingerprints(fps, base) => {
                let (dropped, _) = baseline::filter_known(&mut run, &fps);
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

    let color = use_color(args.color);
    let rules = &plan.rules;
    let frame = plan.sarif_frame.take().map(|h| {
        h.join()
            .unwrap_or_else(|_| Err(std::io::Error::other("internal error: SARIF frame")))
    });
    let sarif = |w: &mut dyn std::io::Write| match &frame {
        Some(Ok(f)) => report::sarif::write_framed(&run, rules, f, w),
        Some(Err(e)) => Err(std::io::Error::new(e.kind(), e.to_string())),
        None => report::sarif::write(&run, rules, None, w),
    };
    let write_report = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        match args.format {
            Format::Human => Ok(()),
            Format::Sarif => sarif(w),
            Format::Json => report::json::write(&run, w),
            Format::Github => w.write_all(report::github::render(&run).as_bytes()),
            Format::Gitlab => w.write_all(report::gitlab::render(&run).as_bytes()),
            Format::Junit => w.write_all(report::junit::render(&run).as_bytes()),
        }
    };
    if let Some(path) = &args.sarif_file {
        outfile::write_with(path, |w| sarif(w))
            .map_err(|e| Error::Write(path.display().to_string(), e))?;
    }
    if args.format == Format::Github
        && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
    {
        use std::io::Write as _;
        let summary = report::github::step_summary(&run);
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(summary.as_bytes()));
        appended
            .map_err(|e| Error::Write(std::path::PathBuf::from(&path).display().to_string(), e))?;
    }
    let mut stderr = String::new();
    if args.format == Format::Human {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        // Diagnostics go out as they are drawn (a large run is never held as one string).
        let mut err = std::io::BufWriter::new(std::io::stderr().lock());
        report::human::render_each(
            &run,
            report::human::Style {
                color,
                unicode: true,
                width,
            },
            &mut |d| {
                let _ = err.write_all(d.as_bytes());
            },
        );
        let _ = err.flush();
    }
    if !args.quiet {
        stderr.push_str(&report::summary(&run, args.verbose, true));
        for n in &notes {
            stderr.push_str(n);
            stderr.push('\n');
        }
    }
    let _ = std::io::stderr().write_all(stderr.as_bytes());
    if args.format != Format::Human {
        match &args.output {
            Some(path) => outfile::write_with(path, |w| write_report(w))
                .map_err(|e| Error::Write(path.display().to_string(), e))?,
            // A closed pipe (`| head`) is not an error worth reporting; a full disk is.
            None => outfile::stdout_with(|w| write_report(w))
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
