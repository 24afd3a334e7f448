//! `herald sandbox`: the built-in stand-in for the six providers, on loopback, until Ctrl-C.

use crate::error::Error;
use crate::exit;

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
