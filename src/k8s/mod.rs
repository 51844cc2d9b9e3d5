//! Kubernetes knowledge in one place: the object envelope every stage after generation carries,
//! and what the code reasons about (workload kinds, pod templates, selectors, quantities).

pub mod provenance;

pub use provenance::Provenance;
