//! KRM functions and kustomize plugins: `komply krm` (a `ResourceList`, `config.kubernetes.io/v1`,
//! on stdin and stdout — kpt, `kustomize --enable-exec`) and the legacy exec plugin that plain
//! `kubectl kustomize --enable-alpha-plugins` runs (`komply kustomize-plugin CONFIG`, or the
//! binary linked as `$KUSTOMIZE_PLUGIN_HOME/komply.dev/v1alpha1/komply/Komply`).
//!
//! Two jobs, chosen by the [`config::FnConfig`]:
//! - **generate**: convert a Compose project (through [`crate::pipeline::convert`], like every
//!   command) and append the objects to `items`;
//! - **validate**: lint `items` as one context and report `results[]`; exit 1 when a result is
//!   an error (kpt and kustomize look only at the exit code).
//!
//! Function spec facts this follows (docs/research: resources.md §4): items pass through with
//! their `config.kubernetes.io/*`, `internal.config.kubernetes.io/*` and `kustomize.config.k8s.io/id`
//! annotations untouched (kpt copies comments back by those ids); the internal path annotation
//! is read first, the legacy one as a fallback. Every file read must stay inside the package
//! root ([`confine`]).

pub mod config;
pub use crate::confine;

use serde_json::{Value, json};

use crate::diag::{Code, Diagnostic, Failure, Result, Severity};
use crate::lint::{Config, Object, Options};
use crate::pipeline::{ConvertRequest, Converted, convert};
use crate::source::sources;
use crate::yaml::{Node, Span};
use config::FnConfig;
use confine::Root;

pub const RESOURCE_LIST_VERSIONS: &[&str] =
    &["config.kubernetes.io/v1", "config.kubernetes.io/v1beta1"];
const PATH: &str = "internal.config.kubernetes.io/path";
const LEGACY_PATH: &str = "config.kubernetes.io/path";
const INDEX: &str = "internal.config.kubernetes.io/index";
const LEGACY_INDEX: &str = "config.kubernetes.io/index";

/// Converts the project the config names. Every path in the config, and every file the
/// conversion reads, must be inside `root`.
pub fn generate(cfg: &FnConfig, root: &Root) -> Result<Converted> {
    if cfg.compose.is_empty() {
        return Err(Failure::one(
            Diagnostic::error("`spec.compose` is required to generate: name the compose file(s)")
                .at(cfg.span_of(""))
                .code(Code::KrmInvalidConfig),
        ));
    }
    let mut errors = Vec::new();
    let mut checked = |list: &[String]| -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for p in list {
            match root.check_file(p) {
                Ok(path) => out.push(path),
                Err(msg) => errors.push(Diagnostic::error(msg).at(cfg.span_of(p)).code(
                    if root.contains(std::path::Path::new(p)) {
                        Code::KrmInvalidConfig
                    } else {
                        Code::KrmOutsideRoot
                    },
                )),
            }
        }
        out
    };
    let files = checked(&cfg.compose);
    let overlays = checked(&cfg.overlays);
    let env_files = checked(&cfg.env_files);
    // kpt writes the generated files under `spec.path`: a symlinked directory there must not
    // lead out of the package (the schema already refuses `/…` and `..`).
    if !cfg.path.is_empty() && !root.contains(std::path::Path::new(&cfg.path)) {
        errors.push(
            Diagnostic::error(format!(
                "spec.path `{}` leads outside the package root {} (through a symbolic link): \
                 generated files would be written there",
                cfg.path,
                root.dir.display()
            ))
            .at(cfg.span_of(&cfg.path))
            .code(Code::KrmOutsideRoot),
        );
    }
    if !errors.is_empty() {
        return Err(Failure(errors));
    }
    let mut load = crate::compose::LoadOptions::from_process_env();
    load.working_dir = root.dir.clone();
    load.files = files.iter().map(|f| root.dir.join(f)).collect();
    load.env_files = env_files.iter().map(|f| root.dir.join(f)).collect();
    load.project_name = cfg.project_name.clone();
    load.profiles = cfg.profiles.clone();
    let req = ConvertRequest {
        load,
        env: cfg.env.clone(),
        overlays: overlays.iter().map(|f| root.dir.join(f)).collect(),
        strict: cfg.strict,
        namespace: cfg.namespace.clone(),
    };
    let first_source = sources().len();
    // Every file the conversion opens is checked against the root first (nothing outside is
    // ever opened, and a missing outside file is refused like an existing one).
    let confined = crate::fsio::confine_reads(root);
    let converted = convert(&req);
    drop(confined);
    let converted = match converted {
        Ok(c) => c,
        Err(failure) => {
            // A failure while reading a file outside the root may quote that file (a malformed
            // `env_file` line is shown in its code frame): report the escape, never the text.
            let outside = outside_sources(root, first_source);
            return Err(if outside.is_empty() {
                failure
            } else {
                Failure(outside)
            });
        }
    };
    confine_project(&converted, root, first_source)?;
    Ok(converted)
}

/// Refuses a conversion that read (or points a config / secret at) a file outside the root:
/// `env_file`, `extends`, `include`, `.env`, configs, secrets.
fn confine_project(converted: &Converted, root: &Root, first_source: usize) -> Result<()> {
    let mut errors = outside_sources(root, first_source);
    confine_references(converted, root, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure(errors))
    }
}

/// The files read since `first_source` that lie outside the root, one error each.
fn outside_sources(root: &Root, first_source: usize) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for i in first_source..sources().len() {
        let Some(file) = sources().get(crate::yaml::SourceId(i as u32)) else {
            continue;
        };
        // Named texts (`<stdin>`, built-in presets) are not files.
        if file.path.exists() && !root.contains(&file.path) {
            errors.push(
                Diagnostic::error(format!(
                    "the project reads {}, which is outside the package root {}",
                    file.path.display(),
                    root.dir.display()
                ))
                .code(Code::KrmOutsideRoot)
                .help("a KRM function or kustomize plugin may only read files below the kustomization / package directory"),
            );
        }
    }
    errors
}

/// Config and secret `file:` paths that point outside the root.
fn confine_references(converted: &Converted, root: &Root, errors: &mut Vec<Diagnostic>) {
    for section in ["configs", "secrets"] {
        let defs = converted
            .project
            .canonical
            .get(section)
            .and_then(Node::as_map)
            .unwrap_or_default();
        for (name, def) in defs {
            if let Some((k, v)) = def.entry("file") {
                let path = v.scalar_string().unwrap_or_default();
                if !root.contains(std::path::Path::new(&path)) {
                    errors.push(
                        Diagnostic::error(format!(
                            "{section}.{}.file: {path} is outside the package root {}",
                            name.scalar_string().unwrap_or_default(),
                            root.dir.display()
                        ))
                        .at(if v.span.is_synthetic() {
                            k.span
                        } else {
                            v.span
                        })
                        .code(Code::KrmOutsideRoot),
                    );
                }
            }
        }
    }
}

/// `(apiVersion, kind, namespace, name)`.
fn identity(v: &Value) -> (String, String, String, String) {
    let s = |x: &Value| x.as_str().unwrap_or_default().to_string();
    (
        s(&v["apiVersion"]),
        s(&v["kind"]),
        s(&v["metadata"]["namespace"]),
        s(&v["metadata"]["name"]),
    )
}

fn is_function_annotation(key: &str) -> bool {
    key.starts_with("config.kubernetes.io/")
        || key.starts_with("internal.config.kubernetes.io/")
        || key.starts_with("config.k8s.io/")
        || key.starts_with("kustomize.config.k8s.io/")
}

/// Adds the generated objects to `items`: an item with the same identity is replaced (so
/// running the generator again changes nothing) and keeps its function annotations (its file);
/// a new object is filed under `<path>/<name>-<kind>.yaml`, as `komply convert -o` names it.
/// The ResourceList is JSON in and out, so the generated objects join it as JSON.
pub fn merge_generated(items: &mut Vec<Value>, objects: &[Value], path: &str) {
    for obj in objects {
        let file = crate::generate::file_name(
            obj["metadata"]["name"].as_str().unwrap_or("object"),
            obj["kind"].as_str().unwrap_or("object"),
            crate::generate::Format::Yaml,
        );
        let mut obj = obj.clone();
        let id = identity(&obj);
        match items.iter().position(|i| identity(i) == id) {
            Some(pos) => {
                let kept: Vec<(String, Value)> = items[pos]["metadata"]["annotations"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .filter(|(k, _)| is_function_annotation(k))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                set_annotations(&mut obj, kept);
                items[pos] = obj;
            }
            None => {
                let file = if path.is_empty() {
                    file
                } else {
                    format!("{}/{file}", path.trim_end_matches('/'))
                };
                set_annotations(
                    &mut obj,
                    vec![
                        (PATH.into(), json!(file)),
                        (LEGACY_PATH.into(), json!(file)),
                        (INDEX.into(), json!("0")),
                        (LEGACY_INDEX.into(), json!("0")),
                    ],
                );
                items.push(obj);
            }
        }
    }
}

fn set_annotations(obj: &mut Value, pairs: Vec<(String, Value)>) {
    if pairs.is_empty() {
        return;
    }
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let ann = meta.entry("annotations").or_insert_with(|| json!({}));
    if let Some(m) = ann.as_object_mut() {
        for (k, v) in pairs {
            m.insert(k, v);
        }
    }
}

/// The outcome of validating a set of resources.
pub struct Validation {
    /// `results[]` entries (function spec), one per active finding.
    pub results: Vec<Value>,
    /// True when the function must fail (exit 1).
    pub failed: bool,
    pub report: crate::lint::Report,
}

/// The lint configuration a validator uses: the config's `config` file (inside the root), else
/// `.komply.yaml` discovered upward from the root.
pub fn lint_config(cfg: &FnConfig, root: &Root) -> Result<Config> {
    match &cfg.config {
        Some(p) => {
            let path = root.check(p).map_err(|msg| {
                Failure::one(
                    Diagnostic::error(msg)
                        .at(cfg.span_of(p))
                        .code(Code::KrmOutsideRoot),
                )
            })?;
            Config::load(&root.dir.join(path))
        }
        // Found upward, but only inside the root (a function reads nothing outside it).
        None => Ok(Config::discover(&root.dir)
            .filter(|p| root.contains(p))
            .map(|p| Config::load(&p))
            .transpose()?
            .unwrap_or_default()),
    }
}

fn is_local_config(item: &Node) -> bool {
    item.at(&[
        "metadata",
        "annotations",
        "config.kubernetes.io/local-config",
    ])
    .and_then(Node::scalar_string)
    .is_some_and(|v| v == "true")
}

fn annotation(item: &Node, key: &str, legacy: &str) -> Option<String> {
    let ann = item.at(&["metadata", "annotations"])?;
    ann.get(key)
        .or_else(|| ann.get(legacy))
        .and_then(Node::scalar_string)
}

/// Lints `items` (local-config items such as the function's own config are skipped).
pub fn validate(items: &[Node], cfg: &FnConfig, config: Config) -> Validation {
    let mut objects = Vec::new();
    let mut item_of = Vec::new();
    let mut results = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if is_local_config(item) {
            continue;
        }
        match Object::from_node(item.clone()) {
            Some(o) => {
                objects.push(o);
                item_of.push(i);
            }
            None => results.push(json!({
                "message": format!("items[{i}] is not a Kubernetes object (no `kind`): not checked"),
                "severity": "error",
                "file": file_ref(item),
                "tags": {"rule": "KP003"},
            })),
        }
    }
    let opts = Options {
        config,
        no_inline_ignores: cfg.no_inline_ignores,
        ..Options::default()
    };
    let report = crate::lint::lint_objects(objects, &opts);
    for f in report.active() {
        let mut r = json!({
            "message": format!("[{}] {}", f.rule.id, f.message),
            "severity": f.severity.as_str(),
            "tags": {"rule": f.rule.id, "name": f.rule.name},
        });
        if let Some(idx) = f.object {
            let obj = &report.ctx.objects[idx];
            let mut rref =
                json!({"apiVersion": obj.api_version, "kind": obj.kind, "name": obj.name});
            if let Some(ns) = &obj.namespace {
                rref["namespace"] = json!(ns);
            }
            r["resourceRef"] = rref;
            if let Some(path) = field_path(&obj.node, f.span) {
                r["field"] = json!({"path": path});
            }
            if let Some(file) = item_of.get(idx).and_then(|&i| file_ref(&items[i])) {
                r["file"] = file;
            }
        }
        results.push(r);
    }
    let failed = results.iter().any(|r| r["severity"] == "error")
        || report.active().any(|f| f.severity >= cfg.fail_on);
    Validation {
        results,
        failed,
        report,
    }
}

fn file_ref(item: &Node) -> Option<Value> {
    let path = annotation(item, PATH, LEGACY_PATH)?;
    let mut f = json!({"path": path});
    if let Some(index) = annotation(item, INDEX, LEGACY_INDEX).and_then(|s| s.parse::<u64>().ok()) {
        f["index"] = json!(index);
    }
    Some(f)
}

/// The field path (`spec.template.spec.containers[0].securityContext`) of the key or value at
/// `span` inside `node`.
pub fn field_path(node: &Node, span: Span) -> Option<String> {
    fn walk(n: &Node, span: Span, path: &mut String) -> bool {
        if let Some(entries) = n.as_map() {
            for (k, v) in entries {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&k.scalar_string().unwrap_or_default());
                if k.span == span || v.span == span || walk(v, span, path) {
                    return true;
                }
                path.truncate(len);
            }
        } else if let Some(items) = n.as_seq() {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                if item.span == span || walk(item, span, path) {
                    return true;
                }
                path.truncate(len);
            }
        }
        false
    }
    let mut path = String::new();
    walk(node, span, &mut path).then_some(path)
}

/// A parsed `ResourceList`.
pub struct ResourceList {
    pub node: Node,
    pub items: Vec<Node>,
    pub function_config: Option<Node>,
}

/// Reads a `ResourceList` (YAML or JSON).
pub fn parse_resource_list(text: &str, name: &str) -> Result<ResourceList> {
    let id = sources().add_named(name, text);
    let mut docs = crate::yaml::parse_documents(id, text, &crate::yaml::Limits::default())?;
    docs.retain(|d| !d.is_null());
    let here = Span::point(id, 1, 1);
    let node = match docs.len() {
        1 => docs.remove(0),
        0 => {
            return Err(Failure::one(
                Diagnostic::error(format!(
                    "{name}: empty input: expected a ResourceList (apiVersion config.kubernetes.io/v1)"
                ))
                .at(here),
            ));
        }
        n => {
            return Err(Failure::one(
                Diagnostic::error(format!(
                    "{n} documents: a KRM function reads one ResourceList (apiVersion config.kubernetes.io/v1)"
                ))
                .at(docs[1].span),
            ));
        }
    };
    let kind = node.get("kind").and_then(Node::as_str);
    let api = node.get("apiVersion").and_then(Node::as_str);
    if !node.is_map()
        || kind != Some("ResourceList")
        || !api.is_some_and(|a| RESOURCE_LIST_VERSIONS.contains(&a))
    {
        return Err(Failure::one(
            Diagnostic::error(format!(
                "expected a ResourceList (apiVersion config.kubernetes.io/v1), found {}",
                match (api, kind) {
                    (Some(a), Some(k)) => format!("{a} {k}"),
                    _ => format!("{} without apiVersion / kind", node.type_name()),
                }
            ))
            .at(if node.span.is_synthetic() {
                here
            } else {
                node.span
            })
            .code(Code::KrmInvalidInput),
        ));
    }
    let items = match node.get("items") {
        None => Vec::new(),
        Some(n) if n.is_null() => Vec::new(),
        Some(n) => match n.as_seq() {
            Some(s) => s.to_vec(),
            None => {
                return Err(Failure::one(
                    Diagnostic::error(format!("`items` must be a list, found {}", n.type_name()))
                        .at(n.span)
                        .code(Code::KrmInvalidInput),
                ));
            }
        },
    };
    let function_config = node.get("functionConfig").cloned();
    Ok(ResourceList {
        node,
        items,
        function_config,
    })
}

/// Runs the function on a ResourceList text: the output text, the exit code (0 or 1), and the
/// diagnostics to print on stderr. Bad input is an `Err` (exit 2).
pub fn run(text: &str, root: &Root) -> Result<(String, u8, Vec<Diagnostic>)> {
    let list = parse_resource_list(text, "<stdin>")?;
    let cfg = FnConfig::read(list.function_config.as_ref())?;
    let mut out = list.node.to_json();
    let mut results: Vec<Value> = out["results"].as_array().cloned().unwrap_or_default();
    let mut stderr = Vec::new();
    let mut code = 0;
    match cfg.mode {
        config::Mode::Generate => {
            let converted = generate(&cfg, root)?;
            for d in converted
                .project
                .warnings
                .iter()
                .chain(&converted.output.warnings)
            {
                results.push(diagnostic_result(d));
                stderr.push(d.clone());
            }
            // Existing items as the user wrote them (kpt writes files back from our output);
            // what komply adds — objects and results — is redacted (the items are not).
            let mut objects = converted.output.values();
            objects
                .iter_mut()
                .for_each(crate::secrets::registry::redact_json);
            results
                .iter_mut()
                .for_each(crate::secrets::registry::redact_json);
            let objects = &objects;
            if let Some(text) = splice_generated(text, &list.node, objects, &cfg.path, &results) {
                return Ok((text, 0, stderr));
            }
            let mut items: Vec<Value> = list.items.iter().map(Node::to_json).collect();
            merge_generated(&mut items, objects, &cfg.path);
            out["items"] = Value::Array(items);
        }
        config::Mode::Validate => {
            let v = validate(&list.items, &cfg, lint_config(&cfg, root)?);
            results.extend(v.results);
            results
                .iter_mut()
                .for_each(crate::secrets::registry::redact_json);
            stderr.extend(v.report.active().map(crate::lint::output::diagnostic));
            code = u8::from(v.failed);
            // The items are unchanged: hand back the input text itself, so kpt writes every
            // file back byte for byte (quote styles included), with the results appended.
            if let Some(text) = append_results(text, &list.node, &results) {
                return Ok((text, code, stderr));
            }
            out["items"] = Value::Array(list.items.iter().map(Node::to_json).collect());
        }
    }
    if !results.is_empty() {
        out["results"] = Value::Array(results);
    }
    Ok((crate::yaml::to_yaml(&out), code, stderr))
}

/// The generator's output as an edit of the input text: items the generator replaces are cut
/// out, the generated items are added at the end of `items`, results are appended. Existing
/// items keep their exact text (quote styles, comments). The edit is verified by parsing it
/// back and comparing with the plain result; `None` (re-emit everything) when anything is off.
fn splice_generated(
    text: &str,
    node: &Node,
    objects: &[Value],
    path: &str,
    results: &[Value],
) -> Option<String> {
    let seq = node.get("items")?.as_seq()?;
    let entries = node.as_map()?;
    let pos = entries.iter().position(|(k, _)| k.scalar_eq("items"))?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Every item starts at a `-` line (its content may follow on the next line, after a
    // comment), all at the same indentation.
    let mut starts = Vec::new();
    let mut indent = None;
    for item in seq {
        let from = (item.span.start.line as usize).checked_sub(1)?;
        let dash = (0..=from).rev().find(|&l| {
            let t = lines.get(l).map(|x| x.trim_start()).unwrap_or_default();
            t.starts_with("- ") || t.trim_end() == "-" || t.starts_with("-\t")
        })?;
        let here = lines[dash].len() - lines[dash].trim_start().len();
        if *indent.get_or_insert(here) != here || starts.last().is_some_and(|&p| p >= dash) {
            return None;
        }
        starts.push(dash);
    }
    let indent = indent?;
    let end = match entries.get(pos + 1) {
        Some((k, _)) if !k.span.is_synthetic() => k.span.start.line as usize - 1,
        Some(_) => return None,
        None => lines.len(),
    };
    let originals: Vec<Value> = seq.iter().map(Node::to_json).collect();
    let mut merged = originals.clone();
    merge_generated(&mut merged, objects, path);
    let ids: Vec<_> = objects.iter().map(identity).collect();
    let generated: Vec<Value> = merged
        .iter()
        .filter(|i| ids.contains(&identity(i)))
        .cloned()
        .collect();
    let mut expected: Vec<Value> = originals
        .iter()
        .filter(|o| !ids.contains(&identity(o)))
        .cloned()
        .collect();
    expected.extend(generated.iter().cloned());

    let mut out = String::new();
    for (i, line) in lines.iter().enumerate().take(end) {
        let owner = starts.iter().rposition(|&s| s <= i);
        let cut = owner.is_some_and(|o| ids.contains(&identity(&originals[o])));
        if !cut {
            out.push_str(line);
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    if !generated.is_empty() {
        let pad = " ".repeat(indent);
        for line in crate::yaml::to_yaml(&Value::Array(generated)).lines() {
            out.push_str(&pad);
            out.push_str(line);
            out.push('\n');
        }
    }
    // `end` counts lines as the YAML parser does (a lone `\r` breaks a line too), so it may
    // pass the `\n`-split lines: then there is nothing after the items to keep.
    for line in lines.get(end..).unwrap_or_default() {
        out.push_str(line);
    }
    let out = append_results(&out, node, results)?;
    // Verify: the edit must mean exactly the plain result.
    let mut want = node.to_json();
    want["items"] = Value::Array(expected);
    if !results.is_empty() {
        want["results"] = Value::Array(results.to_vec());
    }
    let id = sources().add_named("<generated>", out.as_str());
    let docs = crate::yaml::parse_documents(id, &out, &crate::yaml::Limits::default()).ok()?;
    let got: Vec<Value> = docs
        .iter()
        .filter(|d| !d.is_null())
        .map(Node::to_json)
        .collect();
    (got.len() == 1 && got[0] == want).then_some(out)
}

/// `text` with a top-level `results:` appended, when that is safe: a block-style ResourceList
/// that has no `results` yet and ends without a document marker. `None` otherwise.
fn append_results(text: &str, node: &Node, results: &[Value]) -> Option<String> {
    if node.get("results").is_some() {
        return None;
    }
    let first = text
        .lines()
        .map(str::trim_end)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---")?;
    if !first.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None; // flow style / JSON
    }
    let body = text.trim_end();
    let last = body.lines().last().unwrap_or_default();
    if last == "..." || last == "---" || text.contains("\n---") && !text.starts_with("---") {
        return None;
    }
    let mut out = body.to_string();
    out.push('\n');
    if !results.is_empty() {
        out.push_str(&crate::yaml::to_yaml(&json!({ "results": results })));
    }
    Some(out)
}

/// A conversion warning as a result, pointing at its compose file.
fn diagnostic_result(d: &Diagnostic) -> Value {
    let mut r = json!({
        "message": d.message,
        "severity": match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        },
    });
    if let Some(code) = &d.code {
        r["tags"] = json!({"code": code});
    }
    if let Some(span) = d.span.filter(|s| !s.is_synthetic()) {
        r["file"] = json!({"path": sources().display(span.source)});
        r["tags"]["line"] = json!(span.start.line.to_string());
        r["tags"]["column"] = json!(span.start.col.to_string());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_objects_replace_their_earlier_selves_and_keep_their_file() {
        let mut items = vec![json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "annotations": {
                "internal.config.kubernetes.io/path": "old/a.yaml", "config.k8s.io/id": "3", "x": "y"}},
            "data": {"k": "old"}
        })];
        let objs = vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "new"}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}}),
        ];
        merge_generated(&mut items, &objs, "gen");
        merge_generated(&mut items, &objs, "gen");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["data"]["k"], "new");
        let ann = &items[0]["metadata"]["annotations"];
        assert_eq!(ann["internal.config.kubernetes.io/path"], "old/a.yaml");
        assert_eq!(ann["config.k8s.io/id"], "3");
        assert!(
            ann.get("x").is_none(),
            "user annotations come from the generator"
        );
        assert_eq!(
            items[1]["metadata"]["annotations"]["internal.config.kubernetes.io/path"],
            "gen/web-service.yaml"
        );
    }

    #[test]
    fn generator_output_keeps_existing_items_as_written() {
        let text = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: keep # a comment\n    annotations:\n      internal.config.kubernetes.io/path: 'keep.yaml'\n  data: {A: \"1\"}\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: web\n    annotations:\n      internal.config.kubernetes.io/path: 'old/web.yaml'\n  spec: {}\nfunctionConfig:\n  kind: Komply\n";
        let list = parse_resource_list(text, "<t>").unwrap();
        let objs = vec![
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "ClusterIP"}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}),
        ];
        let results = vec![json!({"message": "note", "severity": "info"})];
        let out = splice_generated(text, &list.node, &objs, "k8s", &results).expect("spliced");
        assert!(out.contains("    name: keep # a comment\n"), "{out}");
        assert!(out.contains("  data: {A: \"1\"}\n"), "{out}");
        assert!(
            !out.contains("spec: {}"),
            "the replaced Service is cut: {out}"
        );
        assert!(
            out.contains("internal.config.kubernetes.io/path: old/web.yaml"),
            "{out}"
        );
        assert!(out.contains("k8s/web-deployment.yaml"), "{out}");
        assert!(
            out.contains("functionConfig:\n  kind: Komply\nresults:\n"),
            "{out}"
        );
    }

    #[test]
    fn field_path_names_the_key() {
        let id = sources().add_named("<t>", "a:\n  b:\n  - c: 1\n    d: 2\n");
        let docs =
            crate::yaml::parse_documents(id, "a:\n  b:\n  - c: 1\n    d: 2\n", &Default::default())
                .unwrap();
        let d = &docs[0];
        let key = d.at(&["a", "b"]).unwrap().as_seq().unwrap()[0]
            .entry("d")
            .unwrap()
            .0
            .span;
        assert_eq!(field_path(d, key).as_deref(), Some("a.b[0].d"));
    }
}
