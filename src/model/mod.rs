//! Typed, span-free views of Kubernetes objects. Each view carries its route.

pub mod credentials;
pub mod embedded;
pub mod image;
mod object;
pub mod secret;
mod workload;
mod world;

#[allow(unused_imports)]
pub use object::{DuplicateKey, Object, ObjectIdent};
#[allow(unused_imports)]
pub use workload::{Container, ContainerKind, PodSpec, pod_template_route};
pub use world::{Facts, PSA_PREFIX, Site, World};
