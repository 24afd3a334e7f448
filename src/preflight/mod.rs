//! The pre-flight against the live account (`herald validate --online`, and the start of every
//! `send` that is not a dry run or `--offline`): the account the campaign sends from is read,
//! read-only and with the campaign's own token — every page of its templates ([`fetch`]) and
//! the sender's state — and the campaign is checked against it: the template it names
//! ([`template`]), the body every recipient would receive ([`body`]), and the number's status,
//! quality and messaging limit ([`sender`]). A read that fails is a warning naming why (a token
//! may send without the management permission); a mismatch is an error, which stops a send
//! before its first request. Nothing here sends a message or changes the account.

mod body;
pub(crate) mod fetch;
mod place;
mod sender;
pub(crate) mod template;

use crate::cost::{Billed, Category};
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::Error;
use crate::message::{Message, MessageType};
use crate::plan::{Item, Plan, PlanError, us_marketing};
use crate::providers::account::{AccountError, AccountReader, Template};
use crate::providers::imitation::templates::Templates as SandboxTemplates;
use crate::secret::Secret;
use place::Places;

/// What the pre-flight found.
#[derive(Debug, Default)]
pub struct Preflight {
    /// Errors and warnings, at the campaign's YAML keys (or the recipient's CSV line).
    pub findings: Vec<Diagnostic>,
    /// What was read and checked, or why something was not, one line each, for people.
    pub checked: Vec<String>,
    /// The sender's messaging limit, which a send holds to as its daily cap: set when it is
    /// known and the campaign sets no `delivery.daily_cap`.
    pub daily_cap: Option<usize>,
    /// The templates' category as the account has it, when the campaign declares none
    /// (`message.category`) and every template it sends has the same: what Meta bills, for
    /// [`Plan::bill_as_account`].
    pub category: Option<Category>,
}

impl Preflight {
    /// Whether a finding stops the send.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(Diagnostic::is_error)
    }
}

/// Whether `send` checks `plan` against its account: its provider documents a way to read the
/// account and the campaign names what the reads need (the Cloud API's `provider.waba_id`).
/// Campaigns that do not are sent as before, with no read and nothing printed.
pub fn applies(plan: &Plan) -> bool {
    plan.provider
        .provider()
        .account()
        .is_some_and(|reader| reader.templates_request(plan.settings(), plan.waba_id.as_deref(), None).is_ok())
}

/// Checks `plan` against its account, read with `token` (`None`: the token variable is unset,
/// so nothing is read and a warning says so). `sandbox` is the sandbox's template set when the
/// account read is the sandbox's, whose imitation checks only some names (see [`unlisted`]).
pub async fn check(plan: &Plan, token: Option<&Secret>, sandbox: Option<&SandboxTemplates>) -> Preflight {
    let places = Places::read(plan);
    let provider = plan.provider.provider();
    let name = provider.info().name;
    let mut p = Preflight::default();
    let Some(reader) = provider.account() else {
        p.checked.push(format!("templates cannot be checked ahead on {name}: it documents no way to read them"));
        return p;
    };
    let Some(token) = token else {
        let message = format!("the account was not read: `{}` is not set", plan.token_env);
        let help = format!("export {} to check the campaign against the account", plan.token_env);
        p.findings.push(places.at(Severity::Warning, "/provider/token_env", message).help(help));
        return p;
    };
    if plan.message_type == MessageType::Template {
        templates(plan, reader, token, sandbox, &places, &mut p).await;
        marketing(plan, &places, &mut p);
    }
    match fetch::sender(plan, reader, token, name).await {
        Ok(Some(info)) => {
            let judged = sender::judge(plan, &info, &places);
            p.findings.extend(judged.findings);
            p.checked.push(judged.summary);
            p.daily_cap = judged.daily_cap;
        }
        Ok(None) => {}
        Err(e) => p.findings.push(unread("sender", &e, &places)),
    }
    p
}

/// The template checks: the account's templates read, each (name, language) the recipients are
/// sent found among them and compared, and every recipient's body measured against its own.
async fn templates(
    plan: &Plan,
    reader: &dyn AccountReader,
    token: &Secret,
    sandbox: Option<&SandboxTemplates>,
    places: &Places,
    p: &mut Preflight,
) {
    let provider = plan.provider.provider().info().name;
    let account = match fetch::templates(plan, reader, token, provider).await {
        Ok(account) => account,
        Err(Error::Account(e @ AccountError::NeedsWabaId)) => {
            return p.checked.push(format!("templates not checked: {e}"));
        }
        Err(e) => return p.findings.push(unread("templates", &e, places)),
    };
    let (sent, over) = match survey(plan, &account.templates) {
        Ok((sent, _)) if sent.is_empty() => {
            return p.checked.push("template not checked: no recipient to render it for".into());
        }
        Ok(survey) => survey,
        Err(e) => return p.findings.push(places.at(Severity::Error, "/recipients", e.to_string())),
    };
    if let Some(why) = account.partial {
        p.checked.push(format!("the templates read may be incomplete: {why}"));
    }
    let mut matched: Vec<&Template> = Vec::with_capacity(sent.len());
    for Sent { spec, recipients } in &sent {
        let Some(name) = spec.name.as_deref() else {
            p.checked.push("template not checked: the campaign names it by id, the account lists names".into());
            continue;
        };
        let language = spec.language.as_deref().unwrap_or_default();
        match unlisted(name, language, &account, sandbox, provider, places) {
            Some(Unlisted::Note(note)) => {
                p.checked.push(note);
                continue;
            }
            Some(Unlisted::Warning(d)) => {
                p.findings.push(d);
                continue;
            }
            None => {}
        }
        let Some(template) = template::check(spec, &account.templates, places, &mut p.findings) else { continue };
        if let Billed::Template(declared) = plan.billed {
            template::category(template, declared, places, &mut p.findings);
        }
        matched.push(template);
        p.checked.push(format!(
            "template {} {}, {}, checked for {recipients} recipient{}",
            template::title(template),
            template.status.as_str(),
            template.category,
            if *recipients == 1 { "" } else { "s" }
        ));
    }
    if plan.billed == Billed::Template(None) {
        let categories: Vec<Option<Category>> =
            matched.iter().map(|t| Category::parse(&t.category.to_ascii_lowercase())).collect();
        p.category = categories.first().copied().flatten().filter(|c| categories.iter().all(|o| *o == Some(*c)));
    }
    p.findings.extend(over.finding(plan, places));
}

/// The US-marketing warning ([`crate::plan::us_marketing`]) for a template the account has as
/// marketing, when the campaign declares no category (`validate` warned of a declared one).
fn marketing(plan: &Plan, places: &Places, p: &mut Preflight) {
    if p.category != Some(Category::Marketing) {
        return;
    }
    match us_marketing::us_numbers(plan) {
        Ok(Some(message)) => p.findings.push(
            places
                .at(Severity::Warning, "/message/template/name", message)
                .help(format!("the account has the template as MARKETING; {}", us_marketing::WHY)),
        ),
        Ok(None) => {}
        Err(e) => p.findings.push(places.at(Severity::Error, "/recipients", e.to_string())),
    }
}

/// One template (name and language) the campaign sends: the first recipient's template
/// message of it, and how many recipients get it.
struct Sent {
    /// The first recipient's.
    spec: crate::message::Template,
    /// How many get it.
    recipients: usize,
}

/// One pass over the recipients, each rendered once: the distinct templates they are sent, in
/// the order first met (names and languages are rendered per recipient, `language: "{{ lang }}"`,
/// so each is checked, and only the distinct ones are kept), and every body measured against its
/// own template among the account's `templates`.
fn survey<'t>(plan: &Plan, templates: &'t [Template]) -> Result<(Vec<Sent>, body::Over<'t>), PlanError> {
    let mut sent: Vec<Sent> = Vec::new();
    let mut over = body::Over::default();
    for item in plan.items()? {
        let Item::Send(send) = item? else { continue };
        let Message::Template(t) = send.message.message else { continue };
        over.measure(send.recipient.origin, &t, templates);
        match sent.iter_mut().find(|s| s.spec.name == t.name && s.spec.language == t.language) {
            Some(s) => s.recipients += 1,
            None => sent.push(Sent { spec: t, recipients: 1 }),
        }
    }
    Ok((sent, over))
}

/// What a template missing from the list read means, when it is not an error.
#[derive(Debug)]
enum Unlisted {
    /// The sandbox's built-in set, which is not the whole account, lacks the name: its
    /// imitation sends it unchecked, so the pre-flight does not check it either.
    Note(String),
    /// The list is partial (Evolution shows Meta's first page): it may exist beyond it.
    Warning(Diagnostic),
}

/// Why `name` in `language`, missing from `account`'s list, is no error; `None` when it is
/// listed, or missing from a list that is the whole account (the error [`template::check`]
/// gives). With the sandbox, its rule: only its own names are checked with the built-in set,
/// every name with `--templates FILE`.
fn unlisted(
    name: &str,
    language: &str,
    account: &fetch::Account,
    sandbox: Option<&SandboxTemplates>,
    provider: &str,
    places: &Places,
) -> Option<Unlisted> {
    if account.templates.iter().any(|t| t.name == name && t.language == language) {
        return None;
    }
    if let Some(sandbox) = sandbox {
        // A name a letter or two from one the built-in set holds is a typo of it, not another
        // template: checked (the error names the close one) rather than sent unchecked.
        let typo = account.templates.iter().any(|t| strsim::levenshtein(name, &t.name) <= 2);
        let note = format!("template not checked: the sandbox's built-in account does not hold `{name}`");
        return (!sandbox.checks(name) && !typo).then_some(Unlisted::Note(note));
    }
    let why = account.partial?;
    let message = format!(
        "`{name} ({language})` is not among the first {} templates {provider} shows; cannot confirm it exists",
        account.templates.len()
    );
    let help = format!("{why}; check the template in WhatsApp Manager before sending");
    Some(Unlisted::Warning(places.at(Severity::Warning, "/message/template/name", message).help(help)))
}

/// A read that failed: a warning with the reason, the checks it would have fed skipped.
fn unread(what: &str, e: &Error, places: &Places) -> Diagnostic {
    places
        .at(
            Severity::Warning,
            "/provider",
            format!("the account's {what} could not be read, so the checks on it were skipped: {e}"),
        )
        .help("a token may send without the permission to read the account; `--offline` skips these reads")
}

#[cfg(test)]
mod tests {
    use super::*;
    fn listed(names: &[&str], partial: Option<&'static str>) -> fetch::Account {
        fetch::Account { templates: names.iter().map(|n| Template::bare(n, "en_US")).collect(), partial }
    }

    fn judged(name: &str, language: &str, account: &fetch::Account) -> Option<(Severity, String)> {
        match unlisted(name, language, account, None, "Evolution API", &Places::nowhere()) {
            Some(Unlisted::Warning(d)) => Some((d.severity, d.message)),
            other => other.map(|u| panic!("{u:?}")),
        }
    }

    #[test]
    fn a_template_missing_from_a_partial_list_is_a_warning_and_from_a_whole_one_an_error() {
        let partial = listed(&["a", "b"], Some("only the first page"));
        let warned = judged("promo", "en_US", &partial).unwrap();
        assert_eq!(
            warned,
            (
                Severity::Warning,
                "`promo (en_US)` is not among the first 2 templates Evolution API shows; cannot confirm it exists"
                    .into()
            )
        );
        assert_eq!(judged("a", "fr", &partial).unwrap().0, Severity::Warning);
        assert_eq!(judged("a", "en_US", &partial), None);
        assert_eq!(judged("promo", "en_US", &listed(&["a"], None)), None, "the error template::check gives");
    }

    #[test]
    fn the_sandbox_s_built_in_set_notes_names_it_lacks_and_a_file_checks_every_name() {
        let built_in = SandboxTemplates::built_in();
        let account = listed(&["hello_world"], None);
        let note = unlisted("promo", "en_US", &account, Some(&built_in), "Cloud API", &Places::nowhere());
        assert!(
            matches!(&note, Some(Unlisted::Note(n)) if n == "template not checked: the sandbox's built-in account does not hold `promo`"),
            "{note:?}"
        );
        let held = unlisted("hello_world", "fr", &account, Some(&built_in), "Cloud API", &Places::nowhere());
        assert!(held.is_none(), "a name it holds is checked: {held:?}");
        let typo = unlisted("hello_wrld", "en_US", &account, Some(&built_in), "Cloud API", &Places::nowhere());
        assert!(typo.is_none(), "a typo of a name it holds is checked: {typo:?}");
        let file = SandboxTemplates::whole_account(Vec::new());
        assert!(unlisted("promo", "en_US", &account, Some(&file), "Cloud API", &Places::nowhere()).is_none());
    }
}
