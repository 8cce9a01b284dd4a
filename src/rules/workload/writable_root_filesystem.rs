use crate::model::{Container, PodSpec};
use crate::pss;
use crate::rule::{Context, FixKind, Rule, declare_rule};
use crate::yaml::{Change, NodeRef, Scalar};

declare_rule! {
    /// ## What it flags
    /// A container (init and ephemeral included) without `securityContext.readOnlyRootFilesystem:
    /// true`. Windows pods (`spec.os.name: windows`) are skipped: Windows does not support the
    /// setting.
    ///
    /// ## Why it matters
    /// With a writable root filesystem, an attacker who gets code execution can download tools,
    /// replace binaries or plant persistence in the image's directories, and a misbehaving program
    /// can fill the node's disk. A read-only root with `emptyDir` mounts for the few paths that
    /// must be writable (`/tmp`, caches) makes the container immutable.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: nginx:1.27
    ///     securityContext:
    ///       readOnlyRootFilesystem: true
    ///     volumeMounts: [{name: tmp, mountPath: /tmp}]
    ///   volumes:
    ///   - name: tmp
    ///     emptyDir: {}
    /// ```
    ///
    /// ## References
    /// - Kubernetes security context, <https://kubernetes.io/docs/tasks/configure-pod-container/security-context/>
    /// - CIS Kubernetes Benchmark 5.7.3 (apply security context to pods and containers)
    pub WritableRootFilesystem {
        id: "writable-root-filesystem",
        category: Workload,
        severity: Low,
        summary: "container root filesystem is writable",
        since: "0.1.0",
        fix: Unsafe("Sets `readOnlyRootFilesystem: true` in the container's `securityContext`. Unsafe: a program that writes anywhere outside its volumes (a cache, a PID file, `/tmp`) fails once the root filesystem is read-only; give it an `emptyDir` volume for those paths."),
    }
}

const FIX: &str = "Make the root filesystem read-only and mount an `emptyDir` where the program writes:\n```yaml\nsecurityContext:\n  readOnlyRootFilesystem: true\nvolumeMounts:\n- {name: tmp, mountPath: /tmp}\n```";

impl Rule for WritableRootFilesystem {
    fn check_container(&self, pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        if pod.is_windows() {
            return;
        }
        match c.sc("readOnlyRootFilesystem").and_then(NodeRef::as_bool) {
            Some(true) => {}
            Some(false) => {
                cx.report(
                    self,
                    c.at(["securityContext", "readOnlyRootFilesystem"])
                        .label("root filesystem writable"),
                )
                .message(format!(
                    "{} sets `readOnlyRootFilesystem: false`: its root filesystem is writable",
                    c.describe()
                ))
                .help(FIX)
                .fix(FixKind::Unsafe, TITLE, || read_only(c));
            }
            None => {
                cx.report(
                    self,
                    pss::missing_in_container(c, &["securityContext", "readOnlyRootFilesystem"])
                        .label("no `readOnlyRootFilesystem: true`"),
                )
                .message(format!(
                    "{} has a writable root filesystem (`readOnlyRootFilesystem` is not set)",
                    c.describe()
                ))
                .help(FIX)
                .fix(FixKind::Unsafe, TITLE, || read_only(c));
            }
        }
    }
}

const TITLE: &str = "set `readOnlyRootFilesystem: true`";

fn read_only(c: &Container<'_>) -> Vec<Change> {
    vec![Change::set(
        c.ptr.join(["securityContext", "readOnlyRootFilesystem"]),
        Scalar::Bool(true),
    )]
}

#[cfg(test)]
mod tests {
    use super::WritableRootFilesystem;
    use crate::testing::RuleTest;

    #[test]
    fn writable_root_filesystem() {
        RuleTest::of(&WritableRootFilesystem)
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n    securityContext: {readOnlyRootFilesystem: true}\n")
            .pass("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  os: {name: windows}\n  containers:\n  - name: a\n    image: app:1\n")
            .fail(concat!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n",
                "      initContainers:\n      - name: init   #~ writable-root-filesystem\n        image: busybox:1.36\n",
                "      containers:\n      - name: web\n        image: nginx:1.27\n        securityContext:\n",
                "          readOnlyRootFilesystem: false   #~ writable-root-filesystem\n",
                "      - name: sidecar\n        image: envoy:1.30\n        securityContext:   #~ writable-root-filesystem\n          runAsNonRoot: true\n",
            ))
            .unsafe_fixes(
                concat!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n",
                    "      initContainers:\n      - name: init\n        image: busybox:1.36\n",
                    "      containers:\n      - name: web\n        image: nginx:1.27\n        securityContext:\n",
                    "          readOnlyRootFilesystem: false\n",
                    "      - name: sidecar\n        image: envoy:1.30\n        securityContext: {runAsNonRoot: true}\n",
                ),
                concat!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n",
                    "      initContainers:\n      - name: init\n        image: busybox:1.36\n",
                    "        securityContext:\n          readOnlyRootFilesystem: true\n",
                    "      containers:\n      - name: web\n        image: nginx:1.27\n        securityContext:\n",
                    "          readOnlyRootFilesystem: true\n",
                    "      - name: sidecar\n        image: envoy:1.30\n        securityContext: {runAsNonRoot: true, readOnlyRootFilesystem: true}\n",
                ),
            )
            .snapshot();
    }
}
