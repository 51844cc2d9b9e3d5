//! Turns `jsonschema` errors into findings a person can act on.
//!
//! Each finding names the offending property, says what was expected, and records which node of
//! the document to point at: the key itself for an unknown key, the value for a wrong value, and
//! the key holding a mapping for a property missing from that mapping. `oneOf` / `anyOf` failures
//! are collapsed into one message (the union of expected types, or the errors of the alternative
//! the value came closest to). Messages never quote a value the user wrote except for short
//! strings and numbers in enum / pattern / range errors, so secrets cannot leak through them.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

use super::locate::{Anchor, escape, segments};
use super::suggest;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Finding {
    /// JSON pointer of the offending property (for a missing one: where it should be).
    pub pointer: String,
    /// JSON pointer of the node to locate in the source.
    pub node_pointer: String,
    pub anchor: Anchor,
    pub message: String,
    /// A known key close to an unknown one.
    pub suggestion: Option<String>,
}

/// Wording that differs between Kubernetes objects and Compose files.
#[derive(Clone, Copy)]
pub(crate) struct Style {
    /// "field" (Kubernetes) or "key" (Compose).
    pub noun: &'static str,
    /// How to name the document root, e.g. "the object".
    pub root: &'static str,
    /// Instance paths where a `uniqueItems` failure is not an error (Compose de-duplicates some
    /// sequences before it validates).
    pub duplicates_allowed: fn(&str) -> bool,
}

impl Style {
    /// True when `err` is not an error in this style's eyes.
    pub(crate) fn tolerates(&self, err: &ValidationError<'_>) -> bool {
        matches!(err.kind(), ValidationErrorKind::UniqueItems)
            && (self.duplicates_allowed)(err.instance_path().as_str())
    }
}

/// For styles where every `uniqueItems` failure counts.
pub(crate) fn never(_: &str) -> bool {
    false
}

/// Validates `json` (the JSON form of `root`) and turns each error into a located finding: in
/// document order, one per place and message. Compose files and overlays share this; each adds
/// its own code and help lines.
pub(crate) fn located_findings(
    root: &crate::yaml::Node,
    json: &Value,
    compiled: &super::schemas::Compiled,
    style: Style,
) -> Vec<(crate::yaml::Span, Finding)> {
    let mut findings = Vec::new();
    for err in compiled.validator.iter_errors(json) {
        translate(&err, &compiled.schema, style, &mut findings);
    }
    let mut located: Vec<_> = findings
        .into_iter()
        .map(|f| (super::locate::locate(root, &f.node_pointer, f.anchor), f))
        .collect();
    located.sort_by_key(|(span, _)| (span.source, span.start));
    located.dedup_by(|a, b| a.0 == b.0 && a.1.message == b.1.message);
    located
}

/// Translates one error (recursively for `oneOf` / `anyOf`) into findings.
pub(crate) fn translate(
    err: &ValidationError<'_>,
    schema: &Value,
    style: Style,
    out: &mut Vec<Finding>,
) {
    if style.tolerates(err) {
        return;
    }
    let path = err.instance_path().as_str().to_string();
    let name = display_name(&path, style);
    let instance: &Value = err.instance();
    match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let known = known_properties(schema, err.schema_path().as_str());
            unknown_keys(&path, &name, unexpected, &known, style, out);
        }
        ValidationErrorKind::Required { property } => {
            out.push(missing_key(&path, &name, property, style));
        }
        ValidationErrorKind::PropertyNames { error } => {
            let key = error.instance().as_str().unwrap_or("?").to_string();
            let pointer = format!("{path}/{}", escape(&key));
            out.push(Finding {
                pointer: pointer.clone(),
                node_pointer: pointer,
                anchor: Anchor::Key,
                message: format!("{name}: `{key}` is not an allowed {}", style.noun),
                suggestion: None,
            });
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            collapse(&path, &name, instance, context, schema, style, out)
        }
        kind => {
            let (message, anchor) = match limit_message(kind, &name, instance) {
                Some(message) => (message, Anchor::Value),
                None => value_message(kind, &name, instance, schema, err.schema_path().as_str()),
            };
            out.push(Finding {
                pointer: path.clone(),
                node_pointer: path,
                anchor,
                message,
                suggestion: None,
            });
        }
    }
}

/// One finding per unknown key, at the key, with the closest known one.
fn unknown_keys(
    path: &str,
    name: &str,
    unexpected: &[String],
    known: &[String],
    style: Style,
    out: &mut Vec<Finding>,
) {
    let container = if path.is_empty() {
        String::new()
    } else {
        format!(" in {name}")
    };
    for key in unexpected {
        let pointer = format!("{path}/{}", escape(key));
        out.push(Finding {
            pointer: pointer.clone(),
            node_pointer: pointer,
            anchor: Anchor::Key,
            message: format!("unknown {} `{key}`{container}", style.noun),
            suggestion: suggest::closest(key, known.iter().map(String::as_str)).map(str::to_string),
        });
    }
}

/// A required key that is missing, at the mapping that should hold it.
fn missing_key(path: &str, name: &str, property: &Value, style: Style) -> Finding {
    let prop = property
        .as_str()
        .map_or_else(|| property.to_string(), str::to_string);
    let container = if path.is_empty() {
        String::new()
    } else {
        format!(" in {name}")
    };
    Finding {
        pointer: format!("{path}/{}", escape(&prop)),
        node_pointer: path.to_string(),
        anchor: Anchor::Holder,
        message: format!("missing required {} `{prop}`{container}", style.noun),
        suggestion: None,
    }
}

/// The message of a numeric, length, size or uniqueness limit the value breaks (`None` for
/// any other kind of error).
fn limit_message(kind: &ValidationErrorKind, name: &str, instance: &Value) -> Option<String> {
    Some(match kind {
        ValidationErrorKind::Minimum { limit } => range(name, "at least", limit, instance),
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            range(name, "greater than", limit, instance)
        }
        ValidationErrorKind::Maximum { limit } => range(name, "at most", limit, instance),
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            range(name, "less than", limit, instance)
        }
        ValidationErrorKind::MultipleOf { multiple_of } => {
            format!("{name}: must be a multiple of {multiple_of}")
        }
        ValidationErrorKind::MinLength { limit } => format!(
            "{name}: must be at least {limit} character{} long",
            plural(*limit)
        ),
        ValidationErrorKind::MaxLength { limit } => format!(
            "{name}: must be at most {limit} character{} long",
            plural(*limit)
        ),
        ValidationErrorKind::MinItems { limit } => format!(
            "{name}: must have at least {limit} item{}, found {}",
            plural(*limit),
            instance.as_array().map_or(0, Vec::len)
        ),
        ValidationErrorKind::MaxItems { limit } => format!(
            "{name}: must have at most {limit} item{}, found {}",
            plural(*limit),
            instance.as_array().map_or(0, Vec::len)
        ),
        ValidationErrorKind::MinProperties { limit } => format!(
            "{name}: must have at least {limit} entr{}",
            plural_y(*limit)
        ),
        ValidationErrorKind::MaxProperties { limit } => {
            format!("{name}: must have at most {limit} entr{}", plural_y(*limit))
        }
        ValidationErrorKind::UniqueItems => format!("{name}: items must be unique"),
        _ => return None,
    })
}

/// The message of a wrong value (type, enum, constant, pattern, format…) and what to point at.
fn value_message(
    kind: &ValidationErrorKind,
    name: &str,
    instance: &Value,
    schema: &Value,
    schema_path: &str,
) -> (String, Anchor) {
    let message = match kind {
        ValidationErrorKind::Type { kind } => {
            let expected = expected_types(schema, schema_path, kind);
            format!(
                "{name}: expected {}, found {}",
                types_phrase(&expected),
                found(instance)
            )
        }
        ValidationErrorKind::Enum { options } => {
            let allowed = match options.as_ref() {
                Value::Array(a) => a.as_slice(),
                other => std::slice::from_ref(other),
            };
            enum_message(name, allowed, instance)
        }
        ValidationErrorKind::Constant { expected_value } => enum_message(
            name,
            std::slice::from_ref(expected_value.as_ref()),
            instance,
        ),
        ValidationErrorKind::Pattern { pattern } => {
            let shown = quote_short(instance).map_or_else(String::new, |v| format!("{v} "));
            format!("{name}: {shown}does not match the pattern `{pattern}`")
        }
        ValidationErrorKind::FalseSchema => {
            return (format!("{name} is not allowed here"), Anchor::Key);
        }
        ValidationErrorKind::Not { .. } => format!("{name}: this value is not allowed here"),
        ValidationErrorKind::Format { format } => format!("{name}: not a valid `{format}`"),
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            format!("{name}: ambiguous value, it matches more than one of the allowed forms")
        }
        other => format!("{name}: does not satisfy `{}`", other.keyword()),
    };
    (message, Anchor::Value)
}

/// One message for a failed `oneOf` / `anyOf`.
///
/// When every alternative rejects the value for its type, the message is the union of the types
/// they accept ("expected an integer or a string, found a mapping"). Otherwise the value has the
/// right type for some alternative, and the errors of the closest one (errors deepest in the
/// value, then fewest) explain what is wrong inside it.
fn collapse(
    path: &str,
    name: &str,
    instance: &Value,
    branches: &[Vec<ValidationError<'static>>],
    schema: &Value,
    style: Style,
    out: &mut Vec<Finding>,
) {
    if branches
        .iter()
        .any(|b| b.iter().all(|e| style.tolerates(e)))
    {
        return;
    }
    let at_root = |e: &ValidationError<'_>| e.instance_path().as_str() == path;
    let rejects_type = |branch: &Vec<ValidationError<'static>>| {
        !branch.is_empty()
            && branch
                .iter()
                .any(|e| at_root(e) && matches!(e.kind(), ValidationErrorKind::Type { .. }))
    };
    // `oneOf: [{required: [a]}, {required: [b]}]`: "needs one of a or b".
    let missing_only: Option<Vec<String>> = branches
        .iter()
        .map(|b| match b.as_slice() {
            [e] if at_root(e) => match e.kind() {
                ValidationErrorKind::Required { property } => property.as_str().map(str::to_string),
                _ => None,
            },
            _ => None,
        })
        .collect();
    if let Some(mut names) = missing_only.filter(|n| n.len() > 1) {
        names.dedup();
        let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        let container = if path.is_empty() {
            String::new()
        } else {
            format!(" in {name}")
        };
        out.push(Finding {
            pointer: path.to_string(),
            node_pointer: path.to_string(),
            anchor: Anchor::Holder,
            message: format!(
                "missing one of {} {}{container}",
                list[..list.len() - 1].join(", "),
                format_args!("or {}", list[list.len() - 1])
            ),
            suggestion: None,
        });
        return;
    }
    // Ties go to the alternative listed first.
    let closest = branches
        .iter()
        .filter(|b| !b.is_empty() && !rejects_type(b))
        .enumerate()
        .max_by_key(|(i, b)| {
            let depth = b
                .iter()
                .map(|e| e.instance_path().as_str().matches('/').count())
                .max()
                .unwrap_or(0);
            (depth, std::cmp::Reverse(b.len()), std::cmp::Reverse(*i))
        })
        .map(|(_, b)| b);
    if let Some(branch) = closest {
        let before = out.len();
        for e in branch {
            translate(e, schema, style, out);
        }
        dedup_tail(out, before);
        return;
    }
    let mut expected: Vec<String> = Vec::new();
    for branch in branches {
        for e in branch.iter().filter(|e| at_root(e)) {
            if let ValidationErrorKind::Type { kind } = e.kind() {
                for t in expected_types(schema, e.schema_path().as_str(), kind) {
                    if !expected.contains(&t) {
                        expected.push(t);
                    }
                }
            }
        }
    }
    let message = if expected.is_empty() {
        format!("{name}: does not match any of the allowed forms")
    } else {
        format!(
            "{name}: expected {}, found {}",
            types_phrase(&expected),
            found(instance)
        )
    };
    out.push(Finding {
        pointer: path.to_string(),
        node_pointer: path.to_string(),
        anchor: Anchor::Value,
        message,
        suggestion: None,
    });
}

fn dedup_tail(out: &mut Vec<Finding>, from: usize) {
    let mut i = from;
    while i < out.len() {
        if out[..i].contains(&out[i]) {
            out.remove(i);
        } else {
            i += 1;
        }
    }
}

/// Names of the properties the schema object holding `schema_path`'s keyword declares.
fn known_properties(schema: &Value, schema_path: &str) -> Vec<String> {
    let Some((parent, _keyword)) = schema_path.rsplit_once('/') else {
        return Vec::new();
    };
    let holder = if parent.is_empty() {
        Some(schema)
    } else {
        schema.pointer(parent)
    };
    holder
        .and_then(|h| h.get("properties"))
        .and_then(Value::as_object)
        .map(|props| props.keys().cloned().collect())
        .unwrap_or_default()
}

/// The types a `type` keyword accepts, in the schema's own order (read back from the schema;
/// the error's type set is unordered).
fn expected_types(schema: &Value, schema_path: &str, kind: &TypeKind) -> Vec<String> {
    let from_schema: Option<Vec<String>> = schema.pointer(schema_path).and_then(|t| match t {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        _ => None,
    });
    from_schema.unwrap_or_else(|| match kind {
        TypeKind::Single(t) => vec![t.as_str().to_string()],
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t: JsonType| t.as_str().to_string())
            .collect(),
    })
}

/// "an integer or a string" from `["integer", "string", "null"]`. `null` is left out when other
/// types are allowed (it is how schemas say "optional"; nobody means to write it), and
/// "integer" is left out next to "number".
fn types_phrase(types: &[String]) -> String {
    let mut names: Vec<&str> = types
        .iter()
        .filter(|t| !(t.as_str() == "null" && types.len() > 1))
        .filter(|t| !(t.as_str() == "integer" && types.iter().any(|o| o == "number")))
        .map(|t| type_phrase(t))
        .collect();
    names.dedup();
    match names.len() {
        0 => "nothing".into(),
        1 => names[0].to_string(),
        n => format!("{} or {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

fn type_phrase(json_type: &str) -> &'static str {
    match json_type {
        "integer" => "an integer",
        "number" => "a number",
        "string" => "a string",
        "boolean" => "a boolean",
        "object" => "a mapping",
        "array" => "a sequence",
        "null" => "null",
        _ => "another type",
    }
}

/// The type of a value, in the same words.
fn found(v: &Value) -> &'static str {
    match v {
        Value::Null => "an empty value",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}

fn enum_message(name: &str, allowed: &[Value], instance: &Value) -> String {
    const SHOWN: usize = 12;
    let mut list: Vec<String> = allowed.iter().take(SHOWN).map(show).collect();
    if allowed.len() > SHOWN {
        list.push(format!("… ({} more)", allowed.len() - SHOWN));
    }
    let got = quote_short(instance).unwrap_or_else(|| found(instance).to_string());
    if allowed.len() == 1 {
        format!("{name}: must be {}, found {got}", list[0])
    } else {
        format!("{name}: expected one of {}, found {got}", list.join(", "))
    }
}

fn range(name: &str, relation: &str, limit: &Value, instance: &Value) -> String {
    match instance {
        Value::Number(n) => format!("{name}: must be {relation} {limit}, found {n}"),
        _ => format!("{name}: must be {relation} {limit}"),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

/// A short scalar the user wrote, quoted; `None` for long strings and collections.
fn quote_short(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.chars().count() <= 64 && !s.contains('\n') => Some(format!("`{s}`")),
        Value::Number(_) | Value::Bool(_) => Some(format!("`{v}`")),
        Value::Null => Some("an empty value".into()),
        _ => None,
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn plural_y(n: u64) -> &'static str {
    if n == 1 { "y" } else { "ies" }
}

/// `/spec/template/spec/containers/0/livenessProbe` → "`livenessProbe`";
/// `/spec/containers/0` → "`containers[0]`"; `` → the style's root name.
pub(crate) fn display_name(pointer: &str, style: Style) -> String {
    let segments: Vec<String> = segments(pointer).collect();
    if segments.is_empty() {
        return style.root.to_string();
    }
    // Sequence indices read better attached to their sequence: containers[0], ports[1][0].
    let head = segments.iter().rposition(|s| !is_index(s));
    let indices: String = segments[head.map_or(0, |h| h + 1)..]
        .iter()
        .map(|s| format!("[{s}]"))
        .collect();
    match head {
        Some(h) => format!("`{}{indices}`", segments[h]),
        None => format!("item `{indices}`"),
    }
}

fn is_index(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const K8S: Style = Style {
        noun: "field",
        root: "the object",
        duplicates_allowed: never,
    };

    #[test]
    fn names_read_like_paths() {
        assert_eq!(display_name("", K8S), "the object");
        assert_eq!(display_name("/spec/replicas", K8S), "`replicas`");
        assert_eq!(
            display_name("/spec/template/spec/containers/0", K8S),
            "`containers[0]`"
        );
        assert_eq!(display_name("/a~1b", K8S), "`a/b`");
    }

    #[test]
    fn type_lists_read_like_english() {
        let t = |v: &[&str]| types_phrase(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(t(&["integer", "null"]), "an integer");
        assert_eq!(t(&["integer", "string"]), "an integer or a string");
        assert_eq!(t(&["string", "array", "null"]), "a string or a sequence");
        assert_eq!(t(&["number", "integer", "string"]), "a number or a string");
        assert_eq!(t(&["object"]), "a mapping");
    }
}
