use crate::model::Object;
use crate::rule::{Context, Rule, declare_rule};

declare_rule! {
    /// ## What it flags
    /// An object that a `ValidatingAdmissionPolicy` of the repository (or of a `--policy`
    /// file) rejects: a validation of a policy, bound by a `ValidatingAdmissionPolicyBinding`
    /// that matches the object, evaluates to false (or cannot be evaluated under
    /// `failurePolicy: Fail`). The finding points at the node the failing expression reads
    /// and names the policy, the validation (a related location) and its message. Also
    /// flagged, on the policy's own line: an expression that cannot be compiled (unsupported
    /// function, undeclared variable, syntax error), a binding to a policy that is not in the
    /// input, a policy without a binding.
    ///
    /// The API server's semantics for a `CREATE` of the manifest: `matchConstraints` and the
    /// binding's `matchResources` (groups, versions, resources, operations, `resourceNames`,
    /// `excludeResourceRules`, `namespaceSelector` against the input's Namespaces — a
    /// Namespace not in the input has only its `kubernetes.io/metadata.name` label —,
    /// `objectSelector`, `matchPolicy`), `paramKind`/`paramRef` with params objects from the
    /// input, `matchConditions`, `variables`, `validations` with `message` and
    /// `messageExpression`, `failurePolicy`. `validationActions` set the wording (`Deny`:
    /// the API server rejects it; `Warn`, `Audit`: the policy flags it), not the severity: every
    /// finding of this rule is high (`rules.severity` in the configuration changes it). `oldObject` is null, `request` is a `CREATE`
    /// by no one, `authorizer` is not available.
    ///
    /// CEL as Kubernetes speaks it: the standard macros (`all`, `exists`, `exists_one`,
    /// `map`, `filter`, `has`), optional values (`a.?b`, `m[?k]`, `orValue`, `hasValue`),
    /// the strings extension (`lowerAscii`, `upperAscii`, `split`, `replace`, `join`,
    /// `trim`, `indexOf`, `lastIndexOf`, `substring`, `charAt`, `format`, `reverse`,
    /// `strings.quote`), `startsWith`, `endsWith`, `contains`, RE2 `matches`, `find`,
    /// `findAll`, the lists library (`isSorted`, `sum`, `min`, `max`, `indexOf`,
    /// `lastIndexOf`), `duration`, `timestamp`, conversions. Not available: `url`,
    /// `quantity`, `ip`/`cidr`, `semver`, `format.*`, `authorizer`, `cel.bind`,
    /// two-variable comprehensions; a policy using them is reported as one that cannot be
    /// evaluated. Every expression runs under the API server's cost budget: a runaway
    /// expression is an evaluation error, not a hang.
    ///
    /// ## Why it matters
    /// The cluster will refuse the object when the change is applied, long after the pull
    /// request was merged: a failed sync, a stuck rollout. kubeward tells the pull request
    /// at the offending line.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingAdmissionPolicy
    /// metadata: {name: no-privileged}
    /// spec:
    ///   matchConstraints:
    ///     resourceRules:
    ///     - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}
    ///   validations:
    ///   - expression: "object.spec.containers.all(c, !c.?securityContext.?privileged.orValue(false))"
    ///     message: privileged containers are not allowed
    /// ---
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingAdmissionPolicyBinding
    /// metadata: {name: no-privileged}
    /// spec: {policyName: no-privileged, validationActions: [Deny]}
    /// ---
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: nginx
    ///     securityContext: {privileged: true}
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingAdmissionPolicy
    /// metadata: {name: no-privileged}
    /// spec:
    ///   matchConstraints:
    ///     resourceRules:
    ///     - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}
    ///   validations:
    ///   - expression: "object.spec.containers.all(c, !c.?securityContext.?privileged.orValue(false))"
    ///     message: privileged containers are not allowed
    /// ---
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingAdmissionPolicyBinding
    /// metadata: {name: no-privileged}
    /// spec: {policyName: no-privileged, validationActions: [Deny]}
    /// ---
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///   - name: web
    ///     image: nginx
    /// ```
    ///
    /// ## References
    /// - Kubernetes, Validating Admission Policy: <https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/>
    /// - Kubernetes, CEL in Kubernetes: <https://kubernetes.io/docs/reference/using-api/cel/>
    pub AdmissionPolicy {
        id: "admission-policy",
        category: Policy,
        severity: High,
        summary: "object rejected by an admission policy of the repository",
        since: "0.2.0",
    }
}

impl Rule for AdmissionPolicy {
    fn check_object(&self, obj: &Object<'_>, cx: &mut Context<'_>) {
        // The policies are gathered from the whole input before objects are checked against
        // them; the engine hands them over in the settings of that pass.
        let settings = cx.settings;
        if let Some(set) = settings.policies.set.as_deref() {
            set.check(obj, cx, &Self::META);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AdmissionPolicy;
    use crate::testing::RuleTest;

    const POLICY: &str = "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: no-privileged}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}
  variables:
  - name: containers
    expression: object.spec.containers + object.spec.?initContainers.orValue([])
  validations:
  - expression: \"variables.containers.all(c, !c.?securityContext.?privileged.orValue(false))\"
    messageExpression: \"'container ' + variables.containers.filter(c, c.?securityContext.?privileged.orValue(false))[0].name + ' is privileged'\"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: no-privileged-binding}
spec: {policyName: no-privileged, validationActions: [Deny]}
";

    #[test]
    fn admission_policy() {
        RuleTest::of(&AdmissionPolicy)
            // Not matched: a Deployment (the policy selects pods).
            .pass(&format!("{POLICY}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  template:\n    spec:\n      containers: [{{name: a, image: x, securityContext: {{privileged: true}}}}]\n"))
            .pass(&format!("{POLICY}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  containers: [{{name: a, image: x}}]\n"))
            .fail(&format!("{POLICY}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  containers:\n  - name: a\n    image: x\n  initContainers:\n  - name: init\n    image: x\n    securityContext:\n      privileged: true   #~ admission-policy\n"))
            // An expression that cannot be compiled: reported on the policy, once.
            .fail("apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: uses-url}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [pods]}
  validations:
  - expression: url(object.metadata.name).getHost() == 'x'   #~ admission-policy
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: uses-url}
spec: {policyName: uses-url, validationActions: [Deny]}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec: {containers: [{name: a, image: x}]}
")
            // A runaway expression: an evaluation error, which denies under Fail.
            .fail("apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: runaway}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}
  variables:
  - name: l
    expression: \"[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39]\"
  validations:
  - expression: variables.l.all(a, variables.l.all(b, variables.l.all(c, variables.l.all(d, variables.l.all(e, a + b + c + d + e >= 0)))))
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: runaway}
spec: {policyName: runaway, validationActions: [Warn]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: big}   #~ admission-policy
")
            .snapshot();
    }
}
