//! The run's findings in their one order (by path, place and fingerprint), repeats dropped.

use rayon::prelude::*;

use crate::finding::{Finding, Fingerprint, WordHasher, stable_hash};

use super::run::SourceFile;

/// Sort the findings and drop repeats (one finding found in several renders).
pub(crate) fn order(findings: &mut Vec<Finding>, files: &[SourceFile]) {
    // Findings are ordered by path first: each file's rank in path order (equal paths share
    // one), compared as a number instead of the path itself. A file id outside the table sorts
    // first, as the empty path it stood for did.
    let rank = path_ranks(files);
    let rank_of = |f: &Finding| rank.get(f.primary.file as usize).map_or(0, |r| r + 1);
    // Where in rendered output a finding was found, for one traced there.
    let rendered = |f: &Finding| {
        f.trace().map(|t| {
            let r = rank.get(t.rendered.file as usize).map_or(0, |r| r + 1);
            (r, t.rendered.region)
        })
    };
    // A total order (the fingerprint, then the whole place, in rendered output too, break
    // ties), so the unstable sort, which needs no buffer as large as the findings, is
    // deterministic whatever order the findings come in; of equal findings in several renders,
    // the dedup below keeps the one in the first rendered file.
    findings.par_sort_unstable_by(|a, b| {
        (rank_of(a), a.sort_key(), &a.fingerprint)
            .cmp(&(rank_of(b), b.sort_key(), &b.fingerprint))
            .then_with(|| (a.primary.region, rendered(a)).cmp(&(b.primary.region, rendered(b))))
    });
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint && a.primary == b.primary);
    distinct_fingerprints(findings);
}

/// No two findings of a run share a fingerprint (a baseline entry then hides exactly one
/// finding): what is left with one after the repeats are dropped is the same object written
/// twice in one file (two documents of one kind, namespace and name). In the run's order, the
/// second and later take the first's fingerprint hashed with their rank (`#2`, `#3`, …), so the
/// first keeps its own and the others stay stable while the file's order does.
fn distinct_fingerprints(findings: &mut [Finding]) {
    use std::collections::HashMap;
    use std::hash::BuildHasherDefault;
    let mut seen: HashMap<Fingerprint, u32, BuildHasherDefault<WordHasher>> =
        HashMap::with_capacity_and_hasher(findings.len(), BuildHasherDefault::default());
    for f in findings.iter_mut() {
        let n = seen.entry(f.fingerprint).or_insert(0);
        *n += 1;
        if *n > 1 {
            let rank = format!("#{n}");
            f.fingerprint = stable_hash(&[&f.fingerprint.to_string(), &rank]);
        }
    }
}

/// Each file's rank in the order of paths; files with one path share a rank.
pub(super) fn path_ranks(files: &[SourceFile]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|&a, &b| files[a].path.cmp(&files[b].path));
    let mut rank = vec![0; files.len()];
    let mut r = 0u32;
    for (i, pair) in order.iter().enumerate() {
        if i > 0 && files[order[i - 1]].path != files[*pair].path {
            r += 1;
        }
        rank[*pair] = r;
    }
    rank
}
