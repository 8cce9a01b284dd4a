//! The policy pass: admission policies and custom rules evaluated against every object.
//!
//! The policy pass: the repository's admission policies and the custom rules, evaluated
//! against every object once every policy is known.

use std::sync::Arc;

use rayon::prelude::*;

use crate::finding::{Finding, Location};
use crate::input::Input;
use crate::input::read::read;
use crate::rule::Draft;
use crate::yaml::{Docs, Label};

use super::file::{each_object, has, lint_file};
use super::finish::Resolver;
use super::options::{Gather, Options, Shared};
use super::run::Run;

/// Gather the input's admission policies (with their bindings, Namespaces and params objects)
/// and, if there are any or custom rules are enabled, check every object against them in a
/// parallel pass of their own: a file is read again, its findings of other rules were made
/// in the first pass. Returns the findings about the policies themselves, located at sites.
pub(super) fn policy_pass(
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
            editable: false,
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
        namespaces: None,
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
