//! Word splitting of string `command` / `entrypoint`, exactly as compose-go does it
//! (go-shellwords 1.0.12's `Parse`, without environment or backtick expansion).

/// What go-shellwords answers for a line it cannot split.
pub const INVALID: &str = "invalid command line string";

/// Quoting states of the line being split.
#[derive(Default)]
struct Quotes {
    single: bool,
    double: bool,
    /// Inside `` `…` `` (kept as written: backticks are not run).
    back: bool,
    /// Inside `$(…)` (kept as written).
    dollar: bool,
}

impl Quotes {
    fn any(&self) -> bool {
        self.single || self.double || self.back || self.dollar
    }
}

/// Splits a string command into words like go-shellwords (which compose-go uses): blanks
/// separate words, `'…'` keeps everything, `"…"` keeps everything but a `\` escapes the next
/// character, a `\` outside single quotes escapes the next character; `` `…` `` and `$(…)` are
/// kept as written, blanks included. An unquoted shell operator (`;`, `&`, `|`, `<`, `>`)
/// ends the command: the rest of the line is dropped (and a word starting with a digit before
/// `>`, a redirection like `2>`, with it). An unclosed quote, a trailing `\`, a `(` that does
/// not follow `$`, or an unbalanced `)` make the line invalid ([`INVALID`]).
pub fn shell_split(line: &str) -> Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word has started (an empty quoted one counts).
    let mut started = false;
    let mut escaped = false;
    let mut q = Quotes::default();
    for c in line.chars() {
        if escaped {
            word.push(c);
            escaped = false;
            started = true;
            continue;
        }
        if c == '\\' {
            if q.single {
                word.push(c);
            } else {
                escaped = true;
            }
            continue;
        }
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            if q.any() {
                word.push(c);
            } else if started {
                words.push(std::mem::take(&mut word));
                started = false;
            }
            continue;
        }
        match c {
            '`' if !q.single && !q.double && !q.dollar => q.back = !q.back,
            ')' if !q.single && !q.double && !q.back => q.dollar = !q.dollar,
            '(' if !q.single && !q.double && !q.back => {
                if q.dollar || !word.ends_with('$') {
                    return Err(INVALID);
                }
                q.dollar = true;
                word.push(c);
                continue;
            }
            '"' if !q.single && !q.dollar => {
                started |= q.double;
                q.double = !q.double;
                continue;
            }
            '\'' if !q.double && !q.dollar => {
                started |= q.single;
                q.single = !q.single;
                continue;
            }
            ';' | '&' | '|' | '<' | '>' if !q.any() => {
                if c == '>' && word.starts_with(|d: char| d.is_ascii_digit()) {
                    started = false;
                }
                break;
            }
            _ => {}
        }
        started = true;
        word.push(c);
    }
    if started {
        words.push(word);
    }
    if escaped || q.any() {
        return Err(INVALID);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        shell_split(s).unwrap_or_else(|e| vec![format!("ERR {e}")])
    }

    #[test]
    fn shell_split_like_shellwords() {
        assert_eq!(
            split("echo 'a b' \"c d\" e\\ f"),
            ["echo", "a b", "c d", "e f"]
        );
        assert!(split("  ").is_empty());
        assert_eq!(split("a '' \"\" b"), ["a", "", "", "b"]);
        assert_eq!(split(r#"say "a\b" 'c\d'"#), ["say", "ab", r"c\d"]);
        assert_eq!(
            split("echo `date +%s` $(id -u)"),
            ["echo", "`date +%s`", "$(id -u)"]
        );
    }

    #[test]
    fn an_operator_ends_the_command() {
        assert_eq!(
            split("postgres -c stats_temp_directory=/tmp & chown -R"),
            ["postgres", "-c", "stats_temp_directory=/tmp"]
        );
        assert_eq!(split("a&b"), ["a"]);
        assert_eq!(split("run; rm -rf /"), ["run"]);
        assert_eq!(split("cat x | grep y"), ["cat", "x"]);
        assert_eq!(split("cmd 2>/dev/null"), ["cmd"]);
        assert_eq!(split("cmd >out"), ["cmd"]);
        assert_eq!(
            split("a 'b & c' \"d | e\" f\\;g"),
            ["a", "b & c", "d | e", "f;g"]
        );
    }

    #[test]
    fn what_shellwords_refuses() {
        for line in [
            "echo 'open",
            "echo \"open",
            "trailing \\",
            "echo (x)",
            "a)",
            "echo `x",
        ] {
            assert_eq!(shell_split(line), Err(INVALID), "{line}");
        }
    }
}
