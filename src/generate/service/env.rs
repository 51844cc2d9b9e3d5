//! `environment` → the `<svc>-env` ConfigMap (read through `envFrom`) and the list of variables
//! that are secrets (they go to the ExternalSecret, see [`super::secrets`]).

use std::collections::BTreeMap;

use super::super::k8s::{ConfigMapBody, EnvFromSource, NameRef, Object};
use super::{Ctx, Made, PodParts, warn};
use crate::diag::{Code, Diagnostic};
use crate::k8s::Provenance;
use crate::k8s::provenance::pointer;

/// Whether a finding about variable `name` may point at its own line: not when the name looks
/// like a secret's (the line shows its value), whatever the policy decided.
fn shows_own_line(name: &str) -> bool {
    !name.starts_with('!') && !crate::secrets::Policy::standard().secret_like_name(name)
}

/// Records that the field at `at` is variable `name`: its own `environment` entry when that may
/// be shown, else the `environment` key, else `env_file`.
pub(super) fn record_var(prov: &mut Provenance, at: &str, name: Option<&str>) {
    if let Some(n) = name.filter(|n| shows_own_line(n)) {
        prov.record(at, &["environment", n]);
    }
    prov.record(at, &["environment"]);
    prov.record(at, &["env_file"]);
}

/// Splits the environment: plain variables (host names rewritten) into the `<svc>-env`
/// ConfigMap, which the container reads through `envFrom`; returns the names of the secret
/// ones. Unset variables are left out with a warning.
pub(super) fn env(
    c: &Ctx,
    made: &mut Made,
    pod: &mut PodParts,
    warnings: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let (p, svc) = (c.p, c.svc);
    let mut data: BTreeMap<String, String> = BTreeMap::new();
    let mut secret_env: Vec<String> = Vec::new();
    for var in &svc.environment {
        let Some(value) = &var.value else {
            warn(
                warnings,
                var.span,
                Code::GenerateUnsetEnv,
                format!(
                    "service `{}`: `{}` has no value (unset when the project was resolved) and is left out",
                    svc.name, var.name
                ),
            );
            continue;
        };
        let forced_plain = c.x.plain_env.contains(&var.name);
        let forced_secret = c.x.secret_env.contains(&var.name);
        if !forced_plain && (forced_secret || p.env_is_secret(&svc.name, &var.name, value)) {
            p.reach
                .check_secret(&svc.name, &var.name, value, var.span, warnings);
            secret_env.push(var.name.clone());
        } else {
            let value = p
                .reach
                .rewrite_env(&svc.name, &var.name, value, var.span, warnings);
            data.insert(var.name.clone(), value);
        }
    }
    if data.is_empty() {
        return secret_env;
    }
    let name = format!("{}-env", c.name);
    let mut prov = Provenance::of(Some(&svc.name));
    record_var(&mut prov, "", None);
    for var in data.keys() {
        record_var(&mut prov, &pointer(&["data", var]), Some(var));
    }
    pod.hash_input
        .push_str(&serde_json::to_string(&data).unwrap_or_default());
    let cm = Object {
        api_version: "v1",
        kind: "ConfigMap",
        metadata: c.meta(&name),
        body: ConfigMapBody { data },
    };
    made.push(&cm, prov);
    pod.env_from.push(EnvFromSource {
        config_map_ref: NameRef { name },
    });
    secret_env
}

#[cfg(test)]
mod tests {
    use super::super::testing::{keys, with};
    use super::*;

    #[test]
    fn plain_variables_go_to_the_configmap_secrets_are_named() {
        let yaml = "name: p\nservices:\n  s:\n    image: busybox:1\n    environment:\n      LOG: debug\n      DB_PASSWORD: hunter2hunter2\n      UNSET: null\n";
        with(yaml, "s", |c, warnings, _| {
            let (mut made, mut pod) = (Made::default(), PodParts::default());
            let secrets = env(c, &mut made, &mut pod, warnings);
            assert_eq!(secrets, ["DB_PASSWORD"]);
            assert_eq!(made.objects.len(), 1);
            assert_eq!(made.objects[0]["metadata"]["name"], "s-env");
            assert_eq!(made.objects[0]["data"]["LOG"], "debug");
            assert!(made.objects[0]["data"].get("DB_PASSWORD").is_none());
            assert_eq!(pod.env_from.len(), 1);
            assert!(!pod.hash_input.is_empty());
            assert!(
                warnings
                    .iter()
                    .any(|w| w.code == Some(Code::GenerateUnsetEnv))
            );
            let prov = &made.provenance[0];
            assert_eq!(
                keys(prov, "/data/LOG"),
                ["environment.LOG", "environment", "env_file"]
            );
            assert_eq!(keys(prov, "/metadata/name"), ["environment", "env_file"]);
        });
    }

    #[test]
    fn a_secret_like_name_never_points_at_its_own_line() {
        let mut prov = Provenance::default();
        record_var(&mut prov, "/x", Some("API_TOKEN"));
        assert_eq!(keys(&prov, "/x"), ["environment", "env_file"]);
    }
}
