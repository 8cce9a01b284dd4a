//! Micro-benchmark of the rule engine: parse + objects + every rule + resolved findings.
//! Run: `cargo bench --bench engine`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

mod corpus {
    include!("corpus.rs");
}

fn engine(c: &mut Criterion) {
    let text = corpus::stream(2000);
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("parse_only", |b| {
        b.iter(|| kubeward::testing::bench::parse(std::hint::black_box(&text)))
    });
    g.bench_function("lint_all_rules", |b| {
        b.iter(|| kubeward::testing::bench::lint(std::hint::black_box(&text)))
    });
    g.finish();
}

/// One namespace with `n` workloads, `n / 4` network policies and `n` ClusterRoleBindings that
/// grant every authenticated account (`system:authenticated`) a role, under 16 reused names
/// (groups of same-named bindings), linted with the two rules that read them across objects.
/// Their cost per workload must not grow with `n`: compare the time per element of the sizes
/// (it grew with workloads × bindings and workloads × policies before).
fn one_namespace(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{i}, namespace: big}}\n\
             spec:\n  template:\n    metadata: {{labels: {{app: app-{i}, tier: web}}}}\n    spec:\n\
             \x20     serviceAccountName: sa-{}\n      containers: [{{name: c, image: nginx:1.27}}]\n---\n",
            i % 4
        ));
    }
    for i in 0..n / 4 {
        out.push_str(&format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np-{i}, namespace: big}}\n\
             spec:\n  podSelector: {{matchLabels: {{app: app-{}}}}}\n  ingress: [{{from: [{{podSelector: {{}}}}]}}]\n---\n",
            i * 3
        ));
    }
    for i in 0..n {
        out.push_str(&format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: shared-{}}}\n\
             roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {}}}\n\
             subjects: [{{kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}}]\n---\n",
            i % 16,
            if i % 2 == 0 { "edit" } else { "view" }
        ));
    }
    out
}

fn cross_object(c: &mut Criterion) {
    let mut g = c.benchmark_group("cross_object_one_namespace");
    g.sample_size(10);
    for n in [1000, 4000] {
        let text = one_namespace(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("{n}_workloads"), |b| {
            b.iter(|| {
                kubeward::testing::bench::lint_rules(
                    std::hint::black_box(&text),
                    &["workload-rbac-risk", "missing-network-policy"],
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, engine, cross_object);
criterion_main!(benches);
