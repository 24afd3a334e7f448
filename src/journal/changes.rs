//! Whether a campaign changed after a partial send: the file's message-shaping sections, and the
//! rendered request of every recipient the journal already knows. Sending on would give part of
//! the audience one message and the rest another, so herald refuses unless `--allow-changed`.

use std::collections::HashMap;

/// Top-level sections whose change changes what recipients receive. `provider` is not one:
/// fixing a `base_url`, a `token_env` or an account is not a change of the message, and a new
/// provider shows in every request anyway.
pub const MESSAGE_SECTIONS: [&str; 3] = ["message", "metadata", "vars"];

/// Recipients listed by example in a change; the rest are only counted.
const EXAMPLES: usize = 3;

/// What changed since the journal's last run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Campaign-file sections that differ.
    pub sections: Vec<String>,
    /// Recipients whose rendered request differs.
    pub requests: usize,
    /// The first few of them: recipient and CSV line.
    pub examples: Vec<(String, Option<u64>)>,
}

impl Changes {
    /// Compares the section hashes recorded at the last run with the current ones.
    pub fn of_sections(old: Option<&HashMap<String, String>>, new: &HashMap<String, String>) -> Changes {
        let sections = old
            .map(|old| {
                MESSAGE_SECTIONS.iter().filter(|s| old.get(**s) != new.get(**s)).map(|s| s.to_string()).collect()
            })
            .unwrap_or_default();
        Changes { sections, ..Changes::default() }
    }

    /// Notes a recipient whose request differs from the one recorded.
    pub fn request_changed(&mut self, recipient: String, csv_line: Option<u64>) {
        self.requests += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push((recipient, csv_line));
        }
    }

    /// Whether anything changed.
    pub fn any(&self) -> bool {
        !self.sections.is_empty() || self.requests > 0
    }

    /// One sentence for people.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.sections.is_empty() {
            parts.push(format!("the campaign file's `{}` changed", self.sections.join("`, `")));
        }
        if let Some((first, line)) = self.examples.first() {
            let at = line.map(|l| format!(" (CSV line {l})")).unwrap_or_default();
            let n = self.requests;
            parts.push(format!(
                "the rendered request differs for {n} recipient{} already in the journal, e.g. {first}{at}",
                if n == 1 { "" } else { "s" }
            ));
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_sections_and_requests() {
        let old = HashMap::from([("message".to_string(), "a".to_string()), ("delivery".into(), "x".into())]);
        let new = HashMap::from([("message".to_string(), "b".to_string()), ("delivery".into(), "y".into())]);
        let mut c = Changes::of_sections(Some(&old), &new);
        assert_eq!(c.sections, ["message"], "delivery is not a message section");
        for i in 0..5 {
            c.request_changed(format!("+25471000000{i}"), Some(i + 2));
        }
        assert_eq!(c.examples.len(), 3);
        assert_eq!(
            c.describe(),
            "the campaign file's `message` changed; the rendered request differs for 5 recipients already in the journal, e.g. +254710000000 (CSV line 2)"
        );
        assert!(!Changes::of_sections(None, &new).any());
    }
}
