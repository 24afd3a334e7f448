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

use crate::diagnostic::{Diagnostic, Severity};
use crate::error::Error;
use crate::message::{Message, MessageType};
use crate::plan::{Item, Plan, PlanError};
use crate::providers::account::{AccountError, AccountReader};
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
/// so nothing is read and a warning says so).
pub async fn check(plan: &Plan, token: Option<&Secret>) -> Preflight {
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
        templates(plan, reader, token, &places, &mut p).await;
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

/// The template checks: the account's templates read, the campaign's found among them and
/// compared, and every recipient's body measured.
async fn templates(plan: &Plan, reader: &dyn AccountReader, token: &Secret, places: &Places, p: &mut Preflight) {
    let spec = match first_template(plan) {
        Ok(Some(spec)) => spec,
        Ok(None) => return p.checked.push("template not checked: no recipient to render it for".into()),
        Err(e) => return p.findings.push(places.at(Severity::Error, "/recipients", e.to_string())),
    };
    let account = match fetch::templates(plan, reader, token, plan.provider.provider().info().name).await {
        Ok(account) => account,
        Err(Error::Account(e @ AccountError::NeedsWabaId)) => {
            return p.checked.push(format!("templates not checked: {e}"));
        }
        Err(e) => return p.findings.push(unread("templates", &e, places)),
    };
    if let Some(why) = account.partial {
        p.checked.push(format!("the templates read may be incomplete: {why}"));
    }
    if spec.name.is_none() {
        return p.checked.push("template not checked: the campaign names it by id, the account lists names".into());
    }
    let Some(template) = template::check(&spec, &account.templates, places, &mut p.findings) else { return };
    match body::check(plan, template, places) {
        Ok(finding) => p.findings.extend(finding),
        Err(e) => p.findings.push(places.at(Severity::Error, "/recipients", e.to_string())),
    }
    p.checked.push(format!(
        "template {} {}, {}, checked for {} recipient{}",
        template::title(template),
        template.status.as_str(),
        template.category,
        plan.audience.counts.recipients,
        if plan.audience.counts.recipients == 1 { "" } else { "s" }
    ));
}

/// The template message of the first recipient: what the campaign fills in for everyone.
fn first_template(plan: &Plan) -> Result<Option<crate::message::Template>, PlanError> {
    for item in plan.items()? {
        if let Item::Send(send) = item? {
            return Ok(match send.message.message {
                Message::Template(t) => Some(t),
                _ => None,
            });
        }
    }
    Ok(None)
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
