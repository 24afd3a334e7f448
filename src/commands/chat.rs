//! `preview --chat`: a rendered message drawn as the recipient's chat would show it (real line
//! breaks, media and buttons as labels), for people checking what they are about to send.

use crate::message::{
    ButtonValue, FlowRef, Interactive, InteractiveAction, InteractiveHeader, Media, MediaSource, Message,
    TemplateHeader,
};
use crate::providers::Outgoing;

/// The message as a chat bubble: each line prefixed with `│ `.
pub fn bubble(out: &Outgoing) -> String {
    let mut lines: Vec<String> = Vec::new();
    if let Some(id) = &out.reply_to {
        lines.push(format!("↩ in reply to {id}"));
    }
    match &out.message {
        Message::Text { body, .. } => lines.extend(body.lines().map(str::to_string)),
        Message::Media(media) => media_lines(media, &mut lines),
        Message::Location(l) => {
            let label = [l.name.as_deref(), l.address.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", ");
            lines.push(format!("📍 {label} ({}, {})", l.latitude, l.longitude));
        }
        Message::Contact(contacts) => {
            lines.extend(contacts.cards.iter().map(|c| format!("👤 {} · {}", c.full_name, c.phone)));
        }
        Message::Template(t) => {
            let name = t.name.clone().or(t.id.map(|id| id.to_string())).unwrap_or_default();
            let language = t.language.as_deref().map(|l| format!(" ({l})")).unwrap_or_default();
            lines.push(format!("[approved template `{name}`{language}, with:]"));
            match &t.header {
                Some(TemplateHeader::Text { text, .. }) => lines.push(format!("  header: {text}")),
                Some(TemplateHeader::Media { kind, source, .. }) => {
                    lines.push(format!("  header: [{}] {}", kind.message_type(), source_text(source)));
                }
                Some(TemplateHeader::Location(l)) => {
                    lines.push(format!("  header: 📍 ({}, {})", l.latitude, l.longitude))
                }
                None => {}
            }
            for (n, p) in t.body.iter().enumerate() {
                lines.push(format!("  {} = {}", p.placeholder(n), p.value.shown()));
            }
            for b in &t.buttons {
                let what = match &b.value {
                    ButtonValue::Url(suffix) => format!("link …{suffix}"),
                    ButtonValue::QuickReply(payload) => format!("quick reply ({payload})"),
                    ButtonValue::CopyCode(code) => format!("copy code {code}"),
                    ButtonValue::Flow { .. } => "opens a Flow".to_string(),
                    ButtonValue::Catalog { .. } => "opens the catalog".to_string(),
                };
                lines.push(format!("  button {}: {what}", b.index));
            }
        }
        Message::Interactive(i) => interactive_lines(i, &mut lines),
        Message::Poll(p) => {
            lines.push(format!("📊 {}", p.name));
            lines.extend(p.options.iter().map(|o| format!("  ○ {o}")));
        }
        Message::Reaction(r) => lines.push(format!("reacts {} to message {}", r.emoji, r.message_id)),
    }
    lines.iter().map(|l| format!("│ {l}\n")).collect()
}

fn source_text(source: &MediaSource) -> String {
    match source {
        MediaSource::Link(url) => url.clone(),
        MediaSource::Id(id) => format!("uploaded media {id}"),
    }
}

fn media_lines(media: &Media, lines: &mut Vec<String>) {
    let name = media.filename.as_deref().map(|f| format!(": {f}")).unwrap_or_default();
    lines.push(format!("[{}{name}] {}", media.kind.message_type(), source_text(&media.source)));
    if let Some(caption) = &media.caption {
        lines.extend(caption.lines().map(str::to_string));
    }
}

fn interactive_lines(i: &Interactive, lines: &mut Vec<String>) {
    match &i.header {
        Some(InteractiveHeader::Text(text)) => lines.push(format!("**{text}**")),
        Some(InteractiveHeader::Media { kind, source, .. }) => {
            lines.push(format!("[{}] {}", kind.message_type(), source_text(source)));
        }
        None => {}
    }
    lines.extend(i.body.lines().map(str::to_string));
    if let Some(footer) = &i.footer {
        lines.push(format!("  {footer}"));
    }
    match &i.action {
        InteractiveAction::Buttons(buttons) => {
            lines.push(buttons.iter().map(|b| format!("[ {} ]", b.title)).collect::<Vec<_>>().join(" "));
        }
        InteractiveAction::List { button, sections } => {
            lines.push(format!("[ ≡ {button} ]"));
            for section in sections {
                if let Some(title) = &section.title {
                    lines.push(format!("  {title}"));
                }
                lines.extend(section.rows.iter().map(|r| format!("    • {}", r.title)));
            }
        }
        InteractiveAction::CtaUrl { label, url } => lines.push(format!("[ 🔗 {label} ] → {url}")),
        InteractiveAction::Product { product, .. } => lines.push(format!("[ product {product} ]")),
        InteractiveAction::ProductList { sections, .. } => {
            let n: usize = sections.iter().map(|s| s.products.len()).sum();
            lines.push(format!("[ view {n} products ]"));
        }
        InteractiveAction::Catalog { .. } => lines.push("[ view catalog ]".to_string()),
        InteractiveAction::Flow(flow) => {
            let which = match &flow.flow {
                FlowRef::Id(id) => id.clone(),
                FlowRef::Name(name) => name.clone(),
            };
            lines.push(format!("[ {} ] (opens Flow {which})", flow.cta));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{InteractiveAction, ReplyButton};
    use crate::providers::Mentions;

    #[test]
    fn text_keeps_its_line_breaks_and_buttons_are_drawn() {
        let text = Outgoing {
            message: Message::Text { body: "Hi Jane\nYour order shipped".into(), preview_url: None },
            metadata: None,
            reply_to: None,
            mentions: Mentions::default(),
        };
        assert_eq!(bubble(&text), "│ Hi Jane\n│ Your order shipped\n");
        let buttons = Outgoing {
            message: Message::Interactive(Interactive {
                header: Some("Delivery".into()),
                body: "When?".into(),
                footer: None,
                action: InteractiveAction::Buttons(vec![
                    ReplyButton { id: "am".into(), title: "Morning".into() },
                    ReplyButton { id: "pm".into(), title: "Evening".into() },
                ]),
            }),
            ..text
        };
        assert_eq!(bubble(&buttons), "│ **Delivery**\n│ When?\n│ [ Morning ] [ Evening ]\n");
    }

    #[test]
    fn template_parameters_show_the_placeholder_they_fill() {
        use crate::message::{BodyParam, Template};
        let template = |body: Vec<BodyParam>| Outgoing {
            message: Message::Template(Template {
                name: Some("order_confirmation".into()),
                id: None,
                language: Some("en_US".into()),
                header: None,
                body,
                buttons: vec![],
            }),
            metadata: None,
            reply_to: None,
            mentions: Mentions::default(),
        };
        let named = template(vec![BodyParam::named("first_name", "Jane"), BodyParam::named("order_number", "A-7")]);
        assert_eq!(
            bubble(&named),
            "│ [approved template `order_confirmation` (en_US), with:]\n│   {{first_name}} = Jane\n│   {{order_number}} = A-7\n"
        );
        assert!(bubble(&template(vec!["Jane".into()])).contains("│   {{1}} = Jane\n"));
    }
}
