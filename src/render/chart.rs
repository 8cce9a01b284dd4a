//! A chart's tree checked before rendering: no link out of it, nothing but regular files.
//!
//! Before a chart is rendered, its whole tree (subcharts under `charts/` included) is looked at
//! without following a link: `helm template` follows symbolic links and opens every file it
//! finds, so a link that leaves the chart, or a FIFO, socket or device, makes the chart unsafe.

use std::path::{Path, PathBuf};

use super::problem::{Kind, Problem};
use super::scope::Scope;
use crate::yaml::{Label, Pointer, parse_stream};

const HELP: &str =
    "Keep every file of the chart inside the chart directory, as a regular file or a directory.";

/// What is wrong with one entry of a chart.
enum Bad {
    /// A symbolic link that resolves outside the chart (or nowhere).
    Leaves,
    /// A symbolic link to a directory that holds it (Helm would walk it forever).
    Loops,
    /// A FIFO, socket or device.
    Special,
}

/// The problem that makes the chart in `chart` (an absolute directory) unsafe to render, if any:
/// one finding on its `Chart.yaml`, naming the first offending path and how many there are.
pub fn check(chart: &Path, scope: &Scope) -> Option<Problem> {
    let chart_yaml = chart.join("Chart.yaml");
    let Ok(canonical) = std::fs::canonicalize(chart) else {
        return None;
    };
    let mut bad: Vec<(PathBuf, Bad)> = Vec::new();
    if scope.root_of(&canonical).is_none() {
        bad.push((PathBuf::from("."), Bad::Leaves));
    } else {
        walk(&canonical, &canonical, &mut bad);
    }
    let (first, why) = bad.first()?;
    let what = match why {
        Bad::Leaves => "a symbolic link that leaves the chart",
        Bad::Loops => "a symbolic link to a directory that holds it",
        Bad::Special => {
            "a file that is neither a regular file nor a directory (a FIFO, socket or device)"
        }
    };
    let more = match bad.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    let shown = super::exec::printable(&first.to_string_lossy());
    let label = name_label(&chart_yaml);
    Some(
        Problem::at(Kind::Unsafe, &chart_yaml, 0, label).says(
            format!("the chart holds {what}: `{shown}`{more}; helm would read it, so the chart was not rendered"),
            "chart not rendered",
            HELP,
        ),
    )
}

/// The `name:` of a chart's `Chart.yaml`, where its findings point.
pub fn name_label(chart_yaml: &Path) -> Option<Label> {
    let text = std::fs::read_to_string(chart_yaml).ok()?;
    let stream = parse_stream(&text);
    let doc = stream.docs.first()?;
    doc.root()
        .get("name")
        .map(|_| Label::at(Pointer::root().key("name")))
}

/// Every entry below `dir` (real directories only; links are looked at, not followed), in name
/// order.
fn walk(chart: &Path, dir: &Path, bad: &mut Vec<(PathBuf, Bad)>) {
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        let mut subdirs = Vec::new();
        for e in entries {
            let path = e.path();
            let rel = || path.strip_prefix(chart).unwrap_or(&path).to_path_buf();
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                subdirs.push(path);
            } else if t.is_symlink() {
                match std::fs::canonicalize(&path) {
                    Ok(target) if target.starts_with(chart) => match std::fs::metadata(&target) {
                        Ok(m) if m.is_dir() && path.starts_with(&target) => {
                            bad.push((rel(), Bad::Loops))
                        }
                        Ok(m) if m.is_file() || m.is_dir() => {}
                        _ => bad.push((rel(), Bad::Special)),
                    },
                    _ => bad.push((rel(), Bad::Leaves)),
                }
            } else if !t.is_file() {
                bad.push((rel(), Bad::Special));
            }
        }
        // Depth first, in name order.
        todo.extend(subdirs.into_iter().rev());
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_out_of_the_chart_and_fifos_are_refused() {
        let tmp = std::env::temp_dir().join(format!("kw-chart-{}", std::process::id()));
        let chart = tmp.join("repo/chart");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::create_dir_all(chart.join("charts/sub/templates")).unwrap();
        std::fs::write(
            chart.join("Chart.yaml"),
            "apiVersion: v2\nname: c\nversion: 1.0.0\n",
        )
        .unwrap();
        std::fs::write(tmp.join("secret"), "s").unwrap();
        let scope = Scope::of(&[tmp.join("repo").display().to_string()]);
        assert!(check(&chart, &scope).is_none());
        std::os::unix::fs::symlink("../Chart.yaml", chart.join("templates/ok.yaml")).unwrap();
        assert!(
            check(&chart, &scope).is_none(),
            "a link inside the chart is fine"
        );
        std::os::unix::fs::symlink(
            tmp.join("secret"),
            chart.join("charts/sub/templates/x.yaml"),
        )
        .unwrap();
        let p = check(&chart, &scope).expect("refused");
        assert!(
            p.message
                .contains("leaves the chart: `charts/sub/templates/x.yaml`"),
            "{}",
            p.message
        );
        assert_eq!(p.at, Some(Label::at(Pointer::root().key("name"))));
        std::os::unix::fs::symlink("..", chart.join("templates/loop")).unwrap();
        let p = check(&chart, &scope).expect("refused");
        assert!(p.message.contains("(and 1 more)"), "{}", p.message);
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
