//! Every check of the policy, the versions of each and which baseline checks a restricted
//! check overrides (pod-security-admission `policy/check_*.go` `Check{…}` definitions), and
//! how a level and policy version select and order them (`policy/registry.go`).

use std::fmt;

use super::level::Level;
use super::path::FieldPath;
use super::pod::Pod;
use super::{baseline as b, restricted as r};

/// A check of the policy, by the admission's own id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckId {
    AppArmorProfile,
    CapabilitiesBaseline,
    HostNamespaces,
    HostPathVolumes,
    HostPorts,
    HostProbesAndHostLifecycle,
    Privileged,
    ProcMount,
    SeLinuxOptions,
    SeccompProfileBaseline,
    Sysctls,
    WindowsHostProcess,
    AllowPrivilegeEscalation,
    CapabilitiesRestricted,
    ProcMountRestricted,
    RestrictedVolumes,
    RunAsNonRoot,
    RunAsUser,
    SeccompProfileRestricted,
}

impl CheckId {
    /// The id as the admission spells it (`capabilities_baseline`, `runAsNonRoot`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::AppArmorProfile => "appArmorProfile",
            CheckId::CapabilitiesBaseline => "capabilities_baseline",
            CheckId::HostNamespaces => "hostNamespaces",
            CheckId::HostPathVolumes => "hostPathVolumes",
            CheckId::HostPorts => "hostPorts",
            CheckId::HostProbesAndHostLifecycle => "hostProbesAndHostLifecycle",
            CheckId::Privileged => "privileged",
            CheckId::ProcMount => "procMount",
            CheckId::SeLinuxOptions => "seLinuxOptions",
            CheckId::SeccompProfileBaseline => "seccompProfile_baseline",
            CheckId::Sysctls => "sysctls",
            CheckId::WindowsHostProcess => "windowsHostProcess",
            CheckId::AllowPrivilegeEscalation => "allowPrivilegeEscalation",
            CheckId::CapabilitiesRestricted => "capabilities_restricted",
            CheckId::ProcMountRestricted => "procMount_restricted",
            CheckId::RestrictedVolumes => "restrictedVolumes",
            CheckId::RunAsNonRoot => "runAsNonRoot",
            CheckId::RunAsUser => "runAsUser",
            CheckId::SeccompProfileRestricted => "seccompProfile_restricted",
        }
    }

    /// The level the check belongs to.
    pub fn level(self) -> Level {
        check(self).level
    }

    /// The first policy minor version (`1.N`) at which the check runs.
    pub fn since(self) -> u32 {
        check(self).versions[0].min
    }

    /// Every check, baseline first.
    pub fn all() -> impl Iterator<Item = CheckId> {
        CHECKS.iter().map(|c| c.id)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a failing check says, before it is tagged with its id.
pub(crate) struct Failure {
    pub reason: String,
    pub detail: String,
    pub fields: Vec<FieldPath>,
}

type CheckFn = fn(&Pod) -> Option<Failure>;

/// One implementation of a check, used from policy version `1.min` until the next one.
struct Versioned {
    min: u32,
    run: CheckFn,
    /// Baseline checks this (restricted) implementation replaces at restricted.
    overrides: &'static [CheckId],
}

struct Check {
    id: CheckId,
    level: Level,
    versions: &'static [Versioned],
}

const fn v(min: u32, run: CheckFn) -> Versioned {
    Versioned {
        min,
        run,
        overrides: &[],
    }
}

const fn over(min: u32, run: CheckFn, overrides: &'static [CheckId]) -> Versioned {
    Versioned {
        min,
        run,
        overrides,
    }
}

use CheckId as C;
use Level::{Baseline as B, Restricted as R};

/// The policy at pod-security-admission `8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8`.
static CHECKS: &[Check] = &[
    Check {
        id: C::AppArmorProfile,
        level: B,
        versions: &[v(0, b::app_armor)],
    },
    Check {
        id: C::CapabilitiesBaseline,
        level: B,
        versions: &[v(0, b::capabilities_baseline)],
    },
    Check {
        id: C::HostNamespaces,
        level: B,
        versions: &[v(0, b::host_namespaces)],
    },
    Check {
        id: C::HostPathVolumes,
        level: B,
        versions: &[v(0, b::host_path_volumes)],
    },
    Check {
        id: C::HostPorts,
        level: B,
        versions: &[v(0, b::host_ports)],
    },
    Check {
        id: C::HostProbesAndHostLifecycle,
        level: B,
        versions: &[v(34, b::host_probes_and_lifecycle)],
    },
    Check {
        id: C::Privileged,
        level: B,
        versions: &[v(0, b::privileged)],
    },
    Check {
        id: C::ProcMount,
        level: B,
        versions: &[v(0, b::proc_mount), v(35, b::proc_mount_1_35)],
    },
    Check {
        id: C::SeLinuxOptions,
        level: B,
        versions: &[v(0, b::selinux_1_0), v(31, b::selinux_1_31)],
    },
    Check {
        id: C::SeccompProfileBaseline,
        level: B,
        versions: &[
            v(0, b::seccomp_baseline_1_0),
            v(19, b::seccomp_baseline_1_19),
        ],
    },
    Check {
        id: C::Sysctls,
        level: B,
        versions: &[
            v(0, b::sysctls_1_0),
            v(27, b::sysctls_1_27),
            v(29, b::sysctls_1_29),
            v(32, b::sysctls_1_32),
            v(37, b::sysctls_1_37),
        ],
    },
    Check {
        id: C::WindowsHostProcess,
        level: B,
        versions: &[v(0, b::windows_host_process)],
    },
    Check {
        id: C::AllowPrivilegeEscalation,
        level: R,
        versions: &[
            v(8, r::allow_privilege_escalation_1_8),
            v(25, r::allow_privilege_escalation_1_25),
        ],
    },
    Check {
        id: C::CapabilitiesRestricted,
        level: R,
        versions: &[
            over(
                22,
                r::capabilities_restricted_1_22,
                &[C::CapabilitiesBaseline],
            ),
            over(
                25,
                r::capabilities_restricted_1_25,
                &[C::CapabilitiesBaseline],
            ),
        ],
    },
    Check {
        id: C::ProcMountRestricted,
        level: R,
        versions: &[over(35, b::proc_mount, &[C::ProcMount])],
    },
    Check {
        id: C::RestrictedVolumes,
        level: R,
        versions: &[over(0, r::restricted_volumes, &[C::HostPathVolumes])],
    },
    Check {
        id: C::RunAsNonRoot,
        level: R,
        versions: &[v(0, r::run_as_non_root_1_0), v(35, r::run_as_non_root_1_35)],
    },
    Check {
        id: C::RunAsUser,
        level: R,
        versions: &[v(23, r::run_as_user_1_23), v(35, r::run_as_user_1_35)],
    },
    Check {
        id: C::SeccompProfileRestricted,
        level: R,
        versions: &[
            over(19, r::seccomp_restricted_1_19, &[C::SeccompProfileBaseline]),
            over(25, r::seccomp_restricted_1_25, &[C::SeccompProfileBaseline]),
        ],
    },
];

/// The newest minimum version of any check (the evaluator's newest policy version).
pub(crate) fn newest_minor() -> u32 {
    CHECKS
        .iter()
        .filter_map(|c| c.versions.last())
        .map(|v| v.min)
        .max()
        .unwrap_or(0)
}

fn check(id: CheckId) -> &'static Check {
    CHECKS
        .iter()
        .find(|c| c.id == id)
        .expect("every id has a check")
}

/// The implementation of `c` in force at policy minor `minor`, if the check exists yet.
fn in_force(c: &Check, minor: u32) -> Option<&Versioned> {
    c.versions.iter().rev().find(|v| v.min <= minor)
}

/// The checks `level` runs at policy minor `minor`, in the admission's order: baseline ids
/// sorted by bytes, then restricted ids sorted, baseline checks overridden by a restricted
/// check in force left out. `minor` must already be capped at the newest version.
pub(crate) fn active(level: Level, minor: u32) -> Vec<(CheckId, CheckFn)> {
    if level == Level::Privileged {
        return Vec::new();
    }
    let mut chosen: Vec<(&Check, &Versioned)> = CHECKS
        .iter()
        .filter(|c| c.level == Level::Baseline || level == Level::Restricted)
        .filter_map(|c| in_force(c, minor).map(|v| (c, v)))
        .collect();
    let overridden: Vec<CheckId> = chosen
        .iter()
        .filter(|(c, _)| c.level == Level::Restricted)
        .flat_map(|(_, v)| v.overrides.iter().copied())
        .collect();
    chosen.retain(|(c, _)| !overridden.contains(&c.id));
    chosen.sort_by(|(a, _), (b, _)| {
        let rank = |c: &Check| (c.level == Level::Restricted, c.id.as_str().as_bytes());
        rank(a).cmp(&rank(b))
    });
    chosen.into_iter().map(|(c, v)| (c.id, v.run)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(level: Level, minor: u32) -> Vec<&'static str> {
        active(level, minor)
            .into_iter()
            .map(|(id, _)| id.as_str())
            .collect()
    }

    #[test]
    fn newest_is_1_37() {
        assert_eq!(newest_minor(), super::super::NEWEST_POLICY_MINOR);
    }

    #[test]
    fn admission_order_and_overrides() {
        assert_eq!(
            ids(Level::Baseline, 37),
            [
                "appArmorProfile",
                "capabilities_baseline",
                "hostNamespaces",
                "hostPathVolumes",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "seccompProfile_baseline",
                "sysctls",
                "windowsHostProcess",
            ]
        );
        assert_eq!(
            ids(Level::Restricted, 37),
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "procMount_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "runAsUser",
                "seccompProfile_restricted",
            ]
        );
        // Before v1.8 restricted is baseline (minus hostPath) plus two checks.
        let r0 = ids(Level::Restricted, 0);
        assert!(r0.contains(&"capabilities_baseline") && r0.contains(&"seccompProfile_baseline"));
        assert!(!r0.contains(&"hostPathVolumes") && !r0.contains(&"allowPrivilegeEscalation"));
        assert_eq!(r0.last(), Some(&"runAsNonRoot"));
        assert!(ids(Level::Privileged, 37).is_empty());
        assert_eq!(CheckId::RunAsUser.since(), 23);
        assert_eq!(CheckId::all().count(), 19);
    }
}
