//! How a run is configured ([`Options`]) and what its files share while they are linted.

use crate::finding::Interner;
use crate::render;
use crate::rule::{Rule, Settings};

use super::reads_world;

/// How to run.
pub struct Options<'a> {
    /// Enabled rules.
    pub rules: Vec<&'static dyn Rule>,
    /// Rule settings.
    pub settings: &'a Settings,
    /// Keep what snippets draw: the source text of files with findings, the labels under
    /// their nodes and the regions to mask (no other output shows any of them).
    pub keep_text: bool,
    /// Called after each file (progress bar).
    pub progress: Option<&'a (dyn Fn() + Sync)>,
    /// What rendering left for the run: the repositories rendered metadata may be followed
    /// into, and the charts and overlays not rendered (reported as findings).
    pub render: Option<&'a render::Context>,
    /// Files (and standard input, rendered streams) larger than this many bytes are a
    /// `parse-error` without being read whole (`--max-file-size`).
    pub max_file_size: u64,
    /// The kustomizations of the run's repositories and their files outside the run, for the
    /// namespace of objects that name none (`None`: only what the inputs say).
    pub namespaces: Option<&'a crate::input::Layout>,
}

/// Which cross-object facts each object contributes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Gather {
    /// The index at all (an enabled rule reads it).
    pub(super) world: bool,
    /// Each workload's Pod Security verdict at every level and version (a twentieth of the
    /// CPU of a run): only when an enabled rule reads it and a Namespace of the input may set
    /// a Pod Security level. For a run, whether it may be needed; for a file, whether it is
    /// gathered (see [`complete_pod_security`]).
    pub(super) pod_security: bool,
}

impl Gather {
    pub(super) fn of(rules: &[&'static dyn Rule]) -> Self {
        let world = reads_world(rules);
        Gather {
            world,
            pod_security: world && rules.iter().any(|r| r.reads_pod_security()),
        }
    }
}

/// What the files of a run share while they are linted.
pub(super) struct Shared<'a> {
    /// Which cross-object facts to gather.
    pub(super) gather: Gather,
    /// Renders (Helm charts, Kustomize overlays) and their sources.
    pub(super) registry: &'a render::Registry,
    /// The run's texts.
    pub(super) strings: &'a Interner,
    /// A file that may set a Pod Security level has been read: Pod Security facts are
    /// gathered from here on.
    pub(super) pss_seen: std::sync::atomic::AtomicBool,
    /// Files that may hold admission policies or Namespaces (when policies are evaluated).
    pub(super) policy: Option<crate::policy::Pending>,
    /// The secret checks that are not enabled: they still mark what must be masked.
    pub(super) dormant: Vec<&'static dyn Rule>,
}
