//! What to lint when charts and overlays are rendered, and the notices that say so.
//!
//! What to lint when charts and kustomizations are rendered: after discovery, Helm charts and
//! entry-point Kustomize overlays become rendered inputs, the raw files they were rendered from
//! are skipped, patches are never linted on their own, and every choice is said in a notice.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::build::{self, KDoc, Renderer};
use super::exec;
use super::helm;
use super::kustomize::{self, Graph};
pub use super::options::{Context, Error, Explicit, Mode, Options};
use super::problem::{Kind, Problem};
use super::{chart, guard};
use crate::input::{Input, InputSource, display_path};
use crate::yaml::{Label, Pointer};

/// How a rendered stream was made, and what is known about each of its documents.
#[derive(Debug)]
pub enum Via {
    /// `helm template` of the chart in this directory (absolute).
    Helm {
        /// The chart directory.
        chart: PathBuf,
    },
    /// A Kustomize build of an overlay.
    Kustomize {
        /// The overlay's kustomization file (absolute).
        kustomization: PathBuf,
        /// Per document of the stream.
        docs: Vec<KDoc>,
    },
}

/// A stream kubeward rendered.
#[derive(Debug)]
pub struct Rendered {
    /// The rendered text.
    pub text: Arc<str>,
    /// How it was made.
    pub via: Via,
}

/// The inputs after rendering.
#[derive(Debug, Default)]
pub struct Prepared {
    /// What to lint (sorted by display path).
    pub inputs: Vec<Input>,
    /// Skipped paths with reasons.
    pub skipped: Vec<(String, String)>,
    /// What the summary must say about rendering.
    pub notices: Vec<String>,
    /// For the lint run.
    pub context: Context,
    /// What was rendered only because a file given one by one builds into it: of what it
    /// finds, only what lands on the paths given is reported.
    pub restricted: Restricted,
    /// Files that are not objects of their own in a repository run (patches, and the files of
    /// the overlays rendered): never read raw as context.
    pub not_context: Vec<PathBuf>,
}

/// The overlays rendered only because a file given one by one builds into them.
#[derive(Debug, Default)]
pub struct Restricted {
    /// Their rendered inputs, by display.
    pub renders: Vec<String>,
    /// The files they build from that no other overlay rendered builds from (absolute): the
    /// findings of the cross-object rules on their objects land there.
    pub files: BTreeSet<PathBuf>,
}

impl Restricted {
    /// Whether nothing was rendered for files given one by one only.
    pub fn is_empty(&self) -> bool {
        self.renders.is_empty()
    }
}

/// Reason for patches listed by a kustomization.
pub const PATCH: &str = "Kustomize patch (partial object)";
/// Reason for raw files of a rendered overlay.
pub const RENDERED_RESOURCE: &str = "Kustomize resource (linted as rendered)";
/// Reason for templates of a rendered chart.
pub const RENDERED_TEMPLATE: &str = "Helm template (linted as rendered)";
/// Reason discovery gives templates of charts (kept when the chart is not rendered).
const UNRENDERED_TEMPLATE: &str = "Helm template (not rendered)";

fn input_path(i: &Input) -> Option<PathBuf> {
    match &i.source {
        InputSource::Path(p) => Some(exec::absolute(p)),
        _ => None,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Reason for the kustomization files of a rendered overlay.
pub const RENDERED_KUSTOMIZATION: &str = "kustomization file (rendered)";

/// Render what can be rendered and decide what to lint.
pub fn prepare(inputs: Vec<Input>, skipped: Vec<(String, String)>, opts: &Options) -> Prepared {
    let mut out = Prepared {
        inputs: Vec::new(),
        skipped,
        notices: Vec::new(),
        context: Context {
            scope: opts.scope.clone(),
            problems: Vec::new(),
        },
        restricted: Restricted::default(),
        not_context: Vec::new(),
    };
    let mut skip: BTreeMap<PathBuf, &'static str> = BTreeMap::new();
    let mut rendered = Vec::new();
    let path_of = |i: &Input| match &i.source {
        InputSource::Path(p) => Some(p.clone()),
        _ => None,
    };
    let roots: Vec<PathBuf> = inputs
        .iter()
        .filter_map(path_of)
        .chain(out.skipped.iter().map(|(p, _)| PathBuf::from(p)))
        .filter(|p| kustomize::is_kustomization(p))
        .filter_map(|p| exec::absolute(&p).parent().map(Path::to_path_buf))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !roots.is_empty() || !opts.explicit.kustomizations.is_empty() {
        kustomize_all(roots, opts, &mut out, &mut skip, &mut rendered);
    }
    let charts: Vec<PathBuf> = inputs
        .iter()
        .filter_map(path_of)
        .filter(|p| p.file_name().is_some_and(|n| n == "Chart.yaml"))
        .filter_map(|p| exec::absolute(&p).parent().map(Path::to_path_buf))
        .filter(|d| !helm::is_subchart(d))
        .collect();
    if !charts.is_empty() {
        helm_all(&charts, opts, &mut out, &mut rendered);
    }
    if skip.is_empty() {
        out.inputs = inputs;
    } else {
        for input in inputs {
            match input_path(&input).and_then(|p| skip.get(&p).copied()) {
                Some(reason) => out.skipped.push((input.display, reason.to_owned())),
                None => out.inputs.push(input),
            }
        }
    }
    out.inputs.extend(rendered);
    out.inputs.sort_by(|a, b| a.display.cmp(&b.display));
    out.skipped.sort();
    let problems = &mut out.context.problems;
    problems.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    problems.dedup();
    out
}

/// An overlay refused before rendering: its problems become findings; its raw resources are
/// linted (they were never skipped).
fn unsafe_overlay(dir: &Path, problems: Vec<Problem>, out: &mut Prepared) {
    if problems.is_empty() {
        return;
    }
    out.notices.push(format!(
        "Kustomize overlay {} not rendered (unsafe-render-input); its raw resources were linted",
        display_path(dir)
    ));
    out.context.problems.extend(problems);
}

/// Where a finding about an overlay as a whole goes: its `resources:` key, else its first line.
fn overlay_label(k: &kustomize::KFile) -> Option<Label> {
    std::fs::read_to_string(&k.path)
        .ok()
        .filter(|t| {
            crate::yaml::parse_stream(t)
                .docs
                .first()
                .is_some_and(|d| d.root().get("resources").is_some())
        })
        .map(|_| Label::at(Pointer::root().key("resources")).key())
}

fn kustomize_all(
    mut roots: Vec<PathBuf>,
    opts: &Options,
    out: &mut Prepared,
    skip: &mut BTreeMap<PathBuf, &'static str>,
    rendered: &mut Vec<Input>,
) {
    let mut graph = Graph::new(opts.scope.clone());
    // A kustomization file that is a link out of the repository is never read: such an overlay
    // is refused as it is.
    let mut refused: Vec<PathBuf> = Vec::new();
    roots.retain(|d| {
        if graph.get(d).is_some() {
            return true;
        }
        if kustomize::in_dir(d).is_some() || has_kustomization_link(d) {
            refused.push(d.clone());
        }
        false
    });
    let restricted = explicit_overlays(&mut graph, &mut roots, &opts.explicit);
    let entries = graph.entry_points(&roots);
    let trees: Vec<BTreeSet<PathBuf>> = entries.iter().map(|e| graph.tree(e)).collect();
    for file in kustomize::patch_files(&graph).into_keys() {
        out.not_context.push(file.clone());
        skip.insert(file, PATCH);
    }
    // What an overlay rendered only for files given one by one reports elsewhere is left out.
    let covered = |dir: &PathBuf, problems: Vec<Problem>| -> Vec<Problem> {
        if restricted.contains(dir) {
            problems
                .into_iter()
                .filter(|p| opts.explicit.covers(&p.file))
                .collect()
        } else {
            problems
        }
    };
    if entries.is_empty() && refused.is_empty() {
        return;
    }
    if opts.mode == Mode::Never {
        out.notices.push(format!(
            "Kustomize: {} not rendered (--render never); their raw resources were linted, patches skipped",
            plural(entries.len(), "overlay", "overlays")
        ));
        return;
    }
    // Checked before anything runs (and whether or not a renderer is installed): an unsafe
    // overlay is never rendered, and a finding says why.
    for dir in &refused {
        unsafe_overlay(dir, guard::check(dir, &opts.scope), out);
    }
    let checks: Vec<Vec<Problem>> = entries
        .par_iter()
        .map(|dir| guard::check(dir, &opts.scope))
        .collect();
    let mut safe = Vec::new();
    for ((dir, tree), problems) in entries.into_iter().zip(trees).zip(checks) {
        if problems.is_empty() {
            safe.push((dir, tree));
        } else {
            let problems = covered(&dir, problems);
            unsafe_overlay(&dir, problems, out);
        }
    }
    if safe.is_empty() {
        return;
    }
    let Some(renderer) = Renderer::find() else {
        out.notices.push(format!(
            "Kustomize: {} not rendered (neither `kustomize` nor `kubectl` is on PATH); their raw resources were linted, patches skipped",
            plural(safe.len(), "overlay", "overlays")
        ));
        return;
    };
    let builds: Vec<_> = safe
        .par_iter()
        .map(|(dir, _)| build::build(&renderer, dir, &graph, &opts.scope, &opts.limits))
        .collect();
    let mut ok = 0;
    // Files built into the overlays rendered for files given one by one, and into the others.
    let mut only_given = BTreeSet::new();
    let mut unrestricted = BTreeSet::new();
    for ((dir, tree), build) in safe.iter().zip(builds) {
        let shown = display_path(dir);
        match build {
            Ok(b) => {
                ok += 1;
                // Origins are data a patch can forge: only files the overlay is built from
                // are taken as linted through it.
                for f in tree
                    .iter()
                    .chain(b.origins.iter().filter(|o| tree.contains(*o)))
                {
                    let reason = if kustomize::is_kustomization(f) {
                        RENDERED_KUSTOMIZATION
                    } else {
                        RENDERED_RESOURCE
                    };
                    skip.entry(f.clone()).or_insert(reason);
                    out.not_context.push(f.clone());
                }
                let kustomization = graph
                    .cached(dir)
                    .map_or_else(|| dir.join("kustomization.yaml"), |k| k.path.clone());
                let text: Arc<str> = Arc::from(b.text);
                let display = format!("{shown} ({})", renderer.name());
                if restricted.contains(dir) {
                    out.restricted.renders.push(display.clone());
                    only_given.extend(tree.iter().cloned());
                } else {
                    unrestricted.extend(tree.iter().cloned());
                }
                rendered.push(Input {
                    display,
                    source: InputSource::Rendered(Arc::new(Rendered {
                        text,
                        via: Via::Kustomize {
                            kustomization,
                            docs: b.docs,
                        },
                    })),
                    report: true,
                });
            }
            Err(e) => {
                let message = exec::shorten(&e.message(renderer.name()), 300);
                out.notices.push(format!(
                    "Kustomize overlay {shown} not rendered (render-error); its raw resources were linted"
                ));
                let (file, label) = match graph.cached(dir) {
                    Some(k) => (k.path.clone(), overlay_label(k)),
                    None => (dir.join(kustomize::FILE_NAMES[0]), None),
                };
                let problem = Problem::at(Kind::Error, &file, 0, label).says(
                    format!("the overlay was not rendered: {message}"),
                    "overlay not rendered",
                    "Fix the overlay so that `kustomize build` succeeds within the limits (--render-timeout, --render-max-output), or lint it with --render never.",
                );
                out.context.problems.extend(covered(dir, vec![problem]));
            }
        }
    }
    out.restricted.files = only_given.difference(&unrestricted).cloned().collect();
    if ok > 0 {
        out.notices.push(format!(
            "Kustomize: rendered {} with `{}`",
            plural(ok, "overlay", "overlays"),
            renderer.name()
        ));
    }
}

/// The overlays to render for the files given one by one, as the repository run renders them:
/// the repository's entry points (among every kustomization of the files' work trees) whose
/// tree holds a path given (a file, or a file under a directory given), added to `roots`, from which the directories of kustomization
/// files given one by one are taken out (they are built through those entry points, not on
/// their own). Returns the entry points added that the directories given would not render:
/// only what they render on the paths given is reported.
fn explicit_overlays(
    graph: &mut Graph,
    roots: &mut Vec<PathBuf>,
    explicit: &Explicit,
) -> BTreeSet<PathBuf> {
    if explicit.files.is_empty() || explicit.kustomizations.is_empty() {
        return BTreeSet::new();
    }
    roots.retain(|d| {
        explicit.dirs.iter().any(|x| d.starts_with(x))
            || !kustomize::FILE_NAMES
                .iter()
                .any(|n| explicit.files.contains(&d.join(n)))
    });
    let walked: BTreeSet<PathBuf> = graph.entry_points(roots).into_iter().collect();
    let mut every: Vec<PathBuf> = explicit
        .kustomizations
        .iter()
        .chain(roots.iter())
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    every.retain(|d| graph.get(d).is_some());
    let mut added = BTreeSet::new();
    for entry in graph.entry_points(&every) {
        if graph.tree(&entry).iter().any(|f| explicit.covers(f)) {
            if !walked.contains(&entry) {
                added.insert(entry.clone());
            }
            roots.push(entry);
        }
    }
    roots.sort();
    roots.dedup();
    added
}

fn helm_all(charts: &[PathBuf], opts: &Options, out: &mut Prepared, rendered: &mut Vec<Input>) {
    let helm = match opts.mode {
        Mode::Never => Err("--render never".to_owned()),
        Mode::Auto => opts
            .helm
            .clone()
            .or_else(|| exec::on_path("helm"))
            .ok_or_else(|| "`helm` is not on PATH; pass --helm PATH".to_owned()),
    };
    let helm = match helm {
        Ok(h) => h,
        Err(why) => {
            for c in charts {
                out.notices.push(format!(
                    "Helm chart {} not rendered ({why}); its templates were not linted",
                    display_path(c)
                ));
            }
            return;
        }
    };
    /// What became of one chart.
    enum Outcome {
        Unsafe(Problem),
        Library,
        Rendered(Result<String, super::sandbox::Failure>),
    }
    let results: Vec<Outcome> = charts
        .par_iter()
        .map(|c| {
            if let Some(p) = chart::check(c, &opts.scope) {
                Outcome::Unsafe(p)
            } else if helm::is_library(c) {
                Outcome::Library
            } else {
                Outcome::Rendered(helm::template(&helm, c, &opts.helm_values, &opts.limits))
            }
        })
        .collect();
    for (chart, result) in charts.iter().zip(results) {
        let shown = display_path(chart);
        match result {
            Outcome::Rendered(Ok(text)) => {
                let prefix = format!("{shown}/");
                for (path, reason) in &mut out.skipped {
                    if reason == UNRENDERED_TEMPLATE && path.starts_with(&prefix) {
                        *reason = RENDERED_TEMPLATE.to_owned();
                    }
                }
                rendered.push(Input {
                    display: format!("{shown} (helm template)"),
                    source: InputSource::Rendered(Arc::new(Rendered {
                        text: Arc::from(text),
                        via: Via::Helm {
                            chart: chart.clone(),
                        },
                    })),
                    report: true,
                });
                out.notices
                    .push(format!("Helm chart {shown}: rendered with `helm template`"));
            }
            Outcome::Library => out.notices.push(format!(
                "Helm chart {shown} not rendered: a library chart renders nothing; its templates were not linted"
            )),
            Outcome::Unsafe(p) => {
                out.notices.push(format!(
                    "Helm chart {shown} not rendered (unsafe-render-input); its templates were not linted"
                ));
                out.context.problems.push(p);
            }
            Outcome::Rendered(Err(e)) => {
                let message = exec::shorten(&e.message("helm template"), 300);
                out.notices.push(format!(
                    "Helm chart {shown} not rendered (render-error); its templates were not linted"
                ));
                let chart_yaml = chart.join("Chart.yaml");
                let label = chart::name_label(&chart_yaml);
                out.context.problems.push(
                    Problem::at(Kind::Error, &chart_yaml, 0, label).says(
                        format!("the chart was not rendered: {message}"),
                        "chart not rendered",
                        "Fix the chart so that `helm template` succeeds within the limits (--render-timeout, --render-max-output), or lint it with --render never.",
                    ),
                );
            }
        }
    }
}

/// Whether `dir` holds a kustomization file that is a symbolic link (which [`Graph`] does not
/// read when it leads out of the repository).
fn has_kustomization_link(dir: &Path) -> bool {
    kustomize::FILE_NAMES
        .iter()
        .any(|n| std::fs::symlink_metadata(dir.join(n)).is_ok_and(|m| m.file_type().is_symlink()))
}
