//! The campaign file as typed data, read after the schema has passed. `message` and
//! `metadata` stay JSON: they are templates, typed only once rendered for a recipient.

use crate::providers::ProviderKind;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A campaign file.
#[derive(Debug, Clone, Deserialize)]
pub struct CampaignDoc {
    /// Format version (1).
    pub version: u32,
    /// Stable identity.
    pub id: String,
    /// Name for people.
    pub name: Option<String>,
    /// Provider and account.
    pub provider: ProviderDoc,
    /// Audience.
    pub recipients: RecipientsDoc,
    /// Campaign-level template variables.
    #[serde(default)]
    pub vars: Map<String, Value>,
    /// The message, as templates.
    pub message: Value,
    /// Metadata for providers that echo it, as templates.
    pub metadata: Option<Value>,
    /// When to send.
    pub schedule: Option<ScheduleDoc>,
    /// Delivery limits.
    #[serde(default)]
    pub delivery: DeliveryDoc,
}

/// `provider:`.
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderDoc {
    /// Which provider.
    pub kind: ProviderKind,
    /// Base URL override.
    pub base_url: Option<String>,
    /// Environment variable holding the secret (required without `senders`; with them, the
    /// token of each sender that names none of its own).
    pub token_env: Option<String>,
    /// The Cloud API's WhatsApp Business Account id, which its templates are listed from.
    #[serde(default, deserialize_with = "id_text")]
    pub waba_id: Option<String>,
    /// The accounts the campaign sends from, when more than one.
    pub senders: Option<Vec<SenderDoc>>,
    /// Plain `http://` to a host other than this machine is allowed (and warned about).
    #[serde(default)]
    pub allow_insecure: bool,
    /// The account settings given (`phone_number_id`, `instance`, …), by key, as text. Which
    /// key a provider reads is one of its facts ([`crate::providers::Info::account_key`]); the
    /// schema admits only the providers' keys.
    #[serde(flatten, deserialize_with = "id_texts")]
    pub accounts: BTreeMap<String, String>,
}

/// One of `provider.senders:`: an account of the campaign's provider, with its own token,
/// rate and daily cap where it names them.
#[derive(Debug, Clone, Deserialize)]
pub struct SenderDoc {
    /// Environment variable holding this account's secret; `provider.token_env` by default.
    pub token_env: Option<String>,
    /// This account's rate; `delivery.rate` by default.
    pub rate: Option<Value>,
    /// This account's daily cap; `delivery.daily_cap` by default.
    pub daily_cap: Option<usize>,
    /// The account key given (`phone_number_id`, `instance`, …), as in [`ProviderDoc::accounts`].
    #[serde(flatten, deserialize_with = "id_texts")]
    pub accounts: BTreeMap<String, String>,
}

/// `recipients:`.
#[derive(Debug, Clone, Deserialize)]
pub struct RecipientsDoc {
    /// CSV path relative to the campaign file.
    pub csv: Option<String>,
    /// Numbers written in the file.
    #[serde(default, deserialize_with = "id_list")]
    pub list: Option<Vec<String>>,
    /// Provider-side tags.
    #[serde(default, deserialize_with = "id_list")]
    pub provider_tags: Option<Vec<String>>,
    /// Provider-side group ids written in the file.
    #[serde(default, deserialize_with = "id_list")]
    pub groups: Option<Vec<String>>,
    /// Phone column name.
    pub phone_column: Option<String>,
    /// The column of group ids, for a CSV of groups.
    pub group_column: Option<String>,
    /// The largest share of invalid rows that validation accepts.
    pub max_invalid: Option<Value>,
    /// The column of provider-side contact ids, for a CSV of WhautoChat contacts.
    pub contact_column: Option<String>,
    /// Tags column name.
    pub tags_column: Option<String>,
    /// Region for numbers without a country code.
    pub default_country: Option<String>,
    /// Keep rows with any of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Drop rows with any of these tags.
    #[serde(default)]
    pub exclude_tags: Vec<String>,
    /// `where`: a minijinja expression over each CSV row; rows for which it is false are left
    /// out.
    #[serde(rename = "where")]
    pub condition: Option<String>,
    /// Suppression files.
    #[serde(default, deserialize_with = "one_or_many")]
    pub suppress: Vec<String>,
}

/// `schedule:`.
#[derive(Debug, Clone, Deserialize)]
pub struct ScheduleDoc {
    /// RFC 3339 time with offset.
    pub send_at: Option<String>,
    /// The hours and days recipients may be messaged.
    pub window: Option<WindowDoc>,
    /// Who holds the messages until `send_at`; by default the provider where it can.
    pub mode: Option<ScheduleMode>,
}

/// `schedule.window:` as written; checked into a [`crate::window::Window`].
#[derive(Debug, Clone, Deserialize)]
pub struct WindowDoc {
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`.
    pub end: String,
    /// `mon` … `sun`.
    pub days: Option<Vec<String>>,
    /// `recipient` or an IANA zone.
    pub timezone: Option<String>,
    /// An IANA zone.
    pub fallback_timezone: Option<String>,
}

/// `schedule.mode`: who holds a scheduled campaign's messages until `send_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleMode {
    /// herald sends at once, each request carrying the time, and the provider delivers then.
    Provider,
    /// herald waits in-process until the time, then sends.
    Local,
}

/// `delivery:` as written (numbers or strings with units); see [`crate::delivery`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeliveryDoc {
    /// Rate.
    pub rate: Option<Value>,
    /// Burst.
    pub burst: Option<u32>,
    /// Concurrency.
    pub concurrency: Option<usize>,
    /// Attempts.
    pub max_attempts: Option<u32>,
    /// Timeout.
    pub timeout: Option<Value>,
    /// Failure threshold.
    pub max_failure_rate: Option<Value>,
    /// Share of recent recipients failing that stops the run early.
    pub breaker: Option<Value>,
    /// Resend ambiguous requests.
    pub retry_ambiguous: Option<bool>,
    /// Recipients per request, where the provider takes several numbers in one.
    pub batch_size: Option<usize>,
    /// A first, small send to check before the rest.
    pub canary: Option<CanaryDoc>,
    /// At most this many messages per sender in a rolling 24 hours.
    pub daily_cap: Option<usize>,
    /// A random pause between one sender's messages: `2s..8s` or `5s`.
    pub jitter: Option<Value>,
    /// Show "typing…" before each message, where the provider documents it.
    pub typing: Option<bool>,
    /// The delivery gate: the share of accepted messages that must be reported delivered.
    pub min_delivered: Option<Value>,
    /// How long `send` waits for delivery receipts after the last request.
    pub wait_receipts: Option<Value>,
    /// Meta's rate card CSV, relative to the campaign file.
    pub rate_card: Option<String>,
    /// The most the campaign may cost: `250 USD`.
    pub budget: Option<String>,
}

/// `delivery.canary:` as written; checked into a [`crate::plan::Canary`].
#[derive(Debug, Clone, Deserialize)]
pub struct CanaryDoc {
    /// Recipients of the audience.
    pub count: Option<usize>,
    /// Seed numbers.
    #[serde(default)]
    pub to: Vec<String>,
    /// Stop after the canary.
    pub pause: Option<bool>,
    /// How long to wait before going on, with `pause: false`.
    pub wait: Option<Value>,
}

fn text_of(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn id_texts<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let given = BTreeMap::<String, Value>::deserialize(d)?;
    Ok(given.into_iter().filter_map(|(key, value)| text_of(value).map(|text| (key, text))).collect())
}

fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(text_of))
}

fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Ok(Option::<Vec<Value>>::deserialize(d)?.map(|v| v.into_iter().filter_map(text_of).collect()))
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => vec![],
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}
