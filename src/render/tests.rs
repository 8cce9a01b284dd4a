//! Tracing checked on many labels at once, over the fixtures and the corpus.
//!
//! Tracing checked on many labels at once: a probe rule reports at every object's `kind` and
//! `metadata.name`, every container's `image` and a missing setting of every container, over
//! the fixtures and the real repositories of the corpus. Every finding must land on an existing
//! file, on a line that writes the key it names.

use std::path::PathBuf;

use crate::engine::{self, Run};
use crate::input::{DiscoverOptions, discover};
use crate::model::{Container, Object, PodSpec};
use crate::rule::{Context, Rule, Settings, declare_rule};

declare_rule! {
    /// Test probe: a finding at every label the tracer must map.
    pub Probe {
        id: "probe",
        category: Validity,
        severity: Low,
        summary: "probe",
        since: "0.0.0",
    }
}

impl Rule for Probe {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        cx.report(self, obj.at(["kind"]));
        cx.report(self, obj.at(["metadata", "name"]).value());
        if let Some(pod) = obj.pod.as_ref() {
            self.check_pod(obj, pod, cx);
        }
    }

    fn check_container(&self, _pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        cx.report(self, c.at(["image"]));
        cx.report(self, c.missing(["securityContext", "seccompProfile"]));
    }
}

fn corpus(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("note: {} is absent; skipping", p.display());
        None
    }
}

fn renderer() -> bool {
    let found = super::build::Renderer::find().is_some();
    if !found {
        eprintln!("note: neither kubectl nor kustomize is on PATH; skipping");
    }
    found
}

fn lint(path: &str) -> Run {
    let (inputs, skipped) =
        discover(&[path.to_owned()], &DiscoverOptions::default()).expect("discover");
    let opts = super::Options {
        scope: super::Scope::of(&[path.to_owned()]),
        ..super::Options::default()
    };
    let prepared = super::prepare(inputs, skipped, &opts);
    let settings = Settings::default();
    let mut run = engine::lint(
        prepared.inputs,
        prepared.skipped,
        &engine::Options {
            rules: vec![&Probe],
            settings: &settings,
            keep_text: true,
            progress: None,
            render: Some(&prepared.context),
            max_file_size: crate::engine::DEFAULT_MAX_FILE_SIZE,
            namespaces: None,
        },
    );
    run.notices = prepared.notices;
    run
}

/// Every finding is in a real file, on a line inside it that writes the key the route ends
/// with (for labels on existing nodes). Returns (findings, traced findings).
fn check(run: &Run) -> (usize, usize) {
    let mut traced = 0;
    for f in &run.findings {
        let path = &run.files[f.primary.file as usize].path;
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{path} ({}): not a file: {e}", f.route));
        let line = text
            .lines()
            .nth(f.primary.region.line as usize - 1)
            .unwrap_or_else(|| panic!("{path}:{} is past the end", f.primary.region.line));
        traced += usize::from(f.trace().is_some());
        let mut key = f.route.rsplit('.').next().unwrap_or_default();
        if path.ends_with("kustomization.yaml") && (key == "kind" || key == "name") {
            key = "name"; // a generated object: its generator entry
        }
        if key == "image" && line.contains("newTag:") {
            key = "newTag"; // set by the kustomization's `images:`
        }
        if !f.route.ends_with("seccompProfile") && !key.contains('[') {
            assert!(
                line.contains(&format!("{key}:")),
                "{path}:{}: `{line}` does not write `{key}` ({})",
                f.primary.region.line,
                f.route
            );
        }
    }
    (run.findings.len(), traced)
}

#[test]
fn kustomize_fixture_every_label_lands_on_its_key() {
    if !renderer() {
        return;
    }
    let run = lint("testdata/kustomize");
    let (n, traced) = check(&run);
    assert_eq!(n, traced, "everything comes from a rendered overlay");
    // The image tag comes from the production overlay's `images:`.
    let image = run
        .findings
        .iter()
        .filter(|f| f.route.ends_with("image"))
        .map(|f| {
            (
                run.files[f.primary.file as usize].path.as_str(),
                f.primary.region.line,
            )
        })
        .collect::<Vec<_>>();
    assert!(
        image.contains(&(
            "testdata/kustomize/overlays/production/kustomization.yaml",
            19
        )),
        "{image:?}"
    );
    assert!(
        image.contains(&("testdata/kustomize/base/deployment.yaml", 21)),
        "{image:?}"
    );
    // The generated ConfigMap points at its generator.
    assert!(run.findings.iter().any(|f| {
        run.files[f.primary.file as usize].path == "testdata/kustomize/base/kustomization.yaml"
            && f.primary.region.line == 8
    }));
}

#[test]
fn corpus_kustomizations_every_label_lands_on_its_key() {
    if !renderer() {
        return;
    }
    for repo in [
        "real/microservices-demo",
        "real/flux2-kustomize-helm-example",
    ] {
        let Some(dir) = corpus(repo) else { return };
        let run = lint(&dir.to_string_lossy());
        let (n, traced) = check(&run);
        eprintln!(
            "{repo}: {n} probe findings ({traced} traced through kustomize), all on their key lines"
        );
        assert!(
            traced > 0,
            "{repo}: nothing rendered; notices {:?}",
            run.notices
        );
    }
}

#[test]
fn corpus_helm_rendered_files_name_their_templates() {
    let Some(dir) = corpus("real/opentelemetry-helm-charts") else {
        return;
    };
    let run = lint(&dir.to_string_lossy());
    let (n, traced) = check(&run);
    let named = run
        .findings
        .iter()
        .filter_map(|f| f.trace()?.template.as_deref())
        .filter(|t| {
            t.starts_with("opentelemetry-collector/templates/")
                || t.starts_with("opentelemetry-demo/")
        })
        .count();
    eprintln!("opentelemetry-helm-charts: {n} probe findings, {traced} in `# Source:` documents");
    assert!(traced > 0 && named == traced, "{named} of {traced}");
    // Helm writes `# Source:` before every document, so every object found in a rendered file
    // names its template.
    for f in &run.findings {
        let path = &run.files[f.primary.file as usize].path;
        if path.contains("/rendered/") {
            assert!(
                f.trace().is_some(),
                "{path}:{} has no template",
                f.primary.region.line
            );
        }
    }
}

/// Two recorded renders of one chart trace the same findings to the same template lines; the
/// one reported is the one found in the first rendered file (by path), for every finding,
/// whatever order the findings come in.
#[test]
fn a_finding_in_several_renders_keeps_the_first_render() {
    let run = lint("testdata/helm/recorded");
    let path = |f: &crate::finding::Finding| {
        let t = f.trace().expect("traced to the chart");
        run.files[t.rendered.file as usize].path.clone()
    };
    let (first, second) = (
        "testdata/helm/recorded/webapp-privileged.yaml",
        "testdata/helm/recorded/webapp.yaml",
    );
    let second_id = run
        .files
        .iter()
        .position(|f| f.path == second)
        .expect("linted");
    // Each finding of the first render, as the second render finds it.
    let mut shared = 0;
    let mut twins = Vec::new();
    for f in run.findings.iter().filter(|f| path(f) == first) {
        let mut twin = f.clone();
        let t = twin.extra_mut().trace.as_deref_mut().expect("traced");
        t.rendered.file = u32::try_from(second_id).expect("few files");
        twins.push(twin);
        shared += 1;
    }
    assert!(shared >= 6, "the first render has {shared} findings");
    for twins_first in [true, false] {
        let mut all = run.findings.clone();
        if twins_first {
            all.splice(0..0, twins.iter().cloned());
        } else {
            all.extend(twins.iter().cloned());
        }
        crate::engine::order(&mut all, &run.files);
        let got: Vec<String> = all.iter().map(path).collect();
        let want: Vec<String> = run.findings.iter().map(path).collect();
        assert_eq!(got, want, "twins first: {twins_first}");
    }
}
