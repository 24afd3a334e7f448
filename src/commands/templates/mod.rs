//! `herald templates FILE`: reads the message templates of the account a campaign sends from
//! (read-only, with the campaign's own token, every page) and lists them ([`list`]) or prints
//! the campaign `message:` block for one of them ([`scaffold`]). With `--sandbox` the reads go
//! to the built-in sandbox, started in this process, whose account holds a built-in set.

mod list;
mod scaffold;

use super::Output;
use crate::error::Error;
use crate::exit;
use crate::plan::{self, Endpoint, Options as PlanOptions, TokenCheck};
use crate::preflight::fetch::{self, Account};
use crate::preflight::template::close;
use crate::providers::account::Template;
use crate::secret::Secret;
use std::path::PathBuf;

/// Options for `templates`.
#[derive(Clone)]
pub struct Options {
    /// Campaign file.
    pub file: PathBuf,
    /// One JSON document instead of the table.
    pub json: bool,
    /// Read the built-in sandbox's account instead of the provider's.
    pub sandbox: bool,
    /// With `sandbox`: the templates its account holds (`--templates FILE`), else the built-in set.
    pub sandbox_templates: Option<PathBuf>,
    /// Print the `message:` block for this template instead of the list.
    pub scaffold: Option<String>,
    /// With `scaffold`: the template's language, when it exists in several.
    pub language: Option<String>,
    /// `--file-root`: the tree the campaign's files must lie in, instead of its repository.
    pub file_root: Option<PathBuf>,
}

/// Runs `templates`.
pub fn run(o: &Options, out: &Output) -> u8 {
    super::block_on(templates(o, out)).unwrap_or_else(|e| out.error(&e))
}

async fn templates(o: &Options, out: &Output) -> Result<u8, Error> {
    let sandbox = match o.sandbox {
        true => Some(super::sandbox::start(o.sandbox_templates.as_deref(), crate::sandbox::Config::default()).await?),
        false => None,
    };
    let endpoint = sandbox.as_ref().map_or(Endpoint::Campaign, |s| Endpoint::Sandbox(s.addr()));
    let options =
        PlanOptions { token: TokenCheck::Skip, endpoint, file_root: o.file_root.clone(), ..PlanOptions::default() };
    let v = plan::load(&o.file, options);
    let Some(plan) = v.plan else {
        out.diagnostics(&v.diagnostics);
        out.invalid(&o.file, &v.diagnostics, false);
        return Ok(exit::INVALID);
    };
    let provider = plan.provider.provider();
    let Some(reader) = provider.account() else {
        return Err(Error::NoAccount {
            provider: provider.info().name,
            readable: crate::providers::names_where(|p| p.account().is_some()),
        });
    };
    let token = match &sandbox {
        Some(_) => Secret::new(crate::providers::imitation::token(plan.provider)),
        None => token(&plan.token_env)?,
    };
    let account = fetch::templates(&plan, reader, &token, provider.info().name).await?;
    let text = match &o.scaffold {
        Some(name) => scaffold::block(pick(&account.templates, name, o.language.as_deref())?),
        None if o.json => list::json(&plan, &account).to_string() + "\n",
        None => list::table(&account),
    };
    super::print(&text)?;
    Ok(exit::OK)
}

/// The campaign's token from the variable it names.
fn token(name: &str) -> Result<Secret, Error> {
    let secret = Secret::from_env(name).ok_or_else(|| Error::MissingToken(name.to_string()))?;
    if !secret.expose().chars().all(|c| c == '\t' || (' '..='~').contains(&c)) {
        return Err(Error::TokenNotHeader(name.to_string()));
    }
    Ok(secret)
}

/// The template `name` (in `language`, when given, else its only or first language).
fn pick<'t>(templates: &'t [Template], name: &str, language: Option<&str>) -> Result<&'t Template, Error> {
    let found = templates.iter().find(|t| t.name == name && language.is_none_or(|l| t.language == l));
    found.ok_or_else(|| Error::UnknownTemplate {
        name: name.to_string(),
        language: language.map(str::to_string),
        close: close(templates, name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    fn template(name: &str, language: &str) -> Template {
        Template::bare(name, language)
    }

    #[test]
    fn a_scaffold_picks_by_name_and_language_and_names_close_ones_when_there_is_none() {
        let all = [template("vip_renewal", "en_US"), template("vip_renewal", "fr"), template("hello_world", "en_US")];
        assert_eq!(pick(&all, "vip_renewal", Some("fr")).unwrap().language, "fr");
        assert_eq!(pick(&all, "vip_renewal", None).unwrap().language, "en_US");
        let Err(Error::UnknownTemplate { close, .. }) = pick(&all, "vip_renewel", None) else { panic!() };
        assert_eq!(close, ["vip_renewal (en_US)", "vip_renewal (fr)"]);
        let Err(e) = pick(&all, "vip_renewal", Some("de")) else { panic!() };
        assert_eq!(e.to_string(), "the account has no template `vip_renewal` in de");
        assert!(e.help().unwrap().contains("`vip_renewal (fr)`"), "{:?}", e.help());
        let Err(e) = pick(&all, "zzz", None) else { panic!() };
        assert_eq!(e.help().unwrap(), "`herald templates FILE` lists the account's templates");
    }
}
