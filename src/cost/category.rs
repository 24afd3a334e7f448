//! Meta's template categories, which set a template message's price.

use std::fmt;

/// A template's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Promotions, offers, announcements; always billed when delivered.
    Marketing,
    /// Updates on a transaction the user asked for; free inside an open service window.
    Utility,
    /// One-time passcodes.
    Authentication,
}

impl Category {
    /// The category a name stands for (`marketing`, as campaign files and Meta's pricing write
    /// it); `None` for one the rate card has no column for (`service`, `marketing_lite`, …).
    pub fn parse(name: &str) -> Option<Category> {
        match name {
            "marketing" => Some(Category::Marketing),
            "utility" => Some(Category::Utility),
            "authentication" => Some(Category::Authentication),
            _ => None,
        }
    }

    /// The name as campaign files and reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Marketing => "marketing",
            Category::Utility => "utility",
            Category::Authentication => "authentication",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
