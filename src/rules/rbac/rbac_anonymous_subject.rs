use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// A RoleBinding or ClusterRoleBinding with the subject `User system:anonymous` or
    /// `Group system:unauthenticated` (whatever the role), or `Group
    /// system:authenticated` unless the role is one of the harmless discovery roles
    /// (`system:basic-user`, `system:discovery`, `system:public-info-viewer`). Both `kind` and
    /// `name` must match.
    ///
    /// ## Why it matters
    /// Anonymous requests are anyone who can reach the API server. `system:authenticated` is
    /// every identity the cluster accepts, including every service account token of every pod
    /// and, on some managed clusters, any account of the cloud provider.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata: {name: public-read}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
    /// subjects:
    /// - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:unauthenticated"}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata: {name: team-read}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
    /// subjects:
    /// - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: platform-readers}
    /// ```
    ///
    /// ## References
    /// - Kubernetes RBAC good practices, "Hardening": <https://kubernetes.io/docs/concepts/security/rbac-good-practices/#hardening>
    /// - Trivy KSV-0122, KSV-01011; Kubescape C-0262, C-0265
    pub RbacAnonymousSubject {
        id: "rbac-anonymous-subject",
        category: Rbac,
        severity: Critical,
        summary: "binding grants a role to anonymous or all authenticated users",
        since: "0.1.0",
    }
}

const HARMLESS: &[&str] = &[
    "system:basic-user",
    "system:discovery",
    "system:public-info-viewer",
];

impl Rule for RbacAnonymousSubject {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.group() != "rbac.authorization.k8s.io"
            || !matches!(obj.kind, "ClusterRoleBinding" | "RoleBinding")
        {
            return;
        }
        let role = obj
            .get(&["roleRef", "name"])
            .and_then(NodeRef::text)
            .unwrap_or("?");
        let role_kind = obj
            .get(&["roleRef", "kind"])
            .and_then(NodeRef::text)
            .unwrap_or("role");
        for (i, s) in obj
            .node
            .get("subjects")
            .into_iter()
            .flat_map(NodeRef::items)
            .enumerate()
        {
            let kind = s.get("kind").and_then(NodeRef::text);
            let name = s.get("name").and_then(NodeRef::text);
            let who = match (kind, name) {
                (Some("User"), Some("system:anonymous")) => "every anonymous request",
                (Some("Group"), Some("system:unauthenticated")) => "every unauthenticated request",
                (Some("Group"), Some("system:authenticated")) if !HARMLESS.contains(&role) => {
                    "every authenticated identity, including every pod's service account"
                }
                _ => continue,
            };
            let name = name.unwrap_or_default();
            cx.report(
                self,
                obj.at([Seg::from("subjects"), Seg::from(i), Seg::from("name")])
                    .value()
                    .label(format!("{name} subject")),
            )
            .message(format!(
                "{} grants {role_kind} \"{role}\" to {name}: {who}",
                obj.describe()
            ))
            .help("Bind the role to the specific groups or service accounts that need it.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RbacAnonymousSubject;
    use crate::testing::RuleTest;

    #[test]
    fn rbac_anonymous_subject() {
        RuleTest::of(&RbacAnonymousSubject)
            .pass(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: discovery}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:discovery"}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:authenticated"}
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:anonymous"}
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: public}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- kind: Group
  name: "system:unauthenticated"   #~ rbac-anonymous-subject
- kind: User
  name: "system:anonymous"   #~ rbac-anonymous-subject
- kind: Group
  name: "system:authenticated"   #~ rbac-anonymous-subject
"##,
            )
            .snapshot();
    }
}
