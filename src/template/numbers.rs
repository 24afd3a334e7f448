//! Text compared with a number: CSV cells are text, and minijinja compares text with a number
//! by kind, not value (`'1500' > 1000` and `'20' == 20` are both false), so a condition such as
//! `discount > 1000` would quietly keep every row or none. This finds such comparisons in an
//! expression's source, with the rewrite that means what was written (`discount | int > 1000`).

use std::ops::Range;

/// A CSV column compared directly with a number literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextVsNumber {
    /// The column.
    pub column: String,
    /// Where the column's name is in the expression (bytes).
    pub at: Range<usize>,
    /// The comparison as written, e.g. `age > 18`.
    pub written: String,
    /// The comparison with the cell converted, e.g. `age | int > 18`.
    pub fix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    Number,
    Compare,
    Minus,
    /// `|`, `.`, `(` or `[`: the name next to it is a filter, an attribute or a call.
    Joined,
    Other,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    range: Range<usize>,
}

/// Every comparison in `source` of one of `columns` (bare, not filtered or converted) with a
/// number literal, in order.
pub fn text_vs_number(source: &str, columns: &[String]) -> Vec<TextVsNumber> {
    let tokens = tokens(source);
    let kind = |i: Option<usize>| i.and_then(|i| tokens.get(i)).map(|t| t.kind);
    let is_column = |t: &Token| t.kind == Kind::Name && columns.iter().any(|c| *c == source[t.range.clone()]);
    let mut found = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if !is_column(t) || kind(i.checked_sub(1)) == Some(Kind::Joined) {
            continue;
        }
        // `age > 18`, `age == -1`
        let after = (kind(Some(i + 1)) == Some(Kind::Compare)).then(|| number_at(&tokens, i + 2)).flatten();
        // `18 <= age`, unless a filter follows the name
        let before = (kind(i.checked_sub(1)) == Some(Kind::Compare) && kind(Some(i + 1)) != Some(Kind::Joined))
            .then(|| i.checked_sub(2).and_then(|n| number_before(&tokens, n)))
            .flatten();
        let (span, literal) = match (after, before) {
            (Some(n), _) => (t.range.start..n.end, n),
            (None, Some(n)) => (n.start..t.range.end, n),
            (None, None) => continue,
        };
        let literal = &source[literal];
        let filter = if literal.contains(['.', 'e', 'E']) { "float" } else { "int" };
        let written = &source[span.clone()];
        let name_end = t.range.end - span.start;
        let fix = format!("{} | {filter}{}", &written[..name_end], &written[name_end..]);
        found.push(TextVsNumber {
            column: source[t.range.clone()].to_string(),
            at: t.range.clone(),
            written: written.to_string(),
            fix,
        });
    }
    found
}

/// The number starting at token `i`, with its minus sign if any: where it is.
fn number_at(tokens: &[Token], i: usize) -> Option<Range<usize>> {
    let start = tokens.get(i)?.range.start;
    let i = if tokens[i].kind == Kind::Minus { i + 1 } else { i };
    let number = tokens.get(i).filter(|t| t.kind == Kind::Number)?;
    Some(start..number.range.end)
}

/// The number ending at token `i`, with its minus sign if any: where it is.
fn number_before(tokens: &[Token], i: usize) -> Option<Range<usize>> {
    let number = tokens.get(i).filter(|t| t.kind == Kind::Number)?;
    let sign = i.checked_sub(1).map(|s| &tokens[s]).filter(|t| t.kind == Kind::Minus);
    Some(sign.map_or(number.range.start, |s| s.range.start)..number.range.end)
}

/// The expression's tokens, as far as telling names, numbers and comparisons apart needs.
fn tokens(source: &str) -> Vec<Token> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let kind = match b {
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'\'' | b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                Kind::Other
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                Kind::Name
            }
            b if b.is_ascii_digit() => {
                let digits = |i: &mut usize| {
                    while *i < bytes.len() && (bytes[*i].is_ascii_digit() || bytes[*i] == b'_') {
                        *i += 1;
                    }
                };
                digits(&mut i);
                if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                    digits(&mut i);
                }
                if matches!(bytes.get(i), Some(b'e' | b'E')) {
                    i += 1;
                    if matches!(bytes.get(i), Some(b'+' | b'-')) {
                        i += 1;
                    }
                    digits(&mut i);
                }
                Kind::Number
            }
            b'=' | b'!' | b'<' | b'>' => {
                i += 1;
                if bytes.get(i) == Some(&b'=') {
                    i += 1;
                }
                if &source[start..i] == "=" || &source[start..i] == "!" { Kind::Other } else { Kind::Compare }
            }
            b'-' => {
                i += 1;
                Kind::Minus
            }
            b'|' | b'.' | b'(' | b'[' => {
                i += 1;
                Kind::Joined
            }
            _ => {
                // One character, whole (the source may hold any text).
                i += source[i..].chars().next().map_or(1, char::len_utf8);
                Kind::Other
            }
        };
        tokens.push(Token { kind, range: start..i.min(bytes.len()) });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixes(source: &str) -> Vec<String> {
        let columns = ["age".to_string(), "discount".into(), "name".into()];
        text_vs_number(source, &columns).into_iter().map(|f| f.fix).collect()
    }

    #[test]
    fn a_bare_column_against_a_number_either_way_round() {
        assert_eq!(fixes("discount > 1000"), ["discount | int > 1000"]);
        assert_eq!(fixes("discount==20"), ["discount | int==20"]);
        assert_eq!(fixes("18 <= age and age < 65"), ["18 <= age | int", "age | int < 65"]);
        assert_eq!(fixes("age != -1"), ["age | int != -1"]);
        assert_eq!(fixes("-1.5 < discount"), ["-1.5 < discount | float"]);
        assert_eq!(fixes("discount >= 1e3"), ["discount | float >= 1e3"]);
        let found = text_vs_number("x and age > 1", &["age".to_string()]);
        assert_eq!((found[0].at.clone(), found[0].written.as_str()), (6..9, "age > 1"));
    }

    #[test]
    fn converted_columns_text_and_other_names_are_left_alone() {
        for fine in [
            "discount | int > 1000",
            "18 <= age | int",
            "age | float >= 17.5",
            "age == '30'",
            "name == \"age > 3\"",
            "campaign.age > 3",
            "limit > 3",
            "age | default(0) | int > 3",
            "age in ['1', '2']",
            "'é' == name and age == '1'",
        ] {
            assert_eq!(fixes(fine), Vec::<String>::new(), "{fine}");
        }
    }
}
