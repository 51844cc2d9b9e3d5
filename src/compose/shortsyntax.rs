//! Short syntax → long form for `ports` and `volumes`, shaped exactly like
//! `docker compose config --format json` (v2.40.3) prints them.
//!
//! - Ports follow Docker's `go-connections/nat.ParsePortSpec` as compose-go 2.9.1 calls it:
//!   `[[IP:](port|range):](port|range)[/proto]`. A container range expands to one entry per port,
//!   ordered like compose-go orders them (by the text `"<port>/<proto>"`, so `8-10` gives 10, 8,
//!   9); a host range with a single container port stays a `published` range.
//! - Volumes follow compose-go `loader/volume.go` `ParseVolume`: `SRC:DST[:opts]`, Windows drive
//!   letters kept whole, bind when SRC starts with `.`, `/`, `~`, `\\` or a drive letter.
//!
//! Every expectation in the tests below was checked with the v2.40.3 binary.

use serde_json::{Map, Value};

use crate::yaml::{Node, NodeKind, Span};

/// [`parse_port`] as tree nodes that all carry `span` (the short-syntax item they came from).
/// An integer item is parsed as its decimal text.
pub fn parse_port_nodes(item: &Node) -> Result<Vec<Node>, String> {
    let spec = match &item.kind {
        NodeKind::Str(s) => s.clone(),
        NodeKind::Int(i) => i.to_string(),
        _ => {
            return Err(format!(
                "expected a port like \"8080:80\", found {}",
                item.type_name()
            ));
        }
    };
    Ok(parse_port(&spec)?
        .iter()
        .map(|v| json_to_node(v, item.span))
        .collect())
}

/// [`parse_volume`] as a tree node that carries the short-syntax item's span throughout.
pub fn parse_volume_node(spec: &str, span: Span) -> Result<Node, String> {
    Ok(json_to_node(&parse_volume(spec)?, span))
}

/// Builds a node tree from JSON where every node (keys included) points at `span`.
pub fn json_to_node(v: &Value, span: Span) -> Node {
    let kind = match v {
        Value::Null => NodeKind::Null,
        Value::Bool(b) => NodeKind::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => NodeKind::Int(i),
            None => NodeKind::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => NodeKind::Str(s.clone()),
        Value::Array(a) => NodeKind::Seq(a.iter().map(|x| json_to_node(x, span)).collect()),
        Value::Object(o) => NodeKind::Map(
            o.iter()
                .map(|(k, x)| (Node::str(k.clone(), span), json_to_node(x, span)))
                .collect(),
        ),
    };
    Node::new(kind, span)
}

/// Parses one short-syntax port (`"8080:80/udp"`, `"3000-3001"`, `"[::1]:53:53/udp"`; an
/// integer port is given as its decimal text) into the long-form entries `config` prints:
/// `{mode, host_ip?, target, published?, protocol}`.
pub fn parse_port(spec: &str) -> Result<Vec<Value>, String> {
    let (ip, host, container) = split_port_parts(spec);
    let (proto, container) = split_proto(container);
    let proto = proto.to_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {proto}"));
    }
    let ip = if ip.starts_with('[') {
        strip_ipv6_brackets(ip)
            .map_err(|why| format!("invalid IP address {ip}: address {ip}:: {why}"))?
    } else {
        ip.to_string()
    };
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return Err(format!("invalid IP address: {ip}"));
    }
    let (start, end) =
        port_range(container).ok_or_else(|| format!("invalid containerPort: {container}"))?;
    let (host_start, host_end) = if host.is_empty() {
        (0, 0)
    } else {
        port_range(host).ok_or_else(|| format!("invalid hostPort: {host}"))?
    };
    // A host range is allowed with a single container port: it is where the engine picks one.
    if !host.is_empty() && end - start != host_end - host_start && end != start {
        return Err(format!(
            "invalid ranges specified for container and host Ports: {container} and {host}"
        ));
    }
    let mut entries: Vec<(String, Value)> = Vec::new();
    for i in 0..=(end - start) {
        let target = start + i;
        if target == 0 {
            return Err("missing a target port".to_string());
        }
        let published = if host.is_empty() {
            String::new()
        } else if start == end && host_start != host_end {
            format!("{host_start}-{host_end}")
        } else {
            (host_start + i).to_string()
        };
        let mut m = Map::new();
        m.insert("mode".into(), "ingress".into());
        if !ip.is_empty() {
            m.insert("host_ip".into(), ip.clone().into());
        }
        m.insert("target".into(), target.into());
        if !published.is_empty() {
            m.insert("published".into(), published.into());
        }
        m.insert("protocol".into(), proto.clone().into());
        entries.push((format!("{target}/{proto}"), Value::Object(m)));
    }
    // compose-go walks the ports of a Go map through its sorted keys.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries.into_iter().map(|(_, v)| v).collect())
}

/// What Go's `net.SplitHostPort(ip + ":")` does to a bracketed IP: `[::1]` → `::1`.
fn strip_ipv6_brackets(ip: &str) -> Result<String, &'static str> {
    let hp = format!("{ip}:");
    let colon = hp.len() - 1;
    let end = hp.find(']').ok_or("missing ']' in address")?;
    if end + 1 != colon {
        return Err(if hp.as_bytes()[end + 1] == b':' {
            "too many colons in address"
        } else {
            "missing port in address"
        });
    }
    if hp[1..].contains('[') {
        return Err("unexpected '[' in address");
    }
    if hp[end + 1..].contains(']') {
        return Err("unexpected ']' in address");
    }
    Ok(hp[1..end].to_string())
}

/// `nat.splitParts`: the last part is the container port, the one before the host port, and
/// everything before that (colons included, for IPv6) the IP.
fn split_port_parts(spec: &str) -> (&str, &str, &str) {
    let parts: Vec<&str> = spec.split(':').collect();
    let n = parts.len();
    match n {
        1 => ("", "", parts[0]),
        2 => ("", parts[0], parts[1]),
        _ => {
            // Byte offset where part n-2 starts.
            let ip_len: usize = parts[..n - 2].iter().map(|p| p.len() + 1).sum::<usize>() - 1;
            (&spec[..ip_len], parts[n - 2], parts[n - 1])
        }
    }
}

/// `nat.SplitProtoPort`: `80/udp` → (`udp`, `80`); no protocol means tcp; `/udp` means nothing.
/// Everything after the first `/` is the protocol (`80/udp/x` has protocol `udp/x`).
fn split_proto(raw: &str) -> (&str, &str) {
    let (port, proto) = raw.split_once('/').unwrap_or((raw, ""));
    if port.is_empty() {
        return ("", "");
    }
    (if proto.is_empty() { "tcp" } else { proto }, port)
}

/// `nat.ParsePortRange`: `80` or `8000-8010` (only the first two parts of `a-b-c` count).
fn port_range(s: &str) -> Option<(u32, u32)> {
    if s.is_empty() {
        return None;
    }
    if !s.contains('-') {
        let p = parse_port_number(s)?;
        return Some((p, p));
    }
    let mut parts = s.split('-');
    let start = parse_port_number(parts.next()?)?;
    let end = parse_port_number(parts.next()?)?;
    (end >= start).then_some((start, end))
}

/// Go's `strconv.ParseUint(s, 10, 16)`.
fn parse_port_number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u16>().ok().map(u32::from)
}

/// Parses one short-syntax volume (`"data:/var/lib/x:ro"`, `"./src:/app"`, `"/cache"`) into the
/// long form `config` prints: `{type, source?, target, read_only?, bind?, volume?}`.
pub fn parse_volume(spec: &str) -> Result<Value, String> {
    if spec.is_empty() {
        return Err("invalid empty volume spec".into());
    }
    if spec.len() <= 2 {
        let mut m = Map::new();
        m.insert("type".into(), "volume".into());
        m.insert("target".into(), clean_path(spec).into());
        return Ok(Value::Object(m));
    }
    let mut v = Volume::default();
    let mut buffer = String::new();
    let mut buffer_chars = 0usize;
    for c in spec.chars() {
        if c == ':' && is_drive_letter(&buffer, buffer_chars) {
            buffer.push(c);
            buffer_chars += 1;
        } else if c == ':' {
            v.take_section(&buffer, false)
                .map_err(|e| format!("invalid spec: {spec}: {e}"))?;
            buffer.clear();
            buffer_chars = 0;
        } else {
            buffer.push(c);
            buffer_chars += 1;
        }
    }
    // The end of the spec closes the last section.
    v.take_section(&buffer, true)
        .map_err(|e| format!("invalid spec: {spec}: {e}"))?;
    Ok(v.into_json())
}

/// `isWindowsDrive`: a `:` right after a single letter belongs to a path like `C:\x`.
fn is_drive_letter(buffer: &str, chars: usize) -> bool {
    chars == 1 && buffer.chars().next().is_some_and(char::is_alphabetic)
}

#[derive(Default)]
struct Volume {
    source: String,
    target: String,
    read_only: bool,
    selinux: Option<String>,
    propagation: Option<String>,
    bind: bool,
    nocopy: bool,
    volume: bool,
}

impl Volume {
    fn take_section(&mut self, section: &str, last: bool) -> Result<(), &'static str> {
        if section.is_empty() {
            return Err("empty section between colons");
        }
        if self.source.is_empty() && last {
            self.target = section.to_string();
            return Ok(());
        }
        if self.source.is_empty() {
            self.source = section.to_string();
            return Ok(());
        }
        if self.target.is_empty() {
            self.target = section.to_string();
            return Ok(());
        }
        if !last {
            return Err("too many colons");
        }
        for option in section.split(',') {
            match option {
                "ro" => self.read_only = true,
                "rw" => self.read_only = false,
                "nocopy" => {
                    self.nocopy = true;
                    self.volume = true;
                }
                "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                    self.bind = true;
                    self.propagation = Some(option.to_string());
                }
                "z" | "Z" => {
                    self.bind = true;
                    self.selinux = Some(option.to_string());
                }
                // compose-go ignores options it does not know.
                _ => {}
            }
        }
        Ok(())
    }

    fn into_json(self) -> Value {
        let is_bind = is_file_path(&self.source);
        let mut m = Map::new();
        m.insert(
            "type".into(),
            if is_bind { "bind" } else { "volume" }.into(),
        );
        if !self.source.is_empty() {
            m.insert("source".into(), self.source.into());
        }
        m.insert("target".into(), clean_path(&self.target).into());
        if self.read_only {
            m.insert("read_only".into(), true.into());
        }
        if self.bind || is_bind {
            let mut b = Map::new();
            if let Some(s) = self.selinux {
                b.insert("selinux".into(), s.into());
            }
            if let Some(p) = self.propagation {
                b.insert("propagation".into(), p.into());
            }
            if is_bind {
                // Short syntax keeps docker-compose v1's habit of creating a missing host path.
                b.insert("create_host_path".into(), true.into());
            }
            m.insert("bind".into(), Value::Object(b));
        }
        if self.volume || !is_bind {
            let mut vol = Map::new();
            if self.nocopy {
                vol.insert("nocopy".into(), true.into());
            }
            m.insert("volume".into(), Value::Object(vol));
        }
        Value::Object(m)
    }
}

/// Go's `path.Clean` (forward slashes only), which compose applies to every volume target:
/// `/a//b/../c/` → `/a/c`, `./x` → `x`, `` → `.`.
pub fn clean_path(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    // How many leading `..` a relative path keeps (they cannot be backtracked).
    let mut dotdot = 0;
    for elem in path.split('/') {
        match elem {
            "" | "." => {}
            ".." => {
                if parts.len() > dotdot {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                    dotdot += 1;
                }
            }
            e => parts.push(e),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// `isFilePath`: `.`, `/`, `~`, a `\\` named pipe / UNC path, or a drive letter (`C:`).
pub fn is_file_path(source: &str) -> bool {
    if source.starts_with(['.', '/', '~']) || source.starts_with("\\\\") {
        return true;
    }
    let mut chars = source.chars();
    matches!((chars.next(), chars.next()), (Some(c), Some(':')) if c.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ports(spec: &str) -> Value {
        match parse_port(spec) {
            Ok(v) => Value::Array(v),
            Err(e) => Value::String(format!("ERR {e}")),
        }
    }

    /// `ports: [<spec>]` through `docker compose config --format json`.
    #[test]
    fn node_helpers_keep_the_item_span() {
        let span = Span::point(crate::yaml::SourceId(7), 3, 9);
        let item = Node::new(NodeKind::Int(80), span);
        let nodes = parse_port_nodes(&item).unwrap();
        assert_eq!(nodes.len(), 1);
        assert_eq!(
            nodes[0].to_json(),
            json!({"mode": "ingress", "target": 80, "protocol": "tcp"})
        );
        assert_eq!(nodes[0].get("target").map(|n| n.span), Some(span));
        let v = parse_volume_node("data:/d:ro", span).unwrap();
        assert_eq!(v.at(&["volume"]).map(|n| n.span), Some(span));
        assert!(parse_port_nodes(&Node::new(NodeKind::Bool(true), span)).is_err());
    }

    #[test]
    fn ports_match_the_oracle() {
        let cases: Vec<(&str, Value)> = vec![
            (
                "80",
                json!([{"mode": "ingress", "target": 80, "protocol": "tcp"}]),
            ),
            (
                "3000-3001",
                json!([{"mode": "ingress", "target": 3000, "protocol": "tcp"}, {"mode": "ingress", "target": 3001, "protocol": "tcp"}]),
            ),
            (
                "8000-9000:80",
                json!([{"mode": "ingress", "target": 80, "published": "8000-9000", "protocol": "tcp"}]),
            ),
            (
                "127.0.0.1::80",
                json!([{"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "protocol": "tcp"}]),
            ),
            (
                "[::1]:8080:80/udp",
                json!([{"mode": "ingress", "host_ip": "::1", "target": 80, "published": "8080", "protocol": "udp"}]),
            ),
            (
                "8-10",
                json!([{"mode": "ingress", "target": 10, "protocol": "tcp"}, {"mode": "ingress", "target": 8, "protocol": "tcp"}, {"mode": "ingress", "target": 9, "protocol": "tcp"}]),
            ),
            (
                "8-10:18-20",
                json!([{"mode": "ingress", "target": 18, "published": "8", "protocol": "tcp"}, {"mode": "ingress", "target": 19, "published": "9", "protocol": "tcp"}, {"mode": "ingress", "target": 20, "published": "10", "protocol": "tcp"}]),
            ),
            (
                "1.2.3.4:80:80/SCTP",
                json!([{"mode": "ingress", "host_ip": "1.2.3.4", "target": 80, "published": "80", "protocol": "sctp"}]),
            ),
            (
                "80/udp",
                json!([{"mode": "ingress", "target": 80, "protocol": "udp"}]),
            ),
            ("70000:80", json!("ERR invalid hostPort: 70000")),
            ("80:70000", json!("ERR invalid containerPort: 70000")),
            ("8080:80/xyz", json!("ERR invalid proto: xyz")),
            ("8080:80/XYZ", json!("ERR invalid proto: xyz")),
            ("80/udp/x", json!("ERR invalid proto: udp/x")),
            ("80//udp", json!("ERR invalid proto: /udp")),
            ("65536//udp80", json!("ERR invalid proto: /udp80")),
            (
                "::1:80:80",
                json!([{"mode": "ingress", "host_ip": "::1", "target": 80, "published": "80", "protocol": "tcp"}]),
            ),
            (
                "[::]:80:80",
                json!([{"mode": "ingress", "host_ip": "::", "target": 80, "published": "80", "protocol": "tcp"}]),
            ),
            ("9-8", json!("ERR invalid containerPort: 9-8")),
            (
                "8000-8001:80-81",
                json!([{"mode": "ingress", "target": 80, "published": "8000", "protocol": "tcp"}, {"mode": "ingress", "target": 81, "published": "8001", "protocol": "tcp"}]),
            ),
            (
                "8000-8002:80-81",
                json!(
                    "ERR invalid ranges specified for container and host Ports: 80-81 and 8000-8002"
                ),
            ),
            ("a:80", json!("ERR invalid hostPort: a")),
            (
                "80/",
                json!([{"mode": "ingress", "target": 80, "protocol": "tcp"}]),
            ),
            ("/udp", json!("ERR invalid proto: ")),
            ("", json!("ERR invalid proto: ")),
            ("1:2:3:4:5", json!("ERR invalid IP address: 1:2:3")),
            (
                "[fe80::1%eth0]:80:80",
                json!("ERR invalid IP address: fe80::1%eth0"),
            ),
            (
                "localhost:80:80",
                json!("ERR invalid IP address: localhost"),
            ),
            ("01.2.3.4:80:80", json!("ERR invalid IP address: 01.2.3.4")),
            (
                "[::1]127.0.0.1[::1]",
                json!(
                    "ERR invalid IP address [::1]127.0.0.1[: address [::1]127.0.0.1[:: missing port in address"
                ),
            ),
            (
                "[::1:80:80",
                json!("ERR invalid IP address [::1: address [::1:: missing ']' in address"),
            ),
            (
                "::ffff:1.2.3.4:80:80",
                json!([{"mode": "ingress", "host_ip": "::ffff:1.2.3.4", "target": 80, "published": "80", "protocol": "tcp"}]),
            ),
            (
                "0:80",
                json!([{"mode": "ingress", "target": 80, "published": "0", "protocol": "tcp"}]),
            ),
            ("0", json!("ERR missing a target port")),
            (" 80", json!("ERR invalid containerPort:  80")),
            ("+80", json!("ERR invalid containerPort: +80")),
            (
                "080:080",
                json!([{"mode": "ingress", "target": 80, "published": "80", "protocol": "tcp"}]),
            ),
            (
                "1-2-3",
                json!([{"mode": "ingress", "target": 1, "protocol": "tcp"}, {"mode": "ingress", "target": 2, "protocol": "tcp"}]),
            ),
            (
                "65535",
                json!([{"mode": "ingress", "target": 65535, "protocol": "tcp"}]),
            ),
            ("65536", json!("ERR invalid containerPort: 65536")),
            (
                "0-1:80",
                json!([{"mode": "ingress", "target": 80, "published": "0-1", "protocol": "tcp"}]),
            ),
            (
                "80-80",
                json!([{"mode": "ingress", "target": 80, "protocol": "tcp"}]),
            ),
            (
                "8000-8000:80",
                json!([{"mode": "ingress", "target": 80, "published": "8000", "protocol": "tcp"}]),
            ),
        ];
        for (spec, want) in cases {
            let got = ports(spec);
            assert_eq!(got, want, "port {spec:?}");
            // Key order matters for byte-identical output.
            assert_eq!(got.to_string(), want.to_string(), "port {spec:?}");
        }
    }

    fn volume(spec: &str) -> Value {
        parse_volume(spec).unwrap_or_else(|e| Value::String(format!("ERR {e}")))
    }

    /// Checks each `volumes: [<spec>]` against what `config --format json --no-path-resolution`
    /// printed for it, in the oracle's key order.
    fn check_volumes(cases: Vec<(&str, Value)>) {
        for (spec, want) in cases {
            let got = volume(spec);
            assert_eq!(got, want, "volume {spec:?}");
            assert_eq!(got.to_string(), want.to_string(), "volume {spec:?}");
        }
    }

    /// The oracle on named and anonymous volumes: the target cleaned as Go's `path.Clean`
    /// (backslash paths as written).
    #[test]
    fn volume_targets_are_cleaned() {
        check_volumes(vec![
            (
                "data:/d",
                json!({"type": "volume", "source": "data", "target": "/d", "volume": {}}),
            ),
            (
                "/data",
                json!({"type": "volume", "target": "/data", "volume": {}}),
            ),
            ("/d", json!({"type": "volume", "target": "/d"})),
            ("ab", json!({"type": "volume", "target": "ab"})),
            ("./", json!({"type": "volume", "target": "."})),
            ("a/", json!({"type": "volume", "target": "a"})),
            (
                "/d/../e/",
                json!({"type": "volume", "target": "/e", "volume": {}}),
            ),
            (
                "./xrw",
                json!({"type": "volume", "target": "xrw", "volume": {}}),
            ),
            (
                "../x/../../y",
                json!({"type": "volume", "target": "../../y", "volume": {}}),
            ),
            (
                "C:/a/../b",
                json!({"type": "volume", "target": "C:/b", "volume": {}}),
            ),
            (
                "é:/a/../b",
                json!({"type": "volume", "target": "é:/b", "volume": {}}),
            ),
            (
                "data:C:\\a\\..\\b",
                json!({"type": "volume", "source": "data", "target": "C:\\a\\..\\b", "volume": {}}),
            ),
            (
                "data:/a//b/",
                json!({"type": "volume", "source": "data", "target": "/a/b", "volume": {}}),
            ),
            (
                "./x/../y/:/a/./b",
                json!({"type": "bind", "source": "./x/../y/", "target": "/a/b", "bind": {"create_host_path": true}}),
            ),
            (
                "./x:..",
                json!({"type": "bind", "source": "./x", "target": "..", "bind": {"create_host_path": true}}),
            ),
            ("x", json!({"type": "volume", "target": "x"})),
            (
                "D:/d",
                json!({"type": "volume", "target": "D:/d", "volume": {}}),
            ),
            (
                "é:/d",
                json!({"type": "volume", "target": "é:/d", "volume": {}}),
            ),
            (
                "Ω:x",
                json!({"type": "volume", "target": "Ω:x", "volume": {}}),
            ),
            (
                "1:/d",
                json!({"type": "volume", "source": "1", "target": "/d", "volume": {}}),
            ),
        ]);
    }

    /// The oracle on access, SELinux, propagation and `nocopy` options (unknown ones ignored,
    /// the last of ro / rw wins).
    #[test]
    fn volume_options() {
        check_volumes(vec![
            (
                "data:/d:nocopy",
                json!({"type": "volume", "source": "data", "target": "/d", "volume": {"nocopy": true}}),
            ),
            (
                "data:/d:ro,z",
                json!({"type": "volume", "source": "data", "target": "/d", "read_only": true, "bind": {"selinux": "z"}, "volume": {}}),
            ),
            (
                "data:/d:bogus",
                json!({"type": "volume", "source": "data", "target": "/d", "volume": {}}),
            ),
            (
                "data:C:\\d",
                json!({"type": "volume", "source": "data", "target": "C:\\d", "volume": {}}),
            ),
            (
                "data:/d:shared,private",
                json!({"type": "volume", "source": "data", "target": "/d", "bind": {"propagation": "private"}, "volume": {}}),
            ),
            (
                "./x:/d:rslave",
                json!({"type": "bind", "source": "./x", "target": "/d", "bind": {"propagation": "rslave", "create_host_path": true}}),
            ),
            (
                "./x:/d:z,rslave,ro,rw",
                json!({"type": "bind", "source": "./x", "target": "/d", "bind": {"selinux": "z", "propagation": "rslave", "create_host_path": true}}),
            ),
            (
                "./x:/d:nocopy,z",
                json!({"type": "bind", "source": "./x", "target": "/d", "bind": {"selinux": "z", "create_host_path": true}, "volume": {"nocopy": true}}),
            ),
            (
                "/x:/d:ro,nocopy",
                json!({"type": "bind", "source": "/x", "target": "/d", "read_only": true, "bind": {"create_host_path": true}, "volume": {"nocopy": true}}),
            ),
            (
                "data:/d:rw,nocopy,ro",
                json!({"type": "volume", "source": "data", "target": "/d", "read_only": true, "volume": {"nocopy": true}}),
            ),
            (
                "data:/d:ro,,rw",
                json!({"type": "volume", "source": "data", "target": "/d", "volume": {}}),
            ),
        ]);
    }

    /// The oracle on bind mounts: which host-path forms are a source (relative, absolute, `~`,
    /// Windows drives, pipes, shares).
    #[test]
    fn bind_sources() {
        check_volumes(vec![
            (
                "./x:/d",
                json!({"type": "bind", "source": "./x", "target": "/d", "bind": {"create_host_path": true}}),
            ),
            (
                "/abs:/d:ro",
                json!({"type": "bind", "source": "/abs", "target": "/d", "read_only": true, "bind": {"create_host_path": true}}),
            ),
            (
                "~/h:/d:rw",
                json!({"type": "bind", "source": "~/h", "target": "/d", "bind": {"create_host_path": true}}),
            ),
            (
                "C:\\x:/d",
                json!({"type": "bind", "source": "C:\\x", "target": "/d", "bind": {"create_host_path": true}}),
            ),
            (
                "c:/x:/d:ro,z",
                json!({"type": "bind", "source": "c:/x", "target": "/d", "read_only": true, "bind": {"selinux": "z", "create_host_path": true}}),
            ),
            (
                "a:b:c:d",
                json!({"type": "bind", "source": "a:b", "target": "c:d", "bind": {"create_host_path": true}}),
            ),
            (
                "\\\\.\\pipe\\x:/d",
                json!({"type": "bind", "source": "\\\\.\\pipe\\x", "target": "/d", "bind": {"create_host_path": true}}),
            ),
            (
                "\\\\srv\\share:/d",
                json!({"type": "bind", "source": "\\\\srv\\share", "target": "/d", "bind": {"create_host_path": true}}),
            ),
            (
                "ß:/x:/d",
                json!({"type": "bind", "source": "ß:/x", "target": "/d", "bind": {"create_host_path": true}}),
            ),
            (
                "é:/d:ro",
                json!({"type": "bind", "source": "é:/d", "target": "ro", "bind": {"create_host_path": true}}),
            ),
            (
                "/d:ro",
                json!({"type": "bind", "source": "/d", "target": "ro", "bind": {"create_host_path": true}}),
            ),
            (
                ".:/d",
                json!({"type": "bind", "source": ".", "target": "/d", "bind": {"create_host_path": true}}),
            ),
            (
                "./a:/b:c:d",
                json!({"type": "bind", "source": "./a", "target": "/b", "bind": {"create_host_path": true}}),
            ),
        ]);
    }

    /// The specs the oracle refuses, with its messages.
    #[test]
    fn volume_errors() {
        check_volumes(vec![
            (
                "::/d",
                json!("ERR invalid spec: ::/d: empty section between colons"),
            ),
            (
                "data::ro",
                json!("ERR invalid spec: data::ro: empty section between colons"),
            ),
            (
                "data:/d:",
                json!("ERR invalid spec: data:/d:: empty section between colons"),
            ),
            (
                "data:/d:ro:ro",
                json!("ERR invalid spec: data:/d:ro:ro: too many colons"),
            ),
            ("", json!("ERR invalid empty volume spec")),
        ]);
    }
}
