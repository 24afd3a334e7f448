//! `--templates FILE`: the templates the sandbox's account holds, read from a file of Meta's own
//! `GET /{WABA-ID}/message_templates` answer, so a rehearsal runs against a copy of the real
//! account. The file holds the answer's `data` array, or the whole page object (`{"data": [...],
//! "paging": ...}`, whose `paging` is ignored: every template is in the one file). Each entry
//! needs a `name`, a `language` and a `status` as text, and `components` a list when given; a
//! name and language given twice is refused. Problems name the file, line and column.

use super::Templates;
use crate::campaign::yaml;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What to do about a file that is not Meta's list.
const EXPORT: &str = "save Meta's answer to `GET /{WABA-ID}/message_templates?fields=name,language,status,category,parameter_format,components` (or its `data` array) as the file";

/// Why the templates file cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TemplatesFileError {
    /// The file cannot be read.
    #[error("cannot read the sandbox's templates from {}: {source}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{}:{line}:{column}: the sandbox's templates are not JSON: {why}", .path.display())]
    NotJson {
        /// The file.
        path: PathBuf,
        /// Where.
        line: usize,
        /// Where on the line.
        column: usize,
        /// What the JSON reader said.
        why: String,
    },
    /// The file holds JSON of another shape, or an entry is not a template.
    #[error("{}:{line}:{column}: {problem}", .path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// Where.
        line: usize,
        /// Where on the line.
        column: usize,
        /// What is wrong.
        problem: Problem,
    },
}

impl TemplatesFileError {
    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            TemplatesFileError::Unreadable { .. } => "check the path given to --templates".into(),
            TemplatesFileError::Shape { problem: Problem::Twice { .. }, .. } => {
                "keep one entry per name and language, as Meta lists them".into()
            }
            _ => EXPORT.into(),
        }
    }
}

/// What is wrong with the file's shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// Neither a list nor an object with a `data` list.
    #[error(
        "the sandbox's templates are neither Meta's `message_templates` answer (an object with a `data` list) nor that list"
    )]
    NotAList,
    /// An entry is not an object.
    #[error("template {index} is not an object")]
    NotAnObject {
        /// Its place in the list, from 0.
        index: usize,
    },
    /// An entry lacks a field, or has it as something other than text.
    #[error("template {index} needs `{field}` as text")]
    NeedsText {
        /// Its place in the list, from 0.
        index: usize,
        /// The field.
        field: &'static str,
    },
    /// An entry's `components` is not a list.
    #[error("template {index}'s `components` is not a list")]
    ComponentsNotAList {
        /// Its place in the list, from 0.
        index: usize,
    },
    /// A name and language listed twice.
    #[error("template `{name}` in {language} is listed twice (first on line {first})")]
    Twice {
        /// The name.
        name: String,
        /// The language.
        language: String,
        /// The line of the first.
        first: usize,
    },
}

/// Reads the templates in `path`.
///
/// # Errors
///
/// When the file cannot be read, is not JSON, or is not a list of templates.
pub fn load(path: &Path) -> Result<Templates, TemplatesFileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| TemplatesFileError::Unreadable { path: path.to_path_buf(), source })?;
    Ok(parse(path, &text)?.from_file(path))
}

/// Reads the templates in `text`, the contents of `path`.
fn parse(path: &Path, text: &str) -> Result<Templates, TemplatesFileError> {
    let document: Value = serde_json::from_str(text).map_err(|e| TemplatesFileError::NotJson {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        why: e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
    })?;
    // JSON is YAML: the YAML reader gives every node's place, for pointing at an entry.
    let spans = yaml::parse(text).map(|(_, spans)| spans).unwrap_or_default();
    let at = |pointer: &str, problem: Problem| {
        let start = spans.nearest(pointer).map(|(_, node)| node.value.start).unwrap_or_default();
        TemplatesFileError::Shape {
            path: path.to_path_buf(),
            line: start.line.max(1),
            column: start.col.max(1),
            problem,
        }
    };
    let (list, base) = match &document {
        Value::Array(list) => (list, ""),
        Value::Object(page) => match page.get("data") {
            Some(Value::Array(list)) => (list, "/data"),
            _ => return Err(at("", Problem::NotAList)),
        },
        _ => return Err(at("", Problem::NotAList)),
    };
    let mut seen: Vec<(&str, &str, usize)> = Vec::new();
    for (index, entry) in list.iter().enumerate() {
        let pointer = format!("{base}/{index}");
        if !entry.is_object() {
            return Err(at(&pointer, Problem::NotAnObject { index }));
        }
        let field = |field: &'static str| {
            let text = entry.get(field).and_then(Value::as_str).filter(|s| !s.trim().is_empty());
            text.ok_or_else(|| at(&format!("{pointer}/{field}"), Problem::NeedsText { index, field }))
        };
        let (name, language) = (field("name")?, field("language")?);
        field("status")?;
        if entry.get("components").is_some_and(|c| !c.is_array()) {
            return Err(at(&format!("{pointer}/components"), Problem::ComponentsNotAList { index }));
        }
        let line = spans.get(&pointer).map_or(1, |node| node.value.start.line);
        if let Some((_, _, first)) = seen.iter().find(|(n, l, _)| *n == name && *l == language) {
            let (name, language) = (name.to_string(), language.to_string());
            return Err(at(&pointer, Problem::Twice { name, language, first: *first }));
        }
        seen.push((name, language, line));
    }
    Ok(Templates::whole_account(list.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> String {
        parse(Path::new("t.json"), text).unwrap_err().to_string()
    }

    #[test]
    fn reads_the_data_list_or_the_whole_page() {
        let entry = r#"{"name": "promo", "language": "en", "status": "APPROVED", "components": []}"#;
        let list = parse(Path::new("t.json"), &format!("[{entry}]")).unwrap();
        let page = parse(Path::new("t.json"), &format!("{{\"data\": [{entry}], \"paging\": {{}}}}")).unwrap();
        assert_eq!((list.len(), page.len()), (1, 1));
        assert_eq!(list, page);
        assert!(parse(Path::new("t.json"), "[]").unwrap().is_empty());
    }

    #[test]
    fn each_problem_names_the_line_and_what_is_wrong() {
        assert_eq!(
            problem("[\n  {\"name\": \"a\",\n   \"language\": }\n]"),
            "t.json:3:16: the sandbox's templates are not JSON: expected value"
        );
        assert!(problem("{\"templates\": []}").starts_with("t.json:1:1: the sandbox's templates are neither"));
        assert_eq!(
            problem("[\n  {\"name\": \"a\", \"language\": \"en\", \"status\": \"APPROVED\"},\n  7\n]"),
            "t.json:3:3: template 1 is not an object"
        );
        assert_eq!(
            problem("{\"data\": [\n  {\"name\": \"a\",\n   \"language\": \"en\"}\n]}"),
            "t.json:2:3: template 0 needs `status` as text"
        );
        assert_eq!(
            problem("[{\"name\": \"a\", \"language\": \"en\", \"status\": \"APPROVED\",\n  \"components\": {}}]"),
            "t.json:2:17: template 0's `components` is not a list"
        );
        let twice = "[\n  {\"name\": \"a\", \"language\": \"en\", \"status\": \"APPROVED\"},\n  {\"name\": \"a\", \"language\": \"en\", \"status\": \"PAUSED\"}\n]";
        assert_eq!(problem(twice), "t.json:3:3: template `a` in en is listed twice (first on line 2)");
        let e = parse(Path::new("t.json"), "{}").unwrap_err();
        assert!(e.help().contains("GET /{WABA-ID}/message_templates"), "{}", e.help());
    }
}
