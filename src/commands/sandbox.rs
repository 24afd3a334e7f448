//! `herald sandbox`: the built-in stand-in for the six providers, on loopback, until Ctrl-C.

use crate::exit;

/// Runs the sandbox in the foreground.
pub fn run(config: crate::sandbox::Config, quiet: bool) -> u8 {
    super::block_on(async {
        match crate::sandbox::serve_forever(config, quiet).await {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("error: the sandbox cannot listen: {e}");
                exit::INVALID
            }
        }
    })
}
