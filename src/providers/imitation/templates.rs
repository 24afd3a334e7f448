//! The message templates the sandbox's imitated account holds, as Meta lists them
//! (`message_templates`' `data[]`): the Cloud API imitation lists them page by page and checks
//! template sends against them; Evolution's imitation passes the first page on, as Evolution
//! does. The built-in set (`cloud_api/templates.json`) has one template for each the example
//! campaigns send and one of each status and kind a check must tell apart; `herald sandbox
//! --templates FILE` serves a file's instead ([`crate::sandbox::templates_file`] reads it).
//!
//! Which sends are checked: with the built-in set, only sends naming one of its templates (the
//! rest pass, so a rehearsal of any campaign works); with a file, every template send, as the
//! account holds no other template.

use crate::providers::account::Template;
use crate::providers::meta::templates::template;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The built-in templates, as Meta lists them.
const BUILT_IN: &str = include_str!("../cloud_api/templates.json");

/// The templates an imitated account holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Templates {
    /// Each as Meta lists it.
    listed: Vec<Value>,
    /// Each as herald reads it, in the same order.
    read: Vec<Template>,
    /// Whether they are the whole account (a file), so a send of any other name is refused.
    whole_account: bool,
    /// The file they were read from, when they were.
    file: Option<PathBuf>,
}

impl Templates {
    /// The built-in set.
    pub fn built_in() -> Templates {
        let listed: Vec<Value> = serde_json::from_str(BUILT_IN).unwrap_or_default();
        Templates::new(listed, false)
    }

    /// The templates of a file, every entry an object with a `name` (the file's reader has
    /// checked): the whole account.
    pub fn whole_account(listed: Vec<Value>) -> Templates {
        Templates::new(listed, true)
    }

    fn new(listed: Vec<Value>, whole_account: bool) -> Templates {
        let read = listed.iter().filter_map(template).collect();
        Templates { listed, read, whole_account, file: None }
    }

    /// The same templates, read from `path`.
    pub fn from_file(self, path: &Path) -> Templates {
        Templates { file: Some(path.to_path_buf()), ..self }
    }

    /// The file they were read from; `None` for the built-in set.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Every template, as Meta lists them.
    pub(crate) fn listed(&self) -> &[Value] {
        &self.listed
    }

    /// How many templates there are.
    pub fn len(&self) -> usize {
        self.listed.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// Whether a send naming `name` is checked against the account: always for a file's set,
    /// else only when the set has a template of that name.
    pub(crate) fn checks(&self, name: &str) -> bool {
        self.whole_account || self.read.iter().any(|t| t.name == name)
    }

    /// The template `name` in `language`.
    pub(crate) fn find(&self, name: &str, language: &str) -> Option<&Template> {
        self.read.iter().find(|t| t.name == name && t.language == language)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_built_in_set_checks_only_its_own_names_and_a_file_checks_every_name() {
        let built_in = Templates::built_in();
        let names: Vec<&str> = built_in.read.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["hello_world", "vip_renewal", "order_confirmation", "spring_sale", "winter_sale"]);
        assert_eq!(built_in.len(), built_in.listed().len());
        assert!(built_in.checks("vip_renewal") && !built_in.checks("promo"));
        assert!(built_in.find("vip_renewal", "en_US").is_some() && built_in.find("vip_renewal", "fr").is_none());
        let file = Templates::whole_account(vec![json!({"name": "promo", "language": "en", "status": "APPROVED"})]);
        assert!(file.checks("promo") && file.checks("vip_renewal"));
        assert!(Templates::whole_account(Vec::new()).is_empty());
    }
}
