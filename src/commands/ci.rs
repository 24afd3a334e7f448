//! Whether herald runs in a CI service, by the variables those services set. Read by the
//! command line and handed to the session, which does not look for CI itself.

/// The CI service herald runs in, by the variables CI services set; `None` outside CI.
pub fn runner() -> Option<&'static str> {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty() && x != "false" && x != "0");
    [
        ("GITHUB_ACTIONS", "GitHub Actions"),
        ("GITLAB_CI", "GitLab CI"),
        ("BUILDKITE", "Buildkite"),
        ("CIRCLECI", "CircleCI"),
        ("JENKINS_URL", "Jenkins"),
        ("TF_BUILD", "Azure Pipelines"),
        ("CI", "CI"),
    ]
    .into_iter()
    .find(|(var, _)| set(var))
    .map(|(_, name)| name)
}
