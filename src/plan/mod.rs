//! Validation and planning: reads a campaign file and everything it names, checks all that can
//! be checked before the first request, and yields the exact request for every recipient, one
//! at a time. `validate`, `preview` and `send` all start here, so what is previewed is what is
//! sent; nothing here holds all recipients' requests.

mod audience;
pub mod batch;
mod canary;
mod checks;
mod connection;
pub mod cost;
mod files;
mod filter;
mod lookup;
mod opt_out;
pub mod pinning;
mod rate;
mod receipts;
mod render;
mod rows;
mod schedule;
mod senders;
mod sending_time;
mod templates;
mod typing;
pub mod us_marketing;
mod walk;
mod window;

pub use canary::Canary;
pub use files::{MAX_CAMPAIGN, ReadError, read_at_most};
pub use lookup::NotSent;
pub use opt_out::{NamedBy, OptOutList};
pub use render::{Rendered, Renderer};
pub use schedule::Schedule;
pub use senders::Sender;
pub use walk::{Row, Rows};

use crate::campaign::model::CampaignDoc;
use crate::campaign::source::{Part, Source};
use crate::campaign::{schema, yaml};
use crate::delivery::Delivery;
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::message::MessageType;
use crate::providers::{Outgoing, ProviderKind, Settings, Unsupported};
use crate::recipients::{Audience, AudienceError, Recipient, Skipped};
use crate::request::HttpRequest;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the caller needs checked beyond the file itself.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// What a token that is not set means.
    pub token: TokenCheck,
    /// Where requests go.
    pub endpoint: Endpoint,
    /// Problems kept per group (say, invalid phone numbers); all when `None`.
    pub problems_per_group: Option<usize>,
    /// Warnings count as errors (`--strict`).
    pub strict: bool,
    /// `--var key=value`: campaign variables set or replaced from the command line.
    pub vars: Vec<(String, String)>,
    /// `--rate`, `--concurrency`, `--max-failure-rate`: delivery settings from the command line.
    pub overrides: Overrides,
    /// Global opt-out lists (`$HERALD_SUPPRESS`, `--suppress`), honoured on top of the
    /// campaign's `recipients.suppress`.
    pub opt_out: Vec<OptOutList>,
    /// What `schedule.send_at` means for this command.
    pub schedule: ScheduleCheck,
    /// The time `schedule.send_at` is checked against; the real time when `None` (tests pin it).
    pub now: Option<jiff::Timestamp>,
    /// `--file-root`: the tree the files a campaign names must lie in, instead of the git work
    /// tree holding the campaign (or its folder).
    pub file_root: Option<PathBuf>,
    /// `$HERALD_RATE_CARD`: the rate card priced by when the campaign names none.
    pub rate_card: Option<PathBuf>,
}

/// What `schedule.send_at` means for the command loading the campaign.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ScheduleCheck {
    /// A time that has passed is a warning: the campaign may well have been sent (preview,
    /// status, report).
    #[default]
    Warn,
    /// A time that has passed is an error: the campaign is stale (validate, send).
    Require,
    /// The schedule is set aside and everything goes at once (`send --now`): no time is checked
    /// and no provider is asked to hold the messages.
    Skip,
}

/// Delivery settings given on the command line, over the campaign's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Requests per second.
    pub rate_per_sec: Option<f64>,
    /// Requests in flight.
    pub concurrency: Option<usize>,
    /// The gate.
    pub max_failure_rate: Option<f64>,
    /// The delivery gate.
    pub min_delivered: Option<f64>,
    /// How long to wait for receipts.
    pub wait_receipts: Option<std::time::Duration>,
}

/// Where requests go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Endpoint {
    /// The campaign's `base_url` (or the provider's default).
    #[default]
    Campaign,
    /// herald's built-in sandbox listening here.
    Sandbox(SocketAddr),
}

/// How to treat the provider's token environment variable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TokenCheck {
    /// Unset is a warning (validate, preview).
    #[default]
    Warn,
    /// Unset is an error (sending to the provider).
    Require,
    /// Not needed (dry run, sandbox).
    Skip,
}

/// One request to send.
#[derive(Debug, Clone)]
pub struct Send {
    /// Who it goes to and where they came from.
    pub recipient: Recipient,
    /// The request, secret left out.
    pub request: HttpRequest,
    /// The rendered message the request carries.
    pub message: Outgoing,
    /// The index in [`Plan::senders`] of the account it goes from.
    pub sender: usize,
}

/// One row of the campaign, planned.
#[derive(Debug, Clone)]
pub enum Item {
    /// A recipient and their request.
    Send(Box<Send>),
    /// A row left out, and why.
    Skipped(Skipped),
}

/// Why a planned row cannot be produced while sending, although the campaign validated.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The audience cannot be read.
    #[error(transparent)]
    Audience(#[from] AudienceError),
    /// A recipient's message no longer renders (the CSV changed since it was validated).
    #[error(
        "the message for {recipient} no longer renders ({why}); the recipients file changed since it was validated"
    )]
    Render {
        /// Who.
        recipient: String,
        /// What failed.
        why: String,
    },
}

/// A validated campaign, ready to preview or send.
pub struct Plan {
    /// The campaign file as given.
    pub file: PathBuf,
    /// SHA-256 of the campaign file, hex.
    pub file_hash: String,
    /// The campaign file relative to its file root (its repository), `/`-separated: how the
    /// journal knows a file again from another clone, whatever its id says.
    pub source: String,
    /// SHA-256 of each top-level section of the campaign file (`message`, `vars`, …), so a
    /// re-run can tell which part changed.
    pub sections: std::collections::HashMap<String, String>,
    /// Campaign id.
    pub id: String,
    /// Campaign name.
    pub name: Option<String>,
    /// Provider.
    pub provider: ProviderKind,
    /// Name of the env var holding the secret: the provider's, else the first sender's.
    pub token_env: String,
    /// The Cloud API's business account (`provider.waba_id`), which its templates are read from.
    pub waba_id: Option<String>,
    /// The accounts the campaign sends from: one, or `provider.senders`. Each recipient goes
    /// from one of them ([`Plan::pin`]).
    pub senders: Vec<Sender>,
    /// The message type.
    pub message_type: MessageType,
    /// Delivery limits.
    pub delivery: Delivery,
    /// When to send, if scheduled, and who holds the messages until then.
    pub schedule: Option<Schedule>,
    /// Recipients per request: above 1, recipients go out in batches of up to this many (see
    /// [`batch`]); 1, one request each.
    pub batch: usize,
    /// The hours and days recipients may be messaged.
    pub window: Option<crate::window::Window>,
    /// A first, small send to check before the rest.
    pub canary: Option<Canary>,
    /// The CSV column of recipients' own time zones.
    timezone_column: Option<usize>,
    /// Who the campaign goes to.
    pub audience: Audience,
    /// The typing indicator's time over every recipient (`delivery.typing`), zero without it.
    pub typing: Duration,
    /// What the campaign costs at most, when a rate card is named.
    pub estimate: Option<crate::cost::Estimate>,
    /// The rate card named (`delivery.rate_card`, `$HERALD_RATE_CARD`), to price what Meta
    /// reports it billed.
    pub rate_card: Option<crate::cost::RateCard>,
    /// What the message is as Meta bills it: a template of its declared category, or free.
    pub billed: crate::cost::Billed,
    renderer: Renderer,
    /// The provider settings of each sender, in [`Plan::senders`]' order.
    settings: Vec<Settings>,
}

/// The result of validating one campaign file.
#[derive(Debug)]
pub struct Validation {
    /// The plan, when the campaign has no errors.
    pub plan: Option<Plan>,
    /// Every problem found, errors and warnings.
    pub diagnostics: Diagnostics,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan").field("file", &self.file).field("id", &self.id).finish_non_exhaustive()
    }
}

/// Validates `path` and, if it is valid, plans it: every recipient is rendered once, streaming.
pub fn load(path: &Path, options: Options) -> Validation {
    let mut diags = Diagnostics::new(options.problems_per_group);
    let strict = options.strict;
    let plan = load_inner(path, options, &mut diags);
    if strict {
        diags.promote_warnings();
    }
    // Problems in the campaign file first, in file order; then those in other files as found.
    let name = path.display().to_string();
    diags.sort_by_key(|d| match &d.location {
        Some(l) if l.file == name => (0, l.line, l.col.unwrap_or(0)),
        Some(_) => (1, 0, 0),
        None => (0, 0, 0),
    });
    let plan = if diags.has_errors() { None } else { plan };
    Validation { plan, diagnostics: diags }
}

fn load_inner(path: &Path, options: Options, diags: &mut Diagnostics) -> Option<Plan> {
    let name = path.display().to_string();
    let bytes = match files::read_at_most(path, files::MAX_CAMPAIGN) {
        Ok(b) => b,
        Err(e @ files::ReadError::Io { .. }) => {
            diags.push(
                Diagnostic::error(e.to_string()).help("check the path; campaign files are usually under campaigns/"),
            );
            return None;
        }
        Err(e @ files::ReadError::TooLarge { .. }) => {
            diags.push(Diagnostic::error(e.to_string()).help(
                "a campaign file holds settings and templates; put recipients in `recipients.csv` and long texts in `message.text_file`",
            ));
            return None;
        }
    };
    let file_hash = crate::hex::encode(&Sha256::digest(&bytes));
    let Ok(text) = String::from_utf8(bytes) else {
        diags.push(Diagnostic::error(format!("{name} is not valid UTF-8")).help("save the campaign file as UTF-8"));
        return None;
    };
    let text = yaml::unify_line_breaks(text);
    let (doc, spans) = match yaml::parse(&text) {
        Ok(parsed) => parsed,
        Err(e) => {
            diags.push(
                Diagnostic::error(e.message).at(Some(Location::in_source(&name, &text, e.pos.line, e.pos.col, 1))),
            );
            return None;
        }
    };
    let source = Source { name, text, spans };
    let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let root = match files::FileRoot::find(&base, options.file_root.as_deref()) {
        Ok(root) => root,
        Err(e) => {
            diags.push(Diagnostic::error(e.to_string()));
            return None;
        }
    };
    let ctx = checks::Context { source: &source, base: &base, root, options };
    let schema_problems = schema::check(&doc, &source);
    if !schema_problems.is_empty() {
        diags.extend(schema_problems);
        checks::salvage(&doc, &ctx, diags);
        return None;
    }
    let sections = doc
        .as_object()
        .map(|o| {
            o.iter().map(|(k, v)| (k.clone(), crate::hex::encode(&Sha256::digest(v.to_string().as_bytes())))).collect()
        })
        .unwrap_or_default();
    let mut campaign: CampaignDoc = match serde_json::from_value(doc) {
        Ok(c) => c,
        Err(e) => {
            diags.push(
                Diagnostic::error(format!("the campaign cannot be read: {e}")).at(source.locate("", Part::Value)),
            );
            return None;
        }
    };
    for (key, value) in &ctx.options.vars {
        campaign.vars.insert(key.clone(), Value::String(value.clone()));
    }
    let mut checked = checks::check(&campaign, &ctx, diags)?;
    let o = &ctx.options.overrides;
    let d = &mut checked.delivery;
    d.rate_per_sec = o.rate_per_sec.unwrap_or(d.rate_per_sec);
    d.concurrency = o.concurrency.unwrap_or(d.concurrency);
    d.max_failure_rate = o.max_failure_rate.unwrap_or(d.max_failure_rate);
    d.min_delivered = o.min_delivered.or(d.min_delivered);
    d.wait_receipts = o.wait_receipts.or(d.wait_receipts);
    // `--rate` slows (or speeds) every sender alike.
    for sender in checked.senders.iter_mut() {
        sender.rate_per_sec = o.rate_per_sec.unwrap_or(sender.rate_per_sec);
    }
    rate::check(campaign.provider.kind, d.rate_per_sec, o.rate_per_sec.is_some(), "/delivery/rate", &ctx, diags);
    let listed = campaign.provider.senders.as_deref().unwrap_or_default();
    for (sender, _) in checked.senders.iter().zip(listed).filter(|(_, doc)| doc.rate.is_some()) {
        if o.rate_per_sec.is_none() {
            let pointer = format!("{}/rate", sender.pointer);
            rate::check(campaign.provider.kind, sender.rate_per_sec, false, &pointer, &ctx, diags);
        }
    }
    let pricing = cost::prepare(&campaign, checked.message_type, &ctx, diags);
    let audience = audience::build(&campaign, &checked, &ctx, diags)?;
    audience::judge_counts(&campaign, &audience, &ctx, diags);
    // With nobody to send to, nothing renders: the rows left out are the whole story.
    if audience.counts.recipients == 0
        && let Err(e) = rows::check_skipped(&audience, &ctx, diags)
    {
        diags.push(ctx.at(crate::diagnostic::Severity::Error, "/recipients/csv", Part::Value, e.to_string()));
    }
    let csv_name = audience.csv_path().map(|p| p.display().to_string());
    let templates = templates::compile(&campaign, &checked, audience.headers(), csv_name.as_deref(), &ctx, diags)?;
    let batch = batch::size(&campaign, &checked.delivery, &audience, &templates.variables(), &ctx, diags);
    if diags.has_errors() {
        return None;
    }
    let context = crate::template::context::Shared::new(&campaign, audience.headers());
    let settings =
        checked.senders.iter().map(|s| Settings { account: s.account.clone(), ..checked.settings.clone() }).collect();
    let renderer = Renderer::new(templates, context, campaign.provider.kind, checked.region, &campaign.id);
    let token_env = campaign.provider.token_env.clone();
    let billed = cost::billed(&campaign, checked.message_type);
    let mut plan = Plan {
        file: path.to_path_buf(),
        file_hash,
        source: ctx.root.relative(path),
        sections,
        id: campaign.id,
        name: campaign.name,
        provider: campaign.provider.kind,
        token_env: token_env.unwrap_or_else(|| checked.senders[0].token_env.clone()),
        waba_id: campaign.provider.waba_id,
        senders: checked.senders,
        message_type: checked.message_type,
        delivery: checked.delivery,
        schedule: checked.schedule,
        batch,
        timezone_column: audience.headers().iter().position(|h| h == window::TIMEZONE_COLUMN),
        window: checked.window,
        canary: checked.canary,
        audience,
        typing: Duration::ZERO,
        estimate: None,
        rate_card: pricing.as_ref().map(|p| p.card().clone()),
        billed,
        renderer,
        settings,
    };
    match rows::check(&plan, &ctx, diags) {
        Ok(typing) => plan.typing = typing,
        Err(e) => {
            diags.push(ctx.at(crate::diagnostic::Severity::Error, "/recipients/csv", Part::Value, e.to_string()));
            return None;
        }
    }
    if let Err(e) = us_marketing::check(&plan, &ctx, diags) {
        diags.push(ctx.at(crate::diagnostic::Severity::Error, "/recipients/csv", Part::Value, e.to_string()));
        return None;
    }
    if let Some(pricing) = &pricing {
        match cost::estimate(&plan, pricing, &ctx, diags) {
            Ok(estimate) => plan.estimate = Some(estimate),
            Err(e) => {
                diags.push(ctx.at(crate::diagnostic::Severity::Error, "/recipients/csv", Part::Value, e.to_string()));
                return None;
            }
        }
    }
    Some(plan)
}

impl Plan {
    /// Bills the template as `category`, the account's, when the campaign declares none
    /// (`message.category`): Meta bills by the template's category, so the estimate is priced
    /// again by it and the send's marketing warnings (131049) follow it. A declared category
    /// stands (the pre-flight warns when it differs).
    ///
    /// # Errors
    ///
    /// A recipients file that can no longer be read, to price again.
    pub fn bill_as_account(&mut self, category: crate::cost::Category) -> Result<(), PlanError> {
        if self.billed != crate::cost::Billed::Template(None) {
            return Ok(());
        }
        self.billed = crate::cost::Billed::Template(Some(category));
        if let (Some(card), Some(_)) = (&self.rate_card, &self.estimate) {
            self.estimate = Some(crate::cost::Estimate::of(card, self.billed, cost::countries(self)?));
        }
        Ok(())
    }

    /// Provider settings (base URL, account) of the first sender.
    pub fn settings(&self) -> &Settings {
        self.settings_of(0)
    }

    /// Provider settings of the sender at `index` in [`Plan::senders`] (the first, past the
    /// end).
    pub fn settings_of(&self, index: usize) -> &Settings {
        &self.settings[if index < self.settings.len() { index } else { 0 }]
    }

    /// The index in [`Plan::senders`] of the sender `recipient` (its key) goes from when the
    /// journal records none for them: the same for the same key and accounts, whatever their
    /// order ([`pinning`]).
    pub fn pin(&self, recipient: &str) -> usize {
        pinning::pin(recipient, &self.senders)
    }

    /// The index in [`Plan::senders`] of the sender named `account`, if the campaign has it.
    pub fn sender_index(&self, account: &str) -> Option<usize> {
        self.senders.iter().position(|s| s.account == account)
    }

    /// The clock `recipient` is judged by under the campaign's window (`None` without one).
    pub fn placed(
        &self,
        recipient: &Recipient,
    ) -> Option<Result<crate::window::Placed, crate::window::zones::BadZone>> {
        let window = self.window.as_ref()?;
        let cell = self.timezone_column.and_then(|i| recipient.values.get(i)).and_then(Option::as_deref);
        Some(window.place(recipient.phone(), cell))
    }

    /// Where `now` falls in `recipient`'s window, on their clock: `None` without a window or
    /// when their zone cannot be told (validation reports it).
    pub fn opening(
        &self,
        recipient: &Recipient,
        now: jiff::Timestamp,
    ) -> Option<(crate::window::Opening, jiff::tz::TimeZone)> {
        let zone = self.placed(recipient)?.ok()?.zone?;
        Some((self.window.as_ref()?.opening(now, &zone), zone))
    }

    /// The canary's seed recipients, each with the audience's first row, so their message
    /// renders as the audience's would.
    pub fn seeds(&self) -> Result<Vec<Recipient>, PlanError> {
        let seeds = self.canary.as_ref().map_or(&[][..], |c| &c.seeds[..]);
        if seeds.is_empty() {
            return Ok(Vec::new());
        }
        let first = self.rows()?.find_map(|row| match row {
            Ok(Row::Recipient(r)) => Some(Ok(r.values)),
            Ok(Row::Skipped(_)) => None,
            Err(e) => Some(Err(e)),
        });
        let values = first.transpose()?.unwrap_or_else(|| std::sync::Arc::from([]));
        let seed = |(i, phone): (usize, &crate::phone::Phone)| Recipient {
            target: crate::providers::Target::Phone(phone.clone()),
            origin: crate::recipients::Origin::Seed(i),
            values: values.clone(),
        };
        Ok(seeds.iter().enumerate().map(seed).collect())
    }

    /// The request for `recipient`, rendered afresh, from the sender they are pinned to.
    pub fn send_for(&self, recipient: Recipient) -> Result<Send, PlanError> {
        let sender = if self.senders.len() > 1 { self.pin(&recipient.target.to_string()) } else { 0 };
        self.send_from(recipient, sender)
    }

    /// The request for `recipient`, rendered afresh, from the sender at `sender` in
    /// [`Plan::senders`].
    pub fn send_from(&self, recipient: Recipient, sender: usize) -> Result<Send, PlanError> {
        let failed = |why: String| PlanError::Render { recipient: recipient.target.to_string(), why };
        let rendered = self.renderer.message(&recipient).map_err(|e| failed(e.message.clone()))?;
        let out = rendered.sendable().ok_or_else(|| failed("a provider limit is exceeded".into()))?;
        let settings = self.settings_of(sender);
        let request = self.renderer.request(&recipient, &out, settings).map_err(|e| failed(e.to_string()))?;
        Ok(Send { recipient, request, message: out, sender })
    }

    /// `send`'s request without the delivery time it asks the provider to deliver at, or `None`
    /// when it carries none. The journal hashes this one: when a message is delivered is not
    /// part of what it says, so rescheduling a partly sent campaign, or finishing it with
    /// `--now`, is not a change of the message.
    pub fn unscheduled(&self, send: &Send) -> Result<Option<HttpRequest>, PlanError> {
        let failed =
            |e: Unsupported| PlanError::Render { recipient: send.recipient.target.to_string(), why: e.to_string() };
        let settings = self.settings_of(send.sender);
        self.renderer.unscheduled(&send.recipient, &send.message, settings).transpose().map_err(failed)
    }

    /// Every row of the campaign in file order ([`Plan::rows`]), each recipient with their
    /// request.
    pub fn items(&self) -> Result<impl Iterator<Item = Result<Item, PlanError>> + '_, PlanError> {
        Ok(self.rows()?.map(move |row| match row? {
            Row::Recipient(r) => self.send_for(r).map(|s| Item::Send(Box::new(s))),
            Row::Skipped(s) => Ok(Item::Skipped(s)),
        }))
    }

    /// The one-line summary `validate` prints on success.
    pub fn summary(&self) -> String {
        let c = &self.audience.counts;
        let mut line = format!(
            "{}: {} recipient{} to send, {} skipped ({} invalid, {} duplicate, {} suppressed)",
            self.file.display(),
            c.recipients,
            if c.recipients == 1 { "" } else { "s" },
            c.skipped(),
            c.invalid,
            c.duplicate,
            c.suppressed,
        );
        if self.audience.filter.is_some() {
            line.push_str(&format!(
                ", {} left out by the filter (it kept {} of {} rows)",
                c.filtered,
                c.kept(),
                c.rows()
            ));
        }
        line.push_str(&format!(", provider {}, message {}", self.provider, self.message_type));
        if self.batch > 1 {
            line.push_str(&format!(", in batches of up to {}", self.batch));
        }
        // Senders send side by side: their rates and caps add up.
        let rate = self.senders.iter().map(|s| s.rate_per_sec).sum();
        let cap = self.senders.iter().map(|s| s.daily_cap).sum::<Option<usize>>();
        if self.senders.len() > 1 {
            line.push_str(&format!(", from {} senders", self.senders.len()));
        }
        line.push_str(", ");
        let typing = u32::try_from(c.recipients).ok().filter(|&n| n > 0).map_or(Duration::ZERO, |n| self.typing / n);
        let d = &self.delivery;
        let pace = sending_time::Pace {
            rate_per_sec: rate,
            concurrency: d.concurrency,
            jitter: d.jitter,
            typing,
            senders: self.senders.len(),
        };
        line.push_str(&sending_time::sending_time(c.recipients, self.batch, &pace, cap));
        line
    }
}
