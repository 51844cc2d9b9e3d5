//! By-hand sanity check over a directory of manifests outside the repo (not part of `cargo test`):
//! `KOMPLY_VALIDATE_DIR=../shared/corpus/kompose cargo test --test validate_corpus -- --ignored --nocapture`
//! (`KOMPLY_VALIDATE_NAME=output` keeps only files whose name contains it.) Prints every violation,
//! a `VERDICT valid|invalid PATH` line per file, and a summary.

use komply::fsio::load_yaml;
use komply::validate::validate_k8s;

#[test]
#[ignore]
fn validate_every_manifest_in_a_directory() {
    let Ok(dir) = std::env::var("KOMPLY_VALIDATE_DIR") else {
        eprintln!("set KOMPLY_VALIDATE_DIR");
        return;
    };
    let (mut objects, mut invalid, mut no_schema) = (0, 0, 0);
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy();
        let filter = std::env::var("KOMPLY_VALIDATE_NAME").unwrap_or_default();
        if !(name.contains(filter.as_str()) && (name.ends_with(".yaml") || name.ends_with(".yml")))
        {
            continue;
        }
        let docs = match load_yaml(path) {
            Ok((_, docs)) => docs,
            Err(e) => {
                println!("PARSE {}: {e}", path.display());
                continue;
            }
        };
        let mut file_invalid = false;
        for doc in docs.iter().filter(|d| !d.is_null()) {
            // kompose writes some outputs as a v1 List.
            let items: Vec<&komply::yaml::Node> = match doc.get("items").and_then(|i| i.as_seq()) {
                Some(items) if doc.get("kind").and_then(|k| k.as_str()) == Some("List") => {
                    items.iter().collect()
                }
                _ => vec![doc],
            };
            for obj in items {
                objects += 1;
                match validate_k8s(obj) {
                    Ok(v) if v.is_empty() => {}
                    Ok(v) => {
                        file_invalid = true;
                        for v in v {
                            println!(
                                "{}:{}:{}: {} ({})",
                                path.display(),
                                v.span.start.line,
                                v.span.start.col,
                                v.message,
                                v.pointer
                            );
                        }
                    }
                    Err(e) => {
                        no_schema += 1;
                        println!("NOSCHEMA {}: {e}", path.display());
                    }
                }
            }
        }
        if file_invalid {
            invalid += 1;
        }
        println!(
            "VERDICT {} {}",
            if file_invalid { "invalid" } else { "valid" },
            path.display()
        );
    }
    println!(
        "{objects} objects; {invalid} files with violations; {no_schema} objects without schema"
    );
}

/// Same for Compose files: every YAML file under KOMPLY_VALIDATE_COMPOSE_DIR against the compose
/// schema; prints each diagnostic and `VERDICT valid|invalid PATH`.
#[test]
#[ignore]
fn validate_every_compose_file_in_a_directory() {
    let Ok(dir) = std::env::var("KOMPLY_VALIDATE_COMPOSE_DIR") else {
        eprintln!("set KOMPLY_VALIDATE_COMPOSE_DIR");
        return;
    };
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy();
        if !(name.ends_with(".yaml") || name.ends_with(".yml")) {
            continue;
        }
        let docs = match load_yaml(path) {
            Ok((_, docs)) => docs,
            Err(e) => {
                println!("PARSE {}: {e}", path.display());
                continue;
            }
        };
        let Some(doc) = docs.first() else { continue };
        let diags = komply::validate::validate_compose(doc);
        for d in &diags {
            println!(
                "{d}{}",
                d.help
                    .as_ref()
                    .map(|h| format!(" [help: {h}]"))
                    .unwrap_or_default()
            );
        }
        println!(
            "VERDICT {} {}",
            if diags.is_empty() { "valid" } else { "invalid" },
            path.display()
        );
    }
}
