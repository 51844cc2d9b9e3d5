//! Secrets: which values are secret ([`policy`], [`shapes`]), the known set and where
//! manifests and `.env` entries hold them ([`harvest`]; what a Compose project holds is
//! `compose::harvest`'s, above this module), and keeping them out of every byte komply writes
//! ([`registry`], [`frame`], and `crate::out`, the one writer). Layers, lowest first: `shapes`
//! < `policy` < `registry` < `frame` < `harvest`. SPEC §3: a plaintext secret value from the
//! input never appears in any output, log, report or error. See decisions/0015.

pub mod frame;
pub mod harvest;
pub mod policy;
pub mod registry;
pub mod shapes;
pub mod store;

pub use harvest::{Known, KnownSecret, Origin};
pub use policy::{Policy, PolicyConfig, Verdict, Why};
pub use registry::{PLACEHOLDER, registry};
