//! The deployability report (issue 12 item 9): `convert` and `check` end with it on stderr,
//! `migrate` writes it into MIGRATION.md; it is built from the run's ExternalSecrets and
//! diagnostic codes, and docs/deployability-report.md documents every code it gathers.

use std::path::{Path, PathBuf};
use std::process::Command;

use komply::deployability::{CODES, step_of};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn komply(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let o = Command::new(env!("CARGO_BIN_EXE_komply"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("COMPOSE_FILE")
        .output()
        .expect("run komply");
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        o.status.code().unwrap_or(-1),
    )
}

/// The project of docs/deployability-report.md: a secret, a build-only service, an unknown image,
/// a Docker socket.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "name: shop
services:
  worker:
    image: ghcr.io/acme/worker:1.2
  api:
    build: ./api
    environment:
      DATABASE_PASSWORD: example
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: example
    volumes:
      - db:/var/lib/postgresql/data
  proxy:
    image: traefik:v3.1
    ports: [\"80:80\"]
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
volumes:
  db: {}
",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("api")).unwrap();
    std::fs::write(
        dir.path().join("api/Dockerfile"),
        "FROM node:20\nCOPY . /app\nCMD [\"node\", \"/app/index.js\"]\n",
    )
    .unwrap();
    dir
}

fn report(stderr: &str) -> &str {
    let i = stderr
        .find("Before the pods start:\n")
        .unwrap_or_else(|| panic!("no report in:\n{stderr}"));
    &stderr[i..]
}

#[test]
fn convert_ends_with_the_steps_in_order_each_located() {
    let dir = project();
    let (stdout, stderr, code) = komply(dir.path(), &["convert", "--env", "prod"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stdout.contains("Before the pods"),
        "stdout stays clean YAML"
    );
    let r = report(&stderr);
    let want = [
        "  1. create these secrets",
        "     - ClusterSecretStore `secret-store`: `shop/api`: DATABASE_PASSWORD",
        "     - ClusterSecretStore `secret-store`: `shop/db`: POSTGRES_PASSWORD",
        "  2. build and push the images of build-only services:",
        "     - compose.yaml:6:5: service `api` has no `image`",
        "  3. give these containers a non-root user",
        "     - compose.yaml:4:5: service `worker`: komply does not know which user",
        "  4. provide what these host mounts carried",
        "     - compose.yaml:19:9: service `proxy`: the socket `/var/run/docker.sock`",
        "  5. check these figures:",
        "the default memory limit 1Gi applies to `api`, `db`, `proxy`, `worker`",
    ];
    let mut at = 0;
    for w in want {
        let i = r[at..]
            .find(w)
            .unwrap_or_else(|| panic!("`{w}` missing (or out of order) in:\n{r}"));
        at += i + w.len();
    }
    // Known images and a Dockerfile FROM a known image are not listed as unknown users.
    assert!(!r.contains("service `db`: komply does not know"), "{r}");
    assert!(!r.contains("service `api`: komply does not know"), "{r}");
    // The report is the end of stderr; --quiet leaves it (and the warnings) out.
    assert!(r.trim_end().ends_with("OOM-killed"), "{r}");
    let (_, quiet, _) = komply(dir.path(), &["convert", "--env", "prod", "--quiet"]);
    assert!(!quiet.contains("Before the pods start"), "{quiet}");
}

#[test]
fn check_prints_it_and_migrate_writes_it() {
    let dir = project();
    let (_, stderr, _) = komply(dir.path(), &["check", "--env", "prod"]);
    assert!(
        report(&stderr).contains("build and push the images"),
        "{stderr}"
    );
    let (_, stderr, code) = komply(
        dir.path(),
        &[
            "migrate",
            "compose.yaml",
            "--out",
            "deploy",
            "--envs",
            "prod",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let md = std::fs::read_to_string(dir.path().join("deploy/MIGRATION.md")).unwrap();
    let i = md.find("## Before the pods start").expect("section");
    let section = &md[i..];
    let end = section[3..]
        .find("\n## ")
        .map(|e| e + 3)
        .unwrap_or(section.len());
    let section = &section[..end];
    for w in [
        "create these secrets",
        "`shop/db`: POSTGRES_PASSWORD",
        "service `api` has no `image`",
        "service `worker`: komply does not know",
        "`/var/run/docker.sock`",
    ] {
        assert!(section.contains(w), "`{w}` missing in:\n{section}");
    }
}

#[test]
fn a_secret_generator_environment_lists_the_secret_to_create() {
    let dir = project();
    std::fs::create_dir(dir.path().join("overlays")).unwrap();
    std::fs::write(dir.path().join("overlays/gen.yaml"), "secrets: generator\n").unwrap();
    let (_, stderr, code) = komply(dir.path(), &["convert", "--env", "gen"]);
    assert_eq!(code, 0, "{stderr}");
    let r = report(&stderr);
    let first = r.lines().nth(1).unwrap_or_default();
    assert!(first.starts_with("  1. create these secrets"), "{r}");
    assert!(r.contains("uses `secrets: generator`"), "{r}");
    assert!(!r.contains("ClusterSecretStore"), "no ExternalSecret: {r}");
}

#[test]
fn nothing_to_do_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  cache:\n    image: redis:7.4\n",
    )
    .unwrap();
    let (_, stderr, code) = komply(dir.path(), &["convert"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("Before the pods start"), "{stderr}");
}

/// The page documents every code the report gathers (that each is emitted is checked with the
/// code registry, `komply::diag::Code`).
#[test]
fn every_code_is_documented() {
    let page = std::fs::read_to_string(root().join("docs/deployability-report.md")).unwrap();
    for (code, step) in CODES {
        assert!(
            page.contains(&format!("`{code}`")),
            "{code} is not documented in docs/deployability-report.md"
        );
        assert_eq!(step_of(*code), Some(*step));
    }
}
