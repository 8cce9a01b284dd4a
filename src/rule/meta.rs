//! Rule metadata: declared once per rule, read by `explain`, the docs, SARIF and miette.

use std::fmt;

/// How bad a finding is. A finding may lower its rule's severity, never raise it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth fixing when convenient.
    Low,
    /// A real weakness.
    Medium,
    /// A serious weakness.
    High,
    /// Directly exploitable, or the object will be rejected.
    Critical,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// SARIF `security-severity` score (GitHub buckets: >9 critical, 7–8.9 high, 4–6.9 medium).
    pub fn security_score(self) -> &'static str {
        match self {
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }

    /// SARIF level.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Low => "note",
            Severity::Medium => "warning",
            Severity::High | Severity::Critical => "error",
        }
    }

    /// All severities, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What area a rule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// The manifest itself: syntax, duplicate keys.
    Validity,
    /// Pod Security Standards controls.
    PodSecurity,
    /// Workload hardening beyond PSS.
    Workload,
    /// Role-based access control.
    Rbac,
    /// Network segmentation and exposure.
    Network,
    /// Container images and their provenance.
    Images,
    /// Secret handling.
    Secrets,
    /// Deprecated or removed APIs and features.
    Deprecation,
    /// Suppression hygiene.
    Suppression,
    /// Admission policies of the repository and the team's own rules.
    Policy,
}

impl Category {
    /// Every category, in the order of the docs.
    pub const ALL: [Category; 10] = [
        Category::Validity,
        Category::PodSecurity,
        Category::Workload,
        Category::Rbac,
        Category::Network,
        Category::Images,
        Category::Secrets,
        Category::Deprecation,
        Category::Suppression,
        Category::Policy,
    ];

    /// kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Validity => "validity",
            Category::PodSecurity => "pod-security",
            Category::Workload => "workload",
            Category::Rbac => "rbac",
            Category::Network => "network",
            Category::Images => "images",
            Category::Secrets => "secrets",
            Category::Deprecation => "deprecation",
            Category::Suppression => "suppression",
            Category::Policy => "policy",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Pod Security Standards level a control belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PssLevel {
    /// Baseline (also part of restricted).
    Baseline,
    /// Restricted only.
    Restricted,
}

impl PssLevel {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PssLevel::Baseline => "baseline",
            PssLevel::Restricted => "restricted",
        }
    }
}

/// Whether a rule's findings can be fixed automatically, and how safely (ruff's fix
/// applicability). Ordered from the safest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FixKind {
    /// Cannot stop a workload that runs today from being admitted or starting in the usual
    /// case: `kubeward lint --fix` applies it.
    Safe,
    /// May change what the workload does: applied only with `--unsafe-fixes`.
    Unsafe,
    /// No automatic fix.
    None,
}

impl FixKind {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FixKind::Safe => "safe",
            FixKind::Unsafe => "unsafe",
            FixKind::None => "none",
        }
    }
}

/// The automatic fix of one finding: what it changes in the finding's document, by route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// Safe or unsafe (never safer than the rule declares).
    pub kind: FixKind,
    /// What it does, as a short imperative phrase (`set allowPrivilegeEscalation: false`).
    pub title: std::borrow::Cow<'static, str>,
    /// The changes, in the finding's document.
    pub changes: Vec<crate::yaml::Change>,
}

/// A rule's fix as declared: its kind and why it is that kind (the docs' `## Fix` section).
#[derive(Debug, Clone, Copy)]
pub struct FixDecl {
    /// Safe, unsafe or none.
    pub kind: FixKind,
    /// Why (markdown).
    pub why: &'static str,
}

impl FixDecl {
    /// No automatic fix.
    pub const NONE: FixDecl = FixDecl {
        kind: FixKind::None,
        why: "",
    };
}

/// Everything declared about a rule.
#[derive(Debug)]
pub struct Meta {
    /// kebab-case id, a public contract.
    pub id: &'static str,
    /// The struct name (PascalCase of the id).
    pub name: &'static str,
    /// Area.
    pub category: Category,
    /// Default severity.
    pub severity: Severity,
    /// Lower-case noun phrase, no period.
    pub summary: &'static str,
    /// Version that introduced the rule.
    pub since: &'static str,
    /// Markdown docs (the doc comment).
    pub docs: &'static str,
    /// `file#Lline` of the declaration.
    pub source: &'static str,
    /// Docs URL.
    pub url: &'static str,
    /// PSS level, for the Pod Security Standards controls.
    pub pss: Option<PssLevel>,
    /// The automatic fix, if any.
    pub fix: FixDecl,
}

impl Meta {
    /// The docs with the one leading space of each doc-comment line removed.
    pub fn docs_text(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

/// Access to a rule's metadata; implemented by `declare_rule!`.
pub trait RuleMeta {
    /// The metadata.
    fn meta(&self) -> &'static Meta;
}
