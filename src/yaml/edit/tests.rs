//! Tests of fixes as edits: byte-exact results, what is kept, what is refused.

use super::*;
use crate::yaml::Pointer;

fn route(s: &str) -> Pointer {
    let mut p = Pointer::root();
    for part in s.split('.') {
        match part.parse::<usize>() {
            Ok(i) => p = p.join([Seg::from(i)]),
            Err(_) => p = p.join([Seg::from(part.to_owned())]),
        }
    }
    p
}

fn set(r: &str, v: Scalar) -> Change {
    Change::set(route(r), v)
}

fn push(r: &str, v: &'static str) -> Change {
    Change::append(route(r), Scalar::str(v))
}

/// The text with the changes made to document `doc`, checked to be a fixed point.
fn fixed_doc(text: &str, doc: usize, changes: &[Change]) -> String {
    let (out, _, made) = fix_text(text, &[(doc, changes)]);
    assert_eq!(made, [true], "refused:\n{text}");
    let (again, edits, _) = fix_text(&out, &[(doc, changes)]);
    assert!(edits.is_empty(), "a second run edits again:\n{out}");
    assert_eq!(again, out);
    out
}

fn fixed(text: &str, changes: &[Change]) -> String {
    fixed_doc(text, 0, changes)
}

fn refused(text: &str, changes: &[Change]) {
    let (out, edits, made) = fix_text(text, &[(0, changes)]);
    assert_eq!(made, [false], "made:\n{out}");
    assert!(edits.is_empty());
    assert_eq!(out, text);
}

const F: Scalar = Scalar::Bool(false);

fn runtime_default() -> Scalar {
    Scalar::str("RuntimeDefault")
}

#[test]
fn three_keys_under_one_new_security_context() {
    let text = "kind: Pod\nspec:\n  containers:\n  - name: web  # the app\n    image: nginx:1.27\n  # sidecars below\n  - name: log\n    image: busybox:1.36\n";
    let c = "spec.containers.0.securityContext";
    let out = fixed(
        text,
        &[
            set(&format!("{c}.allowPrivilegeEscalation"), F),
            push(&format!("{c}.capabilities.drop"), "ALL"),
            set(&format!("{c}.seccompProfile.type"), runtime_default()),
        ],
    );
    assert_eq!(
        out,
        "kind: Pod\nspec:\n  containers:\n  - name: web  # the app\n    image: nginx:1.27\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop:\n        - ALL\n      seccompProfile:\n        type: RuntimeDefault\n  # sidecars below\n  - name: log\n    image: busybox:1.36\n"
    );
}

#[test]
fn a_key_added_to_an_existing_mapping_after_its_last_entry() {
    let text = "spec:\n  securityContext:\n    runAsUser: 1000   # uid\n    # note about fsGroup\n  containers: []\n";
    assert_eq!(
        fixed(
            text,
            &[set("spec.securityContext.runAsNonRoot", Scalar::Bool(true))]
        ),
        "spec:\n  securityContext:\n    runAsUser: 1000   # uid\n    runAsNonRoot: true\n    # note about fsGroup\n  containers: []\n"
    );
}

#[test]
fn flow_mappings_stay_flow() {
    assert_eq!(
        fixed(
            "c:\n  sc: {runAsNonRoot: true}  # keep\n",
            &[set("c.sc.allowPrivilegeEscalation", F)]
        ),
        "c:\n  sc: {runAsNonRoot: true, allowPrivilegeEscalation: false}  # keep\n"
    );
    assert_eq!(
        fixed(
            "c:\n  sc: {}\n",
            &[set("c.sc.seccompProfile.type", runtime_default())]
        ),
        "c:\n  sc: {seccompProfile: {type: RuntimeDefault}}\n"
    );
    assert_eq!(
        fixed(
            "c: {name: a, sc: {x: 1}}\n",
            &[set("c.sc.w", F), push("c.caps.drop", "ALL")]
        ),
        "c: {name: a, sc: {x: 1, w: false}, caps: {drop: [ALL]}}\n"
    );
}

#[test]
fn null_values_are_filled() {
    assert_eq!(
        fixed("c:\n  sc:\n  image: x\n", &[set("c.sc.a", F)]),
        "c:\n  sc:\n    a: false\n  image: x\n"
    );
    assert_eq!(
        fixed("c:\n  sc: ~  # empty\n  image: x\n", &[set("c.sc.a", F)]),
        "c:\n  sc:  # empty\n    a: false\n  image: x\n"
    );
    assert_eq!(fixed("c:\n  a:\n", &[set("c.a", F)]), "c:\n  a: false\n");
    assert_eq!(
        fixed("c:\n  a: null\n", &[set("c.a", F)]),
        "c:\n  a: false\n"
    );
    assert_eq!(
        fixed("c: {a: ~}\n", &[set("c.a.b", F)]),
        "c: {a: {b: false}}\n"
    );
}

#[test]
fn scalars_are_replaced_in_their_quoting() {
    assert_eq!(
        fixed("c:\n  a: true # was\n", &[set("c.a", F)]),
        "c:\n  a: false # was\n"
    );
    assert_eq!(
        fixed(
            "c:\n  p: \"IfNotPresent\"\n  q: 'Never'\n",
            &[
                set("c.p", Scalar::str("Always")),
                set("c.q", Scalar::str("Always"))
            ]
        ),
        "c:\n  p: \"Always\"\n  q: 'Always'\n"
    );
    // Already as wanted: nothing to do.
    let (out, edits, made) = fix_text("c:\n  a: no\n", &[(0, &[set("c.a", F)])]);
    assert!(edits.is_empty() && made == [true] && out == "c:\n  a: no\n");
}

#[test]
fn crlf_bom_and_indentation_width_are_kept() {
    let text = "\u{feff}kind: Pod\r\nspec:\r\n    containers:\r\n        -   name: a\r\n            image: b\r\n";
    assert_eq!(
        fixed(
            text,
            &[set(
                "spec.containers.0.securityContext.runAsNonRoot",
                Scalar::Bool(true)
            )]
        ),
        "\u{feff}kind: Pod\r\nspec:\r\n    containers:\r\n        -   name: a\r\n            image: b\r\n            securityContext:\r\n                runAsNonRoot: true\r\n"
    );
}

#[test]
fn sequences_gain_items_in_their_style() {
    assert_eq!(
        fixed(
            "caps:\n  drop:\n    - NET_RAW  # why\n  add: []\n",
            &[push("caps.drop", "ALL")]
        ),
        "caps:\n  drop:\n    - NET_RAW  # why\n    - ALL\n  add: []\n"
    );
    assert_eq!(
        fixed("caps:\n  drop: [NET_RAW]\n", &[push("caps.drop", "ALL")]),
        "caps:\n  drop: [NET_RAW, ALL]\n"
    );
    assert_eq!(
        fixed("caps:\n  drop: []\n", &[push("caps.drop", "ALL")]),
        "caps:\n  drop: [ALL]\n"
    );
    // Indented sequences elsewhere in the document: a new one is indented too.
    assert_eq!(
        fixed("a:\n  - x\nc:\n  k: v\n", &[push("c.drop", "ALL")]),
        "a:\n  - x\nc:\n  k: v\n  drop:\n    - ALL\n"
    );
    assert_eq!(
        fixed("caps:\n  drop:\n  - ALL\n", &[push("caps.drop", "ALL")]),
        "caps:\n  drop:\n  - ALL\n"
    );
}

#[test]
fn block_scalars_and_the_end_of_the_file() {
    assert_eq!(
        fixed(
            "c:\n  args: |\n    # not a comment\n    run\n\n# a real comment\nd: 1",
            &[set("c.x", F)]
        ),
        "c:\n  args: |\n    # not a comment\n    run\n  x: false\n\n# a real comment\nd: 1"
    );
    assert_eq!(
        fixed("c:\n  a: 1", &[set("c.b", F)]),
        "c:\n  a: 1\n  b: false"
    );
}

#[test]
fn other_documents_and_list_items() {
    let text = "kind: A\n---\n# second\nkind: B\nspec: {}\n---\nkind: C\n";
    assert_eq!(
        fixed_doc(text, 1, &[set("spec.x", F)]),
        "kind: A\n---\n# second\nkind: B\nspec: {x: false}\n---\nkind: C\n"
    );
}

#[test]
fn shared_or_merged_values_are_refused() {
    refused("a: &sc\n  x: 1\nb: *sc\n", &[set("b.y", F)]);
    refused("a: &sc\n  x: 1\nb: *sc\n", &[set("a.y", F)]);
    refused(
        "base: &b\n  sc:\n    x: 1\nc:\n  <<: *b\n",
        &[set("c.sc.y", F)],
    );
    refused("c:\n  sc: 5\n", &[set("c.sc.y", F)]);
    refused("c:\n  a: !!str true\n", &[set("c.a", F)]);
    refused("c:\n  a: [1]\n", &[set("c.a", F)]);
    refused("c:\n  - a\n", &[set("c.x", F)]);
    // A file that does not parse is not touched.
    refused("c:\n  a: [\n", &[set("c.b", F)]);
}

#[test]
fn own_keys_beside_a_merge_key_are_fine() {
    assert_eq!(
        fixed("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n", &[set("c.z", F)]),
        "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n  z: false\n"
    );
}

#[test]
fn fixes_that_cannot_go_together_are_made_one_by_one() {
    let a = [set("c.a", F)];
    let b = [set("c.a.b", F)];
    let (out, _, made) = fix_text("c:\n  k: 1\n", &[(0, &a[..]), (0, &b[..])]);
    assert_eq!(made, [true, false]);
    assert_eq!(out, "c:\n  k: 1\n  a: false\n");
}

#[test]
fn strings_that_need_quotes_get_them() {
    // `y` is a boolean to YAML 1.1.
    assert_eq!(fixed("c: {}\n", &[set("c.y", F)]), "c: {\"y\": false}\n");
    assert_eq!(
        fixed("c: {}\n", &[set("c.a", Scalar::str("yes"))]),
        "c: {a: \"yes\"}\n"
    );
    assert_eq!(
        fixed("c: {}\n", &[set("c.a", Scalar::str("a: b"))]),
        "c: {a: \"a: b\"}\n"
    );
}
