// Which modes a PeerAuthentication sets, and for whom, is `istio-mtls-disabled`'s: that rule
// reports `DISABLE`, this one `PERMISSIVE`.
use super::istio_mtls_disabled::{STRICT_HELP, STRICT_TITLE, peer_modes, strict};
use crate::model::Object;
use crate::rule::{Context, FixKind, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// An Istio `PeerAuthentication` whose `mtls.mode` (or a `portLevelMtls` entry) is
    /// `PERMISSIVE`: mesh-wide when it sits in the root namespace (`istio-system`) with no
    /// selector, namespace-wide with no selector, else for the selected workloads.
    ///
    /// `DISABLE`, and a `DestinationRule` with `tls.mode: DISABLE`, are `istio-mtls-disabled`
    /// (high).
    ///
    /// ## Why it matters
    /// `PERMISSIVE` accepts plain-text connections besides mutual TLS: a sidecar calling a sidecar
    /// still uses mTLS, but anything that reaches the pod without one (a pod outside the mesh, a
    /// compromised node, a workload that skipped injection) connects unencrypted and
    /// unauthenticated, and `AuthorizationPolicy` rules on principals do not hold for it. It is
    /// the mode a migration to mTLS goes through, and Istio's default when no policy is set; a
    /// migration that never ends leaves plain text accepted.
    ///
    /// Medium, not high like `DISABLE`: traffic between sidecars stays encrypted and
    /// authenticated, so the exposure is limited to callers outside the mesh, and a team often
    /// has it on purpose while it migrates. It stays a finding so that the migration ends.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata: {name: default, namespace: istio-system}
    /// spec:
    ///   mtls: {mode: PERMISSIVE}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata: {name: default, namespace: istio-system}
    /// spec:
    ///   mtls: {mode: STRICT}
    /// ```
    ///
    /// ## References
    /// - Istio, "Mutual TLS Migration": <https://istio.io/latest/docs/tasks/security/authentication/mtls-migration/>
    /// - Istio PeerAuthentication: <https://istio.io/latest/docs/reference/config/security/peer_authentication/>
    /// - Istio security best practices: <https://istio.io/latest/docs/ops/best-practices/security/>
    pub IstioMtlsPermissive {
        id: "istio-mtls-permissive",
        category: Network,
        severity: Medium,
        summary: "service mesh accepts plain text beside mutual TLS (Istio)",
        since: "0.2.0",
        fix: Unsafe("Sets the `PERMISSIVE` mode to `STRICT`. Unsafe: a client without a sidecar, which connects in plain text today, can no longer connect; move every client into the mesh first."),
    }
}

impl Rule for IstioMtlsPermissive {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if (obj.group(), obj.kind) != ("security.istio.io", "PeerAuthentication") {
            return;
        }
        for (at, mode, scope) in peer_modes(obj) {
            if mode != "PERMISSIVE" {
                continue;
            }
            let route = at.pointer.clone();
            cx.report(self, at.value().label("mTLS mode PERMISSIVE"))
                .message(format!(
                    "{} accepts plain-text connections for {scope}: callers without a sidecar can connect unencrypted and are not authenticated",
                    obj.describe()
                ))
                .help(STRICT_HELP)
                .fix(FixKind::Unsafe, STRICT_TITLE, || strict(route));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IstioMtlsPermissive;
    use crate::testing::RuleTest;

    #[test]
    fn istio_mtls_permissive() {
        RuleTest::of(&IstioMtlsPermissive)
            .pass(
                r##"apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
  mtls: {mode: STRICT}
  portLevelMtls: {"8080": {mode: DISABLE}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db, namespace: shop}
spec:
  host: db.shop.svc.cluster.local
  trafficPolicy: {tls: {mode: DISABLE}}
"##,
            )
            .fail(
                r##"apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
  mtls:
    mode: PERMISSIVE   #~ istio-mtls-permissive
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: legacy, namespace: shop}
spec:
  selector: {matchLabels: {app: legacy}}
  mtls: {mode: STRICT}
  portLevelMtls:
    "9000":
      mode: PERMISSIVE   #~ istio-mtls-permissive
"##,
            )
            .unsafe_fixes(
                "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: legacy, namespace: shop}\nspec:\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    \"9000\":\n      mode: PERMISSIVE\n",
                "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: legacy, namespace: shop}\nspec:\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    \"9000\":\n      mode: STRICT\n",
            )
            .snapshot();
    }
}
