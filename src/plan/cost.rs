//! The campaign's cost estimate and budget: the rate card the campaign names
//! (`delivery.rate_card`) or `$HERALD_RATE_CARD` does, the template's category
//! (`message.category`) and each recipient's country, priced by [`crate::cost`]. An estimate
//! above `delivery.budget` is a validation error, so `send` refuses before its first request.

use super::checks::Context;
use super::{Plan, PlanError, Row};
use crate::campaign::model::CampaignDoc;
use crate::campaign::source::Part;
use crate::cost::{Amount, Billed, Category, Currency, Estimate, RateCard};
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::message::MessageType;
use crate::providers::Target;

/// The variable naming a rate card for every campaign that names none.
pub const ENV: &str = "HERALD_RATE_CARD";

/// Why the rate card cannot be used: the file cannot be read, or it is not a card.
#[derive(Debug, thiserror::Error)]
enum CardFileError {
    /// The file cannot be read (or is over [`crate::cost::card::MAX_BYTES`]).
    #[error("cannot read the rate card: {0}")]
    Read(#[from] super::ReadError),
    /// Not a card Meta publishes.
    #[error(transparent)]
    Card(#[from] crate::cost::CardError),
}

/// Reads and parses the card at `path`.
fn read_card(path: &std::path::Path) -> Result<RateCard, CardFileError> {
    let bytes = super::read_at_most(path, crate::cost::card::MAX_BYTES)?;
    Ok(RateCard::parse(path, &bytes)?)
}

/// Where the card is explained.
const HELP: &str = "download the CSV rate card for your currency from Meta's pricing page; see docs/cost.md";

/// What pricing the audience needs, checked before its rows are walked.
pub struct Pricing {
    card: RateCard,
    billed: Billed,
    budget: Option<Budget>,
}

/// `delivery.budget`, read.
struct Budget {
    amount: Amount,
    currency: Currency,
}

impl Pricing {
    /// The rate card.
    pub fn card(&self) -> &RateCard {
        &self.card
    }
}

/// Reads the rate card, the category and the budget; `None` when there is no card (a budget
/// without one is an error) or something is wrong, each problem reported at its key.
pub fn prepare(c: &CampaignDoc, message_type: MessageType, ctx: &Context, diags: &mut Diagnostics) -> Option<Pricing> {
    let budget = c.delivery.budget.as_deref().map(|text| budget(text, ctx, diags));
    let card = match (&c.delivery.rate_card, &ctx.options.rate_card) {
        (Some(relative), _) => {
            let path = ctx.file("/delivery/rate_card", relative, diags)?;
            read_card(&path)
                .map_err(|e| {
                    diags.push(ctx.at(Severity::Error, "/delivery/rate_card", Part::Value, e.to_string()).help(HELP))
                })
                .ok()?
        }
        (None, Some(path)) => {
            read_card(path).map_err(|e| diags.push(Diagnostic::error(format!("${ENV}: {e}")).help(HELP))).ok()?
        }
        (None, None) => {
            if c.delivery.budget.is_some() {
                diags.push(
                    ctx.at(
                        Severity::Error,
                        "/delivery/budget",
                        Part::Key,
                        "`delivery.budget` needs a rate card to check the estimate against",
                    )
                    .help(format!("name Meta's rate card CSV in `delivery.rate_card` or ${ENV}; see docs/cost.md")),
                );
            }
            return None;
        }
    };
    let budget = match budget {
        Some(None) => return None,
        Some(Some(b)) => Some(b),
        None => None,
    };
    if let Some(b) = &budget
        && b.currency != card.currency
    {
        diags.push(
            ctx.at(
                Severity::Error,
                "/delivery/budget",
                Part::Value,
                format!(
                    "the budget is in {} but the rate card {} is in {}",
                    b.currency,
                    card.path.display(),
                    card.currency
                ),
            )
            .help(format!("write the budget in {}, or use Meta's rate card in {}", card.currency, b.currency)),
        );
        return None;
    }
    Some(Pricing { card, billed: billed(c, message_type), budget })
}

/// What the message is as Meta bills it: a template of its declared category (`message.category`),
/// or free.
pub fn billed(c: &CampaignDoc, message_type: MessageType) -> Billed {
    match message_type {
        MessageType::Template => {
            Billed::Template(c.message.get("category").and_then(|v| serde_json::from_value::<Category>(v.clone()).ok()))
        }
        _ => Billed::Free,
    }
}

/// Each recipient's country, by their number (`None` for a number no country claims, or a
/// recipient that is not a number).
pub(super) fn countries(plan: &Plan) -> Result<Vec<Option<String>>, PlanError> {
    let mut countries = Vec::new();
    for row in plan.rows()? {
        if let Row::Recipient(r) = row? {
            countries.push(match &r.target {
                Target::Phone(phone) => phone.region(),
                _ => None,
            });
        }
    }
    Ok(countries)
}

/// Reads `250 USD`; `None` after reporting it at the key when it is not one.
fn budget(text: &str, ctx: &Context, diags: &mut Diagnostics) -> Option<Budget> {
    let mut words = text.split_whitespace();
    let read = match (words.next(), words.next(), words.next()) {
        (Some(amount), Some(currency), None) => Amount::parse(amount).zip(Currency::parse(currency)),
        _ => None,
    };
    match read {
        Some((amount, currency)) => Some(Budget { amount, currency }),
        None => {
            diags.push(
                ctx.at(Severity::Error, "/delivery/budget", Part::Value, format!("`{text}` is not a budget"))
                    .help("write an amount and the rate card's currency, such as `250 USD`"),
            );
            None
        }
    }
}

/// Prices every recipient of `plan` (by their number's country) and checks the budget.
pub fn estimate(plan: &Plan, pricing: &Pricing, ctx: &Context, diags: &mut Diagnostics) -> Result<Estimate, PlanError> {
    let estimate = Estimate::of(&pricing.card, pricing.billed, countries(plan)?);
    if let Some(b) = &pricing.budget
        && estimate.total > b.amount
    {
        diags.push(
            ctx.at(
                Severity::Error,
                "/delivery/budget",
                Part::Value,
                format!(
                    "the estimate, at most {} {}, is above the budget of {} {}",
                    estimate.total.shown_up(),
                    estimate.currency,
                    b.amount,
                    b.currency
                ),
            )
            .label("the most this campaign may cost")
            .help(format!("the campaign {}; raise the budget, or narrow the audience", estimate.sentence())),
        );
    }
    if pricing.budget.is_some() && estimate.unpriced > 0 {
        diags.push(
            ctx.at(
                Severity::Warning,
                "/delivery/budget",
                Part::Value,
                format!(
                    "{} recipient{} not priced, so the budget does not cover them: the rate card has no {} rate for their market",
                    estimate.unpriced,
                    if estimate.unpriced == 1 { " is" } else { "s are" },
                    estimate.category
                ),
            )
            .help("use Meta's full rate card, which has an `Other` market for every country it does not list"),
        );
    }
    Ok(estimate)
}
