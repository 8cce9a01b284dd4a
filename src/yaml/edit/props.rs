//! Property test of fixes as edits: random manifests survive fix and re-parse.
//!
//! Generated Deployments mix block and flow style, comments (full-line and trailing), odd
//! indentation widths and sequence styles, CRLF line ends and a BOM. For every set of the
//! changes kubeward's fixes make, the edited text parses, decodes to the original plus exactly
//! the changes, keeps every comment line, the BOM and the line ends, and a second run edits
//! nothing.

use proptest::prelude::*;

use super::*;
use crate::yaml::Pointer;

/// A container as generated.
#[derive(Debug, Clone)]
struct Container {
    /// Written as one flow mapping (`- {name: a, image: b}`).
    flow: bool,
    /// Its `securityContext`: none, `{}`, null (`securityContext:`), a flow mapping with a key,
    /// or a block mapping with a key.
    context: u8,
    /// A trailing comment after `name`.
    comment: bool,
}

#[derive(Debug, Clone)]
struct Manifest {
    indent: usize,
    /// Sequence items indented under their key (`  - a`) rather than level with it (`- a`).
    seq_indented: bool,
    containers: Vec<Container>,
    /// The pod's `securityContext`: none, flow, block.
    pod_context: u8,
    /// Full-line comments between entries.
    comments: bool,
    crlf: bool,
    bom: bool,
    /// A second document after this one.
    second_doc: bool,
}

fn container() -> impl Strategy<Value = Container> {
    (any::<bool>(), 0u8..5, any::<bool>()).prop_map(|(flow, context, comment)| Container {
        flow,
        context,
        comment,
    })
}

fn manifest() -> impl Strategy<Value = Manifest> {
    (
        1usize..5,
        any::<bool>(),
        prop::collection::vec(container(), 1..4),
        0u8..3,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(indent, seq_indented, containers, pod_context, comments, crlf, bom, second_doc)| {
                Manifest {
                    indent,
                    seq_indented,
                    containers,
                    pod_context,
                    comments,
                    crlf,
                    bom,
                    second_doc,
                }
            },
        )
}

fn render(m: &Manifest) -> String {
    let i = |n: usize| " ".repeat(m.indent * n);
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line("# generated; keep this comment".into());
    line("apiVersion: apps/v1".into());
    line("kind: Deployment".into());
    line("metadata: {name: web, labels: {app: web}}".into());
    line("spec:".into());
    line(format!("{}template:", i(1)));
    if m.comments {
        line(format!("{}# the pod", i(2)));
    }
    line(format!("{}spec:", i(2)));
    match m.pod_context {
        1 => line(format!("{}securityContext: {{runAsUser: 1000}}", i(3))),
        2 => {
            line(format!("{}securityContext:", i(3)));
            line(format!("{}fsGroup: 2000  # group", i(4)));
        }
        _ => {}
    }
    line(format!("{}containers:", i(3)));
    let dash = if m.seq_indented { i(4) } else { i(3) };
    let body = format!("{dash}  ");
    for (n, c) in m.containers.iter().enumerate() {
        if m.comments {
            line(format!("{dash}# container {n}"));
        }
        if c.flow {
            let ctx = match c.context {
                1 => ", securityContext: {}",
                2 => ", securityContext: {runAsUser: 1}",
                _ => "",
            };
            line(format!("{dash}- {{name: c{n}, image: \"img:{n}\"{ctx}}}"));
            continue;
        }
        let trailing = if c.comment { "   # trailing" } else { "" };
        line(format!("{dash}- name: c{n}{trailing}"));
        line(format!("{body}image: 'img:{n}'"));
        match c.context {
            1 => line(format!("{body}securityContext: {{}}")),
            2 => line(format!("{body}securityContext:")),
            3 => line(format!("{body}securityContext: {{privileged: false}}")),
            4 => {
                line(format!("{body}securityContext:"));
                line(format!("{body}{}runAsUser: 10", " ".repeat(m.indent)));
            }
            _ => {}
        }
        if m.comments {
            line(format!("{body}# after c{n}"));
        }
    }
    if m.second_doc {
        line("---".into());
        line("apiVersion: v1".into());
        line("kind: ConfigMap # second".into());
        line("metadata: {name: x}".into());
    }
    let mut text = if m.crlf {
        out.replace('\n', "\r\n")
    } else {
        out
    };
    if m.bom {
        text.insert(0, '\u{feff}');
    }
    text
}

/// The changes kubeward's fixes make on a pod, chosen by `pick` (one bit per kind of change).
fn changes(m: &Manifest, pick: u8) -> Vec<Change> {
    let pod = Pointer::root().join(["spec", "template", "spec"].map(Seg::from));
    let mut out = Vec::new();
    if pick & 1 != 0 {
        out.push(Change::set(
            pod.join(["securityContext", "seccompProfile", "type"].map(Seg::from)),
            Scalar::str("RuntimeDefault"),
        ));
    }
    if pick & 2 != 0 {
        out.push(Change::set(
            pod.key("automountServiceAccountToken"),
            Scalar::Bool(false),
        ));
    }
    for n in 0..m.containers.len() {
        let c = pod.join([Seg::from("containers"), Seg::from(n)]);
        if pick & 4 != 0 {
            out.push(Change::set(
                c.join(["securityContext", "allowPrivilegeEscalation"].map(Seg::from)),
                Scalar::Bool(false),
            ));
        }
        if pick & 8 != 0 {
            out.push(Change::append(
                c.join(["securityContext", "capabilities", "drop"].map(Seg::from)),
                Scalar::str("ALL"),
            ));
        }
        if pick & 16 != 0 {
            out.push(Change::set(c.key("imagePullPolicy"), Scalar::str("Always")));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_manifests_survive_fix_and_reparse(m in manifest(), pick in 1u8..32) {
        let text = render(&m);
        let changes = changes(&m, pick);
        let before = parse_stream(&text);
        prop_assert!(before.error.is_none(), "generated text parses:\n{}", text);
        let (out, edits, made) = fix_text(&text, &[(0, &changes)]);
        prop_assert_eq!(&made, &[true], "refused:\n{}", text);
        // Parses, as many documents, the first the original plus exactly the changes, the
        // others untouched.
        let after = parse_stream(&out);
        prop_assert!(after.error.is_none(), "no longer parses:\n{}", out);
        prop_assert_eq!(after.docs.len(), before.docs.len());
        prop_assert_eq!(
            to_json(after.docs[0].root()),
            expected(to_json(before.docs[0].root()), &changes),
            "decodes otherwise:\n{}\n{}", text, out
        );
        for (a, b) in before.docs.iter().zip(&after.docs).skip(1) {
            prop_assert_eq!(to_json(a.root()), to_json(b.root()));
        }
        // Every comment line kept, and the BOM and the line ends.
        for l in text.lines().filter(|l| l.contains('#')) {
            prop_assert!(out.lines().any(|o| o == l), "lost {:?}:\n{}", l, out);
        }
        prop_assert_eq!(out.starts_with('\u{feff}'), m.bom);
        if m.crlf {
            prop_assert_eq!(out.matches('\n').count(), out.matches("\r\n").count(), "{:?}", out);
        } else {
            prop_assert!(!out.contains('\r'));
        }
        // Only insertions and the replacement of an empty value (`{}`, null): the original's
        // bytes are all still there, in order.
        let mut rest = out.as_str();
        let mut at = 0usize;
        for e in &edits {
            let kept = &text[at..e.start as usize];
            let pos = rest.find(kept);
            prop_assert!(pos.is_some(), "bytes lost before {}:\n{}", e.start, out);
            rest = &rest[pos.unwrap_or(0) + kept.len()..];
            let replaced = &text[e.start as usize..e.end as usize];
            prop_assert!(matches!(replaced.trim(), "" | "{}"), "replaced {:?}", replaced);
            at = e.end as usize;
        }
        // A second run edits nothing.
        let (again, edits2, _) = fix_text(&out, &[(0, &changes)]);
        prop_assert!(edits2.is_empty(), "edits again:\n{}", out);
        prop_assert_eq!(again, out);
    }
}
