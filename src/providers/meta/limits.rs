//! Meta's documented limits on Cloud API messages, shared by every provider that relays to the
//! Cloud API: the Cloud API itself, Evolution (buttons, lists, templates), AutoKonnect and
//! FlowIQ (whose own docs restate the interactive limits). Numbers come from Meta's OpenAPI spec
//! (`business-messaging-api` v23.0: `TextMessage`, `MediaObject`, `InteractiveObject`,
//! `ActionObject`, `SectionObject`) and Meta's message pages.

use crate::message::{
    ButtonValue, Interactive, InteractiveAction, InteractiveHeader, ListSection, Media, MediaKind, MediaSource,
    Message, ProductSection, Reaction, Template, TemplateHeader,
};
use crate::providers::{Finding, RateLimit, check_len, is_one_emoji};

/// Messages a second one business number sends by default (Meta's throughput page; eligible
/// numbers are raised to 1,000, coexistence numbers held at 20).
pub(crate) const THROUGHPUT: RateLimit =
    RateLimit { per_sec: 80.0, what: "Meta's default throughput of 80 messages a second per number" };

/// Characters in a text message body.
const TEXT_MAX: usize = 4096;
/// Characters in a media caption.
const CAPTION_MAX: usize = 1024;
/// Characters in an interactive body.
const BODY_MAX: usize = 1024;
/// Characters in an interactive text header or footer.
const HEADER_FOOTER_MAX: usize = 60;
/// Reply buttons in one message.
const BUTTONS_MAX: usize = 3;
/// Characters in a reply button title, and in the label of the button that opens a list.
const BUTTON_TITLE_MAX: usize = 20;
/// Characters in a reply button id.
const BUTTON_ID_MAX: usize = 256;
/// Sections in a list.
const SECTIONS_MAX: usize = 10;
/// Characters in a section title and in a row title.
const ROW_TITLE_MAX: usize = 24;
/// Characters in a row description.
const ROW_DESCRIPTION_MAX: usize = 72;
/// Characters in a row id.
const ROW_ID_MAX: usize = 200;
/// Rows in a whole list.
const ROWS_MAX: usize = 10;
/// Products in a whole product list.
const PRODUCTS_MAX: usize = 30;
/// Characters in a Flow button's label.
const FLOW_CTA_MAX: usize = 30;
/// Characters in a copy-code button's coupon code.
const COUPON_CODE_MAX: usize = 15;
/// Buttons in a template (button index 0–9).
const TEMPLATE_BUTTONS_MAX: usize = 10;

/// Checks `message` against Meta's limits, adding an error per field over a limit.
pub(crate) fn check(findings: &mut Vec<Finding>, message: &Message) {
    match message {
        Message::Text { body, .. } => check_len(findings, "/message/text", "The text", body, TEXT_MAX),
        Message::Media(media) => check_media(findings, media),
        Message::Template(template) => check_template(findings, template),
        Message::Interactive(interactive) => check_interactive(findings, interactive),
        Message::Reaction(reaction) => check_reaction(findings, reaction),
        Message::Location(_) | Message::Contact(_) | Message::Poll(_) => {}
    }
}

/// Whether Meta will fetch `url`: it downloads media over HTTP(S) only.
fn is_http(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn check_url(findings: &mut Vec<Finding>, pointer: &str, url: &str) {
    if !is_http(url) {
        findings.push(Finding::error(
            pointer,
            format!("WhatsApp takes only http:// or https:// URLs here, and `{url}` is neither"),
        ));
    }
}

fn check_media(findings: &mut Vec<Finding>, media: &Media) {
    if let Some(url) = media.link() {
        check_url(findings, "/message/media/url", url);
    }
    let captioned = matches!(media.kind, MediaKind::Image | MediaKind::Video | MediaKind::Document);
    if let Some(caption) = media.caption.as_ref().filter(|_| captioned) {
        check_len(findings, "/message/media/caption", "The caption", caption, CAPTION_MAX);
    }
}

fn check_template(findings: &mut Vec<Finding>, template: &Template) {
    if let Some(TemplateHeader::Media { kind, filename: Some(_), .. }) = &template.header {
        header_file_name(findings, "/message/template/header/filename", *kind);
    }
    match &template.header {
        Some(TemplateHeader::Media { source: MediaSource::Link(url), .. }) => {
            check_url(findings, "/message/template/header", url)
        }
        Some(TemplateHeader::Text { text, .. }) => check_parameter(findings, "/message/template/header/text", text),
        Some(TemplateHeader::Media { source: MediaSource::Id(_), .. } | TemplateHeader::Location(_)) | None => {}
    }
    for (n, parameter) in template.body.iter().enumerate() {
        check_parameter(findings, &parameter.pointer(n), parameter.value.shown());
    }
    for (n, button) in template.buttons.iter().enumerate() {
        if let ButtonValue::CopyCode(code) = &button.value {
            let at = format!("/message/template/buttons/{n}/code");
            check_len(findings, &at, "The coupon code", code, COUPON_CODE_MAX);
        }
    }
    if template.buttons.len() > TEMPLATE_BUTTONS_MAX {
        findings.push(Finding::error(
            "/message/template/buttons",
            format!(
                "{} button parameters given; a template has at most {TEMPLATE_BUTTONS_MAX} buttons",
                template.buttons.len()
            ),
        ));
    }
}

/// Warns that a header's file name is dropped unless the header is a document.
fn header_file_name(findings: &mut Vec<Finding>, pointer: &str, kind: MediaKind) {
    if kind != MediaKind::Document {
        findings.push(Finding::warning(
            pointer,
            format!(
                "only document headers show a file name; this {} header's `filename` will not be sent",
                kind.message_type()
            ),
        ));
    }
}

/// Meta refuses a template parameter holding a newline, a tab or more than four spaces in a row
/// ("Param text cannot have new-line/tab characters or more than 4 consecutive spaces"), so a
/// recipient whose values produce one is caught before sending.
fn check_parameter(findings: &mut Vec<Finding>, pointer: &str, text: &str) {
    let why = if text.contains(['\n', '\r']) {
        "a line break"
    } else if text.contains('\t') {
        "a tab"
    } else if text.contains("     ") {
        "more than four spaces in a row"
    } else if text.trim().is_empty() {
        "nothing but whitespace"
    } else {
        return;
    };
    findings.push(Finding::error(
        pointer,
        format!(
            "this template parameter has {why}, which Meta refuses; put line breaks in the approved template instead"
        ),
    ));
}

fn check_interactive(findings: &mut Vec<Finding>, interactive: &Interactive) {
    check_len(findings, "/message/interactive/body", "The body", &interactive.body, BODY_MAX);
    let header = "/message/interactive/header";
    match &interactive.header {
        Some(InteractiveHeader::Text(text)) => check_len(findings, header, "The header", text, HEADER_FOOTER_MAX),
        Some(InteractiveHeader::Media { source, kind, filename }) => {
            if filename.is_some() {
                header_file_name(findings, "/message/interactive/header/filename", *kind);
            }
            if let MediaSource::Link(url) = source {
                check_url(findings, header, url);
            }
            if matches!(interactive.action, InteractiveAction::List { .. }) {
                findings
                    .push(Finding::error(header, "a list's header can only be text; WhatsApp shows no media on lists"));
            }
        }
        None => {}
    }
    if let Some(footer) = &interactive.footer {
        check_len(findings, "/message/interactive/footer", "The footer", footer, HEADER_FOOTER_MAX);
    }
    match &interactive.action {
        InteractiveAction::Buttons(buttons) => {
            if buttons.is_empty() || buttons.len() > BUTTONS_MAX {
                findings.push(Finding::error(
                    "/message/interactive/buttons",
                    format!("{} reply buttons given; WhatsApp shows 1 to {BUTTONS_MAX}", buttons.len()),
                ));
            }
            for (n, button) in buttons.iter().enumerate() {
                let at = format!("/message/interactive/buttons/{n}");
                check_len(findings, &format!("{at}/id"), "The button id", &button.id, BUTTON_ID_MAX);
                check_len(findings, &format!("{at}/title"), "The button title", &button.title, BUTTON_TITLE_MAX);
                if let Some(first) = buttons[..n].iter().position(|b| b.title == button.title) {
                    findings.push(Finding::error(
                        format!("{at}/title"),
                        format!(
                            "button titles must be unique, and `{}` is also the title of button {first}",
                            button.title
                        ),
                    ));
                }
            }
        }
        InteractiveAction::List { button, sections } => {
            check_len(findings, "/message/interactive/list/button", "The list button label", button, BUTTON_TITLE_MAX);
            check_list(findings, sections);
        }
        InteractiveAction::CtaUrl { label, url } => {
            let at = "/message/interactive/cta_url";
            check_len(findings, &format!("{at}/display_text"), "The link button label", label, BUTTON_TITLE_MAX);
            check_url(findings, &format!("{at}/url"), url);
        }
        InteractiveAction::Product { .. } => {
            if interactive.header.is_some() {
                findings.push(Finding::error(header, "a single-product message has no header; remove `header`"));
            }
        }
        InteractiveAction::ProductList { sections, .. } => {
            if interactive.header.as_ref().and_then(InteractiveHeader::text).is_none() {
                findings.push(Finding::error(header, "a product list needs a text `header`"));
            }
            check_product_sections(findings, sections);
        }
        InteractiveAction::Catalog { .. } => {}
        InteractiveAction::Flow(flow) => {
            check_len(findings, "/message/interactive/flow/cta", "The Flow button label", &flow.cta, FLOW_CTA_MAX);
        }
    }
}

fn check_product_sections(findings: &mut Vec<Finding>, sections: &[ProductSection]) {
    let at = "/message/interactive/product_list/sections";
    if sections.is_empty() || sections.len() > SECTIONS_MAX {
        findings.push(Finding::error(
            at,
            format!("{} sections given; a product list has 1 to {SECTIONS_MAX}", sections.len()),
        ));
    }
    let products: usize = sections.iter().map(|s| s.products.len()).sum();
    if products > PRODUCTS_MAX {
        findings.push(Finding::error(
            at,
            format!("the list has {products} products in all; WhatsApp allows at most {PRODUCTS_MAX}"),
        ));
    }
    for (s, section) in sections.iter().enumerate() {
        match &section.title {
            Some(title) => check_len(findings, &format!("{at}/{s}/title"), "The section title", title, ROW_TITLE_MAX),
            None if sections.len() > 1 => findings.push(Finding::error(
                format!("{at}/{s}/title"),
                "a product list with more than one section needs a title on every section",
            )),
            None => {}
        }
        if section.products.is_empty() {
            findings.push(Finding::error(format!("{at}/{s}/products"), "every section needs at least one product"));
        }
    }
}

fn check_list(findings: &mut Vec<Finding>, sections: &[ListSection]) {
    let rows: usize = sections.iter().map(|s| s.rows.len()).sum();
    if sections.is_empty() || sections.len() > SECTIONS_MAX {
        findings.push(Finding::error(
            "/message/interactive/list/sections",
            format!("{} sections given; a list has 1 to {SECTIONS_MAX}", sections.len()),
        ));
    } else if rows > ROWS_MAX {
        findings.push(Finding::error(
            "/message/interactive/list/sections",
            format!("the list has {rows} rows in all; WhatsApp allows at most {ROWS_MAX}"),
        ));
    }
    let mut ids: Vec<&str> = Vec::new();
    for (s, section) in sections.iter().enumerate() {
        let at = format!("/message/interactive/list/sections/{s}");
        match &section.title {
            Some(title) => check_len(findings, &format!("{at}/title"), "The section title", title, ROW_TITLE_MAX),
            None if sections.len() > 1 => findings.push(Finding::error(
                format!("{at}/title"),
                "a list with more than one section needs a title on every section",
            )),
            None => {}
        }
        if section.rows.is_empty() {
            findings.push(Finding::error(format!("{at}/rows"), "every section needs at least one row"));
        }
        for (r, row) in section.rows.iter().enumerate() {
            let at = format!("{at}/rows/{r}");
            check_len(findings, &format!("{at}/id"), "The row id", &row.id, ROW_ID_MAX);
            check_len(findings, &format!("{at}/title"), "The row title", &row.title, ROW_TITLE_MAX);
            if let Some(description) = &row.description {
                check_len(
                    findings,
                    &format!("{at}/description"),
                    "The row description",
                    description,
                    ROW_DESCRIPTION_MAX,
                );
            }
            if ids.contains(&row.id.as_str()) {
                findings.push(Finding::error(
                    format!("{at}/id"),
                    format!("row ids must be unique across the list, and `{}` is used twice", row.id),
                ));
            }
            ids.push(&row.id);
        }
    }
}

fn check_reaction(findings: &mut Vec<Finding>, reaction: &Reaction) {
    if !reaction.emoji.is_empty() && !is_one_emoji(&reaction.emoji) {
        findings.push(Finding::error(
            "/message/reaction/emoji",
            format!("`{}` is not a single emoji; a reaction is one emoji, or empty to remove one", reaction.emoji),
        ));
    }
}

#[cfg(test)]
mod tests {
    //! Findings for messages that break Meta's limits, and none for some that just meet them.

    use super::*;
    use crate::message::{ButtonValue, ListRow, ReplyButton, TemplateButton};
    use crate::providers::Severity;

    fn errors(message: &Message) -> Vec<String> {
        let mut findings = Vec::new();
        check(&mut findings, message);
        assert!(findings.iter().all(|f| f.severity == Severity::Error), "{findings:?}");
        findings.into_iter().map(|f| f.pointer).collect()
    }

    fn buttons(buttons: Vec<ReplyButton>) -> Message {
        Message::Interactive(Interactive {
            header: Some(InteractiveHeader::Text("h".repeat(61))),
            body: "b".repeat(1025),
            footer: Some("f".repeat(61)),
            action: InteractiveAction::Buttons(buttons),
        })
    }

    fn button(id: &str, title: &str) -> ReplyButton {
        ReplyButton { id: id.into(), title: title.into() }
    }

    fn row(id: &str, title: &str, description: Option<&str>) -> ListRow {
        ListRow { id: id.into(), title: title.into(), description: description.map(Into::into) }
    }

    fn list(button: &str, sections: Vec<ListSection>) -> Message {
        Message::Interactive(Interactive {
            header: None,
            body: "Pick one".into(),
            footer: None,
            action: InteractiveAction::List { button: button.into(), sections },
        })
    }

    #[test]
    fn text_and_caption_limits_count_characters_not_bytes() {
        let ok = Message::Text { body: "é".repeat(4096), preview_url: None };
        assert!(errors(&ok).is_empty());
        let long = Message::Text { body: "a".repeat(4097), preview_url: None };
        assert_eq!(errors(&long), ["/message/text"]);
        let media = Message::Media(Media {
            kind: MediaKind::Image,
            source: MediaSource::Link("ftp://example.com/a.jpg".into()),
            caption: Some("c".repeat(1025)),
            filename: None,
            mime_type: None,
            mime_type_explicit: false,
            view_once: None,
            note: None,
            gif: None,
        });
        assert_eq!(errors(&media), ["/message/media/url", "/message/media/caption"]);
    }

    #[test]
    fn buttons_are_limited_in_number_length_and_uniqueness() {
        let ok = Message::Interactive(Interactive {
            header: Some(InteractiveHeader::Text("h".repeat(60))),
            body: "b".repeat(1024),
            footer: Some("f".repeat(60)),
            action: InteractiveAction::Buttons(vec![button(&"i".repeat(256), &"t".repeat(20))]),
        });
        assert!(errors(&ok).is_empty());
        let bad = buttons(vec![button("1", "Yes"), button(&"i".repeat(257), &"t".repeat(21)), button("3", "Yes")]);
        assert_eq!(
            errors(&bad),
            [
                "/message/interactive/body",
                "/message/interactive/header",
                "/message/interactive/footer",
                "/message/interactive/buttons/1/id",
                "/message/interactive/buttons/1/title",
                "/message/interactive/buttons/2/title",
            ]
        );
        let four = vec![button("1", "a"), button("2", "b"), button("3", "c"), button("4", "d")];
        assert!(errors(&buttons(four)).contains(&"/message/interactive/buttons".to_string()));
        assert!(errors(&buttons(vec![])).contains(&"/message/interactive/buttons".to_string()));
    }

    #[test]
    fn lists_are_limited_per_section_and_row() {
        let bad = list(
            &"b".repeat(21),
            vec![
                ListSection {
                    title: Some("s".repeat(25)),
                    rows: vec![row(&"i".repeat(201), &"t".repeat(25), Some(&"d".repeat(73))), row("x", "X", None)],
                },
                ListSection { title: None, rows: vec![row("x", "Again", None)] },
                ListSection { title: Some("Empty".into()), rows: vec![] },
            ],
        );
        assert_eq!(
            errors(&bad),
            [
                "/message/interactive/list/button",
                "/message/interactive/list/sections/0/title",
                "/message/interactive/list/sections/0/rows/0/id",
                "/message/interactive/list/sections/0/rows/0/title",
                "/message/interactive/list/sections/0/rows/0/description",
                "/message/interactive/list/sections/1/title",
                "/message/interactive/list/sections/1/rows/0/id",
                "/message/interactive/list/sections/2/rows",
            ]
        );
    }

    #[test]
    fn lists_hold_one_to_ten_sections_and_at_most_ten_rows() {
        let one_untitled = list("Menu", vec![ListSection { title: None, rows: vec![row("1", "One", Some("d"))] }]);
        assert!(errors(&one_untitled).is_empty());
        assert_eq!(errors(&list("Menu", vec![])), ["/message/interactive/list/sections"]);
        let rows = (0..11).map(|n| row(&n.to_string(), "Row", None)).collect();
        let eleven = list("Menu", vec![ListSection { title: None, rows }]);
        assert_eq!(errors(&eleven), ["/message/interactive/list/sections"]);
        let sections = (0..11).map(|n| ListSection { title: Some(n.to_string()), rows: vec![] }).collect();
        assert!(errors(&list("Menu", sections)).starts_with(&["/message/interactive/list/sections".to_string()]));
    }

    #[test]
    fn reactions_are_one_emoji_or_empty() {
        for emoji in ["👍", "", "❤️", "👍🏽", "🇰🇪", "👨‍👩‍👧"] {
            let r = Message::Reaction(Reaction { message_id: "wamid.X".into(), emoji: emoji.into(), from_me: false });
            assert!(errors(&r).is_empty(), "{emoji}");
        }
        for emoji in ["ok", "👍👍", ":+1:"] {
            let r = Message::Reaction(Reaction { message_id: "wamid.X".into(), emoji: emoji.into(), from_me: false });
            assert_eq!(errors(&r), ["/message/reaction/emoji"], "{emoji}");
        }
    }

    #[test]
    fn template_parameters_cannot_hold_line_breaks_tabs_or_runs_of_spaces() {
        let template = |body: Vec<&str>| {
            Message::Template(Template {
                name: Some("t".into()),
                id: None,
                language: Some("en".into()),
                header: Some(TemplateHeader::Text { text: "a\nb".into(), name: None }),
                body: body.into_iter().map(Into::into).collect(),
                buttons: vec![],
            })
        };
        let found = errors(&template(vec!["ok", "two\nlines", "a\tb", "five     spaces", "four    ok", " "]));
        assert_eq!(
            found,
            [
                "/message/template/header/text",
                "/message/template/body/1",
                "/message/template/body/2",
                "/message/template/body/3",
                "/message/template/body/5"
            ]
        );
    }

    #[test]
    fn template_header_media_must_be_http_and_buttons_at_most_ten() {
        let template = Template {
            name: Some("promo".into()),
            id: None,
            language: Some("en_US".into()),
            header: Some(TemplateHeader::Media {
                kind: MediaKind::Image,
                source: MediaSource::Link("file:///tmp/a.jpg".into()),
                filename: None,
            }),
            body: vec![],
            buttons: vec![TemplateButton { index: 0, value: ButtonValue::QuickReply("p".into()) }; 11],
        };
        assert_eq!(errors(&Message::Template(template)), ["/message/template/header", "/message/template/buttons"]);
    }
}
