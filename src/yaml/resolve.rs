//! What a plain scalar means to go-yaml, and how Go prints a float.
//!
//! Docker Compose (go-yaml v3) and kubectl (go-yaml v2 under `sigs.k8s.io/yaml`) resolve plain
//! scalars with a YAML 1.1-flavoured table and then Go's `strconv` number parsers, so komply
//! needs both the table and Go's number grammar — Rust's own `parse` accepts other things
//! (`inf`, `1.`, no `0x`). The rules, as observed on the real tools (conformance suite 15):
//!
//! - `~`, `null`, `Null`, `NULL` and the empty scalar are null; `true`/`True`/`TRUE` and the
//!   `false` forms are booleans; `.inf`, `+.inf`, `-.inf`, `.nan` (each in three spellings) are
//!   floats. v2 also takes `y`, `yes`, `on`, `n`, `no`, `off` (lower, Capitalised, UPPER).
//! - A scalar starting with a digit, `+` or `-`: a timestamp first (four digits and `-`, then
//!   one of go-yaml's four layouts), then — with every `_` removed — a Go integer literal
//!   (`0x1F`, `0o17`, `0b11`, and `017` as octal), an unsigned one up to `u64::MAX`, a decimal
//!   float (`1e3`, `.5`, `08` is 8.0) that does not overflow; then `0b…`/`-0b…` (and in v3
//!   `0o…`/`-0o…`) read the rest in base 2/8, sign included.
//! - A scalar starting with `.` is a float when Go's `ParseFloat` takes it as written.
//! - Anything else is a string.

/// The go-yaml generation whose rules apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generation {
    /// go-yaml v2 (kubectl via `sigs.k8s.io/yaml`).
    V2,
    /// go-yaml v3 (Docker Compose via compose-go).
    V3,
}

/// A resolved scalar.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// A timestamp, in the RFC 3339 form Go's `time.Time` marshals to.
    Timestamp(String),
    Str,
}

impl Resolved {
    /// The standard tag of the value (`!!int`…), as go-yaml names it in "cannot decode" errors.
    pub fn short_tag(&self) -> &'static str {
        match self {
            Resolved::Null => "!!null",
            Resolved::Bool(_) => "!!bool",
            Resolved::Int(_) | Resolved::Uint(_) => "!!int",
            Resolved::Float(_) => "!!float",
            Resolved::Timestamp(_) => "!!timestamp",
            Resolved::Str => "!!str",
        }
    }
}

/// Resolves a plain untagged scalar, or one tagged with a standard resolvable tag
/// (`with_timestamps` is false for tags like `!!int`, which never read a timestamp).
pub fn resolve(v: &str, generation: Generation, with_timestamps: bool) -> Resolved {
    if let Some(r) = by_name(v, generation) {
        return r;
    }
    match v.as_bytes().first() {
        Some(b'.') => match go_parse_float(v) {
            Some(f) => Resolved::Float(f),
            None => Resolved::Str,
        },
        Some(b'0'..=b'9' | b'+' | b'-') => {
            if with_timestamps && let Some(t) = parse_timestamp(v) {
                return Resolved::Timestamp(t);
            }
            number(&v.replace('_', ""), generation).unwrap_or(Resolved::Str)
        }
        _ => Resolved::Str,
    }
}

/// The fixed spellings of null, booleans and the special floats.
fn by_name(v: &str, generation: Generation) -> Option<Resolved> {
    // Each word in the three spellings go-yaml lists: lower, Capitalised, UPPER.
    let spelled = |words: &[&str]| {
        words.iter().any(|w| {
            v == *w || v == w.to_uppercase() || {
                let mut c = w.chars();
                c.next().is_some_and(|f| {
                    v.strip_prefix(f.to_ascii_uppercase()) == Some(c.as_str())
                        && !c.as_str().is_empty()
                })
            }
        })
    };
    if v.is_empty() || v == "~" || spelled(&["null"]) {
        return Some(Resolved::Null);
    }
    if spelled(&["true"]) {
        return Some(Resolved::Bool(true));
    }
    if spelled(&["false"]) {
        return Some(Resolved::Bool(false));
    }
    if generation == Generation::V2 {
        if matches!(v, "y" | "Y") || spelled(&["yes", "on"]) {
            return Some(Resolved::Bool(true));
        }
        if matches!(v, "n" | "N") || spelled(&["no", "off"]) {
            return Some(Resolved::Bool(false));
        }
    }
    let special = |body: &str| matches!(body, ".inf" | ".Inf" | ".INF");
    if matches!(v, ".nan" | ".NaN" | ".NAN") {
        return Some(Resolved::Float(f64::NAN));
    }
    if special(v) || v.strip_prefix('+').is_some_and(special) {
        return Some(Resolved::Float(f64::INFINITY));
    }
    if v.strip_prefix('-').is_some_and(special) {
        return Some(Resolved::Float(f64::NEG_INFINITY));
    }
    None
}

/// Numbers, on the text with `_` already removed.
fn number(plain: &str, generation: Generation) -> Option<Resolved> {
    if let Some(i) = go_int(plain, 0) {
        return Some(Resolved::Int(i));
    }
    if let Some(u) = go_uint(plain, 0) {
        return Some(Resolved::Uint(u));
    }
    if is_decimal_float(plain)
        && let Some(f) = go_parse_float(plain)
    {
        return Some(Resolved::Float(f));
    }
    // go-yaml's own YAML 1.2 prefixes: the rest is read in the base with Go's parser, so a sign
    // after the prefix is taken (`0b-1` is -1).
    let mut prefixes = vec![("0b", 2)];
    if generation == Generation::V3 {
        prefixes.push(("0o", 8));
    }
    for (prefix, base) in prefixes {
        if let Some(rest) = plain.strip_prefix(prefix) {
            if let Some(i) = go_int(rest, base) {
                return Some(Resolved::Int(i));
            }
            if let Some(u) = go_uint(rest, base) {
                return Some(Resolved::Uint(u));
            }
        } else if let Some(rest) = plain.strip_prefix('-').and_then(|r| r.strip_prefix(prefix))
            && let Some(i) = go_int(&format!("-{rest}"), base)
        {
            return Some(Resolved::Int(i));
        }
    }
    None
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` — the only floats go-yaml reads from a
/// scalar that starts with a digit or a sign.
fn is_decimal_float(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = digits(0);
    if i == 0 {
        // `.5`
        if b.first() != Some(&b'.') || digits(1) == 0 {
            return false;
        }
        i = 1 + digits(1);
    } else if b.get(i) == Some(&b'.') {
        i += 1 + digits(i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits(i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == b.len()
}

/// Go's `strconv.ParseUint(s, base, 64)` for base 0 (Go literal prefixes, a leading `0` is octal)
/// or an explicit base. `_` must already be gone (go-yaml removes them first).
pub fn go_uint(s: &str, base: u32) -> Option<u64> {
    let (digits, base) = if base == 0 {
        let lower = s.get(..2).map(str::to_ascii_lowercase);
        match lower.as_deref() {
            Some("0x") => (&s[2..], 16),
            Some("0o") => (&s[2..], 8),
            Some("0b") => (&s[2..], 2),
            _ if s.len() > 1 && s.starts_with('0') => (&s[1..], 8),
            _ => (s, 10),
        }
    } else {
        (s, base)
    };
    if digits.is_empty() || digits.contains('_') {
        return None;
    }
    let mut n: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(base)?;
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, base, 64)`: an optional sign, then [`go_uint`] within `i64`.
pub fn go_int(s: &str, base: u32) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = go_uint(body, base)?;
    if neg {
        if u <= i64::MAX as u64 + 1 {
            return Some((u as i128).wrapping_neg() as i64);
        }
        None
    } else {
        i64::try_from(u).ok()
    }
}

/// Go's `strconv.ParseFloat(s, 64)` on decimal text: digits with an optional `.` and exponent,
/// `_` only between digits; an overflow is an error (go-yaml then keeps the string). Go's other
/// forms (`inf`, hexadecimal) never reach it from go-yaml's resolver.
pub fn go_parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let b = body.as_bytes();
    let mut saw_digit = false;
    let mut i = 0;
    let mut last = b'^';
    let mut dot = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b'0'..=b'9' => saw_digit = true,
            b'_' if last.is_ascii_digit() => {}
            b'.' if !dot && last != b'_' => dot = true,
            b'e' | b'E' if saw_digit && last != b'_' => break,
            _ => return None,
        }
        if c == b'_' && !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        last = c;
        i += 1;
    }
    if !saw_digit {
        return None;
    }
    if i < b.len() {
        // Exponent: [eE][+-]?digits, `_` between digits.
        let exp = &body[i + 1..];
        let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        let db = digits.as_bytes();
        if db.is_empty() || !db[0].is_ascii_digit() || !db[db.len() - 1].is_ascii_digit() {
            return None;
        }
        if !db.iter().all(|c| c.is_ascii_digit() || *c == b'_') || digits.contains("__") {
            return None;
        }
    }
    let f: f64 = s.replace('_', "").parse().ok()?;
    f.is_finite().then_some(f)
}

/// go-yaml's timestamp reading: four digits and a `-`, then the first of its layouts that Go's
/// `time.Parse` takes whole — `2006-1-2T15:4:5.999999999Z07:00` (also with a lower-case `t`),
/// `2006-1-2 15:4:5.999999999` and `2006-1-2` — returned in RFC 3339 (Go's `time.Time` JSON).
pub fn parse_timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut r = Reader { b, i: 5 };
    let year: i32 = s[..4].parse().ok()?;
    let month = r.num(1, 2)?;
    r.lit(b'-')?;
    let day = r.num(1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in(year, month) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if r.done() {
        return Some(format!("{date}T00:00:00Z"));
    }
    let sep = r.next()?;
    let zoned = match sep {
        b'T' | b't' => true,
        b' ' => false,
        _ => return None,
    };
    let hour = r.num(1, 2)?;
    r.lit(b':')?;
    let min = r.num(1, 2)?;
    r.lit(b':')?;
    let sec = r.num(1, 2)?;
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    // Fractional seconds: Go takes any number of digits after `.` or `,`, keeps nanoseconds.
    let mut frac = String::new();
    if matches!(r.peek(), Some(b'.' | b',')) && r.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
        r.i += 1;
        while let Some(c) = r.peek().filter(u8::is_ascii_digit) {
            frac.push(c as char);
            r.i += 1;
        }
        frac.truncate(9);
        while frac.ends_with('0') {
            frac.pop();
        }
    }
    let zone = if zoned {
        match r.next()? {
            b'Z' => "Z".to_string(),
            sign @ (b'+' | b'-') => {
                let hh = r.num(2, 2)?;
                r.lit(b':')?;
                let mm = r.num(2, 2)?;
                if hh == 0 && mm == 0 {
                    "Z".to_string()
                } else {
                    format!("{}{hh:02}:{mm:02}", sign as char)
                }
            }
            _ => return None,
        }
    } else {
        "Z".to_string()
    };
    if !r.done() {
        return None;
    }
    let frac = if frac.is_empty() {
        frac
    } else {
        format!(".{frac}")
    };
    Some(format!("{date}T{hour:02}:{min:02}:{sec:02}{frac}{zone}"))
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn peek_at(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    fn lit(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    /// `min..=max` decimal digits (Go's layout fields `1`, `2`, `15`, `4`, `5` take one or two).
    fn num(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()?
            .parse()
            .ok()
    }
}

fn days_in(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` (what `fmt.Sprint` prints): the shortest digits
/// that read back the same, in exponent form (`1e+06`, `1e-05`) when the exponent is below -4
/// or at least 6. `bits32` rounds to `f32` first.
pub fn go_format_g(f: f64, bits32: bool) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    // Rust's `{:e}` prints the shortest round-tripping digits: `1.5e3`, `-2e-7`.
    let sci = if bits32 {
        format!("{:e}", f as f32)
    } else {
        format!("{f:e}")
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if neg { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    let s = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    format!("{sign}{s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(s: &str) -> Resolved {
        resolve(s, Generation::V3, true)
    }
    fn v2(s: &str) -> Resolved {
        resolve(s, Generation::V2, true)
    }

    #[test]
    fn names() {
        assert_eq!(v3("Null"), Resolved::Null);
        assert_eq!(v3("nULL"), Resolved::Str);
        assert_eq!(v3("TRUE"), Resolved::Bool(true));
        assert_eq!(v3("yes"), Resolved::Str);
        assert_eq!(v2("yes"), Resolved::Bool(true));
        assert_eq!(v2("Off"), Resolved::Bool(false));
        assert_eq!(v2("oN"), Resolved::Str);
        assert_eq!(v3("-.Inf"), Resolved::Float(f64::NEG_INFINITY));
        assert!(matches!(v3(".NaN"), Resolved::Float(f) if f.is_nan()));
    }

    #[test]
    fn numbers() {
        assert_eq!(v3("0x1F"), Resolved::Int(31));
        assert_eq!(v3("0o17"), Resolved::Int(15));
        assert_eq!(v2("0o17"), Resolved::Int(15));
        assert_eq!(v3("017"), Resolved::Int(15));
        assert_eq!(v3("08"), Resolved::Float(8.0));
        assert_eq!(v3("1_000"), Resolved::Int(1000));
        assert_eq!(v3("+12"), Resolved::Int(12));
        assert_eq!(v3("-0b11"), Resolved::Int(-3));
        assert_eq!(v3("0b-1"), Resolved::Int(-1));
        assert_eq!(v3("0o-1"), Resolved::Int(-1));
        assert_eq!(v2("0o-1"), Resolved::Str);
        assert_eq!(v3("18446744073709551615"), Resolved::Uint(u64::MAX));
        assert_eq!(
            v3("18446744073709551616"),
            Resolved::Float(18446744073709551616.0)
        );
        assert_eq!(v3("-9223372036854775808"), Resolved::Int(i64::MIN));
        assert_eq!(v3("1e400"), Resolved::Str);
        assert_eq!(v3(".5"), Resolved::Float(0.5));
        assert_eq!(v3("1."), Resolved::Float(1.0));
        assert_eq!(v3("1.e5"), Resolved::Float(1e5));
        assert_eq!(v3(".e5"), Resolved::Str);
        assert_eq!(v3("2222:22"), Resolved::Str);
        assert_eq!(v3("1e"), Resolved::Str);
        assert_eq!(v3("0x"), Resolved::Str);
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            v3("2001-12-14"),
            Resolved::Timestamp("2001-12-14T00:00:00Z".into())
        );
        assert_eq!(
            v3("2001-12-14t21:59:43.10-05:00"),
            Resolved::Timestamp("2001-12-14T21:59:43.1-05:00".into())
        );
        assert_eq!(
            v3("2001-1-2 3:4:5"),
            Resolved::Timestamp("2001-01-02T03:04:05Z".into())
        );
        assert_eq!(v3("2001-02-30"), Resolved::Str);
        assert_eq!(v3("2001-12-14 21:59:43Z"), Resolved::Str);
        assert_eq!(resolve("2001-12-14", Generation::V3, false), Resolved::Str);
    }

    #[test]
    fn g_format() {
        assert_eq!(go_format_g(1.5, false), "1.5");
        assert_eq!(go_format_g(1e6, false), "1e+06");
        assert_eq!(go_format_g(123456.0, false), "123456");
        assert_eq!(go_format_g(0.0001, false), "0.0001");
        assert_eq!(go_format_g(0.00001, false), "1e-05");
        assert_eq!(go_format_g(-2.5e-7, false), "-2.5e-07");
    }
}
