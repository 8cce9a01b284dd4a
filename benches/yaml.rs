//! Micro-benchmark of the YAML layer: text → span tree with YAML 1.1 resolution, through the
//! fast path (what kubeward runs) and through saphyr alone.
//! Run: `cargo bench --bench yaml` (needs ../shared/bench/gen_corpus.py and python3).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

mod corpus {
    include!("corpus.rs");
}

fn yaml(c: &mut Criterion) {
    let text = corpus::stream(2000);
    let mut g = c.benchmark_group("yaml");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("parse_stream", |b| {
        b.iter(|| kubeward::testing::bench::parse(std::hint::black_box(&text)))
    });
    g.bench_function("parse_stream_saphyr_only", |b| {
        b.iter(|| kubeward::testing::bench::parse_saphyr(std::hint::black_box(&text)))
    });
    g.finish();
}

criterion_group!(benches, yaml);
criterion_main!(benches);
