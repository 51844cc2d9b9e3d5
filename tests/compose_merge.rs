//! Merge rules and normalisation, on inputs whose expected results were taken from the oracle
//! (`docker compose config` v2.40.3; the same inputs are re-checked live by
//! conformance/10-compose-oracle.sh).

use std::path::{Path, PathBuf};

use komply::compose::{LoadOptions, Project, config_output, load, merge};
use komply::source::sources;
use komply::yaml::{Limits, Node, parse_documents};
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/compose")
        .join(name)
}

fn load_files(dir: &Path, files: &[&str], env: &[(&str, &str)], profiles: &[&str]) -> Project {
    let opts = LoadOptions {
        files: files.iter().map(|f| dir.join(f)).collect(),
        environment: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        working_dir: dir.to_path_buf(),
        resolve_paths: false,
        project_name: Some("m".into()),
        profiles: profiles.iter().map(|p| p.to_string()).collect(),
        ..Default::default()
    };
    load(&opts).unwrap_or_else(|e| panic!("load failed: {e}"))
}

fn yaml(text: &str) -> Node {
    let id = sources().add_named("<test>", text);
    parse_documents(id, text, &Limits::default())
        .expect("valid yaml")
        .remove(0)
}

#[test]
fn override_file_follows_the_spec_merge_rules() {
    let p = load_files(
        &fixture("merge-rules"),
        &["base.yaml", "override.yaml"],
        &[],
        &[],
    );
    let out = config_output(&p);
    let app = &out["services"]["app"];
    // command replaced (and a string command is shell-split)
    assert_eq!(app["command"], json!(["b", "c"]));
    // build string → map, then merged
    assert_eq!(
        app["build"],
        json!({"context": ".", "dockerfile": "Other.Dockerfile"})
    );
    // environment list + map merged by key, later wins
    assert_eq!(app["environment"], json!({"A": "1", "B": "3", "C": "4"}));
    assert_eq!(app["labels"], json!({"l1": "a", "l2": "b"}));
    // ports: de-duplicated on (ip, published, target, protocol), new ones appended
    let published: Vec<&str> = app["ports"]
        .as_array()
        .expect("ports")
        .iter()
        .map(|p| p["published"].as_str().expect("published"))
        .collect();
    assert_eq!(published, ["80", "443", "8080"]);
    // volumes: unique on target, the override's bind replaces the base's
    assert_eq!(app["volumes"][0]["source"], "./b");
    assert_eq!(app["volumes"].as_array().map(Vec::len), Some(2));
    // networks / depends_on: list → map, then merged
    assert_eq!(
        app["networks"],
        json!({"back": {"aliases": ["x"]}, "front": null})
    );
    assert_eq!(
        app["depends_on"],
        json!({"db": {"condition": "service_healthy", "required": true}})
    );
    // logging: same (or no) driver → options merged
    assert_eq!(
        app["logging"],
        json!({"driver": "json-file", "options": {"max-file": "3", "max-size": "1m"}})
    );
    // healthcheck.test replaced, the rest merged
    assert_eq!(
        app["healthcheck"],
        json!({"test": ["CMD", "b"], "interval": "10s"})
    );
    // secrets: unique on target; mode printed in octal
    assert_eq!(
        app["secrets"],
        json!([{"source": "s1", "target": "/run/secrets/s1", "mode": "0400"}])
    );
    // service-level x-* left out of the output, kept in the canonical tree
    assert!(app.get("x-custom").is_none());
    assert!(p.canonical.at(&["services", "app", "x-custom"]).is_some());
    assert_eq!(out["x-top"], json!({"a": 1}));
}

#[test]
fn canonical_nodes_keep_their_source_spans() {
    let p = load_files(
        &fixture("merge-rules"),
        &["base.yaml", "override.yaml"],
        &[],
        &[],
    );
    let image = p
        .canonical
        .at(&["services", "app", "image"])
        .expect("image");
    assert!(sources().display(image.span.source).ends_with("base.yaml"));
    assert_eq!((image.span.start.line, image.span.start.col), (3, 12));
    let dockerfile = p
        .canonical
        .at(&["services", "app", "build", "dockerfile"])
        .expect("dockerfile");
    assert!(
        sources()
            .display(dockerfile.span.source)
            .ends_with("override.yaml")
    );
}

#[test]
fn reset_and_override_tags_work_at_any_depth() {
    let base = yaml(
        "services:\n  a:\n    image: x\n    ports: ['80:80']\n    environment: {FOO: bar, KEEP: k}\n    build: .\n",
    );
    let over = yaml(
        "services:\n  a:\n    ports: !override ['81:81']\n    environment: {FOO: !reset null}\n    build: !reset\n",
    );
    let merged = merge::merge(base, over).expect("merge");
    let a = merged.at(&["services", "a"]).expect("service");
    assert!(a.get("build").is_none());
    let ports: Vec<Value> = a
        .get("ports")
        .expect("ports")
        .as_seq()
        .expect("seq")
        .iter()
        .map(Node::to_json)
        .collect();
    assert_eq!(ports, [json!("81:81")]);
    // FOO reset, KEEP kept (the merge flattens environment to K=V)
    let env = a.get("environment").expect("env").to_json();
    assert_eq!(env, json!(["KEEP=k"]));
}

#[test]
fn sequences_without_a_rule_are_appended() {
    let base = yaml("services:\n  a:\n    security_opt: [x]\n    cap_add: [A]\n");
    let over = yaml("services:\n  a:\n    security_opt: [x]\n    cap_add: [A, B]\n");
    let mut merged = merge::merge(base, over).expect("merge");
    merge::enforce_unicity(&mut merged);
    assert_eq!(
        merged
            .at(&["services", "a", "security_opt"])
            .map(Node::to_json),
        Some(json!(["x", "x"]))
    );
    assert_eq!(
        merged.at(&["services", "a", "cap_add"]).map(Node::to_json),
        Some(json!(["A", "B"]))
    );
}

#[test]
fn extends_chain_rebases_relative_paths() {
    let dir = fixture("extends-chain");
    let p = load_files(&dir, &["compose.yaml"], &[], &[]);
    let out = config_output(&p);
    let web = &out["services"]["web"];
    assert_eq!(web["image"], "busybox");
    assert_eq!(web["command"], json!(["local"]));
    assert_eq!(web["build"]["context"], "base/ctx");
    assert_eq!(web["security_opt"], json!(["label=b", "label=a"]));
    assert_eq!(
        web["environment"],
        json!({"BASE": "1", "LOCAL": "1", "ROOT": "1"})
    );
    assert_eq!(web["healthcheck"]["interval"], "1m30s");
    let sources: Vec<&str> = web["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .map(|v| v["source"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(sources, ["base/base-data", "base/logs"]);
    assert_eq!(out["services"]["worker"]["volumes"][0]["source"], "./work");
}

#[test]
fn profiles_filter_services_and_typed_fields_are_cast() {
    let dir = fixture("profiles-cast");
    let p = load_files(&dir, &["compose.yaml"], &[("N", "3")], &[]);
    let out = config_output(&p);
    let names: Vec<&String> = out["services"]
        .as_object()
        .expect("services")
        .keys()
        .collect();
    assert_eq!(names, ["app"]);
    let app = &out["services"]["app"];
    assert_eq!(app["scale"], 3);
    assert_eq!(app["deploy"]["replicas"], 3);
    assert_eq!(
        app["deploy"]["resources"]["limits"],
        json!({"cpus": 0.5, "memory": "536870912"})
    );
    assert_eq!(app["read_only"], true);
    assert_eq!(app["stop_grace_period"], "1m30s");
    assert_eq!(app["shm_size"], "67108864");
    assert_eq!(
        app["ports"],
        json!([{"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}])
    );
    // unused top-level volume dropped; default network added
    assert!(out.get("volumes").is_none());
    assert_eq!(
        out["networks"],
        json!({"default": {"name": "m_default", "ipam": {}}})
    );

    let all = config_output(&load_files(&dir, &["compose.yaml"], &[("N", "3")], &["*"]));
    assert_eq!(all["services"].as_object().map(|s| s.len()), Some(3));
    // links imply a dependency
    assert_eq!(
        all["services"]["tools"]["depends_on"]["app"],
        json!({"condition": "service_started", "restart": true, "required": true})
    );
}

#[test]
fn env_precedence_os_then_dotenv_and_env_file_under_environment() {
    let dir = fixture("env-precedence");
    let env = [("BOTH", "os"), ("BARE_SET", "from-os"), ("TAG", "from-os")];
    let p = load_files(&dir, &["compose.yaml"], &env, &[]);
    let out = config_output(&p);
    let app = &out["services"]["app"];
    assert_eq!(app["image"], "busybox:from-os");
    let e = &app["environment"];
    assert_eq!(e["FROM_ENV"], "environment-wins");
    assert_eq!(e["BARE_SET"], "from-os");
    assert_eq!(e["BARE_UNSET"], Value::Null);
    assert_eq!(e["REF"], "from-os-ref");
    assert_eq!(e["USES_EARLIER"], "from-os-ref");
    assert_eq!(e["QUOTED"], "a\nb");
    // `$` is re-escaped on output
    assert_eq!(e["SINGLE"], "$$NOT");
    assert_eq!(e["LIST_STYLE"], "$$literal");
    assert_eq!(p.environment.get("SUFFIX").map(String::as_str), Some("b"));
}

#[test]
fn include_brings_its_own_env_and_directory() {
    let dir = fixture("include-env");
    let opts = LoadOptions {
        files: vec![dir.join("compose.yaml")],
        environment: [("PG".to_string(), "17".to_string())].into_iter().collect(),
        working_dir: dir.clone(),
        resolve_paths: false,
        project_name: Some("inc".into()),
        ..Default::default()
    };
    let out = config_output(&load(&opts).expect("loads"));
    // the local environment wins over the included .env
    assert_eq!(out["services"]["db"]["image"], "postgres:17");
    assert_eq!(out["services"]["cache"]["image"], "redis:7");
    // the included .env does not leak into the including project
    assert_eq!(out["services"]["main"]["image"], "main:none");
    assert_eq!(out["services"]["db"]["volumes"][1]["source"], "inc/init");
    assert_eq!(out["volumes"]["data"]["name"], "inc_data");
}

#[test]
fn discovery_searches_upwards_and_reads_the_override_file() {
    let dir = fixture("discovery");
    let opts = LoadOptions {
        working_dir: dir.join("sub"),
        resolve_paths: false,
        ..Default::default()
    };
    let p = load(&opts).expect("loads");
    // COMPOSE_PROJECT_NAME from the project's .env
    assert_eq!(p.name, "fromdotenv");
    assert_eq!(p.files.len(), 2);
    let out = config_output(&p);
    assert_eq!(out["services"]["web"]["image"], "nginx:1.27");
    assert_eq!(
        out["services"]["web"]["ports"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn long_syntax_volume_targets_are_cleaned_like_short_ones() {
    let p = load_files(&fixture("volume-target-clean"), &["compose.yaml"], &[], &[]);
    let out = config_output(&p);
    let targets: Vec<&str> = out["services"]["app"]["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .map(|v| v["target"].as_str().expect("target"))
        .collect();
    assert_eq!(
        targets,
        [
            "/opt/sentry",
            "/usr/share/logstash/logs",
            "/tmp/scratch",
            "/",
            "/short/path"
        ]
    );
    // only the target: a bind source keeps its slash (`--no-path-resolution`)
    assert_eq!(out["services"]["app"]["volumes"][0]["source"], "./conf/");
}

#[test]
fn string_commands_are_split_like_go_shellwords() {
    let p = load_files(&fixture("command-shell-words"), &["compose.yaml"], &[], &[]);
    let out = config_output(&p);
    let s = &out["services"];
    // an unquoted `&`, `|` or `>` ends the command; the rest is dropped (the oracle's output)
    assert_eq!(
        s["etherpad-db"]["command"],
        json!(["postgres", "-c", "stats_temp_directory=/tmp"])
    );
    assert_eq!(s["pipe"]["command"], json!(["cat", "/etc/hosts"]));
    assert_eq!(
        s["redirect"]["entrypoint"],
        json!(["sh", "-c", "exec \"$$0\" \"$$@\"", "run"])
    );
    // quoted or escaped, an operator is an ordinary character
    assert_eq!(
        s["quoted"]["command"],
        json!(["sh", "-c", "echo a && echo \"b\" ; echo c", "d & e", "f;g"])
    );
    assert_eq!(
        s["subshell"]["command"],
        json!(["echo", "$$(id -u)", "`date +%s`"])
    );
}
