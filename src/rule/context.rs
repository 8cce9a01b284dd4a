//! What a rule reports through.

use std::borrow::Cow;

use super::meta::{Fix, FixKind, Meta, PssLevel, RuleMeta, Severity};
use crate::model::{DocRef, NsIndex, NsKey, Site, World};
use crate::yaml::{Change, Focus, Label};

/// Newest Kubernetes minor version whose Pod Security Standards kubeward knows (kept with them).
pub use crate::pss::LATEST_PSS_MINOR;

/// Rule settings that come from flags and configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Kubernetes minor version whose PSS semantics apply (`--pss-version v1.N`).
    pub pss_minor: u32,
    /// The PSS profile being enforced, if any (`--profile`).
    pub profile: Option<PssLevel>,
    /// Registry prefixes that are trusted; empty means the default trust.
    pub trusted_registries: Vec<String>,
    /// Words that name an environment in image references.
    pub env_words: Vec<String>,
    /// Admission policies and custom rules (`admission-policy` reads the run's policy set).
    pub(crate) policies: crate::policy::Setup,
    /// Rules attach their automatic fixes to their findings (`--fix`, `--diff`, SARIF, rdjson);
    /// else they do not build them.
    pub fixes: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            pss_minor: LATEST_PSS_MINOR,
            profile: None,
            trusted_registries: Vec::new(),
            env_words: [
                "dev",
                "develop",
                "development",
                "stage",
                "staging",
                "stg",
                "qa",
                "test",
                "uat",
                "prod",
                "production",
                "prd",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            policies: crate::policy::Setup::default(),
            fixes: false,
        }
    }
}

/// Where a finding points: a route inside the current document, or a site recorded in the
/// cross-object index.
#[derive(Debug, Clone)]
pub enum Target {
    /// A route in the document being checked.
    Label(Label),
    /// A location recorded while indexing.
    Site(Site),
}

/// A finding being built by a rule.
#[derive(Debug, Clone)]
pub struct Draft {
    pub(crate) meta: &'static Meta,
    pub(crate) severity: Severity,
    pub(crate) message: Option<String>,
    pub(crate) primary: Target,
    pub(crate) related: Vec<(Target, String)>,
    pub(crate) help: Option<Cow<'static, str>>,
    pub(crate) sensitive: Vec<Label>,
    pub(crate) label: Option<Cow<'static, str>>,
    /// What tells this finding apart from others of the rule at the same place (part of the
    /// fingerprint), e.g. the admission policy that flags it.
    pub(crate) identity: Option<String>,
    /// The automatic fix, when the run wants fixes and the rule has one here.
    pub(crate) fix: Option<Box<Fix>>,
    /// For a draft at a recorded site: the document the fix's routes start from (a draft of a
    /// single-object check edits the document it was drafted in).
    pub(crate) fix_doc: Option<DocRef>,
    wants_fix: bool,
}

impl Draft {
    pub(crate) fn new(meta: &'static Meta, primary: Target, wants_fix: bool) -> Self {
        Draft {
            meta,
            severity: meta.severity,
            message: None,
            primary,
            related: Vec::new(),
            help: None,
            sensitive: Vec::new(),
            label: None,
            identity: None,
            fix: None,
            fix_doc: None,
            wants_fix,
        }
    }

    /// The automatic fix of this finding: `changes` is called only when the run wants fixes.
    /// The fix is never safer than the rule declares; a rule that declares none has none. (A
    /// finding at a recorded site names the document it edits: [`Draft::fix_in`].)
    pub fn fix(
        &mut self,
        kind: FixKind,
        title: impl Into<Cow<'static, str>>,
        changes: impl FnOnce() -> Vec<Change>,
    ) -> &mut Self {
        let kind = kind.max(self.meta.fix.kind);
        if self.wants_fix && kind != FixKind::None {
            let changes = changes();
            if !changes.is_empty() {
                self.fix = Some(Box::new(Fix {
                    kind,
                    title: title.into(),
                    changes,
                }));
            }
        }
        self
    }

    /// The automatic fix of a finding at a recorded site (a cross-object finding): `changes`
    /// are routes in the document `doc` names (from the facts, e.g. `PodEdit`), and are called
    /// only when the run wants fixes. A cross-object finding has no fix but through here.
    pub fn fix_in(
        &mut self,
        doc: &DocRef,
        kind: FixKind,
        title: impl Into<Cow<'static, str>>,
        changes: impl FnOnce() -> Vec<Change>,
    ) -> &mut Self {
        debug_assert!(
            matches!(self.primary, Target::Site(_)),
            "internal error: a single-object draft fixes its own document"
        );
        self.fix_doc = Some(*doc);
        self.fix(kind, title, changes)
    }

    /// Attach a fix built already (the Pod Security controls build theirs with their details).
    pub(crate) fn set_fix(&mut self, fix: Fix) -> &mut Self {
        let Fix {
            kind,
            title,
            changes,
        } = fix;
        self.fix(kind, title, || changes)
    }

    /// The text under the primary underline, for findings at a recorded site (a label
    /// carries its own).
    pub fn label(&mut self, text: impl Into<Cow<'static, str>>) -> &mut Self {
        self.label = Some(text.into());
        self
    }

    /// The finding's message: what was found and what is required.
    pub fn message(&mut self, m: impl Into<String>) -> &mut Self {
        self.message = Some(m.into());
        self
    }

    /// What tells this finding apart from other findings of the rule at the same place (the
    /// fingerprint includes it): e.g. the admission policy, when several flag one node.
    pub fn identity(&mut self, part: impl Into<String>) -> &mut Self {
        self.identity = Some(part.into());
        self
    }

    /// How to fix it: an imperative sentence ending with a period.
    pub fn help(&mut self, h: impl Into<Cow<'static, str>>) -> &mut Self {
        self.help = Some(h.into());
        self
    }

    /// Another place that explains the finding (e.g. the pod-level setting that is inherited).
    pub fn related(&mut self, at: Label, text: impl Into<String>) -> &mut Self {
        self.related.push((Target::Label(at), text.into()));
        self
    }

    /// A related place recorded in the cross-object index.
    pub fn related_site(&mut self, at: &Site, text: impl Into<String>) -> &mut Self {
        self.related.push((Target::Site(at.clone()), text.into()));
        self
    }

    /// Mark a node whose text is secret: every renderer masks it (the whole value, only the
    /// part a `Label::sub` names, the key a `Label::key` names, or the losing value of a
    /// duplicate key), and every output masks its text wherever it recurs in the run.
    pub fn sensitive(&mut self, at: Label) -> &mut Self {
        let at = if matches!(
            at.focus,
            Focus::Sub(..) | Focus::ShadowedValue(..) | Focus::Key
        ) {
            at
        } else {
            at.value()
        };
        self.sensitive.push(at);
        self
    }
}

/// The context of a single-object check.
pub struct Context<'c> {
    /// Flags and configuration.
    pub settings: &'c Settings,
    pub(crate) drafts: Vec<Draft>,
}

impl<'c> Context<'c> {
    /// A context with no findings yet.
    pub fn new(settings: &'c Settings) -> Self {
        Context {
            settings,
            drafts: Vec::new(),
        }
    }

    /// Report a finding of `rule` at `at`.
    pub fn report<R: RuleMeta + ?Sized>(&mut self, rule: &R, at: Label) -> &mut Draft {
        self.drafts.push(Draft::new(
            rule.meta(),
            Target::Label(at),
            self.settings.fixes,
        ));
        self.drafts
            .last_mut()
            .expect("internal error: draft just pushed")
    }
}

impl crate::pss::Reporter for Context<'_> {
    fn selected(&self) -> (Option<PssLevel>, u32) {
        (
            self.settings.profile,
            self.settings.pss_minor.min(LATEST_PSS_MINOR),
        )
    }

    fn fixes(&self) -> bool {
        self.settings.fixes
    }

    fn violation(
        &mut self,
        control: &dyn crate::pss::PssControl,
        at: Label,
        detail: crate::pss::Detail,
    ) {
        let draft = self.report(control, at);
        if !detail.message.is_empty() {
            draft.message(detail.message);
        }
        if !detail.help.is_empty() {
            draft.help(detail.help);
        }
        for (at, text) in detail.related {
            draft.related(at, text);
        }
        if let Some(f) = detail.fix {
            draft.set_fix(f);
        }
    }
}

/// Turns a finished draft of a cross-object rule into a finding of the run (or drops it: e.g.
/// it is located in a file read only as context).
pub(crate) type Finish<'c> = &'c (dyn Fn(Draft) + Sync);

/// The context of a cross-object check.
pub struct WorldContext<'c> {
    /// Flags and configuration.
    pub settings: &'c Settings,
    /// The draft being built: finished as soon as the rule reports the next one, so that a rule
    /// with many findings never holds all their drafts (with their texts and sites) at once.
    pending: Option<Draft>,
    /// Where finished drafts go: straight into the run, which sorts its findings (a rule's
    /// findings are never gathered, and never copied from one list into another).
    finish: Finish<'c>,
}

impl<'c> WorldContext<'c> {
    /// A context which finishes each draft with `finish`.
    pub(crate) fn new(settings: &'c Settings, finish: Finish<'c>) -> Self {
        WorldContext {
            settings,
            pending: None,
            finish,
        }
    }

    /// Run `check` for every namespace of the index side by side, for rules that look inside
    /// one namespace at a time.
    pub fn each_namespace<'w>(
        &mut self,
        world: &'w World,
        check: impl Fn(&'w NsKey, &'w NsIndex, &mut WorldContext<'_>) + Sync,
    ) {
        use rayon::prelude::*;
        let namespaces: Vec<_> = world.index.namespaces.iter().collect();
        self.flush();
        let (settings, finish) = (self.settings, self.finish);
        namespaces.par_iter().for_each(|&(ns, index)| {
            let mut part = WorldContext::new(settings, finish);
            check(ns, index, &mut part);
            part.flush();
        });
    }

    /// Report a finding of `rule` at a recorded site.
    pub fn report<R: RuleMeta + ?Sized>(&mut self, rule: &R, at: &Site) -> &mut Draft {
        self.flush();
        self.pending.insert(Draft::new(
            rule.meta(),
            Target::Site(at.clone()),
            self.settings.fixes,
        ))
    }

    /// Finish the pending draft (also once the check is done).
    pub(crate) fn flush(&mut self) {
        if let Some(d) = self.pending.take() {
            (self.finish)(d);
        }
    }
}

/// Parse `v1.N`, `1.N` or `latest` into a PSS minor version kubeward knows.
pub fn parse_pss_version(s: &str) -> Option<u32> {
    if s == "latest" {
        return Some(LATEST_PSS_MINOR);
    }
    let minor = s.strip_prefix('v').unwrap_or(s).strip_prefix("1.")?;
    let digits = !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit());
    if !digits || (minor.len() > 1 && minor.starts_with('0')) {
        return None;
    }
    // Versions newer than the newest known one evaluate as the newest, as PSA does.
    Some(
        minor
            .parse::<u32>()
            .map_or(LATEST_PSS_MINOR, |m| m.min(LATEST_PSS_MINOR)),
    )
}
