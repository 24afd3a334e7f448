//! Checks on the campaign's settings that the schema cannot express: the provider's account
//! key, the secret, message-type support, the audience source, files, schedule (see
//! [`super::schedule`]) and delivery.

use super::Options;
use super::files::FileRoot;
use crate::campaign::model::CampaignDoc;
use crate::campaign::source::{Part, Source};
use crate::delivery::Delivery;
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::message::MessageType;
use crate::providers::{ProviderKind, Settings};
use rlibphonenumber::Region;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What every later step needs: the file, its folder and the caller's options.
pub struct Context<'a> {
    /// The campaign file.
    pub source: &'a Source,
    /// The campaign file's folder; relative paths start here.
    pub base: &'a Path,
    /// The tree the files the campaign names must lie in.
    pub root: FileRoot,
    /// Caller options.
    pub options: Options,
}

impl Context<'_> {
    /// A diagnostic at `pointer` in the campaign file.
    pub fn at(&self, severity: Severity, pointer: &str, part: Part, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(severity, message).at(self.source.locate(pointer, part))
    }

    /// A path from the campaign, resolved against the campaign's folder.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.base.join(relative)
    }

    /// The file the campaign names at `pointer`, resolved against the campaign's folder; `None`,
    /// with an error at that key, when it leads out of the file root (see [`FileRoot`]).
    pub fn file(&self, pointer: &str, relative: &str, diags: &mut Diagnostics) -> Option<PathBuf> {
        let path = self.path(relative);
        match self.root.check(&path) {
            Ok(()) => Some(path),
            Err(out) => {
                diags.push(
                    self.at(
                        Severity::Error,
                        pointer,
                        Part::Value,
                        format!("`{relative}` is outside {}", self.root.describe()),
                    )
                    .label(format!("leads to {}", out.resolved.display()))
                    .help(self.root.help()),
                );
                None
            }
        }
    }
}

/// Settings that passed their checks.
pub struct Checked {
    /// Provider settings, with no account: each sender's account fills it in.
    pub settings: Settings,
    /// The accounts the campaign sends from.
    pub senders: Vec<super::Sender>,
    /// The message type.
    pub message_type: MessageType,
    /// Delivery limits.
    pub delivery: Delivery,
    /// The sending window.
    pub window: Option<crate::window::Window>,
    /// The canary.
    pub canary: Option<super::Canary>,
    /// When to send, if scheduled.
    pub schedule: Option<super::Schedule>,
    /// Region for numbers without a country code.
    pub region: Option<Region>,
    /// The message with `text_file` folded in as `text`, and where that text came from.
    pub message: Value,
    /// Origin of `/message/text`.
    pub text_origin: crate::template::Origin,
}

/// Runs the checks. Later steps run even after errors here, so one pass reports everything;
/// only sending-shaped work (rendering each recipient) waits for a clean slate.
pub fn check(c: &CampaignDoc, ctx: &Context, diags: &mut Diagnostics) -> Option<Checked> {
    let kind = c.provider.kind;
    let provider = kind.provider();
    let account_key = provider.account_key();
    for key in c.provider.accounts.keys() {
        if key != account_key {
            diags.push(
                ctx.at(
                    Severity::Error,
                    &format!("/provider/{key}"),
                    Part::Key,
                    format!("`{key}` is not a setting of provider `{kind}`"),
                )
                .label("not used by this provider")
                .help(format!("{kind} sends from the account named by `{account_key}`")),
            );
        }
    }
    let sandbox = match ctx.options.endpoint {
        super::Endpoint::Sandbox(addr) => Some(crate::sandbox::base_url_at(addr, kind)),
        super::Endpoint::Campaign => None,
    };
    let base_url = sandbox
        .or_else(|| c.provider.base_url.clone())
        .or_else(|| provider.default_base_url().map(str::to_string))
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string();
    if let Some(url) = &c.provider.base_url {
        super::connection::check_base_url(url, c.provider.allow_insecure, ctx, diags);
    }

    let message_type: MessageType = serde_json::from_value(c.message["type"].clone()).ok()?;
    if !provider.supports(message_type) {
        let able: Vec<&str> =
            ProviderKind::ALL.iter().filter(|k| k.provider().supports(message_type)).map(|k| k.as_str()).collect();
        diags.push(
            ctx.at(
                Severity::Error,
                "/message/type",
                Part::Value,
                format!("provider `{kind}` cannot send {message_type} messages"),
            )
            .label("not supported by this provider")
            .help(format!("providers that can: {}; `herald providers` prints the whole matrix", able.join(", "))),
        );
    }
    check_message_keys(&c.message, message_type, ctx, diags);
    let (message, text_origin) = fold_text_file(&c.message, ctx, diags);
    let region = check_recipients(c, ctx, diags);
    let to_groups =
        c.recipients.groups.is_some() || (c.recipients.csv.is_some() && c.recipients.group_column.is_some());
    if let Some(why) = provider.refuses_for_groups(message_type).filter(|_| to_groups) {
        diags.push(
            ctx.at(Severity::Error, "/message/type", Part::Value, why).help("send the template to phone numbers"),
        );
    }

    let schedule = super::schedule::check(c.schedule.as_ref(), kind, message_type, ctx, diags);
    let delivery = Delivery::from_doc(&c.delivery, provider.info().default_rate).unwrap_or_else(|errors| {
        for e in errors {
            diags.push(ctx.at(Severity::Error, &e.pointer, Part::Value, e.message));
        }
        Delivery::default()
    });
    super::typing::check(kind, &delivery, ctx, diags);
    super::receipts::check(kind, &delivery, ctx, diags);
    let senders = super::senders::check(c, &delivery, ctx, diags);
    let window = super::window::check(c, ctx, diags);
    let canary = super::canary::check(c, region, ctx, diags);
    Some(Checked {
        settings: Settings {
            base_url,
            account: String::new(),
            send_at: super::Schedule::for_provider(schedule, ctx.options.schedule),
            typing: delivery.typing,
        },
        senders,
        message_type,
        delivery,
        window,
        canary,
        schedule,
        region,
        message,
        text_origin,
    })
}

/// After schema errors: the checks that need no valid structure, so one run still reports a
/// pasted secret, missing files and template syntax errors.
pub fn salvage(doc: &Value, ctx: &Context, diags: &mut Diagnostics) {
    if let Some(name) = doc.pointer("/provider/token_env").and_then(Value::as_str) {
        super::connection::literal_secret(name, "/provider/token_env", ctx, diags);
    }
    let senders = doc.pointer("/provider/senders").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    for (i, sender) in senders.iter().enumerate() {
        if let Some(name) = sender.get("token_env").and_then(Value::as_str) {
            super::connection::literal_secret(name, &format!("/provider/senders/{i}/token_env"), ctx, diags);
        }
    }
    if let Some(url) = doc.pointer("/provider/base_url").and_then(Value::as_str) {
        super::connection::url_secret(url, ctx, diags);
    }
    let mut files: Vec<String> = vec!["/recipients/csv".into(), "/message/text_file".into()];
    match doc.pointer("/recipients/suppress") {
        Some(Value::Array(a)) => files.extend((0..a.len()).map(|i| format!("/recipients/suppress/{i}"))),
        Some(_) => files.push("/recipients/suppress".into()),
        None => {}
    }
    for pointer in files {
        if let Some(file) = doc.pointer(&pointer).and_then(Value::as_str)
            && let Some(path) = ctx.file(&pointer, file, diags)
            && let Err(e) = std::fs::metadata(&path)
        {
            diags.push(ctx.at(
                Severity::Error,
                &pointer,
                Part::Value,
                format!("cannot read {}: {}", path.display(), crate::recipients::io_reason(&e)),
            ));
        }
    }
    if let Some(source) = doc.pointer(super::filter::POINTER).and_then(Value::as_str)
        && let Err(e) = crate::template::condition::syntax(source)
    {
        diags.push(super::filter::syntax_error(source, &e, ctx));
    }
    if let Some(Err(errors)) = doc
        .get("message")
        .map(|m| crate::template::Templates::compile(m, doc.get("metadata"), crate::template::Origin::Campaign))
    {
        diags.extend(errors.iter().map(|e| super::templates::compile_error(e, ctx)));
    }
}

/// Whether a message block belongs to a message type.
type Belongs = fn(MessageType) -> bool;

/// Each message block, and which types it belongs to.
const BLOCKS: [(&str, Belongs); 9] = [
    ("media", |t| t.media_kind().is_some()),
    ("location", |t| t == MessageType::Location),
    ("contact", |t| t == MessageType::Contact),
    ("contacts", |t| t == MessageType::Contact),
    ("template", |t| t == MessageType::Template),
    ("category", |t| t == MessageType::Template),
    ("interactive", |t| t == MessageType::Interactive),
    ("poll", |t| t == MessageType::Poll),
    ("reaction", |t| t == MessageType::Reaction),
];

fn check_message_keys(message: &Value, t: MessageType, ctx: &Context, diags: &mut Diagnostics) {
    for (key, belongs) in BLOCKS {
        if message.get(key).is_some() && !belongs(t) {
            diags.push(
                ctx.at(
                    Severity::Warning,
                    &format!("/message/{key}"),
                    Part::Key,
                    format!("`message.{key}` is ignored for a {t} message"),
                )
                .help("remove it, or change `message.type`"),
            );
        }
    }
    let has_text = message.get("text").is_some();
    let has_file = message.get("text_file").is_some();
    match (t, has_text, has_file) {
        (MessageType::Text, false, false) => diags.push(
            ctx.at(Severity::Error, "/message", Part::Key, "a text message needs `text` or `text_file`")
                .label("add `text:` here"),
        ),
        (_, true, true) => diags.push(ctx.at(
            Severity::Error,
            "/message/text_file",
            Part::Key,
            "`text` and `text_file` are both given; keep one",
        )),
        (MessageType::Text, _, _) => {}
        (_, true, _) | (_, _, true) => {
            let key = if has_text { "text" } else { "text_file" };
            diags.push(ctx.at(
                Severity::Warning,
                &format!("/message/{key}"),
                Part::Key,
                format!("`message.{key}` is ignored for a {t} message"),
            ));
        }
        _ => {}
    }
}

fn fold_text_file(message: &Value, ctx: &Context, diags: &mut Diagnostics) -> (Value, crate::template::Origin) {
    let mut message = message.clone();
    let Some(file) = message.get("text_file").and_then(Value::as_str).map(str::to_string) else {
        return (message, crate::template::Origin::Campaign);
    };
    let Some(path) = ctx.file("/message/text_file", &file, diags) else {
        return (message, crate::template::Origin::Campaign);
    };
    let why = match super::files::read_at_most(&path, super::files::MAX_TEXT_FILE).map(String::from_utf8) {
        Ok(Ok(text)) => {
            let obj = message.as_object_mut().expect("schema: message is a mapping");
            obj.remove("text_file");
            obj.insert("text".into(), Value::String(text.clone()));
            return (message, crate::template::Origin::File { name: path.display().to_string(), text });
        }
        Ok(Err(_)) => format!("{} is not valid UTF-8", path.display()),
        Err(e) => e.to_string(),
    };
    diags.push(
        ctx.at(Severity::Error, "/message/text_file", Part::Value, why)
            .help("paths are relative to the campaign file's folder; the file holds the message text, in UTF-8"),
    );
    (message, crate::template::Origin::Campaign)
}

fn check_recipients(c: &CampaignDoc, ctx: &Context, diags: &mut Diagnostics) -> Option<Region> {
    let r = &c.recipients;
    let provider = c.provider.kind.provider();
    // Numbers listed beside provider tags join the tags' one request, so together they are one
    // source.
    let list = r.list.is_some() && r.provider_tags.is_none();
    let sources = [r.csv.is_some(), list, r.provider_tags.is_some(), r.groups.is_some()];
    let sources = sources.iter().filter(|x| **x).count();
    if sources != 1 {
        let what = if sources == 0 { "names no recipients" } else { "names more than one source of recipients" };
        diags.push(
            ctx.at(Severity::Error, "/recipients", Part::Key, format!("`recipients` {what}")).help(
                "give exactly one of `csv: file.csv`, `list: [\"+254…\"]`, `groups: [\"1203…@g.us\"]` or `provider_tags: [\"42\"]`",
            ),
        );
    }
    let groups = if r.groups.is_some() { Some("groups") } else { r.group_column.as_ref().map(|_| "group_column") };
    if let Some(key) = groups.filter(|_| !provider.supports_groups()) {
        diags.push(
            ctx.at(
                Severity::Error,
                &format!("/recipients/{key}"),
                Part::Key,
                format!("provider `{}` cannot send to groups", c.provider.kind),
            )
            .help(format!(
                "{} send to groups; others reach phone numbers only",
                crate::providers::names_where(|p| p.supports_groups())
            )),
        );
    }
    let columns = [
        ("phone_column", r.phone_column.is_some()),
        ("group_column", r.group_column.is_some()),
        ("contact_column", r.contact_column.is_some()),
    ];
    if columns.iter().filter(|(_, given)| *given).count() > 1 {
        let key = columns.iter().rev().find(|(_, given)| *given).map_or("group_column", |(key, _)| *key);
        diags.push(
            ctx.at(
                Severity::Error,
                &format!("/recipients/{key}"),
                Part::Key,
                "a CSV holds one kind of address: phone numbers, groups or provider-side contacts",
            )
            .help("keep one of `phone_column`, `group_column` and `contact_column`"),
        );
    }
    let by_id = r.groups.is_some() || (r.csv.is_some() && (r.group_column.is_some() || r.contact_column.is_some()));
    if by_id && !r.suppress.is_empty() {
        diags.push(
            ctx.at(
                Severity::Warning,
                "/recipients/suppress",
                Part::Key,
                "suppression lists hold phone numbers and do not apply to groups or contact ids",
            )
            .help("leave opted-out groups or contacts out of the list or CSV itself"),
        );
    } else if by_id && !ctx.options.opt_out.is_empty() {
        let named: Vec<String> = ctx.options.opt_out.iter().map(super::OptOutList::describe).collect();
        diags.push(
            ctx.at(
                Severity::Warning,
                "/recipients",
                Part::Key,
                format!(
                    "the global opt-out lists hold phone numbers and do not apply to groups or contact ids: {}",
                    named.join(", ")
                ),
            )
            .help("leave opted-out groups or contacts out of the list or CSV itself"),
        );
    }
    if r.contact_column.is_some() && !provider.supports_contact_ids() {
        diags.push(
            ctx.at(
                Severity::Error,
                "/recipients/contact_column",
                Part::Key,
                format!("provider `{}` cannot address its contacts by id", c.provider.kind),
            )
            .help("only whautochat sends to contact ids; use `phone_column` for numbers"),
        );
    }
    let supports_tags = provider.supports_tags();
    if r.provider_tags.is_some() && !supports_tags {
        diags.push(
            ctx.at(
                Severity::Error,
                "/recipients/provider_tags",
                Part::Key,
                format!("provider `{}` cannot resolve contact tags", c.provider.kind),
            )
            .help("only autokonnect resolves its own contact tags; use `csv` or `list` instead"),
        );
    }
    if r.csv.is_none() && r.condition.is_some() {
        let instead = if r.provider_tags.is_some() {
            "choose the provider's tags to match instead"
        } else if r.groups.is_some() {
            "list only the groups you mean"
        } else {
            "list only the numbers you mean"
        };
        diags.push(
            ctx.at(
                Severity::Error,
                super::filter::POINTER,
                Part::Key,
                "`recipients.where` needs a CSV: it tests each row's columns",
            )
            .help(format!("give the audience as `csv: file.csv`, or drop `where` and {instead}")),
        );
    }
    if r.csv.is_none() {
        for key in ["tags", "exclude_tags", "phone_column", "group_column", "contact_column", "tags_column"] {
            let given = match key {
                "tags" => !r.tags.is_empty(),
                "exclude_tags" => !r.exclude_tags.is_empty(),
                "phone_column" => r.phone_column.is_some(),
                "group_column" => r.group_column.is_some(),
                "contact_column" => r.contact_column.is_some(),
                _ => r.tags_column.is_some(),
            };
            if given {
                diags.push(ctx.at(
                    Severity::Warning,
                    &format!("/recipients/{key}"),
                    Part::Key,
                    format!("`recipients.{key}` applies only to a CSV file and is ignored"),
                ));
            }
        }
    }
    let region = r.default_country.as_deref().map(|code| {
        crate::phone::parse_region(code).ok_or_else(|| {
            diags.push(ctx.at(
                Severity::Error,
                "/recipients/default_country",
                Part::Value,
                format!("`{code}` is not a country code known to the phone-number library"),
            ));
        })
    });
    region.and_then(Result::ok)
}
