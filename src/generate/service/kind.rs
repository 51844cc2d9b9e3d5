//! Which workload a service becomes: Deployment, StatefulSet, Job or CronJob.

use super::super::Project;
use super::super::kompose::Hints;
use super::super::mounts::Plan;
use super::super::xkomply::{Controller, ServiceX};
use super::warn;
use crate::compose::model::{MountKind, Service};
use crate::diag::{Code, Diagnostic};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Deployment,
    StatefulSet,
    Job,
    CronJob,
}

impl Kind {
    /// A Deployment or a StatefulSet (gets Services, probes, PDBs, autoscaling).
    pub fn long_running(self) -> bool {
        matches!(self, Kind::Deployment | Kind::StatefulSet)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
            Kind::Job => "Job",
            Kind::CronJob => "CronJob",
        }
    }
}

/// The workload decision, with the restart policy and schedule it was made from.
#[derive(Debug, Clone)]
pub(crate) struct Workload {
    pub kind: Kind,
    /// Compose's restart policy (`deploy.restart_policy.condition` wins over `restart`).
    pub restart: Option<String>,
    pub schedule: Option<String>,
}

/// `deploy.restart_policy.condition` in `restart`'s words, else `restart`.
fn restart_of(svc: &Service) -> Option<String> {
    match svc.restart_condition.as_deref() {
        Some("none") => Some("no".to_string()),
        Some("on-failure") => Some("on-failure".to_string()),
        Some("any") => Some("always".to_string()),
        _ => svc.restart.clone(),
    }
}

/// The controller asked for by `x-komply.controller` or kompose's `kompose.controller.type`.
fn explicit(
    svc: &Service,
    x: &ServiceX,
    hints: &Hints,
    warnings: &mut Vec<Diagnostic>,
) -> Option<Controller> {
    match (x.controller, hints.controller_type.as_deref()) {
        (Some(c), _) => Some(c),
        (None, Some(t)) => match t.to_ascii_lowercase().as_str() {
            "deployment" => Some(Controller::Deployment),
            "statefulset" => Some(Controller::Statefulset),
            other => {
                warn(
                    warnings,
                    svc.span(&["labels"]),
                    Code::ComposeUnsupportedKey,
                    format!(
                        "service `{}`: controller type `{other}` is not supported; using the default",
                        svc.name
                    ),
                );
                None
            }
        },
        _ => None,
    }
}

/// Decides the workload: an explicit controller, else a schedule → CronJob, a restart policy
/// that lets it end → Job, storage → StatefulSet, else a Deployment.
pub(super) fn decide(
    p: &Project,
    svc: &Service,
    x: &ServiceX,
    hints: &Hints,
    plan: &Plan,
    warnings: &mut Vec<Diagnostic>,
    errors: &mut Vec<Diagnostic>,
) -> Workload {
    let restart = restart_of(svc);
    let schedule = x.schedule.clone().or(hints.cronjob_schedule.clone());
    let has_named_volume = svc.volumes.iter().any(|m| {
        m.kind == MountKind::Volume
            && m.source
                .as_ref()
                .is_some_and(|s| p.model.volumes.get(s).is_none_or(|v| !v.external))
    });
    let explicit = explicit(svc, x, hints, warnings);
    if svc.deploy_mode.as_deref() == Some("global") {
        warn(
            warnings,
            svc.span(&["deploy", "mode"]),
            Code::ComposeUnsupportedKey,
            format!(
                "service `{}`: `deploy.mode: global` (one per node) is generated as a Deployment",
                svc.name
            ),
        );
    }
    let kind = match explicit {
        Some(Controller::Deployment) => Kind::Deployment,
        Some(Controller::Statefulset) => Kind::StatefulSet,
        Some(Controller::Job) => Kind::Job,
        Some(Controller::Cronjob) => Kind::CronJob,
        None if schedule.is_some() => Kind::CronJob,
        None if matches!(restart.as_deref(), Some("no") | Some("on-failure")) => Kind::Job,
        None if has_named_volume || plan.has_storage() => Kind::StatefulSet,
        None => Kind::Deployment,
    };
    if kind == Kind::CronJob && schedule.is_none() {
        errors.push(
            Diagnostic::error(format!(
                "service `{}` is a CronJob but has no schedule",
                svc.name
            ))
            .at(svc.span(&["x-komply"]))
            .code(Code::GenerateNoSchedule)
            .help("add `x-komply: {schedule: \"0 3 * * *\"}`"),
        );
    }
    Workload {
        kind,
        restart,
        schedule,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::with;
    use super::*;

    fn kind_of(service: &str) -> (Kind, Vec<Diagnostic>) {
        let yaml = format!(
            "name: p\nvolumes:\n  data: {{}}\nservices:\n  s:\n    image: busybox:1\n{service}"
        );
        with(&yaml, "s", |c, _, errors| (c.workload.kind, errors.clone()))
    }

    #[test]
    fn the_kind_follows_controller_schedule_restart_and_storage() {
        assert_eq!(kind_of("").0, Kind::Deployment);
        assert_eq!(kind_of("    restart: \"no\"\n").0, Kind::Job);
        assert_eq!(kind_of("    restart: on-failure\n").0, Kind::Job);
        assert_eq!(
            kind_of("    deploy:\n      restart_policy:\n        condition: none\n").0,
            Kind::Job
        );
        assert_eq!(
            kind_of(
                "    volumes:\n      - type: volume\n        source: data\n        target: /d\n"
            )
            .0,
            Kind::StatefulSet
        );
        assert_eq!(
            kind_of("    x-komply:\n      schedule: \"0 3 * * *\"\n").0,
            Kind::CronJob
        );
        assert_eq!(
            kind_of("    restart: \"no\"\n    x-komply:\n      controller: deployment\n").0,
            Kind::Deployment
        );
    }

    #[test]
    fn a_cronjob_without_schedule_is_an_error() {
        let (kind, errors) = kind_of("    x-komply:\n      controller: cronjob\n");
        assert_eq!(kind, Kind::CronJob);
        assert_eq!(errors[0].code, Some(Code::GenerateNoSchedule));
    }

    #[test]
    fn an_unknown_kompose_controller_is_reported() {
        with(
            "name: p\nservices:\n  s:\n    image: busybox:1\n    labels:\n      kompose.controller.type: daemonset\n",
            "s",
            |c, warnings, _| {
                assert_eq!(c.workload.kind, Kind::Deployment);
                assert!(warnings.iter().any(|w| w.message.contains("`daemonset`")));
            },
        );
    }
}
