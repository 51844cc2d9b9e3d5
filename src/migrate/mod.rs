//! `komply migrate`: a one-off, reviewable kustomize tree from a Compose project.
//!
//! `base/` holds what `komply convert` (no environment) makes, one file per object, listed in
//! `base/kustomization.yaml`. Each `overlays/<env>/` is computed as the difference between the
//! base objects and what `komply convert --env <env>` makes, so `kubectl kustomize
//! overlays/<env>` builds exactly the same objects as `komply convert --env <env>`:
//! - an object in both, with changes → an RFC 6902 JSON patch (`patch-<name>-<kind>.yaml`,
//!   made with the `json-patch` crate's `diff`), targeted by group / version / kind / name;
//! - an object only the environment has (HPA, PDB, canary objects…) → an extra resource file;
//! - a base object the environment drops → a `$patch: delete` patch (`delete-<name>-<kind>.yaml`).
//!
//! Objects are paired by (group, kind, name), with the namespace only breaking ties, so an
//! environment that moves everything to another namespace gives patches, not copies.
//! `MIGRATION.md` ([`report`]) lists every compose key of every service and what it became.

pub mod report;

use serde_json::{Value, json};

use crate::k8s::Object;
use crate::pipeline::Converted;

/// A file of the tree: path relative to the output directory, and its text.
pub type TreeFile = (String, String);

/// What one environment's overlay holds (for the report).
#[derive(Debug, Default, Clone)]
pub struct OverlaySummary {
    pub env: String,
    pub patched: Vec<String>,
    pub added: Vec<String>,
    pub deleted: Vec<String>,
    /// `secrets: generator`: the Secret the overlay generates, and its keys.
    pub generator: Option<crate::generate::SecretGenerator>,
}

/// `Kind/name` (with the namespace when set and not empty), for reports.
pub fn display(o: &Object) -> String {
    match o.namespace().filter(|ns| !ns.is_empty()) {
        Some(ns) => format!("{}/{ns}/{}", o.kind(), o.name()),
        None => format!("{}/{}", o.kind(), o.name()),
    }
}

fn file_stem(o: &Object) -> String {
    format!("{}-{}", o.name(), o.kind().to_ascii_lowercase())
}

/// The identity objects are paired by: (group, kind, name).
fn loose_key(o: &Object) -> (&str, &str, &str) {
    (o.types.group(), o.kind(), o.name())
}

/// Pairs every env object with at most one base object.
fn pair(base: &[Object], env: &[Object]) -> Vec<Option<usize>> {
    let mut used = vec![false; base.len()];
    env.iter()
        .map(|e| {
            let candidates: Vec<usize> = (0..base.len())
                .filter(|&i| !used[i] && loose_key(&base[i]) == loose_key(e))
                .collect();
            let pick = candidates
                .iter()
                .copied()
                .find(|&i| base[i].namespace() == e.namespace())
                .or_else(|| candidates.first().copied());
            if let Some(i) = pick {
                used[i] = true;
            }
            pick
        })
        .collect()
}

fn kustomization(resources: &[String], patches: &[Value], generators: Option<Value>) -> String {
    let mut k = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    });
    if !patches.is_empty() {
        k["patches"] = Value::Array(patches.to_vec());
    }
    if let Some(g) = generators {
        k["secretGenerator"] = g;
    }
    crate::yaml::to_yaml(&k)
}

/// `secrets: generator`: the kustomize secretGenerator, the committed `secrets.env.example`
/// (keys, empty values) and the `.gitignore` that keeps the filled-in `secrets.env` and
/// `secrets/` out of git. No value is ever written.
fn generator_files(dir: &str, g: &crate::generate::SecretGenerator) -> (Value, Vec<TreeFile>) {
    let mut entry = json!({"name": g.name, "options": {"labels": g.labels}});
    if let Some(ns) = &g.namespace {
        entry["namespace"] = Value::from(ns.as_str());
    }
    if !g.env_keys.is_empty() {
        entry["envs"] = json!(["secrets.env"]);
    }
    if !g.file_keys.is_empty() {
        entry["files"] = Value::Array(
            g.file_keys
                .iter()
                .map(|k| Value::from(format!("{k}=secrets/{k}")))
                .collect(),
        );
    }
    let mut example = format!(
        "# The keys of the Secret `{}` (`secrets: generator`). Copy this file to `secrets.env`\n\
         # (git-ignored) and fill in the values; `kubectl kustomize {dir}` then generates the Secret.\n",
        g.name
    );
    let mut service = "";
    for (key, svc, _) in &g.env_keys {
        if svc != service {
            example.push_str(&format!("\n# service `{svc}`\n"));
            service = svc;
        }
        example.push_str(&format!("{key}=\n"));
    }
    if !g.file_keys.is_empty() {
        example.push_str(
            "\n# Whole files: put each one's content in `secrets/<key>` (git-ignored):\n",
        );
        for k in &g.file_keys {
            example.push_str(&format!("#   secrets/{k}\n"));
        }
    }
    let files = vec![
        (format!("{dir}/secrets.env.example"), example),
        (
            format!("{dir}/.gitignore"),
            "# Secret values: never committed (see secrets.env.example).\nsecrets.env\nsecrets/\n"
                .into(),
        ),
    ];
    (json!([entry]), files)
}

/// The base: one file per object and a kustomization listing them in output order.
pub fn base_tree(base: &[Object]) -> Vec<TreeFile> {
    let files = crate::generate::files(base, crate::generate::Format::Yaml);
    let resources: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let mut out: Vec<TreeFile> = files
        .into_iter()
        .map(|(n, t)| (format!("base/{n}"), t))
        .collect();
    out.push((
        "base/kustomization.yaml".into(),
        kustomization(&resources, &[], None),
    ));
    out
}

/// One environment's overlay over `base` (with its secretGenerator in `secrets: generator`).
pub fn overlay_tree(
    env: &str,
    base: &[Object],
    objects: &[Object],
    generator: Option<&crate::generate::SecretGenerator>,
) -> (Vec<TreeFile>, OverlaySummary) {
    let dir = format!("overlays/{env}");
    let mut files: Vec<TreeFile> = Vec::new();
    let mut resources = vec!["../../base".to_string()];
    let mut patches: Vec<Value> = Vec::new();
    let mut summary = OverlaySummary {
        env: env.to_string(),
        ..Default::default()
    };
    let pairs = pair(base, objects);
    for (obj, paired) in objects.iter().zip(&pairs) {
        match paired {
            Some(i) => {
                let b = &base[*i];
                if let Some((file, patch)) = patch_file(&dir, b, obj) {
                    files.push(file);
                    patches.push(patch);
                    summary.patched.push(display(b));
                }
            }
            None => {
                let name = format!("{}.yaml", file_stem(obj));
                files.push((
                    format!("{dir}/{name}"),
                    crate::yaml::to_yaml(&obj.to_value()),
                ));
                resources.push(name);
                summary.added.push(display(obj));
            }
        }
    }
    for (i, b) in base.iter().enumerate() {
        if pairs.contains(&Some(i)) {
            continue;
        }
        let (file, patch) = delete_file(&dir, b);
        files.push(file);
        patches.push(patch);
        summary.deleted.push(display(b));
    }
    let generators = generator.map(|g| {
        let (entry, extra) = generator_files(&dir, g);
        files.extend(extra);
        entry
    });
    summary.generator = generator.cloned();
    files.push((
        format!("{dir}/kustomization.yaml"),
        kustomization(&resources, &patches, generators),
    ));
    (files, summary)
}

/// The JSON patch from base object `b` to `obj` (JSON Patch works on JSON) and its
/// kustomization entry, targeted by group / version / kind / name (and namespace); `None`
/// when they are the same.
fn patch_file(dir: &str, b: &Object, obj: &Object) -> Option<(TreeFile, Value)> {
    let ops = json_patch::diff(&b.to_value(), &obj.to_value());
    if ops.0.is_empty() {
        return None;
    }
    let name = format!("patch-{}.yaml", file_stem(b));
    let ops = serde_json::to_value(&ops).unwrap_or(Value::Array(Vec::new()));
    let file = (format!("{dir}/{name}"), crate::yaml::to_yaml(&ops));
    let mut target = json!({
        "group": b.types.group(),
        "version": b.types.version(),
        "kind": b.kind(),
        "name": b.name(),
    });
    if let Some(ns) = b.namespace() {
        target["namespace"] = Value::from(ns);
    }
    Some((file, json!({"path": name, "target": target})))
}

/// A `$patch: delete` file for a base object the environment drops, and its entry.
fn delete_file(dir: &str, b: &Object) -> (TreeFile, Value) {
    let name = format!("delete-{}.yaml", file_stem(b));
    let mut meta = json!({"name": b.name()});
    if let Some(ns) = b.namespace() {
        meta["namespace"] = Value::from(ns);
    }
    let del = json!({
        "apiVersion": b.api_version(),
        "kind": b.kind(),
        "metadata": meta,
        "$patch": "delete",
    });
    let file = (format!("{dir}/{name}"), crate::yaml::to_yaml(&del));
    (file, json!({"path": name}))
}

/// The whole tree: base, one overlay per environment, and MIGRATION.md.
pub fn tree(base: &Converted, envs: &[(String, Converted)]) -> Vec<TreeFile> {
    let mut files = base_tree(&base.output.objects);
    let mut summaries = Vec::new();
    let mut stores = vec![(
        "base".to_string(),
        crate::secrets::store::keys_to_create(&base.output.objects),
    )];
    for (env, converted) in envs {
        let (f, summary) = overlay_tree(
            env,
            &base.output.objects,
            &converted.output.objects,
            converted.output.secret_generator.as_ref(),
        );
        files.extend(f);
        summaries.push(summary);
        stores.push((
            format!("overlays/{env}"),
            crate::secrets::store::keys_to_create(&converted.output.objects),
        ));
    }
    files.push((
        "MIGRATION.md".into(),
        report::render(base, &summaries, &stores),
    ));
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(kind: &str, name: &str, extra: Value) -> Object {
        let mut o = Object::new("apps/v1", kind, name);
        if let Some(e) = extra.as_object() {
            o.body.extend(e.clone());
        }
        o
    }

    #[test]
    fn overlay_patches_adds_and_deletes() {
        let base = vec![
            obj("Deployment", "web", json!({"spec": {"replicas": 1}})),
            obj("Deployment", "old", json!({})),
        ];
        let env = vec![
            obj("Deployment", "web", json!({"spec": {"replicas": 3}})),
            Object::new("autoscaling/v2", "HorizontalPodAutoscaler", "web"),
        ];
        let (files, sum) = overlay_tree("prod", &base, &env, None);
        assert_eq!(sum.patched, vec!["Deployment/web"]);
        assert_eq!(sum.added, vec!["HorizontalPodAutoscaler/web"]);
        assert_eq!(sum.deleted, vec!["Deployment/old"]);
        let get = |n: &str| {
            files
                .iter()
                .find(|(p, _)| p == n)
                .map(|(_, t)| t.clone())
                .unwrap()
        };
        let patch = get("overlays/prod/patch-web-deployment.yaml");
        assert!(
            patch.contains("op: replace") && patch.contains("path: /spec/replicas"),
            "{patch}"
        );
        assert!(get("overlays/prod/delete-old-deployment.yaml").contains("$patch: delete"));
        let k = get("overlays/prod/kustomization.yaml");
        assert!(
            k.contains("- ../../base") && k.contains("- web-horizontalpodautoscaler.yaml"),
            "{k}"
        );
        assert!(
            k.contains("path: patch-web-deployment.yaml") && k.contains("group: apps"),
            "{k}"
        );
    }

    #[test]
    fn a_namespace_move_is_a_patch_not_a_copy() {
        let base = vec![obj("Deployment", "web", json!({}))];
        let mut moved = base[0].clone();
        moved.metadata.namespace = Some("prod".into());
        let (_, sum) = overlay_tree("prod", &base, &[moved], None);
        assert_eq!(sum.patched.len(), 1);
        assert!(sum.added.is_empty() && sum.deleted.is_empty());
    }
}
