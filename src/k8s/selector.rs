//! Label selectors: `matchLabels` + `matchExpressions` (or a Service's plain map), read from
//! JSON or parsed from the text form (`app=web,tier!=db,canary,!legacy`), and matched against
//! a pod's labels — the one implementation for the overlays' patch targets, the graph and the
//! linter's cross-object rules (which reads selectors from its span-carrying trees).

use std::collections::BTreeMap;

use serde_json::Value;

/// An operator of `matchExpressions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    /// Anything else: never matches (the API server would refuse it).
    Other(String),
}

impl Operator {
    pub fn parse(s: &str) -> Operator {
        match s {
            "In" => Operator::In,
            "NotIn" => Operator::NotIn,
            "Exists" => Operator::Exists,
            "DoesNotExist" => Operator::DoesNotExist,
            other => Operator::Other(other.to_string()),
        }
    }
}

/// One term of `matchExpressions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl Requirement {
    pub fn new(key: impl Into<String>, operator: Operator, values: Vec<String>) -> Requirement {
        Requirement {
            key: key.into(),
            operator,
            values,
        }
    }

    fn matches(&self, have: Option<&str>) -> bool {
        let listed = |h: &str| self.values.iter().any(|v| v == h);
        match self.operator {
            Operator::In => have.is_some_and(listed),
            Operator::NotIn => have.is_none_or(|h| !listed(h)),
            Operator::Exists => have.is_some(),
            Operator::DoesNotExist => have.is_none(),
            Operator::Other(_) => false,
        }
    }
}

/// Something that has labels: a pod's label map in any of the forms the code holds.
pub trait Labels {
    fn label(&self, key: &str) -> Option<&str>;
}

impl Labels for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl Labels for indexmap::IndexMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

/// JSON labels: only string values count (the schemas allow no other).
impl Labels for serde_json::Map<String, Value> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }
}

/// A label selector. Every term must hold; an empty selector matches everything (callers that
/// draw or report links usually skip it, see [`LabelSelector::is_empty`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub expressions: Vec<Requirement>,
}

fn strings(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

impl LabelSelector {
    /// A plain `{key: value}` selector (a Service's, a ReplicationController's).
    pub fn from_map_value(v: &Value) -> LabelSelector {
        LabelSelector {
            match_labels: strings(Some(v)),
            expressions: Vec::new(),
        }
    }

    /// A selector in JSON: `matchLabels` / `matchExpressions` when either is there, else a
    /// plain map. `None` when it is not a mapping. Expressions without a key or an operator
    /// are left out.
    pub fn from_value(v: &Value) -> Option<LabelSelector> {
        let m = v.as_object()?;
        if !m.contains_key("matchLabels") && !m.contains_key("matchExpressions") {
            return Some(LabelSelector::from_map_value(v));
        }
        let expressions = m
            .get("matchExpressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| {
                let values = e
                    .get("values")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                Some(Requirement::new(
                    e.get("key")?.as_str()?,
                    Operator::parse(e.get("operator")?.as_str()?),
                    values,
                ))
            })
            .collect();
        Some(LabelSelector {
            match_labels: strings(m.get("matchLabels")),
            expressions,
        })
    }

    /// The text form kustomize and kubectl take: comma-separated `k=v` (or `k==v`), `k!=v`,
    /// `k` (exists) and `!k` (does not exist). Set-based terms (`k in (a,b)`) are refused.
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        let mut sel = LabelSelector::default();
        for raw in text.split(',') {
            let t = raw.trim();
            if t.is_empty() {
                continue;
            }
            let one = |k: &str, v: &str| vec![k.trim().to_string(), v.trim().to_string()];
            let (op, mut kv) = if let Some((k, v)) = t.split_once("!=") {
                (Operator::NotIn, one(k, v))
            } else if let Some((k, v)) = t.split_once("==") {
                (Operator::In, one(k, v))
            } else if let Some((k, v)) = t.split_once('=') {
                (Operator::In, one(k, v))
            } else if let Some(k) = t.strip_prefix('!') {
                (Operator::DoesNotExist, vec![k.trim().to_string()])
            } else if t.contains(' ') || t.contains('(') {
                return Err(format!(
                    "`{t}`: set-based selectors (in, notin) are not supported; use k=v, k!=v, k or !k"
                ));
            } else {
                (Operator::Exists, vec![t.to_string()])
            };
            // Equality terms are one-value `In`s, so `a=1,a=2` keeps both (and matches nothing).
            let key = kv.remove(0);
            sel.expressions.push(Requirement::new(key, op, kv));
        }
        Ok(sel)
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }

    /// Whether `labels` satisfy every term.
    pub fn matches<L: Labels + ?Sized>(&self, labels: &L) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.label(k) == Some(v.as_str()))
            && self
                .expressions
                .iter()
                .all(|r| r.matches(labels.label(&r.key)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels() -> BTreeMap<String, String> {
        [("app", "web"), ("tier", "front")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sel(v: Value) -> LabelSelector {
        LabelSelector::from_value(&v).unwrap()
    }

    #[test]
    fn structured_and_plain_selectors() {
        let l = labels();
        assert!(sel(json!({"app": "web"})).matches(&l));
        assert!(sel(json!({"matchLabels": {"app": "web"}})).matches(&l));
        assert!(!sel(json!({"matchLabels": {"app": "db"}})).matches(&l));
        let expr = |op: &str, values: Value| {
            sel(json!({"matchExpressions": [{"key": "tier", "operator": op, "values": values}]}))
        };
        assert!(expr("In", json!(["front", "back"])).matches(&l));
        assert!(!expr("In", json!(["back"])).matches(&l));
        assert!(expr("NotIn", json!(["back"])).matches(&l));
        assert!(!expr("NotIn", json!(["front"])).matches(&l));
        assert!(expr("Exists", json!([])).matches(&l));
        assert!(!expr("DoesNotExist", json!([])).matches(&l));
        assert!(
            !expr("Near", json!([])).matches(&l),
            "unknown operators never match"
        );
        assert!(sel(json!({})).is_empty() && sel(json!({})).matches(&l));
        assert!(LabelSelector::from_value(&json!("app=web")).is_none());
    }

    #[test]
    fn json_labels_count_only_strings() {
        let l = json!({"app": "web", "n": 1});
        let l = l.as_object().unwrap();
        assert!(sel(json!({"app": "web"})).matches(l));
        assert!(!sel(json!({"matchExpressions": [{"key": "n", "operator": "Exists"}]})).matches(l));
    }

    #[test]
    fn text_form() {
        let l = labels();
        let p = |s: &str| LabelSelector::parse(s).unwrap();
        assert!(p("app=web").matches(&l) && p("app==web, tier").matches(&l));
        assert!(p("app!=db,!canary").matches(&l));
        assert!(!p("app!=web").matches(&l) && !p("!tier").matches(&l));
        assert!(!p("app=web,app=db").matches(&l));
        assert!(p("").is_empty());
        assert_eq!(
            LabelSelector::parse("tier in (front)").unwrap_err(),
            "`tier in (front)`: set-based selectors (in, notin) are not supported; use k=v, k!=v, k or !k"
        );
    }
}
