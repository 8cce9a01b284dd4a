use crate::model::{Container, NsKey, PodSpec, World, dashboard_image};
use crate::rule::{Context, Rule, WorldContext, declare_rule};
use crate::yaml::{NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// The Kubernetes Dashboard (image `kubernetesui/dashboard*` or `*kubernetes-dashboard`)
    /// started with `--enable-skip-login` or `--disable-settings-authorizer`, or running as a
    /// ServiceAccount that a binding in the input ties to `cluster-admin`. A `cluster-admin`
    /// binding of a ServiceAccount named `kubernetes-dashboard` is reported too when the
    /// Dashboard itself is not in the input.
    ///
    /// ## Why it matters
    /// With skip-login, anyone who reaches the Dashboard acts as its ServiceAccount; with that
    /// account bound to cluster-admin, the Dashboard is a one-click cluster takeover (the Tesla
    /// cryptojacking incident of 2018 started this way). Users should log in with their own
    /// token so their own RBAC applies.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: kubernetes-dashboard, namespace: kubernetes-dashboard}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///       - name: dashboard
    ///         image: kubernetesui/dashboard:v2.7.0
    ///         args: [--auto-generate-certificates, --enable-skip-login]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: kubernetes-dashboard, namespace: kubernetes-dashboard}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///       - name: dashboard
    ///         image: kubernetesui/dashboard:v2.7.0
    ///         args: [--auto-generate-certificates]
    /// ```
    ///
    /// ## References
    /// - Kubernetes Dashboard, "Access control": <https://github.com/kubernetes/dashboard/blob/master/docs/user/access-control/README.md>
    /// - Kubernetes Dashboard arguments: <https://github.com/kubernetes/dashboard/blob/master/docs/common/arguments.md>
    pub InsecureDashboard {
        id: "insecure-dashboard",
        category: Network,
        severity: Critical,
        summary: "dashboard reachable without login or running as cluster-admin",
        since: "0.1.0",
    }
}

/// (flag, what it does, how to fix it).
const FLAGS: &[(&str, &str, &str)] = &[
    (
        "--enable-skip-login",
        "lets anyone use the Dashboard as its ServiceAccount without logging in",
        "Remove `--enable-skip-login` so that users log in with their own token and their own RBAC applies.",
    ),
    (
        "--disable-settings-authorizer",
        "lets any user, even one who skipped login, change the Dashboard's global settings",
        "Remove `--disable-settings-authorizer` so that only authorized users can change settings.",
    ),
];

fn is_dashboard(c: &Container<'_>) -> bool {
    c.node
        .get("image")
        .and_then(NodeRef::text)
        .is_some_and(dashboard_image)
}

impl Rule for InsecureDashboard {
    fn check_container(&self, _pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        if !is_dashboard(c) {
            return;
        }
        for list in ["command", "args"] {
            for (i, arg) in c
                .node
                .get(list)
                .into_iter()
                .flat_map(NodeRef::items)
                .enumerate()
            {
                let Some(text) = arg.text() else { continue };
                let (flag, value) = text
                    .split_once('=')
                    .map_or((text, None), |(f, v)| (f, Some(v)));
                let Some((flag, why, fix)) = FLAGS.iter().find(|(f, _, _)| *f == flag) else {
                    continue;
                };
                if value.is_some_and(|v| v.eq_ignore_ascii_case("false")) {
                    continue;
                }
                cx.report(
                    self,
                    c.at([Seg::from(list), Seg::from(i)])
                        .value()
                        .label("insecure Dashboard flag"),
                )
                .message(format!(
                    "{} runs the Kubernetes Dashboard with `{flag}`, which {why}",
                    c.describe()
                ))
                .help(*fix);
            }
        }
    }

    fn reads_world(&self) -> bool {
        true
    }

    fn check_world(&self, world: &World, cx: &mut WorldContext<'_>) {
        let mut covered = Vec::new();
        for (ns, index) in &world.index.namespaces {
            for &wi in &index.workloads {
                let f = &world.objects[wi];
                let Some(w) = f.workload().filter(|w| w.dashboard) else {
                    continue;
                };
                covered.push((ns.clone(), w.service_account().to_owned()));
                for b in world.bindings_of_service_account(ns, w.service_account()) {
                    if b.binding.role_kind != "ClusterRole"
                        || b.binding.role_name != "cluster-admin"
                    {
                        continue;
                    }
                    cx.report(self, &w.sa_site)
                        .label("bound to cluster-admin")
                        .message(format!(
                            "{} runs the Kubernetes Dashboard as ServiceAccount \"{}\", which {} binds to cluster-admin: whoever reaches the Dashboard controls the cluster",
                            f.describe(),
                            w.service_account(),
                            b.facts.describe()
                        ))
                        .help("Bind the Dashboard's ServiceAccount to a minimal role (or none) and have users log in with their own tokens.")
                        .related_site(&b.subject.site, format!("1. subject of {}", b.facts.describe()))
                        .related_site(&b.binding.role_site, "2. roleRef: cluster-admin");
                }
            }
        }
        for &bi in &world.index.bindings {
            let f = &world.objects[bi];
            let Some(b) = f.binding() else { continue };
            if b.role_kind != "ClusterRole" || b.role_name != "cluster-admin" {
                continue;
            }
            for s in &b.subjects {
                if s.kind != "ServiceAccount" || s.name != "kubernetes-dashboard" {
                    continue;
                }
                let sns = match (&s.namespace, b.cluster) {
                    (Some(n), _) => Some(NsKey::Named(n.clone())),
                    (None, false) => Some(world.ns_key(f)),
                    (None, true) => None,
                };
                if sns.is_some_and(|k| covered.contains(&(k, s.name.clone()))) {
                    continue;
                }
                cx.report(self, &s.site)
                    .label("Dashboard ServiceAccount")
                    .message(format!(
                        "{} binds the ServiceAccount \"kubernetes-dashboard\" to cluster-admin: whoever reaches the Dashboard controls the cluster",
                        f.describe()
                    ))
                    .help("Bind the Dashboard's ServiceAccount to a minimal role (or none) and have users log in with their own tokens.")
                    .related_site(&b.role_site, "roleRef: cluster-admin");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InsecureDashboard;
    use crate::testing::RuleTest;

    #[test]
    fn insecure_dashboard() {
        RuleTest::of(&InsecureDashboard)
            .pass(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: kubernetes-dashboard, namespace: kubernetes-dashboard}
spec:
  template:
    spec:
      serviceAccountName: kubernetes-dashboard
      containers:
      - name: dashboard
        image: kubernetesui/dashboard:v2.7.0
        args: [--auto-generate-certificates, --enable-skip-login=false]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: dashboard-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: kubernetes-dashboard, namespace: kubernetes-dashboard}]
"##,
            )
            .fail(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: kubernetes-dashboard, namespace: kubernetes-dashboard}
spec:
  template:
    spec:
      serviceAccountName: kubernetes-dashboard   #~ insecure-dashboard
      containers:
      - name: dashboard
        image: docker.io/kubernetesui/dashboard:v2.7.0
        args:
        - --auto-generate-certificates
        - --enable-skip-login   #~ insecure-dashboard
        - --disable-settings-authorizer=true   #~ insecure-dashboard
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: dashboard-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: kubernetes-dashboard, namespace: kubernetes-dashboard}]
"##,
            )
            .fail(
                r##"apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: dashboard-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- kind: ServiceAccount
  name: kubernetes-dashboard   #~ insecure-dashboard
  namespace: kube-system
"##,
            )
            .snapshot();
    }
}
