//! Load: Compose files → one resolved project, exactly as `docker compose config` (v2) reads them.

pub mod dotenv;
pub mod interpolate;
pub mod shortsyntax;
pub mod units;
