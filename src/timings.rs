//! Phase timings for profiling whole runs (`KUBEWARD_TIMINGS=1`).
//!
//! Phase timings for profiling whole runs: with `KUBEWARD_TIMINGS=1` in the environment, each
//! phase of a `lint` run (walk, per-file lint, merge, cross-object rules, sort, output) prints
//! its wall time and the process's peak resident memory so far to stderr when the run ends.

use std::sync::Mutex;
use std::sync::OnceLock;
use std::time::Instant;

struct Clock {
    last: Instant,
    phases: Vec<(&'static str, f64, u64)>,
}

fn clock() -> Option<&'static Mutex<Clock>> {
    static CLOCK: OnceLock<Option<Mutex<Clock>>> = OnceLock::new();
    CLOCK
        .get_or_init(|| {
            std::env::var_os("KUBEWARD_TIMINGS")
                .filter(|v| !v.is_empty() && v != "0")
                .map(|_| {
                    Mutex::new(Clock {
                        last: Instant::now(),
                        phases: Vec::new(),
                    })
                })
        })
        .as_ref()
}

/// Peak resident set size of this process in kilobytes (Linux; 0 elsewhere).
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Start the clock (call first thing in `main`-like entry points).
pub fn start() {
    if let Some(c) = clock()
        && let Ok(mut c) = c.lock()
    {
        c.last = Instant::now();
    }
}

/// End the phase called `name`: the time since the previous mark is charged to it.
pub fn mark(name: &'static str) {
    if let Some(c) = clock()
        && let Ok(mut c) = c.lock()
    {
        let now = Instant::now();
        let secs = now.duration_since(c.last).as_secs_f64();
        c.last = now;
        c.phases.push((name, secs, peak_rss_kb()));
    }
}

/// Print the phases to stderr.
pub fn report() {
    if let Some(c) = clock()
        && let Ok(c) = c.lock()
    {
        let total: f64 = c.phases.iter().map(|p| p.1).sum();
        let mut out = String::from("phase timings (wall s, peak RSS so far):\n");
        for (name, secs, rss) in &c.phases {
            out.push_str(&format!(
                "  {name:<24} {secs:9.4} s  {:5.1} %  {:7.1} MB\n",
                100.0 * secs / total.max(1e-9),
                *rss as f64 / 1024.0
            ));
        }
        out.push_str(&format!("  {:<24} {total:9.4} s\n", "total"));
        crate::report::outfile::stderr(&out);
    }
}
