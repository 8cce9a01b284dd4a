//! The YAML layer: the only module that knows byte offsets.
#![deny(missing_docs)]

mod annotate;
mod breaks;
mod comments;
mod edit;
mod fast;
mod loose;
mod pointer;
#[cfg(test)]
mod props;
mod resolve;
mod scalar;
mod tree;

pub use annotate::{Note, annotate};
pub use comments::{Comment, RealComments, comments, is_comment_line};
#[allow(unused_imports)]
pub use edit::{Change, Refused, Replacement, Scalar, apply, expected, fix_text, plan, to_json};
pub use fast::differs_from_saphyr;
#[allow(unused_imports)]
pub use loose::{find_route_loose, first_line};
#[allow(unused_imports)]
pub use pointer::{Focus, Label, Pointer, Seg};
#[allow(unused_imports)]
pub use resolve::{LineIndex, Region, block_scalar_span, remove_entries, route_to, span_of};
#[allow(unused_imports)]
pub use scalar::Value;
#[allow(unused_imports)]
pub use tree::{
    Doc, Docs, Duplicate, MAX_DEPTH, NodeId, NodeRef, ParseError, Step, Stream, parse_stream,
};
