//! POSIX-shell-like word splitting of string `command` / `entrypoint` (go-shellwords).

/// POSIX-shell-like word splitting (go-shellwords, as compose uses for string commands).
pub fn shell_split(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '\'' => {
                in_word = true;
                for n in chars.by_ref() {
                    if n == '\'' {
                        break;
                    }
                    cur.push(n);
                }
            }
            '"' => {
                in_word = true;
                while let Some(n) = chars.next() {
                    match n {
                        '"' => break,
                        '\\' => {
                            if let Some(&m) = chars.peek() {
                                if matches!(m, '"' | '\\' | '$' | '`') {
                                    cur.push(m);
                                    chars.next();
                                } else {
                                    cur.push('\\');
                                }
                            }
                        }
                        _ => cur.push(n),
                    }
                }
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_split_like_shellwords() {
        assert_eq!(
            shell_split("echo 'a b' \"c d\" e\\ f"),
            ["echo", "a b", "c d", "e f"]
        );
        assert!(shell_split("  ").is_empty());
    }
}
