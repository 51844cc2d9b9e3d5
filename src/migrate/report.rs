//! `MIGRATION.md`: every compose key of every service and what it became, or why it was
//! dropped. The verdict comes from the model's exhaustive key classification
//! ([`crate::compose::model::classify_key`]); the details from the objects generated for the
//! service and from the loader's and generator's warnings located inside the key. No value from
//! the compose file is ever written (it could be a secret): only key names and object names.

use std::fmt::Write as _;

use super::{OverlaySummary, display};
use crate::compose::model::{KeyUse, classify_key};
use crate::diag::Diagnostic;
use crate::k8s::Object;
use crate::pipeline::Converted;
use crate::secrets::store::RemoteKey;
use crate::yaml::{Node, Span};

/// The objects generated for one service, by kind.
struct Made<'a> {
    objects: Vec<&'a Object>,
}

impl Made<'_> {
    fn of(&self, kinds: &[&str]) -> Vec<String> {
        self.objects
            .iter()
            .filter(|o| kinds.contains(&o.kind()))
            .map(|o| format!("`{}`", display(o)))
            .collect()
    }
    fn workload(&self) -> String {
        self.objects
            .iter()
            .find(|o| o.is_workload())
            .map_or_else(|| "the workload".into(), |o| format!("`{}`", display(o)))
    }
    fn list(&self, kinds: &[&str], none: &str) -> String {
        let v = self.of(kinds);
        if v.is_empty() {
            none.to_string()
        } else {
            v.join(", ")
        }
    }
    /// The `wait-for-*` init containers of the workload.
    fn init_containers(&self) -> Vec<String> {
        self.objects
            .iter()
            .filter_map(|o| o.pod_spec()?.get("initContainers")?.as_array())
            .flatten()
            .filter_map(|c| {
                c["name"]
                    .as_str()
                    .filter(|n| n.starts_with("wait-for-"))
                    .map(|n| format!("`{n}`"))
            })
            .collect()
    }
    fn env_configmaps(&self) -> Vec<String> {
        self.objects
            .iter()
            .filter(|o| o.kind() == "ConfigMap" && o.name().ends_with("-env"))
            .map(|o| format!("`{}`", display(o)))
            .collect()
    }
    fn file_configmaps(&self) -> Vec<String> {
        self.objects
            .iter()
            .filter(|o| o.kind() == "ConfigMap" && !o.name().ends_with("-env"))
            .map(|o| format!("`{}`", display(o)))
            .collect()
    }
}

/// What a mapped key became, in the objects made for the service.
fn mapped(key: &str, m: &Made) -> String {
    let w = m.workload();
    match key {
        "image" => format!("container `image` of {w}"),
        "entrypoint" => format!("container `command` of {w}"),
        "command" => format!("container `args` of {w}"),
        "environment" => {
            let mut parts = vec![format!("container `env` of {w}")];
            let cms = m.env_configmaps();
            if !cms.is_empty() {
                parts.push(format!("plain values in {}", cms.join(", ")));
            }
            let es = m.of(&["ExternalSecret"]);
            if !es.is_empty() {
                parts.push(format!(
                    "secret-like values read from {} (their values are never written)",
                    es.join(", ")
                ));
            }
            parts.join("; ")
        }
        "ports" => format!(
            "`containerPorts` of {w} and ports of {}",
            m.list(&["Service"], "the Service")
        ),
        "expose" => format!(
            "cluster-internal ports of {}",
            m.list(&["Service"], "the Service")
        ),
        "volumes" => {
            let mut s = format!(
                "`volumes` / `volumeMounts` of {w}; named volumes and data directories → {}",
                m.list(
                    &["PersistentVolumeClaim"],
                    "volumeClaimTemplates or emptyDir"
                )
            );
            let cms = m.file_configmaps();
            if !cms.is_empty() {
                let _ = write!(s, "; config files → {}", cms.join(", "));
            }
            s
        }
        "tmpfs" => format!("`emptyDir` volumes (medium Memory) of {w}"),
        "healthcheck" => format!("readiness, liveness (and startup) probes of {w}"),
        "deploy" => {
            let mut s = format!("replicas, resources, restart policy and update strategy of {w}");
            let extra = m.of(&["PodDisruptionBudget", "HorizontalPodAutoscaler"]);
            if !extra.is_empty() {
                let _ = write!(s, "; {}", extra.join(", "));
            }
            s
        }
        "scale" => format!("`replicas` of {w}"),
        "cpus" | "mem_limit" | "mem_reservation" => format!("container `resources` of {w}"),
        "restart" => format!("the workload kind ({w}) and its `restartPolicy`"),
        "user" => format!("`securityContext.runAsUser` / `runAsGroup` of {w}"),
        "read_only" => format!("`securityContext.readOnlyRootFilesystem` of {w}"),
        "privileged" => format!("`securityContext.privileged` of {w}"),
        "cap_add" | "cap_drop" => format!("`securityContext.capabilities` of {w}"),
        "group_add" => format!("pod `securityContext.supplementalGroups` of {w}"),
        "sysctls" => format!("pod `securityContext.sysctls` of {w}"),
        "pull_policy" => format!("`imagePullPolicy` of {w}"),
        "working_dir" => format!("container `workingDir` of {w}"),
        "tty" | "stdin_open" => format!("container `tty` / `stdin` of {w}"),
        "stop_grace_period" => format!("`terminationGracePeriodSeconds` of {w}"),
        "hostname" => format!("pod `hostname` of {w}"),
        "domainname" => format!("pod `subdomain` of {w}"),
        "extra_hosts" => format!("pod `hostAliases` of {w}"),
        "network_mode" | "pid" | "ipc" => {
            format!("`hostNetwork` / `hostPID` / `hostIPC` of {w} (only `host` has a meaning)")
        }
        "networks" => {
            "flattened: every Service is reachable from every pod (no NetworkPolicy is generated)"
                .into()
        }
        "depends_on" => {
            let waits = m.init_containers();
            if waits.is_empty() {
                "nothing to wait for in the cluster (see the notes)".to_string()
            } else {
                format!(
                    "init containers {} of {w}: each waits for its dependency's Service",
                    waits.join(", ")
                )
            }
        }
        "links" => {
            "the linked services' Services (aliases get alias Services) and a start-order wait"
                .to_string()
        }
        "labels" => format!("labels of {w} (`kompose.*` labels read as hints)"),
        "annotations" => format!("pod template annotations of {w}"),
        "secrets" => format!(
            "{} mounted as files in {w}",
            m.list(&["ExternalSecret"], "an ExternalSecret")
        ),
        "configs" => {
            let cms = m.file_configmaps();
            if cms.is_empty() {
                format!("ConfigMaps mounted as files in {w}")
            } else {
                format!("{} mounted as files in {w}", cms.join(", "))
            }
        }
        "x-komply" => {
            let extra = m.of(&[
                "PodDisruptionBudget",
                "HorizontalPodAutoscaler",
                "Ingress",
                "CronJob",
                "Job",
                "StatefulSet",
            ]);
            if extra.is_empty() {
                format!("komply settings applied to {w}")
            } else {
                format!("komply settings: {}", extra.join(", "))
            }
        }
        _ => format!("read into {w}"),
    }
}

fn resolved(key: &str) -> &'static str {
    match key {
        "build" => "build-time only: komply builds no image (the service's `image` is deployed)",
        "develop" => "local development only (`docker compose watch`)",
        "env_file" => "read by the loader and folded into `environment` (see that row)",
        "extends" => "merged by the loader before conversion",
        "label_file" => "read by the loader and folded into `labels`",
        "profiles" => "the service is included because its profile is active",
        "platform" => "build / pull time only: the cluster's nodes decide the platform",
        "container_name" => {
            "Kubernetes names pods itself; the Service keeps the service name (and an alias Service carries the container name when other services use it)"
        }
        "pull_refresh_after" | "attach" => "a local Docker Compose setting",
        _ => "resolved by the loader",
    }
}

/// True when `inner` lies within the key's text (from the key to the end of its value).
fn within(inner: Span, key: Span, value: Span) -> bool {
    if inner.is_synthetic() || key.is_synthetic() || inner.source != key.source {
        return false;
    }
    let end = if !value.is_synthetic() && value.source == key.source && value.end > key.start {
        value.end
    } else {
        key.end
    };
    inner.start >= key.start && (inner.start < end || inner.start == key.start)
}

/// `## Secrets to create`: the remote keys (and properties) the ExternalSecrets of the base
/// and of each environment read, per store. Names only.
fn secrets_section(md: &mut String, stores: &[(String, Vec<RemoteKey>)]) {
    if stores.iter().all(|(_, keys)| keys.is_empty()) {
        return;
    }
    let _ = writeln!(
        md,
        "## Secrets to create
"
    );
    let _ = writeln!(
        md,
        "komply never writes a secret value: the ExternalSecrets read every one from your secret \
         store. Create these keys (with the values your compose files and `.env` hold today) \
         before the pods start; a key without properties holds the whole value.\n"
    );
    let base = stores.first().map(|(_, k)| k.clone()).unwrap_or_default();
    // A list item right after a table needs a blank line to end the table.
    let mut after_table = false;
    for (i, (what, keys)) in stores.iter().enumerate() {
        if (i > 0 && *keys == base) || keys.is_empty() {
            if after_table {
                md.push('\n');
                after_table = false;
            }
            let what = if keys.is_empty() {
                format!("- `{what}`: no ExternalSecret.")
            } else {
                format!("- `{what}`: the same keys as `base`.")
            };
            let _ = writeln!(md, "{what}");
            continue;
        }
        if i > 0 {
            md.push('\n');
        }
        after_table = true;
        let _ = writeln!(md, "`{what}`:\n");
        let _ = writeln!(md, "| store | remote key | properties | read by |");
        let _ = writeln!(md, "|---|---|---|---|");
        for k in keys {
            let props = if k.properties.is_empty() {
                "(whole value)".to_string()
            } else {
                k.properties
                    .iter()
                    .map(|p| format!("`{}`", cell(p)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let by: Vec<String> = k.used_by.iter().map(|b| format!("`{}`", cell(b))).collect();
            let _ = writeln!(
                md,
                "| `{}` | `{}` | {props} | {} |",
                cell(&k.store),
                cell(&k.key),
                by.join(", ")
            );
        }
    }
    md.push('\n');
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Renders the report: header and readiness, the tree, the secrets to create, each service's
/// keys, the project-level keys, the notes no key took.
pub fn render(
    base: &Converted,
    overlays: &[OverlaySummary],
    stores: &[(String, Vec<RemoteKey>)],
) -> String {
    let (project, out) = (&base.project, &base.output);
    let warnings: Vec<&Diagnostic> = project.warnings.iter().chain(&out.warnings).collect();
    let mut used = vec![false; warnings.len()];
    let mut md = String::new();
    header(&mut md, base, &warnings);
    tree_section(&mut md, out.objects.len(), overlays);
    secrets_section(&mut md, stores);
    generator_sections(&mut md, overlays);
    let dropped_total = services_section(&mut md, base, &warnings, &mut used);
    project_keys_section(&mut md, &project.canonical);
    notes_section(&mut md, &warnings, &used);
    let _ = writeln!(
        md,
        "{dropped_total} service key(s) dropped; every dropped key says why above."
    );
    md
}

/// The title, where the report comes from, and the "Before the pods start" readiness report.
fn header(md: &mut String, base: &Converted, warnings: &[&Diagnostic]) {
    let project = &base.project;
    let _ = writeln!(md, "# Migration report: `{}`\n", project.name);
    let files: Vec<String> = project
        .files
        .iter()
        .map(|f| format!("`{}`", crate::source::display_path(f)))
        .collect();
    let _ = writeln!(
        md,
        "Written by `komply migrate` from {}. Build an environment with \
         `kubectl kustomize overlays/<env>` (or the base alone with `kubectl kustomize base`); \
         the result is exactly what `komply convert --env <env>` prints.\n",
        files.join(", ")
    );
    md.push_str(
        &crate::deployability::Report::build(&base.output.objects, warnings.iter().copied())
            .markdown(),
    );
}

/// `## The tree`: the base and what each overlay patches, adds and deletes.
fn tree_section(md: &mut String, base_objects: usize, overlays: &[OverlaySummary]) {
    let _ = writeln!(md, "## The tree\n");
    let _ = writeln!(
        md,
        "- `base/`: {base_objects} objects, one file each, listed in `base/kustomization.yaml`."
    );
    for o in overlays {
        let _ = writeln!(
            md,
            "- `overlays/{}/`: {} patched, {} added, {} deleted.",
            o.env,
            o.patched.len(),
            o.added.len(),
            o.deleted.len()
        );
        for (what, list) in [
            ("patched", &o.patched),
            ("added", &o.added),
            ("deleted", &o.deleted),
        ] {
            if !list.is_empty() {
                let names: Vec<String> = list.iter().map(|n| format!("`{n}`")).collect();
                let _ = writeln!(md, "  - {what}: {}", names.join(", "));
            }
        }
    }
    md.push('\n');
}

/// One section per overlay in `secrets: generator` mode: the keys of its generated Secret.
fn generator_sections(md: &mut String, overlays: &[OverlaySummary]) {
    for o in overlays {
        let Some(g) = &o.generator else { continue };
        let _ = writeln!(
            md,
            "## Secrets of `overlays/{}/` (`secrets: generator`)\n",
            o.env
        );
        let _ = writeln!(
            md,
            "No secret store: the pods read the Secret `{}`, generated by kustomize from \
             `overlays/{}/secrets.env` (git-ignored). Copy `secrets.env.example` to `secrets.env` \
             and fill in:\n",
            g.name, o.env
        );
        for (key, svc, var) in &g.env_keys {
            let _ = writeln!(md, "- `{key}`: `{var}` of service `{svc}`");
        }
        for k in &g.file_keys {
            let _ = writeln!(md, "- `secrets/{k}`: the whole file `{k}`");
        }
        md.push('\n');
    }
}

/// `## Services`: per service, its objects and a row per compose key. Marks the warnings it
/// placed in `used`; returns how many keys were dropped.
fn services_section(
    md: &mut String,
    base: &Converted,
    warnings: &[&Diagnostic],
    used: &mut [bool],
) -> usize {
    let services = base
        .project
        .canonical
        .get("services")
        .and_then(Node::as_map)
        .unwrap_or_default();
    let _ = writeln!(md, "## Services\n");
    let mut dropped_total = 0;
    for (name_node, svc) in services {
        let name = name_node.scalar_string().unwrap_or_default();
        let made = Made {
            objects: base
                .output
                .objects
                .iter()
                .filter(|o| o.service() == Some(name.as_str()))
                .collect(),
        };
        let _ = writeln!(md, "### `{name}`\n");
        let objs: Vec<String> = made
            .objects
            .iter()
            .map(|o| format!("`{}`", display(o)))
            .collect();
        let _ = writeln!(
            md,
            "Objects: {}.\n",
            if objs.is_empty() {
                "none".to_string()
            } else {
                objs.join(", ")
            }
        );
        let _ = writeln!(md, "| compose key | line | verdict | became / why |");
        let _ = writeln!(md, "|---|---|---|---|");
        for (k, v) in svc.as_map().unwrap_or_default() {
            let (row, dropped) = key_row(&name, k, v, &made, warnings, used);
            dropped_total += usize::from(dropped);
            let _ = writeln!(md, "{row}");
        }
        md.push('\n');
    }
    dropped_total
}

/// One row of a service's table: the key, its line, the verdict and what it became (with the
/// warnings located inside it, marked in `used`); and whether the key was dropped.
fn key_row(
    service: &str,
    k: &Node,
    v: &Node,
    made: &Made,
    warnings: &[&Diagnostic],
    used: &mut [bool],
) -> (String, bool) {
    let key = k.scalar_string().unwrap_or_default();
    let line = if k.span.is_synthetic() {
        "(default)".to_string()
    } else {
        format!(
            "{}:{}",
            crate::source::sources().display(k.span.source),
            k.span.start.line
        )
    };
    let mut dropped = false;
    let (verdict, mut text) = match classify_key(&key) {
        _ if v.is_null() && k.span.is_synthetic() => {
            ("unset", "not set (a Compose default)".to_string())
        }
        KeyUse::Mapped => ("mapped", mapped(&key, made)),
        KeyUse::Resolved => ("resolved", resolved(&key).to_string()),
        KeyUse::Unsupported(why) => {
            dropped = true;
            ("dropped", why.to_string())
        }
        KeyUse::Extension => ("ignored", "your own `x-*` extension".to_string()),
        KeyUse::Unknown => {
            dropped = true;
            ("dropped", "not a Compose key".to_string())
        }
    };
    let mut notes: Vec<String> = Vec::new();
    for (i, w) in warnings.iter().enumerate() {
        // Keys shared through anchors (`<<: *common`) have one span for several services: a
        // warning naming another service is not this one's.
        let other =
            w.message.contains("service `") && !w.message.contains(&format!("service `{service}`"));
        if !used[i] && !other && w.span.is_some_and(|s| within(s, k.span, v.span)) {
            used[i] = true;
            notes.push(w.message.clone());
        }
    }
    let verdict = if verdict == "mapped" && !notes.is_empty() {
        "partly"
    } else {
        verdict
    };
    for n in notes {
        let _ = write!(text, ". Note: {n}");
    }
    (
        format!("| `{key}` | {line} | {verdict} | {} |", cell(&text)),
        dropped,
    )
}

/// `## Project-level keys`: what each top-level key other than `services` became.
fn project_keys_section(md: &mut String, canonical: &Node) {
    let top: Vec<String> = canonical
        .as_map()
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, _)| k.scalar_string())
        .filter(|k| k != "services")
        .collect();
    if top.is_empty() {
        return;
    }
    let _ = writeln!(md, "## Project-level keys\n");
    let _ = writeln!(md, "| key | became |\n|---|---|");
    for k in top {
        let text = match k.as_str() {
            "name" => "the `app.kubernetes.io/part-of` / `instance` labels and object names",
            "volumes" => {
                "PersistentVolumeClaims (or StatefulSet volumeClaimTemplates) of the services that mount them"
            }
            "secrets" => "ExternalSecrets (values are never written; the store holds them)",
            "configs" => "ConfigMaps mounted as files",
            "networks" => "flattened: one cluster network (no NetworkPolicy is generated)",
            "x-komply" => "project-wide komply settings (namespace, secret store, …)",
            "include" => "merged by the loader",
            _ if k.starts_with("x-") => "your own extension (anchors), used by the loader",
            _ => "not used",
        };
        let _ = writeln!(md, "| `{k}` | {text} |");
    }
    md.push('\n');
}

/// `## Other notes`: the warnings no key's row took.
fn notes_section(md: &mut String, warnings: &[&Diagnostic], used: &[bool]) {
    let rest: Vec<String> = warnings
        .iter()
        .enumerate()
        .filter(|(i, _)| !used[*i])
        .map(|(_, w)| match w.location() {
            Some(l) => format!("- {l}: {}", w.message),
            None => format!("- {}", w.message),
        })
        .collect();
    if rest.is_empty() {
        return;
    }
    let _ = writeln!(md, "## Other notes\n");
    for r in rest {
        let _ = writeln!(md, "{}", cell(&r));
    }
    md.push('\n');
}
