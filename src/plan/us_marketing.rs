//! Meta has not delivered marketing templates to US (+1) numbers since 1 April 2025: a campaign
//! that declares its template marketing (`message.category: marketing`) and lists US numbers
//! gets a warning at the category, with how many and the first of them, before anything is
//! sent. Canada and the other +1 countries are not blocked, so the number's country decides.

use super::checks::Context;
use super::{Plan, PlanError, Row};
use crate::campaign::source::Part;
use crate::cost::{Billed, Category};
use crate::diagnostic::{Diagnostics, Severity};
use crate::providers::Target;
use crate::recipients::describe;

/// Warns when a declared marketing template goes to US numbers.
pub fn check(plan: &Plan, ctx: &Context, diags: &mut Diagnostics) -> Result<(), PlanError> {
    if plan.billed != Billed::Template(Some(Category::Marketing)) {
        return Ok(());
    }
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
    if let Some(first) = first {
        diags.push(
            ctx.at(
                Severity::Warning,
                "/message/category",
                Part::Value,
                format!(
                    "{count} {}, and Meta has not delivered marketing templates to US numbers since 1 April 2025; the first is {first}",
                    if count == 1 { "recipient has a US (+1) number" } else { "recipients have US (+1) numbers" }
                ),
            )
            .label("a marketing template")
            .help("leave US numbers out of this campaign (`recipients.suppress`), or send them a template Meta approved as utility if the message is one"),
        );
    }
    Ok(())
}
