//! Validation and planning: reads a campaign file and everything it names, checks all that can
//! be checked before the first request, and produces the exact request for every recipient.
//! `validate`, `preview` and `send` all start here, so what is previewed is what is sent.

mod audience;
mod checks;
mod render;

use crate::campaign::model::CampaignDoc;
use crate::campaign::source::{Part, Source};
use crate::campaign::{schema, yaml};
use crate::delivery::Delivery;
use crate::diagnostic::{Diagnostic, Location};
use crate::message::MessageType;
use crate::providers::{ProviderKind, Settings};
use crate::recipients::{Recipient, Skipped, SkippedRow};
use crate::request::HttpRequest;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What the caller needs checked beyond the file itself.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// What a token that is not set means.
    pub token: TokenCheck,
    /// Send to this base URL instead of the campaign's (the built-in sandbox).
    pub base_url: Option<String>,
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
}

/// A validated campaign, ready to preview or send.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The campaign file as given.
    pub file: PathBuf,
    /// SHA-256 of the campaign file, hex.
    pub file_hash: String,
    /// SHA-256 of each top-level section of the campaign file (`message`, `vars`, …), so a
    /// re-run can tell which part changed.
    pub sections: std::collections::HashMap<String, String>,
    /// Campaign id.
    pub id: String,
    /// Campaign name.
    pub name: Option<String>,
    /// Provider.
    pub provider: ProviderKind,
    /// Provider settings.
    pub settings: Settings,
    /// Name of the env var holding the secret.
    pub token_env: String,
    /// The message type.
    pub message_type: MessageType,
    /// Delivery limits.
    pub delivery: Delivery,
    /// When to send, if scheduled.
    pub send_at: Option<jiff::Timestamp>,
    /// One request per recipient, in file order.
    pub sends: Vec<Send>,
    /// Recipients left out, by reason.
    pub skipped: Skipped,
    /// Recipients left out, one by one, for the report.
    pub skipped_rows: Vec<SkippedRow>,
}

/// The result of validating one campaign file.
#[derive(Debug)]
pub struct Validation {
    /// The plan, when the campaign has no errors.
    pub plan: Option<Plan>,
    /// Every problem found, errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

/// Validates `path` and, if it is valid, plans every request.
pub fn load(path: &Path, options: Options) -> Validation {
    let mut diags = Vec::new();
    let plan = load_inner(path, options, &mut diags);
    // Problems in the campaign file first, in file order; then those in other files as found.
    let name = path.display().to_string();
    diags.sort_by_key(|d| match &d.location {
        Some(l) if l.file == name => (0, l.line, l.col.unwrap_or(0)),
        Some(_) => (1, 0, 0),
        None => (0, 0, 0),
    });
    let plan = if diags.iter().any(Diagnostic::is_error) { None } else { plan };
    Validation { plan, diagnostics: diags }
}

fn load_inner(path: &Path, options: Options, diags: &mut Vec<Diagnostic>) -> Option<Plan> {
    let name = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diags.push(
                Diagnostic::error(format!("cannot read {name}: {}", crate::recipients::io_reason(&e)))
                    .help("check the path; campaign files are usually under campaigns/"),
            );
            return None;
        }
    };
    let Ok(text) = String::from_utf8(bytes.clone()) else {
        diags.push(Diagnostic::error(format!("{name} is not valid UTF-8")).help("save the campaign file as UTF-8"));
        return None;
    };
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
    let ctx = checks::Context { source: &source, base: &base, options };
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
    let campaign: CampaignDoc = match serde_json::from_value(doc) {
        Ok(c) => c,
        Err(e) => {
            diags.push(
                Diagnostic::error(format!("the campaign cannot be read: {e}")).at(source.locate("", Part::Value)),
            );
            return None;
        }
    };
    let checked = checks::check(&campaign, &ctx, diags)?;
    let audience = audience::build(&campaign, &checked, &ctx, diags)?;
    let sends = render::render_all(&campaign, &checked, &audience, &ctx, diags)?;
    Some(Plan {
        file: path.to_path_buf(),
        file_hash: crate::hex::encode(&Sha256::digest(&bytes)),
        sections,
        id: campaign.id,
        name: campaign.name,
        provider: campaign.provider.kind,
        settings: checked.settings,
        token_env: campaign.provider.token_env,
        message_type: checked.message_type,
        delivery: checked.delivery,
        send_at: checked.send_at,
        sends,
        skipped: audience.skipped,
        skipped_rows: audience.skipped_rows,
    })
}

impl Plan {
    /// Points every request at another base URL (the built-in sandbox).
    pub fn rebase(&mut self, base_url: &str) {
        for send in &mut self.sends {
            if let Some(path) = send.request.url.strip_prefix(&self.settings.base_url) {
                send.request.url = format!("{base_url}{path}");
            }
        }
        self.settings.base_url = base_url.to_string();
    }

    /// The one-line summary `validate` prints on success.
    pub fn summary(&self) -> String {
        let s = &self.skipped;
        let mut line = format!(
            "{}: {} recipient{} to send, {} skipped ({} invalid, {} duplicate, {} suppressed)",
            self.file.display(),
            self.sends.len(),
            if self.sends.len() == 1 { "" } else { "s" },
            s.total(),
            s.invalid,
            s.duplicate,
            s.suppressed,
        );
        if s.filtered > 0 {
            line.push_str(&format!(", {} left out by tags", s.filtered));
        }
        line.push_str(&format!(", provider {}, message {}", self.provider, self.message_type));
        line
    }
}
