//! `docs/diagnostics.md`, the registry of diagnostic codes, made from [`Code`]'s declarations.
//! The test below fails when the page on disk is stale; `UPDATE_DOCS=1 cargo test --lib
//! diag::page` writes it.

use std::fmt::Write as _;

use super::code::{Code, Stage};

/// The page, Markdown: one section per stage, a row per code, then each code's documentation.
pub fn registry_page() -> String {
    let mut s = String::from(
        "# Diagnostic codes\n\nGenerated from `src/diag/code.rs` — do not edit; run \
         `UPDATE_DOCS=1 cargo test --lib diag::page`.\n\n\
         Every warning and error komply reports while reading, converting and validating carries \
         a code, printed in brackets — `warning[compose/unsupported-key]: …` — and as `code` in \
         the KRM function's results. Codes are stable: scripts may match them. Lint findings \
         carry their rule instead (`error[KP101/run-as-non-root]`): see \
         [Lint rules](rules/README.md). The codes behind the \"Before the pods start\" checklist \
         are listed in [the deployability report](deployability-report.md).\n\n",
    );
    let strict: Vec<String> = Code::ALL
        .iter()
        .filter(|c| c.is_strict_error())
        .map(|c| format!("`{c}`"))
        .collect();
    let _ = writeln!(
        s,
        "With `--strict` (`convert`, `check`, `diff`; `strict: true` in the KRM function), these \
         warnings are errors and the command exits 2: {}.\n",
        strict.join(", ")
    );
    for stage in Stage::ALL {
        section(&mut s, *stage);
    }
    s.truncate(s.trim_end().len());
    s.push('\n');
    s
}

/// One stage: its title, its intro, the table of its codes and each code's documentation.
fn section(s: &mut String, stage: Stage) {
    let codes: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| c.stage() == stage)
        .collect();
    let _ = writeln!(s, "## {}\n\n{}\n", stage.title(), stage.intro());
    s.push_str("| code | summary |\n|---|---|\n");
    for c in &codes {
        let _ = writeln!(
            s,
            "| [`{c}`](#{}) | {} |",
            anchor(*c),
            c.summary().replace('|', "\\|")
        );
    }
    s.push('\n');
    for c in &codes {
        let _ = writeln!(s, "### `{c}`\n\n{}\n", c.doc());
        if c.is_strict_error() {
            s.push_str("With `--strict`, an error.\n\n");
        }
    }
}

/// The anchor GitHub gives the heading `` ### `code` ``: lowercase, punctuation other than `-`
/// and `_` dropped.
fn anchor(c: Code) -> String {
    c.as_str()
        .chars()
        .filter(|ch| ch.is_alphanumeric() || *ch == '-' || *ch == '_')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_page_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md");
        let want = registry_page();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/diagnostics.md is stale: UPDATE_DOCS=1 cargo test --lib diag::page"
        );
    }

    #[test]
    fn anchors_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(seen.insert(anchor(*c)), "{c}: anchor taken");
        }
    }
}
