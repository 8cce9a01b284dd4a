//! The YAML layer: the only module that knows byte offsets.
#![deny(missing_docs)]

mod pointer;
mod resolve;
mod scalar;
mod tree;

pub use pointer::{Focus, Label, Pointer, Seg};
pub use resolve::{LineIndex, Region, route_to, span_of};
pub use scalar::Value;
pub use tree::{Doc, Duplicate, MAX_DEPTH, NodeId, NodeRef, ParseError, Stream, parse_stream};
