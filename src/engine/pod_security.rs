//! Pod Security facts completed for the files linted before a level could be known.
//!
//! Pod Security facts completed: the files linted before the first one that may set a Pod
//! Security level are linted again for their workloads' verdicts.

use rayon::prelude::*;

use crate::input::Input;
use crate::model::{Facts, World};

use super::file::lint_file;
use super::options::{Options, Shared};
use super::schedule::FileFacts;

/// Pod Security facts are gathered from the first file that may set a Pod Security level on:
/// most repositories set none, and looking for one first read every file twice. The files
/// linted before lack their workloads' facts; those with a workload in a namespace that has a
/// Pod Security label are linted again, and their facts in the index are replaced with the new
/// ones (their findings were the same).
pub(super) fn complete_pod_security(
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
