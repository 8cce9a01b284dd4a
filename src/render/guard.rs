//! An overlay checked before rendering for anything that would execute, fetch or leave the repo.
//!
//! Before an overlay is rendered, every kustomization it reaches is read the way kustomize reads
//! it (keys matched as Go's JSON decoder matches them: case-insensitively) and checked for what
//! would make kustomize execute, fetch or read outside the repository: a remote reference, a
//! Helm chart, a plugin that is not built into kustomize, a path that leaves the repository, a
//! file that is not a regular file. Each is a problem at the node that wrote it; one makes the
//! overlay unsafe (not rendered). Plugin configurations: [`super::plugin`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::exec;
use super::kustomize::FILE_NAMES;
use super::problem::{Kind, Problem};
use super::scope::{self, Refusal, Scope};
use crate::yaml::{Label, NodeRef, Pointer, Seg, parse_stream};

/// Largest kustomization or plugin configuration read for the check (kustomize reads larger
/// ones, but no real one comes near).
pub(super) const MAX_CHECKED: u64 = 16 * 1024 * 1024;

const HELP_REMOTE: &str = "Vendor the remote base into the repository (or render it in a trusted job); kubeward never fetches what a pull request names.";
const HELP_PATH: &str = "Keep every file an overlay uses inside the repository, as a regular file.";
pub(super) const HELP_PLUGIN: &str = "Use kustomize's built-in generators and transformers, or render with plugins in a trusted job; kubeward never runs a plugin a pull request names.";
const HELP_HELM: &str = "Render the chart on its own (kubeward lints charts with `helm template`), or inflate it in a trusted job.";
pub(super) const HELP_TAG: &str = "Write the value as a plain string.";

/// Key equality as Go's `encoding/json` sees it (ASCII case folding, plus the two non-ASCII
/// letters that fold to ASCII ones: `ſ` to `s`, the Kelvin sign to `k`).
pub(super) fn fold(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            'ſ' => 's',
            'K' => 'k',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Whether kustomize may read `s` as a remote location: a URL of any scheme, a git shorthand
/// (`github.com/…`, `git@host:…`, `git::…`) or a git query (`?ref=`).
pub fn is_remote(s: &str) -> bool {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let user = s.split_once('@').is_some_and(|(u, rest)| {
        !u.is_empty()
            && u.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && u.starts_with(|c: char| c.is_ascii_alphabetic())
            && rest.contains([':', '/'])
    });
    lower.contains("://")
        || lower.starts_with("git::")
        || ["github.com", "gitlab.com", "bitbucket.org"]
            .iter()
            .any(|h| lower.starts_with(&format!("{h}/")) || lower.starts_with(&format!("{h}:")))
        || user
        || ["?ref=", "?version=", "&ref=", "?submodules=", "?timeout="]
            .iter()
            .any(|q| lower.contains(q))
}

/// What a list entry that may be written inline is.
enum Inline<'t> {
    /// YAML objects (an inline patch or plugin configuration).
    Objects(&'t str),
    /// Text that looks like YAML but does not parse here (kustomize's parser may read it).
    Unreadable,
    /// A path.
    Path,
}

/// How kustomize reads entry `t` of `generators`, `transformers`, `validators` or
/// `patchesStrategicMerge`: objects when it parses as YAML objects, else a path.
fn inline(t: &str) -> Inline<'_> {
    let stream = parse_stream(t);
    if stream.docs.iter().any(|d| d.root().is_map()) {
        Inline::Objects(t)
    } else if stream.error.is_some() || t.contains('\n') || t.trim_start().starts_with(['{', '[']) {
        Inline::Unreadable
    } else {
        Inline::Path
    }
}

/// Where a kustomization was referenced from (a problem about it as a whole points there).
#[derive(Clone)]
struct Site {
    file: PathBuf,
    doc: usize,
    label: Label,
}

/// A directory to check: its canonical path, the path it was reached by, whether its resources
/// are plugin configurations, and where it was named.
pub(super) struct Visit {
    pub(super) dir: PathBuf,
    pub(super) lexical: PathBuf,
    pub(super) plugins: bool,
    from: Option<Site>,
}

pub(super) struct Walk<'a> {
    root: &'a Path,
    seen: HashSet<(PathBuf, bool)>,
    todo: Vec<Visit>,
    pub(super) out: Vec<Problem>,
}

/// The problems that make the overlay in `entry` (an absolute directory) unsafe to render; empty
/// when it is safe.
pub fn check(entry: &Path, scope: &Scope) -> Vec<Problem> {
    let Ok(dir) = std::fs::canonicalize(entry) else {
        return Vec::new();
    };
    let Some(root) = scope.root_of(&dir) else {
        let file = super::kustomize::in_dir(entry).unwrap_or_else(|| entry.join(FILE_NAMES[0]));
        return vec![Problem::at(Kind::Unsafe, &file, 0, None).unread().says(
            "the overlay lies outside the scanned repository; it was not rendered".into(),
            "outside the repository",
            HELP_PATH,
        )];
    };
    let mut w = Walk {
        root,
        seen: HashSet::new(),
        todo: vec![Visit {
            dir,
            lexical: exec::absolute(entry),
            plugins: false,
            from: None,
        }],
        out: Vec::new(),
    };
    while let Some(v) = w.todo.pop() {
        if w.seen.insert((v.dir.clone(), v.plugins)) {
            w.directory(&v);
        }
    }
    w.out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    w.out.dedup();
    w.out
}

/// The item routes of a list (a lone scalar counts as a list of one, as it does nowhere in
/// kustomize, but checking it costs nothing).
pub(super) fn items<'d>(n: NodeRef<'d>, at: &Pointer) -> Vec<(Pointer, NodeRef<'d>)> {
    if n.is_seq() {
        n.items()
            .enumerate()
            .map(|(i, item)| (at.key(Seg::from(i)), item))
            .collect()
    } else {
        vec![(at.clone(), n)]
    }
}

impl Walk<'_> {
    pub(super) fn problem(
        &mut self,
        file: &Path,
        doc: usize,
        at: Label,
        message: String,
        label: &str,
        help: &'static str,
    ) {
        self.out
            .push(Problem::at(Kind::Unsafe, file, doc, Some(at)).says(message, label, help));
    }

    /// Check the kustomization files of directory `v`.
    fn directory(&mut self, v: &Visit) {
        for name in FILE_NAMES {
            let lexical = v.lexical.join(name);
            let Ok(meta) = std::fs::symlink_metadata(v.dir.join(name)) else {
                continue;
            };
            let canonical = std::fs::canonicalize(v.dir.join(name)).ok();
            let inside = canonical.as_ref().filter(|c| c.starts_with(self.root));
            let Some(canonical) = inside else {
                let why = if meta.file_type().is_symlink() {
                    Refusal::Symlink
                } else {
                    Refusal::Climbs
                };
                self.refuse_file(v, &lexical, why);
                continue;
            };
            match std::fs::metadata(canonical) {
                Ok(m) if m.is_file() && m.len() <= MAX_CHECKED => {}
                Ok(m) if m.is_file() => {
                    let p = Problem::at(Kind::Unsafe, &lexical, 0, None).says(
                        format!("{name} is too large to be checked before rendering"),
                        "too large to check",
                        HELP_PATH,
                    );
                    self.out.push(p);
                    continue;
                }
                Ok(m) if m.is_dir() => continue,
                _ => {
                    self.refuse_file(v, &lexical, Refusal::Special);
                    continue;
                }
            }
            let Ok(text) = std::fs::read_to_string(canonical) else {
                continue;
            };
            let stream = parse_stream(&text);
            for doc in &stream.docs {
                self.tags(&lexical, doc.index, doc.root(), &Pointer::root());
                self.kustomization(v, &lexical, doc.index, doc.root());
            }
        }
    }

    /// An entry that may be an inline configuration kubeward cannot read.
    fn unreadable(&mut self, file: &Path, doc: usize, at: &Pointer) {
        self.problem(
            file,
            doc,
            Label::at(at.clone()).value(),
            "an inline configuration kubeward cannot read (kustomize might); the overlay was not rendered".into(),
            "unreadable inline configuration",
            HELP_TAG,
        );
    }

    /// A kustomization file that may not be read: the problem goes where the directory was
    /// named, else on the file itself (whose text is never shown).
    fn refuse_file(&mut self, v: &Visit, lexical: &Path, why: Refusal) {
        let message = format!(
            "the kustomization file is {}; the overlay was not rendered",
            why.says()
        );
        let p = match &v.from {
            Some(s) => Problem::at(Kind::Unsafe, &s.file, s.doc, Some(s.label.clone())),
            None => Problem::at(Kind::Unsafe, lexical, 0, None).unread(),
        };
        self.out.push(p.says(message, why.says(), HELP_PATH));
    }

    /// Every scalar below `n` with a tag go-yaml decodes (`!!binary`): its text is not what
    /// kustomize reads.
    pub(super) fn tags(&mut self, file: &Path, doc: usize, n: NodeRef<'_>, at: &Pointer) {
        let mut stack = vec![(n, at.clone(), 0usize)];
        while let Some((n, at, depth)) = stack.pop() {
            if depth > crate::yaml::MAX_DEPTH {
                continue;
            }
            if n.has_foreign_tag() {
                self.problem(
                    file,
                    doc,
                    Label::at(at.clone()).value(),
                    "a tagged value (such as `!!binary`) that kustomize decodes and kubeward cannot check".into(),
                    "tagged value",
                    HELP_TAG,
                );
            }
            for (k, v) in n.entry_nodes() {
                let key = k.text().unwrap_or_default().to_owned();
                if k.has_foreign_tag() {
                    self.problem(
                        file,
                        doc,
                        Label::at(at.key(Seg::from(key.clone()))).key(),
                        "a tagged key (such as `!!binary`) that kustomize decodes and kubeward cannot check".into(),
                        "tagged key",
                        HELP_TAG,
                    );
                }
                stack.push((v, at.key(Seg::from(key)), depth + 1));
            }
            for (i, item) in n.items().enumerate() {
                stack.push((item, at.key(Seg::from(i)), depth + 1));
            }
        }
    }

    /// Check one kustomization document.
    fn kustomization(&mut self, v: &Visit, file: &Path, doc: usize, root: NodeRef<'_>) {
        for (key, value) in root.entries() {
            let at = Pointer::root().key(Seg::from(key.to_owned()));
            match fold(key).as_str() {
                "resources" | "bases" | "components" => {
                    for (p, item) in items(value, &at) {
                        self.reference(v, file, doc, &p, item, Role::Base);
                    }
                }
                "crds" | "configurations" => {
                    for (p, item) in items(value, &at) {
                        self.reference(v, file, doc, &p, item, Role::File);
                    }
                }
                "openapi" => self.fields(v, file, doc, value, &at, &["path"]),
                "patches" | "patchesjson6902" | "replacements" => {
                    for (p, item) in items(value, &at) {
                        self.fields(v, file, doc, item, &p, &["path"]);
                    }
                }
                "patchesstrategicmerge" => {
                    for (p, item) in items(value, &at) {
                        // kustomize reads an entry that parses as an object as an inline patch.
                        match item.text().map(inline) {
                            Some(Inline::Objects(_)) => {}
                            Some(Inline::Unreadable) => self.unreadable(file, doc, &p),
                            _ => self.reference(v, file, doc, &p, item, Role::File),
                        }
                    }
                }
                "configmapgenerator" | "secretgenerator" => {
                    for (p, item) in items(value, &at) {
                        self.fields(v, file, doc, item, &p, &["files", "envs", "env"]);
                    }
                }
                "generators" | "transformers" | "validators" => {
                    for (p, item) in items(value, &at) {
                        // As kustomize does: an entry that parses as objects is an inline
                        // configuration (a one-line `{apiVersion: …}` too), else a path.
                        match item.text().map(inline) {
                            Some(Inline::Objects(t)) => {
                                let s = parse_stream(t);
                                for d in &s.docs {
                                    self.plugin(v, file, doc, d.root(), &p, true);
                                }
                            }
                            Some(Inline::Unreadable) => self.unreadable(file, doc, &p),
                            _ => self.reference(v, file, doc, &p, item, Role::Plugin),
                        }
                    }
                }
                "helmcharts" | "helmglobals" | "helmchartinflationgenerator" => self.problem(
                    file,
                    doc,
                    Label::at(at).key(),
                    "a Helm chart inflated by kustomize: it would run helm, which may fetch the chart".into(),
                    "Helm chart in a kustomization",
                    HELP_HELM,
                ),
                _ => {}
            }
        }
        if v.plugins {
            // The resources of a kustomization used as `transformers:` are plugin configurations.
            for (key, value) in root.entries() {
                if fold(key) == "resources" {
                    let at = Pointer::root().key(Seg::from(key.to_owned()));
                    for (p, item) in items(value, &at) {
                        self.reference(v, file, doc, &p, item, Role::Plugin);
                    }
                }
            }
        }
    }

    /// The keys of mapping `n` (folded) in `keys`: each value, or each item, is a file.
    fn fields(
        &mut self,
        v: &Visit,
        file: &Path,
        doc: usize,
        n: NodeRef<'_>,
        at: &Pointer,
        keys: &[&str],
    ) {
        for (k, value) in n.entries() {
            let folded = fold(k);
            if keys.contains(&folded.as_str()) {
                let at = at.key(Seg::from(k.to_owned()));
                for (p, item) in items(value, &at) {
                    let role = if folded == "files" {
                        Role::KeyedFile
                    } else {
                        Role::File
                    };
                    self.reference(v, file, doc, &p, item, role);
                }
            }
        }
    }

    /// One path or URL written at `at`.
    pub(super) fn reference(
        &mut self,
        v: &Visit,
        file: &Path,
        doc: usize,
        at: &Pointer,
        n: NodeRef<'_>,
        role: Role,
    ) {
        let Some(text) = n.text() else { return };
        let label = Label::at(at.clone()).value();
        if is_remote(text) {
            self.problem(
                file,
                doc,
                label,
                "a remote reference: kustomize would fetch it (with git or HTTP); the overlay was not rendered".into(),
                "remote reference",
                HELP_REMOTE,
            );
            return;
        }
        // `files:` entries may name their key: `key=path`.
        let path = match role {
            Role::KeyedFile => text.split_once('=').map_or(text, |(_, p)| p),
            _ => text,
        };
        if role == Role::KeyedFile && is_remote(path) {
            self.problem(
                file,
                doc,
                label,
                "a remote reference: kustomize would fetch it; the overlay was not rendered".into(),
                "remote reference",
                HELP_REMOTE,
            );
            return;
        }
        match scope::follow(self.root, &v.dir, path) {
            Err(why) => self.problem(
                file,
                doc,
                label,
                format!(
                    "{}: kustomize would read outside the repository; the overlay was not rendered",
                    why.says()
                ),
                why.says(),
                HELP_PATH,
            ),
            Ok(None) => {}
            Ok(Some(target)) => {
                let lexical = exec::normalize(&v.lexical.join(path));
                let site = Site {
                    file: file.to_path_buf(),
                    doc,
                    label: label.clone(),
                };
                if target.is_dir() {
                    if matches!(role, Role::Base | Role::Plugin) {
                        self.todo.push(Visit {
                            dir: target,
                            lexical,
                            plugins: v.plugins || role == Role::Plugin,
                            from: Some(site),
                        });
                    }
                } else if role == Role::Plugin || (v.plugins && role == Role::Base) {
                    self.plugin_file(v, &target, &lexical);
                }
            }
        }
    }
}

/// What a reference names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// A resource, base or component: a file or a kustomization directory.
    Base,
    /// A file.
    File,
    /// A file, maybe written `key=path`.
    KeyedFile,
    /// A plugin configuration: a file, or a kustomization directory of them.
    Plugin,
}
