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
        b.iter(|| kubeward::bench_api::parse(std::hint::black_box(&text)))
    });
    g.bench_function("lint_all_rules", |b| {
        b.iter(|| kubeward::bench_api::lint(std::hint::black_box(&text)))
    });
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
