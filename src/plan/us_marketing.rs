//! Meta has not delivered marketing templates to US (+1) numbers since 1 April 2025: a campaign
//! that declares its template marketing (`message.category: marketing`) and lists US numbers
//! gets a warning at the category, with how many and the first of them, before anything is
//! sent. Canada and the other +1 countries are not blocked, so the number's country decides.
//! The pre-flight gives the same warning when the account says the template is marketing and
//! the campaign declares no category ([`us_numbers`], [`WHY`]).

use super::checks::Context;
use super::{Plan, PlanError, Row};
use crate::campaign::source::Part;
use crate::cost::{Billed, Category};
use crate::diagnostic::{Diagnostics, Severity};
use crate::providers::Target;
use crate::recipients::describe;

/// What to do about it, for the warning's help.
pub const WHY: &str = "leave US numbers out of this campaign (`recipients.suppress`), or send them a template Meta approved as utility if the message is one";

/// Warns when a declared marketing template goes to US numbers.
pub fn check(plan: &Plan, ctx: &Context, diags: &mut Diagnostics) -> Result<(), PlanError> {
    if plan.billed != Billed::Template(Some(Category::Marketing)) {
        return Ok(());
    }
    if let Some(message) = us_numbers(plan)? {
        diags.push(
            ctx.at(Severity::Warning, "/message/category", Part::Value, message)
                .label("a marketing template")
                .help(WHY),
        );
    }
    Ok(())
}

/// The warning for `plan`'s recipients with US numbers, how many and the first, were its
/// template marketing; `None` when there are none.
///
/// # Errors
///
/// A recipients file that can no longer be read.
pub fn us_numbers(plan: &Plan) -> Result<Option<String>, PlanError> {
    let csv_name = plan.audience.csv_path().map(|p| p.display().to_string());
    let (mut count, mut first) = (0usize, None);
    for row in plan.rows()? {
        let Row::Recipient(r) = row? else { continue };
        let Target::Phone(phone) = &r.target else { continue };
        // +1 first (no other calling code starts with 1): most numbers are not, at no parse.
        if phone.digits().starts_with('1') && phone.region().as_deref() == Some("US") {
            count += 1;
            first.get_or_insert_with(|| describe(r.origin, csv_name.as_deref()));
        }
    }
    Ok(first.map(|first| {
        format!(
            "{count} {}, and Meta has not delivered marketing templates to US numbers since 1 April 2025; the first is {first}",
            if count == 1 { "recipient has a US (+1) number" } else { "recipients have US (+1) numbers" }
        )
    }))
}
