//! The typed Kubernetes structs the generator builds, which live in [`crate::k8s::types`];
//! re-exported here so the generator's `super::k8s::…` paths keep working. `Object` is the
//! typed object ([`crate::k8s::types::TypedObject`]), not the [`crate::k8s::Object`] envelope.

pub use crate::k8s::types::TypedObject as Object;
pub use crate::k8s::types::*;
