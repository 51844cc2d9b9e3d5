//! The last check of a conversion, after the overlays: no generated object may carry a known
//! secret value. The generator already replaced every value it placed ([`crate::generate`]'s
//! reuse pass); what an overlay or a patch adds is caught here, replaced by the placeholder,
//! and reported.

use serde_json::Value;

use crate::diag::{Code, Diagnostic, Failure, Result};
use crate::k8s::Object;
use crate::secrets::Known;
use crate::secrets::PLACEHOLDER;

/// Replaces every known secret value left in `objects` (strings, not keys), one warning each.
/// The walk is over each object's JSON form, in its key order; an object with a replacement is
/// read back from it (only strings changed, so it reads back; if not, that is an error).
pub fn objects(
    objects: &mut [Object],
    known: &Known,
    warnings: &mut Vec<Diagnostic>,
) -> Result<()> {
    if known.entries.is_empty() {
        return Ok(());
    }
    for obj in objects.iter_mut() {
        let display = format!("{}/{}", obj.kind(), obj.name());
        let mut json = obj.to_value();
        let mut changed = false;
        let mut at = String::new();
        walk(&mut json, &mut at, &mut |ptr, s| {
            let hits = known.find_in_except_words(s, None);
            if hits.is_empty() {
                return;
            }
            let names: Vec<String> = hits.iter().map(|(k, _)| format!("`{}`", k.name)).collect();
            let mut out = String::new();
            let mut last = 0;
            for (_, r) in &hits {
                out.push_str(&s[last..r.start]);
                out.push_str(PLACEHOLDER);
                last = r.end;
            }
            out.push_str(&s[last..]);
            *s = out;
            changed = true;
            warnings.push(
                Diagnostic::warning(format!(
                    "{display} {ptr} held the value of {}; it has the placeholder `{PLACEHOLDER}` instead",
                    names.join(", ")
                ))
                .code(Code::SecretsReused)
                .help("an overlay or patch set a secret value: reference the Secret instead"),
            );
        });
        if changed && let Err(e) = obj.replace_with_value(json) {
            return Err(Failure::one(
                Diagnostic::error(format!("{display}: {e} after its secret values were replaced (a komply bug, please report it)"))
                    .code(Code::SecretsReused),
            ));
        }
    }
    Ok(())
}

fn walk(v: &mut Value, at: &mut String, f: &mut dyn FnMut(&str, &mut String)) {
    match v {
        Value::String(s) => f(at, s),
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                walk(item, at, f);
                at.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                let len = at.len();
                at.push('/');
                at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                walk(item, at, f);
                at.truncate(len);
            }
        }
        _ => {}
    }
}
