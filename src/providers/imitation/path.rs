//! The field a contract violation is about, named the way the APIs name fields in their
//! errors: JavaScript style (`contact[0].fullName`) or Graph API style
//! (`contacts[0]['name']['formatted_name']`).

use crate::providers::contract::{Broken, Violation};

/// Where a value sits in the body: keys and array indexes from the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(Vec<Seg>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

impl Path {
    /// The value a JSON pointer names (a segment of digits is read as an array index).
    pub(crate) fn at(pointer: &str) -> Path {
        let segs = pointer.split('/').skip(1).map(|raw| match raw.parse() {
            Ok(index) => Seg::Index(index),
            Err(_) => Seg::Key(raw.replace("~1", "/").replace("~0", "~")),
        });
        Path(segs.collect())
    }

    /// The field `violation` is about: the missing property, the first unexpected one, or
    /// else the value it points at.
    pub(crate) fn of(violation: &Violation) -> Path {
        let at = Path::at(&violation.pointer);
        match &violation.kind {
            Broken::Missing { property } => at.key(property),
            Broken::Unexpected { properties } => match properties.first() {
                Some(first) => at.key(first),
                None => at,
            },
            _ => at,
        }
    }

    /// The member `key` of the object at this path.
    pub(crate) fn key(&self, key: &str) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        Path(segs)
    }

    /// Whether this is the body itself.
    pub(crate) fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether this is a member of the body itself (`text`, not `location.name`).
    pub(crate) fn is_top_level(&self) -> bool {
        self.0.len() == 1
    }

    /// The last key, or `""` when the path ends in an index or is the root.
    pub(crate) fn last_key(&self) -> &str {
        match self.0.last() {
            Some(Seg::Key(key)) => key,
            _ => "",
        }
    }

    /// JavaScript style: `contact[0].fullName`.
    pub(crate) fn dotted(&self) -> String {
        let mut out = String::new();
        for seg in &self.0 {
            match seg {
                Seg::Key(key) if out.is_empty() => out.push_str(key),
                Seg::Key(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// Graph API style: `contacts[0]['name']['formatted_name']`.
    pub(crate) fn bracketed(&self) -> String {
        let mut out = String::new();
        for seg in &self.0 {
            match seg {
                Seg::Key(key) if out.is_empty() => out.push_str(key),
                Seg::Key(key) => out.push_str(&format!("['{key}']")),
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_print_in_both_styles() {
        let path = Path::at("/contacts/0/name/formatted_name");
        assert_eq!(path.dotted(), "contacts[0].name.formatted_name");
        assert_eq!(path.bracketed(), "contacts[0]['name']['formatted_name']");
        assert_eq!(path.last_key(), "formatted_name");
        assert_eq!(Path::at("/a~1b~0c").last_key(), "a/b~c");
        assert!(Path::at("").is_root());
        assert!(Path::at("/text").is_top_level());
        let missing = Violation {
            pointer: "/location".into(),
            kind: Broken::Missing { property: "latitude".into() },
            message: String::new(),
        };
        assert_eq!(Path::of(&missing).dotted(), "location.latitude");
    }
}
