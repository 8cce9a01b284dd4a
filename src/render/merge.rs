//! A finding that comes from a shared base is reported once, listing every overlay it appears in.

use std::collections::HashMap;

use crate::finding::{Finding, Fingerprint, Location};

/// Merge findings of Kustomize renders that point at the same place for the same reason
/// (same fingerprint and location): the first is kept, with the overlays of all; it stays
/// suppressed only if it was suppressed in every overlay.
pub fn merge_overlays(findings: &mut Vec<Finding>) {
    let mut first: HashMap<(Fingerprint, Location), usize> = HashMap::new();
    let mut keep = vec![true; findings.len()];
    for i in 0..findings.len() {
        let f = &findings[i];
        let Some(t) = f.trace().filter(|t| t.via == "kustomize") else {
            continue;
        };
        let overlays = t.overlays.clone();
        match first.get(&(f.fingerprint, f.primary)) {
            Some(&j) => {
                keep[i] = false;
                // Suppressed in one overlay only: still reported (for the others).
                if findings[i].suppressed().is_none() {
                    findings[j].extra_mut().suppressed = None;
                }
                if let Some(tj) = findings[j].extra_mut().trace.as_deref_mut() {
                    for o in overlays {
                        if !tj.overlays.contains(&o) {
                            tj.overlays.push(o);
                        }
                    }
                }
            }
            None => {
                first.insert((f.fingerprint, f.primary), i);
            }
        }
    }
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}
