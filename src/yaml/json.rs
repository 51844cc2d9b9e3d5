//! JSON manifests → [`Node`] trees with spans, as kubectl decodes them.
//!
//! apimachinery decodes a stream as JSON (not YAML) when its first non-space character is `{`:
//! a sequence of JSON values read by Go's `encoding/json` (strict RFC 8259: no comments, no
//! trailing commas, `\/` and surrogate-pair escapes allowed), then the unstructured decoder turns
//! numbers into int64 when they are integers that fit, float64 otherwise. Duplicate keys: the last
//! wins, as `json.Unmarshal` does.

use std::collections::HashMap;

use super::error::YamlError;
use super::node::{Node, NodeKind, Pos, SourceId, Span};

/// Go's `encoding/json` nesting limit.
const MAX_DEPTH: usize = 10_000;

pub fn parse_json_stream(source: SourceId, text: &str) -> Result<Vec<Node>, YamlError> {
    let mut p = JsonParser {
        source,
        s: text.as_bytes(),
        i: 0,
        line: 1,
        col: 1,
    };
    let mut out = Vec::new();
    loop {
        p.ws();
        if p.i >= p.s.len() {
            break;
        }
        out.push(p.value(0)?);
    }
    Ok(out)
}

struct JsonParser<'a> {
    source: SourceId,
    s: &'a [u8],
    i: usize,
    line: u32,
    col: u32,
}

impl JsonParser<'_> {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn here(&self) -> Span {
        Span::point(self.source, self.line, self.col)
    }

    fn fail<T>(&self, what: &str) -> Result<T, YamlError> {
        Err(YamlError {
            span: self.here(),
            message: format!("invalid JSON: {what}"),
            related: None,
        })
    }

    fn bump(&mut self) {
        let c = self.s[self.i];
        if c == b'\n' {
            self.line += 1;
            self.col = 1;
        } else if c & 0xC0 != 0x80 {
            self.col += 1;
        }
        self.i += 1;
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<(), YamlError> {
        if self.peek() != Some(c) {
            return self.fail(what);
        }
        self.bump();
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Node, YamlError> {
        if depth > MAX_DEPTH {
            return self.fail("exceeded max depth");
        }
        let start = self.pos();
        let kind = match self.peek() {
            Some(b'{') => {
                self.bump();
                let mut entries: Vec<(Node, Node)> = Vec::new();
                let mut index: HashMap<String, usize> = HashMap::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.bump();
                } else {
                    loop {
                        self.ws();
                        let kstart = self.pos();
                        if self.peek() != Some(b'"') {
                            return self.fail("looking for beginning of object key string");
                        }
                        let k = self.string()?;
                        let key = Node::new(NodeKind::Str(k.clone()), self.span_from(kstart));
                        self.ws();
                        self.expect(b':', "after object key")?;
                        self.ws();
                        let v = self.value(depth + 1)?;
                        match index.get(&k) {
                            Some(&i) => entries[i] = (key, v),
                            None => {
                                index.insert(k, entries.len());
                                entries.push((key, v));
                            }
                        }
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.bump(),
                            Some(b'}') => {
                                self.bump();
                                break;
                            }
                            _ => return self.fail("after object key:value pair"),
                        }
                    }
                }
                NodeKind::Map(entries)
            }
            Some(b'[') => {
                self.bump();
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.bump();
                } else {
                    loop {
                        self.ws();
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.bump(),
                            Some(b']') => {
                                self.bump();
                                break;
                            }
                            _ => return self.fail("after array element"),
                        }
                    }
                }
                NodeKind::Seq(items)
            }
            Some(b'"') => NodeKind::Str(self.string()?),
            Some(b't') => self.literal("true", NodeKind::Bool(true))?,
            Some(b'f') => self.literal("false", NodeKind::Bool(false))?,
            Some(b'n') => self.literal("null", NodeKind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return self.fail("looking for beginning of value"),
        };
        Ok(Node::new(kind, self.span_from(start)))
    }

    fn span_from(&self, start: Pos) -> Span {
        Span {
            source: self.source,
            start,
            end: self.pos(),
        }
    }

    fn literal(&mut self, word: &str, kind: NodeKind) -> Result<NodeKind, YamlError> {
        for &c in word.as_bytes() {
            if self.peek() != Some(c) {
                return self.fail(&format!("in literal {word}"));
            }
            self.bump();
        }
        Ok(kind)
    }

    fn number(&mut self) -> Result<NodeKind, YamlError> {
        let from = self.i;
        if self.peek() == Some(b'-') {
            self.bump();
        }
        match self.peek() {
            Some(b'0') => self.bump(),
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.bump();
                }
            }
            _ => return self.fail("in numeric literal"),
        }
        if self.peek() == Some(b'.') {
            self.bump();
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.fail("after decimal point in numeric literal");
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.bump();
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.bump();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump();
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.fail("in exponent of numeric literal");
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.bump();
            }
        }
        let text = std::str::from_utf8(&self.s[from..self.i]).unwrap_or("0");
        // The unstructured decoder: int64 when it parses as one, float64 otherwise.
        if let Ok(i) = text.parse::<i64>() {
            return Ok(NodeKind::Int(i));
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(NodeKind::Float(f)),
            _ => self.fail(&format!("cannot unmarshal number {text} into a float64")),
        }
    }

    fn string(&mut self) -> Result<String, YamlError> {
        self.bump(); // the opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return self.fail("unexpected end of JSON input");
            };
            match c {
                b'"' => {
                    self.bump();
                    break;
                }
                b'\\' => {
                    self.bump();
                    let Some(e) = self.peek() else {
                        return self.fail("unexpected end of JSON input");
                    };
                    self.bump();
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0C),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                // A surrogate pair, or U+FFFD as Go writes for a lone half.
                                let save = (self.i, self.line, self.col);
                                if self.peek() == Some(b'\\')
                                    && self.s.get(self.i + 1) == Some(&b'u')
                                {
                                    self.bump();
                                    self.bump();
                                    let lo = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&lo) {
                                        char::from_u32(
                                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00),
                                        )
                                        .unwrap_or('\u{FFFD}')
                                    } else {
                                        (self.i, self.line, self.col) = save;
                                        '\u{FFFD}'
                                    }
                                } else {
                                    '\u{FFFD}'
                                }
                            } else {
                                char::from_u32(hi).unwrap_or('\u{FFFD}')
                            };
                            let mut b = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                        }
                        _ => return self.fail("in string escape code"),
                    }
                }
                0x00..=0x1F => return self.fail("in string literal (control character)"),
                _ => {
                    out.push(c);
                    self.bump();
                }
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn hex4(&mut self) -> Result<u32, YamlError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(d) = self.peek().and_then(|c| (c as char).to_digit(16)) else {
                return self.fail("in \\u hexadecimal character escape");
            };
            v = (v << 4) | d;
            self.bump();
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_stream_with_spans() {
        let docs = parse_json_stream(
            SourceId(0),
            "{\"a\": 1, \"b\": [1.5, \"\\ud83d\\ude00\\/\"], \"a\": 2}\n{\"c\": null}",
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].get("a").unwrap().as_i64(), Some(2));
        assert_eq!(docs[0].at(&["b", "1"]).unwrap().as_str(), Some("😀/"));
        assert_eq!(
            docs[1].get("c").unwrap().span.start,
            Pos { line: 2, col: 7 }
        );
        assert!(parse_json_stream(SourceId(0), "{\"a\": 1,}").is_err());
    }
}
