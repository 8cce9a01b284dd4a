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
use crate::input::{Input, InputSource, display_path};

/// `--render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Render when a renderer is available.
    #[default]
    Auto,
    /// Never run a renderer.
    Never,
}

/// How to render.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--render`.
    pub mode: Mode,
    /// `--helm PATH` (else `helm` from `PATH`).
    pub helm: Option<PathBuf>,
    /// `--helm-values FILE`, in order.
    pub helm_values: Vec<PathBuf>,
}

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
    if !roots.is_empty() {
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
    out
}

fn kustomize_all(
    mut roots: Vec<PathBuf>,
    opts: &Options,
    out: &mut Prepared,
    skip: &mut BTreeMap<PathBuf, &'static str>,
    rendered: &mut Vec<Input>,
) {
    let mut graph = Graph::default();
    roots.retain(|d| graph.get(d).is_some());
    let entries = graph.entry_points(&roots);
    let trees: Vec<BTreeSet<PathBuf>> = entries.iter().map(|e| graph.tree(e)).collect();
    for file in kustomize::patch_files(&graph).into_keys() {
        skip.insert(file, PATCH);
    }
    if entries.is_empty() {
        return;
    }
    let overlays = plural(entries.len(), "overlay", "overlays");
    let renderer = match opts.mode {
        Mode::Never => {
            out.notices.push(format!(
                "Kustomize: {overlays} not rendered (--render never); their raw resources were linted, patches skipped"
            ));
            return;
        }
        Mode::Auto => Renderer::find(),
    };
    let Some(renderer) = renderer else {
        out.notices.push(format!(
            "Kustomize: {overlays} not rendered (neither `kustomize` nor `kubectl` is on PATH); their raw resources were linted, patches skipped"
        ));
        return;
    };
    let builds: Vec<_> = entries
        .par_iter()
        .map(|dir| build::build(&renderer, dir, &graph))
        .collect();
    let mut ok = 0;
    for ((dir, tree), build) in entries.iter().zip(trees).zip(builds) {
        let shown = display_path(dir);
        match build {
            Ok(b) => {
                ok += 1;
                for f in tree.iter().chain(&b.origins) {
                    let reason = if kustomize::is_kustomization(f) {
                        RENDERED_KUSTOMIZATION
                    } else {
                        RENDERED_RESOURCE
                    };
                    skip.entry(f.clone()).or_insert(reason);
                }
                let kustomization = graph
                    .cached(dir)
                    .map_or_else(|| dir.join("kustomization.yaml"), |k| k.path.clone());
                let text: Arc<str> = Arc::from(b.text);
                rendered.push(Input {
                    display: format!("{shown} ({})", renderer.name()),
                    source: InputSource::Rendered(Arc::new(Rendered {
                        text,
                        via: Via::Kustomize {
                            kustomization,
                            docs: b.docs,
                        },
                    })),
                    report: true,
                    namespace: None,
                });
            }
            Err(e) => out.notices.push(format!(
                "Kustomize overlay {shown} not rendered: {}; its raw resources were linted",
                exec::shorten(&e, 300)
            )),
        }
    }
    if ok > 0 {
        out.notices.push(format!(
            "Kustomize: rendered {} with `{}`",
            plural(ok, "overlay", "overlays"),
            renderer.name()
        ));
    }
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
    let results: Vec<_> = charts
        .par_iter()
        .map(|c| {
            if helm::is_library(c) {
                Err("a library chart renders nothing".to_owned())
            } else {
                helm::template(&helm, c, &opts.helm_values)
            }
        })
        .collect();
    for (chart, result) in charts.iter().zip(results) {
        let shown = display_path(chart);
        match result {
            Ok(text) => {
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
                    namespace: None,
                });
                out.notices
                    .push(format!("Helm chart {shown}: rendered with `helm template`"));
            }
            Err(e) => out.notices.push(format!(
                "Helm chart {shown} not rendered: {}; its templates were not linted",
                exec::shorten(&e, 300)
            )),
        }
    }
}
