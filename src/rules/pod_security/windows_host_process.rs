use crate::model::{Object, PodSpec};
use crate::pss::{self, Detail, Levels, Out, PssControl, Versions};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::NodeRef;

declare_rule! {
    /// ## What it flags
    /// `securityContext.windowsOptions.hostProcess: true` at pod level or in any container,
    /// whatever `spec.os.name` says.
    ///
    /// ## Why it matters
    /// A Windows HostProcess container runs directly on the node as a process with the node's
    /// network and file system, typically as `NT AUTHORITY\SYSTEM`: it is the Windows equivalent
    /// of a privileged container. The Baseline Pod Security Standard forbids it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: agent}
    /// spec:
    ///   os: {name: windows}
    ///   hostNetwork: true
    ///   securityContext:
    ///     windowsOptions:
    ///       hostProcess: true
    ///       runAsUserName: "NT AUTHORITY\\SYSTEM"
    ///   containers:
    ///   - name: agent
    ///     image: mcr.microsoft.com/windows/nanoserver:ltsc2022
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: agent}
    /// spec:
    ///   os: {name: windows}
    ///   securityContext:
    ///     windowsOptions:
    ///       runAsUserName: "ContainerUser"
    ///   containers:
    ///   - name: agent
    ///     image: mcr.microsoft.com/windows/nanoserver:ltsc2022
    /// ```
    ///
    /// ## References
    /// - Pod Security Standards (Baseline): HostProcess, <https://kubernetes.io/docs/concepts/security/pod-security-standards/>
    /// - pod-security-admission `policy/check_windowsHostProcess.go`
    pub WindowsHostProcess {
        id: "windows-host-process",
        category: PodSecurity,
        severity: Critical,
        summary: "container runs as a Windows HostProcess on the node",
        since: "0.1.0",
        pss: Baseline,
    }
}

impl Rule for WindowsHostProcess {
    fn check_pod(&self, _obj: &Object<'_>, pod: &PodSpec<'_>, cx: &mut Context<'_>) {
        pss::report(self, pod, cx);
    }
}

const FIX: &str = "Remove `hostProcess: true`; run node-level Windows agents from a dedicated namespace whose `pod-security.kubernetes.io/enforce` level is `privileged`.";

impl PssControl for WindowsHostProcess {
    fn check(&self, pod: &PodSpec<'_>, out: &mut Out) {
        let host_process = |sc: Option<NodeRef<'_>>| {
            sc.and_then(|s| s.path(&["windowsOptions", "hostProcess"]))
                .and_then(NodeRef::as_bool)
        };
        if host_process(pod.security_context()) == Some(true) {
            let at = pod
                .at(["securityContext", "windowsOptions", "hostProcess"])
                .label("runs as a process on the node");
            out.flag(Levels::baseline(Versions::ALL), at, || {
                Detail::new("pod sets `windowsOptions.hostProcess: true`; the Baseline level forbids HostProcess containers", FIX)
            });
        }
        for c in &pod.containers {
            if host_process(c.security_context()) == Some(true) {
                let at = c
                    .at(["securityContext", "windowsOptions", "hostProcess"])
                    .label("runs as a process on the node");
                out.flag(Levels::baseline(Versions::ALL), at, || {
                    Detail::new(
                        format!("{} sets `windowsOptions.hostProcess: true`; the Baseline level forbids HostProcess containers", c.describe()),
                        FIX,
                    )
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WindowsHostProcess;
    use crate::testing::RuleTest;

    #[test]
    fn windows_host_process() {
        RuleTest::of(&WindowsHostProcess)
            .pass(concat!(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  securityContext:\n    windowsOptions: {hostProcess: false}\n",
                "  containers: [{name: a, image: app:1}]\n",
            ))
            .fail(concat!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n",
                "      securityContext:\n        windowsOptions:\n          hostProcess: true   #~ windows-host-process\n",
                "      containers:\n      - name: agent\n        image: agent:1\n",
                "        securityContext: {windowsOptions: {hostProcess: true}}   #~ windows-host-process\n",
            ))
            .snapshot();
    }
}
