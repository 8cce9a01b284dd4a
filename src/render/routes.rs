//! Routes across a rendered object and the files it came from.
//!
//! Routes across a rendered object and the files it came from: list items matched by merge key,
//! JSON 6902 operations, patch targets, and what a patch repeats only to name its object.

use super::kustomize::Selector;
use crate::yaml::{Focus, Label, NodeRef, Pointer, Seg};

/// Keys that identify a list item across a rendered object and its sources (strategic merge
/// keys of the core types).
pub(super) const MERGE_KEYS: [&str; 7] = [
    "name",
    "containerPort",
    "port",
    "mountPath",
    "devicePath",
    "ip",
    "topologyKey",
];

/// The string at a route of keys.
pub(super) fn str_at<'d>(n: NodeRef<'d>, keys: &[&str]) -> Option<&'d str> {
    n.path(keys).and_then(NodeRef::as_str)
}

/// Follow `segs` (a route in `from`) in `to`. List items are matched by merge key when the
/// item in `from` has one (a patch may list only some containers, in another order), else by
/// position. Returns the route in `to` of the deepest node reached, and the node when all of
/// `segs` was found.
pub(super) fn translate<'t>(
    from: Option<NodeRef<'_>>,
    to: NodeRef<'t>,
    segs: &[Seg],
) -> (Vec<Seg>, Option<NodeRef<'t>>) {
    let mut f = from;
    let mut t = to;
    let mut out = Vec::with_capacity(segs.len());
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                let Some(next) = t.get(k) else {
                    return (out, None);
                };
                t = next;
                f = f.and_then(|n| n.get(k));
                out.push(seg.clone());
            }
            Seg::Index(i) => {
                let item = f.and_then(|n| n.at(*i as usize));
                let j = match item.and_then(|it| {
                    MERGE_KEYS
                        .iter()
                        .find_map(|k| it.get(k).and_then(NodeRef::text).map(|v| (*k, v)))
                }) {
                    Some((k, v)) => t
                        .items()
                        .position(|x| x.get(k).and_then(NodeRef::text) == Some(v)),
                    None => ((*i as usize) < t.len()).then_some(*i as usize),
                };
                let Some(next) = j.and_then(|j| t.at(j)) else {
                    return (out, None);
                };
                out.push(Seg::from(j.unwrap_or_default()));
                t = next;
                f = item;
            }
        }
    }
    (out, Some(t))
}

pub(super) fn is_scalar(n: NodeRef<'_>) -> bool {
    n.text().is_some()
}

/// Whether a patch node `t` is what produced the rendered node `rn`: the same scalar value, or,
/// for a mapping or list, one that the resource file does not have at all.
pub(super) fn accept(rn: NodeRef<'_>, t: NodeRef<'_>, origin_has: bool) -> bool {
    if is_scalar(rn) {
        is_scalar(t) && rn.value() == t.value()
    } else {
        !origin_has
    }
}

pub(super) fn may_match_name(pattern: &str, name: &str) -> bool {
    pattern == name
        || name.contains(pattern)
        || pattern.contains(['(', '|', '*', '[', '^', '$', '.', '+', '?'])
}

pub(super) fn selects(t: &Selector, kind: &str, name: &str) -> bool {
    t.kind.as_deref().is_none_or(|k| k == kind)
        && t.name.as_deref().is_none_or(|n| may_match_name(n, name))
}

pub(super) fn same_object(patch: NodeRef<'_>, kind: &str, name: &str) -> bool {
    str_at(patch, &["kind"]).is_none_or(|k| k == kind)
        && str_at(patch, &["metadata", "name"]).is_none_or(|n| n == name || name.contains(n))
}

/// The segments of a JSON pointer (`/spec/containers/0`), unescaped.
pub(super) fn json_pointer(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The route inside a JSON 6902 patch (`[op index, "value", …]`) of the operation that set the
/// node at `pointer` of the rendered object `root`.
pub(super) fn json6902(
    ops: NodeRef<'_>,
    root: NodeRef<'_>,
    pointer: &Pointer,
    rn: NodeRef<'_>,
    origin_has: bool,
) -> Option<Pointer> {
    let segs = pointer.segs();
    for (i, op) in ops
        .items()
        .enumerate()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        if !matches!(str_at(op, &["op"]), Some("add" | "replace")) {
            continue;
        }
        let Some(path) = str_at(op, &["path"]) else {
            continue;
        };
        let js = json_pointer(path);
        if js.len() > segs.len()
            || !js.iter().zip(segs).all(|(j, s)| match s {
                Seg::Key(k) => j == k,
                Seg::Index(n) => j == "-" || j.parse::<u32>() == Ok(*n),
            })
        {
            continue;
        }
        let Some(value) = op.get("value") else {
            continue;
        };
        let from = node_at(root, &Pointer::from_segs(&segs[..js.len()]));
        let (rest, t) = translate(from, value, &segs[js.len()..]);
        if t.is_some_and(|t| accept(rn, t, origin_has)) {
            let mut route = vec![Seg::from(i), Seg::from("value")];
            route.extend(rest);
            return Some(Pointer::from_segs(&route));
        }
    }
    None
}

/// The image name without tag or digest (`nginx` of `nginx:1.27`).
pub(super) fn image_repo(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match (image.rfind(':'), image.rfind('/')) {
        (Some(c), Some(s)) if c > s => &image[..c],
        (Some(c), None) => &image[..c],
        _ => image,
    }
}

/// Whether the route names what identifies an object or a list item (`kind`, `metadata.name`,
/// a container's `name`): a patch repeats those to say what it patches, it does not set them.
pub(super) fn is_identity(pointer: &Pointer) -> bool {
    match pointer.segs() {
        [Seg::Key(k)] => k == "kind" || k == "apiVersion",
        [Seg::Key(m), Seg::Key(k)] if m == "metadata" => k == "name" || k == "namespace",
        [.., Seg::Index(_), Seg::Key(k)] => MERGE_KEYS.contains(&k.as_ref()),
        _ => false,
    }
}

/// A label on the same route with another focus when the route is only partly there.
pub(super) fn relabel(label: &Label, segs: Vec<Seg>, complete: bool) -> Label {
    let focus = match &label.focus {
        Focus::Shadowed(_) | Focus::ShadowedValue(_) => Focus::Entry,
        _ if !complete => Focus::Key,
        f => f.clone(),
    };
    Label {
        pointer: Pointer::from_segs(&segs),
        focus,
        text: None,
        missing: label.missing || !complete,
    }
}

/// The node at a route of existing nodes.
pub(super) fn node_at<'d>(root: NodeRef<'d>, pointer: &Pointer) -> Option<NodeRef<'d>> {
    pointer.segs().iter().try_fold(root, |n, seg| match seg {
        Seg::Key(k) => n.get(k),
        Seg::Index(i) => n.at(*i as usize),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;

    #[test]
    fn translate_matches_containers_by_name() {
        let rendered = "spec:\n  containers:\n  - name: sidecar\n    securityContext: {privileged: true}\n  - name: app\n";
        let patch = "spec:\n  containers:\n    - name: other\n    - name: sidecar\n      securityContext:\n        privileged: true\n";
        let (r, p) = (parse_stream(rendered), parse_stream(patch));
        let segs = [
            Seg::from("spec"),
            Seg::from("containers"),
            Seg::from(0usize),
            Seg::from("securityContext"),
            Seg::from("privileged"),
        ];
        let (route, node) = translate(Some(r.docs[0].root()), p.docs[0].root(), &segs);
        assert_eq!(route[2], Seg::from(1usize));
        assert_eq!(node.and_then(NodeRef::as_bool), Some(true));
        let (route, node) = translate(
            Some(r.docs[0].root()),
            p.docs[0].root(),
            &[
                Seg::from("spec"),
                Seg::from("containers"),
                Seg::from(1usize),
            ],
        );
        assert!(node.is_none(), "container `app` is not in the patch");
        assert_eq!(route.len(), 2);
    }

    #[test]
    fn json_patch_paths_and_images() {
        assert_eq!(
            json_pointer("/metadata/annotations/a~1b"),
            ["metadata", "annotations", "a/b"]
        );
        assert_eq!(image_repo("nginx:1.27"), "nginx");
        assert_eq!(
            image_repo("reg:5000/team/app@sha256:abc"),
            "reg:5000/team/app"
        );
        assert_eq!(image_repo("reg:5000/team/app"), "reg:5000/team/app");
    }
}
