//! Conditions: a minijinja expression that is true or false for each CSV row, such as
//! `recipients.where: "country == 'KE' and age | int >= 18"`. It runs in the environment the
//! message templates run in ([`super::environment`]: the same filters, strict undefined values,
//! the same fuel), over the names they see (the row's columns, then `vars` and `campaign`).
//!
//! A compiled expression borrows its environment, so a [`Condition`] keeps the environment and
//! the source, and each [`Evaluator`] compiles the expression once for the many rows it judges.

use super::context::Shared;
use minijinja::value::ValueKind;
use minijinja::{Environment, ErrorKind, Expression, Value};
use std::collections::BTreeSet;
use std::sync::Arc;

/// A compiled condition over CSV rows.
pub struct Condition {
    env: Environment<'static>,
    source: String,
    context: Shared,
    /// The row's names it uses (not minijinja's own functions), to say which one is empty.
    uses: BTreeSet<String>,
}

impl std::fmt::Debug for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Condition").field("source", &self.source).finish_non_exhaustive()
    }
}

/// An expression that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 0-based line within the expression and 1-based column, when known.
    pub at: Option<(usize, usize)>,
    /// What minijinja said.
    pub message: String,
}

/// Why a condition cannot decide about a row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    /// A name it uses is an empty cell in this row. Empty is not guessed to mean `''` or `0`:
    /// the expression says what it means with `default(…)` or `is defined`.
    #[error("`{0}` is empty")]
    Empty(String),
    /// It gave something other than true or false (`"no"` would count as true in Jinja).
    #[error("it gives `{value}` ({kind}), not true or false")]
    NotBoolean {
        /// The value.
        value: String,
        /// Its kind (`string`, `number`, …).
        kind: String,
    },
    /// Evaluating it failed, e.g. `'abc' | int`.
    #[error("{0}")]
    Failed(String),
}

impl Condition {
    /// Compiles `source` for rows whose context `context` builds.
    pub fn compile(source: &str, context: Shared) -> Result<Condition, SyntaxError> {
        let env = super::environment();
        let uses = names(&env, source)?;
        Ok(Condition { env, source: source.to_string(), context, uses })
    }

    /// The names it uses: CSV columns, `vars` keys or `campaign`, unless misspelt.
    pub fn variables(&self) -> &BTreeSet<String> {
        &self.uses
    }

    /// An evaluator for a run of rows: the expression compiled once for all of them.
    pub fn evaluator(&self) -> Evaluator<'_> {
        Evaluator { condition: self, expression: self.env.compile_expression_owned(self.source.clone()) }
    }
}

/// Checks that `source` parses, without a row context (for a campaign file whose structure is
/// wrong, so every problem shows in one run); returns the names it uses.
pub fn syntax(source: &str) -> Result<BTreeSet<String>, SyntaxError> {
    names(&super::environment(), source)
}

/// The names `source` uses apart from `env`'s own functions (`range`, `dict`, …).
fn names(env: &Environment<'static>, source: &str) -> Result<BTreeSet<String>, SyntaxError> {
    match env.compile_expression(source) {
        Ok(expression) => {
            let functions: BTreeSet<&str> = env.globals().map(|(name, _)| name).collect();
            let names = expression.undeclared_variables(false).into_iter();
            Ok(names.filter(|name| !functions.contains(name.as_str())).collect())
        }
        Err(e) => {
            let at = e.line().map(|l| (l - 1, super::column_of(source, e.range(), l)));
            Err(SyntaxError { at, message: super::describe(&e) })
        }
    }
}

/// A [`Condition`] ready to judge rows.
pub struct Evaluator<'a> {
    condition: &'a Condition,
    /// It compiled in [`Condition::compile`], in an environment like this one; should that ever
    /// differ, every row gets the error instead of a panic.
    expression: Result<Expression<'a, 'static>, minijinja::Error>,
}

impl Evaluator<'_> {
    /// Whether the row whose values (aligned with the CSV's columns, `None` for empty cells)
    /// are `values` is kept.
    pub fn keeps(&self, values: Arc<[Option<String>]>) -> Result<bool, ConditionError> {
        let expression = self.expression.as_ref().map_err(|e| ConditionError::Failed(super::describe(e)))?;
        let row = self.condition.context.columns(values);
        match expression.eval(&row) {
            Ok(v) if v.kind() == ValueKind::Bool => Ok(v.is_true()),
            Ok(v) => Err(ConditionError::NotBoolean { value: v.to_string(), kind: v.kind().to_string() }),
            Err(e) => Err(match (e.kind(), self.empty(&row)) {
                (ErrorKind::UndefinedError, Some(name)) => ConditionError::Empty(name.to_string()),
                _ => match self.shown(&row) {
                    shown if shown.is_empty() => ConditionError::Failed(super::describe(&e)),
                    shown => ConditionError::Failed(format!("{} ({shown})", super::describe(&e))),
                },
            }),
        }
    }

    /// The row's values of the names the condition uses, to show what it failed on:
    /// ``age = `abc`, country = `KE` ``.
    fn shown(&self, row: &Value) -> String {
        const LONGEST: usize = 40;
        let uses = self.condition.uses.iter();
        let shown = uses.filter_map(|name| {
            let value = row.get_attr(name).ok().filter(|v| !v.is_undefined())?;
            if matches!(value.kind(), ValueKind::Map | ValueKind::Seq) {
                return None;
            }
            let text = value.to_string();
            let text = match text.char_indices().nth(LONGEST) {
                Some((cut, _)) => format!("{}…", &text[..cut]),
                None => text,
            };
            Some(format!("{name} = `{text}`"))
        });
        shown.collect::<Vec<_>>().join(", ")
    }

    /// The first name the condition uses that this row leaves empty.
    fn empty(&self, row: &Value) -> Option<&str> {
        let uses = self.condition.uses.iter();
        uses.map(String::as_str).find(|name| row.get_attr(name).is_ok_and(|v| v.is_undefined()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::model::CampaignDoc;

    fn condition(source: &str) -> Result<Condition, SyntaxError> {
        let campaign: CampaignDoc = serde_json::from_value(serde_json::json!({
            "version": 1, "id": "c", "provider": {"kind": "cloud_api", "token_env": "T"},
            "recipients": {"csv": "x.csv"}, "vars": {"market": "KE"}, "message": {"type": "text"}
        }))
        .unwrap();
        Condition::compile(source, Shared::new(&campaign, &["phone".into(), "country".into(), "age".into()]))
    }

    fn keeps(c: &Condition, country: Option<&str>, age: Option<&str>) -> Result<bool, ConditionError> {
        let values = [Some("+254712345678"), country, age].map(|v| v.map(str::to_string));
        c.evaluator().keeps(Arc::from(values))
    }

    #[test]
    fn columns_vars_and_filters_decide() {
        let c = condition("country == market and age | int >= 18").unwrap();
        assert_eq!(keeps(&c, Some("KE"), Some("30")), Ok(true));
        assert_eq!(keeps(&c, Some("KE"), Some("17")), Ok(false));
        assert_eq!(keeps(&c, Some("UG"), Some("30")), Ok(false));
        assert_eq!(c.variables().iter().collect::<Vec<_>>(), ["age", "country", "market"]);
    }

    #[test]
    fn minijinja_functions_are_not_row_names() {
        let c = condition("age | int in range(18, 65) and campaign.id == 'c'").unwrap();
        assert_eq!(c.variables().iter().collect::<Vec<_>>(), ["age", "campaign"]);
        assert_eq!(keeps(&c, None, Some("40")), Ok(true));
    }

    #[test]
    fn evaluation_errors_say_what_went_wrong() {
        let c = condition("age | int >= 18").unwrap();
        let e = keeps(&c, None, Some("abc")).unwrap_err();
        assert!(matches!(&e, ConditionError::Failed(why) if why.ends_with("(age = `abc`)")), "{e:?}");
        assert_eq!(keeps(&c, Some("KE"), None), Err(ConditionError::Empty("age".into())));
        let fallback = condition("age | default(0) | int >= 18").unwrap();
        assert_eq!(keeps(&fallback, None, None), Ok(false));
        let defined = condition("age is defined and age | int >= 18").unwrap();
        assert_eq!(keeps(&defined, None, None), Ok(false));
    }

    #[test]
    fn only_true_or_false_will_do() {
        let c = condition("country").unwrap();
        let e = keeps(&c, Some("no"), None).unwrap_err();
        assert_eq!(e, ConditionError::NotBoolean { value: "no".into(), kind: "string".into() });
        assert_eq!(e.to_string(), "it gives `no` (string), not true or false");
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let e = condition("country == 'KE' foo").unwrap_err();
        assert_eq!(e, SyntaxError { at: Some((0, 17)), message: "unexpected input after expression".into() });
        assert!(condition("age |").is_err());
        assert!(condition("{{ country }}").is_err());
    }
}
