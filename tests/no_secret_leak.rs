//! SPEC §3, issue 14: no plaintext secret value from the input in any output, log, report or
//! error. Secrets are planted in every field and every error path the issue lists; every
//! command runs in every format with the real binary; no planted value may appear on stdout,
//! on stderr or in any file komply writes — except `komply config` without `--redact`, which
//! prints the project with its values, like `docker compose config` (checked the other way
//! round). The random counterpart is the `secret_leak` fuzz target (src/fuzz/secret_leak.rs,
//! replayed by tests/fuzz_corpus.rs).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The password planted under `DB_PASSWORD` and reused everywhere.
const PW: &str = "Zq8PlantedPw41x";
/// An `env_file` secret.
const ENV_FILE_TOKEN: &str = "Ef7PlantedTok93q";
/// A `.env` secret, read through interpolation (also into a label).
const DOTENV_SECRET: &str = "Dv5PlantedSmtp27k";
/// The content of a Compose `secrets:` file.
const SECRET_FILE: &str = "Sf3PlantedFile88m";
/// A JDBC `password=` parameter under a neutral name.
const JDBC_PW: &str = "Jd6PlantedJdbc51";
/// A user-only URL credential (`https://TOKEN@host`).
const URL_TOKEN: &str = "ghp_Pl4ntedUrlToken0123456789abcdefghij";
/// A secret file inside a bind-mounted directory (`conf/db_password`), reused in a plain
/// file of the same directory and in a bind-mounted single file.
const DIR_SECRET: &str = "Dd2PlantedDirPw63";
/// A `password = …` line of an ini file inside a bind-mounted directory (the file becomes an
/// ExternalSecret key), reused in a plain file.
const INI_PW: &str = "In9PlantedIniPw17";
/// The body lines of a PEM private key (bind-mounted file; ConfigMap data for KP110).
const PEM_LINES: [&str; 2] = [
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7PlantedKeyA1",
    "q8Zr3LmT0vXy7BnW2sKd9FgH4jPa6CeR1tUoPlantedKeyLine2xYz0AbCdEfGh",
];

fn pem() -> String {
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n{}\n-----END PRIVATE KEY-----\n",
        PEM_LINES[0], PEM_LINES[1]
    )
}

fn all_needles() -> Vec<&'static str> {
    let mut v = vec![
        PW,
        ENV_FILE_TOKEN,
        DOTENV_SECRET,
        SECRET_FILE,
        JDBC_PW,
        URL_TOKEN,
        DIR_SECRET,
        INI_PW,
    ];
    v.extend(PEM_LINES);
    v
}

fn write(dir: &Path, files: &[(&str, String)]) {
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

struct Run {
    what: String,
    code: i32,
    stdout: String,
    stderr: String,
}

fn komply(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_komply"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("COMPOSE_FILE")
        .env_remove("DB_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run komply");
    {
        let mut input = child.stdin.take().unwrap();
        let _ = input.write_all(stdin.unwrap_or("").as_bytes());
    }
    let o = child.wait_with_output().expect("wait for komply");
    Run {
        what: format!("komply {}", args.join(" ")),
        code: o.status.code().unwrap_or(-1),
        stdout: strip_ansi(&String::from_utf8_lossy(&o.stdout)),
        stderr: strip_ansi(&String::from_utf8_lossy(&o.stderr)),
    }
}

/// Colour codes must not split a value past the check.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\x1b' && it.peek() == Some(&'[') {
            it.next();
            for d in it.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every place a needle (or the form a name sanitiser makes of it: a lower-cased hostname)
/// shows up, with context.
fn leaks(runs: &[Run], written: &Path, needles: &[&str]) -> Vec<String> {
    let forms: Vec<String> = needles
        .iter()
        .flat_map(|n| komply::secrets::registry::name_forms(n))
        .collect();
    let needles: Vec<&str> = forms.iter().map(String::as_str).collect();
    let needles = &needles[..];
    let mut bad = Vec::new();
    let show = |text: &str, n: &str| {
        let at = text.find(n).unwrap();
        let from = text[..at]
            .char_indices()
            .rev()
            .nth(120)
            .map_or(0, |(i, _)| i);
        let to = text[at..]
            .char_indices()
            .nth(n.len() + 120)
            .map_or(text.len(), |(i, _)| at + i);
        text[from..to].to_string()
    };
    for r in runs {
        for n in needles {
            for (stream, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
                if text.contains(n) {
                    bad.push(format!(
                        "`{}` (exit {}) printed `{n}` on {stream}:\n…{}…",
                        r.what,
                        r.code,
                        show(text, n)
                    ));
                }
            }
        }
    }
    for f in files_under(written) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        for n in needles {
            if text.contains(n) {
                bad.push(format!(
                    "{} holds `{n}`:\n…{}…",
                    f.display(),
                    show(&text, n)
                ));
            }
        }
    }
    bad
}

/// Every command and format that reads a Compose project, outputs under `out/`.
fn every_command(dir: &Path, extra: &[&str]) -> Vec<Run> {
    let with = |args: &[&str]| -> Vec<String> {
        args.iter()
            .chain(extra.iter())
            .map(|s| s.to_string())
            .collect()
    };
    let run = |args: Vec<String>, stdin: Option<&str>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        komply(dir, &refs, stdin)
    };
    let mut runs = Vec::new();
    for format in ["yaml", "json"] {
        runs.push(run(with(&["convert", "--format", format]), None));
        let o = format!("out/convert-{format}");
        runs.push(run(with(&["convert", "--format", format, "-o", &o]), None));
    }
    runs.push(run(with(&["-v", "convert", "-e", "prod"]), None));
    runs.push(run(with(&["convert", "-e", "all", "-o", "out/all"]), None));
    for format in ["text", "json", "sarif", "github", "junit"] {
        runs.push(run(with(&["check", "--format", format]), None));
        runs.push(run(
            vec![
                "lint".into(),
                "--format".into(),
                format.into(),
                "compose.yaml".into(),
            ],
            None,
        ));
        runs.push(run(
            vec![
                "lint".into(),
                "--format".into(),
                format.into(),
                "out/convert-yaml".into(),
            ],
            None,
        ));
    }
    runs.push(run(with(&["--color", "always", "check"]), None));
    runs.push(run(
        vec![
            "--color".into(),
            "always".into(),
            "lint".into(),
            "compose.yaml".into(),
        ],
        None,
    ));
    // `diff` against an out-of-date directory: a changed file, a missing one, an extra one.
    let stale = dir.join("out/stale");
    std::fs::create_dir_all(&stale).unwrap();
    for (i, f) in files_under(&dir.join("out/convert-yaml"))
        .iter()
        .enumerate()
    {
        let text = std::fs::read_to_string(f).unwrap();
        match i {
            0 => std::fs::write(
                stale.join(f.file_name().unwrap()),
                text.replace("replicas: 1", "replicas: 2") + "# edited\n",
            )
            .unwrap(),
            1 => {}
            _ => std::fs::write(stale.join(f.file_name().unwrap()), text).unwrap(),
        }
    }
    std::fs::write(stale.join("extra.yaml"), "kind: ConfigMap\n").unwrap();
    for format in ["yaml", "json"] {
        runs.push(run(
            with(&["diff", "-o", "out/stale", "--format", format]),
            None,
        ));
    }
    for format in ["mermaid", "dot"] {
        runs.push(run(with(&["graph", "--format", format]), None));
        runs.push(run(with(&["graph", "--format", format, "-e", "all"]), None));
    }
    runs.push(run(with(&["migrate", "-o", "out/migrate"]), None));
    for format in ["yaml", "json"] {
        runs.push(run(with(&["config", "--redact", "--format", format]), None));
    }
    // The KRM function (generator), then the validator on what it generated, and the legacy
    // kustomize plugin.
    let strict = if extra.contains(&"--strict") {
        "    strict: true\n"
    } else {
        ""
    };
    let fn_config = format!(
        "  apiVersion: komply.dev/v1alpha1\n  kind: Komply\n  metadata: {{name: planted}}\n  spec:\n    compose: compose.yaml\n    path: k8s\n{strict}"
    );
    let generated = komply(
        dir,
        &["krm"],
        Some(&format!(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n{fn_config}"
        )),
    );
    let items = komply::yaml::parse_documents(
        komply::yaml::SourceId::NONE,
        &generated.stdout,
        &komply::yaml::Limits::default(),
    )
    .ok()
    .and_then(|d| d.first().map(|d| d.to_json()["items"].clone()))
    .filter(serde_json::Value::is_array);
    runs.push(generated);
    if let Some(items) = items {
        let list = serde_json::json!({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items});
        runs.push(komply(dir, &["krm"], Some(&list.to_string())));
    }
    std::fs::write(
        dir.join("komply-plugin.yaml"),
        fn_config.replace("\n  ", "\n").trim_start(),
    )
    .unwrap();
    runs.push(komply(
        dir,
        &["kustomize-plugin", "komply-plugin.yaml"],
        None,
    ));
    runs
}

fn assert_no_leak(case: &str, dir: &Path, runs: &[Run], needles: &[&str]) {
    let bad = leaks(runs, &dir.join("out"), needles);
    assert!(
        bad.is_empty(),
        "{case}: a planted secret reached an output ({} places):\n\n{}",
        bad.len(),
        bad.join("\n\n")
    );
}

/// The fields issue 14 lists, each holding a secret defined elsewhere, plus every kind of
/// definition: environment, `env_file`, `.env` through interpolation, a Compose `secrets:`
/// file, a secret-looking bind-mounted file, a JDBC parameter and a user-only URL credential
/// under neutral names.
fn fields_project(dir: &Path) {
    let compose = format!(
        r#"name: planted
services:
  app:
    image: nginx:1.27
    ports: ["8080:80"]
    environment:
      DB_PASSWORD: {PW}
      SMTP_PASSWORD: ${{SMTP_PASSWORD}}
      JDBC_URL: "jdbc:mysql://db:3306/app?user=u&password={JDBC_PW}"
      GIT_REMOTE: "https://{URL_TOKEN}@github.com/o/r.git"
      REUSED_PLAIN: "prefix-{PW}"
    env_file: app.env
    labels:
      planted.label: "{PW}"
      smtp.label: "${{SMTP_PASSWORD}}"
      token.label: "t-{ENV_FILE_TOKEN}"
      file.label: "{SECRET_FILE}"
      kompose.service.expose: "{PW}.example.com"
      kompose.service.healthcheck.liveness.test: "check --pw {PW}"
      kompose.init.containers.name: wait
      kompose.init.containers.image: busybox:1.36
      kompose.init.containers.command: '["sh", "-c", "echo {PW}"]'
    annotations:
      planted.annotation: "{PW}"
    deploy:
      labels:
        planted.deploy: "{PW}"
    command: ["sh", "-c", "serve --password={PW} --token={ENV_FILE_TOKEN}"]
    entrypoint: ["/bin/entry", "{PW}"]
    healthcheck:
      test: ["CMD-SHELL", "curl -u 'admin:{PW}' http://localhost:8080/health"]
    working_dir: /srv/{PW}
    extra_hosts:
      - "{PW}.internal:10.0.0.9"
    hostname: h-{PW}
    logging:
      driver: syslog
      options:
        tag: "{PW}"
    volumes:
      - ./certs/server.key:/etc/ssl/private/server.key:ro
      - ./conf:/etc/app/conf:ro
      - ./nginx.conf:/etc/nginx/nginx.conf:ro
    depends_on:
      worker:
        condition: service_started
    secrets: [db_file]
    configs:
      - source: inline
        target: /etc/app/inline.conf
      - source: fromfile
        target: /etc/app/app.conf
    x-komply:
      ingress:
        host: app.example.com
        annotations:
          planted.ingress: "{PW}"
  worker:
    image: busybox:1.36
    command: ["sh", "-c", "work --db-pass {PW}"]
    healthcheck:
      test: ["CMD", "probe", "--secret", "{PW}"]
    environment:
      UPSTREAM_PASSWORD_COPY: "{PW}"
configs:
  inline:
    content: |
      [db]
      password = {PW}
      token = {ENV_FILE_TOKEN}
  fromfile:
    file: ./app.conf
secrets:
  db_file:
    file: ./db_password.txt
"#
    );
    write(
        dir,
        &[
            ("compose.yaml", compose),
            (
                "app.env",
                format!("LOG_LEVEL=info\nAPI_TOKEN={ENV_FILE_TOKEN}\n"),
            ),
            (".env", format!("SMTP_PASSWORD={DOTENV_SECRET}\n")),
            ("db_password.txt", format!("{SECRET_FILE}\n")),
            ("app.conf", format!("[smtp]\npassword = {DOTENV_SECRET}\n")),
            ("certs/server.key", pem()),
            // A bind-mounted directory (main's ConfigMaps from bind mounts): two secret files
            // (by name, by an ini line) and a plain file that reuses their values.
            ("conf/db_password", format!("{DIR_SECRET}\n")),
            (
                "conf/app.ini",
                format!("[db]\nhost = db\npassword = {INI_PW}\n"),
            ),
            (
                "conf/upstream.conf",
                format!(
                    "upstream db {{ server db:5432; }}\n# dsn user=app pw {DIR_SECRET} ini {INI_PW} main {PW}\n"
                ),
            ),
            (
                "nginx.conf",
                format!(
                    "events {{}}\nhttp {{\n  # {PW} {DIR_SECRET}\n  server {{ listen 80; }}\n}}\n"
                ),
            ),
        ],
    );
}

#[test]
fn secrets_in_every_field_reach_no_output_of_any_command() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fields_project(dir);
    let runs = every_command(dir, &[]);
    // The project is valid: everything ran (exit 0, or 1 for lint findings / drift).
    for r in &runs {
        assert!(
            r.code == 0 || r.code == 1,
            "{} failed ({}):\n{}",
            r.what,
            r.code,
            r.stderr
        );
    }
    assert_no_leak("fields", dir, &runs, &all_needles());
    // What the objects do instead: the container reads the value from the Secret.
    let convert = &runs[0];
    assert!(
        convert.stdout.contains("$(DB_PASSWORD)"),
        "{}",
        convert.stdout
    );
    assert!(
        convert.stderr.contains("secrets/reused"),
        "{}",
        convert.stderr
    );
    // The bind-mounted directory really was carried: its plain file is ConfigMap data (with
    // the placeholder where the values were), its secret files are ExternalSecret keys.
    for key in [
        "upstream.conf:",
        "conf_db_password",
        "conf_app.ini",
        "nginx.conf:",
    ] {
        assert!(convert.stdout.contains(key), "{key}:\n{}", convert.stdout);
    }
    // Docker Compose parity: `config` without `--redact` prints the values.
    let config = komply(dir, &["config"], None);
    assert_eq!(config.code, 0, "{}", config.stderr);
    for n in [PW, DOTENV_SECRET, ENV_FILE_TOKEN, JDBC_PW, URL_TOKEN] {
        assert!(
            config.stdout.contains(n),
            "config prints {n}:\n{}",
            config.stdout
        );
    }
    let messages = Run {
        stdout: String::new(),
        ..config
    };
    assert_no_leak("config's messages", dir, &[messages], &all_needles());
}

#[test]
fn strict_mode_errors_reach_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fields_project(dir);
    let runs = every_command(dir, &["--strict"]);
    assert_no_leak("fields --strict", dir, &runs, &all_needles());
}

/// One broken project per error path the issue lists (and a few more).
fn error_cases() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let base = |service_tail: &str| {
        format!(
            "services:\n  app:\n    image: nginx:1.27\n    environment:\n      DB_PASSWORD: {PW}\n{service_tail}"
        )
    };
    vec![
        (
            "interpolation error quoting a reused secret",
            vec![(
                "compose.yaml",
                base(&format!("    labels:\n      broken: \"{PW} ${{\"\n")),
            )],
        ),
        (
            "interpolation error in the secret's own value",
            vec![(
                "compose.yaml",
                format!(
                    "services:\n  app:\n    image: nginx:1.27\n    environment:\n      DB_PASSWORD: \"{PW} ${{oops\"\n"
                ),
            )],
        ),
        (
            "interpolation error in .env",
            vec![
                ("compose.yaml", base("")),
                (
                    ".env",
                    format!("SMTP_PASSWORD={DOTENV_SECRET}\nOTHER=\"{DOTENV_SECRET} ${{\"\n"),
                ),
            ],
        ),
        (
            "dotenv unterminated quote in the secret",
            vec![
                ("compose.yaml", base("")),
                (
                    ".env",
                    format!("LEVEL=info\nSMTP_PASSWORD=\"{DOTENV_SECRET}\n"),
                ),
            ],
        ),
        (
            "dotenv unterminated quote on a neutral key after a secret",
            vec![
                ("compose.yaml", base("")),
                (
                    ".env",
                    format!("SMTP_PASSWORD={DOTENV_SECRET}\nNOTE=\"{DOTENV_SECRET} and {PW}\n"),
                ),
            ],
        ),
        (
            "env_file unterminated quote",
            vec![
                ("compose.yaml", base("    env_file: app.env\n")),
                (
                    "app.env",
                    format!("API_TOKEN=\"{ENV_FILE_TOKEN}\nOTHER=1\n"),
                ),
            ],
        ),
        (
            "schema error on a neighbouring key (same line)",
            vec![(
                "compose.yaml",
                format!(
                    "services:\n  app:\n    image: nginx:1.27\n    environment: {{DB_PASSWORD: {PW}, BROKEN: [1]}}\n"
                ),
            )],
        ),
        (
            "schema error on a neighbouring key (next line)",
            vec![("compose.yaml", base("    ports: {oops: 1}\n"))],
        ),
        (
            "unknown key on the next line",
            vec![("compose.yaml", base("    unknown_key_here: 1\n"))],
        ),
        (
            "unknown key inside the environment's service, list form",
            vec![(
                "compose.yaml",
                format!(
                    "services:\n  app:\n    image: nginx:1.27\n    environment:\n      - DB_PASSWORD={PW}\n    bogus: true\n"
                ),
            )],
        ),
        (
            "logging warning on the secret's line",
            vec![(
                "compose.yaml",
                base(&format!(
                    "    logging: {{driver: syslog, options: {{tag: \"{PW}\", syslog-address: \"tcp://u:{JDBC_PW}@logs:514\"}}}}\n"
                )),
            )],
        ),
        (
            "x-komply error beside a secret",
            vec![(
                "compose.yaml",
                base(&format!(
                    "    x-komply: {{ingress: {{annotations: {{planted: \"{PW}\"}}, bogus: 1}}}}\n"
                )),
            )],
        ),
        (
            "YAML syntax error on the secret's line",
            vec![(
                "compose.yaml",
                format!(
                    "services:\n  app:\n    image: nginx:1.27\n    environment:\n      DB_PASSWORD: {PW}: [\n"
                ),
            )],
        ),
    ]
}

#[test]
fn error_paths_reach_no_output() {
    let mut failures = Vec::new();
    for (case, files) in error_cases() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, &files);
        let mut runs = every_command(dir, &[]);
        // `config` without `--redact` prints the values (parity); its messages may not.
        let config = komply(dir, &["config"], None);
        runs.push(Run {
            stdout: String::new(),
            ..config
        });
        runs.push(komply(dir, &["convert", "--strict"], None));
        // A failure must say where (every case fails or warns somewhere).
        assert!(
            runs.iter().any(|r| r.stderr.contains(" --> ")
                || r.stdout.contains("compose.yaml")
                || r.stdout.contains(".env")),
            "{case}: no located message at all"
        );
        let bad = leaks(&runs, &dir.join("out"), &all_needles());
        if !bad.is_empty() {
            failures.push(format!("== {case}:\n{}", bad.join("\n\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `komply lint` of manifests with literal secrets: KP109 (a literal `DB_PASSWORD` value in a
/// container's env, block and flow style) and KP110 (a PEM private key in ConfigMap data under
/// a neutral key) — found, located, and the value nowhere in the report.
#[test]
fn lint_findings_on_manifests_do_not_print_the_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let manifests = format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {{app: api}}
  template:
    metadata:
      labels: {{app: api}}
      annotations:
        copied: "{PW}"
    spec:
      containers:
        - name: api
          image: nginx:1.27
          args: ["--password", "{PW}"]
          env:
            - name: DB_PASSWORD
              value: "{PW}"
            - {{name: API_TOKEN, value: {ENV_FILE_TOKEN}}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: certs
data:
  server: |
    -----BEGIN PRIVATE KEY-----
    {}
    {}
    -----END PRIVATE KEY-----
"#,
        PEM_LINES[0], PEM_LINES[1]
    );
    write(dir, &[("k8s/app.yaml", manifests.clone())]);
    let mut runs = Vec::new();
    for format in ["text", "json", "sarif", "github", "junit"] {
        runs.push(komply(dir, &["lint", "--format", format, "k8s"], None));
        runs.push(komply(
            dir,
            &["lint", "--format", format, "-"],
            Some(&manifests),
        ));
    }
    runs.push(komply(dir, &["--color", "always", "lint", "k8s"], None));
    let items: Vec<serde_json::Value> = komply::yaml::parse_documents(
        komply::yaml::SourceId::NONE,
        &manifests,
        &komply::yaml::Limits::default(),
    )
    .unwrap()
    .iter()
    .map(|d| d.to_json())
    .collect();
    let list = serde_json::json!({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items,
        "functionConfig": {"apiVersion": "komply.dev/v1alpha1", "kind": "Komply", "metadata": {"name": "v"}, "spec": {"mode": "validate"}}});
    let krm = komply(dir, &["krm"], Some(&list.to_string()));
    // The items go back as the user wrote them (kpt writes them back); the results may not
    // carry the values.
    let results = komply::yaml::parse_documents(
        komply::yaml::SourceId::NONE,
        &krm.stdout,
        &komply::yaml::Limits::default(),
    )
    .unwrap()[0]
        .to_json()["results"]
        .to_string();
    let text = &runs[0];
    for rule in ["KP109", "KP110"] {
        assert!(text.stdout.contains(rule), "{rule} found:\n{}", text.stdout);
    }
    assert!(
        text.stdout.contains("app.yaml:"),
        "located:\n{}",
        text.stdout
    );
    runs.push(Run {
        what: "komply krm (results)".into(),
        code: krm.code,
        stdout: results,
        stderr: krm.stderr,
    });
    assert_no_leak("manifests", dir, &runs, &all_needles());
}

/// A Secret holding a whole config file (kube-prometheus' Grafana datasources): its secret
/// line's value is hidden, but its structure (`"version": 1`, `"access": "proxy",`) is no
/// secret — registering those lines replaced `"version": 1` in the JSON report and made it
/// invalid JSON (found by conformance/real-corpus-index.sh on the real manifests).
#[test]
fn a_secret_holding_a_config_file_keeps_reports_intact() {
    const JSON_PW: &str = "Sj4PlantedJsonPw";
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: grafana-datasources\nstringData:\n  datasources.yaml: |-\n    {{\n        \"apiVersion\": 1,\n        \"datasources\": [\n            {{\n                \"access\": \"proxy\",\n                \"name\": \"prometheus\",\n                \"password\": \"{JSON_PW}\",\n                \"version\": 1\n            }}\n        ]\n    }}\ntype: Opaque\n"
    );
    write(dir, &[("secret.yaml", manifest)]);
    let mut runs = Vec::new();
    for format in ["json", "sarif", "text", "github", "junit"] {
        let r = komply(
            dir,
            &[
                "lint",
                "--format",
                format,
                "--fail-on",
                "never",
                "secret.yaml",
            ],
            None,
        );
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        if format == "json" || format == "sarif" {
            let v: serde_json::Value = serde_json::from_str(&r.stdout)
                .unwrap_or_else(|e| panic!("{format} is not JSON ({e}):\n{}", r.stdout));
            if format == "json" {
                assert_eq!(v["version"], 1, "{}", r.stdout);
            }
        }
        runs.push(r);
    }
    assert_no_leak("secret holding a file", dir, &runs, &[JSON_PW]);
}
