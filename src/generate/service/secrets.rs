//! Secret variables, Compose `secrets:` and secret-looking bind-mounted files → one
//! ExternalSecret `<svc>-secrets`, read by the container's `env` and the `secrets` volume.

use super::super::k8s::{
    EnvVar, EnvVarSource, ExternalSecretData, ExternalSecretSpec, ExternalSecretTarget, KeyRef,
    KeyToPath, Object, RemoteRef, SecretStoreRef, SecretVolume, Spec, Volume, VolumeMount,
    VolumeSource,
};
use super::super::naming;
use super::{Ctx, Made, PodParts};
use crate::diag::{Code, Diagnostic};

/// The secret variables: a key each, read from the service's remote key, and the container's
/// `env` entries that read them.
fn variables(c: &Ctx, secret_env: &[String], pod: &mut PodParts) -> Vec<ExternalSecretData> {
    let remote_key =
        c.p.remote_key
            .replace("{project}", c.project())
            .replace("{service}", &c.svc.name);
    let secret_name = format!("{}-secrets", c.name);
    let mut data = Vec::new();
    for var in secret_env {
        data.push(ExternalSecretData {
            secret_key: naming::data_key(var),
            remote_ref: RemoteRef {
                key: remote_key.clone(),
                property: Some(var.clone()),
            },
        });
        pod.env.push(EnvVar {
            name: var.clone(),
            value_from: EnvVarSource {
                secret_key_ref: KeyRef {
                    name: secret_name.clone(),
                    key: naming::data_key(var),
                },
            },
        });
    }
    data
}

/// The Compose secrets: a key each (whole value, read from `<project>/<secret>`), items of the
/// `secrets` volume and mounts.
fn compose_secrets(
    c: &Ctx,
    data: &mut Vec<ExternalSecretData>,
    items: &mut Vec<KeyToPath>,
    pod: &mut PodParts,
    errors: &mut Vec<Diagnostic>,
) {
    for s in &c.svc.secrets {
        if !c.p.model.secrets.contains_key(&s.source) {
            errors.push(
                Diagnostic::error(format!(
                    "secret `{}` is not declared under top-level `secrets`",
                    s.source
                ))
                .at(s.span)
                .code(Code::GenerateUndeclaredSecret),
            );
            continue;
        }
        let key = naming::data_key(&s.source);
        if !data.iter().any(|d| d.secret_key == key) {
            data.push(ExternalSecretData {
                secret_key: key.clone(),
                // A Compose secret belongs to the project, not the service: one remote
                // location for every service that uses it.
                remote_ref: RemoteRef {
                    key: format!("{}/{}", c.project(), s.source),
                    property: None,
                },
            });
        }
        items.push(KeyToPath {
            key: key.clone(),
            path: key.clone(),
            mode: s.mode,
        });
        let target = match s.target.as_deref() {
            Some(t) if t.starts_with('/') => t.to_string(),
            Some(t) => format!("/run/secrets/{t}"),
            None => format!("/run/secrets/{}", s.source),
        };
        pod.mounts.push(VolumeMount {
            name: "secrets".into(),
            mount_path: target,
            sub_path: Some(key),
            read_only: true,
        });
    }
}

/// Makes the ExternalSecret of the service's secret variables, Compose secrets and secret
/// files, and the `secrets` volume and mounts; the references (never values) join the config
/// hash.
pub(super) fn secrets(
    c: &Ctx,
    secret_env: &[String],
    made: &mut Made,
    pod: &mut PodParts,
    errors: &mut Vec<Diagnostic>,
) {
    let secret_name = format!("{}-secrets", c.name);
    let mut data = variables(c, secret_env, pod);
    let mut items: Vec<KeyToPath> = Vec::new();
    compose_secrets(c, &mut data, &mut items, pod, errors);
    c.plan
        .add_secret_files(c.svc, c.project(), &mut data, &mut items, &mut pod.mounts);
    if !items.is_empty() {
        pod.volumes.push(Volume {
            name: "secrets".into(),
            source: VolumeSource::Secret(SecretVolume {
                secret_name: secret_name.clone(),
                items,
            }),
        });
    }
    if data.is_empty() {
        return;
    }
    // The reference, not a value: the pods roll when the mapping changes.
    let refs: Vec<_> = data
        .iter()
        .map(|d| (&d.secret_key, &d.remote_ref.key, &d.remote_ref.property))
        .collect();
    pod.hash_input
        .push_str(&serde_json::to_string(&refs).unwrap_or_default());
    let es = Object {
        api_version: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: c.meta(&secret_name),
        body: Spec {
            spec: ExternalSecretSpec {
                refresh_interval: "1h",
                secret_store_ref: SecretStoreRef {
                    name: c.p.store_name.clone(),
                    kind: c.p.store_kind.clone(),
                },
                target: ExternalSecretTarget {
                    name: secret_name,
                    creation_policy: "Owner",
                },
                data,
            },
        },
    };
    let prov = super::whole(c.svc, &[&["environment"], &["secrets"], &["env_file"]]);
    made.push(&es, prov);
}

#[cfg(test)]
mod tests {
    use super::super::testing::{keys, with};
    use super::*;

    #[test]
    fn variables_and_compose_secrets_share_one_external_secret() {
        let yaml = "name: p\nsecrets:\n  db:\n    file: ./db.txt\nservices:\n  s:\n    image: busybox:1\n    secrets:\n      - source: db\n      - source: nope\n";
        with(yaml, "s", |c, _, errors| {
            let (mut made, mut pod) = (Made::default(), PodParts::default());
            secrets(c, &["API_TOKEN".to_string()], &mut made, &mut pod, errors);
            let es = &made.objects[0];
            assert_eq!(es["kind"], "ExternalSecret");
            assert_eq!(es["spec"]["data"][0]["remoteRef"]["key"], "p/s");
            assert_eq!(es["spec"]["data"][0]["remoteRef"]["property"], "API_TOKEN");
            assert_eq!(es["spec"]["data"][1]["remoteRef"]["key"], "p/db");
            assert_eq!(pod.env[0].value_from.secret_key_ref.name, "s-secrets");
            assert_eq!(pod.mounts[0].mount_path, "/run/secrets/db");
            assert_eq!(pod.volumes.len(), 1);
            assert_eq!(errors[0].code, Some(Code::GenerateUndeclaredSecret));
            assert_eq!(
                keys(&made.provenance[0], "/spec/data/0"),
                ["environment", "secrets", "env_file"]
            );
        });
    }

    #[test]
    fn nothing_secret_makes_nothing() {
        with(
            "name: p\nservices:\n  s:\n    image: busybox:1\n",
            "s",
            |c, _, errors| {
                let (mut made, mut pod) = (Made::default(), PodParts::default());
                secrets(c, &[], &mut made, &mut pod, errors);
                assert!(made.objects.is_empty() && pod.volumes.is_empty());
            },
        );
    }
}
