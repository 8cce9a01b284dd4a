//! Helm: charts rendered with `helm template`, `# Source:` comments resolved to templates.
//!
//! Helm: charts in the repository rendered with `helm template`, and `# Source:` comments of
//! rendered streams resolved to the template files that wrote them.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

use super::sandbox::{Failure, Limits, Sandbox};
use crate::yaml::{NodeRef, parse_stream};

/// The release name passed to `helm template` (Helm's own default).
pub const RELEASE: &str = "release-name";

/// The template named by a document's leading comments (`# Source: <chart>/templates/<file>`);
/// the last one wins, as it is the one written right before the document.
pub fn source_comment<'t>(comments: &[&'t str]) -> Option<&'t str> {
    comments
        .iter()
        .rev()
        .find_map(|c| c.strip_prefix("Source:"))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The text of `path` if it is a regular file inside `root` (`Chart.yaml` files met while a
/// `# Source:` comment is resolved may be links).
fn read_inside(root: &Path, path: &Path) -> Option<String> {
    let canonical = std::fs::canonicalize(path).ok()?;
    if !canonical.starts_with(root) || !std::fs::metadata(&canonical).is_ok_and(|m| m.is_file()) {
        return None;
    }
    std::fs::read_to_string(canonical).ok()
}

/// `name:` of a chart's `Chart.yaml`.
fn chart_name(chart: &Path, root: &Path) -> Option<String> {
    let text = read_inside(root, &chart.join("Chart.yaml"))?;
    let stream = parse_stream(&text);
    let doc = stream.docs.first()?;
    doc.root()
        .get("name")
        .and_then(NodeRef::as_str)
        .map(str::to_owned)
}

/// Whether `Chart.yaml` says `type: library` (such a chart renders nothing).
pub fn is_library(chart: &Path) -> bool {
    std::fs::read_to_string(chart.join("Chart.yaml")).is_ok_and(|text| {
        let stream = parse_stream(&text);
        stream
            .docs
            .first()
            .and_then(|d| d.root().get("type").and_then(NodeRef::as_str))
            == Some("library")
    })
}

/// Whether `dir` is a subchart (`<parent chart>/charts/<dir>`), rendered with its parent.
pub fn is_subchart(dir: &Path) -> bool {
    dir.parent().is_some_and(|p| {
        p.file_name() == Some(OsStr::new("charts"))
            && p.parent().is_some_and(|pp| pp.join("Chart.yaml").is_file())
    })
}

/// The file a `# Source:` path names, never outside `root` (canonical, as `chart` and `start`
/// are): the path must be relative and must not climb (a chart's own comment can say anything),
/// and the caller reads only a regular file that canonicalises inside the root. With `chart` (a
/// chart kubeward rendered) the first path segment is that chart; otherwise the chart is looked
/// up from `start` upwards to the root: a directory that is the chart (its `Chart.yaml` names
/// it), holds it, or holds it under `charts/`.
pub fn resolve(source: &str, chart: Option<&Path>, start: &Path, root: &Path) -> Option<PathBuf> {
    let source = source.trim_start_matches("./");
    let (name, rest) = source.split_once('/')?;
    let plain = |s: &str| {
        !s.is_empty()
            && !s.contains('\\')
            && Path::new(s)
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
    };
    if !plain(name) || name.contains('/') || !plain(rest) {
        return None;
    }
    let found = |dir: &Path| Some(dir.join(rest)).filter(|p| p.starts_with(root) && p.is_file());
    if let Some(c) = chart {
        return found(c);
    }
    for dir in start.ancestors().take_while(|d| d.starts_with(root)) {
        if dir.join("Chart.yaml").is_file()
            && (dir.file_name() == Some(OsStr::new(name))
                || chart_name(dir, root).as_deref() == Some(name))
            && let Some(p) = found(dir)
        {
            return Some(p);
        }
        for sub in [dir.join(name), dir.join("charts").join(name)] {
            if sub.join("Chart.yaml").is_file()
                && let Some(p) = found(&sub)
            {
                return Some(p);
            }
        }
    }
    // A chart whose directory is not named after it (`./chart`, `deploy/helm`): look a few
    // levels down from where the stream came from.
    let mut charts = Vec::new();
    chart_dirs(start, 3, &mut charts);
    charts
        .iter()
        .filter(|d| chart_name(d, root).as_deref() == Some(name))
        .find_map(|d| found(d))
}

/// Directories holding a `Chart.yaml`, up to `depth` levels below `dir` (hidden directories,
/// `node_modules` and `target` left out), in name order.
fn chart_dirs(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(OsStr::to_str)
                .is_some_and(|n| !n.starts_with('.') && n != "node_modules" && n != "target")
        })
        .collect();
    subdirs.sort();
    for sub in subdirs {
        if sub.join("Chart.yaml").is_file() {
            out.push(sub.clone());
        }
        if depth > 1 {
            chart_dirs(&sub, depth - 1, out);
        }
    }
}

/// `helm template` of the chart in `dir` (absolute) with the given values files (absolute), in a
/// sandbox. JSON schema validation is skipped: helm would fetch a `$ref` of a chart's
/// `values.schema.json` (any URL, `file://` included).
pub fn template(
    helm: &Path,
    dir: &Path,
    values: &[PathBuf],
    limits: &Limits,
) -> Result<String, Failure> {
    let sandbox =
        Sandbox::new().map_err(|e| Failure::Start(format!("no scratch directory: {e}")))?;
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("template"),
        OsStr::new(RELEASE),
        dir.as_os_str(),
        OsStr::new("--skip-schema-validation"),
    ];
    for v in values {
        args.push(OsStr::new("--values"));
        args.push(v.as_os_str());
    }
    sandbox.run(helm, &args, limits).map_err(|f| match f {
        Failure::Exit(m) if m.contains("unknown flag: --skip-schema-validation") => Failure::Exit(
            "this helm cannot skip values.schema.json validation (which may fetch URLs); helm 3.16 or later is needed".to_owned(),
        ),
        f => f,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_source_comment_names_the_template() {
        assert_eq!(
            source_comment(&["trailing note", "Source: web/templates/deployment.yaml"]),
            Some("web/templates/deployment.yaml")
        );
        assert_eq!(source_comment(&["Source:"]), None);
        assert_eq!(source_comment(&[]), None);
    }
}
