//! Prepares the embedded JSON Schemas (see docs/decisions/0002-schema-validation.md).
//!
//! The repo keeps the schemas verbatim: one small file per Kubernetes kind that `$ref`s into a
//! shared 1.8 MB `_definitions.json`. Parsing that file on every cold start would cost more than
//! the whole 10 ms budget of a one-file lint, so here, once per build, each kind becomes one
//! standalone document holding only the definitions it reaches, with annotation-only keywords
//! (`description`, `default`, `examples`, `x-kubernetes-*`) removed. Validation semantics are
//! unchanged; the binary embeds the results and compiles each one lazily on first use.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

const K8S_DIR: &str = "schemas/k8s/v1.37.0";
const CRD_DIR: &str = "schemas/crds";
/// How a kind file refers to a shared definition; inside `_definitions.json` refs are local.
const DEFS_REF_PREFIXES: [&str; 2] = ["/api/_definitions.json#/$defs/", "#/$defs/"];

fn def_name(reference: &str) -> Option<&str> {
    DEFS_REF_PREFIXES
        .iter()
        .find_map(|p| reference.strip_prefix(p))
}

fn main() {
    version_with_commit();
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={K8S_DIR}");
    println!("cargo:rerun-if-changed={CRD_DIR}");
    println!("cargo:rerun-if-changed=schemas/compose-spec.compose-go.json");

    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let schema_out = out.join("schemas");
    fs::create_dir_all(&schema_out).expect("create OUT_DIR/schemas");

    let defs_doc = read_json(&Path::new(K8S_DIR).join("_definitions.json"));
    let defs = defs_doc
        .get("$defs")
        .and_then(Value::as_object)
        .expect("_definitions.json has $defs");

    let mut entries: Vec<Entry> = Vec::new();

    for path in sorted_json_files(K8S_DIR) {
        let name = file_stem(&path);
        if name.starts_with('_') {
            continue;
        }
        let mut schema = read_json(&path);
        let (api_version, kind) = gvk(&schema, &path);
        // Collect every definition the kind reaches, transitively.
        let mut reached = BTreeSet::new();
        let mut todo = Vec::new();
        collect_refs(&schema, &mut todo);
        while let Some(def) = todo.pop() {
            if reached.insert(def.clone()) {
                let body = defs
                    .get(&def)
                    .unwrap_or_else(|| panic!("{}: unknown $ref {def}", path.display()));
                collect_refs(body, &mut todo);
            }
        }
        let mut own_defs = Map::new();
        for def in &reached {
            let mut body = defs[def].clone();
            rewrite_refs(&mut body);
            strip_annotations(&mut body);
            own_defs.insert(def.clone(), body);
        }
        rewrite_refs(&mut schema);
        strip_annotations(&mut schema);
        // Emitted as draft-07 (`definitions`): the k8s schemas use no keyword whose meaning
        // differs from 2020-12 and have no `$ref` siblings, and jsonschema compiles draft-07
        // in half the time (its 2020-12 meta-schema work costs ~3 ms on a cold one-file lint).
        let schema = to_draft7_refs(schema);
        let own_defs: Map<String, Value> = own_defs
            .into_iter()
            .map(|(k, v)| (k, to_draft7_refs(v)))
            .collect();
        let mut schema = schema;
        let obj = schema.as_object_mut().expect("schema is an object");
        obj.insert(
            "$schema".into(),
            "http://json-schema.org/draft-07/schema#".into(),
        );
        obj.insert("definitions".into(), Value::Object(own_defs));
        let file = format!("k8s-{name}.json");
        write_json(&schema_out.join(&file), &schema);
        entries.push(Entry {
            api_version,
            kind,
            file,
            draft: "Draft7",
            origin: format!("{K8S_DIR}/{name}.json"),
        });
    }

    for path in sorted_json_files(CRD_DIR) {
        let name = file_stem(&path);
        let mut schema = read_json(&path);
        let (api_version, kind) = gvk(&schema, &path);
        strict_object_meta(&mut schema, defs);
        strip_annotations(&mut schema);
        let file = format!("crd-{name}.json");
        write_json(&schema_out.join(&file), &schema);
        entries.push(Entry {
            api_version,
            kind,
            file,
            draft: "Draft7",
            origin: format!("{CRD_DIR}/{name}.json"),
        });
    }

    let mut compose = read_json(Path::new("schemas/compose-spec.compose-go.json"));
    strip_annotations(&mut compose);
    write_json(&schema_out.join("compose-spec.json"), &compose);

    // Duplicate apiVersion/kind pairs would make the lookup ambiguous.
    let mut seen = BTreeMap::new();
    for e in &entries {
        if let Some(prev) = seen.insert((e.api_version.clone(), e.kind.clone()), &e.origin) {
            panic!(
                "{} and {} both define {} {}",
                prev, e.origin, e.api_version, e.kind
            );
        }
    }

    let mut table = String::from(
        "// Generated by build.rs: every embedded Kubernetes / CRD schema.\n\
         pub(crate) static SCHEMAS: &[SchemaEntry] = &[\n",
    );
    for e in &entries {
        table.push_str(&format!(
            "    SchemaEntry {{ api_version: {:?}, kind: {:?}, draft: jsonschema::Draft::{}, origin: {:?}, text: include_str!(concat!(env!(\"OUT_DIR\"), \"/schemas/{}\")) }},\n",
            e.api_version, e.kind, e.draft, e.origin, e.file
        ));
    }
    table.push_str("];\n");
    table.push_str(&format!(
        "pub(crate) const SCHEMA_COUNT: usize = {};\n",
        entries.len()
    ));
    table.push_str(
        "pub(crate) static COMPOSE_SCHEMA: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/schemas/compose-spec.json\"));\n",
    );
    fs::write(out.join("schema_table.rs"), table).expect("write schema_table.rs");
}

/// `KOMPLY_VERSION`: the package version plus the commit it was built from, for `--version`
/// (never in generated objects or reports, which must not change from commit to commit). The
/// commit comes from, in order: `KOMPLY_BUILD_COMMIT` (release builds set it), `git` when this
/// package is the repository's top level (a crate unpacked inside someone else's repository
/// must not report their commit), or the `.cargo_vcs_info.json` that `cargo package` writes
/// into crates and source tarballs. None of them: the bare version. Never fails the build.
fn version_with_commit() {
    println!("cargo:rerun-if-env-changed=KOMPLY_BUILD_COMMIT");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = std::env::var("KOMPLY_BUILD_COMMIT")
        .ok()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .or_else(commit_from_git)
        .or_else(commit_from_vcs_info)
        .map(|c| c.chars().take(12).collect::<String>());
    match commit {
        Some(c) => println!("cargo:rustc-env=KOMPLY_VERSION={version} ({c})"),
        None => println!("cargo:rustc-env=KOMPLY_VERSION={version}"),
    }
}

fn commit_from_git() -> Option<String> {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let out = std::process::Command::new("git")
        .current_dir(&manifest_dir)
        .args([
            "rev-parse",
            "--show-toplevel",
            "--absolute-git-dir",
            "--git-common-dir",
            "HEAD",
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let mut lines = text.lines();
    let (top, git_dir, common, head) = (lines.next()?, lines.next()?, lines.next()?, lines.next()?);
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(Path::new(top), &manifest_dir) {
        return None;
    }
    // Rebuild when HEAD moves: HEAD itself (checkout), the branch it points to (commit), and
    // packed-refs (a branch without a loose ref). Only existing files: cargo treats a missing
    // one as changed on every build.
    let git_dir = PathBuf::from(git_dir);
    let common = git_dir.join(common);
    let mut watch = vec![git_dir.join("HEAD"), common.join("packed-refs")];
    let mut watch_dirs: Vec<PathBuf> = Vec::new();
    if let Ok(head_file) = fs::read_to_string(git_dir.join("HEAD"))
        && let Some(r) = head_file.trim().strip_prefix("ref: ")
    {
        let loose = common.join(r);
        // A fresh clone keeps the branch in packed-refs; the first commit then creates the
        // loose ref, which only a watch on its directory sees.
        if !loose.is_file()
            && let Some(dir) = loose.parent()
        {
            watch_dirs.push(dir.to_path_buf());
        }
        watch.push(loose);
    }
    for d in watch_dirs.iter().filter(|d| d.is_dir()) {
        println!("cargo:rerun-if-changed={}", d.display());
    }
    for p in watch.iter().filter(|p| p.is_file()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    let head = head.trim();
    (head.len() >= 7 && head.bytes().all(|b| b.is_ascii_hexdigit())).then(|| head.to_string())
}

fn commit_from_vcs_info() -> Option<String> {
    let path = Path::new(".cargo_vcs_info.json");
    if !path.is_file() {
        return None;
    }
    println!("cargo:rerun-if-changed=.cargo_vcs_info.json");
    let v: Value = serde_json::from_str(&fs::read_to_string(path).ok()?).ok()?;
    v.pointer("/git/sha1")?.as_str().map(str::to_string)
}

struct Entry {
    api_version: String,
    kind: String,
    file: String,
    draft: &'static str,
    origin: String,
}

/// A CRD's OpenAPI schema says only `metadata: {type: object}`, but the API server validates a
/// custom resource's metadata as an ObjectMeta (and rejects unknown fields under strict field
/// validation, kubectl's default). Give the CRD schemas the same strict ObjectMeta the core kinds
/// have, so `metadata.lables` is caught on a VirtualService too.
fn strict_object_meta(schema: &mut Value, defs: &Map<String, Value>) {
    const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
    let loose = serde_json::json!({"type": "object"});
    if schema.pointer("/properties/metadata") != Some(&loose) {
        return;
    }
    let mut reached = BTreeSet::new();
    let mut todo = vec![OBJECT_META.to_string()];
    while let Some(def) = todo.pop() {
        if reached.insert(def.clone()) {
            collect_refs(&defs[&def], &mut todo);
        }
    }
    let mut definitions = Map::new();
    for def in reached {
        let mut body = defs[&def].clone();
        rewrite_refs(&mut body);
        definitions.insert(def, to_draft7_refs(body));
    }
    let obj = schema.as_object_mut().expect("schema is an object");
    assert!(
        !obj.contains_key("definitions"),
        "CRD schema already has definitions"
    );
    obj.insert("definitions".into(), Value::Object(definitions));
    obj["properties"]["metadata"] =
        serde_json::json!({"$ref": format!("#/definitions/{OBJECT_META}")});
}

/// `#/$defs/X` → `#/definitions/X` (draft-07 spelling).
fn to_draft7_refs(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, v) in m.iter_mut() {
                    if k == "$ref" {
                        if let Some(def) = v.as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
                            *v = Value::String(format!("#/definitions/{def}"));
                        }
                    } else {
                        walk(v);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

fn sorted_json_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn file_stem(p: &Path) -> String {
    p.file_stem()
        .and_then(|s| s.to_str())
        .expect("utf-8 file name")
        .to_string()
}

fn read_json(p: &Path) -> Value {
    let text = fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn write_json(p: &Path, v: &Value) {
    fs::write(p, serde_json::to_string(v).expect("serialize")).expect("write schema");
}

/// The single apiVersion and kind a schema accepts (from its `enum`s).
fn gvk(schema: &Value, path: &Path) -> (String, String) {
    let one = |field: &str| -> String {
        schema
            .pointer(&format!("/properties/{field}/enum/0"))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{}: no {field} enum", path.display()))
            .to_string()
    };
    (one("apiVersion"), one("kind"))
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if k == "$ref" {
                    if let Some(def) = v.as_str().and_then(def_name) {
                        out.push(def.to_string());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                if k == "$ref" {
                    if let Some(def) = v.as_str().and_then(def_name) {
                        *v = Value::String(format!("#/$defs/{def}"));
                    }
                } else {
                    rewrite_refs(v);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// Removes keywords that never affect validation. Walks the schema structurally, so a *property*
/// named `description` or `default` (a key of `properties`) is kept.
fn strip_annotations(schema: &mut Value) {
    match schema {
        Value::Object(m) => {
            m.retain(|k, v| {
                !((k == "description" && v.is_string())
                    || k == "default"
                    || k == "examples"
                    || k == "$comment"
                    || k.starts_with("x-kubernetes-"))
            });
            for (k, v) in m.iter_mut() {
                match k.as_str() {
                    // Maps of name → schema.
                    "properties" | "patternProperties" | "$defs" | "definitions"
                    | "dependentSchemas" => {
                        if let Value::Object(named) = v {
                            named.values_mut().for_each(strip_annotations);
                        }
                    }
                    // Data, not schemas.
                    "enum" | "const" | "required" => {}
                    _ => strip_annotations(v),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_annotations),
        _ => {}
    }
}
