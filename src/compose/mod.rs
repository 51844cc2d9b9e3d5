//! Load: Compose files → one resolved project, exactly as `docker compose config` (v2) reads them.

pub mod model;
