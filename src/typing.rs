//! The typing indicator (`delivery.typing`): how long a WhatsApp-Web gateway shows "typing…"
//! before a message, scaled to its text as a person would type it: [`PER_CHAR`] a character,
//! at least [`MIN`] and at most [`MAX`]. Evolution API documents it as `delay` (its Baileys
//! instances show "composing", or "recording" before a voice note, then send; the request stays
//! open meanwhile). Contact cards, reactions and templates go without: nobody types those, and
//! Evolution ignores `delay` on them.

use crate::message::Message;
use std::time::Duration;

/// Typing time per character of text.
pub const PER_CHAR: Duration = Duration::from_millis(50);
/// The shortest typing time, also for a message without text (an image without caption).
pub const MIN: Duration = Duration::from_secs(1);
/// The longest typing time, however long the text.
pub const MAX: Duration = Duration::from_secs(8);

/// How long "typing…" shows before `message`, or `None` for a message sent without it.
pub fn delay(message: &Message) -> Option<Duration> {
    let chars = match message {
        Message::Text { body, .. } => body.chars().count(),
        Message::Media(media) => media.caption.as_deref().map_or(0, |c| c.chars().count()),
        Message::Poll(poll) => {
            poll.name.chars().count() + poll.options.iter().map(|o| o.chars().count()).sum::<usize>()
        }
        Message::Interactive(interactive) => interactive.body.chars().count(),
        Message::Location(location) => location.name.as_deref().map_or(0, |n| n.chars().count()),
        Message::Contact(_) | Message::Reaction(_) | Message::Template(_) => return None,
    };
    Some(PER_CHAR.saturating_mul(u32::try_from(chars).unwrap_or(u32::MAX)).clamp(MIN, MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &str) -> Message {
        Message::Text { body: body.into(), preview_url: None }
    }

    #[test]
    fn scales_with_the_text_within_bounds() {
        assert_eq!(delay(&text("Hi")), Some(MIN));
        assert_eq!(delay(&text(&"x".repeat(60))), Some(Duration::from_secs(3)));
        // Characters, not bytes: 60 accented letters are 120 bytes.
        assert_eq!(delay(&text(&"é".repeat(60))), Some(Duration::from_secs(3)));
        assert_eq!(delay(&text(&"x".repeat(100_000))), Some(MAX));
    }
}
