//! The campaign `message:` block for one template, as campaigns write template messages
//! (docs/campaign.md, `message.template`): every parameter the template takes is present, as a
//! placeholder variable (`{{ body_1 }}`, or the parameter's own name for named templates) with
//! a YAML comment quoting the template's placeholder and its approved example. A positional
//! body is a list; a named one is a mapping of each name to its value, and a named text header
//! says its `name`. Buttons are written with their `index`; those that take nothing are named
//! in a comment.

use crate::providers::account::{Button, Header, HeaderFormat, Param, ParameterFormat, Template, TemplateStatus};

/// The block, ready to paste into a campaign file.
pub(super) fn block(t: &Template) -> String {
    let mut s = format!("# {} ({}) · {} · {}\n", t.name, t.language, t.category, t.status.as_str());
    if t.status != TemplateStatus::Approved {
        s.push_str(&format!("# status {}: Meta refuses to send it until it is APPROVED again\n", t.status.as_str()));
    }
    if t.parameter_format == ParameterFormat::Named {
        s.push_str(
            "# its parameters are NAMED: `body` maps each {{name}} to its value, sent as its `parameter_name`\n",
        );
    }
    s.push_str("message:\n  type: template\n  template:\n");
    s.push_str(&format!("    name: {}\n    language: {}\n", quote(&t.name), quote(&t.language)));
    if let Some(h) = &t.header {
        s.push_str(&header(h, t.parameter_format));
    }
    if let Some(b) = t.body.as_ref().filter(|b| !b.params.is_empty()) {
        s.push_str(&format!("    # body: {}\n    body:\n", quote(&b.text)));
        for p in &b.params {
            let value = quote(&format!("{{{{ {} }}}}", variable("body", p, t.parameter_format)));
            let entry = match t.parameter_format {
                ParameterFormat::Named => format!("{}: {value}", key(&p.name)),
                ParameterFormat::Positional => format!("- {value}"),
            };
            s.push_str(&format!("      {entry}  # {}\n", about(p)));
        }
    }
    let mut entries = Vec::new();
    for (i, b) in t.buttons.iter().enumerate() {
        match button(i, b) {
            Scaffolded::Entry(line) => entries.push(line),
            Scaffolded::Note(note) => s.push_str(&format!("    # {note}\n")),
        }
    }
    if !entries.is_empty() {
        s.push_str("    buttons:\n");
        for line in entries {
            s.push_str(&format!("      - {line}\n"));
        }
    }
    s
}

/// The `header:` line, or a comment when the header takes nothing.
fn header(h: &Header, format: ParameterFormat) -> String {
    let media = |kind: &str, extra: &str| {
        format!(
            "    header: {{ type: {kind}, url: \"{{{{ header_{kind}_url }}}}\"{extra} }}  # a public https URL of the {kind} (or an uploaded media `id` instead of `url`)\n"
        )
    };
    match &h.format {
        HeaderFormat::Text => match h.params.first() {
            Some(p) => format!(
                "    # header: {}\n    header: {{ type: text, text: {}{} }}  # {}\n",
                quote(h.text.as_deref().unwrap_or_default()),
                quote(&format!("{{{{ {} }}}}", variable("header", p, format))),
                match format {
                    ParameterFormat::Named => format!(", name: {}", key(&p.name)),
                    ParameterFormat::Positional => String::new(),
                },
                about(p)
            ),
            None => format!("    # header: {} (fixed text)\n", quote(h.text.as_deref().unwrap_or_default())),
        },
        HeaderFormat::Image | HeaderFormat::Video => media(h.format.as_str(), ""),
        HeaderFormat::Document => media("document", ", filename: \"{{ header_document_filename }}\""),
        HeaderFormat::Location => {
            "    header: { type: location, latitude: \"{{ latitude }}\", longitude: \"{{ longitude }}\", \
             name: \"{{ place_name }}\", address: \"{{ place_address }}\" }\n"
                .into()
        }
        HeaderFormat::Other(kind) => format!("    # header {kind}: herald has no header of this kind\n"),
    }
}

/// The variable standing for `p`: its own name when named, `body_1`-style when positional.
fn variable(part: &str, p: &Param, format: ParameterFormat) -> String {
    match format {
        ParameterFormat::Named => p.name.clone(),
        ParameterFormat::Positional => format!("{part}_{}", p.name),
    }
}

/// The comment naming the template's placeholder and its example.
fn about(p: &Param) -> String {
    match &p.example {
        Some(e) => format!("{{{{{}}}}}, e.g. {}", p.name, quote(e)),
        None => format!("{{{{{}}}}}, no example given", p.name),
    }
}

/// What the scaffold says of one button.
enum Scaffolded {
    /// A `buttons:` entry, with a comment.
    Entry(String),
    /// A comment: the button takes no parameter.
    Note(String),
}

/// The button at `index` as a `buttons:` entry, or a note when it takes nothing.
fn button(index: usize, b: &Button) -> Scaffolded {
    match b {
        Button::QuickReply { text } => Scaffolded::Entry(format!(
            "{{ type: quick_reply, index: {index}, payload: \"{{{{ button_{index}_payload }}}}\" }}  # {}: what your webhook receives when tapped (optional)",
            quote(text)
        )),
        Button::Url { text, url, variable: true, example } => Scaffolded::Entry(format!(
            "{{ type: url, index: {index}, text: \"{{{{ button_{index}_url }}}}\" }}  # {}: replaces {{{{1}}}} in {}{}",
            quote(text),
            quote(url),
            example.as_ref().map(|e| format!(", e.g. {}", quote(e))).unwrap_or_default()
        )),
        Button::CopyCode { example } => Scaffolded::Entry(format!(
            "{{ type: copy_code, index: {index}, code: \"{{{{ coupon_code }}}}\" }}  # up to 15 characters{}",
            example.as_ref().map(|e| format!(", e.g. {}", quote(e))).unwrap_or_default()
        )),
        Button::Flow { text } => Scaffolded::Entry(format!(
            "{{ type: flow, index: {index} }}  # {}: flow_token and flow_action_data are optional",
            quote(text)
        )),
        Button::Url { text, url, variable: false, .. } => {
            Scaffolded::Note(format!("button {index}: url {} opens {}, takes no parameter", quote(text), quote(url)))
        }
        Button::PhoneNumber { text } => {
            Scaffolded::Note(format!("button {index}: phone_number {}, takes no parameter", quote(text)))
        }
        Button::Other { kind, text } => {
            Scaffolded::Note(format!("button {index}: {kind} {}, which herald has no parameter for", quote(text)))
        }
    }
}

/// A parameter name as a YAML key or value: plain when it is one Meta accepts (`first_name`),
/// else quoted, so the campaign reader names what is wrong with it.
fn key(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain { name.to_string() } else { quote(name) }
}

/// `text` as a YAML double-quoted scalar (JSON's quoting is valid YAML), one line whatever it holds.
fn quote(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::account::Body;

    #[test]
    fn every_parameter_is_a_placeholder_with_its_example() {
        let p = |name: &str, example: Option<&str>| Param { name: name.into(), example: example.map(str::to_string) };
        let t = Template {
            name: "spring_sale".into(),
            language: "en_US".into(),
            status: TemplateStatus::Paused,
            category: "MARKETING".into(),
            parameter_format: ParameterFormat::Positional,
            header: Some(Header { format: HeaderFormat::Document, text: None, params: Vec::new() }),
            body: Some(Body { text: "Hi {{1}},\n{{2}} off".into(), params: vec![p("1", Some("Amina")), p("2", None)] }),
            footer: None,
            buttons: vec![
                Button::PhoneNumber { text: "Call".into() },
                Button::CopyCode { example: Some("SPRING20".into()) },
            ],
        };
        let s = block(&t);
        assert!(s.contains("# status PAUSED: Meta refuses"), "{s}");
        assert!(s.contains("    # body: \"Hi {{1}},\\n{{2}} off\"\n"), "{s}");
        assert!(s.contains("      - \"{{ body_1 }}\"  # {{1}}, e.g. \"Amina\"\n"), "{s}");
        assert!(s.contains("      - \"{{ body_2 }}\"  # {{2}}, no example given\n"), "{s}");
        assert!(s.contains("filename: \"{{ header_document_filename }}\""), "{s}");
        assert!(s.contains("    # button 0: phone_number \"Call\", takes no parameter\n"), "{s}");
        assert!(s.contains("      - { type: copy_code, index: 1, code: \"{{ coupon_code }}\" }"), "{s}");
    }

    #[test]
    fn a_named_template_is_a_mapping_and_its_text_header_names_its_parameter() {
        let p = |name: &str| Param { name: name.into(), example: None };
        let t = Template {
            name: "welcome".into(),
            language: "en".into(),
            status: TemplateStatus::Approved,
            category: "UTILITY".into(),
            parameter_format: ParameterFormat::Named,
            header: Some(Header {
                format: HeaderFormat::Text,
                text: Some("Hi {{name}}".into()),
                params: vec![p("name")],
            }),
            body: Some(Body { text: "{{name}}, {{Odd Name}}".into(), params: vec![p("name"), p("Odd Name")] }),
            footer: None,
            buttons: vec![],
        };
        let s = block(&t);
        assert!(s.contains("    header: { type: text, text: \"{{ name }}\", name: name }  # {{name}}"), "{s}");
        assert!(s.contains("    body:\n      name: \"{{ name }}\"  # {{name}}, no example given\n"), "{s}");
        assert!(s.contains("      \"Odd Name\": \"{{ Odd Name }}\""), "{s}");
    }
}
