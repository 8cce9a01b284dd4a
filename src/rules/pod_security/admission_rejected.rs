use std::collections::HashMap;

use crate::model::{Facts, PSA_PREFIX, Site, World};
use crate::pss;
use crate::rule::{LATEST_PSS_MINOR, PssLevel, Rule, WorldContext, declare_rule};

declare_rule! {
    /// ## What it flags
    /// A Pod, or a workload's pod template, that violates the Pod Security level its own
    /// Namespace enforces, when that Namespace is part of the input: the level of
    /// `pod-security.kubernetes.io/enforce`, judged at the policy version of
    /// `pod-security.kubernetes.io/enforce-version` (default `latest`). As pod-security-admission
    /// does, an invalid level counts as `restricted` and an invalid version as `latest`. Only
    /// objects with an explicit `metadata.namespace` are matched.
    ///
    /// ## Why it matters
    /// The API server rejects such a Pod when it is applied. A Deployment, StatefulSet, Job or
    /// other workload is accepted (with a warning), but every pod its controller creates is
    /// rejected: the rollout hangs with no running replica, which is often noticed only in
    /// production.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: payments
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: baseline
    /// ---
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: debug
    ///   namespace: payments
    /// spec:
    ///   hostNetwork: true
    ///   containers:
    ///   - name: debug
    ///     image: busybox:1.36
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: payments
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: baseline
    /// ---
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: debug
    ///   namespace: payments
    /// spec:
    ///   containers:
    ///   - name: debug
    ///     image: busybox:1.36
    /// ```
    ///
    /// ## References
    /// - Pod Security Admission, <https://kubernetes.io/docs/concepts/security/pod-security-admission/>
    /// - pod-security-admission `api/helpers.go` (`PolicyToEvaluate`), `admission/admission.go`
    pub AdmissionRejected {
        id: "admission-rejected",
        category: PodSecurity,
        severity: Critical,
        summary: "workload violates the Pod Security level its namespace enforces",
        since: "0.1.0",
    }
}

/// What a Namespace enforces.
struct Policy<'w> {
    level: PssLevel,
    minor: u32,
    /// The level as written, when it is not a valid level.
    invalid_level: Option<&'w str>,
    enforce: &'w Site,
    version: Option<&'w Site>,
    /// `v1.N`, `latest`, or what an invalid version label means.
    version_text: String,
}

impl<'w> Policy<'w> {
    /// The enforced policy of a Namespace (`None`: nothing enforced, or `privileged`).
    fn of(ns: &'w Facts) -> Option<Policy<'w>> {
        let label = |mode: &str| {
            ns.psa_labels()
                .iter()
                .find(|l| l.key.strip_prefix(PSA_PREFIX) == Some(mode))
        };
        let enforce = label("enforce")?;
        let (level, invalid_level) = match enforce.value.as_str() {
            "privileged" => return None,
            "baseline" => (PssLevel::Baseline, None),
            "restricted" => (PssLevel::Restricted, None),
            other => (PssLevel::Restricted, Some(other)),
        };
        let version = label("enforce-version");
        let parsed = version.and_then(|v| parse_version(&v.value));
        let minor = parsed.unwrap_or(LATEST_PSS_MINOR);
        let version_text = match (version, parsed) {
            (Some(_), Some(m)) => format!("v1.{m}"),
            (Some(v), None) if v.value != "latest" => {
                format!("latest, as the invalid version `{}` counts", v.value)
            }
            _ => "latest".to_owned(),
        };
        Some(Policy {
            version_text,
            level,
            minor,
            invalid_level,
            enforce: &enforce.site,
            version: version.map(|v| &v.site),
        })
    }
}

/// `v1.N` (no leading zero) → N, as PSA's `ParseVersion`; anything else is `latest`.
fn parse_version(v: &str) -> Option<u32> {
    let n = v.strip_prefix("v1.")?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || (n.len() > 1 && n.starts_with('0'))
    {
        return None;
    }
    n.parse::<u32>().ok().map(|m| m.min(LATEST_PSS_MINOR))
}

impl Rule for AdmissionRejected {
    fn reads_world(&self) -> bool {
        true
    }

    fn reads_pod_security(&self) -> bool {
        true
    }

    fn check_world(&self, world: &World, cx: &mut WorldContext<'_>) {
        // Namespace name → its policy; the last definition wins, as when the files are applied.
        let mut policies: HashMap<&str, Policy<'_>> = HashMap::new();
        for ns in world
            .of_kind("Namespace")
            .filter(|f| f.ident.api_version == "v1")
        {
            let Some(name) = ns.ident.name.as_deref() else {
                continue;
            };
            match Policy::of(ns) {
                Some(p) => policies.insert(name, p),
                None => policies.remove(name),
            };
        }
        if policies.is_empty() {
            return;
        }
        for obj in &world.objects {
            let (Some(facts), Some(ns)) = (&obj.pod_security, obj.ident.namespace.as_deref())
            else {
                continue;
            };
            let Some(policy) = policies.get(ns) else {
                continue;
            };
            let hits: Vec<_> = facts
                .violations
                .iter()
                .filter(|v| v.levels.at(policy.level).contains(policy.minor))
                .collect();
            if hits.is_empty() {
                continue;
            }
            let mut rules: Vec<&str> = hits.iter().map(|v| v.rule).collect();
            rules.dedup();
            let level = pss::level_name(policy.level);
            let version = &policy.version_text;
            let name = obj.ident.name.as_deref().unwrap_or("<unnamed>");
            let outcome = if obj.ident.kind == "Pod" {
                "the API server will reject it".to_owned()
            } else {
                format!(
                    "the {} is accepted with a warning, but every pod it creates is rejected",
                    obj.ident.kind
                )
            };
            let invalid = policy.invalid_level.map_or(String::new(), |l| {
                format!(" (`{l}` is not a level: PSA enforces restricted)")
            });
            let draft = cx
                .report(self, &facts.namespace_site)
                .message(format!(
                    "{} \"{name}\" violates the {level} Pod Security level (version {version}) that namespace \"{ns}\" enforces{invalid}: {}; {outcome}",
                    obj.ident.kind,
                    rules.join(", "),
                ))
                .help(format!(
                    "Fix the listed violations (`kubeward lint --profile pss-{} --pss-version v1.{}` shows each with its fix), or run the workload in a namespace whose enforced level it meets.",
                    policy.level.as_str(),
                    policy.minor
                ));
            draft.related_site(
                policy.enforce,
                format!("namespace \"{ns}\" enforces {}", policy.level.as_str()),
            );
            if let Some(site) = policy.version {
                draft.related_site(site, format!("policy version {version}"));
            }
            let mut seen = Vec::new();
            for v in hits {
                if !seen.contains(&v.rule) {
                    seen.push(v.rule);
                    let what = v.label.as_deref().unwrap_or("violation");
                    draft.related_site(&v.site, format!("{}: {what}", v.rule));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{AdmissionRejected, parse_version};
    use crate::testing::RuleTest;

    const NS: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: pay\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n";
    const HARDENED: &str = concat!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ok\n  namespace: pay\nspec:\n",
        "  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n",
        "  containers:\n  - name: app\n    image: app:1\n",
        "    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n",
    );
    const ROOT: &str = concat!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: pay   #~ admission-rejected\n",
        "spec:\n  template:\n    spec:\n",
        "      securityContext: {runAsNonRoot: true, runAsUser: 0, seccompProfile: {type: RuntimeDefault}}\n",
        "      containers:\n      - name: app\n        image: app:1\n",
        "        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n",
    );

    #[test]
    fn admission_rejected() {
        RuleTest::of(&AdmissionRejected)
            .pass(&format!("{NS}---\n{HARDENED}"))
            .pass(&format!("{NS}---\n{}", ROOT.replace("namespace: pay   #~ admission-rejected", "namespace: other")))
            .pass(&format!("{}---\n{}", NS.replace("restricted", "baseline"), ROOT.replace("   #~ admission-rejected", "")))
            .pass(&format!(
                "{}    pod-security.kubernetes.io/enforce-version: v1.22\n---\n{}",
                NS,
                ROOT.replace("   #~ admission-rejected", "")
            ))
            .pass(&format!("{}---\n{}", NS.replace("restricted", "privileged"), ROOT.replace("   #~ admission-rejected", "")))
            .fail(&format!("{NS}    pod-security.kubernetes.io/enforce-version: v1.23\n---\n{ROOT}"))
            .fail(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n  namespace: pay   #~ admission-rejected\n",
                "spec:\n  hostPID: true\n  containers:\n  - name: debug\n    image: busybox:1.36\n",
                "---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: pay\n",
                "    labels: {pod-security.kubernetes.io/enforce: Baseline, pod-security.kubernetes.io/enforce-version: v1.0}\n",
            ))
            .snapshot();
    }

    #[test]
    fn versions_parse_like_psa() {
        assert_eq!(parse_version("v1.25"), Some(25));
        assert_eq!(parse_version("v1.0"), Some(0));
        assert_eq!(parse_version("v1.99"), Some(crate::rule::LATEST_PSS_MINOR));
        for bad in ["1.25", "v1.025", "v2.1", "latest", "v1.", "v1.x"] {
            assert_eq!(parse_version(bad), None, "{bad}");
        }
    }
}
