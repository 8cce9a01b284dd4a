//! Scheduling: files handed out to the pool's workers, outcomes merged in file order.
//!
//! Scheduling: files handed out in order to the pool's workers, and their outcomes merged into
//! the run in file order as they arrive.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::input::Input;
use crate::model::World;
use crate::suppress::Directive;

use super::file::{FileOutcome, lint_file};
use super::options::{Options, Shared};
use super::run::{Run, Stats};

/// Room left for cross-object findings, per indexed object.
pub(super) const CROSS_PER_OBJECT: usize = 4;

/// When this many files are left to take, the merge waits for outcomes instead of polling.
pub(super) const WAITED_FOR: usize = 64;

/// Where a file's facts are in the index.
pub(super) struct FileFacts {
    /// First of them.
    pub(super) start: usize,
    /// How many.
    pub(super) len: usize,
    /// Whether they hold Pod Security facts.
    pub(super) pod_security: bool,
}

impl FileFacts {
    pub(super) fn range(&self) -> std::ops::Range<usize> {
        self.start..self.start + self.len
    }
}

/// File outcomes merged into the run in file order, as they arrive.
pub(super) struct Merge {
    /// Outcomes that arrived before an earlier file's.
    pub(super) early: BTreeMap<usize, FileOutcome>,
    /// The next file to merge.
    pub(super) due: usize,
    /// Files in all.
    pub(super) total: usize,
    /// The cross-object index.
    pub(super) world: World,
    /// Suppression directives.
    pub(super) directives: Vec<Directive>,
    /// Each merged file's text, if it was kept.
    pub(super) kept: Vec<Option<Arc<str>>>,
    /// Each merged file's Helm chart, if it holds rendered Helm output.
    pub(super) charts: Vec<Option<Box<str>>>,
    /// Each merged file's facts.
    pub(super) facts: Vec<FileFacts>,
    /// The values the secret checks flagged.
    pub(super) secrets: Vec<Box<str>>,
}

impl Merge {
    pub(super) fn new(total: usize) -> Self {
        Merge {
            early: BTreeMap::new(),
            due: 0,
            total,
            world: World::default(),
            directives: Vec::new(),
            kept: Vec::with_capacity(total),
            charts: Vec::with_capacity(total),
            facts: Vec::with_capacity(total),
            secrets: Vec::new(),
        }
    }

    /// Take file `i`'s outcome, and merge every outcome now due.
    pub(super) fn arrive(
        &mut self,
        i: usize,
        outcome: FileOutcome,
        inputs: &[Input],
        run: &mut Run,
    ) {
        if i != self.due {
            self.early.insert(i, outcome);
            return;
        }
        self.merge(&inputs[i], outcome, run);
        while let Some(outcome) = self.early.remove(&self.due) {
            self.merge(&inputs[self.due], outcome, run);
        }
    }

    pub(super) fn merge(&mut self, input: &Input, outcome: FileOutcome, run: &mut Run) {
        self.due += 1;
        let (done, total) = (self.due, self.total);
        if input.report {
            merge_stats(&mut run.stats, outcome.stats);
            if let Some(failure) = outcome.failure {
                run.failed_paths.push((input.display.clone(), failure));
            }
            // Room for the cross-object findings too: adding them copies nothing.
            let room = project(self.world.objects.len(), done, total) * CROSS_PER_OBJECT;
            reserve_projected(&mut run.findings, outcome.findings.len(), done, total, room);
            run.findings.extend(outcome.findings);
            run.masks.extend(outcome.masks);
            self.secrets.extend(outcome.secrets);
            self.directives.extend(outcome.directives);
        } else {
            // Context: read for the cross-object index only.
            run.stats.files_context += 1;
            run.stats.bytes += outcome.stats.bytes;
        }
        let start = self.world.objects.len();
        reserve_projected(&mut self.world.objects, outcome.facts.len(), done, total, 0);
        self.world.objects.extend(outcome.facts);
        self.facts.push(FileFacts {
            start,
            len: self.world.objects.len() - start,
            pod_security: outcome.pod_security,
        });
        self.kept.push(outcome.text);
        self.charts.push(outcome.chart);
    }
}

/// `n` of the first `done` of `total` files, projected to all of them.
pub(super) fn project(n: usize, done: usize, total: usize) -> usize {
    n.saturating_mul(total) / done.max(1)
}

/// Make room for `more` in a vector that grows with every file merged, `done` of `total`.
/// Growing copies the vector, and the copy is faulted in, so it grows at once to what the run
/// is projected to need from the files merged so far (an eighth to spare, and `room` more),
/// but at most eightfold (a few files say little about the rest).
pub(super) fn reserve_projected<T>(
    v: &mut Vec<T>,
    more: usize,
    done: usize,
    total: usize,
    room: usize,
) {
    let need = v.len() + more;
    if need <= v.capacity() {
        return;
    }
    let projected = project(need, done, total);
    let target = (projected + projected / 8 + room).clamp(need * 2, need * 8);
    v.reserve_exact(target - v.len());
}

pub(super) fn merge_stats(into: &mut Stats, from: Stats) {
    into.files_linted += from.files_linted;
    into.files_context += from.files_context;
    into.files_failed += from.files_failed;
    into.bytes += from.bytes;
    into.documents += from.documents;
    into.objects += from.objects;
    for (k, v) in from.files_skipped {
        *into.files_skipped.entry(k).or_default() += v;
    }
    for (k, v) in from.documents_skipped {
        *into.documents_skipped.entry(k).or_default() += v;
    }
}

/// Lint every input on the pool, merging each outcome into `run` in file order; what the run
/// does not keep of the merged files (the index, directives, texts, facts, secrets) is returned.
pub(super) fn lint_all(
    inputs: &[Input],
    opts: &Options<'_>,
    shared: &Shared<'_>,
    run: &mut Run,
) -> Merge {
    // Files are handed out in order, one at a time, to as many workers as the pool has; this
    // thread merges each outcome as it arrives, in file order (a later file waits in `early`
    // for the earlier ones), while the workers go on. So nothing of a file outlives its merge
    // but what the run keeps, and no serial pass over every file's findings follows the last
    // file.
    let mut merge = Merge::new(inputs.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = |tx: &std::sync::mpsc::Sender<(usize, FileOutcome)>| {
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(input) = inputs.get(i) else {
                break;
            };
            let file = u32::try_from(i).unwrap_or(u32::MAX);
            let out = lint_file(file, input, opts, shared, false);
            if let Some(p) = opts.progress {
                p();
            }
            if tx.send((i, out)).is_err() {
                break;
            }
        }
    };
    rayon::in_place_scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, FileOutcome)>();
        if rayon::current_thread_index().is_some() {
            // Called from a worker of the pool, which may have no other: lint here.
            work(&tx);
        } else {
            for _ in 0..rayon::current_num_threads() {
                let tx = tx.clone();
                let work = &work;
                scope.spawn(move |_| work(&tx));
            }
        }
        drop(tx);
        // Polled while files remain, not waited on: a waiting receiver costs each send a
        // wake-up (a system call and a switch, per file), while a pause of a millisecond here
        // costs nothing the workers see.
        loop {
            match rx.try_recv() {
                Ok((i, outcome)) => merge.arrive(i, outcome, inputs, run),
                // Few files left (or few at all): their outcomes are waited for.
                Err(std::sync::mpsc::TryRecvError::Empty)
                    if inputs.len()
                        <= next.load(std::sync::atomic::Ordering::Relaxed) + WAITED_FOR =>
                {
                    match rx.recv() {
                        Ok((i, outcome)) => merge.arrive(i, outcome, inputs, run),
                        Err(std::sync::mpsc::RecvError) => break,
                    }
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => break,
            }
        }
    });
    merge
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::DEFAULT_MAX_FILE_SIZE;
    use crate::engine::mask::dormant_secret_rules;
    use crate::engine::options::Gather;
    use crate::finding::Interner;
    use crate::render;
    use crate::rule::Settings;

    /// The run that outcomes merged in file order make, whatever order they arrive in: in
    /// order, last first, and odd files before even ones.
    #[test]
    fn merged_outcomes_do_not_depend_on_the_order_they_arrive_in() {
        let (inputs, _) = crate::input::discover(&["testdata".to_owned()], &Default::default())
            .expect("discover");
        assert!(inputs.len() > 20, "{} files", inputs.len());
        let settings = Settings::default();
        let opts = Options {
            rules: crate::rule::registry::ALL.to_vec(),
            settings: &settings,
            keep_text: true,
            progress: None,
            render: None,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            namespaces: None,
        };
        let registry = render::Registry::new(inputs.len(), None);
        let strings = Interner::default();
        let shared = Shared {
            gather: Gather::of(&opts.rules),
            registry: &registry,
            strings: &strings,
            pss_seen: std::sync::atomic::AtomicBool::new(false),
            policy: None,
            dormant: dormant_secret_rules(&opts.rules),
        };
        let outcomes = || -> Vec<(usize, FileOutcome)> {
            (0..inputs.len())
                .map(|i| {
                    let file = u32::try_from(i).expect("few files");
                    (i, lint_file(file, &inputs[i], &opts, &shared, false))
                })
                .collect()
        };
        // What a merge made, in comparable form.
        let merged = |arrivals: Vec<(usize, FileOutcome)>| {
            let mut run = Run::default();
            let mut merge = Merge::new(inputs.len());
            for (i, outcome) in arrivals {
                merge.arrive(i, outcome, &inputs, &mut run);
            }
            assert!(merge.early.is_empty() && merge.due == inputs.len());
            let findings: Vec<_> = run
                .findings
                .iter()
                .map(|f| (f.fingerprint, f.primary, f.message.to_string()))
                .collect();
            let objects: Vec<_> = merge
                .world
                .objects
                .iter()
                .map(|f| (f.site.file, f.site.region, f.ident.name.clone()))
                .collect();
            let ranges: Vec<_> = merge.facts.iter().map(FileFacts::range).collect();
            let kept = merge.kept.iter().filter(|t| t.is_some()).count();
            let stats = (
                run.stats.files_linted,
                run.stats.documents,
                run.stats.objects,
            );
            (
                findings,
                objects,
                ranges,
                kept,
                stats,
                run.masks,
                run.failed_paths.len(),
            )
        };
        let in_order = merged(outcomes());
        assert!(!in_order.0.is_empty() && !in_order.1.is_empty() && in_order.3 > 0);
        let mut last_first = outcomes();
        last_first.reverse();
        assert_eq!(merged(last_first), in_order);
        let (odd, even): (Vec<_>, Vec<_>) = outcomes().into_iter().partition(|(i, _)| i % 2 == 1);
        assert_eq!(merged(odd.into_iter().chain(even).collect()), in_order);
    }
}
