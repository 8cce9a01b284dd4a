//! Pod Security Standards evaluation, shared by the pod-security rules and `admission-rejected`.
//!
//! Each PSS rule is a [`PssControl`]: its `check` walks a pod spec once and flags every
//! violation together with the policy versions at which it violates each level ([`Levels`]).
//! One pass therefore answers every (level, version) question:
//! - a rule reports what violates the level and version selected on the command line
//!   (`--profile`, `--pss-version`; without a profile, either level);
//! - the first pass of the engine records every violation of a namespaced workload in its
//!   [`Facts`](crate::model::Facts), so `admission-rejected` can judge it against whatever
//!   level and `enforce-version` its Namespace sets, without re-reading the tree.
//!
//! Version semantics follow pod-security-admission (`policy/check_*.go`): a check exists from
//! its minimum version, a restricted check may override a baseline one from some version on
//! (capabilities, seccomp, procMount), Windows pods are exempt from some restricted checks from
//! v1.25 and user-namespaced pods (`hostUsers: false`) from others from v1.35.

use std::borrow::Cow;

use crate::model::{Container, PodSpec};
use crate::rule::{Fix, PssLevel, RuleMeta};
use crate::yaml::{Label, NodeRef, Seg};

/// Newest Kubernetes minor version whose Pod Security Standards kubeward knows.
pub const LATEST_PSS_MINOR: u32 = 37;

/// Capabilities the Baseline level lets a container add (the container runtimes' defaults),
/// compared exactly as PSA does: upper case, without the `CAP_` prefix.
pub const BASELINE_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// A capability's name as the runtime reads it: upper case, without `CAP_` (`cap_chown` →
/// `CHOWN`). Pod-security-admission compares the name as written, not this.
pub fn canonical_capability(cap: &str) -> String {
    let upper = cap.to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map_or(upper.clone(), str::to_owned)
}

/// A set of Kubernetes minor versions `v1.0`…`v1.63` (bit N is `v1.N`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Versions(u64);

impl Versions {
    /// No version.
    pub const NONE: Versions = Versions(0);
    /// Every version.
    pub const ALL: Versions = Versions(u64::MAX);

    /// `v1.minor` and later.
    pub const fn since(minor: u32) -> Versions {
        if minor >= 64 {
            Versions::NONE
        } else {
            Versions(u64::MAX << minor)
        }
    }

    /// Versions before `v1.minor`.
    pub const fn before(minor: u32) -> Versions {
        Versions(!Versions::since(minor).0)
    }

    /// `self` if `cond`, else no version.
    pub const fn only_if(self, cond: bool) -> Versions {
        if cond { self } else { Versions::NONE }
    }

    /// Versions in `self` but not in `other`.
    #[must_use]
    pub const fn minus(self, other: Versions) -> Versions {
        Versions(self.0 & !other.0)
    }

    /// Versions in either.
    #[must_use]
    pub const fn union(self, other: Versions) -> Versions {
        Versions(self.0 | other.0)
    }

    /// Whether `v1.minor` is in the set (minors past the newest known count as the newest).
    pub fn contains(self, minor: u32) -> bool {
        (self.0 >> minor.min(LATEST_PSS_MINOR)) & 1 == 1
    }

    /// Whether no version is in the set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Where a violation counts: the versions at which it violates each level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Levels {
    /// Versions at which the Baseline level rejects it.
    pub baseline: Versions,
    /// Versions at which the Restricted level rejects it.
    pub restricted: Versions,
}

impl Levels {
    /// A baseline control: violates both levels at these versions.
    pub const fn baseline(v: Versions) -> Levels {
        Levels {
            baseline: v,
            restricted: v,
        }
    }

    /// A restricted-only control.
    pub const fn restricted(v: Versions) -> Levels {
        Levels {
            baseline: Versions::NONE,
            restricted: v,
        }
    }

    /// Remove versions from the restricted side (an exemption, or a baseline check that a
    /// restricted check overrides and that passes there).
    #[must_use]
    pub const fn restricted_minus(self, v: Versions) -> Levels {
        Levels {
            baseline: self.baseline,
            restricted: self.restricted.minus(v),
        }
    }

    /// Versions at which `level` rejects it.
    pub fn at(self, level: PssLevel) -> Versions {
        match level {
            PssLevel::Baseline => self.baseline,
            PssLevel::Restricted => self.restricted,
        }
    }

    /// Versions at which it is reported: at the profile's level, or at either level when no
    /// profile is selected (restricted controls are good practice, baseline ones are the floor).
    pub fn selected(self, profile: Option<PssLevel>) -> Versions {
        match profile {
            Some(level) => self.at(level),
            None => self.baseline.union(self.restricted),
        }
    }
}

/// Versions from which Restricted exempts a Windows pod (`spec.os.name: windows`) from
/// allowPrivilegeEscalation, capabilities and seccomp (v1.25+).
pub fn windows_exempt(pod: &PodSpec<'_>) -> Versions {
    Versions::since(25).only_if(pod.is_windows())
}

/// Versions from which a user-namespaced pod (`hostUsers: false`) is exempt from runAsNonRoot,
/// runAsUser and baseline procMount (v1.35+).
pub fn userns_exempt(pod: &PodSpec<'_>) -> Versions {
    Versions::since(35).only_if(pod.host_users_false())
}

/// What a rule says about a violation it reports.
#[derive(Debug, Default)]
pub struct Detail {
    /// What was found (the rule's own message when empty).
    pub message: String,
    /// How to fix it (the rule's own help when empty).
    pub help: Cow<'static, str>,
    /// Other places that explain it.
    pub related: Vec<(Label, String)>,
    /// The automatic fix (built only when the run wants fixes); the finding always has the
    /// rule's one severity.
    pub fix: Option<Fix>,
}

impl Detail {
    /// The message (what was found, what the level requires) and the help (how to fix it).
    pub fn new(message: impl Into<String>, help: impl Into<Cow<'static, str>>) -> Detail {
        Detail {
            message: message.into(),
            help: help.into(),
            related: Vec::new(),
            fix: None,
        }
    }

    /// The automatic fix, built only when `wanted` (the run wants fixes: [`Out::fixes`]).
    #[must_use]
    pub fn fix_if(mut self, wanted: bool, fix: impl FnOnce() -> Option<Fix>) -> Detail {
        if wanted {
            self.fix = fix();
        }
        self
    }

    /// Another place that explains it (e.g. the pod-level setting a container inherits).
    #[must_use]
    pub fn related(mut self, at: Label, text: impl Into<String>) -> Detail {
        self.related.push((at, text.into()));
        self
    }

    /// A related place, if there is one.
    #[must_use]
    pub fn related_opt(self, at: Option<Label>, text: impl Into<String>) -> Detail {
        match at {
            Some(at) => self.related(at, text),
            None => self,
        }
    }
}

/// One violation found by a control.
#[derive(Debug)]
pub struct Violation {
    /// Where it counts.
    pub levels: Levels,
    /// The offending node (or where the missing setting belongs).
    pub at: Label,
    /// Message and help; only built when the violation is reported.
    pub detail: Option<Detail>,
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Keep every violation, without details (for the cross-object index).
    Facts,
    /// Keep only what violates at `minor` under `profile`, with details (for reporting).
    Report {
        profile: Option<PssLevel>,
        minor: u32,
    },
}

/// Where a control's check puts its violations.
#[derive(Debug)]
pub struct Out {
    mode: Mode,
    /// The violations kept.
    pub found: Vec<Violation>,
    /// The run wants automatic fixes with the details.
    pub fixes: bool,
}

impl Out {
    /// Flag a violation. `detail` is only called when the violation will be reported.
    pub fn flag(&mut self, levels: Levels, at: Label, detail: impl FnOnce() -> Detail) {
        match self.mode {
            Mode::Facts => {
                if !levels.baseline.union(levels.restricted).is_empty() {
                    self.found.push(Violation {
                        levels,
                        at,
                        detail: None,
                    });
                }
            }
            Mode::Report { profile, minor } => {
                if levels.selected(profile).contains(minor) {
                    self.found.push(Violation {
                        levels,
                        at,
                        detail: Some(detail()),
                    });
                }
            }
        }
    }
}

/// A Pod Security Standards control: a rule whose verdict depends on the policy level and version.
pub trait PssControl: RuleMeta + Sync {
    /// Flag every violation in `pod`, with the levels and versions where it counts.
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out);
}

/// Where a control's violations become findings: the rule's [`Context`](crate::rule::Context),
/// which implements it (so this module, which the model's facts read, knows nothing of how a
/// finding is drafted).
pub trait Reporter {
    /// The level and the version selected for the run (`--profile`; `--pss-version`, at most
    /// the newest known).
    fn selected(&self) -> (Option<PssLevel>, u32);
    /// The run wants automatic fixes (`--fix`, `--diff`, formats that carry them).
    fn fixes(&self) -> bool;
    /// Report a violation of `control` at `at` as `detail` says (message and help: the
    /// rule's own when empty); the finding has the rule's severity.
    fn violation(&mut self, control: &dyn PssControl, at: Label, detail: Detail);
}

/// Run a control for a rule and report what violates under the run's settings.
pub fn report<C: PssControl, R: Reporter>(control: &C, pod: &PodSpec<'_>, cx: &mut R) {
    let (profile, minor) = cx.selected();
    let mut out = Out {
        mode: Mode::Report { profile, minor },
        found: Vec::new(),
        fixes: cx.fixes(),
    };
    control.check(pod, &mut out);
    for v in out.found {
        cx.violation(control, v.at, v.detail.unwrap_or_default());
    }
}

/// Every violation of `pod` at any level and version, with the id of the rule that flags it;
/// `controls` are the registry's (`rule::registry::PSS_CONTROLS`), given by the engine so that
/// the model, which records the violations, need not know the registry.
pub fn evaluate(
    pod: &PodSpec<'_>,
    controls: &[&'static dyn PssControl],
) -> Vec<(&'static str, Violation)> {
    let mut all = Vec::new();
    let mut out = Out {
        mode: Mode::Facts,
        found: Vec::new(),
        fixes: false,
    };
    for &control in controls {
        control.check(pod, &mut out);
        let id = control.meta().id;
        all.extend(out.found.drain(..).map(|v| (id, v)));
    }
    all
}

/// The text of a level for messages.
pub fn level_name(level: PssLevel) -> &'static str {
    match level {
        PssLevel::Baseline => "Baseline",
        PssLevel::Restricted => "Restricted",
    }
}

/// Where to point for a setting a container lacks, `path` being relative to the container
/// (e.g. `["securityContext", "runAsNonRoot"]`): the deepest existing key on the way (such as
/// `securityContext:`), else the container's `name:`.
pub fn missing_in_container(c: &Container<'_>, path: &[&'static str]) -> Label {
    let first = path.first().and_then(|k| c.node.get(k));
    if first.is_none() && c.node.get("name").is_some() {
        return c.at(["name"]);
    }
    Label::missing(c.ptr.join(path.iter().copied()))
}

/// The capabilities a container adds (`securityContext.capabilities.add`) as admission reads
/// them, each with the label of its item (null items, which add nothing, left out).
pub fn added_capabilities<'d>(
    c: &Container<'d>,
) -> impl Iterator<Item = (&'d str, Label)> + use<'d> {
    let ptr = c.ptr.clone();
    c.get(&["securityContext", "capabilities", "add"])
        .into_iter()
        .flat_map(NodeRef::items)
        .enumerate()
        .filter(|(_, item)| !item.is_null())
        .map(move |(i, item)| {
            let route = [
                Seg::from("securityContext"),
                Seg::from("capabilities"),
                Seg::from("add"),
                Seg::from(i),
            ];
            (shown(item), Label::at(ptr.join(route)))
        })
}

/// A scalar's text as a string field sees it: strings as written, null as empty (Go's zero
/// value), other scalars as their source text (the API server would reject them anyway).
pub fn shown(n: NodeRef<'_>) -> &str {
    if n.is_null() {
        return "";
    }
    n.as_str().or_else(|| n.text()).unwrap_or("")
}

/// Lines of the findings of `rule` on `yaml` at a level and version (for version tests).
#[cfg(test)]
pub fn lines<R: RuleMeta>(rule: &R, yaml: &str, profile: Option<PssLevel>, minor: u32) -> Vec<u32> {
    let rule =
        crate::rule::registry::by_id(rule.meta().id).expect("internal error: rule not registered");
    let settings = crate::rule::Settings {
        profile,
        pss_minor: minor,
        ..crate::rule::Settings::default()
    };
    let run = crate::engine::lint_str("test.yaml", yaml, vec![rule], &settings);
    run.findings.iter().map(|f| f.primary.region.line).collect()
}

#[cfg(test)]
mod tests {
    use super::{Levels, Versions};
    use crate::rule::{PssLevel, registry};

    #[test]
    fn version_sets() {
        assert!(Versions::since(8).contains(8) && !Versions::since(8).contains(7));
        assert!(Versions::before(19).contains(18) && !Versions::before(19).contains(19));
        assert!(
            Versions::since(37).contains(99),
            "newer versions count as the newest"
        );
        assert!(Versions::ALL.minus(Versions::since(25)).contains(24));
        let l = Levels::baseline(Versions::ALL).restricted_minus(Versions::since(22));
        assert!(l.at(PssLevel::Baseline).contains(30) && !l.at(PssLevel::Restricted).contains(30));
        assert!(l.selected(None).contains(30));
    }

    #[test]
    fn every_pss_rule_is_a_control() {
        let mut pss: Vec<&str> = registry::ALL
            .iter()
            .filter(|r| r.meta().pss.is_some())
            .map(|r| r.meta().id)
            .collect();
        let mut ctl: Vec<&str> = registry::PSS_CONTROLS.iter().map(|c| c.meta().id).collect();
        pss.sort_unstable();
        ctl.sort_unstable();
        assert_eq!(
            pss, ctl,
            "rules declaring `pss:` and registry::PSS_CONTROLS differ"
        );
    }
}
