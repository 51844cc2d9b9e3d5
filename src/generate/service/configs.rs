//! `configs:` and bind-mounted text files → the `<svc>-files` ConfigMap, mounted file by file
//! with `subPath`; bind-mounted directories → a ConfigMap each (`generate/mounts.rs` decided
//! which).

use std::collections::{BTreeMap, BTreeSet};

use super::super::k8s::{
    ConfigMapBody, KeyToPath, KeyedVolume, Object, Volume, VolumeMount, VolumeSource,
};
use super::super::naming;
use super::{Ctx, Made, PodParts, warn};
use crate::compose::model::FileRef;
use crate::diag::{Code, Diagnostic};
use crate::k8s::Provenance;
use crate::k8s::provenance::pointer;

/// The text of one `configs:` entry: inline `content`, or its file read (errors located at the
/// top-level config); `None` for an external config (with a warning).
fn content(
    c: &Ctx,
    cfg: &FileRef,
    files_cm: &str,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Option<String> {
    let top = c.p.model.configs.get(&cfg.source)?;
    if let Some(text) = &top.content {
        return Some(text.clone());
    }
    if let Some(file) = &top.file {
        let path = c.p.opts.project_dir.join(file);
        return match crate::fsio::read_text(&path) {
            Ok(t) => Some(t),
            Err(f) => {
                for d in f.0 {
                    errors.push(d.at(top.span.unwrap_or(cfg.span)));
                }
                None
            }
        };
    }
    warn(
        warnings,
        cfg.span,
        Code::ComposeUnsupportedKey,
        format!(
            "config `{}` is external or comes from the environment; it is not generated — create a ConfigMap `{files_cm}` key `{}` yourself",
            cfg.source,
            naming::data_key(&cfg.source)
        ),
    );
    None
}

/// The service's `configs:` as keys of `data`, items of the `files` volume and mounts.
fn compose_configs(
    c: &Ctx,
    files_cm: &str,
    data: &mut BTreeMap<String, String>,
    items: &mut Vec<KeyToPath>,
    pod: &mut PodParts,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    let svc = c.svc;
    for cfg in &svc.configs {
        let Some(top) = c.p.model.configs.get(&cfg.source) else {
            errors.push(
                Diagnostic::error(format!(
                    "config `{}` is not declared under top-level `configs`",
                    cfg.source
                ))
                .at(cfg.span)
                .code(Code::GenerateUndeclaredConfig),
            );
            continue;
        };
        let text = content(c, cfg, files_cm, errors, warnings);
        let key = naming::data_key(&cfg.source);
        if let Some(text) = text {
            let what = format!("config `{}`", cfg.source);
            let at = top.span.unwrap_or(cfg.span);
            let text = c.p.file_content(&svc.name, &what, at, &text, warnings);
            data.insert(key.clone(), text);
        }
        items.push(KeyToPath {
            key: key.clone(),
            path: key.clone(),
            mode: cfg.mode,
        });
        let target = cfg
            .target
            .clone()
            .unwrap_or_else(|| format!("/{}", cfg.source));
        pod.mounts.push(VolumeMount {
            name: "files".into(),
            mount_path: target,
            sub_path: Some(key),
            read_only: true,
        });
    }
}

/// Makes the `<svc>-files` ConfigMap (Compose configs, then bind-mounted files), the
/// ConfigMaps of bind-mounted directories, and the volumes and mounts that read them.
pub(super) fn configs(
    c: &Ctx,
    made: &mut Made,
    pod: &mut PodParts,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    let (svc, plan) = (c.svc, c.plan);
    let files_cm = format!("{}-files", c.name);
    let mut data: BTreeMap<String, String> = BTreeMap::new();
    let mut items: Vec<KeyToPath> = Vec::new();
    compose_configs(c, &files_cm, &mut data, &mut items, pod, errors, warnings);
    let from_configs: BTreeSet<String> = data.keys().cloned().collect();
    plan.add_files(svc, c.p, &mut data, &mut items, &mut pod.mounts, warnings);
    if !data.is_empty() {
        let mut prov = Provenance::of(Some(&svc.name));
        prov.record("", &["configs"]);
        prov.record("", &["volumes"]);
        for key in data.keys() {
            let from = if from_configs.contains(key) {
                "configs"
            } else {
                "volumes"
            };
            prov.record(pointer(&["data", key]), &[from]);
        }
        pod.hash_input
            .push_str(&serde_json::to_string(&data).unwrap_or_default());
        let cm = Object {
            api_version: "v1",
            kind: "ConfigMap",
            metadata: c.meta(&files_cm),
            body: ConfigMapBody { data },
        };
        made.push(&cm, prov);
    }
    let names = (
        c.name.as_str(),
        files_cm.as_str(),
        &*format!("{}-secrets", c.name),
    );
    let dirs = plan.add_dirs(
        svc,
        c.p,
        names,
        &mut pod.volumes,
        &mut pod.mounts,
        &mut pod.hash_input,
        warnings,
    );
    for (name, data) in dirs {
        let cm = Object {
            api_version: "v1",
            kind: "ConfigMap",
            metadata: c.meta(&name),
            body: ConfigMapBody { data },
        };
        made.push(&cm, super::whole(svc, &[&["volumes"]]));
    }
    if !items.is_empty() {
        pod.volumes.push(Volume {
            name: "files".into(),
            source: VolumeSource::ConfigMap(KeyedVolume {
                name: files_cm,
                items,
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{keys, with};
    use super::*;

    #[test]
    fn inline_configs_become_keys_mounted_with_subpath() {
        let yaml = "name: p\nconfigs:\n  app:\n    content: \"a=1\"\n  ext:\n    external: true\nservices:\n  s:\n    image: busybox:1\n    configs:\n      - source: app\n        target: /etc/app.conf\n      - source: ext\n      - source: missing\n";
        with(yaml, "s", |c, warnings, errors| {
            let (mut made, mut pod) = (Made::default(), PodParts::default());
            configs(c, &mut made, &mut pod, errors, warnings);
            assert_eq!(made.objects.len(), 1);
            assert_eq!(made.objects[0]["metadata"]["name"], "s-files");
            assert_eq!(made.objects[0]["data"]["app"], "a=1");
            assert_eq!(pod.mounts[0].mount_path, "/etc/app.conf");
            assert_eq!(pod.mounts[0].sub_path.as_deref(), Some("app"));
            assert_eq!(pod.mounts[1].mount_path, "/ext");
            assert_eq!(pod.volumes.len(), 1);
            assert!(warnings.iter().any(|w| w.message.contains("external")));
            assert_eq!(errors[0].code, Some(Code::GenerateUndeclaredConfig));
            assert_eq!(keys(&made.provenance[0], "/data/app"), ["configs"]);
        });
    }
}
