//! Cross-file behaviour of the cross-object rules, through the binary: a policy in one file and
//! a workload in another; only the changed file on the command line, the rest of the repository
//! loaded as context; `--no-context`; kustomization namespaces.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn kubeward(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("kubeward").unwrap();
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .env("COLUMNS", "100");
    for (k, _) in std::env::vars() {
        if k.starts_with("GITHUB_") || k.starts_with("KUBEWARD_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// Run `lint --format json` and return the findings as (rule, path, line).
fn findings(dir: &Path, args: &[&str]) -> Vec<(String, String, u64)> {
    let out = kubeward(dir)
        .arg("lint")
        .args(args)
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut f: Vec<(String, String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    f.sort();
    f
}

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccountName: web
      containers: [{name: web, image: nginx:1.27}]
";

const POLICY: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {app: lb}}}]}]
";

const RBAC: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: web-reader}
subjects:
- kind: ServiceAccount
  name: web
  namespace: shop
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: web-reader}
rules:
- apiGroups: [\"\"]
  resources: [secrets]
  verbs: [list]
";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(dir.path(), "apps/web/deploy.yaml", DEPLOY);
    write(dir.path(), "policies/web.yaml", POLICY);
    write(dir.path(), "rbac/web.yaml", RBAC);
    dir
}

#[test]
fn changed_file_is_linted_with_the_repository_as_context() {
    let dir = repo();
    let got = findings(
        dir.path(),
        &[
            "--select",
            "missing-network-policy,workload-rbac-risk,rbac-secrets-access",
            "apps/web/deploy.yaml",
        ],
    );
    // The policy in policies/ selects the workload; the binding in rbac/ gives it secrets.
    // rbac-secrets-access fires in rbac/web.yaml, a context file: not reported.
    assert_eq!(
        got,
        vec![(
            "workload-rbac-risk".to_owned(),
            "apps/web/deploy.yaml".to_owned(),
            9
        )]
    );
}

#[test]
fn no_context_lints_the_given_files_alone() {
    let dir = repo();
    let got = findings(
        dir.path(),
        &[
            "--select",
            "missing-network-policy,workload-rbac-risk",
            "--no-context",
            "apps/web/deploy.yaml",
        ],
    );
    assert_eq!(
        got,
        vec![(
            "missing-network-policy".to_owned(),
            "apps/web/deploy.yaml".to_owned(),
            7
        )]
    );
}

#[test]
fn context_without_git_is_the_common_parent_of_the_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/deploy.yaml", DEPLOY);
    write(dir.path(), "a/policy.yaml", POLICY);
    let got = findings(
        dir.path(),
        &["--select", "missing-network-policy", "a/deploy.yaml"],
    );
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn directories_report_everything() {
    let dir = repo();
    let got = findings(
        dir.path(),
        &["--select", "workload-rbac-risk,rbac-secrets-access", "."],
    );
    assert_eq!(
        got,
        vec![
            (
                "rbac-secrets-access".to_owned(),
                "rbac/web.yaml".to_owned(),
                16
            ),
            (
                "workload-rbac-risk".to_owned(),
                "apps/web/deploy.yaml".to_owned(),
                9
            ),
        ]
    );
}

#[test]
fn kustomization_namespace_applies_to_the_files_it_lists() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(
        dir.path(),
        "app/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\nresources:\n- ./deploy.yaml\n",
    );
    write(
        dir.path(),
        "app/deploy.yaml",
        &DEPLOY.replace(", namespace: shop", ""),
    );
    write(
        dir.path(),
        "app/unlisted.yaml",
        &DEPLOY
            .replace(", namespace: shop", "")
            .replace("name: web,", "name: other,"),
    );
    write(dir.path(), "policies/web.yaml", POLICY);
    let got = findings(dir.path(), &["--select", "missing-network-policy", "."]);
    // deploy.yaml is in namespace shop (covered); unlisted.yaml is in the unknown namespace.
    assert_eq!(
        got,
        vec![(
            "missing-network-policy".to_owned(),
            "app/unlisted.yaml".to_owned(),
            7
        )]
    );
}

#[test]
fn human_output_lists_the_chain_across_files() {
    let dir = repo();
    let out = kubeward(dir.path())
        .args([
            "lint",
            "--select",
            "workload-rbac-risk",
            "--color",
            "never",
            "--quiet",
            "apps/web/deploy.yaml",
        ])
        .output()
        .unwrap();
    let text = kubeward::testing::unversioned(&String::from_utf8_lossy(&out.stdout));
    insta::assert_snapshot!(text, @r#"
    workload-rbac-risk (high) (https://github.com/kubeward/kubeward/blob/v[VERSION]/docs/rules/workload-rbac-risk.md)

      × Deployment "web" runs as ServiceAccount "shop/web", which can read secrets (list on secrets)
      │ cluster-wide through ClusterRoleBinding "web"
        ╭─[apps/web/deploy.yaml:9:27]
      8 │     spec:
      9 │       serviceAccountName: web
        ·                           ─┬─
        ·                            ╰── this ServiceAccount
     10 │       containers: [{name: web, image: nginx:1.27}]
        ╰────
      help: Give the workload its own ServiceAccount bound to a custom Role with only the verbs and
            resources it needs; set `automountServiceAccountToken: false` if it does not call the API.
      related:
        1. ServiceAccount web is a subject of ClusterRoleBinding "web" (rbac/web.yaml:7:3)
        2. roleRef: ClusterRole "web-reader" (rbac/web.yaml:4:67)
        3. rule #1 of ClusterRole "web-reader" allows list on secrets (rbac/web.yaml:16:11)

    "#);
}

#[test]
fn objects_sharing_a_name_resolve_to_the_nearest_variant() {
    // Two rendered variants of one app; only the `prod` ClusterRole reads secrets.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let safe = RBAC.replace("resources: [secrets]", "resources: [configmaps]");
    write(dir.path(), "dev/deploy.yaml", DEPLOY);
    write(dir.path(), "dev/rbac.yaml", &safe);
    write(dir.path(), "prod/deploy.yaml", DEPLOY);
    write(dir.path(), "prod/rbac.yaml", RBAC);
    let got = findings(dir.path(), &["--select", "workload-rbac-risk", "."]);
    assert_eq!(
        got,
        vec![(
            "workload-rbac-risk".to_owned(),
            "prod/deploy.yaml".to_owned(),
            9
        )]
    );
}

#[test]
fn the_nearest_variant_of_a_binding_decides_even_when_a_far_one_is_risky() {
    // `ClusterRoleBinding "web"` exists twice: next to the app it binds the app's own
    // ServiceAccount to `view`; in another cluster's directory it binds every authenticated
    // user to `cluster-admin`. The app uses its nearest variant, which grants nothing
    // dangerous (the far variant belongs to another cluster).
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let near = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: web
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: ServiceAccount, name: web, namespace: shop}
";
    let far = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: web
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}
";
    write(dir.path(), "clusters/a/shop/deploy.yaml", DEPLOY);
    write(dir.path(), "clusters/a/shop/rbac.yaml", near);
    write(dir.path(), "clusters/b/shop/rbac.yaml", far);
    let got = findings(dir.path(), &["--select", "workload-rbac-risk", "."]);
    assert_eq!(got, vec![]);
    // Without the near variant, the far one is the only one and applies.
    std::fs::remove_file(dir.path().join("clusters/a/shop/rbac.yaml")).unwrap();
    let got = findings(dir.path(), &["--select", "workload-rbac-risk", "."]);
    assert_eq!(got.len(), 1, "{got:?}");
}

#[test]
fn workloads_of_one_account_each_use_their_nearest_variant() {
    // One account (`web`, through `system:authenticated`), one binding identity in two
    // variants: the safe one binds `view`, the risky one `cluster-admin`. Workloads of the
    // account in one directory share the choice unless a file holds a variant: the nearest
    // of all. Objects are indexed in path order: `other.yaml`, `risky.yaml`, `safe.yaml`.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let variant = |role: &str| {
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: web}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}
subjects:
- {{kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}}
"
        )
    };
    let deploy = |name: &str| DEPLOY.replace("{name: web,", &format!("{{name: {name},"));
    // Equally near to both variants (same directory): the first, `risky.yaml`.
    write(dir.path(), "c/other.yaml", &deploy("y"));
    // In the file of a variant: that one.
    write(
        dir.path(),
        "c/risky.yaml",
        &format!("{}---\n{}", variant("cluster-admin"), deploy("z")),
    );
    write(
        dir.path(),
        "c/safe.yaml",
        &format!("{}---\n{}", variant("view"), deploy("x")),
    );
    // Nearer to the safe variant in `d/`; `d/two` shares the choice made for `d/one`.
    write(dir.path(), "d/safe.yaml", &variant("view"));
    write(dir.path(), "d/one/deploy.yaml", &deploy("v"));
    write(dir.path(), "d/two/deploy.yaml", &deploy("w"));
    // Nearer to no variant: the first by path, `c/risky.yaml`.
    write(dir.path(), "e/deploy.yaml", &deploy("u"));
    let got: Vec<String> = findings(dir.path(), &["--select", "workload-rbac-risk", "."])
        .into_iter()
        .map(|(_, path, _)| path)
        .collect();
    assert_eq!(got, ["c/other.yaml", "c/risky.yaml", "e/deploy.yaml"]);
}

#[test]
fn a_pod_security_label_read_last_still_governs_the_workloads_read_before() {
    // Pod Security facts are gathered from the first file that may set a level on; with one
    // thread, `z/namespace.yaml` is read after both workloads, which are then linted again.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let privileged = DEPLOY.replace(
        "containers: [{name: web, image: nginx:1.27}]",
        "hostNetwork: true\n      containers: [{name: web, image: nginx:1.27}]",
    );
    write(dir.path(), "a/deploy.yaml", &privileged);
    write(
        dir.path(),
        "b/deploy.yaml",
        &privileged.replace("namespace: shop", "namespace: other"),
    );
    write(
        dir.path(),
        "z/namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n",
    );
    for jobs in ["1", "2"] {
        let got = findings(
            dir.path(),
            &["--select", "admission-rejected", "-j", jobs, "."],
        );
        assert_eq!(
            got,
            vec![(
                "admission-rejected".to_owned(),
                "a/deploy.yaml".to_owned(),
                3
            )],
            "-j {jobs}"
        );
    }
}

/// Objects without a namespace share one only within their directory: a default-deny policy
/// and an `admin` binding of `team-a/` say nothing about `team-b/`, whether or not `team-a/`
/// is scanned.
#[test]
fn namespace_less_objects_share_a_namespace_only_within_their_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let deploy = DEPLOY
        .replace(", namespace: shop", "")
        .replace("      serviceAccountName: web\n", "");
    write(
        dir.path(),
        "team-a/policy.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny}\nspec:\n  podSelector: {}\n",
    );
    write(
        dir.path(),
        "team-a/rbac.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: default-admin}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}\nsubjects:\n- {kind: ServiceAccount, name: default}\n",
    );
    write(dir.path(), "team-a/deploy.yaml", &deploy);
    write(dir.path(), "team-b/deploy.yaml", &deploy);
    let select = ["--select", "missing-network-policy,workload-rbac-risk"];
    let whole = findings(dir.path(), &[select[0], select[1], "."]);
    assert_eq!(
        whole,
        vec![
            (
                "missing-network-policy".to_owned(),
                "team-b/deploy.yaml".to_owned(),
                7
            ),
            (
                "workload-rbac-risk".to_owned(),
                "team-a/deploy.yaml".to_owned(),
                8
            ),
        ]
    );
    let alone = findings(dir.path(), &[select[0], select[1], "team-b"]);
    assert_eq!(alone, whole[..1].to_vec());
}

/// A repository of the given files, with the policy of namespace `shop` that selects
/// `app: web` in `dir/policy.yaml` (so that linting that directory alone sees it).
fn shop_repo(policy_dir: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = repo_without_files();
    write(dir.path(), &format!("{policy_dir}/policy.yaml"), POLICY);
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    dir
}

fn repo_without_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

fn deploy_without_namespace() -> String {
    DEPLOY.replace(", namespace: shop", "")
}

/// `missing-network-policy` findings when linting `paths` (raw manifests: nothing rendered).
fn unpoliced(dir: &Path, paths: &[&str]) -> Vec<(String, String, u64)> {
    let mut args = vec!["--select", "missing-network-policy", "--render", "never"];
    args.extend(paths);
    findings(dir, &args)
}

#[test]
fn a_base_is_applied_in_the_namespace_of_the_overlay_that_includes_it_scanned_or_not() {
    let deploy = deploy_without_namespace();
    let files = [
        ("base/deploy.yaml", deploy.as_str()),
        ("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
        ("middle/kustomization.yaml", "resources: [../base]\n"),
        (
            "overlays/prod/kustomization.yaml",
            "namespace: shop\nresources: [../../middle]\n",
        ),
    ];
    let dir = shop_repo("base", &files);
    assert_eq!(unpoliced(dir.path(), &["."]), vec![]);
    // The overlay is found whether the base's directory or file is linted alone (the policy
    // is beside the file: a directory linted alone sees no other).
    assert_eq!(unpoliced(dir.path(), &["base"]), vec![]);
    assert_eq!(unpoliced(dir.path(), &["base/deploy.yaml"]), vec![]);
    // An overlay of another namespace: the policy of `shop` no longer covers it.
    write(
        dir.path(),
        "overlays/prod/kustomization.yaml",
        "namespace: web\nresources: [../../middle]\n",
    );
    let expected = vec![(
        "missing-network-policy".to_owned(),
        "base/deploy.yaml".to_owned(),
        7,
    )];
    assert_eq!(unpoliced(dir.path(), &["."]), expected);
    assert_eq!(unpoliced(dir.path(), &["base"]), expected);
}

#[test]
fn argo_cd_applications_and_flux_kustomizations_give_the_namespace_of_their_path() {
    let deploy = deploy_without_namespace();
    let argo = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web, namespace: argocd}\nspec:\n  source: {repoURL: https://git.example.com/repo.git, path: apps/web}\n  destination: {server: https://kubernetes.default.svc, namespace: shop}\n";
    let flux = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: web, namespace: flux-system}\nspec:\n  sourceRef: {kind: GitRepository, name: repo}\n  path: ./apps/web\n  targetNamespace: shop\n";
    for deployer in [argo, flux] {
        let dir = shop_repo(
            "apps/web",
            &[
                ("apps/web/deploy.yaml", deploy.as_str()),
                ("deploy/web.yaml", deployer),
            ],
        );
        assert_eq!(unpoliced(dir.path(), &["."]), vec![], "{deployer}");
        assert_eq!(unpoliced(dir.path(), &["apps"]), vec![], "{deployer}");
        let file = ["apps/web/deploy.yaml"];
        assert_eq!(unpoliced(dir.path(), &file), vec![], "{deployer}");
        // Deploying another path leaves the workload in its directory's namespace.
        write(
            dir.path(),
            "deploy/web.yaml",
            &deployer.replace("apps/web", "apps/api"),
        );
        let expected = vec![(
            "missing-network-policy".to_owned(),
            "apps/web/deploy.yaml".to_owned(),
            7,
        )];
        assert_eq!(unpoliced(dir.path(), &["."]), expected, "{deployer}");
        assert_eq!(unpoliced(dir.path(), &["apps"]), expected, "{deployer}");
        assert_eq!(unpoliced(dir.path(), &file), expected, "{deployer}");
    }
}

#[test]
fn committed_helm_output_split_into_subdirectories_is_one_release() {
    let deny = "---\n# Source: demo/templates/deny.yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny}\nspec:\n  podSelector: {}\n";
    let deploy = format!(
        "---\n# Source: demo/charts/web/templates/deploy.yaml\n{}",
        deploy_without_namespace()
    );
    let dir = repo_without_files();
    write(dir.path(), "example/rendered/deny.yaml", deny);
    write(dir.path(), "example/rendered/web/web/deploy.yaml", &deploy);
    // Another rendering of the chart beside it is another release.
    write(dir.path(), "other/rendered/web/deploy.yaml", &deploy);
    assert_eq!(
        unpoliced(dir.path(), &["."]),
        vec![(
            "missing-network-policy".to_owned(),
            "other/rendered/web/deploy.yaml".to_owned(),
            9
        )]
    );
}

#[test]
fn each_rendered_chart_is_a_release_of_its_own_and_takes_its_application_namespace() {
    let dir = repo_without_files();
    // A helm that renders `templates/*.yaml` of the chart as they are.
    let helm = dir.path().join("helm.sh");
    write(
        dir.path(),
        "helm.sh",
        "#!/bin/sh\nchart=$3\nfor t in \"$chart\"/templates/*.yaml; do printf -- '---\\n# Source: %s/templates/%s\\n' \"$(basename \"$chart\")\" \"$(basename \"$t\")\"; cat \"$t\"; done\n",
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).unwrap();
    let deploy = deploy_without_namespace();
    for chart in ["a", "b"] {
        write(
            dir.path(),
            &format!("charts/{chart}/Chart.yaml"),
            &format!("apiVersion: v2\nname: {chart}\nversion: 1.0.0\n"),
        );
        write(
            dir.path(),
            &format!("charts/{chart}/templates/deploy.yaml"),
            &deploy,
        );
    }
    write(
        dir.path(),
        "charts/a/templates/deny.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny}\nspec:\n  podSelector: {}\n",
    );
    let lint = || {
        findings(
            dir.path(),
            &[
                "--select",
                "missing-network-policy",
                "--helm",
                helm.to_str().unwrap(),
                "charts",
            ],
        )
    };
    // Chart a's default deny says nothing about chart b.
    let b = vec![(
        "missing-network-policy".to_owned(),
        "charts/b/templates/deploy.yaml".to_owned(),
        7,
    )];
    assert_eq!(lint(), b);
    // An Application that installs chart b in namespace shop, where a policy selects it.
    write(dir.path(), "policies/web.yaml", POLICY);
    write(
        dir.path(),
        "argocd/b.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: b}\nspec:\n  source: {repoURL: https://git.example.com/repo.git, path: charts/b}\n  destination: {namespace: shop}\n",
    );
    let all = |extra: &str| {
        findings(
            dir.path(),
            &[
                "--select",
                "missing-network-policy",
                "--helm",
                helm.to_str().unwrap(),
                extra,
            ],
        )
    };
    assert_eq!(all("."), vec![]);
    // Without the Application's namespace the policy of shop does not cover it.
    write(
        dir.path(),
        "argocd/b.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: b}\nspec:\n  source: {repoURL: https://git.example.com/repo.git, path: charts/b}\n  destination: {namespace: web}\n",
    );
    assert_eq!(all("."), b);
    // App of apps: a chart that renders the Application.
    std::fs::remove_file(dir.path().join("argocd/b.yaml")).unwrap();
    write(
        dir.path(),
        "apps/Chart.yaml",
        "apiVersion: v2\nname: apps\nversion: 1.0.0\n",
    );
    write(
        dir.path(),
        "apps/templates/b.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: b}\nspec:\n  source: {repoURL: https://git.example.com/repo.git, path: charts/b}\n  destination: {namespace: shop}\n",
    );
    assert_eq!(all("."), vec![]);
}

#[test]
fn a_base_applied_in_two_namespaces_keeps_its_directory_and_says_which() {
    let dir = repo_without_files();
    write(dir.path(), "base/deploy.yaml", &deploy_without_namespace());
    write(
        dir.path(),
        "base/kustomization.yaml",
        "resources: [deploy.yaml]\n",
    );
    for ns in ["dev", "prod"] {
        write(
            dir.path(),
            &format!("overlays/{ns}/kustomization.yaml"),
            &format!("namespace: {ns}\nresources: [../../base]\n"),
        );
    }
    let out = kubeward(dir.path())
        .args([
            "lint",
            "--select",
            "missing-network-policy",
            "--render",
            "never",
        ])
        .args(["--format", "json", "--fail-on", "never", "base"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("the namespace of directory `base/`")
            && messages[0].contains("applies them in several: dev, prod"),
        "{messages:?}"
    );
}

#[test]
fn default_in_helm_output_is_the_release_namespace() {
    let source = |t: &str| format!("---\n# Source: demo/templates/{t}.yaml\n");
    let deny = format!(
        "{}apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: default-deny, namespace: default}}\nspec:\n  podSelector: {{}}\n",
        source("deny")
    );
    let deploy = format!(
        "{}{}",
        source("deploy"),
        DEPLOY.replace("namespace: shop", "namespace: default")
    );
    let binding = format!(
        "{}apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: web-admin, namespace: default}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}}\nsubjects:\n- {{kind: ServiceAccount, name: web, namespace: default}}\n",
        source("binding")
    );
    let dir = repo_without_files();
    // Two renderings of the chart: the default deny of one says nothing of the other.
    write(dir.path(), "one/rendered/deny.yaml", &deny);
    write(dir.path(), "one/rendered/deploy.yaml", &deploy);
    write(dir.path(), "two/rendered/deploy.yaml", &deploy);
    write(dir.path(), "two/rendered/binding.yaml", &binding);
    let got = findings(
        dir.path(),
        &[
            "--select",
            "missing-network-policy,workload-rbac-risk",
            "--render",
            "never",
            ".",
        ],
    );
    assert_eq!(
        got,
        vec![
            (
                "missing-network-policy".to_owned(),
                "two/rendered/deploy.yaml".to_owned(),
                9
            ),
            // The binding of the same release still reaches its workload.
            (
                "workload-rbac-risk".to_owned(),
                "two/rendered/deploy.yaml".to_owned(),
                11
            ),
        ]
    );
}
