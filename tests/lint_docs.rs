//! docs/rules/ is generated from the rules' doc comments; this test fails when it is stale.
//! Regenerate with `UPDATE_RULE_DOCS=1 cargo test --test lint_docs`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use komply::lint::rules::{ALL, RuleId, render_doc};

fn expected() -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut index = String::from(
        "# Lint rules\n\nGenerated from the rules' doc comments (`src/lint/rules/*.rs`) — do not edit; \
         run `UPDATE_RULE_DOCS=1 cargo test --test lint_docs`.\n\nIds are stable and never reused: \
         `KP0xx` input, `KP1xx` security, `KP2xx` resources, `KP3xx` images, `KP4xx` probes, \
         `KP5xx` references, `KP6xx` schema. Rules are named by id or name in `.komply.yaml` and in \
         `ignore.komply.dev/<rule>` annotations.\n\n| id | name | family | severity | default | summary |\n|---|---|---|---|---|---|\n",
    );
    for r in ALL {
        files.insert(format!("{}.md", r.id), render_doc(r));
        index.push_str(&format!(
            "| [{id}]({id}.md) | `{}` | {} | {} | {} | {} |\n",
            r.name,
            r.family.as_str(),
            r.severity.as_str(),
            if r.default_enabled { "on" } else { "off" },
            r.summary().replace('|', "\\|"),
            id = r.id,
        ));
    }
    files.insert("README.md".into(), index);
    files
}

#[test]
fn rule_docs_are_up_to_date() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let want = expected();
    if std::env::var_os("UPDATE_RULE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &want {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut on_disk = BTreeMap::new();
    for e in std::fs::read_dir(&dir).expect("docs/rules exists (UPDATE_RULE_DOCS=1 to create)") {
        let p = e.unwrap().path();
        on_disk.insert(
            p.file_name().unwrap().to_string_lossy().into_owned(),
            std::fs::read_to_string(&p).unwrap(),
        );
    }
    for (name, text) in &want {
        assert_eq!(
            on_disk.get(name),
            Some(text),
            "docs/rules/{name} is stale: UPDATE_RULE_DOCS=1 cargo test --test lint_docs"
        );
    }
    // Hand-written pages that sit beside the generated ones.
    const HAND_WRITTEN: &[&str] = &["peer-coverage.md"];
    let extra: Vec<&String> = on_disk
        .keys()
        .filter(|k| !want.contains_key(*k) && !HAND_WRITTEN.contains(&k.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "docs/rules has pages for no rule: {extra:?}"
    );
}

#[test]
fn every_rule_documents_why_and_how_to_fix() {
    let mut ids = std::collections::HashSet::new();
    let mut names = std::collections::HashSet::new();
    for r in ALL {
        assert!(
            ids.insert(r.id) && names.insert(r.name),
            "duplicate id or name: {} {}",
            r.id,
            r.name
        );
        let code = r.id.code();
        assert!(code.len() == 5 && code.starts_with("KP"), "{code}");
        let doc = r.doc();
        assert!(doc.contains("## Why"), "{} lacks ## Why", r.id);
        assert!(
            doc.contains("How to fix") || r.id == RuleId::UnknownDocument,
            "{} lacks How to fix",
            r.id
        );
        assert!(doc.contains("```"), "{} lacks an example", r.id);
        // A fix title is one short imperative sentence, as ruff's `fix_title`.
        let fix = r.fix_title;
        assert!(
            fix.starts_with(|c: char| c.is_ascii_uppercase())
                && !fix.ends_with('.')
                && !fix.contains('\n')
                && fix.chars().count() <= 100,
            "{}: fix title {fix:?}",
            r.id
        );
        assert!(
            r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            r.name
        );
    }
}
