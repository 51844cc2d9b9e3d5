//! Policy versions, parsed as the admission parses `pod-security.kubernetes.io/*-version`
//! (`api.ParseVersion`), and the `LEVEL:VERSION` pair messages print.

use std::fmt;
use std::str::FromStr;

use super::level::{Level, LevelError};

/// The newest policy version this evaluator knows: the highest minimum version of any check
/// (`sysctls` v1.37). `latest`, and any newer version, is evaluated as this one.
pub const NEWEST_POLICY_MINOR: u32 = 37;

/// The admission's error for a version that is not `latest` or `v1.N`.
pub const VERSION_ERROR: &str = "must be \"latest\" or \"v1.x\"";

/// A policy version: `latest` or `v1.N`. Kept as written, because messages print the requested
/// version (`"baseline:v1.40"`) even when it is evaluated as an older one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    Latest,
    /// `v1.N`, with the minor number `N`.
    V1(u64),
}

/// A version text that is not `latest` or `v1.N`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionError;

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(VERSION_ERROR)
    }
}

impl std::error::Error for VersionError {}

impl Version {
    /// The policy minor version evaluated for this version when `newest` is the newest the
    /// evaluator (or the emulated cluster) knows.
    pub fn policy_minor(self, newest: u32) -> u32 {
        match self {
            Version::Latest => newest,
            Version::V1(n) => n.min(u64::from(newest)) as u32,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::V1(n) => write!(f, "v1.{n}"),
        }
    }
}

impl FromStr for Version {
    type Err = VersionError;

    /// `latest`, or `v1.` followed by a decimal minor without leading zero (`v1.0`, `v1.25`);
    /// anything else (`1.25`, `v1.05`, `v2.0`, `Latest`, surrounding spaces) is an error. The
    /// minor must fit Go's `int` (64 bits).
    fn from_str(s: &str) -> Result<Version, VersionError> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let digits = s.strip_prefix("v1.").ok_or(VersionError)?;
        let well_formed = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !well_formed {
            return Err(VersionError);
        }
        let minor: i64 = digits.parse().map_err(|_| VersionError)?;
        Ok(Version::V1(minor as u64))
    }
}

/// A level at a version, as labels set it and messages print it (`restricted:latest`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    pub level: Level,
    pub version: Version,
}

impl LevelVersion {
    pub fn new(level: Level, version: Version) -> Self {
        LevelVersion { level, version }
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// Why a `LEVEL[:VERSION]` text is not one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LevelVersionError {
    Level(LevelError),
    Version(VersionError),
}

impl fmt::Display for LevelVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LevelVersionError::Level(e) => write!(f, "level {e}"),
            LevelVersionError::Version(e) => write!(f, "version {e}"),
        }
    }
}

impl std::error::Error for LevelVersionError {}

impl FromStr for LevelVersion {
    type Err = LevelVersionError;

    /// `LEVEL` (version `latest`) or `LEVEL:VERSION`, e.g. `restricted:v1.30` — the form of
    /// `komply lint --pod-security`.
    fn from_str(s: &str) -> Result<LevelVersion, LevelVersionError> {
        let (level, version) = match s.split_once(':') {
            Some((l, v)) => (l, Some(v)),
            None => (s, None),
        };
        let level = level.parse().map_err(LevelVersionError::Level)?;
        let version = match version {
            Some(v) => v.parse().map_err(LevelVersionError::Version)?,
            None => Version::Latest,
        };
        Ok(LevelVersion { level, version })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_as_the_admission() {
        for ok in ["latest", "v1.0", "v1.9", "v1.25", "v1.120"] {
            let v: Version = ok.parse().unwrap();
            assert_eq!(v.to_string(), ok);
        }
        for bad in [
            "",
            "v1",
            "v1.",
            "1.30",
            "v1.05",
            "v2.0",
            "V1.30",
            "v1.30 ",
            "v1.-1",
            "v1.3a",
            "Latest",
            "v1.+3",
            "v1.99999999999999999999",
        ] {
            assert_eq!(bad.parse::<Version>(), Err(VersionError), "{bad:?}");
        }
    }

    #[test]
    fn newer_than_known_is_evaluated_as_newest() {
        assert_eq!(Version::Latest.policy_minor(37), 37);
        assert_eq!(Version::V1(40).policy_minor(37), 37);
        assert_eq!(Version::V1(25).policy_minor(37), 25);
        assert_eq!(Version::V1(25).policy_minor(20), 20);
    }

    #[test]
    fn level_version_text() {
        let lv: LevelVersion = "restricted".parse().unwrap();
        assert_eq!(lv.to_string(), "restricted:latest");
        let lv: LevelVersion = "baseline:v1.40".parse().unwrap();
        assert_eq!(lv.to_string(), "baseline:v1.40");
        assert!("strict:latest".parse::<LevelVersion>().is_err());
        assert!("baseline:1.30".parse::<LevelVersion>().is_err());
    }
}
