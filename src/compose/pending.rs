//! TEMPORARY: minimal stand-ins for `interpolate.rs`, `dotenv.rs`, `units.rs` and
//! `shortsyntax.rs`, which the `interp` branch delivers. Replaced (and this file deleted) as soon
//! as those land on `main`.

use indexmap::IndexMap;

pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// `${…}` interpolation, compose-go v2.9.1 semantics (eager nested defaults).
pub fn interpolate(t: &str, lookup: Lookup, unset: &mut Vec<String>) -> Result<String, String> {
    let b = t.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            let ch = t[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        if i + 1 >= b.len() {
            out.push('$');
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'$' => {
                out.push('$');
                i += 2;
            }
            b'{' => {
                let mut depth = 1;
                let mut j = i + 2;
                while j < b.len() {
                    if b[j] == b'{' {
                        depth += 1;
                    } else if b[j] == b'}' {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    j += 1;
                }
                if j >= b.len() {
                    return Err(format!("Invalid template: {t:?}"));
                }
                let inner = &t[i + 2..j];
                out.push_str(&braced(inner, t, lookup, unset)?);
                i = j + 1;
            }
            c if c == b'_' || c.is_ascii_alphabetic() => {
                let mut j = i + 1;
                while j < b.len() && (b[j] == b'_' || b[j].is_ascii_alphanumeric()) {
                    j += 1;
                }
                let name = &t[i + 1..j];
                match lookup(name) {
                    Some(v) => out.push_str(&v),
                    None => unset.push(name.to_string()),
                }
                i = j;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    Ok(out)
}

fn braced(inner: &str, t: &str, lookup: Lookup, unset: &mut Vec<String>) -> Result<String, String> {
    let ib = inner.as_bytes();
    let mut n = 0;
    while n < ib.len() && (ib[n] == b'_' || ib[n].is_ascii_alphanumeric()) {
        n += 1;
    }
    let name = &inner[..n];
    if name.is_empty() || ib[0].is_ascii_digit() {
        return Err(format!("Invalid template: {t:?}"));
    }
    let rest = &inner[n..];
    let val = lookup(name);
    let ops: [&str; 6] = [":-", ":?", ":+", "-", "?", "+"];
    if rest.is_empty() {
        return Ok(match val {
            Some(v) => v,
            None => {
                unset.push(name.to_string());
                String::new()
            }
        });
    }
    let Some(op) = ops.iter().find(|o| rest.starts_with(**o)) else {
        return Err(format!("Invalid template: {t:?}"));
    };
    let arg = interpolate(&rest[op.len()..], lookup, unset)?;
    let set = val.is_some();
    let nonempty = val.as_deref().is_some_and(|v| !v.is_empty());
    Ok(match *op {
        ":-" => {
            if nonempty {
                val.unwrap_or_default()
            } else {
                arg
            }
        }
        "-" => {
            if set {
                val.unwrap_or_default()
            } else {
                arg
            }
        }
        ":+" => {
            if nonempty {
                arg
            } else {
                String::new()
            }
        }
        "+" => {
            if set {
                arg
            } else {
                String::new()
            }
        }
        ":?" => {
            if nonempty {
                val.unwrap_or_default()
            } else {
                return Err(format!(
                    "required variable {name} is missing a value: {arg}"
                ));
            }
        }
        _ => {
            if set {
                val.unwrap_or_default()
            } else {
                return Err(format!(
                    "required variable {name} is missing a value: {arg}"
                ));
            }
        }
    })
}

/// Minimal `.env` parser: KEY=VAL, quotes, comments, export.
pub fn parse_dotenv(text: &str, lookup: Lookup) -> Result<IndexMap<String, String>, String> {
    let mut out: IndexMap<String, String> = IndexMap::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
        let (k, v) = match l.find(['=', ':']) {
            Some(p) => (l[..p].trim(), Some(l[p + 1..].trim_start())),
            None => (l, None),
        };
        if k.contains(' ') {
            return Err(format!("key cannot contain a space: {k}"));
        }
        let Some(v) = v else {
            if let Some(os) = lookup(k) {
                out.insert(k.to_string(), os);
            }
            continue;
        };
        let value = if let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let mut body = v[1..].to_string();
            while !body.trim_end().ends_with(q) || body.trim_end().ends_with(&format!("\\{q}")) {
                match lines.next() {
                    Some(more) => {
                        body.push('\n');
                        body.push_str(more);
                    }
                    None => break,
                }
            }
            let body = body.trim_end();
            let body = body.strip_suffix(q).unwrap_or(body);
            if q == '\'' {
                body.replace("\\'", "'")
            } else {
                let un = body
                    .replace("\\n", "\n")
                    .replace("\\\"", "\"")
                    .replace("\\t", "\t")
                    .replace("\\\\", "\\");
                let look = |n: &str| lookup(n).or_else(|| out.get(n).cloned());
                interpolate(&un, &look, &mut Vec::new())?
            }
        } else {
            let v = match v.find(" #") {
                Some(p) => &v[..p],
                None => v,
            };
            let look = |n: &str| lookup(n).or_else(|| out.get(n).cloned());
            interpolate(v.trim_end(), &look, &mut Vec::new())?
        };
        out.insert(k.to_string(), value);
    }
    Ok(out)
}

/// `1m30s` → nanoseconds.
pub fn parse_duration(s: &str) -> Option<i128> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(n) = s.parse::<f64>() {
        return Some((n * 1e9) as i128);
    }
    let mut total: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let mult = match &rest[..u] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "d" => 86400e9,
            "w" => 7.0 * 86400e9,
            _ => return None,
        };
        total += num * mult;
        rest = &rest[u..];
    }
    Some(total as i128)
}

/// Go's `time.Duration.String()`.
pub fn format_duration(ns: i128) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let neg = ns < 0;
    let mut u = ns.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (unit, div) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac(u, div));
        out.push_str(unit);
    } else {
        let h = u / 3_600_000_000_000;
        u -= h * 3_600_000_000_000;
        let m = u / 60_000_000_000;
        u -= m * 60_000_000_000;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac(u, 1_000_000_000));
        out.push('s');
    }
    if neg { format!("-{out}") } else { out }
}

fn frac(v: u128, div: u128) -> String {
    let whole = v / div;
    let rem = v % div;
    if rem == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let digits = format!("{rem:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// `512m` → bytes (docker/go-units RAMInBytes).
pub fn parse_bytes(s: &str) -> Option<i64> {
    let t = s.trim().to_ascii_lowercase();
    let n = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let num: f64 = t[..n].parse().ok()?;
    let mult: f64 = match t[n..].trim() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024f64.powi(4),
        "p" | "pb" | "pib" => 1024f64.powi(5),
        _ => return None,
    };
    Some((num * mult) as i64)
}

/// One port mapping in long form.
#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    pub host_ip: String,
    pub published: String,
    pub target: u32,
    pub protocol: String,
}

/// Short port syntax (`[[ip:](port|range):](port|range)[/proto]`), like go-connections.
pub fn parse_ports(spec: &str) -> Result<Vec<Port>, String> {
    let (spec_noproto, proto) = match spec.rsplit_once('/') {
        Some((a, p)) => (a, p.to_ascii_lowercase()),
        None => (spec, "tcp".to_string()),
    };
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {proto}"));
    }
    let parts: Vec<&str> = spec_noproto.split(':').collect();
    let n = parts.len();
    let container = parts[n - 1];
    let (ip, host) = match n {
        1 => (String::new(), ""),
        2 => (String::new(), parts[0]),
        3 => (parts[0].to_string(), parts[1]),
        _ => (parts[..n - 2].join(":"), parts[n - 2]),
    };
    let ip = ip
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .map(str::to_string)
        .unwrap_or(ip);
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return Err(format!("invalid IP address: {ip}"));
    }
    if container.is_empty() {
        return Err(format!("no port specified: {spec}<empty>"));
    }
    let range = |r: &str| -> Result<(u64, u64), String> {
        let (a, b) = r.split_once('-').unwrap_or((r, r));
        let a: u64 = a.parse().map_err(|_| format!("invalid port: {r}"))?;
        let b: u64 = b.parse().map_err(|_| format!("invalid port: {r}"))?;
        if b < a || b > 65535 {
            return Err(format!("invalid range: {r}"));
        }
        Ok((a, b))
    };
    let (cs, ce) = range(container).map_err(|_| format!("invalid containerPort: {container}"))?;
    let (hs, he) = if host.is_empty() {
        (0, 0)
    } else {
        range(host)?
    };
    if !host.is_empty() && ce - cs != he - hs && ce != cs {
        return Err(format!(
            "invalid ranges specified for container and host Ports: {container} and {host}"
        ));
    }
    let mut out = Vec::new();
    for i in 0..=(ce - cs) {
        let mut published = if host.is_empty() {
            String::new()
        } else {
            (hs + i).to_string()
        };
        if cs == ce && hs != he {
            published = format!("{published}-{he}");
        }
        out.push(Port {
            host_ip: ip.clone(),
            published,
            target: (cs + i) as u32,
            protocol: proto.clone(),
        });
    }
    // go-connections returns them keyed by "port/proto", sorted as strings
    out.sort_by_key(|p| format!("{}/{}", p.target, p.protocol));
    Ok(out)
}

/// A short volume spec `SRC:DST[:opts]` in long form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Volume {
    pub kind: &'static str,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    pub consistency: String,
    pub nocopy: bool,
    pub selinux: String,
    pub propagation: String,
}

pub fn parse_volume(spec: &str) -> Result<Volume, String> {
    let mut v = Volume::default();
    if spec.is_empty() {
        return Err("invalid empty volume spec".into());
    }
    if spec.chars().count() <= 2 {
        v.target = spec.into();
        v.kind = "volume";
        return Ok(v);
    }
    let chars: Vec<char> = spec.chars().collect();
    let mut buf = String::new();
    let mut fields: Vec<String> = Vec::new();
    for &c in chars.iter() {
        // like compose-go: a single letter before ':' is a Windows drive, wherever it appears
        let drive = c == ':' && buf.chars().count() == 1 && buf.chars().all(char::is_alphabetic);
        if c == ':' && !drive {
            fields.push(std::mem::take(&mut buf));
        } else {
            buf.push(c);
        }
    }
    fields.push(buf);
    if fields.iter().any(|f| f.is_empty()) {
        return Err(format!(
            "invalid spec: {spec}: empty section between colons"
        ));
    }
    match fields.len() {
        1 => v.target = fields[0].clone(),
        2 | 3 => {
            v.source = fields[0].clone();
            v.target = fields[1].clone();
        }
        _ => return Err(format!("invalid spec: {spec}: too many colons")),
    }
    if fields.len() == 3 {
        for opt in fields[2].split(',') {
            match opt {
                "ro" => v.read_only = true,
                "rw" => v.read_only = false,
                "nocopy" => v.nocopy = true,
                "consistent" | "cached" | "delegated" => v.consistency = opt.into(),
                "z" | "Z" => v.selinux = opt.into(),
                "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                    v.propagation = opt.into()
                }
                _ => {}
            }
        }
    }
    let s = v.source.as_str();
    let is_path = s.starts_with(['.', '/', '~'])
        || s.starts_with("\\\\")
        || (s.len() >= 2 && s.as_bytes()[0].is_ascii_alphabetic() && s.as_bytes()[1] == b':');
    v.kind = if is_path { "bind" } else { "volume" };
    Ok(v)
}
