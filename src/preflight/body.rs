//! The body each recipient would receive: the template's text with their rendered parameters in
//! place of its placeholders, which Meta refuses above [`BODY_MAX`] characters (132005). Every
//! recipient's body is measured as the recipients are rendered, once, for every check
//! ([`super`]); the first too long and how many are are reported.

use super::place::Places;
use super::template::{quote, title};
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::message::{BodyParam, TemplateParam};
use crate::plan::Plan;
use crate::providers::account::{ParameterFormat, Template};
use crate::recipients::Origin;

/// Characters in a template's body once its parameters are filled in (Meta's template
/// guidelines: the body text is at most 1,024 characters).
pub(super) const BODY_MAX: usize = 1024;

/// The first recipient whose body is too long, and how many are, as the recipients are met.
#[derive(Debug, Default)]
pub(super) struct Over<'t> {
    /// Where the first came from, its template and its length.
    first: Option<(Origin, &'t Template, usize)>,
    /// How many.
    count: usize,
}

impl<'t> Over<'t> {
    /// Measures the body `origin`'s recipient would receive of template message `t`, against
    /// its own template among `templates` (the account's, by name and language).
    pub(super) fn measure(&mut self, origin: Origin, t: &crate::message::Template, templates: &'t [Template]) {
        let language = t.language.as_deref().unwrap_or_default();
        let own = templates.iter().find(|a| t.name.as_deref() == Some(a.name.as_str()) && a.language == language);
        let Some((template, text)) = own.and_then(|a| a.body.as_ref().map(|b| (a, b.text.as_str()))) else {
            return;
        };
        let length = filled(text, template, &t.body).chars().count();
        if length > BODY_MAX {
            self.count += 1;
            self.first.get_or_insert((origin, template, length));
        }
    }

    /// The error at the first recipient over [`BODY_MAX`] characters, saying how many are;
    /// `None` when none is.
    pub(super) fn finding(self, plan: &Plan, places: &Places) -> Option<Diagnostic> {
        let (origin, template, length) = self.first?;
        let text = template.body.as_ref().map(|b| b.text.as_str());
        let message = format!(
            "`{}` body: {} filled in for this recipient is {length} characters, over Meta's {BODY_MAX}; {} recipient{} over it",
            title(template),
            quote(text),
            self.count,
            if self.count == 1 { " is" } else { "s are" }
        );
        let help = "shorten the values this recipient's parameters take (or the template's text); a send would get Meta error 132005 (hydrated text too long)";
        let d = match (origin.csv_line(), plan.audience.csv_path()) {
            (Some(line), Some(csv)) => Diagnostic::new(Severity::Error, message)
                .at(Some(Location::line(&csv.display().to_string(), line as usize))),
            _ => places.at(Severity::Error, "/message/template/body", message),
        };
        Some(d.help(help))
    }
}

/// `text` with each placeholder replaced by its parameter: `{{n}}` by the n-th; a named one by
/// the parameter of that name, or the one in its place among the template's when the campaign
/// gives them by position.
fn filled(text: &str, template: &Template, params: &[BodyParam]) -> String {
    let names: Vec<&str> = template.body.iter().flat_map(|b| b.params.iter().map(|p| p.name.as_str())).collect();
    let value = |name: &str| {
        if let Some(p) = params.iter().find(|p| p.name.as_deref() == Some(name)) {
            return Some(shown(&p.value));
        }
        let index = match template.parameter_format {
            ParameterFormat::Positional => name.parse::<usize>().ok().and_then(|n| n.checked_sub(1)),
            ParameterFormat::Named => names.iter().position(|n| *n == name),
        };
        index.and_then(|i| params.get(i)).filter(|p| p.name.is_none()).map(|p| shown(&p.value))
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push_str(&rest[..start]);
        match value(after[..end].trim()) {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// What WhatsApp shows for a parameter.
fn shown(p: &TemplateParam) -> &str {
    match p {
        TemplateParam::Text(text) => text,
        TemplateParam::Currency { fallback, .. } | TemplateParam::DateTime { fallback } => fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::account::{Body, Param, TemplateStatus};

    fn template(format: ParameterFormat, text: &str, names: &[&str]) -> Template {
        let params = names.iter().map(|n| Param { name: n.to_string(), example: None }).collect();
        Template {
            name: "t".into(),
            language: "en".into(),
            status: TemplateStatus::Approved,
            category: "UTILITY".into(),
            parameter_format: format,
            header: None,
            body: Some(Body { text: text.into(), params }),
            footer: None,
            buttons: Vec::new(),
        }
    }

    #[test]
    fn placeholders_take_their_parameters_by_position_or_by_name() {
        let positional = |v: &str| BodyParam::from(TemplateParam::Text(v.into()));
        let t = template(ParameterFormat::Positional, "Dear {{1}}, {{ 2 }} and {{1}} {{9}}", &["1", "2"]);
        let text = t.body.clone().unwrap().text;
        assert_eq!(filled(&text, &t, &[positional("Ann"), positional("B")]), "Dear Ann, B and Ann {{9}}");
        let t = template(ParameterFormat::Named, "Hi {{name}}, order {{order}}", &["name", "order"]);
        let text = t.body.clone().unwrap().text;
        let date = TemplateParam::DateTime { fallback: "May 1".into() };
        let named = [BodyParam::named("order", date.clone()), BodyParam::named("name", "Ann")];
        assert_eq!(filled(&text, &t, &named), "Hi Ann, order May 1");
        assert_eq!(filled(&text, &t, &[positional("Ann"), date.into()]), "Hi Ann, order May 1");
    }
}
