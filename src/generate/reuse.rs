//! Secret values found outside their secret key. A value defined under a secret-like name
//! (or a value shape, a Compose secret, a secret-like interpolation variable) that the
//! service also uses elsewhere — `command`, `healthcheck.test`, `labels`, `working_dir`,
//! `extra_hosts`, `x-komply.ingress.annotations`, kompose labels, another variable — would be
//! copied into the objects verbatim. After a service's objects are built, every string of
//! every object is checked against the project's [`Known`](crate::secrets::Known) secrets:
//! - in a container's `command` / `args`, the value becomes `$(VAR)`, which Kubernetes
//!   expands from the container's environment — the variable comes from the Secret (the
//!   service's own, or the defining service's Secret, added to this container's `env`);
//! - in an exec probe run by a shell (`CMD-SHELL`), it becomes `${VAR}`, read by the shell
//!   from the same environment;
//! - anywhere else Kubernetes cannot read a Secret (labels, annotations, `workingDir`,
//!   `hostAliases`, Ingress fields, exec probes without a shell), it becomes the placeholder
//!   `redacted`.
//!
//! A located warning at each compose key that reused the value says what the generated
//! objects now do. (A plain variable whose value holds a secret is moved to the Secret by the
//! environment split itself.)

use serde_json::Value;

use super::Project;
use super::naming::{data_key, dns_label};
use crate::compose::model::Service;
use crate::diag::{Code, Diagnostic};
use crate::secrets::{KnownSecret, Origin, PLACEHOLDER};
use crate::yaml::{Node, NodeKind, Span};

/// What became of one reused value in a generated object.
#[derive(Clone, Debug, PartialEq)]
enum Done {
    /// `$(VAR)` in command / args, or `${VAR}` in a shell probe.
    EnvRef {
        var: String,
        secret: String,
    },
    Placeholder,
}

struct Action {
    /// JSON pointer in the object.
    pointer: String,
    object: String,
    done: Done,
    secret_name: String,
    /// The field's text before the replacement (to tell which compose key it came from).
    original: String,
}

/// Reports and rewrites the reuse of secret values in one service's objects.
pub(crate) fn apply(
    p: &Project,
    svc: &Service,
    objects: &mut [Value],
    warnings: &mut Vec<Diagnostic>,
) {
    if p.known.entries.is_empty() {
        return;
    }
    let mut actions: Vec<Action> = Vec::new();
    for obj in objects.iter_mut() {
        let display = format!(
            "{}/{}",
            obj["kind"].as_str().unwrap_or_default(),
            obj["metadata"]["name"].as_str().unwrap_or_default()
        );
        if obj["kind"] == "ExternalSecret" {
            continue;
        }
        let mut strings: Vec<String> = Vec::new();
        pointers(obj, &mut String::new(), &mut strings);
        for ptr in strings {
            let Some(text) = obj
                .pointer(&ptr)
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                continue;
            };
            let hits: Vec<(KnownSecret, std::ops::Range<usize>)> = p
                .known
                .find_in(&text, Some(&svc.name))
                .into_iter()
                .map(|(k, r)| (k.clone(), r))
                .collect();
            if hits.is_empty() {
                continue;
            }
            let mut out = String::new();
            let mut last = 0;
            for (secret, range) in hits {
                out.push_str(&text[last..range.start]);
                let done = replacement(p, svc, obj, &ptr, &text, range.start, &secret);
                // A word (`disabled`) is replaced only where nothing is lost — `$(VAR)` in a
                // command, `${VAR}` in a shell probe — never by the placeholder: a field
                // equal to a word is more often a coincidence than a reuse.
                if done.0 == Done::Placeholder
                    && crate::secrets::registry::hideable(&secret.value)
                        == crate::secrets::registry::Hide::Word
                {
                    out.push_str(&text[range.clone()]);
                    last = range.end;
                    continue;
                }
                match &done {
                    (Done::EnvRef { .. }, r) | (Done::Placeholder, r) => out.push_str(r),
                }
                actions.push(Action {
                    pointer: ptr.clone(),
                    object: display.clone(),
                    done: done.0,
                    secret_name: secret.name.clone(),
                    original: text.clone(),
                });
                last = range.end;
            }
            out.push_str(&text[last..]);
            if let Some(v) = obj.pointer_mut(&ptr) {
                *v = Value::String(out);
            }
        }
    }
    if actions.is_empty() {
        return;
    }
    report(p, svc, &actions, warnings);
}

/// JSON pointers of every string value (not keys) under `v`.
fn pointers(v: &Value, at: &mut String, out: &mut Vec<String>) {
    match v {
        Value::String(_) => out.push(at.clone()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                pointers(item, at, out);
                at.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                pointers(item, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// The pointer of the container that holds `ptr`, if any, and the rest of the path.
fn container_of(ptr: &str) -> Option<(&str, &str)> {
    let segs: Vec<(usize, &str)> = ptr
        .match_indices('/')
        .map(|(i, _)| i)
        .zip(ptr.split('/').skip(1))
        .collect();
    for w in (0..segs.len()).rev() {
        let (_, seg) = segs[w];
        if (seg == "containers" || seg == "initContainers") && w + 1 < segs.len() {
            let end = segs.get(w + 2).map(|(i, _)| *i).unwrap_or(ptr.len());
            return Some((&ptr[..end], &ptr[end..]));
        }
    }
    None
}

/// Makes `var` (a secret of `owner`) available in the container at `cptr`; `false` when the
/// container already has a different variable of that name.
fn ensure_env(obj: &mut Value, cptr: &str, var: &str, secret: &str) -> bool {
    let Some(container) = obj.pointer_mut(cptr) else {
        return false;
    };
    let key = data_key(var);
    if let Some(env) = container.get("env").and_then(Value::as_array)
        && let Some(e) = env.iter().find(|e| e["name"] == var)
    {
        return e["valueFrom"]["secretKeyRef"]["name"] == secret
            && e["valueFrom"]["secretKeyRef"]["key"] == key.as_str();
    }
    let entry = serde_json::json!({
        "name": var,
        "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}
    });
    match container.get_mut("env").and_then(Value::as_array_mut) {
        Some(env) => env.push(entry),
        None => {
            if let Some(map) = container.as_object_mut() {
                map.insert("env".into(), Value::Array(vec![entry]));
            }
        }
    }
    true
}

/// The quoting state of a shell script at byte `at`: none, single or double quotes.
fn shell_quote_at(script: &str, at: usize) -> char {
    let mut state = ' ';
    let mut escaped = false;
    for c in script[..at].chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match (state, c) {
            (' ' | '"', '\\') => escaped = true,
            (' ', '\'') => state = '\'',
            ('\'', '\'') => state = ' ',
            (' ', '"') => state = '"',
            ('"', '"') => state = ' ',
            _ => {}
        }
    }
    state
}

/// What one occurrence becomes: the text to put in its place.
fn replacement(
    p: &Project,
    svc: &Service,
    obj: &mut Value,
    ptr: &str,
    text: &str,
    at: usize,
    secret: &KnownSecret,
) -> (Done, String) {
    let placeholder = (Done::Placeholder, PLACEHOLDER.to_string());
    let Some((cptr, rest)) = container_of(ptr) else {
        return placeholder;
    };
    let cptr = cptr.to_string();
    // Only a variable of some service's environment is in a Secret komply generates.
    let (Origin::Environment, Some(owner)) = (&secret.origin, &secret.service) else {
        return placeholder;
    };
    let owner_secret = format!("{}-secrets", dns_label(owner));
    let is_secret_var = p
        .model
        .services
        .iter()
        .find(|s| &s.name == owner)
        .is_some_and(|s| s.environment.iter().any(|e| e.name == secret.name));
    if !is_secret_var {
        return placeholder;
    }
    let args = rest.starts_with("/command/") || rest.starts_with("/args/");
    let probe_script = ["/readinessProbe", "/livenessProbe", "/startupProbe"]
        .iter()
        .any(|pr| rest == format!("{pr}/exec/command/2"))
        && {
            let cmd = obj
                .pointer(&format!("{cptr}{}", &rest[..rest.len() - 2]))
                .and_then(Value::as_array);
            cmd.is_some_and(|c| {
                c.len() == 3 && c[0].as_str().is_some_and(|s| s.ends_with("sh")) && c[1] == "-c"
            })
        };
    if !(args || probe_script) {
        return placeholder;
    }
    let _ = svc;
    if !ensure_env(obj, &cptr, &secret.name, &owner_secret) {
        return placeholder;
    }
    let var = secret.name.clone();
    let done = Done::EnvRef {
        var: var.clone(),
        secret: owner_secret,
    };
    if args {
        (done, format!("$({var})"))
    } else {
        let r = match shell_quote_at(text, at) {
            '\'' => format!("'\"${{{var}}}\"'"),
            '"' => format!("${{{var}}}"),
            _ => format!("\"${{{var}}}\""),
        };
        (done, r)
    }
}

/// The compose scalars of the service that hold a secret outside its own definition:
/// (dotted path, span, secret, the scalar's text).
fn reuses<'a>(p: &'a Project, svc: &Service) -> Vec<(String, Span, &'a KnownSecret, String)> {
    let mut out = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    walk(&svc.node, &mut stack, &mut |path, node| {
        let Some(text) = node.as_str() else { return };
        // The definition itself, and lists of names.
        if path
            .first()
            .is_some_and(|k| k == "environment" || k == "env_file" || k == "secrets")
            && path.len() == 2
            && p.known
                .entries
                .iter()
                .any(|e| e.name == path[1] && e.value == text)
        {
            return;
        }
        if path.first().is_some_and(|k| k == "x-komply")
            && path
                .get(1)
                .is_some_and(|k| k == "secret_env" || k == "plain_env")
        {
            return;
        }
        for (secret, _) in p.known.find_in(text, Some(&svc.name)) {
            out.push((path.join("."), node.span, secret, text.to_string()));
        }
    });
    out
}

fn walk(node: &Node, path: &mut Vec<String>, f: &mut dyn FnMut(&[String], &Node)) {
    match &node.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                path.push(k.scalar_string().unwrap_or_default());
                walk(v, path, f);
                path.pop();
            }
        }
        NodeKind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                walk(item, path, f);
                path.pop();
            }
        }
        _ => f(path, node),
    }
}

/// Which generated fields a compose key can become (the rest of the pointer after the
/// container), to tell two reuses of one value apart when their texts do not.
fn area(key: &str, rest: &str) -> bool {
    match key {
        "command" => rest.starts_with("/args/"),
        "entrypoint" => rest.starts_with("/command/"),
        "healthcheck" => rest.contains("Probe/"),
        "working_dir" => rest == "/workingDir",
        _ => true,
    }
}

fn origin(secret: &KnownSecret) -> String {
    match (&secret.origin, &secret.service) {
        (Origin::Environment, Some(s)) => format!("the secret `{}` of service `{s}`", secret.name),
        (Origin::ComposeSecret, _) => format!("the Compose secret `{}`", secret.name),
        (Origin::Interpolation, _) => format!("the secret-like variable `{}`", secret.name),
        (Origin::Shape, _) => secret.name.clone(),
        (Origin::File, _) => format!("the secret-looking file `{}`", secret.name),
        _ => format!("the secret `{}`", secret.name),
    }
}

/// How likely the replacement `a` came from the compose scalar at `path` (dotted) holding
/// `text`; `None` when it cannot have (the texts do not contain one another).
fn score(path: &str, text: &str, a: &Action) -> Option<u8> {
    // Names are lower-cased on the way (`hostname`): compare without case.
    let (text, original) = (text.to_lowercase(), a.original.to_lowercase());
    let related = original == text || text.contains(original.as_str()) || original.contains(&text);
    if !related {
        return None;
    }
    let mut score = 0;
    if original == text {
        score += 2;
    } else if text.contains(original.as_str()) {
        score += 1;
    }
    let key = path.split('.').next().unwrap_or_default();
    let rest = container_of(&a.pointer).map(|(_, r)| r);
    let last = a
        .pointer
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .replace("~1", "/")
        .replace("~0", "~");
    let natural = match key {
        "command" | "entrypoint" | "healthcheck" | "working_dir" => {
            a.pointer.contains("/containers/") && rest.is_some_and(|r| area(key, r))
        }
        "extra_hosts" => a.pointer.contains("/hostAliases/"),
        "hostname" | "domainname" => {
            a.pointer.ends_with("/hostname") || a.pointer.ends_with("/subdomain")
        }
        "volumes" => a.pointer.ends_with("/mountPath"),
        _ => [
            "labels.",
            "deploy.labels.",
            "annotations.",
            "x-komply.ingress.annotations.",
        ]
        .iter()
        .any(|prefix| {
            path.strip_prefix(prefix).is_some_and(|k| {
                k == last
                    && a.pointer.contains("/metadata/")
                    && (!prefix.starts_with("x-komply") || a.object.starts_with("Ingress/"))
            })
        }),
    };
    if natural {
        score += 4;
    }
    Some(score)
}

/// What to do instead, per compose key, where Kubernetes cannot read a Secret.
fn fix(key: &str) -> &'static str {
    match key {
        "healthcheck" => {
            "use `CMD-SHELL` and `$VAR` so the probe's shell reads it from the environment"
        }
        "command" | "entrypoint" => "pass it through an environment variable of the service",
        "configs" => "keep files that hold secrets in `secrets:`",
        _ => "keep secrets out of it",
    }
}

/// One located warning per compose key that reused a secret value: where, and what the
/// generated objects do instead.
fn report(p: &Project, svc: &Service, actions: &[Action], warnings: &mut Vec<Diagnostic>) {
    let found = reuses(p, svc);
    // Each replacement is explained by the one compose key it most likely came from.
    let owner: Vec<Option<usize>> = actions
        .iter()
        .map(|a| {
            found
                .iter()
                .enumerate()
                .filter_map(|(n, (path, _, secret, text))| {
                    (secret.name == a.secret_name)
                        .then(|| score(path, text, a))
                        .flatten()
                        .map(|s| (s, n))
                })
                .max_by_key(|(s, n)| (*s, std::cmp::Reverse(*n)))
                .map(|(_, n)| n)
        })
        .collect();
    for (n, (path, span, secret, _)) in found.iter().enumerate() {
        let key = path.split('.').next().unwrap_or_default();
        if key == "environment" {
            // A plain variable holding the value: the environment split moved it.
            let var = path.split_once('.').map(|(_, v)| v).unwrap_or_default();
            warnings.push(
                Diagnostic::warning(format!(
                    "service `{}`: `{path}` holds the value of {}: `{var}` is read from the Secret `{}-secrets` too, never from a ConfigMap",
                    svc.name,
                    origin(secret),
                    dns_label(&svc.name)
                ))
                .at(*span)
                .code(Code::SecretsReused)
                .help("give each secret its own value, or read it from the one variable"),
            );
            continue;
        }
        let mine: Vec<&Action> = actions
            .iter()
            .enumerate()
            .filter(|(i, _)| owner[*i] == Some(n))
            .map(|(_, a)| a)
            .collect();
        if mine.is_empty()
            && crate::secrets::registry::hideable(&secret.value)
                == crate::secrets::registry::Hide::Word
        {
            // A word left where it was (see `apply`): `secrets/weak` says so at its definition.
            continue;
        }
        let mut parts: Vec<String> = Vec::new();
        let mut placeholders: Vec<String> = Vec::new();
        for a in &mine {
            match &a.done {
                Done::EnvRef { var, secret: s } if a.pointer.contains("Probe/") => {
                    let part = format!(
                        "the probe's shell in {} {} reads it from the container's environment (`${{{var}}}`, from the Secret `{s}`)",
                        a.object, a.pointer
                    );
                    if !parts.contains(&part) {
                        parts.push(part);
                    }
                }
                Done::EnvRef { var, secret: s } => {
                    let part = format!(
                        "{} {} reads it from the Secret `{s}` through `$({var})`, which Kubernetes expands",
                        a.object, a.pointer
                    );
                    if !parts.contains(&part) {
                        parts.push(part);
                    }
                }
                Done::Placeholder => {
                    let at = format!("{} {}", a.object, a.pointer);
                    if !placeholders.contains(&at) {
                        placeholders.push(at);
                    }
                }
            }
        }
        if !placeholders.is_empty() {
            parts.push(format!(
                "Kubernetes cannot read a Secret there, so {} {} the placeholder `{PLACEHOLDER}` instead; {}",
                placeholders.join(", "),
                if placeholders.len() > 1 { "have" } else { "has" },
                fix(key)
            ));
        }
        if parts.is_empty() {
            parts.push("the generated objects do not carry this field".into());
        }
        warnings.push(
            Diagnostic::warning(format!(
                "service `{}`: `{path}` holds the value of {}; komply does not copy it: {}",
                svc.name,
                origin(secret),
                parts.join("; ")
            ))
            .at(*span)
            .code(Code::SecretsReused),
        );
    }
    // Replacements no compose key of the service explains (a value the generator composed,
    // or one from another service's definition): say where they went.
    let mut places: Vec<String> = actions
        .iter()
        .zip(&owner)
        .filter(|(_, o)| o.is_none())
        .map(|(a, _)| format!("{} {}", a.object, a.pointer))
        .collect();
    places.dedup();
    if !places.is_empty() {
        warnings.push(
            Diagnostic::warning(format!(
                "service `{}`: the value of a secret would be written to {}; komply wrote `{PLACEHOLDER}` or a reference to the Secret instead",
                svc.name,
                places.join(", ")
            ))
            .at(svc.node.span)
            .code(Code::SecretsReused),
        );
    }
}

/// `secrets/weak`: a secret too short to recognise, a dictionary word used elsewhere, or a
/// value that is also a name of the project — komply cannot hide those everywhere; say so at
/// the definition.
pub(crate) fn weak(p: &Project, warnings: &mut Vec<Diagnostic>) {
    use crate::secrets::registry::{Hide, hideable, occurs_in};
    let mut elsewhere: Vec<(String, Span)> = Vec::new();
    let mut path = Vec::new();
    walk(&p.model.node, &mut path, &mut |_, node| {
        if let Some(s) = node.as_str() {
            elsewhere.push((s.to_string(), node.span));
        }
    });
    let mut said: Vec<&str> = Vec::new();
    for e in &p.known.entries {
        if e.span.is_synthetic() || said.contains(&e.value.as_str()) {
            continue;
        }
        if !matches!(
            e.origin,
            Origin::Environment | Origin::ComposeSecret | Origin::File
        ) {
            continue;
        }
        let used_elsewhere = || {
            elsewhere
                .iter()
                .any(|(s, span)| *span != e.span && s != &e.value && occurs_in(s, &e.value))
                || elsewhere.iter().filter(|(s, _)| s == &e.value).count() > 1
        };
        let why = match hideable(&e.value) {
            Hide::TooShort => Some(format!(
                "is shorter than {} characters: komply keeps it out of the objects but cannot recognise it anywhere else",
                crate::secrets::registry::MIN_CHARS
            )),
            _ if p.known.is_public(&e.value) => Some(
                "is also a name used by the project (a service, image, volume…): anyone can guess it, and komply cannot hide it where that name is written"
                    .to_string(),
            ),
            Hide::Word if used_elsewhere() => Some(
                "is a short word that the project also uses elsewhere: komply reads it from the Secret in commands and shell probes, but leaves other fields equal to it, and text containing it, as they are"
                    .to_string(),
            ),
            _ => None,
        };
        if let Some(why) = why {
            said.push(&e.value);
            warnings.push(
                Diagnostic::warning(format!("the value of the secret `{}` {why}", e.name))
                    .at(e.span)
                    .code(Code::SecretsWeak)
                    .help("use a long random value (and keep it in the secret store, not in the compose file)"),
            );
        }
    }
}
