//! komply: Docker Compose projects → production Kubernetes manifests, and a Kubernetes linter.
//!
//! Data flows one way: load (`compose`) → generate → overlay → validate → lint → render.
//! See docs/ARCHITECTURE.md for the map.

pub mod cli;
pub mod compose;
pub mod confine;
pub mod deployability;
pub mod diag;
pub mod drift;
pub mod fsio;
pub mod fuzz;
pub mod generate;
pub mod graph;
pub mod guard;
pub mod k8s;
pub mod krm;
pub mod lint;
pub mod migrate;
pub mod out;
pub mod overlay;
pub mod pipeline;
pub mod progress;
pub mod pss;
pub mod secrets;
pub mod source;
pub mod validate;
pub mod yaml;
