use crate::model::Object;
use crate::rule::{Context, FixKind, Rule, declare_rule};
use crate::yaml::{Change, Label, NodeRef, Pointer, Scalar, Seg};

declare_rule! {
    /// ## What it flags
    /// Istio settings that turn mutual TLS off for service-to-service traffic:
    /// - a `PeerAuthentication` whose `mtls.mode` (or a `portLevelMtls` entry) is `DISABLE`:
    ///   mesh-wide when it sits in the root namespace (`istio-system`) with no selector,
    ///   namespace-wide with no selector, else for the selected workloads;
    /// - a `DestinationRule` whose `trafficPolicy.tls.mode` (or a `portLevelSettings` or
    ///   subset's) is `DISABLE`: clients send plain text to that host.
    ///
    /// `PERMISSIVE`, which keeps mTLS between sidecars and also accepts plain text, is
    /// `istio-mtls-permissive` (medium).
    ///
    /// ## Why it matters
    /// Without mutual TLS, traffic between pods crosses the node and cloud network in clear
    /// text, and the receiving workload cannot tell which workload called it, so
    /// `AuthorizationPolicy` rules on principals mean nothing. `DISABLE` does that to every
    /// connection, from sidecars too.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata: {name: default, namespace: istio-system}
    /// spec:
    ///   mtls: {mode: DISABLE}
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
    /// - Istio PeerAuthentication: <https://istio.io/latest/docs/reference/config/security/peer_authentication/>
    /// - Istio security best practices: <https://istio.io/latest/docs/ops/best-practices/security/>
    /// - Istio DestinationRule `ClientTLSSettings`: <https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings>
    pub IstioMtlsDisabled {
        id: "istio-mtls-disabled",
        category: Network,
        severity: High,
        summary: "service mesh turns mutual TLS off (Istio)",
        since: "0.2.0",
        fix: Unsafe("Sets a PeerAuthentication's `DISABLE` mode to `STRICT`, and a DestinationRule's `tls.mode: DISABLE` to `ISTIO_MUTUAL`. Unsafe: a client without a sidecar (or a destination without one) can no longer connect, which is why the mode was turned off; move such workloads into the mesh first."),
    }
}

/// Istio's default root namespace, where a selector-less PeerAuthentication is mesh-wide.
const ROOT_NAMESPACE: &str = "istio-system";

impl Rule for IstioMtlsDisabled {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        match (obj.group(), obj.kind) {
            ("security.istio.io", "PeerAuthentication") => self.peer(obj, cx),
            ("networking.istio.io", "DestinationRule") => self.destination(obj, cx),
            _ => {}
        }
    }
}

impl IstioMtlsDisabled {
    fn peer(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        for (at, mode, scope) in peer_modes(obj) {
            if mode != "DISABLE" {
                continue;
            }
            let route = at.pointer.clone();
            cx.report(self, at.value().label("mTLS mode DISABLE"))
                .message(format!(
                    "{} turns mutual TLS off for {scope}: traffic can cross the network unencrypted, and callers are not authenticated",
                    obj.describe()
                ))
                .help(STRICT_HELP)
                .fix(FixKind::Unsafe, STRICT_TITLE, || strict(route));
        }
    }

    fn destination(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let host = obj
            .get(&["spec", "host"])
            .and_then(NodeRef::text)
            .unwrap_or("?");
        let mut report = |route: Vec<Seg>, where_: String| {
            let mut full = route;
            full.extend([Seg::from("tls"), Seg::from("mode")]);
            let at = obj.at(full);
            let mode = at.pointer.clone();
            cx.report(self, at.value().label("TLS disabled"))
                .message(format!(
                    "{} sends traffic to `{host}`{where_} in plain text (`tls.mode: DISABLE`)",
                    obj.describe()
                ))
                .help("Use `tls.mode: ISTIO_MUTUAL` (or remove the `tls` block and let auto-mTLS apply), or `SIMPLE`/`MUTUAL` for a host outside the mesh.")
                .fix(FixKind::Unsafe, "set `tls.mode: ISTIO_MUTUAL`", || {
                    vec![Change::set(mode, Scalar::str("ISTIO_MUTUAL"))]
                });
        };
        let disabled = |p: Option<NodeRef<'_>>| {
            p.and_then(|t| t.path(&["tls", "mode"]))
                .and_then(NodeRef::text)
                == Some("DISABLE")
        };
        let policies = std::iter::once((
            vec![Seg::from("spec"), Seg::from("trafficPolicy")],
            obj.get(&["spec", "trafficPolicy"]),
            String::new(),
        ))
        .chain(
            obj.get(&["spec", "subsets"])
                .into_iter()
                .flat_map(NodeRef::items)
                .enumerate()
                .map(|(i, s)| {
                    let name = s.get("name").and_then(NodeRef::text).unwrap_or("?");
                    (
                        vec![
                            Seg::from("spec"),
                            Seg::from("subsets"),
                            Seg::from(i),
                            Seg::from("trafficPolicy"),
                        ],
                        s.get("trafficPolicy"),
                        format!(" (subset {name})"),
                    )
                }),
        );
        for (route, policy, where_) in policies {
            if disabled(policy) {
                report(route.clone(), where_.clone());
            }
            let ports = policy.and_then(|p| p.get("portLevelSettings"));
            for (j, ps) in ports.into_iter().flat_map(NodeRef::items).enumerate() {
                if disabled(Some(ps)) {
                    let port = ps
                        .path(&["port", "number"])
                        .and_then(NodeRef::text)
                        .unwrap_or("?");
                    let mut r = route.clone();
                    r.extend([Seg::from("portLevelSettings"), Seg::from(j)]);
                    report(r, format!("{where_} on port {port}"));
                }
            }
        }
    }
}

/// What both mTLS rules ask of a PeerAuthentication's mode (`istio-mtls-permissive` too).
pub(super) const STRICT_HELP: &str = "Set `mtls.mode: STRICT` once every client has a sidecar (or is in ambient mode); keep exceptions to the one port or workload that needs them.";

/// The title of their fix.
pub(super) const STRICT_TITLE: &str = "set the mTLS mode to `STRICT`";

/// Their fix: the mode at `mode` set to `STRICT`.
pub(super) fn strict(mode: Pointer) -> Vec<Change> {
    vec![Change::set(mode, Scalar::str("STRICT"))]
}

/// The mTLS modes a `PeerAuthentication` sets (`spec.mtls.mode`, each `portLevelMtls` entry),
/// where, and for whom ("the whole mesh", "port 8080 of the workloads it selects").
/// `istio-mtls-permissive` reports the `PERMISSIVE` ones.
pub(super) fn peer_modes<'a>(obj: &Object<'a>) -> Vec<(Label, &'a str, String)> {
    let selected = obj
        .get(&["spec", "selector", "matchLabels"])
        .is_some_and(|m| !m.is_empty());
    let scope = match (selected, obj.namespace) {
        (true, _) => "the workloads it selects".to_owned(),
        (false, Some(ROOT_NAMESPACE)) => "the whole mesh".to_owned(),
        (false, Some(ns)) => format!("every workload of namespace \"{ns}\""),
        (false, None) => {
            "every workload of its namespace (the whole mesh in the root namespace)".to_owned()
        }
    };
    let mut modes: Vec<(Label, &str, String)> = Vec::new();
    if let Some(m) = obj.get(&["spec", "mtls", "mode"]).and_then(NodeRef::text) {
        modes.push((obj.at(["spec", "mtls", "mode"]), m, scope.clone()));
    }
    if let Some(ports) = obj.get(&["spec", "portLevelMtls"]) {
        for (port, v) in ports.entries() {
            if let Some(m) = v.get("mode").and_then(NodeRef::text) {
                let at = obj.at([
                    Seg::from("spec"),
                    Seg::from("portLevelMtls"),
                    Seg::from(port.to_owned()),
                    Seg::from("mode"),
                ]);
                modes.push((at, m, format!("port {port} of {scope}")));
            }
        }
    }
    modes
}

#[cfg(test)]
mod tests {
    use super::IstioMtlsDisabled;
    use crate::testing::RuleTest;

    #[test]
    fn istio_mtls_disabled() {
        RuleTest::of(&IstioMtlsDisabled)
            .pass(
                r##"apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
  mtls: {mode: STRICT}
  portLevelMtls: {"8080": {mode: STRICT}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: migrating, namespace: shop}
spec:
  mtls: {mode: PERMISSIVE}
  portLevelMtls: {"8080": {mode: PERMISSIVE}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db, namespace: shop}
spec:
  host: db.shop.svc.cluster.local
  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
  subsets: [{name: v1, labels: {version: v1}}]
"##,
            )
            .fail(
                r##"apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
  mtls:
    mode: PERMISSIVE
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: legacy, namespace: shop}
spec:
  selector: {matchLabels: {app: legacy}}
  mtls: {mode: STRICT}
  portLevelMtls:
    "9000":
      mode: DISABLE   #~ istio-mtls-disabled
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: api, namespace: shop}
spec:
  host: api.shop.svc.cluster.local
  trafficPolicy:
    tls:
      mode: DISABLE   #~ istio-mtls-disabled
  subsets:
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      portLevelSettings:
      - port: {number: 8443}
        tls: {mode: DISABLE}   #~ istio-mtls-disabled
"##,
            )
            .unsafe_fixes(
                "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: off, namespace: shop}\nspec:\n  mtls: {mode: DISABLE}   # legacy clients\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: db, namespace: shop}\nspec:\n  host: db\n  trafficPolicy:\n    tls:\n      mode: DISABLE\n",
                "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: off, namespace: shop}\nspec:\n  mtls: {mode: STRICT}   # legacy clients\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: db, namespace: shop}\nspec:\n  host: db\n  trafficPolicy:\n    tls:\n      mode: ISTIO_MUTUAL\n",
            )
            .snapshot();
    }
}
