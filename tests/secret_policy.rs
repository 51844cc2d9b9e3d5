//! One table of cases (`tests/fixtures/secret-policy.yaml`) for the one secret policy, run
//! through every component that decides what a secret is: the policy itself, the generator
//! (ExternalSecret or ConfigMap), the linter (KP109 on env, KP110 on ConfigMap data), and the
//! table in docs/secrets.md (regenerate with `UPDATE_DOCS=1 cargo test --test secret_policy`).

use std::path::{Path, PathBuf};

use komply::secrets::Policy;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct Case {
    name: String,
    value: String,
    secret: bool,
    why: String,
    compose: bool,
    note: Option<String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/secret-policy.yaml")).unwrap();
    let docs = komply::yaml::parse_documents(
        komply::yaml::SourceId::NONE,
        &text,
        &komply::yaml::Limits::default(),
    )
    .unwrap();
    let rows = docs[0].to_json();
    let rows = rows.as_array().expect("a list of cases");
    assert!(rows.len() >= 40, "the table has its cases");
    rows.iter()
        .filter(|r| r.get("name").is_some())
        .map(|r| Case {
            name: r["name"].as_str().unwrap().to_string(),
            value: r["value"].as_str().unwrap().to_string(),
            secret: r["secret"].as_bool().unwrap(),
            why: r["why"].as_str().unwrap().to_string(),
            compose: r["compose"].as_bool().unwrap_or(true),
            note: r["note"].as_str().map(str::to_string),
        })
        .collect()
}

#[test]
fn the_policy_decides_every_case() {
    let p = Policy::default();
    let mut wrong = Vec::new();
    for c in cases() {
        let v = p.classify(&c.name, &c.value);
        if v.is_secret() != c.secret || v.why().id() != c.why {
            wrong.push(format!(
                "{}={:?}: expected {} ({}), got {:?}",
                c.name,
                c.value,
                if c.secret { "secret" } else { "plain" },
                c.why,
                v
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[derive(Debug, Clone)]
struct FileCase {
    file: String,
    content: String,
    secret: bool,
    why: String,
    lint: bool,
}

/// The table's file rows (`file:` instead of `name:`).
fn file_cases() -> Vec<FileCase> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/secret-policy.yaml")).unwrap();
    let docs = komply::yaml::parse_documents(
        komply::yaml::SourceId::NONE,
        &text,
        &komply::yaml::Limits::default(),
    )
    .unwrap();
    let rows = docs[0].to_json();
    let out: Vec<FileCase> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("file").is_some())
        .map(|r| FileCase {
            file: r["file"].as_str().unwrap().to_string(),
            content: r["content"].as_str().unwrap().to_string(),
            secret: r["secret"].as_bool().unwrap(),
            why: r["why"].as_str().unwrap().to_string(),
            lint: r["lint"].as_bool().unwrap_or(true),
        })
        .collect();
    assert!(out.len() >= 10, "the table has its file cases");
    out
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[test]
fn the_policy_decides_every_file_case() {
    let p = Policy::default();
    let mut wrong = Vec::new();
    for c in file_cases() {
        let v = p.classify_file(&c.file, &c.content);
        if v.is_secret() != c.secret
            || v.why().id() != c.why
            || p.is_secret_file(&c.file, &c.content) != c.secret
        {
            wrong.push(format!(
                "{}: expected {} ({}), got {:?}",
                c.file,
                if c.secret { "secret" } else { "plain" },
                c.why,
                v
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// One service per file case (`f<N>`), the file bind-mounted read-only: a secret file is a key
/// of the service's ExternalSecret and its content is nowhere; any other file is a key of the
/// service's `-files` ConfigMap, unchanged (masking a word of a script breaks it).
#[test]
fn the_generator_follows_every_file_case() {
    let all = file_cases();
    let tmp = tempfile::tempdir().unwrap();
    let mut services = serde_json::Map::new();
    for (i, c) in all.iter().enumerate() {
        let path = tmp.path().join(format!("f{i}")).join(&c.file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &c.content).unwrap();
        services.insert(
            format!("f{i}"),
            json!({"image": "nginx:1.27", "volumes": [format!("./f{i}/{}:/opt/case/{}:ro", c.file, base_name(&c.file))]}),
        );
    }
    let file = tmp.path().join("compose.yaml");
    std::fs::write(
        &file,
        serde_json::to_string_pretty(&json!({"services": services})).unwrap(),
    )
    .unwrap();
    let mut load = komply::compose::LoadOptions::from_process_env();
    load.files = vec![file];
    load.working_dir = tmp.path().to_path_buf();
    let converted = komply::pipeline::convert(&komply::pipeline::ConvertRequest::new(load))
        .unwrap_or_else(|f| panic!("{f}"));
    let rendered =
        komply::generate::render(&converted.output.objects, komply::generate::Format::Yaml);
    let objects = &converted.output.values();
    let find = |kind: &str, name: &str| {
        objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
    };
    let mut wrong = Vec::new();
    for (i, c) in all.iter().enumerate() {
        let in_secret = find("ExternalSecret", &format!("f{i}-secrets"))
            .is_some_and(|es| es["spec"]["data"].as_array().is_some_and(|d| !d.is_empty()));
        let in_configmap = find("ConfigMap", &format!("f{i}-files"))
            .and_then(|cm| cm["data"].get(base_name(&c.file)).cloned());
        if c.secret {
            if !in_secret || in_configmap.is_some() {
                wrong.push(format!(
                    "{}: a secret file, but ExternalSecret {in_secret}, ConfigMap {in_configmap:?}",
                    c.file
                ));
            }
            for line in c
                .content
                .lines()
                .filter(|l| l.len() >= 10 && !l.starts_with("-----") && !l.starts_with('['))
            {
                let value = line.rsplit(['=', ':']).next().unwrap_or(line).trim();
                if value.len() >= 8 && rendered.contains(value) {
                    wrong.push(format!("{}: {value:?} is in the output", c.file));
                }
            }
        } else if in_secret
            || in_configmap.as_ref().and_then(Value::as_str) != Some(c.content.as_str())
        {
            wrong.push(format!(
                "{}: a plain file, but ExternalSecret {in_secret}, ConfigMap {in_configmap:?}",
                c.file
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// KP110 on a ConfigMap holding each file under its name flags exactly the secret files.
#[test]
fn the_linter_follows_every_file_case() {
    let all: Vec<FileCase> = file_cases().into_iter().filter(|c| c.lint).collect();
    let docs: Vec<Value> = all
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("f{i}")},
                "data": {base_name(&c.file): c.content}})
        })
        .collect();
    let text = komply::yaml::to_yaml_stream(&docs);
    let report = komply::lint::lint_text("files.yaml", &text, &komply::lint::Options::default());
    let flagged: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule.id.code() == "KP110")
        .filter_map(|f| f.object.and_then(|o| report.ctx.object(o)))
        .map(|o| o.name.clone())
        .collect();
    let mut wrong = Vec::new();
    for (i, c) in all.iter().enumerate() {
        if flagged.contains(&format!("f{i}")) != c.secret {
            wrong.push(format!(
                "{}: KP110 {}",
                c.file,
                if c.secret { "missed it" } else { "flagged it" }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// One service per case (`c<N>`), so no two cases share an environment.
fn compose_project(dir: &Path, cases: &[Case]) -> PathBuf {
    let mut services = serde_json::Map::new();
    for (i, c) in cases.iter().enumerate() {
        services.insert(
            format!("c{i}"),
            json!({"image": "nginx:1.27", "environment": {c.name.clone(): c.value.replace('$', "$$")}}),
        );
    }
    let file = dir.join("compose.yaml");
    std::fs::write(
        &file,
        serde_json::to_string_pretty(&json!({"services": services})).unwrap(),
    )
    .unwrap();
    file
}

#[test]
fn the_generator_follows_every_case() {
    let all: Vec<Case> = cases().into_iter().filter(|c| c.compose).collect();
    let tmp = tempfile::tempdir().unwrap();
    let file = compose_project(tmp.path(), &all);
    let mut load = komply::compose::LoadOptions::from_process_env();
    load.files = vec![file];
    load.working_dir = tmp.path().to_path_buf();
    let converted = komply::pipeline::convert(&komply::pipeline::ConvertRequest::new(load))
        .unwrap_or_else(|f| panic!("{f}"));
    let objects = &converted.output.values();
    let find = |kind: &str, name: &str| {
        objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
    };
    let rendered =
        komply::generate::render(&converted.output.objects, komply::generate::Format::Yaml);
    let mut wrong = Vec::new();
    for (i, c) in all.iter().enumerate() {
        let in_secret = find("ExternalSecret", &format!("c{i}-secrets")).is_some_and(|es| {
            es["spec"]["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["remoteRef"]["property"] == c.name.as_str())
        });
        let in_configmap = find("ConfigMap", &format!("c{i}-env"))
            .is_some_and(|cm| cm["data"].get(c.name.as_str()).is_some());
        if in_secret != c.secret || in_configmap == c.secret {
            wrong.push(format!(
                "{}={:?}: secret {} but ExternalSecret {in_secret}, ConfigMap {in_configmap}",
                c.name, c.value, c.secret
            ));
        }
        if c.secret && c.value.len() >= 4 && rendered.contains(c.value.as_str()) {
            wrong.push(format!("{}: the value is in the output", c.name));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_linter_follows_every_case() {
    let all = cases();
    let mut docs: Vec<Value> = Vec::new();
    for (i, c) in all.iter().enumerate() {
        docs.push(json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("c{i}")},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                "env": [{"name": c.name, "value": c.value}]}]}
        }));
        docs.push(json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("c{i}")},
            "data": {c.name.clone(): c.value}
        }));
    }
    let text = komply::yaml::to_yaml_stream(&docs);
    let report = komply::lint::lint_text("cases.yaml", &text, &komply::lint::Options::default());
    let flagged = |rule: &str, kind: &str| -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| f.rule.id.code() == rule)
            .filter_map(|f| f.object.and_then(|o| report.ctx.object(o)))
            .filter(|o| o.kind == kind)
            .map(|o| o.name.clone())
            .collect()
    };
    let kp109 = flagged("KP109", "Pod");
    let kp110 = flagged("KP110", "ConfigMap");
    let mut wrong = Vec::new();
    for (i, c) in all.iter().enumerate() {
        let n = format!("c{i}");
        for (rule, got) in [("KP109", &kp109), ("KP110", &kp110)] {
            if got.contains(&n) != c.secret {
                wrong.push(format!(
                    "{}={:?}: {rule} {}",
                    c.name,
                    c.value,
                    if c.secret { "missed it" } else { "flagged it" }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

const START: &str = "<!-- cases: generated from tests/fixtures/secret-policy.yaml -->\n";
const END: &str = "<!-- end of cases -->\n";

fn table(cases: &[Case]) -> String {
    let mut s = String::from("| name | value | secret? | why |\n|---|---|---|---|\n");
    for c in cases {
        let value = if c.value.is_empty() {
            "(empty)".to_string()
        } else {
            let v = c.value.replace('\n', "\\n");
            let v = if v.chars().count() > 48 {
                format!("{}…", v.chars().take(47).collect::<String>())
            } else {
                v
            };
            format!("`{}`", v.replace('|', "\\|"))
        };
        let why = match &c.note {
            Some(n) => format!("{} ({n})", c.why),
            None => c.why.clone(),
        };
        s.push_str(&format!(
            "| `{}` | {value} | {} | {why} |\n",
            c.name,
            if c.secret { "secret" } else { "plain" }
        ));
    }
    s
}

#[test]
fn docs_show_the_table() {
    let path = root().join("docs/secrets.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = doc
        .split_once(START)
        .expect("docs/secrets.md has the cases marker");
    let (_, tail) = rest
        .split_once(END)
        .expect("docs/secrets.md has the end marker");
    let want = format!("{head}{START}{}{END}{tail}", table(&cases()));
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    assert!(
        doc == want,
        "docs/secrets.md is stale: UPDATE_DOCS=1 cargo test --test secret_policy"
    );
}

/// Issue 12 item 8: a service configured like real ones (feature-flag `*_KEY`s,
/// `*_TOKEN_EXPIRY` numbers, `*_FILE` paths, booleans, durations, URLs without credentials)
/// keeps those in its ConfigMap; only its real secrets go to the ExternalSecret, and
/// `MIGRATION.md` lists exactly those keys, per store and remote key, per environment.
#[test]
fn secret_detection_does_not_over_reach_and_migrate_lists_the_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("compose.yaml"),
        r#"name: shop
services:
  api:
    image: ghcr.io/acme/api:1.4.2
    environment:
      NEW_CHECKOUT_FLAG_KEY: "true"
      SEARCH_RANKING_KEY: relevance
      SORT_KEY: created_at
      CACHE_KEY: "user:123"
      JWT_TOKEN_EXPIRY: "3600"
      REFRESH_TOKEN_TTL: 7d
      PASSWORD_MIN_LENGTH: "12"
      SESSION_SECRET_ROTATION_DAYS: "30"
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
      TOKEN_HEADER: X-Auth-Token
      OAUTH_TOKEN_URL: https://auth.example.com/oauth/token
      REQUIRE_PASSWORD: "yes"
      STRIPE_PUBLISHABLE_KEY: pk_live_51HxYz2eZvKYlo2C0aBcDeFgH
      DATABASE_URL: postgres://api:Pg4ssw0rdPlanted@db:5432/api
      STRIPE_SECRET_KEY: sk_live_51HxYz2eZvKYlo2C0aBcDeFgHiJ
      JWT_SIGNING_KEY: q8Zr3LmT0vXy7BnW2sKd9FgH4jPa6CeR
      SMTP_PASSWORD: mail-pass-Planted7
"#,
    )
    .unwrap();
    std::fs::create_dir(dir.join("overlays")).unwrap();
    std::fs::write(
        dir.join("overlays/prod.yaml"),
        "extends: prod\nsecret_store:\n  name: vault-prod\n  remote_key: \"prod/{{ service }}/{{ key }}\"\n",
    )
    .unwrap();
    let secrets = [
        "DATABASE_URL",
        "STRIPE_SECRET_KEY",
        "JWT_SIGNING_KEY",
        "SMTP_PASSWORD",
    ];
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_komply"))
        .args(["convert", "-q", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = v["items"].as_array().unwrap();
    let es = items
        .iter()
        .find(|o| o["kind"] == "ExternalSecret")
        .unwrap();
    let mut in_secret: Vec<&str> = es["spec"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["secretKey"].as_str().unwrap())
        .collect();
    in_secret.sort();
    let mut want = secrets.to_vec();
    want.sort();
    assert_eq!(in_secret, want);
    let cm = items.iter().find(|o| o["kind"] == "ConfigMap").unwrap();
    assert_eq!(cm["data"].as_object().unwrap().len(), 13, "{}", cm["data"]);
    // The linter agrees: the ConfigMap holds nothing it would report.
    let cm_yaml = komply::yaml::to_yaml(cm);
    let report = komply::lint::lint_text("cm.yaml", &cm_yaml, &komply::lint::Options::default());
    assert!(
        !report.findings.iter().any(|f| f.rule.id.code() == "KP110"),
        "KP110 on the generated ConfigMap"
    );
    // MIGRATION.md: the keys to create, per store and remote key, per environment.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_komply"))
        .args(["migrate", "-q", "-o", "deploy"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(dir.join("deploy/MIGRATION.md")).unwrap();
    let section = md
        .split("## Secrets to create")
        .nth(1)
        .expect("a Secrets to create section")
        .split("\n## ")
        .next()
        .unwrap();
    assert!(
        section.contains(
            "| `ClusterSecretStore/secret-store` | `shop/api` | `DATABASE_URL`, `JWT_SIGNING_KEY`, `SMTP_PASSWORD`, `STRIPE_SECRET_KEY` | `ExternalSecret/api-secrets` |"
        ),
        "{section}"
    );
    for key in secrets {
        assert!(
            section.contains(&format!(
                "| `ClusterSecretStore/vault-prod` | `prod/api/{key}` | (whole value) |"
            )),
            "prod's {key}:\n{section}"
        );
    }
    for plain in [
        "SORT_KEY",
        "JWT_TOKEN_EXPIRY",
        "POSTGRES_PASSWORD_FILE",
        "NEW_CHECKOUT_FLAG_KEY",
    ] {
        assert!(!section.contains(plain), "{plain} listed:\n{section}");
    }
    for value in [
        "Pg4ssw0rdPlanted",
        "sk_live_51HxYz2eZvKYlo2C0aBcDeFgHiJ",
        "mail-pass-Planted7",
    ] {
        assert!(!md.contains(value), "{value} in MIGRATION.md");
    }
}

/// The one `secret_policy` block means the same in `.komply.yaml` (the linter), the project's
/// `x-komply` and an overlay (the generator); `defaults: false` drops the name lists but never
/// the value shapes; a misspelt key is an error at its line.
#[test]
fn the_policy_is_configured_the_same_way_everywhere() {
    // (name, value, secret by default, secret under `names: [LDAP_BIND_*], not_names: [API_TOKEN]`,
    //  secret under `defaults: false`)
    let rows: [(&str, &str, bool, bool, bool); 4] = [
        ("LDAP_BIND_VALUE", "bindvalue99", false, true, false),
        ("API_TOKEN", "abc123def", true, false, false),
        ("DB_PASSWORD", "hunter2x", true, true, false),
        (
            "GIT_REMOTE",
            "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r",
            true,
            true,
            true,
        ),
    ];
    let custom = "{names: [\"LDAP_BIND_*\"], not_names: [API_TOKEN]}";
    let none = "{defaults: false}";
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let env: String = rows
        .iter()
        .map(|(n, v, ..)| format!("      {n}: \"{v}\"\n"))
        .collect();
    let compose =
        |x: &str| format!("{x}services:\n  app:\n    image: nginx:1.27\n    environment:\n{env}");
    let secrets_of = |args: &[&str]| -> Vec<String> {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_komply"))
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        let mut s: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["kind"] == "ExternalSecret")
            .flat_map(|o| o["spec"]["data"].as_array().unwrap().clone())
            .map(|d| d["secretKey"].as_str().unwrap().to_string())
            .collect();
        s.sort();
        s
    };
    let want = |col: usize| -> Vec<String> {
        let mut s: Vec<String> = rows
            .iter()
            .filter(|r| [r.2, r.3, r.4][col])
            .map(|r| r.0.to_string())
            .collect();
        s.sort();
        s
    };
    let flagged = |config: Option<&str>| -> Vec<String> {
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      env:\n{}",
            rows.iter()
                .map(|(n, v, ..)| format!("        - {{name: {n}, value: \"{v}\"}}\n"))
                .collect::<String>()
        );
        let cfg = match config {
            Some(c) => komply::lint::Config::from_yaml(&format!("secret_policy: {c}\n")).unwrap(),
            None => komply::lint::Config::default(),
        };
        let opts = komply::lint::Options {
            config: cfg,
            ..Default::default()
        };
        let report = komply::lint::lint_text("pod.yaml", &pod, &opts);
        let mut names: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.rule.id.code() == "KP109")
            .filter_map(|f| {
                rows.iter()
                    .find(|r| {
                        f.message.contains(&format!("variable {} ", r.0))
                            || f.message.contains(&format!("variable {},", r.0))
                    })
                    .map(|r| r.0.to_string())
            })
            .collect();
        names.sort();
        names.dedup();
        names
    };
    for (col, policy) in [(0, None), (1, Some(custom)), (2, Some(none))] {
        // x-komply
        let x = policy
            .map(|p| format!("x-komply:\n  secret_policy: {p}\n"))
            .unwrap_or_default();
        std::fs::write(dir.join("compose.yaml"), compose(&x)).unwrap();
        assert_eq!(
            secrets_of(&["convert", "-q", "--format", "json"]),
            want(col),
            "x-komply {policy:?}"
        );
        // an overlay
        std::fs::write(dir.join("compose.yaml"), compose("")).unwrap();
        std::fs::create_dir_all(dir.join("overlays")).unwrap();
        std::fs::write(
            dir.join("overlays/qa.yaml"),
            policy
                .map(|p| format!("secret_policy: {p}\n"))
                .unwrap_or_else(|| "labels: {}\n".into()),
        )
        .unwrap();
        assert_eq!(
            secrets_of(&["convert", "-q", "--format", "json", "-e", "qa"]),
            want(col),
            "overlay {policy:?}"
        );
        // .komply.yaml
        assert_eq!(flagged(policy), want(col), ".komply.yaml {policy:?}");
    }
    // The legacy spelling: `secret_patterns` replaces the name lists.
    std::fs::write(
        dir.join("compose.yaml"),
        compose("x-komply:\n  secret_patterns: [\"LDAP_BIND_*\"]\n"),
    )
    .unwrap();
    assert_eq!(
        secrets_of(&["convert", "-q", "--format", "json"]),
        ["GIT_REMOTE", "LDAP_BIND_VALUE"]
    );
    // A misspelt key of `.komply.yaml` is an error at its line.
    std::fs::write(
        dir.join(".komply.yaml"),
        "secret_policy:\n  not_name: [X]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_komply"))
        .args(["lint", "pod.yaml"])
        .current_dir(dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(".komply.yaml:2:3") && err.contains("did you mean `not_names`?"),
        "{err}"
    );
}

/// The policy's name lists are the one source: `docs/secrets.md` lists every one of them, and
/// the pages that mention secret names refer to it instead of keeping a list of their own.
#[test]
fn the_documented_name_lists_are_the_policy_s() {
    use komply::secrets::policy::{KEY_NAMES, NOT_NAMES, STRONG_NAMES};
    let page = std::fs::read_to_string(root().join("docs/secrets.md")).unwrap();
    for name in STRONG_NAMES.iter().chain(KEY_NAMES).chain(NOT_NAMES) {
        assert!(
            page.contains(&format!("`{name}`")),
            "docs/secrets.md lacks `{name}`"
        );
    }
    let generate = std::fs::read_to_string(root().join("docs/generate.md")).unwrap();
    assert!(
        generate.contains("[secret policy](secrets.md)") && !generate.contains("`*PASSWD*`"),
        "docs/generate.md should point at the policy, not list names"
    );
}
