//! The rule framework: metadata, `declare_rule!`, the `Rule` hooks and the report context.
//!
//! The rule framework: metadata, the `declare_rule!` macro, the `Rule` hook ladder and the
//! context rules report through.
#![deny(missing_docs)]

mod context;
mod meta;
pub mod registry;

pub use context::{
    Context, Draft, LATEST_PSS_MINOR, Settings, Target, WorldContext, parse_pss_version,
};
pub use meta::{Category, Fix, FixDecl, FixKind, Meta, PssLevel, RuleMeta, Severity};

use crate::model::{Container, Object, PodSpec, World};

/// A rule. Override only the level you need: `check_object` → `check_pod` → `check_container`
/// walk down by default. Cross-object rules override `check_world` and read the index.
pub trait Rule: RuleMeta + Sync + Send {
    /// Check one Kubernetes object.
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if let Some(pod) = obj.pod.as_ref() {
            self.check_pod(obj, pod, cx);
        }
    }

    /// Check a pod spec (of a Pod or of any workload's pod template).
    fn check_pod(&self, obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        let _ = obj;
        for c in &pod.containers {
            self.check_container(pod, c, cx);
        }
    }

    /// Check one container, init container or ephemeral container.
    fn check_container(&self, pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        let _ = (pod, c, cx);
    }

    /// Check facts gathered from every object of the input (cross-object rules).
    fn check_world(&self, world: &World, cx: &mut WorldContext<'_>) {
        let _ = (world, cx);
    }

    /// Whether this rule overrides `check_world`. The engine gathers the cross-object index
    /// (and reads the rest of the repository as context) only when an enabled rule reads it;
    /// a meta-test keeps this in step with `check_world`.
    fn reads_world(&self) -> bool {
        false
    }

    /// Whether `check_world` reads the workloads' Pod Security verdicts
    /// (`Facts::pod_security`), which are evaluated only when this is true of an enabled rule.
    fn reads_pod_security(&self) -> bool {
        false
    }
}

/// A file of the repository at the tag of this build's version (`v` + the package version, the
/// tag the release workflow publishes), so the links a release prints (docs, rule help, SARIF
/// `helpUri`, "View source") open the files of that release, not of `main`:
/// `repo_url!("docs/rules/", "host-pid", ".md")`. Literals only, so it stays a `&'static str`.
macro_rules! repo_url {
    ($($part:expr),* $(,)?) => {
        concat!(
            "https://github.com/kubeward/kubeward/blob/v",
            env!("CARGO_PKG_VERSION"),
            "/",
            $($part),*
        )
    };
}
pub(crate) use repo_url;

/// The repository's files at this version: what [`repo_url!`] puts before a path.
pub const REPO_URL_AT_VERSION: &str = repo_url!();

/// Declare a rule: its docs (the doc comment) and metadata, once.
///
/// Generates the unit struct, `const META` and the `RuleMeta` impl.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis $name:ident {
            id: $id:literal,
            category: $cat:ident,
            severity: $sev:ident,
            summary: $summary:literal,
            since: $since:literal
            $(, pss: $pss:ident)?
            $(, fix: $fix:ident($why:literal))?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $name {
            /// This rule's metadata.
            pub const META: $crate::rule::Meta = $crate::rule::Meta {
                id: $id,
                name: stringify!($name),
                category: $crate::rule::Category::$cat,
                severity: $crate::rule::Severity::$sev,
                summary: $summary,
                since: $since,
                docs: concat!($($doc, "\n"),*),
                source: concat!(file!(), "#L", line!()),
                url: $crate::rule::repo_url!("docs/rules/", $id, ".md"),
                pss: $crate::rule::declare_rule!(@pss $($pss)?),
                fix: $crate::rule::declare_rule!(@fix $($fix $why)?),
            };
        }

        impl $crate::rule::RuleMeta for $name {
            fn meta(&self) -> &'static $crate::rule::Meta {
                &Self::META
            }
        }
    };
    (@pss) => { None };
    (@pss $pss:ident) => { Some($crate::rule::PssLevel::$pss) };
    (@fix) => { $crate::rule::FixDecl::NONE };
    (@fix $fix:ident $why:literal) => {
        $crate::rule::FixDecl { kind: $crate::rule::FixKind::$fix, why: $why }
    };
}
pub(crate) use declare_rule;
