//! `herald sandbox`: the built-in stand-in for the six providers, on loopback, until Ctrl-C;
//! and the one way every command starts it, with the templates its account holds.

use crate::error::Error;
use crate::exit;
use crate::sandbox::{Config, Sandbox, Templates, templates_file};
use std::path::Path;
use std::sync::Arc;

/// Runs the sandbox in the foreground.
pub fn run(config: crate::sandbox::Config, quiet: bool, out: &super::Output) -> u8 {
    let port = config.port;
    let served = super::block_on(async {
        crate::sandbox::serve_forever(config, quiet).await.map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => Error::SandboxPortBusy(port),
            _ => Error::Sandbox(e),
        })
    });
    served.map_or_else(|e| out.error(&e), |()| exit::OK)
}

/// The templates the sandbox's account holds: `--templates FILE`'s, else the built-in set.
///
/// # Errors
///
/// When the file cannot be read or is not Meta's list of templates.
pub fn templates(file: Option<&Path>) -> Result<Arc<Templates>, Error> {
    match file {
        Some(path) => Ok(Arc::new(templates_file::load(path)?)),
        None => Ok(Arc::new(Templates::built_in())),
    }
}

/// Starts the sandbox in this process, its account holding `--templates FILE`'s templates or
/// the built-in set, and `config`'s other settings.
///
/// # Errors
///
/// When the templates file is refused or the sandbox cannot start.
pub async fn start(templates_file: Option<&Path>, config: Config) -> Result<Sandbox, Error> {
    let config = Config { templates: templates(templates_file)?, ..config };
    Sandbox::start(config).await.map_err(Error::Sandbox)
}
