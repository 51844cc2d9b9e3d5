//! The `secret_leak` fuzz target and property test (SPEC §3, issue 14): a random Compose
//! project with a secret planted in random places, every command and every format run on it,
//! and **no planted value in any output** — stdout, stderr, written files — except
//! `komply config` without `--redact` (Docker Compose parity, checked the other way round: it
//! must print the value when it loads).
//!
//! The input bytes are a list of choices ([`Choices`]): which kind of secret (a password under
//! a strong name, URL credentials, a user-only `https://TOKEN@host`, a JDBC parameter, a PEM
//! key, a JWT, AWS / Slack tokens, a high-entropy token), where it is defined (environment as
//! a map or a list, `env_file`, `.env` read through interpolation, a Compose `secrets:` file, a
//! secret-looking bind-mounted file, a secret file inside a bind-mounted directory, build
//! args), which fields it is planted in (labels,
//! annotations, command, entrypoint, healthcheck, working_dir, extra_hosts, configs content and
//! files, `x-komply.ingress.annotations`, kompose labels, another service's environment,
//! hostname, logging options, volume paths, a plain file of a bind-mounted directory, a
//! bind-mounted single file…) and which error path the project also takes
//! (an interpolation error, an unterminated `.env` quote, a schema error on a neighbouring
//! key, an unknown key on the next line, `--strict`). Exhausted input reads as zeros, so every
//! input, however short, is a valid project.
//!
//! Commands run in-process ([`crate::out::capture`]), each one as if it were its own process:
//! the secret registry starts empty for every command, so a command that failed to find a
//! secret on its own cannot be helped by an earlier one.

use std::path::{Path, PathBuf};

use crate::secrets::registry;

/// Reads choices from fuzz bytes; past the end, every choice is 0.
pub struct Choices<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Choices<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Choices { data, at: 0 }
    }
    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.byte() as usize % n }
    }
    fn flip(&mut self) -> bool {
        self.byte() & 1 == 1
    }
    /// `n` characters of `alphabet`, spread even when the bytes are all equal (index `i` is
    /// shifted by `i * 37`, coprime with the alphabets' lengths) so a token stays a token.
    fn text(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .map(|i| {
                let b = self.byte() as usize;
                alphabet[(b + i * 37) % alphabet.len()] as char
            })
            .collect()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// One planted secret: the variable it is defined under, its full value, and the parts that
/// must appear in no output (the secret part of a URL, each body line of a PEM key).
#[derive(Clone, Debug)]
pub struct Secret {
    pub name: String,
    pub value: String,
    pub needles: Vec<String>,
}

/// How many kinds of secret [`secret`] makes.
const KINDS: usize = 9;

fn secret(kind: usize, c: &mut Choices) -> Secret {
    let strong = [
        "DB_PASSWORD",
        "API_TOKEN",
        "MYSQL_PWD",
        "GPG_PASSPHRASE",
        "CLIENT_SECRET",
        "STRIPE_API_KEY",
        "SMTP_PASS",
    ];
    let (name, value, needles) = match kind {
        0 => {
            let len = 6 + c.below(10);
            let m = format!("Pl4nt{}", c.text(len, ALNUM));
            (
                strong[c.below(strong.len())].to_string(),
                m.clone(),
                vec![m],
            )
        }
        1 => {
            let m = format!("Ur1{}", c.text(10, ALNUM));
            (
                "DATABASE_URL".into(),
                format!("postgres://app:{m}@db:5432/app"),
                vec![m],
            )
        }
        2 => {
            let m = format!("ghp_{}", c.text(36, ALNUM));
            (
                "GIT_REMOTE".into(),
                format!("https://{m}@github.com/o/r.git"),
                vec![m],
            )
        }
        3 => {
            let m = format!("Jd8{}", c.text(10, ALNUM));
            (
                "JDBC_URL".into(),
                format!("jdbc:mysql://db:3306/app?user=u&password={m}"),
                vec![m],
            )
        }
        4 => {
            let lines: Vec<String> = (0..3).map(|_| c.text(64, BASE64)).collect();
            (
                "TLS_BUNDLE".into(),
                format!(
                    "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----",
                    lines.join("\n")
                ),
                lines,
            )
        }
        5 => {
            let m = format!(
                "eyJhbGciOiJIUzI1NiJ9.eyJ{}.{}",
                c.text(20, ALNUM),
                c.text(30, ALNUM)
            );
            ("ID_TOKEN_CLAIMS".into(), m.clone(), vec![m])
        }
        6 => {
            let m = format!("AKIA{}", c.text(16, UPPER_DIGITS));
            ("AWS_ACCESS_KEY_ID".into(), m.clone(), vec![m])
        }
        7 => {
            let m = format!("xoxb-{}-{}", c.text(12, b"0123456789"), c.text(16, ALNUM));
            ("SLACK_BOT".into(), m.clone(), vec![m])
        }
        _ => {
            let m = format!("Q8z{}", c.text(36, ALNUM));
            ("COOKIE_VALUE".into(), m.clone(), vec![m])
        }
    };
    Secret {
        name,
        value,
        needles,
    }
}

/// A YAML double-quoted scalar (JSON strings are).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Where the secret is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Def {
    EnvMap,
    EnvList,
    EnvFile,
    DotenvInterpolated,
    DotenvOnly,
    ComposeSecretFile,
    BindMountedKey,
    BuildArg,
    /// A secret file (`db_password`) in a bind-mounted directory, which becomes a ConfigMap for
    /// its other files and ExternalSecret keys for the secret ones.
    BindMountedDirFile,
}

const DEFS: &[Def] = &[
    Def::EnvMap,
    Def::EnvList,
    Def::EnvFile,
    Def::DotenvInterpolated,
    Def::DotenvOnly,
    Def::ComposeSecretFile,
    Def::BindMountedKey,
    Def::BuildArg,
    Def::BindMountedDirFile,
];

/// Where it is planted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plant {
    Label,
    DeployLabel,
    Annotation,
    CommandList,
    CommandString,
    Entrypoint,
    HealthCmd,
    HealthShell,
    WorkingDir,
    ExtraHost,
    ConfigContent,
    ConfigFile,
    IngressAnnotation,
    KomposeExpose,
    KomposeProbe,
    KomposeInit,
    OtherServiceEnv,
    Hostname,
    Logging,
    VolumeTarget,
    NetworkAlias,
    /// A plain file of a bind-mounted directory (a ConfigMap key).
    MountedDirFile,
    /// A bind-mounted single plain file (a key of `<svc>-files`).
    MountedFile,
}

const PLANTS: &[Plant] = &[
    Plant::Label,
    Plant::DeployLabel,
    Plant::Annotation,
    Plant::CommandList,
    Plant::CommandString,
    Plant::Entrypoint,
    Plant::HealthCmd,
    Plant::HealthShell,
    Plant::WorkingDir,
    Plant::ExtraHost,
    Plant::ConfigContent,
    Plant::ConfigFile,
    Plant::IngressAnnotation,
    Plant::KomposeExpose,
    Plant::KomposeProbe,
    Plant::KomposeInit,
    Plant::OtherServiceEnv,
    Plant::Hostname,
    Plant::Logging,
    Plant::VolumeTarget,
    Plant::NetworkAlias,
    Plant::MountedDirFile,
    Plant::MountedFile,
];

/// The error path the project also takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Broken {
    None,
    /// `"<secret> ${"` in a label: an interpolation error quoting the text.
    Interpolation,
    /// An unterminated quote in `.env` after (or on) the secret's line.
    DotenvQuote,
    /// A wrong type on a key beside the secret, on the same line (flow mapping).
    NeighbourType,
    /// An unknown key on the line after the secret.
    UnknownKeyNext,
    /// `--strict` (unknown keys and keys without meaning are errors).
    Strict,
}

const BROKEN: &[Broken] = &[
    Broken::None,
    Broken::None,
    Broken::Interpolation,
    Broken::DotenvQuote,
    Broken::NeighbourType,
    Broken::UnknownKeyNext,
    Broken::Strict,
];

/// A generated project: its files (relative path → content) and what was planted.
#[derive(Clone, Debug)]
pub struct Planted {
    pub files: Vec<(String, String)>,
    pub secret: Secret,
    pub strict: bool,
    /// Whether `komply config` (no `--redact`) prints the value: it is in the resolved project.
    pub in_config: bool,
    /// A human summary (for failure messages).
    pub summary: String,
}

/// Builds a random project from `data`.
pub fn project(data: &[u8]) -> Planted {
    let mut c = Choices::new(data);
    // Structure first (so seeds can be written by hand: kind, definition, plants, error
    // path, wrapping), then the secret's characters.
    let kind = c.below(KINDS);
    let def = DEFS[c.below(DEFS.len())];
    let n_plants = 1 + c.below(4);
    let mut plants: Vec<Plant> = (0..n_plants)
        .map(|_| PLANTS[c.below(PLANTS.len())])
        .collect();
    plants.dedup();
    let broken = BROKEN[c.below(BROKEN.len())];
    let wrap = c.flip();
    let s = secret(kind, &mut c);
    // How a plant writes the secret: the literal, or `${NAME}` when it only lives in `.env`.
    let reference = format!("${{{}}}", s.name);
    let v = if def == Def::DotenvOnly {
        reference.clone()
    } else {
        s.value.clone()
    };
    let mut d = Draft::new();
    d.define(def, broken, &s);
    d.break_it(broken, &s, &v);
    for p in &plants {
        let x = if wrap {
            format!("pre-{v}-post")
        } else {
            v.clone()
        };
        d.plant(*p, &v, &x);
    }
    let files = d.assemble(broken);
    Planted {
        summary: format!(
            "secret {} ({}), defined {def:?}, planted in {plants:?}, error path {broken:?}, wrapped {wrap}",
            s.name,
            s.value.chars().take(24).collect::<String>()
        ),
        files,
        secret: s,
        strict: broken == Broken::Strict,
        in_config: matches!(
            def,
            Def::EnvMap | Def::EnvList | Def::EnvFile | Def::DotenvInterpolated | Def::BuildArg
        ),
    }
}

/// A single-line form for fields that cannot hold a newline.
fn one_line(x: &str) -> String {
    x.replace('\n', "\\n")
}

/// The project being written: the files, `.env`, the two services' lines and the top-level
/// sections, before they are joined into `compose.yaml`.
struct Draft {
    files: Vec<(String, String)>,
    dotenv: String,
    app: Vec<String>,
    web: Vec<String>,
    top: Vec<String>,
    configs: Vec<String>,
    volumes: Vec<String>,
    labels: Vec<String>,
}

impl Draft {
    fn new() -> Draft {
        Draft {
            files: Vec::new(),
            dotenv: String::new(),
            app: vec![
                "    image: nginx:1.27".into(),
                "    ports: [\"8080:80\"]".into(),
            ],
            web: vec!["    image: nginx:1.27".into()],
            top: Vec::new(),
            configs: Vec::new(),
            volumes: Vec::new(),
            labels: Vec::new(),
        }
    }

    /// Where the secret is defined.
    fn define(&mut self, def: Def, broken: Broken, s: &Secret) {
        let Draft {
            files,
            dotenv,
            app,
            top,
            volumes,
            ..
        } = self;
        match def {
            Def::EnvMap => {
                if broken == Broken::NeighbourType {
                    app.push(format!(
                        "    environment: {{{}: {}, BROKEN: [1]}}",
                        s.name,
                        q(&s.value)
                    ));
                } else {
                    app.push("    environment:".into());
                    app.push(format!(
                        "      LOG_LEVEL: info\n      {}: {}",
                        s.name,
                        q(&s.value)
                    ));
                }
            }
            Def::EnvList => {
                app.push("    environment:".into());
                app.push(format!("      - {}", q(&format!("{}={}", s.name, s.value))));
            }
            Def::EnvFile => {
                app.push("    env_file: app.env".into());
                files.push((
                    "app.env".into(),
                    format!("LOG_LEVEL=info\n{}={}\n", s.name, q(&s.value)),
                ));
            }
            Def::DotenvInterpolated => {
                app.push("    environment:".into());
                app.push(format!("      {}: ${{{}}}", s.name, s.name));
                dotenv.push_str(&format!("{}={}\n", s.name, q(&s.value)));
            }
            Def::DotenvOnly => {
                dotenv.push_str(&format!("{}={}\n", s.name, q(&s.value)));
            }
            Def::ComposeSecretFile => {
                app.push("    secrets: [planted]".into());
                top.push("secrets:\n  planted:\n    file: ./planted.txt".into());
                files.push(("planted.txt".into(), format!("{}\n", s.value)));
            }
            Def::BindMountedKey => {
                volumes.push("      - ./certs/server.key:/etc/ssl/server.key:ro".into());
                files.push(("certs/server.key".into(), format!("{}\n", s.value)));
            }
            Def::BindMountedDirFile => {
                volumes.push("      - ./conf:/etc/app/conf:ro".into());
                files.push(("conf/db_password".into(), format!("{}\n", s.value)));
            }
            Def::BuildArg => {
                app.push(format!(
                    "    build:\n      context: .\n      args:\n        {}: {}",
                    s.name,
                    q(&s.value)
                ));
            }
        }
    }

    /// The error path: what breaks the run after the secret is read.
    fn break_it(&mut self, broken: Broken, s: &Secret, v: &str) {
        let Draft { dotenv, app, .. } = self;
        if broken == Broken::UnknownKeyNext {
            app.push("    unknown_key_after_the_secret: 1".into());
        }
        if broken == Broken::DotenvQuote {
            dotenv.push_str(&format!(
                "BROKEN_QUOTE=\"{} never closed\n",
                one_line(&s.value)
            ));
        }
        if broken == Broken::Interpolation {
            app.push(format!(
                "    labels:\n      broken: {}",
                q(&format!("{} ${{", one_line(v)))
            ));
        }
    }

    /// One place the secret (`x`: `v` wrapped or not) is planted.
    fn plant(&mut self, p: Plant, v: &str, x: &str) {
        let Draft {
            files,
            app,
            web,
            configs,
            volumes,
            labels,
            ..
        } = self;
        let x1 = one_line(x);
        match p {
            Plant::Label => labels.push(format!("      planted: {}", q(x))),
            Plant::KomposeExpose => labels.push(format!(
                "      kompose.service.expose: {}",
                q(&format!("{}.example.com", one_line(v)))
            )),
            Plant::KomposeProbe => labels.push(format!(
                "      kompose.service.healthcheck.liveness.test: {}",
                q(&format!("check {x1}"))
            )),
            Plant::KomposeInit => {
                labels.push("      kompose.init.containers.name: init".into());
                labels.push("      kompose.init.containers.image: busybox:1.36".into());
                labels.push(format!(
                    "      kompose.init.containers.command: {}",
                    q(&format!("[\"sh\", \"-c\", \"echo {x1}\"]"))
                ));
            }
            Plant::DeployLabel => app.push(format!(
                "    deploy:\n      labels:\n        planted: {}",
                q(x)
            )),
            Plant::Annotation => app.push(format!("    annotations:\n      planted: {}", q(x))),
            Plant::CommandList => app.push(format!(
                "    command: [\"sh\", \"-c\", {}]",
                q(&format!("run --token={x1}"))
            )),
            Plant::CommandString => {
                app.push(format!("    command: {}", q(&format!("serve --pw {x1}"))))
            }
            Plant::Entrypoint => {
                app.push(format!("    entrypoint: [\"/bin/entry\", {}]", q(&x1)))
            }
            Plant::HealthCmd => app.push(format!(
                "    healthcheck:\n      test: [\"CMD\", \"check\", {}]",
                q(&x1)
            )),
            Plant::HealthShell => app.push(format!(
                "    healthcheck:\n      test: [\"CMD-SHELL\", {}]",
                q(&format!("curl -H 'X-Token: {x1}' http://localhost:80/"))
            )),
            Plant::WorkingDir => {
                app.push(format!("    working_dir: {}", q(&format!("/srv/{x1}"))))
            }
            Plant::ExtraHost => app.push(format!(
                "    extra_hosts:\n      - {}",
                q(&format!("{x1}.local:10.0.0.1"))
            )),
            Plant::ConfigContent => {
                app.push("    configs:\n      - source: inline\n        target: /etc/app/inline.conf".into());
                configs.push(format!("  inline:\n    content: {}", q(&format!("password = {x}\n"))));
            }
            Plant::ConfigFile => {
                app.push("    configs:\n      - source: fromfile\n        target: /etc/app/app.conf".into());
                configs.push("  fromfile:\n    file: ./app.conf".into());
                files.push(("app.conf".into(), format!("[db]\npassword = {x}\n")));
            }
            Plant::IngressAnnotation => app.push(format!(
                "    x-komply:\n      ingress:\n        host: app.example.com\n        annotations:\n          planted: {}",
                q(x)
            )),
            Plant::OtherServiceEnv => {
                web.push(format!("    environment:\n      UPSTREAM: {}", q(x)));
            }
            Plant::Hostname => app.push(format!(
                "    hostname: {}",
                q(&format!("h-{}", one_line(v)))
            )),
            Plant::Logging => app.push(format!(
                "    logging: {{driver: syslog, options: {{tag: {}}}}}",
                q(&x1)
            )),
            Plant::VolumeTarget => volumes.push(format!(
                "      - {}",
                q(&format!("data:/var/data/{x1}"))
            )),
            Plant::MountedDirFile => {
                volumes.push("      - ./conf:/etc/app/conf:ro".into());
                files.push((
                    "conf/site.conf".into(),
                    format!("upstream db {{ server db:5432; }}\n# reused: {x}\n"),
                ));
            }
            Plant::MountedFile => {
                volumes.push("      - ./nginx.conf:/etc/nginx/nginx.conf:ro".into());
                files.push((
                    "nginx.conf".into(),
                    format!("events {{}}\nhttp {{\n  # {x}\n}}\n"),
                ));
            }
            Plant::NetworkAlias => app.push(format!(
                "    networks:\n      default:\n        aliases: [{}]",
                q(&format!("a-{}", one_line(v)))
            )),
        }
    }

    /// `compose.yaml` (and `.env`) joined from the draft: the files of the project.
    fn assemble(self, broken: Broken) -> Vec<(String, String)> {
        let Draft {
            mut files,
            dotenv,
            mut app,
            web,
            mut top,
            mut configs,
            mut volumes,
            labels,
        } = self;
        if !labels.is_empty() {
            if broken == Broken::Interpolation {
                // The interpolation error's label block is already open.
                app.push(labels.join("\n"));
            } else {
                app.push(format!("    labels:\n{}", labels.join("\n")));
            }
        }
        if !volumes.is_empty() {
            let mut seen = std::collections::BTreeSet::new();
            volumes.retain(|v| seen.insert(v.clone()));
            app.push(format!("    volumes:\n{}", volumes.join("\n")));
            if volumes.iter().any(|v| v.contains("data:")) {
                top.push("volumes:\n  data: {}".into());
            }
        }
        // Keys of a service appear once: merge the blocks that open the same key.
        let app = merge_keys(app);
        let web = merge_keys(web);
        let mut compose = format!(
            "name: planted\nservices:\n  app:\n{}\n  web:\n{}\n",
            app.join("\n"),
            web.join("\n")
        );
        if !configs.is_empty() {
            configs.dedup();
            compose.push_str(&format!("configs:\n{}\n", configs.join("\n")));
        }
        for t in top {
            compose.push_str(&t);
            compose.push('\n');
        }
        files.push(("compose.yaml".into(), compose));
        if !dotenv.is_empty() {
            files.push((".env".into(), dotenv));
        }
        files
    }
}

/// Joins blocks that open the same service key (`    labels:` twice, two `configs:` lists).
fn merge_keys(blocks: Vec<String>) -> Vec<String> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for b in blocks {
        let mut lines = b.lines().map(str::to_string);
        let head = lines.next().unwrap_or_default();
        let rest: Vec<String> = lines.collect();
        match out.iter_mut().find(|(h, _)| *h == head && !rest.is_empty()) {
            Some((_, body)) => {
                for l in rest {
                    if !body.contains(&l) || !l.trim_start().starts_with("- ") {
                        body.push(l);
                    }
                }
            }
            None => out.push((head, rest)),
        }
    }
    out.into_iter()
        .map(|(h, body)| {
            if body.is_empty() {
                h
            } else {
                format!("{h}\n{}", body.join("\n"))
            }
        })
        .collect()
}

/// One command's output.
#[derive(Debug)]
pub struct Run {
    pub command: String,
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
    pub files: Vec<(PathBuf, String)>,
}

/// Removes ANSI colour sequences (a colour code inside a value must not hide it from the check).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Runs one command line in-process, as its own process would: empty registry, output captured.
fn run(args: &[String], stdin: Option<String>) -> Run {
    registry().truncate(0, 0);
    let mut argv: Vec<std::ffi::OsString> = vec!["komply".into()];
    argv.extend(args.iter().map(Into::into));
    let (code, cap) = crate::out::capture(stdin, || crate::cli::run(argv));
    registry().truncate(0, 0);
    let code: u8 = if code == std::process::ExitCode::SUCCESS {
        0
    } else if code == std::process::ExitCode::from(1) {
        1
    } else {
        2
    };
    Run {
        command: args.join(" "),
        code,
        stdout: strip_ansi(&cap.stdout),
        stderr: strip_ansi(&cap.stderr),
        files: cap
            .files
            .into_iter()
            .map(|(p, b)| (p, String::from_utf8_lossy(&b).into_owned()))
            .collect(),
    }
}

/// The KRM function on a ResourceList, with `dir` as the package root (`komply krm` uses the
/// current directory, which a test cannot move): stdout as written (items unredacted, as the
/// CLI does) and the diagnostics as the CLI prints them.
fn krm(input: &str, dir: &Path) -> Run {
    registry().truncate(0, 0);
    let (r, cap) = crate::out::capture(None, || -> Result<u8, String> {
        let root = crate::krm::confine::Root::new(dir).map_err(|e| e.to_string())?;
        match crate::krm::run(input, &root) {
            Ok((out, code, diags)) => {
                for d in &diags {
                    crate::out::stderr_line(&d.render(false));
                }
                let _ = crate::out::stdout_unredacted(&out, crate::out::Unredacted::KrmItems);
                Ok(code)
            }
            Err(f) => {
                for d in &f.0 {
                    crate::out::stderr_line(&d.render(false));
                }
                Ok(2)
            }
        }
    });
    registry().truncate(0, 0);
    Run {
        command: "krm".into(),
        code: r.unwrap_or(2),
        stdout: cap.stdout,
        stderr: cap.stderr,
        files: Vec::new(),
    }
}

/// Writes the project into `dir` (emptied first).
pub fn write_project(dir: &Path, p: &Planted) {
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::create_dir_all(dir);
    for (rel, text) in &p.files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, text);
    }
}

/// Every command and format on the project in `dir`.
pub fn run_all(dir: &Path, p: &Planted) -> (Vec<Run>, Option<Run>) {
    let s = |x: &str| x.to_string();
    let d = dir.display().to_string();
    let compose = dir.join("compose.yaml").display().to_string();
    let project = [
        s("-f"),
        compose.clone(),
        s("--project-directory"),
        d.clone(),
    ];
    let strict: Vec<String> = if p.strict {
        vec![s("--strict")]
    } else {
        Vec::new()
    };
    let out = dir.join("out");
    let with = |cmd: &[&str], extra: &[String]| -> Vec<String> {
        let mut v: Vec<String> = cmd.iter().map(|x| x.to_string()).collect();
        v.extend(project.iter().cloned());
        v.extend(extra.iter().cloned());
        v
    };
    let mut runs = Vec::new();
    for format in ["yaml", "json"] {
        runs.push(run(&with(&["convert", "--format", format], &strict), None));
    }
    runs.push(run(&with(&["convert", "-v", "-e", "prod"], &strict), None));
    let generated = out.join("yaml");
    let mut o = strict.clone();
    o.extend([s("-o"), generated.display().to_string()]);
    runs.push(run(&with(&["convert"], &o), None));
    for format in ["text", "json", "sarif", "github", "junit"] {
        runs.push(run(&with(&["check", "--format", format], &strict), None));
        runs.push(run(
            &[s("lint"), s("--format"), s(format), compose.clone()],
            None,
        ));
        runs.push(run(
            &[
                s("lint"),
                s("--format"),
                s(format),
                generated.display().to_string(),
            ],
            None,
        ));
    }
    runs.push(run(
        &[s("--color"), s("always"), s("check")]
            .into_iter()
            .chain(project.iter().cloned())
            .collect::<Vec<_>>(),
        None,
    ));
    // `diff` against a directory that is out of date (one file edited, one removed).
    let stale = out.join("stale");
    let _ = std::fs::create_dir_all(&stale);
    if let Ok(entries) = std::fs::read_dir(&generated) {
        for (i, e) in entries.flatten().enumerate() {
            if let Ok(text) = std::fs::read_to_string(e.path()) {
                let text = if i == 0 {
                    text.replace("replicas: 1", "replicas: 3")
                } else {
                    text
                };
                if i != 1 {
                    let _ = std::fs::write(stale.join(e.file_name()), text);
                }
            }
        }
    }
    for format in ["yaml", "json"] {
        let mut o = strict.clone();
        o.extend([
            s("-o"),
            stale.display().to_string(),
            s("--format"),
            s(format),
        ]);
        runs.push(run(&with(&["diff"], &o), None));
    }
    for format in ["mermaid", "dot"] {
        runs.push(run(&with(&["graph", "--format", format], &[]), None));
    }
    runs.push(run(&with(&["graph", "-e", "all"], &[]), None));
    let migrated = out.join("migrate");
    runs.push(run(
        &with(&["migrate", "-o"], &[migrated.display().to_string()]),
        None,
    ));
    for format in ["yaml", "json"] {
        runs.push(run(
            &with(&["config", "--redact", "--format", format], &[]),
            None,
        ));
    }
    // The KRM function: generator on the project, validator on what it generated.
    let fn_config = format!(
        "functionConfig:\n  apiVersion: komply.dev/v1alpha1\n  kind: Komply\n  metadata: {{name: planted}}\n  spec:\n    compose: compose.yaml\n    path: k8s\n{}",
        if p.strict { "    strict: true\n" } else { "" }
    );
    let generator = krm(
        &format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n{fn_config}"),
        dir,
    );
    let items = crate::yaml::parse_documents(
        crate::yaml::SourceId::NONE,
        &generator.stdout,
        &crate::yaml::Limits::default(),
    )
    .ok()
    .and_then(|docs| docs.first().map(|d| d.to_json()["items"].clone()))
    .filter(serde_json::Value::is_array);
    runs.push(generator);
    if let Some(items) = items {
        let list = serde_json::json!({
            "apiVersion": "config.kubernetes.io/v1",
            "kind": "ResourceList",
            "items": items,
        });
        runs.push(krm(&list.to_string(), dir));
    }
    let parity = run(&with(&["config"], &[]), None);
    (runs, Some(parity))
}

/// Where a needle leaked, if anywhere.
pub fn leaks(runs: &[Run], needles: &[String]) -> Vec<String> {
    // Also the forms komply's name sanitisers make (a secret lower-cased into a hostname).
    let needles: Vec<String> = needles
        .iter()
        .flat_map(|n| registry::name_forms(n))
        .collect();
    let mut out = Vec::new();
    for r in runs {
        for n in &needles {
            let mut places = Vec::new();
            if r.stdout.contains(n.as_str()) {
                places.push("stdout".to_string());
            }
            if r.stderr.contains(n.as_str()) {
                places.push("stderr".to_string());
            }
            for (path, text) in &r.files {
                if text.contains(n.as_str()) {
                    places.push(path.display().to_string());
                }
            }
            for place in places {
                let text = if place == "stdout" {
                    &r.stdout
                } else if place == "stderr" {
                    &r.stderr
                } else {
                    &r.files
                        .iter()
                        .find(|(p, _)| p.display().to_string() == place)
                        .map(|(_, t)| t.clone())
                        .unwrap_or_default()
                };
                let at = text.find(n.as_str()).unwrap_or(0);
                let from = text[..at]
                    .char_indices()
                    .rev()
                    .nth(160)
                    .map(|(i, _)| i)
                    .unwrap_or(0);
                let to = (at + n.len() + 160).min(text.len());
                let to = (to..=text.len())
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(text.len());
                out.push(format!(
                    "`komply {}` (exit {}) wrote `{n}` to {place}:\n…{}…",
                    r.command,
                    r.code,
                    &text[from..to]
                ));
            }
        }
    }
    out
}

/// The property on one input: `Err` names every leak.
pub fn check(data: &[u8], dir: &Path) -> Result<(), String> {
    let p = project(data);
    write_project(dir, &p);
    let (runs, parity) = run_all(dir, &p);
    let mut problems = leaks(&runs, &p.secret.needles);
    // Docker Compose parity: `komply config` prints the value when the project loads and the
    // value is in the resolved project (it is not when it only lives in a file).
    if let Some(parity) = parity
        && parity.code == 0
        && p.in_config
        && !parity.stdout.contains(p.secret.needles[0].as_str())
    {
        problems.push("`komply config` (no --redact) did not print the value".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let compose = p
            .files
            .iter()
            .map(|(f, t)| format!("--- {f}\n{t}"))
            .collect::<Vec<_>>()
            .join("\n");
        Err(format!(
            "{}\n{compose}\n\n{}",
            p.summary,
            problems.join("\n\n")
        ))
    }
}
