//! Kubernetes knowledge in one place: the object envelope every stage after generation carries,
//! and what the code reasons about (workload kinds, pod templates, selectors, quantities).
//!
//! | file | job |
//! |---|---|
//! | `object.rs` | [`Object`]: typed `TypeMeta` + `ObjectMeta` + body + [`Provenance`]; JSON in and out, byte for byte |
//! | `provenance.rs` | which Compose key produced which field |
//! | `types.rs` | the typed structs the generator builds (serialised into an [`Object`]) |
//! | `workload.rs` | which kinds run pods, where their pod template is, accessors |
//! | `selector.rs` | label selectors: read, parse (`k=v,!k`), match |
//! | `quantity.rs` | resource quantities (`500m`, `1Gi`): parse and write |

pub mod object;
pub mod provenance;
pub mod quantity;
pub mod selector;
pub mod types;
pub mod workload;

pub use object::{Object, ObjectError, ObjectMeta, StringMap, TypeMeta};
pub use provenance::Provenance;
