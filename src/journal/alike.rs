//! Whether a campaign new to the journal is one the journal has sent under another id: the same
//! file (relative to its repository, so another clone of it counts), or the same message and
//! recipients. Changing `id` in a sent campaign's file would otherwise message everyone again.

use super::{Journal, JournalError, MESSAGE_SECTIONS, Sections, State};
use std::fmt;

/// The sections that, with [`MESSAGE_SECTIONS`], make a campaign the same one.
const AUDIENCE: &str = "recipients";

/// A campaign the journal has sent that a new one looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookAlike {
    /// Its id.
    pub id: String,
    /// Its file, when that is what they share; `None`: they share message and recipients.
    pub file: Option<String>,
    /// Recipients it was sent to.
    pub sent: usize,
    /// Recipients whose fate is unknown (they may have it).
    pub unknown: usize,
    /// When it was first sent.
    pub first_sent_at: String,
}

impl fmt::Display for LookAlike {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = match &self.file {
            Some(file) => format!("the same file, {file}"),
            None => "the same message and recipients".into(),
        };
        let s = if self.sent == 1 { "" } else { "s" };
        write!(f, "`{}` ({shared}), sent to {} recipient{s} from {}", self.id, self.sent, self.first_sent_at)?;
        if self.unknown > 0 {
            write!(f, " ({} more unknown)", self.unknown)?;
        }
        Ok(())
    }
}

/// The campaign of the journal, other than `id`, that a campaign with `file` (relative to its
/// repository) and `sections` looks like and that reached anyone, newest first; `None` when
/// the journal knows `id` already (its re-runs are guarded by the journal itself) or nothing
/// looks like it.
pub fn look_alike(
    journal: &Journal,
    id: &str,
    file: &str,
    sections: &Sections,
) -> Result<Option<LookAlike>, JournalError> {
    let known = journal.campaigns()?;
    if known.iter().any(|k| k.name == id) {
        return Ok(None);
    }
    for k in known.iter().rev() {
        let same_file = k.file.as_deref() == Some(file);
        if !same_file && !same_content(&k.sections, sections) {
            continue;
        }
        let totals = journal.totals(&k.name)?;
        let (sent, unknown) = (totals.of(State::Sent), totals.of(State::Unknown) + totals.of(State::InFlight));
        if sent + unknown > 0 {
            return Ok(Some(LookAlike {
                id: k.name.clone(),
                file: same_file.then(|| file.to_string()),
                sent,
                unknown,
                first_sent_at: totals.first_sent_at.unwrap_or_default(),
            }));
        }
    }
    Ok(None)
}

/// Whether two campaigns say the same to the same recipients, by their section hashes.
fn same_content(a: &Sections, b: &Sections) -> bool {
    a.contains_key("message") && MESSAGE_SECTIONS.iter().chain([&AUDIENCE]).all(|s| a.get(*s) == b.get(*s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_content_is_message_and_recipients_alike() {
        let of = |pairs: &[(&str, &str)]| -> Sections {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let a = of(&[("id", "1"), ("message", "m"), ("recipients", "r"), ("delivery", "d")]);
        assert!(same_content(&a, &of(&[("id", "2"), ("message", "m"), ("recipients", "r")])));
        assert!(!same_content(&a, &of(&[("message", "m"), ("recipients", "other")])));
        assert!(!same_content(&a, &of(&[("message", "m"), ("recipients", "r"), ("vars", "v")])));
        assert!(!same_content(&of(&[]), &of(&[])), "nothing recorded is nothing alike");
    }
}
