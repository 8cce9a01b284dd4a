use crate::model::embedded::command_line_secrets;
use crate::model::{Container, PodSpec};
use crate::rule::{Context, Rule, declare_rule};
use crate::yaml::{NodeRef, Seg};

declare_rule! {
    /// ## What it flags
    /// A credential written into a container's `command` or `args`: the value of a flag whose
    /// name means a secret (`--db-password=…`, `--api-token …`, judged like environment
    /// variable names, so `--password-file` and `--token-path` are not), an assignment to a
    /// secret-like name (`PGPASSWORD=… psql`, `--from-literal=password=…`, `--set
    /// auth.password=…`), a MySQL or MariaDB client's `-p…`, and a password in a URL. Shell
    /// scripts (`sh -c "…"`) are read word by word. Variables (`$(DB_PASSWORD)`, which the
    /// kubelet expands from the environment, `$VAR`, `${VAR}`), command substitutions, paths
    /// and placeholders are not literal secrets. The value is masked in every output.
    ///
    /// ## Why it matters
    /// The command line is part of the pod spec: it is committed with the manifest, shown by
    /// `kubectl get pod -o yaml` and `kubectl describe` to anyone who may read pods, and, once
    /// the process runs, by `ps` and `/proc/<pid>/cmdline` to every process of the node that can
    /// see it. A Secret, read into the environment or a file, keeps the value out of all of
    /// them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: batch/v1
    /// kind: Job
    /// metadata: {name: backup}
    /// spec:
    ///   template:
    ///     spec:
    ///       restartPolicy: Never
    ///       containers:
    ///       - name: dump
    ///         image: mysql:8.4
    ///         command: [sh, -c, "mysqldump -h db -u backup -pb4ckup-pw shop > /out/shop.sql"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// apiVersion: batch/v1
    /// kind: Job
    /// metadata: {name: backup}
    /// spec:
    ///   template:
    ///     spec:
    ///       restartPolicy: Never
    ///       containers:
    ///       - name: dump
    ///         image: mysql:8.4
    ///         command: [sh, -c, "mysqldump -h db -u backup shop > /out/shop.sql"]
    ///         env:
    ///         - name: MYSQL_PWD
    ///           valueFrom: {secretKeyRef: {name: backup-db, key: password}}
    /// ```
    ///
    /// ## References
    /// - Kubernetes docs, "Good practices for Kubernetes Secrets": <https://kubernetes.io/docs/concepts/security/secrets-good-practices/>
    /// - MySQL manual, "End-User Guidelines for Password Security" (`-p` on the command line)
    pub CommandLineSecret {
        id: "command-line-secret",
        category: Secrets,
        severity: High,
        summary: "credential written on a container's command line",
        since: "0.2.0",
    }
}

impl Rule for CommandLineSecret {
    fn check_container(&self, _pod: &PodSpec<'_>, c: &Container<'_>, cx: &mut Context<'_>) {
        // `command` then `args`, each string with its route.
        let mut argv: Vec<(&str, &'static str, usize)> = Vec::new();
        for key in ["command", "args"] {
            for (i, item) in c
                .node
                .get(key)
                .into_iter()
                .flat_map(NodeRef::items)
                .enumerate()
            {
                if let Some(text) = item.text() {
                    argv.push((text, key, i));
                }
            }
        }
        if argv.is_empty() {
            return;
        }
        let texts: Vec<&str> = argv.iter().map(|(t, _, _)| *t).collect();
        for (i, range) in command_line_secrets(&texts) {
            let (_, key, n) = argv[i];
            let at = c.at([Seg::from(key), Seg::from(n)]).sub(range);
            cx.report(self, at.clone().label("literal credential"))
                .message(format!(
                    "{} has a credential on its command line (`{key}[{n}]`): it is committed with the manifest, shown to whoever can read the pod, and visible to the node's processes while it runs",
                    c.describe(),
                ))
                .help("Put the value in a Secret and pass it through the environment (`valueFrom.secretKeyRef`, read by the program or as `$(VAR)`) or a mounted file, never as a literal argument.")
                .sensitive(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CommandLineSecret;
    use crate::testing::RuleTest;

    #[test]
    fn command_line_secret() {
        RuleTest::of(&CommandLineSecret)
            .pass(
                r##"apiVersion: v1
kind: Pod
metadata: {name: ok}
spec:
  containers:
  - name: app
    image: example/app:1.0
    command: [/app, --db-password=$(DB_PASSWORD), --token-file=/var/run/token, --port=8080]
    args: ["mysql -u root -p$MYSQL_PWD", --password-stdin]
    env:
    - name: DB_PASSWORD
      valueFrom: {secretKeyRef: {name: db, key: password}}
"##,
            )
            .fail(
                r##"apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      initContainers:
      - name: migrate
        image: mysql:8.4
        command:
        - sh
        - -c
        - mysql -h db -u root -pR00t-pass shop < /sql/init.sql   #~ command-line-secret
      containers:
      - name: api
        image: example/api:2.1
        args:
        - --db-password=hunter2-db   #~ command-line-secret
        - --api-key
        - k-7f3a9b2c   #~ command-line-secret
        - --upstream=https://svc:url-pass@upstream.example.com   #~ command-line-secret
"##,
            )
            .snapshot();
    }
}
