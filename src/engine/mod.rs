//! The lint pipeline's stages and `lint`, which runs them in order.
//!
//! The lint pipeline's stages, in the order of a run: files scheduled across the pool and
//! merged in order (`schedule`), one file's work (`file`, with `directives` and `finish`), the
//! Pod Security facts completed (`pod_security`), the policy pass (`policy`), the namespaces of
//! objects that name none (`namespaces`), the cross-object rules over the index (the documents
//! their fixes may edit: `world_fix`), suppressions, masking (`mask`), ordering (`order`) and
//! the summary's accounting (`accounting`).

pub(crate) mod accounting;
mod directives;
mod file;
mod finish;
mod mask;
mod namespaces;
mod options;
mod order;
mod pod_security;
mod policy;
mod run;
mod schedule;
mod world_fix;

use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::finding::{Interner, RelatedLists, Secrets};
pub use crate::input::DEFAULT_MAX_FILE_SIZE;
use crate::input::{Input, InputSource};
use crate::render;
use crate::rule::{Draft, Rule, Settings, Target, WorldContext};
use crate::suppress::{self, Directive};

pub(crate) use finish::fingerprint;
pub use options::Options;
pub(crate) use order::order;
pub use run::{Run, SourceFile};

use finish::finish_site_draft;
use mask::{dormant_secret_rules, mask_run};
use options::{Gather, Shared};
use pod_security::complete_pod_security;
use policy::policy_pass;
use schedule::{CROSS_PER_OBJECT, Merge};

/// Whether one of `rules` reads the cross-object index: only then are facts gathered (and the
/// rest of the repository read as context).
pub fn reads_world(rules: &[&'static dyn Rule]) -> bool {
    rules.iter().any(|r| r.reads_world())
}

/// Lint the inputs.
pub fn lint(inputs: Vec<Input>, skipped: Vec<(String, String)>, opts: &Options<'_>) -> Run {
    let started = Instant::now();
    let registry = render::Registry::new(inputs.len(), opts.render.map(|c| &c.scope));
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
    let mut run = Run {
        skipped_paths: skipped,
        ..Run::default()
    };
    let merged = schedule::lint_all(&inputs, opts, &shared, &mut run);
    let Merge {
        mut world,
        mut directives,
        kept,
        facts,
        secrets,
        charts,
        ..
    } = merged;
    complete_pod_security(&inputs, &mut world, &facts, opts, &shared);
    let scopes = if gather.world {
        namespaces::assign(&mut world, &inputs, opts.namespaces, &charts)
    } else {
        crate::model::FileScopes::default()
    };
    drop(charts);
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
                    // A fix reads the file again too.
                    disk: (opts.keep_text || opts.settings.fixes).then_some(p),
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
    world.finalise(run.files.iter().map(|f| f.path.as_str()), scopes);
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
    // Where their fixes may not edit (Kustomize resources several renders share).
    let barred = if opts.settings.fixes {
        world_fix::Barred::of(&world)
    } else {
        world_fix::Barred::default()
    };
    let finish = |mut d: Draft| {
        // Findings located in context files are not reported.
        if let Target::Site(s) = &d.primary
            && files.get(s.file as usize).is_some_and(|f| f.report)
        {
            if d.fix_doc.is_some_and(|doc| barred.bars(&doc)) {
                d.fix = None;
            }
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
            namespaces: None,
        },
    )
}
