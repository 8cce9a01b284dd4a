//! The dangerous permissions kubeward looks for in an RBAC rule.
//!
//! The dangerous permissions kubeward looks for in an RBAC rule, matched as the authorizer
//! matches them. Shared by the single-object RBAC rules and `workload-rbac-risk`, so both agree
//! on what a rule grants.

use super::rbac::{Grant, PolicyRule};
use crate::rule::Severity;

/// A dangerous permission found in one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// What kind of danger.
    pub risk: Risk,
    /// Where in the rule.
    pub at: Grant,
    /// Every dangerous grant of this kind in the rule, for the message.
    pub all: Vec<String>,
    /// How bad.
    pub severity: Severity,
}

/// The dangerous permission classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Risk {
    /// `*` in verbs, resources or apiGroups.
    Wildcard,
    /// get/list/watch on secrets.
    ReadSecrets,
    /// escalate, bind, impersonate, RBAC writes, token creation.
    Escalation,
    /// exec/attach into pods, nodes/proxy.
    PodExec,
    /// Writes to admission webhooks, NetworkPolicies, Namespaces, CSR approval.
    PolicyWrite,
    /// create/patch/update on pods or pod controllers: runs any pod, with any service account
    /// and the host access the namespace allows.
    WorkloadCreate,
}

impl Risk {
    /// How many kinds there are (`Risk as usize` is below this).
    pub const COUNT: usize = 6;
    const _LAST: () = assert!(Risk::WorkloadCreate as usize + 1 == Risk::COUNT);

    /// For workload messages: "read secrets".
    pub fn ability(self) -> &'static str {
        match self {
            Risk::Wildcard => "use wildcard permissions",
            Risk::ReadSecrets => "read secrets",
            Risk::Escalation => "escalate privileges",
            Risk::PodExec => "exec into pods",
            Risk::PolicyWrite => "rewrite security policy",
            Risk::WorkloadCreate => "run any pod",
        }
    }
}

const CORE: &[&str] = &[""];
const RBAC: &[&str] = &["rbac.authorization.k8s.io"];
const WRITE: &[&str] = &["create", "update", "patch", "delete", "deletecollection"];

fn collect(
    rule: &PolicyRule,
    checks: &[(&[&str], &[&str], &str, Severity)],
    risk: Risk,
) -> Option<Hit> {
    let mut best: Option<(Grant, Severity)> = None;
    // (verbs, resources): "create, update on roles, rolebindings".
    let mut grouped: Vec<(String, Vec<&str>)> = Vec::new();
    for (verbs, groups, resource, sev) in checks {
        if let Some(g) = rule.grant(verbs, groups, resource) {
            let names: Vec<&str> = verbs
                .iter()
                .copied()
                .filter(|v| rule.verb(v).is_some())
                .collect();
            let verbs = if rule.verbs.iter().any(|v| v == "*") {
                format!("{} (`*`)", names.join(", "))
            } else {
                names.join(", ")
            };
            match grouped.iter_mut().find(|(v, _)| *v == verbs) {
                Some((_, res)) if !res.contains(resource) => res.push(resource),
                Some(_) => {}
                None => grouped.push((verbs, vec![resource])),
            }
            if best.as_ref().is_none_or(|(_, s)| sev > s) {
                best = Some((g, *sev));
            }
        }
    }
    let (at, severity) = best?;
    let all = grouped
        .into_iter()
        .map(|(v, r)| format!("{v} on {}", r.join(", ")))
        .collect();
    Some(Hit {
        risk,
        at,
        all,
        severity,
    })
}

/// get/list/watch on core `secrets`. list/watch return every secret's content; `get` needs a
/// name; `resourceNames` limits `get` only.
pub fn secrets_access(rule: &PolicyRule, cluster: bool) -> Option<Hit> {
    let bulk = rule.grant(&["list", "watch"], CORE, "secrets");
    let get = rule.grant(&["get"], CORE, "secrets");
    let verbs: Vec<&str> = ["get", "list", "watch"]
        .into_iter()
        .filter(|v| rule.grant(&[v], CORE, "secrets").is_some())
        .collect();
    let all = if rule.verbs.iter().any(|v| v == "*") {
        vec!["* on secrets".to_owned()]
    } else {
        vec![format!("{} on secrets", verbs.join(", "))]
    };
    let (at, severity) = match (bulk, get) {
        (Some(g), _) => (
            g,
            if cluster {
                Severity::High
            } else {
                Severity::Medium
            },
        ),
        (None, Some(g)) if rule.named() => (g, Severity::Low),
        (None, Some(g)) => (g, Severity::Medium),
        (None, None) => return None,
    };
    Some(Hit {
        risk: Risk::ReadSecrets,
        at,
        all,
        severity,
    })
}

/// escalate/bind on roles, impersonation, RBAC writes, `serviceaccounts/token` create.
pub fn privilege_escalation(rule: &PolicyRule) -> Option<Hit> {
    let auth = &["authentication.k8s.io"][..];
    collect(
        rule,
        &[
            (&["escalate", "bind"], RBAC, "clusterroles", Severity::High),
            (&["escalate", "bind"], RBAC, "roles", Severity::High),
            (&["impersonate"], CORE, "users", Severity::High),
            (&["impersonate"], CORE, "groups", Severity::High),
            (&["impersonate"], CORE, "serviceaccounts", Severity::High),
            (&["impersonate"], auth, "uids", Severity::High),
            (&["impersonate"], auth, "userextras/scopes", Severity::High),
            (&["create"], CORE, "serviceaccounts/token", Severity::High),
            (WRITE, RBAC, "clusterrolebindings", Severity::Medium),
            (WRITE, RBAC, "rolebindings", Severity::Medium),
            (WRITE, RBAC, "clusterroles", Severity::Medium),
            (WRITE, RBAC, "roles", Severity::Medium),
        ],
        Risk::Escalation,
    )
}

/// The grants that run commands in a running pod: create on `pods/exec` and `pods/attach`,
/// patch/update on `pods/ephemeralcontainers` (adds a debug container, with any image and
/// command, to a running pod: `kubectl debug`), get/create on `nodes/proxy` (kubelet API,
/// bypasses audit and admission).
const EXEC: &[(&[&str], &[&str], &str, Severity)] = &[
    (&["create"], CORE, "pods/exec", Severity::High),
    (&["create"], CORE, "pods/attach", Severity::High),
    (
        &["patch", "update"],
        CORE,
        "pods/ephemeralcontainers",
        Severity::High,
    ),
    (&["get", "create"], CORE, "nodes/proxy", Severity::High),
];

/// The exec equivalents of [`EXEC`], plus get on exec at lower severity (WebSocket exec).
pub fn pod_exec(rule: &PolicyRule) -> Option<Hit> {
    if rule.grant(&["create"], CORE, "pods/exec").is_some() {
        // `get` on exec adds nothing to `create`.
        return collect(rule, EXEC, Risk::PodExec);
    }
    let mut checks = EXEC.to_vec();
    checks.push((&["get"], CORE, "pods/exec", Severity::Medium));
    collect(rule, &checks, Risk::PodExec)
}

/// The kinds whose objects become pods: `(API groups, resource)`.
const WORKLOADS: &[(&[&str], &str)] = &[
    (CORE, "pods"),
    (CORE, "replicationcontrollers"),
    (&["apps", "extensions"], "deployments"),
    (&["apps", "extensions"], "daemonsets"),
    (&["apps"], "statefulsets"),
    (&["apps", "extensions"], "replicasets"),
    (&["batch"], "jobs"),
    (&["batch"], "cronjobs"),
    (&["apps.openshift.io"], "deploymentconfigs"),
];

/// create on pods or pod controllers (and patch/update, which rewrite the pod template of one
/// that exists): the holder runs any pod, so any ServiceAccount, Secret and ConfigMap of the
/// namespace and whatever host access Pod Security lets a pod have. `resourceNames` cannot
/// limit `create`; limiting patch/update to named objects leaves their pod templates, which is
/// as much.
pub fn workload_create(rule: &PolicyRule) -> Option<Hit> {
    let verbs: &[&str] = &["create", "patch", "update"];
    let checks: Vec<(&[&str], &[&str], &str, Severity)> = WORKLOADS
        .iter()
        .map(|&(groups, resource)| (verbs, groups, resource, Severity::High))
        .collect();
    collect(rule, &checks, Risk::WorkloadCreate)
}

/// create on `persistentvolumes`: a PersistentVolume can be a `hostPath` of any node path,
/// which a claim then mounts into a pod without any `hostPath` in the pod spec.
pub fn persistent_volume_create(rule: &PolicyRule) -> Option<Grant> {
    rule.grant(&["create"], CORE, "persistentvolumes")
}

/// Writes to `services/status` (CVE-2020-8554): setting `status.loadBalancer.ingress[].ip`
/// makes kube-proxy send the cluster's traffic for that IP to the Service.
pub fn service_status_write(rule: &PolicyRule) -> Option<Hit> {
    collect(
        rule,
        &[(
            &["patch", "update"],
            CORE,
            "services/status",
            Severity::High,
        )],
        Risk::PolicyWrite,
    )
}

/// Writes to admission webhooks and policies, NetworkPolicies, Namespaces, CSR approval.
pub fn security_policy_write(rule: &PolicyRule) -> Option<Hit> {
    let adm = &["admissionregistration.k8s.io"][..];
    let net = &["networking.k8s.io"][..];
    let cilium = &["cilium.io"][..];
    let calico = &["projectcalico.org", "crd.projectcalico.org"][..];
    collect(
        rule,
        &[
            (
                WRITE,
                adm,
                "validatingwebhookconfigurations",
                Severity::High,
            ),
            (WRITE, adm, "mutatingwebhookconfigurations", Severity::High),
            (WRITE, adm, "validatingadmissionpolicies", Severity::High),
            (
                WRITE,
                adm,
                "validatingadmissionpolicybindings",
                Severity::High,
            ),
            (WRITE, adm, "mutatingadmissionpolicies", Severity::High),
            (
                WRITE,
                adm,
                "mutatingadmissionpolicybindings",
                Severity::High,
            ),
            (WRITE, net, "networkpolicies", Severity::Medium),
            (WRITE, cilium, "ciliumnetworkpolicies", Severity::Medium),
            (
                WRITE,
                cilium,
                "ciliumclusterwidenetworkpolicies",
                Severity::Medium,
            ),
            (WRITE, calico, "networkpolicies", Severity::Medium),
            (WRITE, calico, "globalnetworkpolicies", Severity::Medium),
            (&["update", "patch"], CORE, "namespaces", Severity::Medium),
        ],
        Risk::PolicyWrite,
    )
}

/// Signers whose certificates the API server accepts as client credentials of any user or
/// group: approving CSRs for them mints a login as any user, `system:masters` included.
const CLIENT_SIGNERS: &[&str] = &[
    "kubernetes.io/kube-apiserver-client",
    "kubernetes.io/*",
    "*",
];

/// The signer of the kubelets' client certificates: the API server accepts what it signs as a
/// node (`system:node:<name>`, group `system:nodes`).
const KUBELET_CLIENT_SIGNER: &str = "kubernetes.io/kube-apiserver-client-kubelet";

/// Whose certificates a role can approve, the most powerful first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Signers {
    /// Only the signers named in `resourceNames`, none of them a client signer of the API
    /// server (`kubernetes.io/kubelet-serving`, a custom signer).
    Named,
    /// The kubelets' client signer: a login as any node.
    KubeletClient,
    /// The API server's client signer (no `resourceNames`, `kubernetes.io/*` or
    /// `kubernetes.io/kube-apiserver-client`): a login as any user or group.
    ApiServerClient,
}

/// Approving certificate signing requests: it takes both `update` (or `patch`) on
/// `certificatesigningrequests/approval` and `approve` on `signers` in `certificates.k8s.io`
/// (Kubernetes docs, "Certificates and Certificate Signing Requests", Authorization). Either
/// half alone approves nothing. `(rule with approve, its grant, rule with the approval update,
/// its grant, the signers)`: of the rules granting `approve`, the one reaching the most
/// powerful signers.
pub fn csr_approval(
    rules: &[(usize, &PolicyRule)],
) -> Option<(usize, Grant, usize, Grant, Signers)> {
    let cert = &["certificates.k8s.io"][..];
    let approval = rules.iter().find_map(|&(i, r)| {
        r.grant(
            &["update", "patch"],
            cert,
            "certificatesigningrequests/approval",
        )
        .map(|g| (i, g))
    })?;
    let mut approve: Option<(usize, Grant, Signers)> = None;
    for &(i, r) in rules {
        let Some(g) = r.grant(&["approve"], cert, "signers") else {
            continue;
        };
        let named = |list: &[&str]| r.resource_names.iter().any(|n| list.contains(&n.as_str()));
        let signers = if !r.named() || named(CLIENT_SIGNERS) {
            Signers::ApiServerClient
        } else if named(&[KUBELET_CLIENT_SIGNER]) {
            Signers::KubeletClient
        } else {
            Signers::Named
        };
        if approve.as_ref().is_none_or(|(_, _, s)| signers > *s) {
            approve = Some((i, g, signers));
        }
    }
    let (ai, ag, signers) = approve?;
    Some((ai, ag, approval.0, approval.1, signers))
}

/// `*` entries of a rule: (field, index) for verbs, resources and apiGroups, in that order.
pub fn wildcards(rule: &PolicyRule) -> Vec<(&'static str, usize)> {
    let mut out = Vec::new();
    for (field, list) in [
        ("verbs", &rule.verbs),
        ("resources", &rule.resources),
        ("apiGroups", &rule.api_groups),
    ] {
        if let Some(i) = list.iter().position(|s| s == "*") {
            out.push((field, i));
        }
    }
    out
}

/// Every dangerous permission of a rule (for `workload-rbac-risk`).
pub fn risks(rule: &PolicyRule, cluster: bool) -> Vec<Hit> {
    let mut out = Vec::new();
    if rule.is_full_wildcard() {
        out.push(Hit {
            risk: Risk::Wildcard,
            at: Grant {
                verb: rule.verb("*").unwrap_or(0),
                resource: rule.resource("*").unwrap_or(0),
                what: "* on *".into(),
            },
            all: vec!["every verb on every resource".into()],
            severity: Severity::High,
        });
        return out;
    }
    out.extend(secrets_access(rule, cluster));
    out.extend(privilege_escalation(rule));
    out.extend(pod_exec(rule));
    out.extend(workload_create(rule));
    out
}

/// The dangerous rules of the default ClusterRoles that kubeward knows without seeing them
/// (`cluster-admin`, `admin`, `edit`; `view` grants nothing dangerous).
pub fn builtin_cluster_role(name: &str) -> Option<Vec<PolicyRule>> {
    let read = ["get", "list", "watch"];
    Some(match name {
        "cluster-admin" => vec![PolicyRule::of(&["*"], &["*"], &["*"])],
        "admin" | "edit" => {
            let mut v = vec![
                PolicyRule::of(&[""], &["secrets"], &[&read[..], WRITE].concat()),
                PolicyRule::of(
                    &[""],
                    &["pods/exec", "pods/attach", "pods/portforward", "pods/proxy"],
                    &["create", "get"],
                ),
                PolicyRule::of(&[""], &["serviceaccounts"], &["impersonate"]),
                PolicyRule::of(
                    &["", "apps", "batch"],
                    &[
                        "pods",
                        "replicationcontrollers",
                        "deployments",
                        "daemonsets",
                        "statefulsets",
                        "replicasets",
                        "jobs",
                        "cronjobs",
                    ],
                    WRITE,
                ),
            ];
            if name == "admin" {
                v.push(PolicyRule::of(
                    &["rbac.authorization.k8s.io"],
                    &["roles", "rolebindings"],
                    &[&read[..], WRITE].concat(),
                ));
            }
            v
        }
        "view" => Vec::new(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::{PolicyRule, pod_exec, privilege_escalation, secrets_access};
    use crate::rule::Severity;

    #[test]
    fn resource_matching_follows_the_authorizer() {
        let r = PolicyRule::of(&[""], &["pods/*"], &["create"]);
        assert_eq!(r.resource("pods/exec"), None, "pods/* is a literal");
        let r = PolicyRule::of(&[""], &["*/exec"], &["create"]);
        assert_eq!(r.resource("pods/exec"), Some(0));
        let r = PolicyRule::of(&[""], &["*"], &["create"]);
        assert_eq!(r.resource("pods/exec"), Some(0), "* covers subresources");
        let r = PolicyRule::of(&[""], &["pods"], &["create"]);
        assert_eq!(r.resource("pods/exec"), None);
        assert!(pod_exec(&PolicyRule::of(&["*"], &["*/attach"], &["*"])).is_some());
    }

    #[test]
    fn secrets_severity() {
        let list = PolicyRule::of(&[""], &["secrets"], &["list"]);
        assert_eq!(
            secrets_access(&list, true).map(|h| h.severity),
            Some(Severity::High)
        );
        assert_eq!(
            secrets_access(&list, false).map(|h| h.severity),
            Some(Severity::Medium)
        );
        let mut named = PolicyRule::of(&[""], &["secrets"], &["get"]);
        named.resource_names = vec!["tls".into()];
        assert_eq!(
            secrets_access(&named, true).map(|h| h.severity),
            Some(Severity::Low)
        );
        assert!(secrets_access(&PolicyRule::of(&["apps"], &["secrets"], &["get"]), true).is_none());
        let esc = privilege_escalation(&PolicyRule::of(
            &["rbac.authorization.k8s.io"],
            &["clusterroles"],
            &["bind", "create"],
        ));
        assert_eq!(
            esc.map(|h| (h.severity, h.all)),
            Some((
                Severity::High,
                vec![
                    "bind on clusterroles".to_owned(),
                    "create on clusterroles".to_owned()
                ]
            ))
        );
    }
}
