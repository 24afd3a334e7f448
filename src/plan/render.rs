//! Rendering one recipient's message and mapping it to the provider's request: templates in
//! strict mode, the rendered values typed and checked against the provider's limits. The same
//! [`Renderer`] serves validation, preview and sending, so what is previewed is what is sent.

use crate::campaign::message_spec::{mentions, reply_to, to_message};
use crate::providers::{Finding, Outgoing, ProviderKind, Settings, Unsupported, correlation};
use crate::recipients::Recipient;
use crate::request::HttpRequest;
use crate::template::context::Shared;
use crate::template::{RenderError, Templates};
use rlibphonenumber::Region;
use std::collections::{BTreeSet, HashMap};

/// Everything needed to render any recipient of a campaign.
pub struct Renderer {
    templates: Templates,
    context: Shared,
    /// Template pointer → the variables it uses.
    uses: HashMap<String, BTreeSet<String>>,
    /// Template pointer → how messages name it.
    names: HashMap<String, String>,
    provider: ProviderKind,
    region: Option<Region>,
    /// The campaign's id, for herald's own message ids ([`crate::providers::correlation`]).
    campaign: String,
}

/// One recipient's message, and what the provider's checks found in it.
pub struct Rendered {
    /// The message; `None` when it cannot be typed (a number that is not a number, …).
    pub outgoing: Option<Outgoing>,
    /// Limits exceeded, fields dropped: errors block sending, warnings do not.
    pub findings: Vec<Finding>,
}

impl Rendered {
    /// The message, when nothing blocks it.
    pub fn sendable(self) -> Option<Outgoing> {
        let blocked = self.findings.iter().any(|f| f.severity == crate::diagnostic::Severity::Error);
        self.outgoing.filter(|_| !blocked)
    }
}

impl Renderer {
    /// A renderer for compiled templates of campaign `campaign` (its id).
    pub fn new(
        templates: Templates,
        context: Shared,
        provider: ProviderKind,
        region: Option<Region>,
        campaign: &str,
    ) -> Renderer {
        let variables = templates.variables();
        let names = variables.iter().map(|(p, _, origin)| (p.clone(), origin.name(p))).collect();
        let uses = variables.into_iter().map(|(p, v, _)| (p, v)).collect();
        Renderer { templates, context, uses, names, provider, region, campaign: campaign.to_string() }
    }

    /// Renders `recipient`'s message and checks it.
    pub fn message(&self, recipient: &Recipient) -> Result<Rendered, RenderError> {
        let ctx = self.context.row(recipient.values.clone(), recipient.target.to_string());
        let (rendered, metadata) = self.templates.render(&ctx)?;
        let mut findings = Vec::new();
        let key = recipient.target.to_string();
        let metadata = correlation::tag(self.provider, &self.campaign, &key, metadata, &mut findings);
        let outgoing = match (to_message(&rendered, self.region), mentions(&rendered, self.region)) {
            (Ok(message), Ok(mentions)) => {
                let out = Outgoing { message, metadata, reply_to: reply_to(&rendered), mentions };
                self.provider.provider().check(&out, &mut findings);
                Some(out)
            }
            (message, mentions) => {
                findings.extend(message.err().unwrap_or_default());
                findings.extend(mentions.err().unwrap_or_default());
                None
            }
        };
        Ok(Rendered { outgoing, findings })
    }

    /// The request carrying `out` to `recipient`, from the account in `settings`.
    pub fn request(
        &self,
        recipient: &Recipient,
        out: &Outgoing,
        settings: &Settings,
    ) -> Result<HttpRequest, Unsupported> {
        self.provider.provider().request(settings, &recipient.target, out)
    }

    /// The request carrying `out` to `recipient` without its delivery time, when the provider is
    /// asked to schedule it (`None` otherwise: the request has no time in it).
    pub fn unscheduled(
        &self,
        recipient: &Recipient,
        out: &Outgoing,
        settings: &Settings,
    ) -> Option<Result<HttpRequest, Unsupported>> {
        settings.send_at?;
        let at_once = Settings { send_at: None, ..settings.clone() };
        Some(self.provider.provider().request(&at_once, &recipient.target, out))
    }

    /// The variables a template uses, by its pointer.
    pub fn uses(&self, pointer: &str) -> impl Iterator<Item = &String> {
        self.uses.get(pointer).into_iter().flatten()
    }

    /// How messages name the template at `pointer` (see [`crate::template::Origin::name`]).
    pub fn name(&self, pointer: &str) -> String {
        self.names.get(pointer).cloned().unwrap_or_else(|| crate::template::Origin::Campaign.name(pointer))
    }
}
