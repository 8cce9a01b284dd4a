use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// Raw NGINX configuration handed to the ingress-nginx controller by an Ingress:
    /// - a snippet annotation, `nginx.ingress.kubernetes.io/<anything>-snippet`
    ///   (`server-snippet`, `configuration-snippet`, `auth-snippet`, `stream-snippet`,
    ///   `modsecurity-snippet`, …). The message says when the snippet runs Lua (`*_by_lua`) or
    ///   serves files (`alias`, `root`), the forms CVE-2021-25742 was exploited with;
    /// - an annotation the controller copies into its configuration (`auth-url`,
    ///   `auth-signin`, `auth-tls-match-cn`, `mirror-target`, `mirror-host`,
    ///   `permanent-redirect`, `rewrite-target`, …) whose value holds NGINX syntax (`;`, `{`, `}`,
    ///   a quote or a line break): the injection of CVE-2025-1097/1098 ("IngressNightmare");
    /// - a ConfigMap that turns snippets on for a controller (`allow-snippet-annotations: "true"`).
    ///
    /// ## Why it matters
    /// The controller renders every Ingress of the cluster into one `nginx.conf` and runs it
    /// with its own ServiceAccount, which can read every Secret of the cluster. A snippet is
    /// configuration anyone allowed to create an Ingress writes into that process: with Lua or
    /// `alias /var/run/secrets/…` it reads the controller's token and every TLS key it serves,
    /// and a syntax error takes down routing for all Ingresses. ingress-nginx turns snippets off
    /// by default since v1.9 for that reason.
    ///
    /// One severity, whatever the snippet says: a harmless `more_set_headers` snippet shows that
    /// the controller accepts snippets, and then anyone who may edit an Ingress, in any
    /// namespace, can write the Lua or `alias` one. The risk is the door, not what the current
    /// snippet does with it, and the fix is the same (the dedicated annotation, snippets off).
    /// The message still says when a snippet runs Lua or serves files, so that one is read first.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: web
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/configuration-snippet: |
    ///       more_set_headers "X-Frame-Options: DENY";
    /// spec:
    ///   ingressClassName: nginx
    ///   rules: [{host: shop.example.com}]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: web
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/custom-headers: web/security-headers
    /// spec:
    ///   ingressClassName: nginx
    ///   rules: [{host: shop.example.com}]
    /// ```
    ///
    /// ## References
    /// - CVE-2021-25742, kubernetes/ingress-nginx#7837: <https://github.com/kubernetes/ingress-nginx/issues/7837>
    /// - CVE-2025-1097, CVE-2025-1098 (annotation injection), kubernetes/kubernetes#131007
    /// - ingress-nginx, `allow-snippet-annotations` and `annotations-risk-level`: <https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/>
    /// - checkov CKV_K8S_152, CKV_K8S_153, CKV_K8S_154
    pub IngressNginxSnippet {
        id: "ingress-nginx-snippet",
        category: Network,
        severity: High,
        summary: "ingress injects raw NGINX configuration into the shared controller",
        since: "0.2.0",
    }
}

const PREFIX: &str = "nginx.ingress.kubernetes.io/";

/// Annotations whose values ingress-nginx copies into `nginx.conf`, besides snippets.
const COPIED: &[&str] = &[
    "auth-url",
    "auth-signin",
    "auth-tls-match-cn",
    "auth-proxy-set-headers",
    "mirror-target",
    "mirror-host",
    "mirror-uri",
    "permanent-redirect",
    "temporal-redirect",
    "rewrite-target",
    "app-root",
    "upstream-vhost",
    "proxy-redirect-from",
    "proxy-redirect-to",
    "server-alias",
    "cors-allow-origin",
    "cors-allow-headers",
    "x-forwarded-prefix",
    "session-cookie-name",
    "session-cookie-path",
];

/// What a snippet does that makes it worse than configuration: Lua or file serving.
fn dangerous(snippet: &str) -> Option<&'static str> {
    let lower = snippet.to_ascii_lowercase();
    if lower.contains("_by_lua") || lower.contains("lua_") {
        return Some("runs Lua code in the controller");
    }
    let directive = |d: &str| {
        lower.lines().any(|l| {
            let t = l.trim_start();
            t.strip_prefix(d)
                .is_some_and(|rest| rest.starts_with(char::is_whitespace))
        })
    };
    if directive("alias") || directive("root") {
        return Some("serves files of the controller's filesystem");
    }
    None
}

impl Rule for IngressNginxSnippet {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        if obj.kind == "ConfigMap" && obj.group().is_empty() {
            let on = obj
                .get(&["data", "allow-snippet-annotations"])
                .and_then(NodeRef::text)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
            if on {
                cx.report(self, obj.at(["data", "allow-snippet-annotations"]).value().label("snippets allowed"))
                    .message(format!("{} sets `allow-snippet-annotations: \"true\"`: every Ingress author can write raw NGINX configuration into the ingress-nginx controller, which can read every Secret of the cluster", obj.describe()))
                    .help("Set `allow-snippet-annotations: \"false\"` (the default since ingress-nginx v1.9) and move the needed settings into dedicated annotations or the controller's ConfigMap.");
            }
            return;
        }
        if obj.kind != "Ingress" || !matches!(obj.group(), "networking.k8s.io" | "extensions") {
            return;
        }
        let Some(annotations) = obj.get(&["metadata", "annotations"]) else {
            return;
        };
        for (key, value) in annotations.entries() {
            let Some(name) = key.strip_prefix(PREFIX) else {
                continue;
            };
            let Some(text) = value.text() else { continue };
            let at = obj
                .at([
                    Seg::from("metadata"),
                    Seg::from("annotations"),
                    Seg::from(key.to_owned()),
                ])
                .key();
            if name.ends_with("-snippet") {
                if text.trim().is_empty() {
                    continue;
                }
                let worse = dangerous(text);
                let d = cx.report(
                    self,
                    at.label(match worse {
                        Some(_) => "snippet with Lua or file access",
                        None => "raw NGINX configuration",
                    }),
                );
                d.message(format!(
                    "{} writes raw NGINX configuration into the shared ingress-nginx controller (`{name}`){}: whoever can edit Ingresses can then run configuration with the controller's access to every Secret of the cluster (CVE-2021-25742)",
                    obj.describe(),
                    worse.map_or(String::new(), |w| format!(", and the snippet {w}")),
                ))
                .help("Replace the snippet with the dedicated annotation or a `custom-headers` ConfigMap, and keep `allow-snippet-annotations: \"false\"` on the controller.");
            } else if COPIED.contains(&name)
                && text.contains([';', '{', '}', '"', '\'', '\n', '\r'])
            {
                cx.report(self, at.label("NGINX syntax in an annotation value"))
                    .message(format!(
                        "{} puts NGINX syntax in `{name}`, whose value the controller copies into `nginx.conf`: a `;`, brace, quote or line break there injects configuration (CVE-2025-1097)",
                        obj.describe()
                    ))
                    .help("Give the annotation a plain URL, host or path, without `;`, braces, quotes or line breaks.");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IngressNginxSnippet;
    use crate::testing::RuleTest;

    #[test]
    fn ingress_nginx_snippet() {
        RuleTest::of(&IngressNginxSnippet)
            .pass(
                r##"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: /$2
    nginx.ingress.kubernetes.io/auth-url: https://auth.example.com/oauth2/auth?rd=$escaped_request_uri
    nginx.ingress.kubernetes.io/server-snippet: ""
    traefik.ingress.kubernetes.io/configuration-snippet: "x;"
spec:
  rules: [{host: shop.example.com}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ingress-nginx-controller}
data:
  allow-snippet-annotations: "false"
"##,
            )
            .fail(
                r##"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
  annotations:
    nginx.ingress.kubernetes.io/server-snippet: |   #~ ingress-nginx-snippet
      location ^~ "/test" {
        default_type 'text/plain';
        content_by_lua_block { ngx.say("hello"); }
      }
    nginx.ingress.kubernetes.io/configuration-snippet: |   #~ ingress-nginx-snippet
      alias /var/run/secrets/kubernetes.io/serviceaccount/;
    nginx.ingress.kubernetes.io/auth-snippet: 'proxy_set_header X-Team a;'   #~ ingress-nginx-snippet
    nginx.ingress.kubernetes.io/auth-url: "http://a.example.com/#;}}\nserver { listen 1; }"   #~ ingress-nginx-snippet
spec:
  rules: [{host: shop.example.com}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
data:
  allow-snippet-annotations: "true"   #~ ingress-nginx-snippet
"##,
            )
            .snapshot();
    }
}
