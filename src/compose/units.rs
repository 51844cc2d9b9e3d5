//! Durations, byte sizes and CPU counts, parsed and printed the way Docker Compose v2.40.3 does.
//!
//! - Durations (`healthcheck.interval`, `stop_grace_period`, …): compose-go decodes them with
//!   `go-str2duration`, i.e. Go's `time.ParseDuration` plus `d` (24h) and `w` (7d) units, and
//!   prints them with Go's `time.Duration.String()` (`90s` → `1m30s`, `1d` → `24h0m0s`).
//! - Byte sizes (`mem_limit`, `shm_size`, `deploy…memory`, …): `go-units` `RAMInBytes`, binary
//!   multiples (`k` = 1024), `b|k|m|g|t|p` with an optional `b`/`ib`, case-insensitive, decimals
//!   allowed, an optional space before the unit. Printed by `config` as a decimal string of bytes.
//! - CPUs (`cpus`, `deploy.resources.*.cpus`): a Go `float32`, printed as its shortest decimal.
//!
//! Every expectation in the tests below was checked with the v2.40.3 binary.

use crate::yaml::{Node, NodeKind};

/// A Go `time.Duration`: signed nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GoDuration(pub i64);

impl GoDuration {
    pub fn as_nanos(self) -> i64 {
        self.0
    }

    /// Whole seconds, rounded toward zero.
    pub fn as_secs(self) -> i64 {
        self.0 / 1_000_000_000
    }

    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.0.unsigned_abs())
    }
}

impl std::fmt::Display for GoDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl std::str::FromStr for GoDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_duration(s)
    }
}

const NS: u64 = 1;
const US: u64 = 1_000;
const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;
const MIN: u64 = 60 * SEC;
const HOUR: u64 = 60 * MIN;

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => NS,
        "us" | "\u{00B5}s" | "\u{03BC}s" => US,
        "ms" => MS,
        "s" => SEC,
        "m" => MIN,
        "h" => HOUR,
        "d" => 24 * HOUR,
        "w" => 7 * 24 * HOUR,
        _ => return None,
    })
}

/// Go's `strconv.Quote` for the short, mostly printable texts found in durations.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parses `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` (or a bare `0`), e.g. `1m30s`, `1.5h`, `500ms`, `2d`.
/// Errors read like Go's (`time: missing unit in duration "100"`).
pub fn parse_duration(input: &str) -> Result<GoDuration, String> {
    let invalid = || format!("time: invalid duration {}", go_quote(input));
    let mut s = input;
    let mut neg = false;
    if let Some(c) = s.chars().next()
        && (c == '-' || c == '+')
    {
        neg = c == '-';
        s = &s[1..];
    }
    if s == "0" {
        return Ok(GoDuration(0));
    }
    if s.is_empty() {
        return Err(invalid());
    }
    const MAX: u64 = i64::MAX as u64;
    let mut total: u64 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // [0-9]*
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: u64 = 0;
        for &d in &b[..int_len] {
            if v > (1u64 << 63) / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(d - b'0');
            if v > 1u64 << 63 {
                return Err(invalid());
            }
        }
        s = &s[int_len..];
        let pre = int_len > 0;
        // (\.[0-9]*)?
        let mut post = false;
        let (mut frac, mut scale) = (0u64, 1f64);
        if let Some(rest) = s.strip_prefix('.') {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for d in rest[..digits].bytes() {
                if overflow {
                    continue;
                }
                if frac > (MAX) / 10 {
                    overflow = true;
                    continue;
                }
                let y = frac * 10 + u64::from(d - b'0');
                if y > 1u64 << 63 {
                    overflow = true;
                    continue;
                }
                frac = y;
                scale *= 10.0;
            }
            post = digits > 0;
            s = &rest[digits..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        // The unit runs to the next digit or dot.
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                go_quote(input)
            ));
        }
        let unit_text = &s[..unit_len];
        s = &s[unit_len..];
        let Some(unit) = unit_nanos(unit_text) else {
            return Err(format!(
                "time: unknown unit {} in duration {}",
                go_quote(unit_text),
                go_quote(input)
            ));
        };
        if v > MAX / unit {
            return Err(invalid());
        }
        v *= unit;
        if frac > 0 {
            // As Go does: float64 is precise enough to the nanosecond for fractions of hours.
            v += (frac as f64 * (unit as f64 / scale)) as u64;
            if v > MAX {
                return Err(invalid());
            }
        }
        total += v;
        if total > MAX {
            return Err(invalid());
        }
    }
    let total = total as i64;
    Ok(GoDuration(if neg { -total } else { total }))
}

/// Go's `time.Duration.String()`: `0s`, `1ns`, `1.5µs`, `500ms`, `1.5s`, `1m30s`, `24h0m0s`.
pub fn format_duration(nanos: i64) -> String {
    let neg = nanos < 0;
    let mut u = nanos.unsigned_abs();
    let mut out = String::new();
    if u < SEC {
        if u == 0 {
            return "0s".into();
        }
        let (prec, unit) = if u < US {
            (0, "ns")
        } else if u < MS {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let (int, frac) = split_frac(u, prec);
        out.push_str(&int.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let (secs, frac) = split_frac(u, 9);
        u = secs;
        let s = format!("{}{frac}s", u % 60);
        u /= 60;
        if u > 0 {
            let m = format!("{}m", u % 60);
            u /= 60;
            if u > 0 {
                out.push_str(&format!("{u}h"));
            }
            out.push_str(&m);
        }
        out.push_str(&s);
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// `v / 10^prec` and its fraction as `.ddd` without trailing zeros (empty when zero).
fn split_frac(v: u64, prec: u32) -> (u64, String) {
    if prec == 0 {
        return (v, String::new());
    }
    let p = 10u64.pow(prec);
    let frac = v % p;
    if frac == 0 {
        return (v / p, String::new());
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    (v / p, format!(".{}", digits.trim_end_matches('0')))
}

/// Parses and prints back in Go's form: what `config` shows for a duration field.
pub fn normalize_duration(s: &str) -> Result<String, String> {
    parse_duration(s).map(|d| d.to_string())
}

/// `go-units` `RAMInBytes`: `512`, `1.5g`, `1gb`, `1GiB`, `1 k`, `10M` → bytes (binary units).
/// Errors read like Go's (`invalid suffix: 'kk'`).
pub fn parse_byte_size(s: &str) -> Result<i64, String> {
    let Some(sep) = s.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ') else {
        return Err(format!("invalid size: '{s}'"));
    };
    let (num, sfx) = if s.as_bytes()[sep] == b' ' {
        (&s[..sep], &s[sep + 1..])
    } else {
        (&s[..=sep], &s[sep + 1..])
    };
    let mut size = parse_go_float(num)?;
    if size < 0.0 {
        return Err(format!("invalid size: '{s}'"));
    }
    if sfx.is_empty() {
        return Ok(size as i64);
    }
    let bad = || format!("invalid suffix: '{}'", sfx.to_lowercase());
    if sfx.len() > 3 {
        return Err(format!("invalid suffix: '{sfx}'"));
    }
    let lower = sfx.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next().unwrap_or('b');
    if first == 'b' {
        return if lower.len() > 1 {
            Err(bad())
        } else {
            Ok(size as i64)
        };
    }
    let mul: u64 = match first {
        'k' => 1 << 10,
        'm' => 1 << 20,
        'g' => 1 << 30,
        't' => 1 << 40,
        'p' => 1 << 50,
        _ => return Err(bad()),
    };
    size *= mul as f64;
    let tail: String = chars.collect();
    match tail.as_str() {
        "" | "b" | "ib" => Ok(size as i64),
        _ => Err(bad()),
    }
}

/// A byte size as compose-go decodes a YAML value: an integer as is, a string through
/// [`parse_byte_size`], and a float silently as 0 (compose-go ignores it; the oracle drops the
/// field).
pub fn byte_size_from_node(node: &Node) -> Result<i64, String> {
    match &node.kind {
        NodeKind::Int(i) => Ok(*i),
        NodeKind::Str(s) => parse_byte_size(s),
        NodeKind::Float(_) => Ok(0),
        _ => Err(format!(
            "expected a byte size (like 512m), found {}",
            node.type_name()
        )),
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal input (no surrounding blanks).
fn parse_go_float(s: &str) -> Result<f64, String> {
    let ok_chars = !s.is_empty()
        && !s.contains(char::is_whitespace)
        && !s.contains('_')
        && !s.starts_with("0x")
        && !s.starts_with("0X");
    match s.parse::<f64>() {
        Ok(v) if ok_chars => Ok(v),
        _ => Err(format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            go_quote(s)
        )),
    }
}

/// A `cpus` value given as a string (`"0.5"`, `"2"`, `"1e2"`): a Go `float32`.
pub fn parse_cpus(s: &str) -> Result<f32, String> {
    parse_go_float(s).map(|f| f as f32)
}

/// A `cpus` value as `config --format json` prints it: the shortest decimal of the `float32`
/// (`0.3333333333` → `0.33333334`), integers without a fraction.
pub fn cpus_to_json(f: f32) -> serde_json::Value {
    if f.is_finite() && f == f.trunc() && f.abs() < 1e15 {
        return serde_json::Value::from(f as i64);
    }
    // Rust prints the shortest text that reads back as the same f32; read as f64 it still
    // prints that way.
    format!("{f}")
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize_duration(s).unwrap_or_else(|e| e)
    }

    /// `healthcheck.interval: <input>` through `docker compose config --format json`.
    #[test]
    fn durations_match_the_oracle() {
        for (input, want) in [
            ("1d", "24h0m0s"),
            ("1w", "168h0m0s"),
            ("1.5s", "1.5s"),
            ("90s", "1m30s"),
            ("500ms", "500ms"),
            ("0", "0s"),
            ("0s", "0s"),
            ("1us", "1µs"),
            ("1µs", "1µs"),
            ("1ns", "1ns"),
            ("-1s", "-1s"),
            ("+1s", "1s"),
            ("1h5m30s20ms", "1h5m30.02s"),
            ("1m0.5s", "1m0.5s"),
            ("3600s", "1h0m0s"),
            ("0.000001s", "1µs"),
            ("1.5h", "1h30m0s"),
            ("25h", "25h0m0s"),
            ("1h1ns", "1h0m0.000000001s"),
            ("2562047h", "2562047h0m0s"),
            (".5s", "500ms"),
            ("5.s", "5s"),
            ("1d12h", "36h0m0s"),
            ("1m30s", "1m30s"),
            ("1h0m0s", "1h0m0s"),
            ("0.1ns", "0s"),
            ("1.0000000001s", "1s"),
            ("1e3s", "time: unknown unit \"e\" in duration \"1e3s\""),
            ("1S", "time: unknown unit \"S\" in duration \"1S\""),
            ("", "time: invalid duration \"\""),
            ("1m30", "time: missing unit in duration \"1m30\""),
            ("100", "time: missing unit in duration \"100\""),
            ("9999999999h", "time: invalid duration \"9999999999h\""),
        ] {
            assert_eq!(norm(input), want, "input {input:?}");
        }
    }

    #[test]
    fn sub_second_formatting_follows_go() {
        assert_eq!(format_duration(1_500), "1.5µs");
        assert_eq!(format_duration(1_234_567), "1.234567ms");
        assert_eq!(format_duration(-999), "-999ns");
        assert_eq!(format_duration(i64::MIN), "-2562047h47m16.854775808s");
    }

    /// `mem_limit` / `shm_size` through the oracle (printed as a byte string).
    #[test]
    fn byte_sizes_match_the_oracle() {
        for (input, want) in [
            ("1.5g", Ok(1610612736)),
            ("1gb", Ok(1073741824)),
            ("1GiB", Ok(1073741824)),
            ("512", Ok(512)),
            ("1 k", Ok(1024)),
            ("1t", Ok(1099511627776)),
            ("1kib", Ok(1024)),
            ("1b", Ok(1)),
            ("1B", Ok(1)),
            ("10M", Ok(10485760)),
            ("2.5mb", Ok(2621440)),
            ("1 GB", Ok(1073741824)),
            ("1p", Ok(1125899906842624)),
            (
                "1.2.3k",
                Err("strconv.ParseFloat: parsing \"1.2.3\": invalid syntax"),
            ),
            ("1kk", Err("invalid suffix: 'kk'")),
            ("-1", Err("invalid size: '-1'")),
            ("gb", Err("invalid size: 'gb'")),
        ] {
            assert_eq!(
                parse_byte_size(input),
                want.map_err(str::to_string),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn byte_sizes_from_yaml_values() {
        let n = |k| Node::synthetic(k);
        assert_eq!(byte_size_from_node(&n(NodeKind::Int(-1))), Ok(-1));
        assert_eq!(byte_size_from_node(&n(NodeKind::Float(0.5))), Ok(0));
        assert!(byte_size_from_node(&n(NodeKind::Bool(true))).is_err());
    }

    /// `cpus` and `deploy.resources.limits.cpus` through the oracle.
    #[test]
    fn cpus_match_the_oracle() {
        use serde_json::json;
        let j = |s: &str| parse_cpus(s).map(cpus_to_json);
        assert_eq!(j("1.5"), Ok(json!(1.5)));
        assert_eq!(j("0.50"), Ok(json!(0.5)));
        assert_eq!(j("2"), Ok(json!(2)));
        assert_eq!(j("0.1"), Ok(json!(0.1)));
        assert_eq!(j("1e2"), Ok(json!(100)));
        assert_eq!(j("-1"), Ok(json!(-1)));
        assert_eq!(
            j("0.3333333333").map(|v| v.to_string()),
            Ok("0.33333334".into())
        );
        assert_eq!(j("100000000.5"), Ok(json!(100000000)));
        assert_eq!(
            j("abc"),
            Err("strconv.ParseFloat: parsing \"abc\": invalid syntax".into())
        );
        assert_eq!(
            j(" 1"),
            Err("strconv.ParseFloat: parsing \" 1\": invalid syntax".into())
        );
        assert!(j("1.5.5").is_err());
    }
}
