//! Typed, span-free views of Kubernetes objects. Each view carries its route.

pub mod credentials;
pub mod image;
mod object;
pub mod secret;
mod workload;
mod world;

pub use object::{DuplicateKey, Object, ObjectIdent};
pub use workload::{Container, ContainerKind, PodSpec, pod_template_route};
pub use world::{Facts, Site, World, text_of};
