//! Text that came from outside (a name in a tar header, a field of a hostile bundle) as it may be
//! shown to a person: in a terminal, a log line or a stored refusal. Control characters and the
//! invisible characters that reorder or hide text are escaped, and the text is cut at a length,
//! so that what an attacker wrote can neither drive the operator's terminal nor fill a disk.

/// `text` with every control, bidirectional or invisible formatting character written as
/// `\u{…}`, cut after `max_chars` characters of output (an ellipsis then says it was cut).
pub fn shown(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for c in text.chars() {
        let piece: String = if hidden(c) {
            format!("\\u{{{:x}}}", u32::from(c))
        } else {
            c.to_string()
        };
        let len = piece.chars().count();
        if count + len > max_chars {
            out.push('…');
            return out;
        }
        out.push_str(&piece);
        count += len;
    }
    out
}

/// Whether `c` acts on a terminal or on the layout of text instead of being read.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' // zero-width spaces and joiners, direction marks
            | '\u{2028}'..='\u{202E}' // line and paragraph separators, embeddings, overrides
            | '\u{2060}'..='\u{206F}' // word joiner, invisible operators, isolates
            | '\u{FEFF}' // byte order mark
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_drives_a_terminal_or_reorders_text() {
        assert_eq!(shown("Assemblée « 2026 »", 100), "Assemblée « 2026 »");
        assert_eq!(shown("a\u{1b}[2Jb\r\n", 100), "a\\u{1b}[2Jb\\u{d}\\u{a}");
        assert_eq!(shown("x\u{202E}gpj.exe", 100), "x\\u{202e}gpj.exe");
        assert_eq!(
            shown("\u{9b}31m", 100),
            "\\u{9b}31m",
            "the C1 control introducer"
        );
    }

    #[test]
    fn cuts_at_the_length_and_never_inside_an_escape() {
        let long = "é".repeat(10_000);
        let cut = shown(&long, 200);
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
        assert_eq!(shown(&"\u{1b}".repeat(100), 12), "\\u{1b}\\u{1b}…");
        assert_eq!(shown("abc", 3), "abc", "exactly the length is not cut");
    }
}
