use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{Label, NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// A pod whose `securityContext.sysctls` sets a sysctl outside the safe set of the policy
    /// version: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`, `net.ipv4.tcp_syncookies`,
    /// `net.ipv4.ping_group_range`, `net.ipv4.ip_unprivileged_port_start`; from v1.27
    /// `net.ipv4.ip_local_reserved_ports`; from v1.29 `net.ipv4.tcp_keepalive_time`,
    /// `net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`;
    /// from v1.32 `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem`; from v1.37
    /// `net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat`.
    ///
    /// ## Why it matters
    /// Sysctls outside that set are either not namespaced (they change the whole node, e.g.
    /// `kernel.*`, `vm.*`) or not isolated from other pods, so one pod can weaken the node or its
    /// neighbours. The Baseline Pod Security Standard allows only the safe set.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: db}
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///     - {name: kernel.msgmax, value: "65536"}
    ///   containers:
    ///   - name: db
    ///     image: postgres:16.2
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: db}
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///     - {name: net.ipv4.ip_local_port_range, value: "32768 60999"}
    ///   containers:
    ///   - name: db
    ///     image: postgres:16.2
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Baseline): Sysctls, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_sysctls.go`
    /// - <https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/>
    pub UnsafeSysctls {
        id: "unsafe-sysctls",
        category: PodSecurity,
        severity: High,
        summary: "pod sets a sysctl outside the safe set",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for UnsafeSysctls {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

/// The policy version from which the Baseline level allows a sysctl.
fn allowed_since(name: &str) -> Option<u32> {
    Some(match name {
        "kernel.shm_rmid_forced"
        | "net.ipv4.ip_local_port_range"
        | "net.ipv4.tcp_syncookies"
        | "net.ipv4.ping_group_range"
        | "net.ipv4.ip_unprivileged_port_start" => 0,
        "net.ipv4.ip_local_reserved_ports" => 27,
        "net.ipv4.tcp_keepalive_time"
        | "net.ipv4.tcp_fin_timeout"
        | "net.ipv4.tcp_keepalive_intvl"
        | "net.ipv4.tcp_keepalive_probes" => 29,
        "net.ipv4.tcp_rmem" | "net.ipv4.tcp_wmem" => 32,
        "net.ipv4.tcp_slow_start_after_idle" | "net.ipv4.tcp_notsent_lowat" => 37,
        _ => return None,
    })
}

impl PssControl for UnsafeSysctls {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        for (i, sysctl) in pod
            .sc("sysctls")
            .into_iter()
            .flat_map(NodeRef::items)
            .enumerate()
        {
            let name = sysctl.get("name").map_or("", pss::shown);
            let since = allowed_since(name);
            if since == Some(0) {
                continue;
            }
            let versions = since.map_or(Versions::ALL, Versions::before);
            let route = [
                Seg::from("securityContext"),
                Seg::from("sysctls"),
                Seg::from(i),
                Seg::from("name"),
            ];
            out.flag(Levels::baseline(versions), Label::at(pod.ptr.join(route)).label("sysctl outside the safe set"), || match since {
                Some(v) => Detail::new(
                    format!("pod sets sysctl `{name}`, which the Baseline level allows only from policy v1.{v}"),
                    format!("Enforce policy version v1.{v} or later (`pod-security.kubernetes.io/enforce-version`), or remove the sysctl."),
                ),
                None => Detail::new(
                    format!("pod sets sysctl `{name}`; the Baseline level allows only namespaced, isolated sysctls such as net.ipv4.ip_local_port_range"),
                    "Remove the sysctl; tune node-wide settings on the nodes (kubelet `--allowed-unsafe-sysctls` with a dedicated, tainted node pool, or the node image) instead of from a pod.",
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::UnsafeSysctls;
    use crate::pss::lines;
    use crate::rule::PssLevel;
    use crate::testing::RuleTest;

    #[test]
    fn unsafe_sysctls() {
        RuleTest::of(&UnsafeSysctls)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    sysctls:\n",
                "    - {name: kernel.shm_rmid_forced, value: \"1\"}\n    - {name: net.ipv4.tcp_notsent_lowat, value: \"16384\"}\n",
                "  containers: [{name: a, image: nginx:1.27}]\n",
            ))
            .fail(concat!(
                "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  template:\n    spec:\n      securityContext:\n        sysctls:\n",
                "        - name: kernel.msgmax   #~ unsafe-sysctls\n          value: \"65536\"\n",
                "        - {name: net.ipv4.ping_group_range, value: \"0 2147483647\"}\n",
                "        - {name: vm.overcommit_memory, value: \"1\"}   #~ unsafe-sysctls\n",
                "      containers: [{name: db, image: postgres:16.2}]\n",
            ))
            .snapshot();
    }

    #[test]
    fn allow_list_grows() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    sysctls: [{name: net.ipv4.tcp_rmem, value: \"4096 87380 6291456\"}]\n  containers: [{name: a, image: app:1}]\n";
        let b = Some(PssLevel::Baseline);
        assert_eq!(lines(&UnsafeSysctls, pod, b, 31), [6]);
        assert!(lines(&UnsafeSysctls, pod, b, 32).is_empty());
    }
}
