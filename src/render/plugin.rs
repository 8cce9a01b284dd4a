//! Generator, transformer and validator configurations an overlay names, checked.
//!
//! Generator, transformer and validator configurations an overlay names: each must configure a
//! plugin built into kustomize (which runs nothing), carry no function annotation, and name no
//! file kubeward would refuse in a kustomization.

use std::path::Path;

use super::guard::{HELP_PLUGIN, HELP_TAG, MAX_CHECKED, Role, Visit, Walk, fold, items};
use super::problem::{Kind, Problem};
use crate::yaml::{Label, NodeRef, Pointer, Seg, parse_stream};

/// Kinds of the plugins built into kustomize that run nothing (HelmChartInflationGenerator runs
/// helm and is refused like `helmCharts`).
const BUILTINS: [&str; 17] = [
    "AnnotationsTransformer",
    "ConfigMapGenerator",
    "HashTransformer",
    "IAMPolicyGenerator",
    "ImageTagTransformer",
    "LabelTransformer",
    "NamespaceTransformer",
    "PatchJson6902Transformer",
    "PatchStrategicMergeTransformer",
    "PatchTransformer",
    "PrefixSuffixTransformer",
    "PrefixTransformer",
    "ReplacementTransformer",
    "ReplicaCountTransformer",
    "SecretGenerator",
    "SortOrderTransformer",
    "SuffixTransformer",
];

/// Keys of built-in plugin configurations whose values kustomize loads as files (or URLs).
const PLUGIN_FILE_KEYS: [&str; 7] = [
    "path",
    "paths",
    "files",
    "envs",
    "env",
    "targetfilepath",
    "valuesfile",
];

impl Walk<'_> {
    /// A plugin configuration file: every document must configure a built-in plugin.
    pub(super) fn plugin_file(&mut self, v: &Visit, canonical: &Path, lexical: &Path) {
        if std::fs::metadata(canonical).map_or(true, |m| m.len() > MAX_CHECKED) {
            let p = Problem::at(Kind::Unsafe, lexical, 0, None).says(
                "a plugin configuration too large to be checked before rendering".into(),
                "too large to check",
                HELP_PLUGIN,
            );
            self.out.push(p);
            return;
        }
        let Ok(text) = std::fs::read_to_string(canonical) else {
            return;
        };
        let stream = parse_stream(&text);
        for d in &stream.docs {
            self.tags(lexical, d.index, d.root(), &Pointer::root());
            self.plugin(v, lexical, d.index, d.root(), &Pointer::root(), false);
        }
    }

    /// One plugin configuration document `n`; `inline` ones are reported at `at` (the block
    /// scalar that holds them), others at their own nodes.
    pub(super) fn plugin(
        &mut self,
        v: &Visit,
        file: &Path,
        doc: usize,
        n: NodeRef<'_>,
        at: &Pointer,
        inline: bool,
    ) {
        if n.is_null() || !n.is_map() && inline {
            return;
        }
        let place = |route: Pointer| -> Label {
            if inline {
                Label::at(at.clone()).value()
            } else {
                Label::at(route)
            }
        };
        let api = n.get("apiVersion").and_then(NodeRef::text);
        let kind = n.get("kind").and_then(NodeRef::text);
        let builtin = api == Some("builtin") && kind.is_some_and(|k| BUILTINS.contains(&k));
        if inline && n.has_foreign_tag() {
            self.problem(
                file,
                doc,
                place(Pointer::root()),
                "a tagged plugin configuration that kubeward cannot check".into(),
                "tagged value",
                HELP_TAG,
            );
        }
        if !builtin {
            let route = if api == Some("builtin") {
                "kind"
            } else {
                "apiVersion"
            };
            let what = if kind == Some("HelmChartInflationGenerator") {
                "a HelmChartInflationGenerator: kustomize would run helm"
            } else {
                "a plugin that is not built into kustomize (an exec, container or Go plugin)"
            };
            self.problem(
                file,
                doc,
                place(Pointer::root().key(route)),
                format!("{what}; the overlay was not rendered"),
                "not a built-in plugin",
                HELP_PLUGIN,
            );
        }
        if let Some(ann) = n.path(&["metadata", "annotations"]) {
            for (k, _) in ann.entries() {
                let lower = k.to_ascii_lowercase();
                if lower.ends_with("/function")
                    || lower.contains("function") && lower.contains("config.k")
                {
                    self.problem(
                        file,
                        doc,
                        place(Pointer::root().join(["metadata", "annotations"]).key(Seg::from(k.to_owned()))),
                        "a function annotation: kustomize would run the container or program it names; the overlay was not rendered".into(),
                        "function plugin",
                        HELP_PLUGIN,
                    );
                }
            }
        }
        // Wherever a built-in plugin names files.
        let mut stack = vec![(n, Pointer::root(), 0usize)];
        while let Some((node, route, depth)) = stack.pop() {
            if depth > crate::yaml::MAX_DEPTH {
                continue;
            }
            for (k, value) in node.entries() {
                let r = route.key(Seg::from(k.to_owned()));
                let folded = fold(k);
                if PLUGIN_FILE_KEYS.contains(&folded.as_str()) {
                    for (p, item) in items(value, &r) {
                        if item.text().is_some() {
                            let role = if folded == "files" {
                                Role::KeyedFile
                            } else {
                                Role::File
                            };
                            let at = if inline { at.clone() } else { p };
                            self.reference(v, file, doc, &at, item, role);
                        }
                    }
                }
                stack.push((value, r, depth + 1));
            }
            for (i, item) in node.items().enumerate() {
                stack.push((item, route.key(Seg::from(i)), depth + 1));
            }
        }
    }
}
