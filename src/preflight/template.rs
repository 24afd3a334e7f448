//! The campaign's template against the account's: it exists in that language, it is approved,
//! and the campaign fills exactly what it needs — the header's parameter or media, the body's
//! parameters, the URL buttons' variables — as a send would otherwise learn from Meta's error
//! at the first request. Every finding quotes the template and names the code a send would get.

use super::place::Places;
use crate::cost::Category;
use crate::diagnostic::{Diagnostic, Severity};
use crate::message::{BodyParam, ButtonValue, MediaKind, Template as Spec, TemplateButton, TemplateHeader};
use crate::providers::account::{Button, Header, HeaderFormat, ParameterFormat, Template, TemplateStatus};

/// Characters of a template's text quoted in a finding, at most (cut back to a word's end).
const QUOTED: usize = 45;

/// The account's template the campaign names, after each finding about it; `None` when the
/// account has no such template (the finding says so).
pub(super) fn check<'t>(
    spec: &Spec,
    account: &'t [Template],
    places: &Places,
    out: &mut Vec<Diagnostic>,
) -> Option<&'t Template> {
    let name = spec.name.as_deref()?;
    let language = spec.language.as_deref().unwrap_or_default();
    let found = account.iter().find(|t| t.name == name && t.language == language);
    let Some(template) = found else {
        out.push(missing(account, name, language, places));
        return None;
    };
    status(template, places, out);
    header(template, spec.header.as_ref(), places, out);
    body(template, spec, places, out);
    buttons(template, &spec.buttons, places, out);
    Some(template)
}

/// `vip_renewal (en_US)`.
pub(super) fn title(t: &Template) -> String {
    format!("{} ({})", t.name, t.language)
}

/// The account has no template `name` in `language`: its other languages, or the closest names.
fn missing(account: &[Template], name: &str, language: &str, places: &Places) -> Diagnostic {
    let languages: Vec<&str> = account.iter().filter(|t| t.name == name).map(|t| t.language.as_str()).collect();
    if !languages.is_empty() {
        let message =
            format!("the account's template `{name}` is not in `{language}`: it has {}", languages.join(", "));
        return places.at(Severity::Error, "/message/template/language", message).help(format!(
            "set `language` to one of them, or add the {language} translation in WhatsApp Manager; a send would get Meta error 132001 (template does not exist)"
        ));
    }
    let close = close(account, name);
    let closest = match close.is_empty() {
        true => "`herald templates FILE` lists the account's templates".to_string(),
        false => format!("did you mean {}?", close.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")),
    };
    places
        .at(Severity::Error, "/message/template/name", format!("the account has no template `{name}`"))
        .help(format!("{closest}; a send would get Meta error 132001 (template does not exist)"))
}

/// The templates whose names are most like `name` (its other languages first), at most five,
/// as `name (language)`.
pub(crate) fn close(templates: &[Template], name: &str) -> Vec<String> {
    let mut scored: Vec<(f64, String)> = templates
        .iter()
        .map(|t| (strsim::jaro_winkler(name, &t.name), title(t)))
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.into_iter().take(5).map(|(_, t)| t).collect()
}

/// Only an approved template may be sent: each other status has its own reason and way out.
fn status(t: &Template, places: &Places, out: &mut Vec<Diagnostic>) {
    let (what, help) = match &t.status {
        TemplateStatus::Approved => return,
        TemplateStatus::Paused => (
            "is PAUSED: Meta paused it for low quality",
            "edit it in WhatsApp Manager and send once it is approved again, or pick another template; a send would get Meta error 132015 (template is paused)",
        ),
        TemplateStatus::Disabled => (
            "is DISABLED: it was paused too often for low quality and is disabled for good",
            "create a new template and name it here; a send would get Meta error 132016 (template is disabled)",
        ),
        TemplateStatus::Rejected => (
            "was REJECTED in review",
            "see the reason in WhatsApp Manager, fix the template and submit it again, or pick an approved one; a send would get Meta error 132001 (template does not exist or is not approved)",
        ),
        TemplateStatus::Pending => (
            "is PENDING review",
            "wait for Meta's approval (minutes to a day) and run again; a send would get Meta error 132001 (template does not exist or is not approved)",
        ),
        TemplateStatus::Other(_) => (
            "is not APPROVED",
            "only an approved template can be sent; see its state in WhatsApp Manager; a send would get Meta error 132001 (template does not exist or is not approved)",
        ),
    };
    let status = match &t.status {
        TemplateStatus::Other(s) => format!(" (status {s})"),
        _ => String::new(),
    };
    out.push(places.at(Severity::Error, "/message/template/name", format!("`{}` {what}{status}", title(t))).help(help));
}

/// The header: the parameter of a text header, the media of a media header, none where the
/// template has none.
fn header(t: &Template, given: Option<&TemplateHeader>, places: &Places, out: &mut Vec<Diagnostic>) {
    let at = "/message/template/header";
    let mismatch = |message: String, help: &str| places.at(Severity::Error, at, message).help(help.to_string());
    let Some(h) = &t.header else {
        if given.is_some() {
            out.push(mismatch(
                format!("`{}` has no header; the campaign gives one", title(t)),
                "remove `header`; a send would get Meta error 132000 (parameter count mismatch)",
            ));
        }
        return;
    };
    let wanted = media_kind(&h.format);
    match (&h.format, given) {
        (HeaderFormat::Text, Some(TemplateHeader::Text { .. })) if h.params.is_empty() => out.push(mismatch(
            format!("`{}` header: {} has no parameter; the campaign gives 1", title(t), quote(h.text.as_deref())),
            "remove `header`: the template's header text is fixed; a send would get Meta error 132000 (parameter count mismatch)",
        )),
        (HeaderFormat::Text, None) if !h.params.is_empty() => out.push(mismatch(
            format!("`{}` header: {} has 1 parameter; the campaign gives none", title(t), quote(h.text.as_deref())),
            "add `header: { type: text, text: \"…\" }`; a send would get Meta error 132000 (parameter count mismatch)",
        )),
        (HeaderFormat::Text, Some(TemplateHeader::Media { kind, .. })) => out.push(mismatch(
            format!("`{}` has a text header; the campaign gives {}", title(t), article(kind_name(*kind))),
            "give `header: { type: text, text: \"…\" }`, or none when the header has no parameter; a send would get Meta error 132012 (parameter format mismatch)",
        )),
        (HeaderFormat::Text, Some(TemplateHeader::Text { name: Some(name), .. }))
            if t.parameter_format == ParameterFormat::Named && h.params.iter().all(|p| p.name != *name) =>
        {
            let has = h.params.iter().map(|p| format!("`{}`", p.name)).collect::<Vec<_>>().join(", ");
            out.push(mismatch(
                format!("`{}` header: {} has no parameter `{name}`; it has {has}", title(t), quote(h.text.as_deref())),
                "set the header's `name` to the template's; a send would get Meta error 132000 (parameter count mismatch)",
            ))
        }
        (HeaderFormat::Text, Some(TemplateHeader::Text { name: None, .. }))
            if t.parameter_format == ParameterFormat::Named =>
        {
            let has = h.params.iter().map(|p| format!("`{}`", p.name)).collect::<Vec<_>>().join(", ");
            out.push(mismatch(
                format!("`{}` header: {} takes the named parameter {has}; the campaign gives it no `name`", title(t), quote(h.text.as_deref())),
                "add `name:` with the template's parameter name to `header`; a send would get Meta error 132012 (parameter format mismatch)",
            ))
        }
        (HeaderFormat::Text, Some(TemplateHeader::Text { name: Some(name), .. }))
            if t.parameter_format == ParameterFormat::Positional =>
        {
            out.push(mismatch(
                format!("`{}` header: {} takes its parameter by position; the campaign names it `{name}`", title(t), quote(h.text.as_deref())),
                "remove `name` from `header`; a send would get Meta error 132012 (parameter format mismatch)",
            ))
        }
        (HeaderFormat::Text, Some(TemplateHeader::Location(_))) => out.push(mismatch(
            format!("`{}` has a text header; the campaign gives a location", title(t)),
            "give `header: { type: text, text: \"…\" }`, or none when the header has no parameter; a send would get Meta error 132012 (parameter format mismatch)",
        )),
        (HeaderFormat::Other(format), _) => out.push(
            places
                .at(Severity::Warning, at, format!("`{}` has a {format} header, which herald does not check", title(t)))
                .help("make sure the campaign's `header` is what Meta expects for it; a send that is not gets Meta error 132012 (parameter format mismatch)"),
        ),
        (_, Some(TemplateHeader::Media { kind, .. })) if Some(*kind) == wanted => {}
        (HeaderFormat::Location, Some(TemplateHeader::Location(_))) => {}
        (HeaderFormat::Text, Some(TemplateHeader::Text { .. }) | None) => {}
        (format, given) => out.push(media_mismatch(t, h, format, given, places)),
    }
}

/// A media or location header the campaign does not fill with that media.
fn media_mismatch(
    t: &Template,
    h: &Header,
    format: &HeaderFormat,
    given: Option<&TemplateHeader>,
    places: &Places,
) -> Diagnostic {
    let kind = format.as_str();
    let gives = match given {
        None => "gives none".to_string(),
        Some(TemplateHeader::Text { .. }) => "gives text".to_string(),
        Some(TemplateHeader::Media { kind, .. }) => format!("gives {}", article(kind_name(*kind))),
        Some(TemplateHeader::Location(_)) => "gives a location".to_string(),
    };
    let example = match h.format {
        HeaderFormat::Location => "`header: { type: location, latitude: …, longitude: … }`".to_string(),
        _ => format!("`header: {{ type: {kind}, url: https://… }}` (or `id:` of uploaded media)"),
    };
    places
        .at(
            Severity::Error,
            "/message/template/header",
            format!("`{}` has {} header; the campaign {gives}", title(t), article(kind)),
        )
        .help(format!("add {example}; a send would get Meta error 132012 (parameter format mismatch)"))
}

/// The campaign's media kind a header format needs.
fn media_kind(format: &HeaderFormat) -> Option<MediaKind> {
    match format {
        HeaderFormat::Image => Some(MediaKind::Image),
        HeaderFormat::Video => Some(MediaKind::Video),
        HeaderFormat::Document => Some(MediaKind::Document),
        _ => None,
    }
}

/// A media kind as a header format names it.
fn kind_name(kind: MediaKind) -> &'static str {
    kind.message_type().as_str()
}

/// `an image`, `a video`.
fn article(word: &str) -> String {
    match word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => format!("an {word}"),
        false => format!("a {word}"),
    }
}

/// The body's parameters: as many as the template has, in its form — by position for a
/// positional template, by name (every name it has, no other) for a named one.
fn body(t: &Template, spec: &Spec, places: &Places, out: &mut Vec<Diagnostic>) {
    let wanted: Vec<&str> = t.body.iter().flat_map(|b| b.params.iter().map(|p| p.name.as_str())).collect();
    let text = quote(t.body.as_ref().map(|b| b.text.as_str()));
    let at = "/message/template/body";
    let named = spec.body.iter().any(|p| p.name.is_some());
    match (t.parameter_format, named) {
        (ParameterFormat::Named, true) => names(t, &wanted, &spec.body, &text, places, out),
        (ParameterFormat::Positional, true) => out.push(
            places
                .at(Severity::Error, at, format!("`{}` body: {text} takes its parameters by position; the campaign names them", title(t)))
                .help("write `body` as a list, in the order of {{1}}, {{2}}, …; a send would get Meta error 132012 (parameter format mismatch)"),
        ),
        (ParameterFormat::Named, false) if !spec.body.is_empty() => out.push(
            places
                .at(Severity::Error, at, format!("`{}` body: {text} takes named parameters ({}); the campaign gives them by position", title(t), wanted.join(", ")))
                .help(format!(
                    "write `body` as a mapping, `{}: …` each (`herald templates FILE --scaffold {}` writes it); a send would get Meta error 132012 (parameter format mismatch)",
                    wanted.join(": …, "),
                    t.name
                )),
        ),
        _ if wanted.len() != spec.body.len() => {
            let names = match t.parameter_format {
                ParameterFormat::Named => format!(" ({})", wanted.join(", ")),
                ParameterFormat::Positional => String::new(),
            };
            let message = format!(
                "`{}` body: {text} has {}{names}; the campaign gives {}",
                title(t),
                count(wanted.len(), "parameter"),
                spec.body.len()
            );
            let help = format!(
                "give exactly {} body parameter{} in order; a send would get Meta error 132000 (parameter count mismatch)",
                wanted.len(),
                if wanted.len() == 1 { "" } else { "s" }
            );
            out.push(places.at(Severity::Error, at, message).help(help));
        }
        _ => {}
    }
}

/// A named body: every name the template has is given, and no other.
fn names(t: &Template, wanted: &[&str], given: &[BodyParam], text: &str, places: &Places, out: &mut Vec<Diagnostic>) {
    let missing: Vec<&str> =
        wanted.iter().copied().filter(|w| !given.iter().any(|g| g.name.as_deref() == Some(*w))).collect();
    if !missing.is_empty() {
        let message = format!(
            "`{}` body: {text} needs {}; the campaign does not give {}",
            title(t),
            missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
            if missing.len() == 1 { "it" } else { "them" }
        );
        out.push(places.at(Severity::Error, "/message/template/body", message).help(format!(
            "add `{}: …` to `body`; a send would get Meta error 132000 (parameter count mismatch)",
            missing.join(": …`, `")
        )));
    }
    for (n, g) in given.iter().enumerate() {
        let Some(name) = g.name.as_deref().filter(|name| !wanted.contains(name)) else { continue };
        let message = format!("`{}` body: {text} has no parameter `{name}`; it has {}", title(t), wanted.join(", "));
        let close =
            wanted.iter().max_by(|a, b| strsim::jaro_winkler(name, a).total_cmp(&strsim::jaro_winkler(name, b)));
        let hint = close.map(|c| format!("did you mean `{c}`? ")).unwrap_or_default();
        out.push(places.at(Severity::Error, &g.pointer(n), message).help(format!(
            "{hint}remove it or name a parameter the template has; a send would get Meta error 132000 (parameter count mismatch)"
        )));
    }
}

/// The buttons: every button that takes its value at send time — a URL with a variable, a
/// copy-code button's coupon code, a catalog button — gets its parameter at its index, and
/// every parameter given is for a button of that index and kind.
fn buttons(t: &Template, given: &[TemplateButton], places: &Places, out: &mut Vec<Diagnostic>) {
    for (index, button) in t.buttons.iter().enumerate() {
        let Some((kind, what, fields, why)) = needed(button) else { continue };
        if given.iter().any(|b| usize::from(b.index) == index && given_kind(&b.value) == kind) {
            continue;
        }
        let message = format!("`{}` button {index} {what}; the campaign gives no `{kind}` for it", title(t));
        out.push(places.at(Severity::Error, "/message/template/buttons", message).help(format!(
            "add `{{ type: {kind}, index: {index}{fields} }}` to `buttons`{why}; a send would get Meta error 131008 (required parameter is missing)"
        )));
    }
    for (n, b) in given.iter().enumerate() {
        let at = format!("/message/template/buttons/{n}");
        let kind = given_kind(&b.value);
        let Some(button) = t.buttons.get(usize::from(b.index)) else {
            let message = format!(
                "`{}` has no button {} ({} in all); the campaign gives a `{kind}` parameter for it",
                title(t),
                b.index,
                t.buttons.len()
            );
            out.push(places.at(Severity::Error, &at, message).help(
                "remove it, or set `index` to the button's place in the template (from 0); a send would get Meta error 132000 (parameter count mismatch)",
            ));
            continue;
        };
        let fits = match (button, &b.value) {
            (Button::Url { variable, .. }, ButtonValue::Url(_)) => *variable,
            (Button::QuickReply { .. }, ButtonValue::QuickReply(_))
            | (Button::CopyCode { .. }, ButtonValue::CopyCode(_))
            | (Button::Flow { .. }, ButtonValue::Flow { .. }) => true,
            (Button::Other { kind, .. }, ButtonValue::Catalog { .. }) => kind.eq_ignore_ascii_case("catalog"),
            _ => false,
        };
        if !fits {
            let message = format!(
                "`{}` button {} is {}; the campaign gives a `{kind}` parameter for it",
                title(t),
                b.index,
                template_kind(button)
            );
            out.push(places.at(Severity::Error, &at, message).help(
                "give the parameter its button's kind, or set `index` to the button it is for; a send would get Meta error 132012 (parameter format mismatch)",
            ));
        }
    }
}

/// The parameter a template button needs at send time: its `type`, what the button does, the
/// rest of the campaign's entry and why; `None` for a button that needs none.
fn needed(b: &Button) -> Option<(&'static str, String, &'static str, &'static str)> {
    match b {
        Button::Url { text, url, variable: true, .. } => Some((
            "url",
            format!("\"{text}\" links to {url}"),
            ", text: \"…\"",
            " (the part of the link that replaces {{1}})",
        )),
        Button::CopyCode { .. } => {
            Some(("copy_code", "copies a coupon code".into(), ", code: \"…\"", " (Meta takes the code at send time)"))
        }
        Button::Other { kind, text } if kind.eq_ignore_ascii_case("catalog") => {
            Some(("catalog", format!("\"{text}\" opens the catalog"), "", ""))
        }
        _ => None,
    }
}

/// A campaign button parameter's `type`.
fn given_kind(v: &ButtonValue) -> &'static str {
    match v {
        ButtonValue::Url(_) => "url",
        ButtonValue::QuickReply(_) => "quick_reply",
        ButtonValue::CopyCode(_) => "copy_code",
        ButtonValue::Flow { .. } => "flow",
        ButtonValue::Catalog { .. } => "catalog",
    }
}

/// A template button, for people.
fn template_kind(b: &Button) -> String {
    match b {
        Button::QuickReply { text } => format!("a quick reply \"{text}\""),
        Button::Url { text, url, variable: true, .. } => format!("a link \"{text}\" ({url})"),
        Button::Url { text, url, .. } => format!("a link \"{text}\" to {url}, with no variable"),
        Button::CopyCode { .. } => "a copy-code button".into(),
        Button::Flow { text } => format!("a Flow button \"{text}\""),
        Button::PhoneNumber { text } => format!("a call button \"{text}\", with no parameter"),
        Button::Other { kind, text } => format!("a {kind} button \"{text}\""),
    }
}

/// The category the campaign declares (`message.category`, `None` when it declares none)
/// against the template's: Meta bills by the template's.
pub(super) fn category(t: &Template, declared: Option<Category>, places: &Places, out: &mut Vec<Diagnostic>) {
    let Some(declared) = declared.map(Category::as_str) else { return };
    if declared.eq_ignore_ascii_case(&t.category) {
        return;
    }
    let message = format!("the campaign declares `{declared}` but the account has `{}` as {}", title(t), t.category);
    out.push(places.at(Severity::Warning, "/message/category", message).help(format!(
        "Meta bills by the template's category when it is sent; set `category: {}` so the estimate prices it so",
        t.category.to_ascii_lowercase()
    )));
}

/// `"Dear {{1}}, your VIP membership …"`: a template's text, quoted and shortened.
pub(super) fn quote(text: Option<&str>) -> String {
    let text = text.unwrap_or_default().replace('\n', " ");
    match text.char_indices().nth(QUOTED) {
        Some((end, _)) => {
            let cut = text[..end].rfind(' ').unwrap_or(end);
            format!("\"{} …\"", text[..cut].trim_end())
        }
        None => format!("\"{text}\""),
    }
}

/// `2 parameters`, `1 parameter`.
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{MediaSource, TemplateParam};
    use crate::providers::account::{Body, Param};

    fn account(
        status: TemplateStatus,
        format: ParameterFormat,
        header: Option<Header>,
        buttons: Vec<Button>,
    ) -> Template {
        let param = |n: &str| Param { name: n.into(), example: None };
        let names = match format {
            ParameterFormat::Named => ["first_name"],
            ParameterFormat::Positional => ["1"],
        };
        Template {
            name: "t".into(),
            language: "en".into(),
            status,
            category: "UTILITY".into(),
            parameter_format: format,
            header,
            body: Some(Body { text: format!("Hi {{{{{}}}}}", names[0]), params: names.map(param).to_vec() }),
            footer: None,
            buttons,
        }
    }

    fn spec(header: Option<TemplateHeader>, body: Vec<BodyParam>, buttons: Vec<TemplateButton>) -> Spec {
        Spec { name: Some("t".into()), id: None, language: Some("en".into()), header, body, buttons }
    }

    fn messages(t: &Template, s: &Spec) -> Vec<String> {
        let mut out = Vec::new();
        check(s, std::slice::from_ref(t), &Places::nowhere(), &mut out);
        out.into_iter().map(|d| d.message).collect()
    }

    fn text(v: &str) -> BodyParam {
        BodyParam::from(TemplateParam::Text(v.into()))
    }

    #[test]
    fn rejected_and_pending_templates_each_say_why() {
        let s = spec(None, vec![text("a")], vec![]);
        let rejected = account(TemplateStatus::Rejected, ParameterFormat::Positional, None, vec![]);
        assert_eq!(messages(&rejected, &s), ["`t (en)` was REJECTED in review"]);
        let pending = account(TemplateStatus::Pending, ParameterFormat::Positional, None, vec![]);
        assert_eq!(messages(&pending, &s), ["`t (en)` is PENDING review"]);
        let other = account(TemplateStatus::Other("LIMIT_EXCEEDED".into()), ParameterFormat::Positional, None, vec![]);
        assert_eq!(messages(&other, &s), ["`t (en)` is not APPROVED (status LIMIT_EXCEEDED)"]);
    }

    #[test]
    fn headers_match_in_kind_and_name() {
        let approved = |h| account(TemplateStatus::Approved, ParameterFormat::Named, Some(h), vec![]);
        let named = |n: &str| vec![BodyParam::named(n, "a")];
        let text_header = Header {
            format: HeaderFormat::Text,
            text: Some("Hi {{who}}".into()),
            params: vec![Param { name: "who".into(), example: None }],
        };
        let given = TemplateHeader::Text { text: "Ann".into(), name: Some("whom".into()) };
        assert_eq!(
            messages(&approved(text_header.clone()), &spec(Some(given), named("first_name"), vec![])),
            ["`t (en)` header: \"Hi {{who}}\" has no parameter `whom`; it has `who`"]
        );
        let video = Header { format: HeaderFormat::Video, text: None, params: vec![] };
        let image = TemplateHeader::Media {
            kind: MediaKind::Image,
            source: MediaSource::Link("https://x/a.jpg".into()),
            filename: None,
        };
        assert_eq!(
            messages(&approved(video), &spec(Some(image.clone()), named("first_name"), vec![])),
            ["`t (en)` has a video header; the campaign gives an image"]
        );
        let none = account(TemplateStatus::Approved, ParameterFormat::Positional, None, vec![]);
        assert_eq!(
            messages(&none, &spec(Some(image), vec![text("a")], vec![])),
            ["`t (en)` has no header; the campaign gives one"]
        );
    }

    fn helps(t: &Template, s: &Spec) -> Vec<String> {
        let mut out = Vec::new();
        check(s, std::slice::from_ref(t), &Places::nowhere(), &mut out);
        out.into_iter().filter_map(|d| d.help).collect()
    }

    #[test]
    fn a_url_button_without_its_parameter_names_meta_s_131008() {
        let link = Button::Url { text: "Go".into(), url: "https://x/{{1}}".into(), variable: true, example: None };
        let t = account(TemplateStatus::Approved, ParameterFormat::Positional, None, vec![link]);
        let help = helps(&t, &spec(None, vec![text("a")], vec![]));
        assert_eq!(help.len(), 1, "{help:?}");
        assert!(help[0].ends_with("a send would get Meta error 131008 (required parameter is missing)"), "{help:?}");
    }

    #[test]
    fn copy_code_and_catalog_buttons_need_their_parameter() {
        let catalog = Button::Other { kind: "CATALOG".into(), text: "View".into() };
        let t = account(
            TemplateStatus::Approved,
            ParameterFormat::Positional,
            None,
            vec![Button::CopyCode { example: None }, catalog],
        );
        let s = spec(None, vec![text("a")], vec![]);
        assert_eq!(
            messages(&t, &s),
            [
                "`t (en)` button 0 copies a coupon code; the campaign gives no `copy_code` for it",
                "`t (en)` button 1 \"View\" opens the catalog; the campaign gives no `catalog` for it",
            ]
        );
        assert!(helps(&t, &s).iter().all(|h| h.ends_with("Meta error 131008 (required parameter is missing)")));
        let given = vec![
            TemplateButton { index: 0, value: ButtonValue::CopyCode("C".into()) },
            TemplateButton { index: 1, value: ButtonValue::Catalog { thumbnail: None } },
        ];
        assert!(messages(&t, &spec(None, vec![text("a")], given)).is_empty());
    }

    #[test]
    fn text_headers_take_the_template_s_form_and_unknown_formats_warn() {
        let header = |format, text: &str, name: &str| Header {
            format,
            text: Some(text.into()),
            params: vec![Param { name: name.into(), example: None }],
        };
        let named = account(
            TemplateStatus::Approved,
            ParameterFormat::Named,
            Some(header(HeaderFormat::Text, "Hi {{who}}", "who")),
            vec![],
        );
        let body = vec![BodyParam::named("first_name", "a")];
        let unnamed = TemplateHeader::Text { text: "Ann".into(), name: None };
        assert_eq!(
            messages(&named, &spec(Some(unnamed.clone()), body, vec![])),
            ["`t (en)` header: \"Hi {{who}}\" takes the named parameter `who`; the campaign gives it no `name`"]
        );
        let positional = account(
            TemplateStatus::Approved,
            ParameterFormat::Positional,
            Some(header(HeaderFormat::Text, "Hi {{1}}", "1")),
            vec![],
        );
        let given = TemplateHeader::Text { text: "Ann".into(), name: Some("who".into()) };
        assert_eq!(
            messages(&positional, &spec(Some(given), vec![text("a")], vec![])),
            ["`t (en)` header: \"Hi {{1}}\" takes its parameter by position; the campaign names it `who`"]
        );
        let place = crate::message::Location { latitude: 1.0, longitude: 2.0, name: None, address: None };
        let location = TemplateHeader::Location(place);
        assert_eq!(
            messages(&positional, &spec(Some(location), vec![text("a")], vec![])),
            ["`t (en)` has a text header; the campaign gives a location"]
        );
        let gif = account(
            TemplateStatus::Approved,
            ParameterFormat::Positional,
            Some(Header { format: HeaderFormat::Other("GIF".into()), text: None, params: vec![] }),
            vec![],
        );
        let mut out = Vec::new();
        check(&spec(Some(unnamed), vec![text("a")], vec![]), std::slice::from_ref(&gif), &Places::nowhere(), &mut out);
        let found: Vec<_> = out.iter().map(|d| (d.severity, d.message.as_str())).collect();
        assert_eq!(found, [(Severity::Warning, "`t (en)` has a GIF header, which herald does not check")]);
    }

    #[test]
    fn button_parameters_fit_the_template_s_buttons() {
        let buttons = vec![Button::QuickReply { text: "Yes".into() }, Button::CopyCode { example: None }];
        let t = account(TemplateStatus::Approved, ParameterFormat::Positional, None, buttons);
        let given = |index, value| TemplateButton { index, value };
        let s = spec(
            None,
            vec![text("a")],
            vec![
                given(0, ButtonValue::QuickReply("p".into())),
                given(1, ButtonValue::Url("x".into())),
                given(4, ButtonValue::CopyCode("C".into())),
            ],
        );
        assert_eq!(
            messages(&t, &s),
            [
                "`t (en)` button 1 copies a coupon code; the campaign gives no `copy_code` for it",
                "`t (en)` button 1 is a copy-code button; the campaign gives a `url` parameter for it",
                "`t (en)` has no button 4 (2 in all); the campaign gives a `copy_code` parameter for it",
            ]
        );
    }
}
