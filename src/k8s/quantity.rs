//! Resource quantities (`500m`, `1.5`, `512Mi`, `1G`): read as a number of base units, and
//! written the way the generator writes them (CPU in millicores, memory in the largest exact
//! binary unit).

use serde_json::Value;

/// A quantity as a number of base units (cores, bytes), for "is the request above the limit"
/// checks: a JSON number, or a string with an optional decimal (`m`, `k`, `M`, `G`, `T`, `P`,
/// `E`) or binary (`Ki`…`Ei`) suffix. `None` for anything else.
pub fn parse(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_str(s),
        _ => None,
    }
}

/// [`parse`] for the text form.
pub fn parse_str(s: &str) -> Option<f64> {
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    Some(n * mult)
}

/// A quantity as the API writes it: a JSON number becomes its string (`2` → `"2"`).
pub fn to_string_value(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        other => other.clone(),
    }
}

/// CPUs as a quantity: `0.5` → `500m`, `2` → `2`; `None` for zero.
pub fn format_cpu(cpus: f64) -> Option<String> {
    let millis = (cpus * 1000.0).round() as i64;
    if millis <= 0 {
        None
    } else if millis % 1000 == 0 {
        Some((millis / 1000).to_string())
    } else {
        Some(format!("{millis}m"))
    }
}

/// Bytes as the largest exact binary unit: `536870912` → `512Mi`, `1572864000` → `1500Mi`;
/// `None` for zero.
pub fn format_memory(bytes: u64) -> Option<String> {
    if bytes == 0 {
        return None;
    }
    for (unit, shift) in [("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)] {
        let size = 1u64 << shift;
        if bytes.is_multiple_of(size) {
            return Some(format!("{}{unit}", bytes / size));
        }
    }
    Some(bytes.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parsing() {
        assert_eq!(parse(&json!("500m")), Some(0.5));
        assert_eq!(parse(&json!(2)), Some(2.0));
        assert_eq!(parse(&json!("1.5")), Some(1.5));
        assert_eq!(parse(&json!("1k")), Some(1000.0));
        assert_eq!(parse(&json!("1G")), Some(1e9));
        assert_eq!(parse(&json!("1Ki")), Some(1024.0));
        assert_eq!(parse(&json!("512Mi")), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(parse(&json!("2Gi")), Some(2.0 * 1024f64.powi(3)));
        assert_eq!(parse(&json!("1Ei")), Some(1024f64.powi(6)));
        assert!(parse(&json!("1Gb")).is_none());
        assert!(parse(&json!("lots")).is_none());
        assert!(parse(&json!(null)).is_none());
        assert!(parse(&json!("1Gi")) > parse(&json!("1G")));
        assert_eq!(to_string_value(&json!(2)), json!("2"));
        assert_eq!(to_string_value(&json!("2Gi")), json!("2Gi"));
    }

    #[test]
    fn formatting() {
        assert_eq!(format_cpu(0.5).as_deref(), Some("500m"));
        assert_eq!(format_cpu(1.0).as_deref(), Some("1"));
        assert_eq!(format_cpu(1.5).as_deref(), Some("1500m"));
        assert_eq!(format_cpu(0.0), None);
        assert_eq!(format_memory(536870912).as_deref(), Some("512Mi"));
        assert_eq!(format_memory(1 << 30).as_deref(), Some("1Gi"));
        assert_eq!(format_memory(1572864000).as_deref(), Some("1500Mi"));
        assert_eq!(format_memory(1000).as_deref(), Some("1000"));
        assert_eq!(format_memory(0), None);
        // What is written reads back as the same amount.
        for b in [1u64 << 20, 3 << 29, 1500 << 20] {
            assert_eq!(parse_str(&format_memory(b).unwrap()), Some(b as f64));
        }
    }
}
