//! The namespace of objects that name none, decided the way they will be applied.
//!
//! Once every file is read, an object without `metadata.namespace` takes the namespace of what
//! applies its file: the kustomizations that include it (base through overlay, at any depth:
//! the outermost `namespace:` wins, as kustomize's namespace transformer runs at every level),
//! an Argo CD Application (`destination.namespace` fills in, `kustomize.namespace` replaces) or
//! a Flux Kustomization (`targetNamespace` replaces) whose path holds it. A file applied in
//! several namespaces, or also without one, keeps the scope of its directory. Objects of Helm
//! output a user committed share the scope of their release: the highest directory above them
//! that holds output of the same chart (`helm template` splits a release over subdirectories
//! per subchart).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::input::{Input, InputSource, Layout, display_path, lexical_absolute};
use crate::model::{DeployedPath, FileScopes, KindFacts, NsKey, NsOrigin, World, deployed_paths};
use crate::render::Via;
use crate::yaml::{NodeRef, parse_stream};

/// Deployers add at most this many edges to files and kustomizations (paths applied by a great
/// many Applications at once are followed until then): the work stays linear in the input.
const MAX_DEPLOYER_EDGES: usize = 4_000_000;

/// The largest file outside the run read for Applications and Flux Kustomizations.
const MAX_DEPLOYER_FILE: u64 = 16 << 20;

/// Set the namespace of the objects that name none from `layout` and the run's deployers; the
/// scopes of the rest (the release of Helm output: `charts`, per file id) are for the index.
pub(super) fn assign(
    world: &mut World,
    inputs: &[Input],
    layout: Option<&Layout>,
    charts: &[Option<Box<str>>],
) -> FileScopes {
    let scopes = scopes(inputs, charts);
    // In Helm output, `default` is the release's namespace (refined below where an Application
    // installs the chart in a namespace of its own).
    let helm_default = scopes
        .iter()
        .map(|s| s.clone().filter(|s| matches!(s, NsKey::Release(_))))
        .collect();
    let mut out = FileScopes {
        scopes,
        helm_default,
    };
    let empty = Layout::default();
    let layout = layout.unwrap_or(&empty);
    // Most runs have neither kustomizations nor deployers: nothing more to decide.
    let deployer_objects = world
        .objects
        .iter()
        .any(|f| matches!(f.kind, KindFacts::Deployer(_)));
    if layout.kustomizations.is_empty() && layout.outside.is_empty() && !deployer_objects {
        return out;
    }
    let files: Vec<Option<PathBuf>> = inputs
        .iter()
        .map(|i| match &i.source {
            InputSource::Path(p) => Some(lexical_absolute(p)),
            _ => None,
        })
        .collect();
    // Where each input's deployers sit: its file, or for a stream kubeward rendered (an
    // app-of-apps chart rendering Applications), a file of the chart or overlay.
    let homes: Vec<Option<PathBuf>> = inputs
        .iter()
        .zip(&files)
        .map(|(i, f)| match &i.source {
            InputSource::Rendered(r) => Some(match &r.via {
                Via::Helm { chart } => lexical_absolute(&chart.join("Chart.yaml")),
                Via::Kustomize { kustomization, .. } => lexical_absolute(kustomization),
            }),
            _ => f.clone(),
        })
        .collect();
    let deployers = deployers(world, &homes, &layout.outside);
    if layout.kustomizations.is_empty() && deployers.is_empty() {
        return out;
    }
    // What kubeward rendered: a chart's stream is applied as the chart's directory is, an
    // overlay's as its kustomization is.
    let rendered: Vec<(u32, Built)> = inputs
        .iter()
        .enumerate()
        .filter_map(|(i, input)| {
            let InputSource::Rendered(r) = &input.source else {
                return None;
            };
            let built = match &r.via {
                Via::Helm { chart } => Built::Chart(lexical_absolute(chart)),
                Via::Kustomize { kustomization, .. } => {
                    Built::Overlay(lexical_absolute(kustomization.parent()?))
                }
            };
            Some((u32::try_from(i).ok()?, built))
        })
        .collect();
    let by_file = namespaces(layout, &files, &rendered, &deployers);
    if by_file.is_empty() {
        return out;
    }
    // A file applied in several namespaces keeps its directory's scope, named for messages.
    for (&id, decided) in &by_file {
        let Decided::Several(names) = decided else {
            continue;
        };
        if out.scopes.len() < inputs.len() {
            out.scopes.resize(inputs.len(), None);
        }
        let dir = display_dir(&inputs[id as usize].display);
        let scope = &mut out.scopes[id as usize];
        if scope.is_none() {
            *scope = Some(NsKey::Several {
                dir: dir.into(),
                names: names.as_str().into(),
            });
        }
    }
    for (&id, decided) in &by_file {
        if let (Decided::One(ns), Some(Some(release))) =
            (decided, out.helm_default.get_mut(id as usize))
        {
            *release = NsKey::Named(ns.to_string());
        }
    }
    for f in &mut world.objects {
        if f.ns_origin != NsOrigin::Unknown {
            continue;
        }
        if let Some(Decided::One(ns)) = by_file.get(&f.input) {
            f.namespace = Some(ns.to_string());
            f.ns_origin = NsOrigin::Kustomization;
        }
    }
    out
}

/// What is decided for a file.
#[derive(Debug, PartialEq, Eq)]
enum Decided {
    /// Every way it is applied gives this namespace.
    One(Arc<str>),
    /// It is applied in several namespaces, or also without one: their names, sorted
    /// (`dev, prod` or `dev, none`), `several` when there are too many to tell.
    Several(String),
}

/// A namespace given along one way a file is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Given {
    /// The namespace (`None`: none).
    ns: Option<Arc<str>>,
    /// Whether it replaces what kustomizations further in set (else it only fills in).
    hard: bool,
}

impl Given {
    /// What this gives a kustomization it includes, whose own `namespace:` is `own`.
    fn inside(&self, own: Option<&Arc<str>>) -> Given {
        match (&self.ns, self.hard, own) {
            (Some(_), true, _) | (Some(_), false, None) => self.clone(),
            (_, _, own) => Given {
                ns: own.cloned(),
                hard: true,
            },
        }
    }
}

/// The namespaces a node is applied in: a few, or too many to tell apart.
#[derive(Debug, Clone, Default)]
enum Givens {
    #[default]
    None,
    Some(Vec<Given>),
    Mixed,
}

impl Givens {
    fn add(&mut self, g: Given) {
        match self {
            Givens::None => *self = Givens::Some(vec![g]),
            Givens::Some(v) if v.contains(&g) => {}
            Givens::Some(v) if v.len() < 4 => v.push(g),
            Givens::Some(_) => *self = Givens::Mixed,
            Givens::Mixed => {}
        }
    }

    fn merge(&mut self, other: &Givens) {
        match other {
            Givens::None => {}
            Givens::Mixed => *self = Givens::Mixed,
            Givens::Some(v) => v.iter().for_each(|g| self.add(g.clone())),
        }
    }

    /// The one namespace every way gives, or the several they give.
    fn decided(&self) -> Option<Decided> {
        let v = match self {
            Givens::None => return None,
            Givens::Mixed => return Some(Decided::Several("several".to_owned())),
            Givens::Some(v) => v,
        };
        let mut names: Vec<&str> = v
            .iter()
            .map(|g| g.ns.as_deref().unwrap_or("none"))
            .collect();
        names.sort_unstable();
        names.dedup();
        match (names.as_slice(), &v[0].ns) {
            // Applied without a namespace only: nothing is known.
            ([_], None) => None,
            ([_], Some(ns)) => Some(Decided::One(ns.clone())),
            _ => Some(Decided::Several(names.join(", "))),
        }
    }
}

/// One path a deployer of the repository applies, resolved.
#[derive(Debug)]
struct Deploy {
    /// The directory (absolute, lexical, inside the deployer's work tree).
    target: PathBuf,
    given: Given,
    recurse: bool,
}

/// The deployers of the run (objects of the index, `homes` the file each input's sit in) and of
/// the files outside it, their paths resolved against the work tree that holds each (a path
/// that leaves it is dropped).
fn deployers(world: &World, homes: &[Option<PathBuf>], outside: &[PathBuf]) -> Vec<Deploy> {
    use rayon::prelude::*;
    let mut found: Vec<(PathBuf, DeployedPath)> = world
        .objects
        .iter()
        .filter_map(|f| match &f.kind {
            KindFacts::Deployer(d) => {
                let file = homes.get(f.input as usize)?.clone()?;
                Some(d.paths.iter().map(move |p| (file.clone(), p.clone())))
            }
            _ => None,
        })
        .flatten()
        .collect();
    found.par_extend(
        outside
            .par_iter()
            .flat_map_iter(|p| read_deployers(p).into_iter().map(move |d| (p.clone(), d))),
    );
    let mut out: Vec<Deploy> = found
        .into_iter()
        .filter_map(|(file, d)| {
            let tree = crate::input::git::work_tree_of(file.parent()?)?;
            let target = lexical_absolute(&tree.join(d.path.trim_start_matches('/')));
            target.starts_with(tree).then(|| Deploy {
                target,
                given: Given {
                    ns: d.namespace.map(Arc::from),
                    hard: d.overrides,
                },
                recurse: d.recurse,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.target, &a.given.ns, a.recurse).cmp(&(&b.target, &b.given.ns, b.recurse))
    });
    out.dedup_by(|a, b| a.target == b.target && a.given == b.given && a.recurse == b.recurse);
    out
}

/// The Applications and Flux Kustomizations of a file the run does not lint: read only if it
/// is a regular file of its work tree under the size cap that names one of their API groups.
fn read_deployers(path: &Path) -> Vec<DeployedPath> {
    let Some(tree) = path.parent().and_then(crate::input::git::work_tree_of) else {
        return Vec::new();
    };
    let Ok(text) = crate::input::lookup::read_regular(
        path,
        crate::input::lookup::Links::Within(tree),
        MAX_DEPLOYER_FILE,
    ) else {
        return Vec::new();
    };
    let has = |n: &str| memchr::memmem::find(text.as_bytes(), n.as_bytes()).is_some();
    // Their apiVersion (`argoproj.io/v1alpha1`), not the group's annotations
    // (`argocd.argoproj.io/sync-wave`), which many manifests carry.
    if !has("argoproj.io/v") && !has("kustomize.toolkit.fluxcd.io/v") {
        return Vec::new();
    }
    let stream = parse_stream(&text);
    stream
        .docs
        .iter()
        .flat_map(|doc| {
            let root = doc.root();
            let s = |k: &[&str]| root.path(k).and_then(NodeRef::text).unwrap_or("");
            let group = s(&["apiVersion"]).rsplit_once('/').map_or("", |(g, _)| g);
            deployed_paths(root, group, s(&["kind"]), s(&["metadata", "name"]))
        })
        .collect()
}

/// A stream kubeward rendered, by what it was built from (absolute, lexical).
#[derive(Debug)]
enum Built {
    /// A Helm chart's directory.
    Chart(PathBuf),
    /// A Kustomize overlay's directory.
    Overlay(PathBuf),
}

/// The namespace of each file id (and rendered stream) that one is decided for.
fn namespaces(
    layout: &Layout,
    files: &[Option<PathBuf>],
    rendered: &[(u32, Built)],
    deployers: &[Deploy],
) -> HashMap<u32, Decided> {
    let ids: HashMap<&Path, u32> = files
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((p.as_deref()?, u32::try_from(i).ok()?)))
        .collect();
    let kdirs: Vec<&PathBuf> = layout.kustomizations.keys().collect();
    let kix: HashMap<&Path, usize> = kdirs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.as_path(), i))
        .collect();
    let ks: Vec<_> = layout.kustomizations.values().collect();
    let own: Vec<Option<Arc<str>>> = ks
        .iter()
        .map(|k| k.namespace.as_deref().map(Arc::from))
        .collect();
    let mut incoming: Vec<Givens> = vec![Givens::None; ks.len()];
    let mut has_parent = vec![false; ks.len()];
    let mut indegree = vec![0usize; ks.len()];
    for k in &ks {
        for d in &k.dirs {
            if let Some(&c) = kix.get(d.as_path()) {
                indegree[c] += 1;
                has_parent[c] = true;
            }
        }
    }
    let mut by_file: HashMap<u32, Givens> = HashMap::new();
    // Files by directory, for the paths deployers apply.
    let mut by_dir: BTreeMap<&Path, Vec<u32>> = BTreeMap::new();
    for (p, &id) in &ids {
        if let Some(d) = p.parent() {
            by_dir.entry(d).or_default().push(id);
        }
    }
    // Rendered overlays: streams of their kustomization node.
    let mut streams: HashMap<usize, Vec<u32>> = HashMap::new();
    for (id, built) in rendered {
        match built {
            Built::Chart(dir) => by_dir.entry(dir.as_path()).or_default().push(*id),
            Built::Overlay(dir) => {
                if let Some(&k) = kix.get(dir.as_path()) {
                    streams.entry(k).or_default().push(*id);
                }
            }
        }
    }
    let mut budget = MAX_DEPLOYER_EDGES;
    for d in deployers {
        if let Some(&k) = kix.get(d.target.as_path()) {
            incoming[k].add(d.given.inside(own[k].as_ref()));
            has_parent[k] = true;
            continue;
        }
        // No kustomization there: the manifests of the directory (and of its subdirectories,
        // up to the kustomizations in them, which are built instead).
        let mut built = HashSet::new();
        for (dir, dir_files) in by_dir.range::<&Path, _>(d.target.as_path()..) {
            if !dir.starts_with(&d.target) || budget == 0 {
                break;
            }
            if *dir != d.target.as_path() && !d.recurse {
                continue;
            }
            let nearest = dir
                .ancestors()
                .take_while(|a| a.starts_with(&d.target))
                .find_map(|a| kix.get(a).copied());
            match nearest {
                Some(k) => {
                    if built.insert(k) {
                        incoming[k].add(d.given.inside(own[k].as_ref()));
                        has_parent[k] = true;
                    }
                    budget = budget.saturating_sub(1);
                }
                None => {
                    for &id in dir_files {
                        by_file.entry(id).or_default().add(d.given.clone());
                    }
                    budget = budget.saturating_sub(dir_files.len().max(1));
                }
            }
        }
    }
    // Kustomizations in order, every one after those that include it (a cycle, which kustomize
    // refuses, gives its members nothing).
    let mut queue: Vec<usize> = (0..ks.len()).filter(|&k| indegree[k] == 0).collect();
    while let Some(k) = queue.pop() {
        if !has_parent[k] {
            incoming[k].add(Given {
                ns: own[k].clone(),
                hard: true,
            });
        }
        let givens = std::mem::take(&mut incoming[k]);
        for d in &ks[k].dirs {
            let Some(&c) = kix.get(d.as_path()) else {
                continue;
            };
            match &givens {
                Givens::Some(v) => v
                    .iter()
                    .for_each(|g| incoming[c].add(g.inside(own[c].as_ref()))),
                other => incoming[c].merge(other),
            }
            indegree[c] -= 1;
            if indegree[c] == 0 {
                queue.push(c);
            }
        }
        let listed = ks[k]
            .files
            .iter()
            .filter_map(|f| ids.get(f.as_path()).copied());
        for id in listed.chain(streams.get(&k).into_iter().flatten().copied()) {
            by_file.entry(id).or_default().merge(&givens);
        }
        incoming[k] = givens;
    }
    by_file
        .into_iter()
        .filter_map(|(id, g)| Some((id, g.decided()?)))
        .collect()
}

/// The directory of a display path (`""` for the current one).
fn display_dir(display: &str) -> &str {
    display.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Per file id, the scope of its objects that name no namespace, when it is not the file's
/// directory: a chart's rendered stream and committed Helm output are their release's (for
/// committed output, the highest directory above the file, or its own, that directly holds a
/// file of the same chart's output); a rendered overlay's stream is the overlay directory's.
fn scopes(inputs: &[Input], charts: &[Option<Box<str>>]) -> Vec<Option<NsKey>> {
    let rendered = |i: &Input| match &i.source {
        InputSource::Rendered(r) => Some(match &r.via {
            Via::Helm { chart } => NsKey::Release(display_path(chart).into()),
            Via::Kustomize { kustomization, .. } => {
                NsKey::Directory(display_path(kustomization.parent()?).into())
            }
        }),
        _ => None,
    };
    if charts.iter().all(Option::is_none) && !inputs.iter().any(|i| rendered(i).is_some()) {
        return Vec::new();
    }
    let dir = |i: usize| display_dir(&inputs[i].display);
    let chart = |i: usize| charts.get(i).and_then(|c| c.as_deref());
    let holders: HashSet<(&str, &str)> = (0..inputs.len())
        .filter_map(|i| Some((dir(i), chart(i)?)))
        .collect();
    let mut roots: HashMap<(&str, &str), Arc<str>> = HashMap::new();
    (0..inputs.len())
        .map(|i| {
            if let Some(scope) = rendered(&inputs[i]) {
                return Some(scope);
            }
            let chart = chart(i)?;
            let own = dir(i);
            let root = std::iter::once("")
                .chain(own.match_indices('/').map(|(at, _)| &own[..at]))
                .chain(std::iter::once(own))
                .find(|a| holders.contains(&(*a, chart)))
                .unwrap_or(own);
            Some(NsKey::Release(
                roots
                    .entry((root, chart))
                    .or_insert_with(|| root.into())
                    .clone(),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Kustomization;

    fn k(ns: Option<&str>, files: &[&str], dirs: &[&str]) -> Kustomization {
        Kustomization {
            namespace: ns.map(str::to_owned),
            files: files.iter().map(PathBuf::from).collect(),
            dirs: dirs.iter().map(PathBuf::from).collect(),
        }
    }

    fn run(
        ks: &[(&str, Kustomization)],
        files: &[&str],
        deployers: Vec<Deploy>,
    ) -> Vec<Option<String>> {
        let layout = Layout {
            kustomizations: ks
                .iter()
                .map(|(d, k)| (PathBuf::from(d), k.clone()))
                .collect(),
            outside: Vec::new(),
        };
        let files: Vec<Option<PathBuf>> = files.iter().map(|f| Some(PathBuf::from(f))).collect();
        let got = namespaces(&layout, &files, &[], &deployers);
        (0..files.len() as u32)
            .map(|i| match got.get(&i) {
                Some(Decided::One(n)) => Some(n.to_string()),
                Some(Decided::Several(names)) => Some(format!("several: {names}")),
                None => None,
            })
            .collect()
    }

    fn deploy(target: &str, ns: &str, hard: bool, recurse: bool) -> Deploy {
        Deploy {
            target: PathBuf::from(target),
            given: Given {
                ns: Some(Arc::from(ns)),
                hard,
            },
            recurse,
        }
    }

    #[test]
    fn the_outermost_kustomization_namespace_wins_at_any_depth() {
        let ks = [
            ("/r/base", k(Some("base-ns"), &["/r/base/d.yaml"], &[])),
            ("/r/mid", k(None, &[], &["/r/base"])),
            ("/r/prod", k(Some("prod"), &["/r/prod/p.yaml"], &["/r/mid"])),
        ];
        let got = run(
            &ks,
            &["/r/base/d.yaml", "/r/prod/p.yaml", "/r/other.yaml"],
            vec![],
        );
        assert_eq!(got, [Some("prod".into()), Some("prod".into()), None]);
        // Without the overlay's namespace, the base's own.
        let ks = [
            ("/r/base", k(Some("base-ns"), &["/r/base/d.yaml"], &[])),
            ("/r/prod", k(None, &[], &["/r/base"])),
        ];
        assert_eq!(
            run(&ks, &["/r/base/d.yaml"], vec![]),
            [Some("base-ns".into())]
        );
    }

    #[test]
    fn a_base_applied_in_two_namespaces_or_in_none_keeps_its_directory_scope() {
        let ks = [
            ("/r/base", k(None, &["/r/base/d.yaml"], &[])),
            ("/r/dev", k(Some("dev"), &[], &["/r/base"])),
            ("/r/prod", k(Some("prod"), &[], &["/r/base"])),
        ];
        assert_eq!(
            run(&ks, &["/r/base/d.yaml"], vec![]),
            [Some("several: dev, prod".into())]
        );
        let ks = [
            ("/r/base", k(None, &["/r/base/d.yaml"], &[])),
            ("/r/dev", k(Some("dev"), &[], &["/r/base"])),
            ("/r/plain", k(None, &[], &["/r/base"])),
        ];
        assert_eq!(
            run(&ks, &["/r/base/d.yaml"], vec![]),
            [Some("several: dev, none".into())]
        );
    }

    #[test]
    fn argo_fills_in_and_flux_replaces() {
        let ks = [
            ("/r/app", k(None, &["/r/app/a.yaml"], &["/r/base"])),
            ("/r/base", k(Some("base-ns"), &["/r/base/b.yaml"], &[])),
        ];
        let files = ["/r/app/a.yaml", "/r/base/b.yaml"];
        // Argo CD: the destination where no kustomization sets one.
        let got = run(&ks, &files, vec![deploy("/r/app", "shop", false, false)]);
        assert_eq!(got, [Some("shop".into()), Some("base-ns".into())]);
        // Flux targetNamespace: everywhere.
        let got = run(&ks, &files, vec![deploy("/r/app", "shop", true, false)]);
        assert_eq!(got, [Some("shop".into()), Some("shop".into())]);
    }

    #[test]
    fn plain_directories_are_applied_with_or_without_their_subdirectories() {
        let files = [
            "/r/app/a.yaml",
            "/r/app/sub/b.yaml",
            "/r/app/k/c.yaml",
            "/r/elsewhere/d.yaml",
        ];
        let ks = [("/r/app/k", k(None, &["/r/app/k/c.yaml"], &[]))];
        let got = run(&ks, &files, vec![deploy("/r/app", "shop", false, false)]);
        assert_eq!(got, [Some("shop".into()), None, None, None]);
        let got = run(&ks, &files, vec![deploy("/r/app", "shop", false, true)]);
        assert_eq!(
            got,
            [
                Some("shop".into()),
                Some("shop".into()),
                Some("shop".into()),
                None
            ]
        );
    }

    #[test]
    fn a_cycle_of_kustomizations_gives_nothing_and_ends() {
        let ks = [
            ("/r/a", k(Some("a"), &["/r/a/x.yaml"], &["/r/b"])),
            ("/r/b", k(Some("b"), &["/r/b/y.yaml"], &["/r/a"])),
        ];
        assert_eq!(
            run(&ks, &["/r/a/x.yaml", "/r/b/y.yaml"], vec![]),
            [None, None]
        );
    }

    #[test]
    fn committed_helm_output_shares_the_release_directory() {
        let input = |p: &str| Input::new(p.to_owned(), InputSource::Path(PathBuf::from(p)));
        let inputs = [
            input("ex/a/rendered/x.yaml"),
            input("ex/a/rendered/sub/y.yaml"),
            input("ex/a/rendered/jaeger/jaeger/z.yaml"),
            input("ex/b/rendered/x.yaml"),
            input("ex/b/plain.yaml"),
        ];
        let c = |s: &str| Some(Box::from(s));
        let charts = [c("demo"), c("demo"), c("demo"), c("demo"), None];
        let roots = scopes(&inputs, &charts);
        let r = |i: usize| match &roots[i] {
            Some(NsKey::Release(d)) => Some(&**d),
            _ => None,
        };
        assert_eq!(
            [r(0), r(1), r(2), r(3), r(4)],
            [
                Some("ex/a/rendered"),
                Some("ex/a/rendered"),
                Some("ex/a/rendered"),
                Some("ex/b/rendered"),
                None
            ]
        );
    }
}
