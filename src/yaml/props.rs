//! Property tests of the YAML layer.
//!
//! Property tests of the YAML layer: spans always inside the source, line/column consistent with
//! byte offsets, decoding never panics, and on generated manifests every scalar and key resolves
//! to exactly the bytes it was written as (block and flow style, quotes and escapes, anchors and
//! tags, comments, multi-document streams, CRLF, byte-order mark, non-ASCII text).

use proptest::prelude::*;

use super::{Label, LineIndex, Pointer, RealComments, Seg, parse_stream, span_of};
use crate::testing::fuzz::{check_offset, check_yaml};

/// Indentation of the continuation lines of generated multi-line quoted scalars.
const PAD: &str = "                                        ";

/// A generated node.
#[derive(Debug, Clone)]
enum Node {
    /// The scalar exactly as written (quotes included), and its properties.
    Scalar {
        src: String,
        anchor: bool,
        tag: bool,
    },
    /// A literal block scalar (`|`) with these lines, which may look like `---`, `...` or
    /// comments.
    Block(Vec<String>),
    Map(Vec<(String, Node)>, bool),
    Seq(Vec<Node>, bool),
}

/// Where a scalar value or a key was written: (document, route, is_key, byte span); a block
/// scalar's span is empty and its decoded text is given instead.
type Expect = (usize, Vec<Seg>, bool, (usize, usize), Option<String>);

fn scalar() -> impl Strategy<Value = Node> {
    let src = prop_oneof![
        "[a-z][a-z0-9-]{0,8}",
        "[0-9]{1,5}",
        Just("ünïcødé".to_owned()),
        Just("日本語".to_owned()),
        Just("emoji😀x".to_owned()),
        "[a-z ]{0,6}\u{e9}?[a-z]{0,3}".prop_map(|s| format!("\"{}\"", s.replace(' ', "\\t"))),
        "[a-z#:,]{0,6}".prop_map(|s| format!("\"{s}\\\" \\u00e9\\n{s}\"")),
        "[a-z #:]{0,6}".prop_map(|s| format!("'{s}''{s}'")),
        Just("\"\"".to_owned()),
        Just("''".to_owned()),
        // Quoted scalars over several lines, one of which reads like a directive: text, not a
        // comment (deep enough for any nesting generated here).
        "[a-z]{1,4}"
            .prop_map(|s| format!("\"{s}\n{PAD}# kubeward: ignore-file[all] {s}\n{PAD}end\"")),
        "[a-z]{1,4}".prop_map(|s| format!("'{s}\n{PAD}# kubeward: ignore[all] {s}\n{PAD}end'")),
    ];
    (src, any::<bool>(), any::<bool>()).prop_map(|(src, anchor, tag)| {
        // Tags only on quoted scalars (`!!str` on `123` changes nothing we check, but keep the
        // source readable).
        let tag = tag && (src.starts_with('"') || src.starts_with('\''));
        Node::Scalar { src, anchor, tag }
    })
}

fn node() -> impl Strategy<Value = Node> {
    let block = prop::collection::vec(
        prop_oneof![
            "[a-z:#][a-z :#]{0,9}",
            Just("---".to_owned()),
            Just("...".to_owned()),
            Just("--- # x".to_owned()),
            Just("# not a comment".to_owned()),
            Just("key: value".to_owned()),
        ],
        1..5,
    )
    .prop_map(Node::Block);
    prop_oneof![4 => scalar(), 1 => block].prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            (
                prop::collection::vec(("[a-z][a-z0-9]{0,5}", inner.clone()), 0..5),
                any::<bool>()
            )
                .prop_map(|(entries, flow)| {
                    let entries = entries
                        .into_iter()
                        .enumerate()
                        .map(|(i, (k, v))| (format!("{k}{i}"), v))
                        .collect();
                    Node::Map(entries, flow)
                }),
            (prop::collection::vec(inner, 0..5), any::<bool>())
                .prop_map(|(items, flow)| Node::Seq(items, flow)),
        ]
    })
}

struct Writer {
    out: String,
    expect: Vec<Expect>,
    doc: usize,
    anchors: usize,
    comments: bool,
    /// Comments written (scalars' lines that look like comments excluded).
    written: usize,
}

impl Writer {
    fn scalar(&mut self, route: &[Seg], src: &str, anchor: bool, tag: bool) {
        if anchor {
            self.anchors += 1;
            self.out.push_str(&format!("&a{} ", self.anchors));
        }
        if tag {
            self.out.push_str("!!str ");
        }
        let start = self.out.len();
        self.out.push_str(src);
        self.expect.push((
            self.doc,
            route.to_vec(),
            false,
            (start, self.out.len()),
            None,
        ));
    }

    fn key(&mut self, route: &[Seg], key: &str) {
        let start = self.out.len();
        self.out.push_str(key);
        self.expect.push((
            self.doc,
            route.to_vec(),
            true,
            (start, self.out.len()),
            None,
        ));
        self.out.push(':');
    }

    fn flow(&mut self, n: &Node, route: &mut Vec<Seg>) {
        match n {
            Node::Scalar { src, anchor, tag } => self.scalar(route, src, *anchor, *tag),
            Node::Block(_) => self.out.push_str("''"),
            Node::Map(entries, _) => {
                self.out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    route.push(Seg::from(k.clone()));
                    self.key(route, k);
                    self.out.push(' ');
                    self.flow(v, route);
                    route.pop();
                }
                self.out.push('}');
            }
            Node::Seq(items, _) => {
                self.out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    route.push(Seg::from(i));
                    self.flow(v, route);
                    route.pop();
                }
                self.out.push(']');
            }
        }
    }

    fn end_line(&mut self) {
        if self.comments && self.out.len().is_multiple_of(3) {
            self.out.push_str("  # note: ---");
            self.written += 1;
        }
        self.out.push('\n');
    }

    /// After `key:` or `-`: a value on the same line, or a block on the following lines.
    fn value(&mut self, v: &Node, indent: usize, route: &mut Vec<Seg>) {
        match v {
            Node::Block(lines) => {
                self.out.push_str(" |\n");
                let pad = " ".repeat(indent + 2);
                let mut decoded = String::new();
                for l in lines {
                    self.out.push_str(&pad);
                    self.out.push_str(l);
                    self.out.push('\n');
                    decoded.push_str(l);
                    decoded.push('\n');
                }
                self.expect
                    .push((self.doc, route.clone(), false, (0, 0), Some(decoded)));
            }
            Node::Map(e, false) if !e.is_empty() => {
                self.end_line();
                self.block(v, indent + 2, route);
            }
            Node::Seq(i, false) if !i.is_empty() => {
                self.end_line();
                self.block(v, indent + 2, route);
            }
            _ => {
                self.out.push(' ');
                self.flow(v, route);
                self.end_line();
            }
        }
    }

    fn block(&mut self, n: &Node, indent: usize, route: &mut Vec<Seg>) {
        let pad = " ".repeat(indent);
        match n {
            Node::Map(entries, false) if !entries.is_empty() => {
                for (k, v) in entries {
                    if self.comments && k.len().is_multiple_of(2) {
                        self.out.push_str(&format!("{pad}# about {k}\n"));
                        self.written += 1;
                    }
                    self.out.push_str(&pad);
                    route.push(Seg::from(k.clone()));
                    self.key(route, k);
                    self.value(v, indent, route);
                    route.pop();
                }
            }
            Node::Seq(items, false) if !items.is_empty() => {
                for (i, v) in items.iter().enumerate() {
                    self.out.push_str(&pad);
                    self.out.push('-');
                    route.push(Seg::from(i));
                    self.value(v, indent, route);
                    route.pop();
                }
            }
            _ => {
                self.out.push_str(&pad);
                self.flow(n, route);
                self.end_line();
            }
        }
    }
}

/// A stream of documents: its text and where each scalar and key was written.
fn render(docs: &[Node], comments: bool, ends: bool) -> (String, Vec<Expect>) {
    let (text, expect, _) = render_counted(docs, comments, ends);
    (text, expect)
}

/// [`render`], and how many comments it wrote.
fn render_counted(docs: &[Node], comments: bool, ends: bool) -> (String, Vec<Expect>, usize) {
    let mut w = Writer {
        out: String::new(),
        expect: Vec::new(),
        doc: 0,
        anchors: 0,
        comments,
        written: 0,
    };
    for (i, d) in docs.iter().enumerate() {
        w.doc = i;
        if i > 0 || comments {
            w.out.push_str("---\n");
        }
        w.block(d, 0, &mut Vec::new());
        if ends {
            w.out.push_str("...\n");
        }
    }
    (w.out, w.expect, w.written)
}

/// The same stream with CRLF line ends and/or a byte-order mark, spans moved to match.
fn transform(text: &str, expect: &[Expect], crlf: bool, bom: bool) -> (String, Vec<Expect>) {
    let mut out = String::new();
    let mut map = Vec::with_capacity(text.len() + 1);
    if bom {
        out.push('\u{feff}');
    }
    for (i, c) in text.char_indices() {
        for _ in 0..c.len_utf8() {
            map.push(out.len() + (map.len() - i));
        }
        if crlf && c == '\n' {
            out.push('\r');
        }
        out.push(c);
    }
    map.push(out.len());
    let moved = expect
        .iter()
        .map(|(d, r, k, (s, e), t)| (*d, r.clone(), *k, (map[*s], map[*e]), t.clone()))
        .collect();
    (out, moved)
}

fn docs() -> impl Strategy<Value = Vec<Node>> {
    prop::collection::vec(
        prop::collection::vec(("[a-z][a-z0-9]{0,5}", node()), 1..5).prop_map(|entries| {
            Node::Map(
                entries
                    .into_iter()
                    .enumerate()
                    .map(|(i, (k, v))| (format!("{k}{i}"), v))
                    .collect(),
                false,
            )
        }),
        1..4,
    )
}

/// YAML-flavoured fragments, for token soup that is mostly invalid in interesting ways.
const TOKENS: &[&str] = &[
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "a",
    "key",
    ":",
    ": ",
    "- ",
    "-",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "#",
    "# c",
    "'",
    "\"",
    "\\",
    "\\u00e9",
    "&a ",
    "*a",
    "&b",
    "*b",
    "!!str ",
    "!t ",
    "<<: ",
    "|",
    "|-",
    ">",
    ">+2",
    "---",
    "...",
    "--- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "?",
    "? ",
    "%YAML 1.2",
    "%TAG ! x",
    "ü",
    "日",
    "😀",
    "\u{feff}",
    "\u{0}",
    "\u{85}",
    "\u{2028}",
    "0x1F",
    "yes",
    "~",
    "null",
    "1e3",
];

// 256 cases each by default; `PROPTEST_CASES=10000` for a longer run.
proptest! {
    #[test]
    fn decoding_arbitrary_text_never_panics_and_spans_stay_inside(text in any::<String>()) {
        check_yaml(&text);
    }

    #[test]
    fn token_soup_never_panics_and_spans_stay_inside(
        parts in prop::collection::vec(prop::sample::select(TOKENS), 0..80)
    ) {
        check_yaml(&parts.concat());
    }

    #[test]
    fn line_and_column_agree_with_byte_offsets(
        text in "(\u{feff})?([a-zé日😀 \t:#-]{0,12}(\n|\r\n|\r)?){0,12}",
        offsets in prop::collection::vec(any::<usize>(), 1..16),
    ) {
        for o in offsets {
            check_offset(&text, o % (text.len() + 1));
        }
    }

    #[test]
    fn every_scalar_and_key_resolves_to_its_own_bytes(
        docs in docs(),
        comments in any::<bool>(),
        ends in any::<bool>(),
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let (text, expect) = render(&docs, comments, ends);
        let (text, expect) = transform(&text, &expect, crlf, bom);
        let stream = parse_stream(&text);
        prop_assert!(stream.error.is_none(), "{:?}\n{text}", stream.error);
        prop_assert_eq!(stream.docs.len(), docs.len(), "{}", text);
        let index = LineIndex::new(&text);
        for (d, route, is_key, (s, e), decoded) in expect {
            let doc = &stream.docs[d];
            if let Some(decoded) = decoded {
                let node = doc.root().path(
                    &route
                        .iter()
                        .map(|s| match s {
                            Seg::Key(k) => k.as_ref(),
                            Seg::Index(_) => "",
                        })
                        .collect::<Vec<_>>(),
                );
                if route.iter().all(|s| matches!(s, Seg::Key(_))) {
                    prop_assert_eq!(node.and_then(super::NodeRef::text), Some(decoded.as_str()));
                }
                continue;
            }
            let label = Label::at(Pointer::from_segs(&route));
            let label = if is_key { label.key() } else { label.value() };
            let (gs, ge) = span_of(doc, &text, &label);
            prop_assert_eq!(
                &text[gs as usize..ge as usize],
                &text[s..e],
                "{:?} key={} in\n{}", route, is_key, text
            );
            let r = index.region(&text, gs, ge);
            prop_assert_eq!(
                (r.line, r.col),
                crate::testing::fuzz::naive_line_col(&text, gs),
            );
        }
        check_yaml(&text);
    }

    #[test]
    fn real_comments_are_exactly_the_comments_written(
        docs in docs(),
        ends in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        let (text, expect, written) = render_counted(&docs, true, ends);
        let (text, _) = transform(&text, &expect, crlf, false);
        let stream = parse_stream(&text);
        prop_assert!(stream.error.is_none(), "{:?}\n{text}", stream.error);
        let mut real = RealComments::new(&text, |_| true);
        for d in &stream.docs {
            real.see(d);
        }
        let kept = real.finish();
        for c in &kept {
            prop_assert!(
                c.text == " note: ---" || c.text.starts_with(" about "),
                "{:?} is not a comment in\n{}", c.text, text
            );
        }
        prop_assert_eq!(kept.len(), written, "{}", text);
    }

    #[test]
    fn nel_ls_and_ps_read_as_line_feeds(
        parts in prop::collection::vec(prop::sample::select(TOKENS), 0..60)
    ) {
        let text = parts.concat();
        let fed: String = text
            .chars()
            .map(|c| if super::breaks::is_other_break(c) { '\n' } else { c })
            .collect();
        prop_assert_eq!(shape(&text), shape(&fed), "{:?}", text);
    }
}

/// The trees and the error saphyr reads in `text`, positions as character indices (so that a
/// text and the same text with line feeds for its NEL, LS and PS compare equal).
fn shape(text: &str) -> String {
    use super::tree::Kind;
    let chars = |o: u32| text[..o as usize].chars().count();
    let mut docs = super::Docs::saphyr_only(text);
    let mut out = String::new();
    for d in docs.by_ref() {
        out.push_str(&format!("doc {} root {}\n", d.index, d.root));
        for (i, n) in d.nodes.iter().enumerate() {
            let kind = match &n.kind {
                Kind::Scalar { text, .. } => format!("{text:?}"),
                Kind::Seq { first, len } => format!(
                    "seq {:?}",
                    &d.items[*first as usize..(*first + *len) as usize]
                ),
                Kind::Map { first, len } => format!(
                    "map {:?}",
                    d.entries[*first as usize..(*first + *len) as usize]
                        .iter()
                        .map(|e| (e.key, e.value))
                        .collect::<Vec<_>>()
                ),
            };
            out.push_str(&format!(
                "{i} {}..{} {kind}\n",
                chars(n.start),
                chars(n.end)
            ));
        }
    }
    if let Some(e) = &docs.error {
        out.push_str(&format!("error at {}: {}\n", chars(e.offset), e.message));
    }
    out
}
