//! docs/x-komply-reference.md and docs/overlay-reference.md are generated from the JSON Schemas
//! komply validates those inputs with (`schemas/*.schema.json`); this test fails when a page is
//! stale. Regenerate with `UPDATE_DOCS=1 cargo test --test schema_docs`.
//!
//! The renderer is generic over the schema keywords the schemas use (properties, required,
//! `$ref`/`$defs`, enum/const, oneOf/anyOf, items, additionalProperties, bounds, pattern,
//! default, description, examples), so a new key in a schema needs no change here.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

struct Page {
    /// Headings for `$defs` entries (by name); others use the name.
    headings: &'static [(&'static str, &'static str)],
    schema: &'static str,
    doc: &'static str,
    title: &'static str,
    intro: &'static str,
}

const PAGES: &[Page] = &[
    Page {
        headings: &[
            ("service", "Service level: `services.<name>.x-komply`"),
            ("project", "Project level: top-level `x-komply`"),
        ],
        schema: "schemas/x-komply.schema.json",
        doc: "docs/x-komply-reference.md",
        title: "`x-komply` reference",
        intro: "`x-komply` is komply's Compose extension: on a service (`services.<name>.x-komply`) it \
                says how that service becomes Kubernetes objects; at the top level of the file \
                (`x-komply:` beside `services:`) it holds project-wide settings. Unknown keys and \
                wrong types are errors at their `file:line:col`. For completion in your editor, \
                `komply schema x-komply > x-komply.schema.json` and point your YAML language \
                server at it.",
    },
    Page {
        headings: &[],
        schema: "schemas/overlay.schema.json",
        doc: "docs/overlay-reference.md",
        title: "Overlay reference",
        intro: "An overlay (`overlays/<env>.yaml` beside the compose file, or `--overlay FILE`) \
                changes what `komply convert --env <env>` makes for one environment. \
                `komply schema overlay` prints this schema for editor completion.",
    },
    Page {
        headings: &[],
        schema: "schemas/komply-config.schema.json",
        doc: "docs/komply-config-reference.md",
        title: "`.komply.yaml` reference",
        intro: "`.komply.yaml` configures the linter (`komply lint`, `komply check`, the KRM \
                function's validator): which rules run and how severe they are, which objects are \
                exempt, and which values are secrets. komply reads it from the current directory \
                or the nearest directory above it, or from `--config FILE`; a mistake is an error \
                at its `file:line:col`. `komply schema komply-config` prints this schema for \
                editor completion. Inline exemptions are annotations: \
                `ignore.komply.dev/<rule id or name>: \"<reason>\"` on an object or its pod template.",
    },
    Page {
        headings: &[
            ("finding", "A finding: `findings[]`"),
            ("object", "The object of a finding: `findings[].object`"),
            ("summary", "The counts: `summary`"),
        ],
        schema: "schemas/lint-report.schema.json",
        doc: "docs/lint-report-reference.md",
        title: "JSON lint report reference",
        intro: "What `komply lint --format json` and `komply check --format json` print. \
                `komply schema lint-report` prints this schema; tests/code_scanning.rs validates \
                real reports against it. For GitHub code scanning use `--format sarif` instead \
                (docs/github-actions.md).",
    },
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn code(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

fn def_name(r: &str) -> Option<&str> {
    r.strip_prefix("#/$defs/")
        .or_else(|| r.strip_prefix("#/definitions/"))
}

fn anchor(name: &str) -> String {
    format!("#{}", name.to_lowercase().replace([' ', '_'], "-"))
}

/// "integer ≥ 1", "one of `a`, `b`", "list of string", "see [service](#service)".
fn type_phrase(s: &Value) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return match def_name(r) {
            Some(n) => format!("[{n}]({})", anchor(n)),
            None => format!("`{r}`"),
        };
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        let v: Vec<String> = values.iter().map(code).collect();
        return format!("one of {}", v.join(", "));
    }
    if let Some(c) = s.get("const") {
        return code(c);
    }
    for k in ["oneOf", "anyOf"] {
        if let Some(branches) = s.get(k).and_then(Value::as_array) {
            let v: Vec<String> = branches.iter().map(type_phrase).collect();
            return v.join(", or ");
        }
    }
    let types: Vec<String> = match s.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ if s.get("properties").is_some() => vec!["object".into()],
        _ => vec![],
    };
    let mut words: Vec<String> = types
        .iter()
        .map(|t| match t.as_str() {
            "array" => match s.get("items") {
                Some(items) => format!("list of {}", type_phrase(items)),
                None => "list".into(),
            },
            "object" if s.get("properties").is_none() => match s.get("additionalProperties") {
                Some(v @ Value::Object(_)) => format!("map of string to {}", type_phrase(v)),
                _ => "mapping".into(),
            },
            "object" => "mapping".into(),
            other => other.to_string(),
        })
        .collect();
    if words.is_empty() {
        words.push("any".into());
    }
    let mut out = words.join(" or ");
    if let Some(m) = s.get("minimum") {
        let _ = write!(out, " ≥ {m}");
    }
    if let Some(m) = s.get("exclusiveMinimum") {
        let _ = write!(out, " > {m}");
    }
    if let Some(m) = s.get("maximum") {
        let _ = write!(out, " ≤ {m}");
    }
    if let Some(m) = s.get("maxLength") {
        let _ = write!(out, ", at most {m} characters");
    }
    if let Some(p) = s.get("pattern").and_then(Value::as_str) {
        let _ = write!(out, ", matching `{p}`");
    }
    out
}

/// Text for a table cell: `|` escaped everywhere, `<` escaped outside code spans (GitHub would
/// take `<project>` for an HTML tag and hide it).
fn cell(text: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for ch in text.chars() {
        match ch {
            '`' => {
                in_code = !in_code;
                out.push(ch);
            }
            '|' => out.push_str("\\|"),
            '\n' => out.push(' '),
            '<' if !in_code => out.push_str("&lt;"),
            c => out.push(c),
        }
    }
    out
}

/// One table row per key, nested keys flattened as `a.b` (`a[].b` inside lists).
fn rows(s: &Value, prefix: &str, out: &mut String) {
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = s.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (key, p) in props {
        let path = format!("{prefix}{key}");
        let mut notes = Vec::new();
        if required.contains(&key.as_str()) {
            notes.push("**required**".to_string());
        }
        if let Some(d) = p.get("default") {
            notes.push(format!("default {}", code(d)));
        }
        let mut desc = p
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !notes.is_empty() {
            if !desc.is_empty() {
                desc.push(' ');
            }
            let _ = write!(desc, "({})", notes.join(", "));
        }
        let _ = writeln!(
            out,
            "| `{path}` | {} | {} |",
            cell(&type_phrase(p)),
            cell(&desc)
        );
        rows(p, &format!("{path}."), out);
        if let Some(items) = p.get("items") {
            rows(items, &format!("{path}[]."), out);
        }
    }
}

fn section(heading: &str, s: &Value, out: &mut String) {
    let _ = writeln!(out, "## {heading}\n");
    if let Some(d) = s.get("description").and_then(Value::as_str) {
        let _ = writeln!(out, "{d}\n");
    }
    if s.get("properties").is_some() {
        out.push_str("| key | type | description |\n|---|---|---|\n");
        rows(s, "", out);
        out.push('\n');
    } else {
        let _ = writeln!(out, "Type: {}.\n", type_phrase(s));
    }
    for ex in s
        .get("examples")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let _ = writeln!(
            out,
            "```json\n{}\n```\n",
            serde_json::to_string_pretty(ex).unwrap()
        );
    }
}

fn render(page: &Page, schema: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", page.title);
    let _ = writeln!(
        out,
        "Generated from [`{}`](../{}) — do not edit; run `UPDATE_DOCS=1 cargo test --test schema_docs`.\n",
        page.schema, page.schema
    );
    let _ = writeln!(out, "{}\n", page.intro);
    // The root: its own properties, or the definition it refers to first.
    let root_def = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(def_name);
    if schema.get("properties").is_some() {
        section("Top level", schema, &mut out);
    }
    let defs = schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .and_then(Value::as_object);
    let mut names: Vec<&String> = defs.map(|d| d.keys().collect()).unwrap_or_default();
    // The root definition first, the others in schema order.
    names.sort_by_key(|n| Some(n.as_str()) != root_def);
    for name in names {
        let heading = page
            .headings
            .iter()
            .find(|(n, _)| n == name)
            .map_or(name.as_str(), |(_, h)| h);
        section(heading, &defs.unwrap()[name], &mut out);
    }
    out.trim_end().to_string() + "\n"
}

#[test]
fn schema_reference_pages_are_up_to_date() {
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut checked = 0;
    for page in PAGES {
        let schema_path = root().join(page.schema);
        let text = std::fs::read_to_string(&schema_path)
            .unwrap_or_else(|e| panic!("{}: {e}", schema_path.display()));
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        let want = render(page, &schema);
        let doc = root().join(page.doc);
        if update {
            std::fs::write(&doc, &want).unwrap();
        }
        let have = std::fs::read_to_string(&doc).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale (or missing): UPDATE_DOCS=1 cargo test --test schema_docs",
            page.doc
        );
        checked += 1;
    }
    assert!(checked >= 1, "the x-komply reference at least");
}

#[test]
fn every_key_of_the_schema_is_documented() {
    let text = std::fs::read_to_string(root().join("schemas/x-komply.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let page = render(&PAGES[0], &schema);
    for (def, body) in schema["$defs"].as_object().unwrap() {
        for key in body["properties"].as_object().unwrap().keys() {
            assert!(
                page.contains(&format!("| `{key}` |")),
                "{def}.{key} missing"
            );
        }
    }
    assert!(page.contains("| `autoscale.max` | integer ≥ 1 |"), "{page}");
}
