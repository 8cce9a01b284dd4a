use crate::model::Object;
use crate::model::credentials::{MIN_CREDENTIAL_LEN, find_credentials};
use crate::model::secret::decoded;
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{NodeRef, Pointer, Seg, Step};

declare_rule! {
    /// ## What it flags
    /// A known credential format in any string or mapping key of any object: environment
    /// values, `args`, `command`, names, labels, annotations, ConfigMap `data` (and decoded
    /// `binaryData`), decoded Secret `data` and `stringData`. Formats (gitleaks' default rules): AWS access key
    /// ids, GitHub and GitLab tokens, Slack tokens and webhook URLs, Google API keys, Stripe live
    /// keys, npm tokens, JSON Web Tokens, PEM private keys (passphrase-protected ones
    /// too), Azure storage account keys (`AccountKey=`), Azure AD client secrets, and GCP
    /// service-account key files. Each match must pass the rule's entropy gate; documented
    /// example keys (`AKIAIOSFODNN7EXAMPLE`, Azurite's development key) are allowed. The
    /// `kubectl.kubernetes.io/last-applied-configuration` annotation (a copy of the object) is
    /// skipped. Past sixteen credentials in one string, the rest are one finding. The credential
    /// is masked in the output, wherever it recurs: a token used as a name or a label is masked
    /// in every finding that names it.
    ///
    /// ## Why it matters
    /// These are live keys to other systems: whoever reads the repository can use them until
    /// they are revoked, and git history keeps them after the line is deleted.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: uploader}
    /// data:
    ///   credentials: |
    ///     [default]
    ///     aws_access_key_id = AKIAZ3MQB7HX2KL4PW6R
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: uploader
    ///   annotations:
    ///     eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/uploader
    /// ```
    ///
    /// ## References
    /// - gitleaks `config/gitleaks.toml` (aws-access-token, github-pat, gitlab-pat, slack-*,
    ///   gcp-api-key, stripe-access-token, jwt, private-key, azure-ad-client-secret)
    /// - Yelp/detect-secrets `plugins/azure_storage_key.py`
    pub HardcodedCredential {
        id: "hardcoded-credential",
        category: Secrets,
        severity: Critical,
        summary: "known credential format hard-coded in a manifest",
        since: "0.1.0",
    }
}

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

impl Rule for HardcodedCredential {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        let core = obj.group().is_empty();
        // Fields holding base64: scanned decoded.
        let encoded = match obj.kind {
            "Secret" if core => Some("data"),
            "ConfigMap" if core => Some("binaryData"),
            _ => None,
        };
        let help = "Revoke the credential now (git history keeps it), then load it at run time from a Secret that is not committed in plain text: SOPS, Sealed Secrets, External Secrets or the Secrets Store CSI driver.";
        // A key: a credential used as the name of a label, an annotation or a data item (the
        // maps whose keys are anyone's to choose, which other findings quote), or a key given
        // twice (which `duplicate-key` quotes).
        for_keyed_maps(obj, |path, map| {
            for (key, _) in map.entries() {
                if may_hold_credential(key) {
                    let ptr = || {
                        obj.base.join(
                            path.iter()
                                .map(|k| Seg::from((*k).to_owned()))
                                .chain([Seg::from(key.to_owned())]),
                        )
                    };
                    self.report_key(obj, cx, ptr, key, help);
                }
            }
        });
        for dup in obj.duplicate_keys() {
            if may_hold_credential(&dup.key) {
                self.report_key(obj, cx, || dup.key_pointer.clone(), &dup.key, help);
            }
        }
        // Nothing shorter holds a credential, nor decodes to one (base64 only grows).
        obj.node.walk_strings(MIN_CREDENTIAL_LEN, |route, node| {
            let is = |i: usize, k: &str| matches!(route.get(i), Some(Step::Key(x)) if *x == k);
            if is(0, "metadata") && is(1, "annotations") && is(2, LAST_APPLIED) {
                return;
            }
            let base64 = encoded.is_some_and(|f| is(0, f) && route.len() == 2);
            let decoded_text;
            let (text, exact) = if base64 {
                match decoded(node) {
                    Some(t) => {
                        decoded_text = t;
                        (decoded_text.as_str(), false)
                    }
                    None => return,
                }
            } else {
                match node.as_str() {
                    Some(t) => (t, true),
                    None => return,
                }
            };
            let found = find_credentials(text);
            if found.is_empty() {
                return;
            }
            let ptr = obj.base.join(route.iter().map(|s| s.seg()));
            // A string full of credentials: the first few each, then the rest as one finding on
            // the whole value (each finding is located in the string: a finding per credential
            // of a hundred thousand would cost the string's length each).
            if found.len() > PER_STRING {
                let at = Label::at(ptr.clone()).value();
                let d = cx
                    .report(self, at.clone().label("more credentials"))
                    .message(format!(
                        "{} holds {} more credentials in `{}`{}",
                        obj.describe(),
                        found.len() - PER_STRING,
                        display(&ptr, &obj.base),
                        if base64 { " (base64-decoded)" } else { "" }
                    ))
                    .help(help)
                    .sensitive(at);
                // Each is masked wherever it recurs (snippets mask the whole value).
                if exact {
                    for c in &found[PER_STRING..] {
                        d.sensitive(Label::at(ptr.clone()).sub(c.range.clone()));
                    }
                }
            }
            for c in found.into_iter().take(PER_STRING) {
                // Offsets into decoded base64 do not exist in the file: mark the whole value.
                let at = if exact {
                    Label::at(ptr.clone()).sub(c.range.clone())
                } else {
                    Label::at(ptr.clone()).value()
                };
                cx.report(self, at.clone().label(c.what))
                    .message(format!(
                        "{} holds {} {} in `{}`{}",
                        obj.describe(),
                        article(c.what),
                        c.what,
                        display(&ptr, &obj.base),
                        if base64 { " (base64-decoded)" } else { "" }
                    ))
                    .help(help)
                    .sensitive(at);
            }
        });
    }
}

/// Credentials of one string reported each; the rest are one finding.
const PER_STRING: usize = 16;

impl HardcodedCredential {
    /// Report the credentials in the key at `ptr`, masked as keys.
    fn report_key(
        &self,
        obj: &Object<'_>,
        cx: &mut Context<'_>,
        ptr: impl Fn() -> Pointer,
        key: &str,
        help: &'static str,
    ) {
        for c in find_credentials(key) {
            let ptr = ptr();
            let at = Label::at(ptr.clone()).key();
            cx.report(self, at.clone().label(c.what))
                .message(format!(
                    "{} holds {} {} in a key, `{}`",
                    obj.describe(),
                    article(c.what),
                    c.what,
                    display(&ptr, &obj.base)
                ))
                .help(help)
                .sensitive(at);
        }
    }
}

/// Whether a key may hold a credential: its name (after a prefix that is a DNS subdomain, as
/// `app.kubernetes.io/` is) is long enough for one. Nearly every long key of a manifest is a
/// well-known label or annotation, which this rules out without searching it.
fn may_hold_credential(key: &str) -> bool {
    let b = key.as_bytes();
    if b.len() < MIN_CREDENTIAL_LEN {
        return false;
    }
    // One look at each byte of the prefix (this runs for every label and annotation).
    let dns = b
        .iter()
        .position(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-'));
    match dns {
        Some(slash) if b[slash] == b'/' => b.len() - slash > MIN_CREDENTIAL_LEN,
        _ => true,
    }
}

/// Each map of `obj` whose keys anyone chooses (labels, annotations and data items, of the
/// object and of its pod template), with its route: a few lookups, not a walk of every key.
fn for_keyed_maps<'d>(obj: &Object<'d>, mut f: impl FnMut(&'static [&'static str], NodeRef<'d>)) {
    // (route of a `metadata`, its `labels`, its `annotations`)
    type Meta = (
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
    );
    const OBJECT: Meta = (
        &["metadata"],
        &["metadata", "labels"],
        &["metadata", "annotations"],
    );
    const TEMPLATE: Meta = (
        &["spec", "template", "metadata"],
        &["spec", "template", "metadata", "labels"],
        &["spec", "template", "metadata", "annotations"],
    );
    const JOB: Meta = (
        &["spec", "jobTemplate", "spec", "template", "metadata"],
        &[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "metadata",
            "labels",
        ],
        &[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "metadata",
            "annotations",
        ],
    );
    let spec = obj.node.get("spec");
    let template = spec.and_then(|s| s.get("template"));
    let job = spec.and_then(|s| s.path(&["jobTemplate", "spec", "template"]));
    for ((_, labels, annotations), meta) in [
        (OBJECT, obj.node.get("metadata")),
        (TEMPLATE, template.and_then(|t| t.get("metadata"))),
        (JOB, job.and_then(|t| t.get("metadata"))),
    ] {
        let Some(meta) = meta else { continue };
        for (route, key) in [(labels, "labels"), (annotations, "annotations")] {
            if let Some(map) = meta.get(key).filter(|m| m.is_map()) {
                f(route, map);
            }
        }
    }
    if matches!(obj.kind, "ConfigMap" | "Secret") {
        for route in [&["data"][..], &["stringData"], &["binaryData"]] {
            if let Some(map) = obj.node.get(route[0]).filter(|m| m.is_map()) {
                f(route, map);
            }
        }
    }
}

use crate::yaml::Label;

fn article(what: &str) -> &'static str {
    if what.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The route inside the object, e.g. `spec.template.spec.containers[0].env[1].value`.
fn display(ptr: &Pointer, base: &Pointer) -> String {
    Pointer::from_segs(&ptr.segs()[base.segs().len().min(ptr.segs().len())..]).to_string()
}

#[cfg(test)]
mod tests {
    use super::HardcodedCredential;
    use crate::testing::RuleTest;

    // Built at run time so the source holds no credential-shaped literal.
    fn aws() -> String {
        ["AKIA", "Z3MQB7HX2KL4PW6R"].concat()
    }
    fn gh() -> String {
        ["ghp_", "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7C"].concat()
    }
    fn jwt() -> String {
        [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            ".eyJzdWIiOiJrdWJld2FyZC10ZXN0In0",
            ".c2lnbmF0dXJlLW9mLXRoZS10b2tlbg",
        ]
        .concat()
    }

    #[test]
    fn hardcoded_credential() {
        let b64_aws = "QVdTX0FDQ0VTU19LRVlfSUQ9QUtJQVozTVFCN0hYMktMNFBXNlI="; // AWS_ACCESS_KEY_ID=<aws()>
        RuleTest::of(&HardcodedCredential)
            .pass("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: AKIAIOSFODNN7EXAMPLE}\n")
            .pass(&format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{{\"k\": \"{}\"}}'\ndata: {{}}\n",
                aws()
            ))
            .pass("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: {k: QUtJQUlPU0ZPRE5ON0VYQU1QTEU=}\n")
            .fail(&format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: a}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: x:1\n        args: [\"--token={}\"]   #~ hardcoded-credential\n        env:\n        - {{name: AWS_ACCESS_KEY_ID, value: {}}}   #~ hardcoded-credential\n",
                gh(),
                aws()
            ))
            .fail(&format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: a}}\ndata:\n  creds: {b64_aws}   #~ hardcoded-credential\n"))
            .fail(&format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata:\n  boto.cfg: |\n    [Credentials]\n    aws_access_key_id = {}   #~ hardcoded-credential\n",
                aws()
            ))
            .fail(&format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    session: {}   #~ hardcoded-credential\nspec:\n  containers: [{{name: a, image: x:1}}]\n",
                jwt()
            ))
            .fail(&format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  {}: approved   #~ hardcoded-credential\n",
                gh()
            ))
            .snapshot();
    }

    #[test]
    fn a_string_full_of_credentials_is_a_few_findings_and_all_of_it_masked() {
        use crate::rule::Settings;
        // Forty access key ids in one value (each built from its index, all distinct).
        let keys: Vec<String> = (0..40u8)
            .map(|i| {
                let a = char::from(b'A' + i % 26);
                let b = char::from(b'2' + i / 26);
                format!("AKIA{a}{b}Q7RZ2MX4VB6NT3")
            })
            .collect();
        let yaml = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata:\n  all: \"{}\"\n",
            keys.join(" ")
        );
        let run = crate::engine::lint_str(
            "a.yaml",
            &yaml,
            vec![&HardcodedCredential],
            &Settings::default(),
        );
        assert_eq!(run.findings.len(), super::PER_STRING + 1);
        assert!(
            run.findings
                .iter()
                .any(|f| f.message.contains("24 more credentials"))
        );
        let out = crate::report::human::render(&run, crate::report::human::Style::snapshot());
        for k in &keys {
            assert!(!out.contains(k.as_str()), "{k} shown:\n{out}");
        }
    }
}
