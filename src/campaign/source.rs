//! A campaign file as read: its name, text and span map, able to turn a JSON pointer into a
//! location users can click.

use super::yaml::{NodeSpan, Span, SpanMap};
use crate::diagnostic::Location;

/// The campaign file's text and positions.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user gave it.
    pub name: String,
    /// The file's text.
    pub text: String,
    /// Positions of every node.
    pub spans: SpanMap,
}

/// Which part of a node a location should point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The key (for unknown or misplaced keys).
    Key,
    /// The value (for wrong values).
    Value,
}

impl Source {
    /// Where `pointer` is; a pointer to a missing key points at the key of the mapping that
    /// should hold it.
    pub fn locate(&self, pointer: &str, part: Part) -> Option<Location> {
        let (found, node) = self.spans.nearest(pointer)?;
        let part = if found == pointer { part } else { Part::Key };
        Some(self.location_of(self.pick(node, part)))
    }

    /// A location `offset` lines and `col` columns into the value at `pointer` (for errors
    /// inside a template string).
    pub fn locate_within(&self, pointer: &str, line_offset: usize, col: usize, len: usize) -> Option<Location> {
        let node = self.spans.get(pointer)?;
        let start = node.value.start;
        let first = self.text.lines().nth(start.line.saturating_sub(1)).unwrap_or("");
        let quoted = matches!(first.chars().nth(start.col.saturating_sub(1)), Some('"' | '\''));
        let block = node.key.is_some_and(|k| k.start.line < start.line);
        let (line, col) = if block {
            let body_line = start.line + line_offset;
            let indent = self
                .text
                .lines()
                .nth(body_line.saturating_sub(1))
                .map_or(0, |l| l.chars().take_while(|c| c.is_whitespace()).count());
            (body_line, indent + col)
        } else if line_offset == 0 {
            (start.line, start.col + usize::from(quoted) + col.saturating_sub(1))
        } else {
            return Some(self.location_of(node.value));
        };
        Some(Location::in_source(&self.name, &self.text, line, col, len))
    }

    fn pick(&self, node: NodeSpan, part: Part) -> Span {
        match (part, node.key) {
            (Part::Key, Some(k)) => k,
            _ => node.value,
        }
    }

    fn location_of(&self, span: Span) -> Location {
        let len = if span.end.line == span.start.line {
            span.end.col.saturating_sub(span.start.col)
        } else {
            let line = self.text.lines().nth(span.start.line.saturating_sub(1)).unwrap_or("");
            line.chars().count().saturating_sub(span.start.col.saturating_sub(1))
        };
        Location::in_source(&self.name, &self.text, span.start.line, span.start.col, len.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::yaml;

    fn source(text: &str) -> Source {
        let (_, spans) = yaml::parse(text).unwrap();
        Source { name: "c.yaml".into(), text: text.into(), spans }
    }

    #[test]
    fn points_at_keys_values_and_missing_keys() {
        let s = source("provider:\n  kind: cloud_api\n");
        let key = s.locate("/provider/kind", Part::Key).unwrap();
        assert_eq!((key.line, key.col, key.len), (2, Some(3), 4));
        let value = s.locate("/provider/kind", Part::Value).unwrap();
        assert_eq!((value.line, value.col, value.len), (2, Some(9), 9));
        let missing = s.locate("/provider/token_env", Part::Value).unwrap();
        assert_eq!((missing.line, missing.col), (1, Some(1)));
    }

    #[test]
    fn points_inside_template_strings() {
        let s = source("text: \"Hi {{ x }}\"\nblock: |\n  line one\n  and {{ y }}\n");
        let inside = s.locate_within("/text", 0, 4, 2).unwrap();
        assert_eq!((inside.line, inside.col), (1, Some(11)));
        let in_block = s.locate_within("/block", 1, 5, 1).unwrap();
        assert_eq!((in_block.line, in_block.col), (4, Some(7)));
    }
}
