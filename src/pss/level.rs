//! Pod Security levels, parsed as the admission parses a namespace label (`api.ParseLevel`).

use std::fmt;
use std::str::FromStr;

/// A Pod Security Standards level. `Privileged` runs no check; `Baseline` runs the baseline
/// checks; `Restricted` runs the restricted checks and the baseline checks they do not override.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

/// The admission's error for a level that is not one of the three (case-sensitive).
pub const LEVEL_ERROR: &str = "must be one of privileged, baseline, restricted";

/// A level text that is not `privileged`, `baseline` or `restricted`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelError;

impl fmt::Display for LevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(LEVEL_ERROR)
    }
}

impl std::error::Error for LevelError {}

impl Level {
    /// The level's name as labels and messages write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = LevelError;

    /// Exactly `privileged`, `baseline` or `restricted` (no case folding, no trimming).
    fn from_str(s: &str) -> Result<Level, LevelError> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(LevelError),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_and_orders_by_strictness() {
        assert_eq!("baseline".parse(), Ok(Level::Baseline));
        assert!("Baseline".parse::<Level>().is_err());
        assert!("restricted ".parse::<Level>().is_err());
        assert!(Level::Privileged < Level::Baseline && Level::Baseline < Level::Restricted);
        assert_eq!(LevelError.to_string(), LEVEL_ERROR);
    }
}
