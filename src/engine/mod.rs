//! The lint pipeline: read → parse → objects → rules → resolved findings, in parallel per file,
//! then the cross-object pass over the index.

pub(crate) mod accounting;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::engine::accounting::Failure;
use crate::finding::{
    Extra, Finding, Fingerprint, Interner, Location, Related, RelatedLists, Secrets, Text,
    flagged_forms, stable_hash,
};
use crate::input::{Input, InputSource};
use crate::model::{Facts, Object, ObjectIdent, Site, World};
use crate::render;
use crate::rule::Target;
use crate::rule::{Context, Draft, Rule, Settings, WorldContext};
use crate::suppress::{self, Directive};
use crate::yaml::{
    Comment, Doc, Docs, Focus, Label, LineIndex, NodeRef, Pointer, RealComments, Region, Seg,
    parse_stream, span_of,
};

/// A file of the run.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the working directory when under it).
    pub path: String,
    /// The text, kept only for files whose findings will be rendered with a snippet.
    pub text: Option<Arc<str>>,
    /// Where to read the text again if it was not kept (findings of the cross-object pass);
    /// only for output that draws snippets.
    pub disk: Option<std::path::PathBuf>,
    /// Findings in this file are reported (else it was read as context only).
    pub report: bool,
}

impl SourceFile {
    /// The text: kept, or read again from disk.
    pub fn load(&self) -> Arc<str> {
        if let Some(t) = &self.text {
            return t.clone();
        }
        self.disk
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .map_or_else(
                || Arc::from(""),
                |b| Arc::from(String::from_utf8_lossy(&b).into_owned()),
            )
    }
}

/// Counts for the summary: every file and document is accounted for.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Files read and parsed completely.
    pub files_linted: usize,
    /// Files read only as context for cross-object rules (not reported).
    pub files_context: usize,
    /// Files not linted, by reason.
    pub files_skipped: BTreeMap<String, usize>,
    /// Files that could not be read or parsed completely (the documents before a syntax error
    /// are still checked).
    pub files_failed: usize,
    /// Failed files, by reason.
    pub files_failed_reasons: BTreeMap<String, usize>,
    /// Bytes read.
    pub bytes: u64,
    /// Documents seen in linted files.
    pub documents: usize,
    /// Kubernetes objects linted (List items count one each).
    pub objects: usize,
    /// Documents not linted, by reason.
    pub documents_skipped: BTreeMap<String, usize>,
    /// Wall time.
    pub elapsed: Duration,
}

/// The result of a run.
#[derive(Debug, Default)]
pub struct Run {
    /// Every file of the run, indexed by file id.
    pub files: Vec<SourceFile>,
    /// Findings, sorted.
    pub findings: Vec<Finding>,
    /// Counts.
    pub stats: Stats,
    /// Paths not linted, with the reason (sorted; listed in verbose mode).
    pub skipped_paths: Vec<(String, String)>,
    /// Files that could not be read or parsed completely, with what went wrong (sorted).
    pub failed_paths: Vec<(String, Failure)>,
    /// Regions that hold secrets, never to be printed: those of every finding (even one later
    /// dropped by a baseline or the configuration) and, when snippets are rendered, those the
    /// secret checks mark even if they are not enabled.
    pub masks: Vec<Location>,
    /// The values the secret checks flagged (enabled or not), masked wherever they recur: the
    /// findings' texts are masked with them when the run is complete, snippets as they are
    /// drawn.
    pub secrets: Secrets,
    /// What the summary must say about the run (e.g. charts or overlays not rendered).
    pub notices: Vec<String>,
}

/// How to run.
pub struct Options<'a> {
    /// Enabled rules.
    pub rules: Vec<&'static dyn Rule>,
    /// Rule settings.
    pub settings: &'a Settings,
    /// Keep what snippets draw: the source text of files with findings, the labels under
    /// their nodes and the regions to mask (no other output shows any of them).
    pub keep_text: bool,
    /// Called after each file (progress bar).
    pub progress: Option<&'a (dyn Fn() + Sync)>,
    /// What rendering left for the run: the repositories rendered metadata may be followed
    /// into, and the charts and overlays not rendered (reported as findings).
    pub render: Option<&'a render::Context>,
    /// Files (and standard input, rendered streams) larger than this many bytes are a
    /// `parse-error` without being read whole (`--max-file-size`).
    pub max_file_size: u64,
}

/// The default size cap of a file: 64 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 << 20;

/// Whether one of `rules` reads the cross-object index: only then are facts gathered (and the
/// rest of the repository read as context).
pub fn reads_world(rules: &[&'static dyn Rule]) -> bool {
    rules.iter().any(|r| r.reads_world())
}

/// Which cross-object facts each object contributes.
#[derive(Debug, Clone, Copy)]
struct Gather {
    /// The index at all (an enabled rule reads it).
    world: bool,
    /// Each workload's Pod Security verdict at every level and version (a twentieth of the
    /// CPU of a run): only when an enabled rule reads it and a Namespace of the input may set
    /// a Pod Security level. For a run, whether it may be needed; for a file, whether it is
    /// gathered (see [`complete_pod_security`]).
    pod_security: bool,
}

impl Gather {
    fn of(rules: &[&'static dyn Rule]) -> Self {
        let world = reads_world(rules);
        Gather {
            world,
            pod_security: world && rules.iter().any(|r| r.reads_pod_security()),
        }
    }
}

/// Whether a file may hold a `pod-security.kubernetes.io/` label: it names the label, or has a
/// backslash (an escape in a quoted key could spell it).
fn may_set_pss(bytes: &[u8]) -> bool {
    has(bytes, crate::model::PSA_PREFIX.trim_end_matches('/'))
        || memchr::memchr(b'\\', bytes).is_some()
}

/// Pod Security facts are gathered from the first file that may set a Pod Security level on:
/// most repositories set none, and looking for one first read every file twice. The files
/// linted before lack their workloads' facts; those with a workload in a namespace that has a
/// Pod Security label are linted again, and their facts in the index are replaced with the new
/// ones (their findings were the same).
fn complete_pod_security(
    inputs: &[Input],
    world: &mut World,
    facts: &[FileFacts],
    opts: &Options<'_>,
    shared: &Shared<'_>,
) {
    if !shared.pss_seen.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let labeled: std::collections::HashSet<&str> = world
        .objects
        .iter()
        .filter(|f| !f.psa_labels().is_empty())
        .filter_map(|f| f.ident.name.as_deref())
        .collect();
    let again: Vec<usize> = (0..facts.len())
        .filter(|&i| {
            !facts[i].pod_security
                && world.objects[facts[i].range()].iter().any(|f| {
                    f.pod_labels.is_some()
                        && f.ident
                            .namespace
                            .as_deref()
                            .is_some_and(|n| labeled.contains(n))
                })
        })
        .collect();
    drop(labeled);
    // Only the facts change: the findings, masks and directives are those of the first pass.
    let redone: Vec<(usize, Vec<Facts>)> = again
        .into_par_iter()
        .map(|i| {
            let file = u32::try_from(i).unwrap_or(u32::MAX);
            (i, lint_file(file, &inputs[i], opts, shared, true).facts)
        })
        .collect();
    // Last file first: the ranges of the files before stay where they are.
    for (i, new) in redone.into_iter().rev() {
        world.objects.splice(facts[i].range(), new);
    }
}

/// What the files of a run share while they are linted.
struct Shared<'a> {
    /// Which cross-object facts to gather.
    gather: Gather,
    /// Renders (Helm charts, Kustomize overlays) and their sources.
    registry: &'a render::Registry,
    /// The run's texts.
    strings: &'a Interner,
    /// A file that may set a Pod Security level has been read: Pod Security facts are
    /// gathered from here on.
    pss_seen: std::sync::atomic::AtomicBool,
    /// Files that may hold admission policies or Namespaces (when policies are evaluated).
    policy: Option<crate::policy::Pending>,
    /// The secret checks that are not enabled: they still mark what must be masked.
    dormant: Vec<&'static dyn Rule>,
}

struct FileOutcome {
    /// Whether Pod Security facts were gathered.
    pod_security: bool,
    findings: Vec<Finding>,
    masks: Vec<Location>,
    /// The values the secret checks flagged.
    secrets: Vec<Box<str>>,
    facts: Vec<Facts>,
    directives: Vec<Directive>,
    stats: Stats,
    text: Option<Arc<str>>,
    /// What went wrong with this file, if anything.
    failure: Option<Failure>,
}

/// Lint the inputs.
pub fn lint(inputs: Vec<Input>, skipped: Vec<(String, String)>, opts: &Options<'_>) -> Run {
    let started = Instant::now();
    let registry = render::Registry::new(inputs.len(), opts.render);
    let gather = Gather::of(&opts.rules);
    let strings = Interner::default();
    let shared = Shared {
        gather,
        registry: &registry,
        strings: &strings,
        pss_seen: std::sync::atomic::AtomicBool::new(false),
        policy: crate::policy::wanted(&opts.rules).then(crate::policy::Pending::default),
        dormant: dormant_secret_rules(&opts.rules),
    };
    // Files are handed out in order, one at a time, to as many workers as the pool has; this
    // thread merges each outcome as it arrives, in file order (a later file waits in `early`
    // for the earlier ones), while the workers go on. So nothing of a file outlives its merge
    // but what the run keeps, and no serial pass over every file's findings follows the last
    // file.
    let mut run = Run {
        skipped_paths: skipped,
        ..Run::default()
    };
    let mut merge = Merge::new(inputs.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = |tx: &std::sync::mpsc::Sender<(usize, FileOutcome)>| {
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(input) = inputs.get(i) else {
                break;
            };
            let file = u32::try_from(i).unwrap_or(u32::MAX);
            let out = lint_file(file, input, opts, &shared, false);
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
                Ok((i, outcome)) => merge.arrive(i, outcome, &inputs, &mut run),
                // Few files left (or few at all): their outcomes are waited for.
                Err(std::sync::mpsc::TryRecvError::Empty)
                    if inputs.len()
                        <= next.load(std::sync::atomic::Ordering::Relaxed) + WAITED_FOR =>
                {
                    match rx.recv() {
                        Ok((i, outcome)) => merge.arrive(i, outcome, &inputs, &mut run),
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
    let Merge {
        mut world,
        mut directives,
        kept,
        facts,
        secrets,
        ..
    } = merge;
    complete_pod_security(&inputs, &mut world, &facts, opts, &shared);
    // Admission policies and custom rules: a pass of their own once the policies are known.
    let policy_drafts = match &shared.policy {
        Some(pending) => policy_pass(pending, &inputs, opts, &shared, &mut run),
        None => Vec::new(),
    };
    if let Some(cx) = opts.render {
        // Charts and overlays not rendered: findings before suppressions apply.
        let found = render::problem_findings(&cx.problems, &inputs, &registry, &opts.rules);
        run.findings.extend(found);
    }
    // The findings hold their texts; the set of every distinct text (a table entry each) is
    // given back before the cross-object phase, which fills its own with texts of its own.
    drop(strings);
    let strings = Interner::default();
    let lists = RelatedLists::default();
    crate::timings::mark("lint files (parallel)");

    for (input, text) in inputs.into_iter().zip(kept) {
        let report = input.report;
        let text = match input.source {
            InputSource::Path(p) => {
                run.files.push(SourceFile {
                    path: input.display,
                    text,
                    // Only snippets read a file again.
                    disk: opts.keep_text.then_some(p),
                    report,
                });
                continue;
            }
            // In-memory input (stdin): keep it, it cannot be read again.
            InputSource::Bytes(b) => {
                text.or_else(|| Some(Arc::from(String::from_utf8_lossy(&b).into_owned())))
            }
            // A render kubeward ran in memory: keep it, it cannot be read again.
            InputSource::Rendered(r) => text.or_else(|| Some(r.text.clone())),
        };
        run.files.push(SourceFile {
            path: input.display,
            text,
            disk: None,
            report,
        });
    }
    run.files.extend(registry.finish(opts.keep_text));
    // Room for the cross-object findings (at most a few per indexed object; capacity that is
    // never written costs no memory), so adding them copies nothing.
    run.findings.reserve(world.objects.len() * CROSS_PER_OBJECT);
    world.finalise(run.files.iter().map(|f| f.path.as_str()));
    crate::timings::mark("merge and index");
    // Cross-object rules read the finished index side by side; each draft becomes a finding as
    // soon as it is complete.
    let files = &run.files;
    // Each finding goes into the run as soon as it is finished: a rule's findings are never
    // gathered apart first. (The run's order comes from the sort below, whatever order the
    // rules' threads finish in.)
    let sink = std::sync::Mutex::new(std::mem::take(&mut run.findings));
    // Their texts name what the index holds: covered (`Interner::get_covered`) when the secret
    // checks read all of it, that is when no file was read as context only.
    let covered = run.stats.files_context == 0;
    let finish = |d: Draft| {
        // Findings located in context files are not reported.
        if let Target::Site(s) = &d.primary
            && files.get(s.file as usize).is_some_and(|f| f.report)
        {
            let f = finish_site_draft(d, files, &strings, &lists, opts.keep_text, covered);
            sink.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(f);
        }
    };
    opts.rules
        .par_iter()
        .filter(|r| r.reads_world())
        .for_each(|rule| {
            let mut wcx = WorldContext::new(opts.settings, &finish);
            rule.check_world(&world, &mut wcx);
            wcx.flush();
        });
    for d in policy_drafts {
        finish(d);
    }
    drop(world);
    run.findings = sink
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    crate::timings::mark("cross-object rules");
    let mut seen = std::collections::HashSet::new();
    // Traced output of several overlays reads the comments of a shared base more than once.
    directives.retain(|d: &Directive| seen.insert((d.at, d.scope, d.rules.clone())));
    if !directives.is_empty() {
        let enabled: Vec<&str> = opts.rules.iter().map(|r| r.meta().id).collect();
        let paths: Vec<String> = run.files.iter().map(|f| f.path.clone()).collect();
        let meta = suppress::apply(
            &mut run.findings,
            &directives,
            &enabled,
            suppress::today(),
            &paths,
        );
        run.findings.extend(meta);
    }
    render::merge_overlays(&mut run.findings);
    // Every text of the run is final: mask the secrets in them (the fingerprints were taken
    // from the texts as written, so they stay stable and tell findings apart).
    run.secrets = Secrets::new(secrets);
    mask_run(&mut run);
    crate::timings::mark("mask secrets");
    order(&mut run.findings, &run.files);
    crate::timings::mark("suppress, sort, dedup");
    crate::engine::accounting::tally(&mut run);
    run.stats.elapsed = started.elapsed();
    run
}

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
}

/// Each file's rank in the order of paths; files with one path share a rank.
fn path_ranks(files: &[SourceFile]) -> Vec<u32> {
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

impl Stats {
    /// Count a document that is not linted, under `reason`.
    fn skip_document(&mut self, reason: &str) {
        *self.documents_skipped.entry(reason.into()).or_default() += 1;
    }
}

/// Room left for cross-object findings, per indexed object.
const CROSS_PER_OBJECT: usize = 4;

/// When this many files are left to take, the merge waits for outcomes instead of polling.
const WAITED_FOR: usize = 64;

/// Where a file's facts are in the index.
struct FileFacts {
    /// First of them.
    start: usize,
    /// How many.
    len: usize,
    /// Whether they hold Pod Security facts.
    pod_security: bool,
}

impl FileFacts {
    fn range(&self) -> std::ops::Range<usize> {
        self.start..self.start + self.len
    }
}

/// File outcomes merged into the run in file order, as they arrive.
struct Merge {
    /// Outcomes that arrived before an earlier file's.
    early: BTreeMap<usize, FileOutcome>,
    /// The next file to merge.
    due: usize,
    /// Files in all.
    total: usize,
    /// The cross-object index.
    world: World,
    /// Suppression directives.
    directives: Vec<Directive>,
    /// Each merged file's text, if it was kept.
    kept: Vec<Option<Arc<str>>>,
    /// Each merged file's facts.
    facts: Vec<FileFacts>,
    /// The values the secret checks flagged.
    secrets: Vec<Box<str>>,
}

impl Merge {
    fn new(total: usize) -> Self {
        Merge {
            early: BTreeMap::new(),
            due: 0,
            total,
            world: World::default(),
            directives: Vec::new(),
            kept: Vec::with_capacity(total),
            facts: Vec::with_capacity(total),
            secrets: Vec::new(),
        }
    }

    /// Take file `i`'s outcome, and merge every outcome now due.
    fn arrive(&mut self, i: usize, outcome: FileOutcome, inputs: &[Input], run: &mut Run) {
        if i != self.due {
            self.early.insert(i, outcome);
            return;
        }
        self.merge(&inputs[i], outcome, run);
        while let Some(outcome) = self.early.remove(&self.due) {
            self.merge(&inputs[self.due], outcome, run);
        }
    }

    fn merge(&mut self, input: &Input, outcome: FileOutcome, run: &mut Run) {
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
    }
}

/// `n` of the first `done` of `total` files, projected to all of them.
fn project(n: usize, done: usize, total: usize) -> usize {
    n.saturating_mul(total) / done.max(1)
}

/// Make room for `more` in a vector that grows with every file merged, `done` of `total`.
/// Growing copies the vector, and the copy is faulted in, so it grows at once to what the run
/// is projected to need from the files merged so far (an eighth to spare, and `room` more),
/// but at most eightfold (a few files say little about the rest).
fn reserve_projected<T>(v: &mut Vec<T>, more: usize, done: usize, total: usize, room: usize) {
    let need = v.len() + more;
    if need <= v.capacity() {
        return;
    }
    let projected = project(need, done, total);
    let target = (projected + projected / 8 + room).clamp(need * 2, need * 8);
    v.reserve_exact(target - v.len());
}

fn merge_stats(into: &mut Stats, from: Stats) {
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

/// Bytes read from the start of a file to recognise binary content before reading the rest.
const FIRST_BLOCK: usize = 8192;

/// Why an input's bytes are not parsed (besides an I/O error).
enum Refused {
    /// Larger than the size cap: this many bytes, when known before reading.
    TooLarge(Option<u64>),
    /// A NUL byte in the first block.
    Binary,
    /// Invalid UTF-8 in the first block: the block.
    NotUtf8(Vec<u8>),
}

/// Binary content in the first block of a file: a NUL byte, or UTF-8 that is invalid before the
/// block's end (a character cut by the block's end is not).
fn refuse_first_block(block: &[u8]) -> Option<Refused> {
    let block = &block[..block.len().min(FIRST_BLOCK)];
    if memchr::memchr(0, block).is_some() {
        return Some(Refused::Binary);
    }
    match std::str::from_utf8(block) {
        Err(e) if e.error_len().is_some() => Some(Refused::NotUtf8(block.to_vec())),
        _ => None,
    }
}

/// The bytes of an input, up to `cap`. A file larger than the cap by its metadata is refused
/// without being opened for reading, one that turns out larger while it is read (a file that
/// grows, a device) once the cap is passed; binary content is recognised in the first block,
/// before the rest is read. Standard input and rendered streams were read up to the cap
/// (`discover`, `render`) and are checked the same way.
fn read(input: &Input, cap: u64) -> Result<Result<Vec<u8>, Refused>, std::io::Error> {
    use std::io::Read;
    let in_memory = |b: &[u8]| {
        if b.len() as u64 > cap {
            return Err(Refused::TooLarge(None));
        }
        refuse_first_block(b).map_or_else(|| Ok(b.to_vec()), Err)
    };
    let p = match &input.source {
        InputSource::Path(p) => p,
        InputSource::Bytes(b) => return Ok(in_memory(b)),
        InputSource::Rendered(r) => return Ok(in_memory(r.text.as_bytes())),
    };
    let file = std::fs::File::open(p)?;
    let len = file.metadata()?.len();
    if len > cap {
        return Ok(Err(Refused::TooLarge(Some(len))));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len.saturating_add(1)).unwrap_or(0));
    let mut limited = file.take(cap.saturating_add(1));
    (&mut limited)
        .take(FIRST_BLOCK as u64)
        .read_to_end(&mut bytes)?;
    if let Some(refused) = refuse_first_block(&bytes) {
        return Ok(Err(refused));
    }
    limited.read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Ok(Err(Refused::TooLarge(None)));
    }
    Ok(Ok(bytes))
}

/// Lint one file. With `pod_security`, Pod Security facts are gathered (when the run's rules
/// read them) whether or not a file that may set a level has been seen.
fn lint_file(
    file: u32,
    input: &Input,
    opts: &Options<'_>,
    shared: &Shared<'_>,
    pod_security: bool,
) -> FileOutcome {
    let mut out = FileOutcome {
        pod_security: false,
        findings: Vec::new(),
        masks: Vec::new(),
        secrets: Vec::new(),
        facts: Vec::new(),
        directives: Vec::new(),
        stats: Stats::default(),
        text: None,
        failure: None,
    };
    // A file that cannot be read at all: one `parse-error` at its start. Its text is kept
    // empty, so that a snippet never reads it (whole) again.
    let unreadable = |mut out: FileOutcome, failure: Failure| {
        out.findings.push(file_error(
            file,
            &input.display,
            failure.detail.clone(),
            "",
            0,
        ));
        out.failure = Some(failure);
        if opts.keep_text {
            out.text = Some(Arc::from(""));
        }
        out
    };
    let bytes = match read(input, opts.max_file_size) {
        Ok(Ok(b)) => b,
        Ok(Err(Refused::TooLarge(size))) => {
            let mut out = unreadable(out, Failure::too_large(size, opts.max_file_size));
            if let Some(f) = out.findings.last_mut() {
                f.help = Some(
                    "Split the file, exclude it (--exclude), or raise --max-file-size (or `max-file-size` in the configuration) to lint it."
                        .into(),
                );
            }
            return out;
        }
        Ok(Err(Refused::Binary)) => return unreadable(out, Failure::binary()),
        Ok(Err(Refused::NotUtf8(block))) => block,
        Err(e) => return unreadable(out, Failure::unreadable(&e)),
    };
    out.stats.bytes = bytes.len() as u64;
    if let Some(p) = &shared.policy {
        p.note(file, &bytes);
    }
    if shared.gather.pod_security {
        use std::sync::atomic::Ordering::Relaxed;
        if !shared.pss_seen.load(Relaxed) && may_set_pss(&bytes) {
            shared.pss_seen.store(true, Relaxed);
        }
        out.pod_security = pod_security || shared.pss_seen.load(Relaxed);
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let lossy_at = String::from_utf8_lossy(&e.as_bytes()[..at]).len();
            let f = file_error(
                file,
                &input.display,
                "file is not valid UTF-8".into(),
                &lossy,
                lossy_at,
            );
            out.failure = Some(Failure::not_utf8(f.primary.region.line));
            out.findings.push(f);
            if opts.keep_text {
                out.text = Some(Arc::from(lossy));
            }
            return out;
        }
    };
    let gather = Gather {
        pod_security: out.pod_security,
        ..shared.gather
    };
    lint_text(file, input, &text, opts, shared, gather, &mut out);
    if !input.report {
        out.findings.clear();
        out.masks.clear();
        out.secrets.clear();
        out.directives.clear();
    }
    if opts.keep_text && input.report && (!out.findings.is_empty() || !out.directives.is_empty()) {
        out.text = Some(Arc::from(text));
    }
    out
}

/// The objects of a document: its root, or each item of a List.
fn each_object<'d>(doc: &'d Doc<'d>, path: &'d str, mut f: impl FnMut(&Object<'d>)) {
    let Some(obj) = Object::from_node(doc.root(), Pointer::root(), path, doc.index) else {
        return;
    };
    if !obj.is_list() {
        f(&obj);
        return;
    }
    for (i, item) in obj
        .node
        .get("items")
        .into_iter()
        .flat_map(NodeRef::items)
        .enumerate()
    {
        let base = Pointer::root().join([Seg::from("items"), Seg::from(i)]);
        if let Some(o) = Object::from_node(item, base, path, doc.index) {
            f(&o);
        }
    }
}

/// Gather the input's admission policies (with their bindings, Namespaces and params objects)
/// and, if there are any or custom rules are enabled, check every object against them in a
/// parallel pass of their own: a file is read again, its findings of other rules were made
/// in the first pass. Returns the findings about the policies themselves, located at sites.
fn policy_pass(
    pending: &crate::policy::Pending,
    inputs: &[Input],
    opts: &Options<'_>,
    shared: &Shared<'_>,
    run: &mut Run,
) -> Vec<Draft> {
    crate::timings::mark("lint files (parallel)");
    let admission = &crate::rule::registry::AdmissionPolicy::META;
    let custom = opts.settings.policies.custom.clone();
    let enabled: Vec<&str> = opts.rules.iter().map(|r| r.meta().id).collect();
    if !pending.saw_policy() && !custom.iter().any(|c| enabled.contains(&c.meta.id)) {
        return Vec::new();
    }
    let mut collector = crate::policy::Collector::default();
    let gather = |file: u32, input: &Input, collector: &mut crate::policy::Collector| {
        let Ok(Ok(bytes)) = read(input, opts.max_file_size) else {
            return;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let mut res = Resolver {
            file,
            path: &input.display,
            text: &text,
            index: None,
            tracer: None,
            strings: shared.strings,
            gather: Gather {
                world: false,
                pod_security: false,
            },
            // The policy pass marks nothing to mask (the first pass did), and the texts it makes
            // are scanned for credentials like any other (`mask_run`).
            dormant: &[],
            covered: false,
        };
        for doc in Docs::new(&text) {
            each_object(&doc, &input.display, |obj| {
                let ident = Arc::new(obj.ident_in(res.strings));
                collector.add(obj, &mut |l: Label| res.site(&doc, &l, &ident));
            });
        }
    };
    let noted = pending.files();
    for &file in &noted {
        if let Some(input) = inputs.get(file as usize) {
            gather(file, input, &mut collector);
        }
    }
    // Params objects of the policies' `paramKind`s, wherever they are.
    let kinds: Vec<String> = collector.param_kinds().map(|(_, k)| k.to_owned()).collect();
    if !kinds.is_empty() {
        for (i, input) in inputs.iter().enumerate() {
            let file = u32::try_from(i).unwrap_or(u32::MAX);
            if noted.binary_search(&file).is_ok() {
                continue;
            }
            let holds = read(input, opts.max_file_size)
                .is_ok_and(|b| b.is_ok_and(|b| kinds.iter().any(|k| has(&b, k))));
            if holds {
                gather(file, input, &mut collector);
            }
        }
    }
    let set = Arc::new(collector.finish(custom, &enabled));
    if set.is_empty() {
        return set.problems(admission);
    }
    set.limit_run(run.stats.objects);
    let mut settings = opts.settings.clone();
    settings.policies.set = Some(set.clone());
    let popts = Options {
        rules: vec![&crate::rule::registry::AdmissionPolicy],
        max_file_size: opts.max_file_size,
        settings: &settings,
        keep_text: opts.keep_text,
        progress: None,
        render: opts.render,
    };
    let pshared = Shared {
        gather: Gather {
            world: false,
            pod_security: false,
        },
        registry: shared.registry,
        strings: shared.strings,
        pss_seen: std::sync::atomic::AtomicBool::new(false),
        policy: None,
        dormant: Vec::new(),
    };
    let check_all = || -> Vec<(Vec<Finding>, Vec<Location>)> {
        inputs
            .par_iter()
            .enumerate()
            .map(|(i, input)| {
                let file = u32::try_from(i).unwrap_or(u32::MAX);
                let out = lint_file(file, input, &popts, &pshared, false);
                (out.findings, out.masks)
            })
            .collect()
    };
    // On threads whose stack holds the deepest expression the policies may have.
    let outcomes = match rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .stack_size(crate::policy::EVAL_STACK)
        .build()
    {
        Ok(pool) => pool.install(check_all),
        Err(_) => check_all(),
    };
    if std::env::var_os("KUBEWARD_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0") {
        eprintln!("admission policies: {} cost units spent", set.spent_units());
    }
    if set.exhausted() {
        // Which objects were evaluated before the budget ran out depends on the threads: none
        // is reported, one finding says why.
        return set.exhausted_finding(admission).into_iter().collect();
    }
    for (findings, masks) in outcomes {
        // Only the policies' findings: the first pass made the others (parse errors included).
        run.findings.extend(
            findings
                .into_iter()
                .filter(|f| f.meta.category == crate::rule::Category::Policy),
        );
        run.masks.extend(masks);
    }
    crate::timings::mark("admission policies");
    set.problems(admission)
}

/// A `parse-error` finding for a whole file.
fn file_error(file: u32, path: &str, message: String, text: &str, offset: usize) -> Finding {
    let index = LineIndex::new(text);
    let offset = u32::try_from(offset).unwrap_or(u32::MAX);
    let end = next_char_boundary(text, offset);
    let meta = &crate::rules::validity::ParseError::META;
    Finding {
        meta,
        severity: meta.severity,
        extra: Extra {
            label: Some(message.clone().into()),
            ..Extra::default()
        }
        .boxed(),
        message: message.into(),
        help: Some(
            "Fix the file so that it is valid YAML or JSON; kubectl would reject it.".into(),
        ),
        primary: Location {
            file,
            region: index.region(text, offset, end),
        },
        object: None,
        route: "".into(),
        fingerprint: stable_hash(&[meta.id, path]),
    }
}

fn next_char_boundary(text: &str, offset: u32) -> u32 {
    let o = offset as usize;
    text.get(o..)
        .and_then(|s| s.chars().next())
        .map_or(offset, |c| {
            offset + u32::try_from(c.len_utf8()).unwrap_or(1)
        })
}

/// Per-document resolution state: turns labels into locations.
struct Resolver<'t> {
    file: u32,
    path: &'t str,
    text: &'t str,
    index: Option<LineIndex>,
    /// For rendered output: maps labels onto the files that wrote them.
    tracer: Option<&'t render::Tracer<'t>>,
    /// Shares the texts of the run's findings.
    strings: &'t Interner,
    /// Which cross-object facts to gather.
    gather: Gather,
    /// The secret checks that are not enabled.
    dormant: &'t [&'static dyn Rule],
    /// The file's objects are checked by the secret checks (it is not context only): the texts
    /// made of them are covered (`Interner::get_covered`).
    covered: bool,
}

impl Resolver<'_> {
    fn region(&mut self, start: u32, end: u32) -> Region {
        let text = self.text;
        self.index
            .get_or_insert_with(|| LineIndex::new(text))
            .region(text, start, end)
    }

    fn location(&mut self, doc: &Doc<'_>, label: &Label) -> Location {
        let (s, e) = span_of(doc, self.text, label);
        Location {
            file: self.file,
            region: self.region(s, e),
        }
    }

    /// The location in the file that wrote `label` (for rendered output), else in this file.
    fn traced(&mut self, doc: &Doc<'_>, label: &Label) -> Location {
        let tracer = self.tracer;
        tracer
            .and_then(|t| t.locate(doc, label))
            .unwrap_or_else(|| self.location(doc, label))
    }

    /// The shared copy of a text made of this file's objects.
    fn intern(&self, s: &str) -> Text {
        if self.covered {
            self.strings.get_covered(s)
        } else {
            self.strings.get(s)
        }
    }

    fn site(&mut self, doc: &Doc<'_>, label: &Label, object: &Arc<ObjectIdent>) -> Site {
        let at = self.traced(doc, label);
        Site {
            file: at.file,
            region: at.region,
            object: Some(object.clone()),
            route: self.intern(&stable_route(doc, &label.pointer)),
        }
    }
}

/// Whether `text` holds `needle`: memmem, where `str::contains` runs a two-way search a byte
/// at a time over every file.
fn has(text: &[u8], needle: &str) -> bool {
    memchr::memmem::find(text, needle.as_bytes()).is_some()
}

fn lint_text(
    file: u32,
    input: &Input,
    text: &str,
    opts: &Options<'_>,
    shared: &Shared<'_>,
    gather: Gather,
    out: &mut FileOutcome,
) {
    // Rendered output is traced to its templates, which needs every document of the stream at
    // once; anything else is parsed and linted one document at a time, so a large stream costs
    // the memory of one document's tree. Context files are never traced: what they hold is never
    // reported.
    let traceable = input.report
        && (matches!(input.source, InputSource::Rendered(_)) || has(text.as_bytes(), "# Source:"));
    let stream = traceable.then(|| parse_stream(text));
    let sources = stream
        .as_ref()
        .and_then(|s| render::Sources::new(input, text, s, shared.registry));
    let tracer = sources.as_ref().map(render::Tracer::new);
    let mut res = Resolver {
        file,
        path: &input.display,
        text,
        index: None,
        tracer: tracer.as_ref(),
        strings: shared.strings,
        gather,
        dormant: &shared.dormant,
        covered: input.report,
    };
    // Where each document's content starts and ends (suppression comments are scoped by them).
    let mut spans = Vec::new();
    // Suppression directives are read only from real comments: each document drops those
    // inside its scalars.
    let mut directives =
        has(text.as_bytes(), "kubeward:").then(|| RealComments::new(text, is_directive));
    let error = match &stream {
        Some(stream) => {
            for doc in &stream.docs {
                spans.push(doc.content_span());
                if let Some(d) = &mut directives {
                    d.see(doc);
                }
                lint_doc(doc, input, opts, &mut res, out);
            }
            stream.error.clone()
        }
        None => {
            let mut docs = Docs::new(text);
            for doc in docs.by_ref() {
                spans.push(doc.content_span());
                if let Some(d) = &mut directives {
                    d.see(&doc);
                }
                lint_doc(&doc, input, opts, &mut res, out);
            }
            docs.error
        }
    };
    if let Some(directives) = directives {
        let mut found = comment_directives(directives.finish(), &spans, &mut res);
        if let Some(t) = res.tracer {
            render_scoped(&mut found, file, text, t);
        }
        out.directives.extend(found);
    }
    if let Some(t) = res.tracer {
        // Comments of the files rendered output was traced to (kustomize drops them).
        for (id, origin, docs, index) in t.yaml_sources() {
            if origin.contains("kubeward:") {
                let spans: Vec<(u32, u32)> = docs.iter().map(Doc::content_span).collect();
                let mut real = RealComments::new(origin, is_directive);
                for d in docs {
                    real.see(d);
                }
                out.directives.extend(directives_in(
                    id,
                    origin,
                    real.finish(),
                    &spans,
                    &mut |s, e| index.region(origin, s, e),
                ));
            }
        }
    }
    if let Some(err) = error {
        let mut f = file_error(
            file,
            &input.display,
            format!("YAML syntax error: {}", err.message),
            "",
            0,
        );
        let end = next_char_boundary(text, err.offset);
        f.primary.region = res.region(err.offset, end);
        out.failure = Some(Failure::syntax(f.primary.region.line, &err.message));
        if let Some(at) = res.tracer.and_then(render::Tracer::fallback) {
            f.primary = at;
        }
        out.findings.push(f);
    } else {
        out.stats.files_linted += 1;
    }
}

/// Lint one document: its object, or each item of a List.
fn lint_doc(
    doc: &Doc<'_>,
    input: &Input,
    opts: &Options<'_>,
    res: &mut Resolver<'_>,
    out: &mut FileOutcome,
) {
    out.stats.documents += 1;
    let root = doc.root();
    if root.is_null() {
        out.stats.skip_document("empty document");
        return;
    }
    let Some(obj) = Object::from_node(root, Pointer::root(), &input.display, doc.index) else {
        out.stats.skip_document("not a Kubernetes object");
        return;
    };
    if obj.is_list() {
        for (i, item) in obj
            .node
            .get("items")
            .into_iter()
            .flat_map(NodeRef::items)
            .enumerate()
        {
            let base = Pointer::root().join([Seg::from("items"), Seg::from(i)]);
            match Object::from_node(item, base, &input.display, doc.index) {
                Some(o) => lint_object(doc, &o, input, opts, res, out),
                None => out.stats.skip_document("List item that is not an object"),
            }
        }
        return;
    }
    lint_object(doc, &obj, input, opts, res, out);
}

/// Whether a comment is a `kubeward:` directive (well formed or not).
fn is_directive(c: &Comment<'_>) -> bool {
    suppress::parse_comment(c.text).is_some()
}

/// Suppression directives written as the real comments `comments` of this file.
fn comment_directives(
    comments: Vec<Comment<'_>>,
    spans: &[(u32, u32)],
    res: &mut Resolver<'_>,
) -> Vec<Directive> {
    let (file, text) = (res.file, res.text);
    directives_in(file, text, comments, spans, &mut |s, e| res.region(s, e))
}

/// Suppression directives written as the real comments `comments` of `text` (file `file`),
/// whose documents' contents span `spans`.
fn directives_in(
    file: u32,
    text: &str,
    comments: Vec<Comment<'_>>,
    spans: &[(u32, u32)],
    region: &mut dyn FnMut(u32, u32) -> Region,
) -> Vec<Directive> {
    if comments.is_empty() {
        return Vec::new();
    }
    let regions: Vec<Region> = comments.iter().map(|c| region(c.start, c.end)).collect();
    let docs: Vec<suppress::DocLines> = spans
        .iter()
        .map(|&(s, e)| suppress::DocLines {
            first: region(s, s).line,
            last: region(e, e).line,
            start: s,
        })
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    suppress::from_comments(file, &comments, &regions, &docs, &lines)
}

/// Directives written in rendered output cover what was rendered where they stand; in a render
/// kubeward ran in memory they are reported at the template line that wrote them.
fn render_scoped(found: &mut [Directive], file: u32, text: &str, tracer: &render::Tracer<'_>) {
    for d in found {
        let (a, b) = match d.scope {
            suppress::Scope::File => (1, u32::MAX),
            suppress::Scope::Lines(a, b) => (a, b),
            suppress::Scope::Rendered(..) => continue,
        };
        d.scope = suppress::Scope::Rendered(file, a, b);
        if let Some(at) = tracer.fallback() {
            let comment = text
                .get(d.at.region.start as usize..d.at.region.end as usize)
                .unwrap_or("");
            d.at = tracer.find_line(comment).unwrap_or(at);
        }
    }
}

/// The `kubeward.io/ignore` annotation of an object, as a directive covering the object.
fn annotation_directive(
    doc: &Doc<'_>,
    obj: &Object<'_>,
    res: &mut Resolver<'_>,
) -> Option<Directive> {
    let value = obj.annotation(suppress::ANNOTATION)?;
    let at = res.location(
        doc,
        &obj.at(["metadata", "annotations", suppress::ANNOTATION]),
    );
    let whole = res.location(
        doc,
        &Label {
            focus: Focus::Whole,
            ..obj.at(std::iter::empty::<Seg>())
        },
    );
    let scope = match res.tracer {
        Some(_) => suppress::Scope::Rendered(res.file, whole.region.line, whole.region.end_line),
        None => suppress::Scope::Lines(whole.region.line, whole.region.end_line),
    };
    let at = match res.tracer {
        Some(_) => res.traced(
            doc,
            &obj.at(["metadata", "annotations", suppress::ANNOTATION]),
        ),
        None => at,
    };
    let object = Some(obj.ident_in(res.strings));
    Some(match suppress::parse_annotation(value) {
        Ok(suppress::Parsed {
            rules,
            until,
            reason,
            ..
        }) => Directive {
            at,
            scope,
            rules,
            reason,
            until,
            object,
            malformed: None,
        },
        Err(why) => Directive {
            at,
            scope,
            rules: Vec::new(),
            reason: None,
            until: None,
            object,
            malformed: Some(format!("`{}`: {why}", suppress::ANNOTATION)),
        },
    })
}

fn lint_object(
    doc: &Doc<'_>,
    obj: &Object<'_>,
    input: &Input,
    opts: &Options<'_>,
    res: &mut Resolver<'_>,
    out: &mut FileOutcome,
) {
    out.stats.objects += 1;
    // Covered when the secret checks read the object, as the texts of its own findings.
    let ident = Arc::new(ObjectIdent {
        api_version: res.intern(obj.api_version),
        kind: res.intern(obj.kind),
        namespace: obj.namespace.map(|n| res.intern(n)),
        name: obj.name.map(|n| res.intern(n)),
    });
    let ns = input.namespace.as_deref();
    let Gather {
        world,
        pod_security,
    } = res.gather;
    // What the cross-object index keeps of the object.
    let facts = |res: &mut Resolver<'_>| {
        let strings = res.strings;
        Facts::extract(obj, ns, pod_security, strings, &mut |l: Label| {
            res.site(doc, &l, &ident)
        })
    };
    if !input.report {
        if !world {
            return;
        }
        // Context files feed only the cross-object index.
        out.facts.extend(facts(res));
        return;
    }
    if let Some(d) = annotation_directive(doc, obj, res) {
        out.directives.push(d);
    }
    let mut cx = Context::new(opts.settings);
    for rule in &opts.rules {
        rule.check_object(obj, &mut cx);
    }
    for draft in cx.drafts {
        if opts.keep_text && res.tracer.is_some() {
            // Rendered output is shown next to its source: mask it there too.
            for l in drawn(&draft.sensitive) {
                out.masks.push(res.location(doc, l));
            }
        }
        for l in &draft.sensitive {
            flagged_values(doc, l, &mut out.secrets);
        }
        let f = finish_label_draft(draft, doc, res, &ident, opts.keep_text);
        out.masks.extend(f.sensitive().iter().copied());
        out.findings.push(f);
    }
    if !res.dormant.is_empty() {
        // Snippets show neighbouring lines, and other findings name what a secret check
        // flags: let the secret checks that are not enabled mark what must be masked all the
        // same.
        let mut scratch = Context::new(opts.settings);
        for rule in res.dormant {
            rule.check_object(obj, &mut scratch);
        }
        for draft in &scratch.drafts {
            for l in &draft.sensitive {
                flagged_values(doc, l, &mut out.secrets);
            }
            if opts.keep_text {
                for l in drawn(&draft.sensitive) {
                    out.masks.push(res.location(doc, l));
                    if res.tracer.is_some() {
                        out.masks.push(res.traced(doc, l));
                    }
                }
            }
        }
    }
    if world {
        out.facts.extend(facts(res));
    }
}

/// The sensitive labels of a draft whose regions a snippet must mask: a part of a value whose
/// whole value is masked is left out (locating each of a hundred thousand credentials in one
/// string would cost the string's length each).
fn drawn(sensitive: &[Label]) -> impl Iterator<Item = &Label> {
    let whole: Vec<&Pointer> = sensitive
        .iter()
        .filter(|l| matches!(l.focus, Focus::Value))
        .map(|l| &l.pointer)
        .collect();
    sensitive
        .iter()
        .filter(move |l| !matches!(l.focus, Focus::Sub(..)) || !whole.contains(&&l.pointer))
}

/// The secret checks not among `enabled`: they still mark what must be masked.
fn dormant_secret_rules(enabled: &[&'static dyn Rule]) -> Vec<&'static dyn Rule> {
    crate::rule::registry::ALL
        .iter()
        .copied()
        .filter(|r| {
            r.meta().category == crate::rule::Category::Secrets
                && !enabled.iter().any(|e| e.meta().id == r.meta().id)
        })
        .collect()
}

/// The node a pointer names in `doc`, if it is there.
fn follow<'d>(doc: &'d Doc<'d>, pointer: &Pointer) -> Option<NodeRef<'d>> {
    let mut node = doc.root();
    for seg in pointer.segs() {
        node = match seg {
            Seg::Key(k) => node.get(k)?,
            Seg::Index(i) => node.at(*i as usize)?,
        };
    }
    Some(node)
}

/// The texts of a node a check marked sensitive (the part a `sub` label names, the key a `key`
/// label names, the losing value of a duplicate key, every string of a collection), to be
/// masked wherever they recur.
fn flagged_values(doc: &Doc<'_>, l: &Label, out: &mut Vec<Box<str>>) {
    let node = match l.focus {
        Focus::ShadowedValue(i) => doc.shadowed_value(i),
        _ => follow(doc, &l.pointer),
    };
    let Some(node) = node else {
        return;
    };
    match (&l.focus, node.text()) {
        (Focus::Key, _) => {
            if let Some(Seg::Key(k)) = l.pointer.segs().last() {
                flagged_forms(k, out);
            }
        }
        (Focus::Sub(a, b), Some(t)) => {
            if let Some(part) = t.get(*a as usize..*b as usize) {
                flagged_forms(part, out);
            }
        }
        (_, Some(t)) => flagged_forms(t, out),
        (_, None) => node.walk_strings(crate::finding::MIN_FLAGGED, |_, n| {
            if let Some(t) = n.text() {
                flagged_forms(t, out);
            }
        }),
    }
}

/// Mask the secrets of the run in every text its findings print (messages, help, labels,
/// routes, object names, related places, suppression reasons, Helm template names) and in
/// what it says of failed files. Fingerprints are left as they are: taken from the texts as
/// written, they neither show a secret nor change with the masking.
fn mask_run(run: &mut Run) {
    let secrets = &run.secrets;
    // Chunks of findings in parallel; in each, texts shared by many findings (help, routes,
    // related lists, objects) are masked once.
    run.findings.par_chunks_mut(4096).for_each(|chunk| {
        let mut memo = Masked::default();
        for f in chunk {
            memo.finding(secrets, f);
        }
    });
    for (_, failure) in &mut run.failed_paths {
        if let Some(m) = secrets.mask(&failure.detail) {
            failure.detail = m;
        }
    }
}

/// Maps keyed by an address.
type ByAddress<V> = std::collections::HashMap<usize, V, std::hash::BuildHasherDefault<Address>>;

/// The hasher of addresses: one multiply spreads their bits.
#[derive(Default)]
struct Address(u64);

impl std::hash::Hasher for Address {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_usize` is used; anything else is folded in all the same.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What was masked (`None`: nothing to mask) and the original, which the entry keeps alive so
/// that its address is not reused for another meanwhile.
type Memo<T> = ByAddress<(T, Option<T>)>;

/// Texts masked so far, by the address of what they mask.
#[derive(Default)]
struct Masked {
    texts: Memo<Text>,
    lists: Memo<Arc<[Related]>>,
    objects: Memo<Arc<ObjectIdent>>,
}

impl Masked {
    fn text(&mut self, secrets: &Secrets, t: &Text) -> Option<Text> {
        let key = t.as_str().as_ptr() as usize;
        self.texts
            .entry(key)
            .or_insert_with(|| (t.clone(), secrets.mask_text(t)))
            .1
            .clone()
    }

    fn object(&mut self, secrets: &Secrets, o: &Arc<ObjectIdent>) -> Option<Arc<ObjectIdent>> {
        let key = Arc::as_ptr(o) as usize;
        if let Some((_, m)) = self.objects.get(&key) {
            return m.clone();
        }
        let mut changed = false;
        let mut field = |t: &Text| {
            let m = self.text(secrets, t);
            changed |= m.is_some();
            m.unwrap_or_else(|| t.clone())
        };
        let masked = ObjectIdent {
            api_version: field(&o.api_version),
            kind: field(&o.kind),
            namespace: o.namespace.as_ref().map(&mut field),
            name: o.name.as_ref().map(&mut field),
        };
        let m = changed.then(|| Arc::new(masked));
        self.objects.insert(key, (o.clone(), m.clone()));
        m
    }

    fn list(&mut self, secrets: &Secrets, l: &Arc<[Related]>) -> Option<Arc<[Related]>> {
        let key = Arc::as_ptr(l).cast::<u8>() as usize;
        if let Some((_, m)) = self.lists.get(&key) {
            return m.clone();
        }
        let mut changed = false;
        let masked: Vec<Related> = l
            .iter()
            .map(|r| {
                let m = self.text(secrets, &r.text);
                changed |= m.is_some();
                Related {
                    at: r.at,
                    text: m.unwrap_or_else(|| r.text.clone()),
                }
            })
            .collect();
        let m = changed.then(|| Arc::from(masked));
        self.lists.insert(key, (l.clone(), m.clone()));
        m
    }

    fn finding(&mut self, secrets: &Secrets, f: &mut Finding) {
        // Messages name their objects: most are the only one of their text.
        if let Some(m) = secrets.mask_text(&f.message) {
            f.message = m;
        }
        if let Some(m) = f.help.as_ref().and_then(|h| self.text(secrets, h)) {
            f.help = Some(m);
        }
        if let Some(m) = self.text(secrets, &f.route) {
            f.route = m;
        }
        if let Some(m) = f.object.as_ref().and_then(|o| self.object(secrets, o)) {
            f.object = Some(m);
        }
        let Some(extra) = f.extra.as_deref_mut() else {
            return;
        };
        if let Some(m) = extra.label.as_ref().and_then(|l| self.text(secrets, l)) {
            extra.label = Some(m);
        }
        if let Some(m) = extra.related.as_ref().and_then(|l| self.list(secrets, l)) {
            extra.related = Some(m);
        }
        if let Some(s) = extra.suppressed.as_deref_mut()
            && let Some(m) = secrets.mask(&s.justification)
        {
            s.justification = m;
        }
        if let Some(t) = extra.trace.as_deref_mut()
            && let Some(m) = t.template.as_deref().and_then(|x| secrets.mask(x))
        {
            t.template = Some(m);
        }
    }
}

fn finish_label_draft(
    d: Draft,
    doc: &Doc<'_>,
    res: &mut Resolver<'_>,
    ident: &Arc<ObjectIdent>,
    snippets: bool,
) -> Finding {
    let mut traced = None;
    let (primary, label_text, route) = match &d.primary {
        Target::Label(l) => {
            let rendered = res.location(doc, l);
            traced = res.tracer.and_then(|t| t.primary(doc, l, rendered));
            (
                traced.as_ref().map_or(rendered, |t| t.at),
                l.text.clone(),
                res.strings.get_covered(&stable_route(doc, &l.pointer)),
            )
        }
        Target::Site(s) => (
            Location {
                file: s.file,
                region: s.region,
            },
            None,
            s.route.clone(),
        ),
    };
    let label_text = d.label.clone().or(label_text);
    // The texts a rule made from this object are covered: every credential of a known form
    // they may show is one the secret checks flag in it (`Interner::get_covered`). What the
    // tracer adds (template names from `# Source:` comments) is not.
    let mut related: Vec<Related> = d
        .related
        .iter()
        .map(|(t, text)| Related {
            at: match t {
                Target::Label(l) => res.traced(doc, l),
                Target::Site(s) => Location {
                    file: s.file,
                    region: s.region,
                },
            },
            text: res.strings.get_covered(text),
        })
        .collect();
    // Labels and the regions to mask are drawn only in snippets.
    let sensitive = if snippets {
        drawn(&d.sensitive).map(|l| res.traced(doc, l)).collect()
    } else {
        Vec::new()
    };
    let fingerprint = match &traced {
        Some(t) => fingerprint(
            d.meta.id,
            &t.fingerprint_path,
            Some(t.fingerprint_ident.as_ref().unwrap_or(ident)),
            &route,
        ),
        None => fingerprint(d.meta.id, res.path, Some(ident), &route),
    };
    let trace = traced.map(|t| {
        let strings = res.strings;
        related.extend(t.related.into_iter().map(|(at, text)| Related {
            at,
            text: strings.get(&text),
        }));
        Box::new(t.trace)
    });
    Finding {
        meta: d.meta,
        severity: d.severity,
        message: res.strings.get_covered(
            d.message
                .as_deref()
                .or(label_text.as_deref())
                .unwrap_or(d.meta.summary),
        ),
        help: d.help.map(|h| res.strings.get_covered(&h)),
        primary,
        object: Some(ident.clone()),
        route,
        fingerprint,
        extra: Extra {
            label: label_text
                .filter(|_| snippets)
                .map(|l| res.strings.get_covered(&l)),
            // A file's lists name its own places: there is nothing to share.
            related: (!related.is_empty()).then(|| Arc::from(related)),
            sensitive,
            suppressed: None,
            trace,
        }
        .boxed(),
    }
}

fn finish_site_draft(
    d: Draft,
    files: &[SourceFile],
    strings: &Interner,
    lists: &RelatedLists,
    snippets: bool,
    covered: bool,
) -> Finding {
    let intern = |s: &str| {
        if covered {
            strings.get_covered(s)
        } else {
            strings.get(s)
        }
    };
    let Target::Site(site) = &d.primary else {
        unreachable!("internal error: cross-object drafts carry sites")
    };
    let path = files
        .get(site.file as usize)
        .map_or("", |f| f.path.as_str());
    let related = d
        .related
        .iter()
        .filter_map(|(t, text)| match t {
            Target::Site(s) => Some(Related {
                at: Location {
                    file: s.file,
                    region: s.region,
                },
                text: intern(text),
            }),
            Target::Label(_) => None,
        })
        .collect();
    Finding {
        meta: d.meta,
        severity: d.severity,
        message: intern(d.message.as_deref().unwrap_or(d.meta.summary)),
        help: d.help.map(|h| intern(&h)),
        primary: Location {
            file: site.file,
            region: site.region,
        },
        object: site.object.clone(),
        route: site.route.clone(),
        fingerprint: fingerprint(d.meta.id, path, site.object.as_deref(), &site.route),
        extra: Extra {
            label: d.label.filter(|_| snippets).map(|l| intern(&l)),
            related: lists.get(related),
            ..Extra::default()
        }
        .boxed(),
    }
}

fn fingerprint(rule: &str, path: &str, ident: Option<&ObjectIdent>, route: &str) -> Fingerprint {
    let empty = ObjectIdent::default();
    let i = ident.unwrap_or(&empty);
    stable_hash(&[
        rule,
        path,
        &i.api_version,
        &i.kind,
        i.namespace.as_deref().unwrap_or(""),
        i.name.as_deref().unwrap_or(""),
        route,
    ])
}

/// The route as text, with list items named by their `name` where they have one
/// (`containers[name=web]`), so fingerprints survive reordering.
fn stable_route(doc: &Doc<'_>, pointer: &Pointer) -> String {
    let mut out = String::with_capacity(64);
    let mut node = Some(doc.root());
    for seg in pointer.segs() {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
                node = node.and_then(|n| n.get(k));
            }
            Seg::Index(i) => {
                node = node.and_then(|n| n.at(*i as usize));
                match node.and_then(|n| n.get("name")).and_then(NodeRef::as_str) {
                    Some(name) => {
                        out.push_str("[name=");
                        out.push_str(name);
                        out.push(']');
                    }
                    None => {
                        use std::fmt::Write as _;
                        let _ = write!(out, "[{i}]");
                    }
                }
            }
        }
    }
    out
}

/// Lint an in-memory manifest with the given rules (tests and the docs checker use this).
pub fn lint_str(path: &str, text: &str, rules: Vec<&'static dyn Rule>, settings: &Settings) -> Run {
    let input = Input::new(
        path.to_owned(),
        InputSource::Bytes(Arc::from(text.as_bytes())),
    );
    lint(
        vec![input],
        Vec::new(),
        &Options {
            rules,
            settings,
            keep_text: true,
            progress: None,
            render: None,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token used as a name is masked in every text of every finding, and the fingerprints
    /// are those of the names as written (stable across the masking, and apart for names that
    /// mask alike).
    #[test]
    fn flagged_values_are_masked_in_every_text_but_not_in_fingerprints() {
        let token = ["AKIA", "Q7RZ2MX4VB6NT3WK"].concat();
        let other = ["AKIA", "W3TK6NB4VX2MZ7RQ"].concat();
        let yaml = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {token}, namespace: shop}}\nspec:\n  containers:\n  - {{name: {token}, image: nginx:latest}}\n  - {{name: {other}, image: nginx:latest}}\n"
        );
        let run = lint_str(
            "pod.yaml",
            &yaml,
            crate::rule::registry::ALL.to_vec(),
            &Settings::default(),
        );
        assert!(run.findings.len() > 5);
        for f in &run.findings {
            let mut texts = vec![f.message.to_string(), f.route.to_string()];
            texts.extend(f.help.as_deref().map(str::to_owned));
            texts.extend(f.label().map(|l| l.to_string()));
            texts.extend(f.related().iter().map(|r| r.text.to_string()));
            texts.extend(f.object.as_ref().map(|o| format!("{o:?}")));
            for t in texts {
                assert!(
                    !t.contains(&token) && !t.contains(&other),
                    "{}: {t}",
                    f.meta.id
                );
            }
        }
        // The object's name was flagged: its fingerprint is the one of the name as written.
        let named = run
            .findings
            .iter()
            .find(|f| f.meta.id == "hardcoded-credential" && &*f.route == "metadata.name")
            .expect("the name is flagged");
        let raw = ObjectIdent {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: Some("shop".into()),
            name: Some(token.as_str().into()),
        };
        assert_eq!(
            named.fingerprint,
            fingerprint(
                "hardcoded-credential",
                "pod.yaml",
                Some(&raw),
                "metadata.name"
            )
        );
        assert_eq!(
            named.object.as_ref().and_then(|o| o.name.as_deref()),
            Some("AK******************")
        );
        // Both containers use `latest`: two findings whose masked routes read alike.
        let latest: Vec<&Finding> = run
            .findings
            .iter()
            .filter(|f| f.meta.id == "image-latest-tag")
            .collect();
        assert_eq!(latest.len(), 2);
        assert_eq!(latest[0].route, latest[1].route);
        assert_ne!(latest[0].fingerprint, latest[1].fingerprint);
    }

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
