//! What templates see for one recipient: the CSV row's columns, then `vars` and `campaign`, and
//! `recipient`; conditions (`recipients.where`) see the same but `recipient`. Built as a view
//! over the row instead of a fresh map per recipient, so rendering a million rows allocates no
//! context maps.

use crate::campaign::model::CampaignDoc;
use minijinja::Value;
use minijinja::value::{Enumerator, Object};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The parts of the context every recipient shares.
#[derive(Debug, Clone)]
pub struct Shared {
    /// Column name → index into a row's values.
    columns: Arc<HashMap<String, usize>>,
    /// `vars` and `campaign`.
    base: Arc<BTreeMap<String, Value>>,
}

impl Shared {
    /// The context's shared part for a campaign whose CSV has these columns.
    pub fn new(c: &CampaignDoc, headers: &[String]) -> Shared {
        let mut base: BTreeMap<String, Value> =
            c.vars.iter().map(|(k, v)| (k.clone(), Value::from(minijinja::value::Serde(v)))).collect();
        let campaign: BTreeMap<&str, Value> =
            [("id", Value::from(c.id.as_str())), ("name", c.name.as_deref().map_or(Value::from(()), Value::from))]
                .into_iter()
                .collect();
        base.insert("campaign".into(), Value::from(campaign));
        // The first of two equal column names wins, as the row's values are read.
        let mut columns = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            columns.entry(h.clone()).or_insert(i);
        }
        Shared { columns: Arc::new(columns), base: Arc::new(base) }
    }

    /// The context for one recipient.
    pub fn row(&self, values: Arc<[Option<String>]>, recipient: String) -> Value {
        Value::from_object(Row { shared: self.clone(), values, recipient: Some(recipient) })
    }

    /// The context of a CSV row before it is anyone's (`recipients.where` decides that): its
    /// columns, then `vars` and `campaign`, but no `recipient`.
    pub fn columns(&self, values: Arc<[Option<String>]>) -> Value {
        Value::from_object(Row { shared: self.clone(), values, recipient: None })
    }
}

/// One recipient's context.
#[derive(Debug)]
struct Row {
    shared: Shared,
    values: Arc<[Option<String>]>,
    recipient: Option<String>,
}

impl Object for Row {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        if let (Some(recipient), "recipient") = (&self.recipient, key) {
            return Some(Value::from(recipient.as_str()));
        }
        // An empty cell is no value: a `vars` key of the same name, if any, shows through.
        let cell = self.shared.columns.get(key).and_then(|&i| self.values.get(i)).and_then(Option::as_deref);
        cell.map(Value::from).or_else(|| self.shared.base.get(key).cloned())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = self.shared.base.keys().map(|k| Value::from(k.as_str())).collect();
        for (name, &i) in self.shared.columns.iter() {
            if self.values.get(i).is_some_and(Option::is_some) && !self.shared.base.contains_key(name) {
                keys.push(Value::from(name.as_str()));
            }
        }
        if self.recipient.is_some() {
            keys.push(Value::from("recipient"));
        }
        Enumerator::Values(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign() -> CampaignDoc {
        serde_json::from_value(serde_json::json!({
            "version": 1, "id": "c", "provider": {"kind": "cloud_api", "token_env": "T"},
            "recipients": {"csv": "x.csv"}, "vars": {"store": "ACME", "n": 2}, "message": {"type": "text"}
        }))
        .unwrap()
    }

    fn render(template: &str, values: &[Option<&str>]) -> Result<String, minijinja::Error> {
        let shared = Shared::new(&campaign(), &["name".into(), "store".into()]);
        let values: Arc<[Option<String>]> = values.iter().map(|v| v.map(str::to_string)).collect();
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.render_str(template, shared.row(values, "+254712345678".into()))
    }

    #[test]
    fn columns_then_vars_then_campaign_and_recipient() {
        let out =
            render("{{ name }} {{ store }} {{ n }} {{ campaign.id }} {{ recipient }}", &[Some("Jo"), Some("Shop")]);
        assert_eq!(out.unwrap(), "Jo Shop 2 c +254712345678");
        assert_eq!(render("{{ store }}", &[Some("Jo"), None]).unwrap(), "ACME", "an empty cell falls back to vars");
    }

    #[test]
    fn an_empty_cell_is_undefined_in_strict_mode() {
        assert!(render("{{ name }}", &[None, None]).is_err());
        assert_eq!(render("{{ name | default('there') }}", &[None, None]).unwrap(), "there");
    }
}
