//! The documentation holds together: README.md stays a short front door, every relative link in
//! it and in `docs/` reaches a file (and a heading, when it names one), `docs/commands.md` names
//! every command and every `send` option, and the tour shows what herald really prints.

use crate::common::*;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// README.md and every page in `docs/`.
fn pages() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    out.sort();
    out.insert(0, root().join("README.md"));
    out
}

/// The lines of a Markdown text outside fenced code blocks.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    text.lines()
        .filter(|l| {
            if l.trim_start().starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect()
}

/// The anchors GitHub gives a page's headings: lowercase, punctuation dropped, spaces as `-`,
/// a repeated heading numbered `-1`, `-2`, ….
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in prose(text) {
        let Some(heading) = line.strip_prefix('#').map(|h| h.trim_start_matches('#')) else { continue };
        let slug: String = heading
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut name = slug.clone();
        let mut n = 0;
        while !out.insert(name.clone()) {
            n += 1;
            name = format!("{slug}-{n}");
        }
    }
    out
}

/// The targets of a page's Markdown links `[text](target)`, outside code, with their line.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Inline code spans are the odd-numbered pieces between backticks.
        let outside: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        for (at, _) in outside.match_indices("](") {
            let rest = &outside[at + 2..];
            if let Some(end) = rest.find(')') {
                out.push((i + 1, rest[..end].to_string()));
            }
        }
    }
    out
}

#[test]
fn every_relative_link_in_the_readme_and_docs_resolves() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let dir = page.parent().unwrap();
        for (line, target) in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let file: PathBuf = if file.is_empty() { page.clone() } else { dir.join(file) };
            let shown = format!("{}:{line}: {target}", page.strip_prefix(root()).unwrap().display());
            if !file.exists() {
                broken.push(format!("{shown} (no such file)"));
            } else if !anchor.is_empty() && file.extension().is_some_and(|e| e == "md") {
                let target_text = std::fs::read_to_string(&file).unwrap();
                if !anchors(&target_text).contains(anchor) {
                    broken.push(format!("{shown} (no such heading)"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_link_check_catches_a_missing_file_and_a_missing_heading() {
    let text = "# Top\n## `herald send FILE`\nsee [a](x.md#y), `[not](a-link)`\n```\n[no](code)\n```\n";
    assert_eq!(links(text), vec![(3, "x.md#y".to_string())]);
    assert!(anchors(text).contains("herald-send-file"));
    assert!(anchors("# A b\n# A b\n").contains("a-b-1"));
}

#[test]
fn the_readme_stays_a_front_door_under_350_lines() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(lines < 350, "README.md has {lines} lines; move reference material to docs/");
    for page in pages().iter().skip(1) {
        let name = page.file_name().unwrap().to_string_lossy();
        assert!(readme.contains(&format!("](docs/{name})")), "README.md does not link docs/{name}");
    }
}

#[test]
fn the_readme_sample_points_to_several_senders_where_it_names_its_account() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let account = readme.lines().find(|l| l.trim_start().starts_with("phone_number_id:")).unwrap_or_default();
    assert!(account.contains("`senders:`") && account.contains("docs/campaign.md"), "{account}");
    let campaign = std::fs::read_to_string(root().join("docs/campaign.md")).unwrap();
    assert!(campaign.contains("| `provider.senders` |"), "docs/campaign.md documents provider.senders");
}

/// The names in the first column of a `--help` section (subcommands, or long options).
fn help_names(help: &str, long_options: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut in_commands = false;
    for line in help.lines() {
        if !line.starts_with(' ') {
            in_commands = line == "Commands:";
            continue;
        }
        let first = line.split_whitespace().find(|w| !w.starts_with('-') || w.starts_with("--"));
        match first {
            Some(w) if long_options && w.starts_with("--") && line.trim_start().starts_with('-') => {
                out.insert(w.trim_end_matches("...").trim_end_matches(',').to_string());
            }
            Some(w) if !long_options && in_commands && line.starts_with("  ") && !line.starts_with("   ") => {
                out.insert(w.to_string());
            }
            _ => {}
        }
    }
    out
}

/// Whether `text` names the option `option` as a whole word (`--limit`, not `--limit-x`).
fn mentions(text: &str, option: &str) -> bool {
    text.match_indices(option).any(|(at, _)| {
        let next = text[at + option.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || c == '-')
    })
}

// spawns: terminal output
#[test]
fn the_commands_page_names_every_subcommand_and_every_send_option() {
    let page = std::fs::read_to_string(root().join("docs/commands.md")).unwrap();
    let commands = help_names(&stdout(&run(&root(), &["--help"])), false);
    assert!(commands.contains("completions") && commands.contains("send"), "{commands:?}");
    let options = help_names(&stdout(&run(&root(), &["send", "--help"])), true);
    assert!(options.contains("--retry-unknown") && options.contains("--refuse-rate"), "{options:?}");
    let missing: Vec<String> = commands
        .iter()
        .filter(|c| *c != "help")
        .filter(|c| !page.contains(&format!("herald {c}")))
        .chain(options.iter().filter(|o| !mentions(&page, o)))
        .cloned()
        .collect();
    assert!(missing.is_empty(), "docs/commands.md never mentions {missing:?}");
    assert!(!page.contains("Usage: herald"), "docs/commands.md pastes `--help`; link `herald man` instead");
}

/// The commands in the `sh` blocks of README.md's Set-up section, in order (comments and
/// blank lines left out).
fn setup_commands(readme: &str) -> Vec<String> {
    let setup = readme.split("## Set-up").nth(1).unwrap_or_default();
    let setup = setup.split("\n## ").next().unwrap_or_default();
    setup
        .split("```sh\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .flat_map(str::lines)
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_sets_up_with_two_commands_and_ci_runs_its_test_command() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let commands = setup_commands(&readme);
    assert_eq!(
        commands,
        ["cargo run -- send campaigns/spring-sale.cloud_api.yaml --sandbox --yes", "scripts/test.sh"],
        "README's Set-up: one command runs the example against the sandbox, one runs the tests"
    );
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert_eq!(ci.lines().rfind(|l| !l.starts_with('#')), Some(commands[1].as_str()), "CI runs it");
}

// spawns: terminal output
#[test]
fn the_readme_tour_shows_what_validate_and_preview_print() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let campaign = "campaigns/spring-sale.cloud_api.yaml";
    let validate = run(&root(), &["validate", campaign]);
    assert_eq!(validate.status.code(), Some(0), "{}", stderr(&validate));
    assert!(readme.contains(stdout(&validate).trim_end()), "the tour's validate line differs:\n{}", stdout(&validate));
    let preview = run(&root(), &["preview", campaign, "--limit", "1"]);
    assert_eq!(preview.status.code(), Some(0), "{}", stderr(&preview));
    assert!(readme.contains(stdout(&preview).trim_end()), "the tour's preview differs:\n{}", stdout(&preview));
}
