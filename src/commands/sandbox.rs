//! `herald sandbox`: the built-in stand-in for the six providers, on loopback, until Ctrl-C.

use crate::exit;

/// Runs the sandbox in the foreground.
pub fn run(config: crate::sandbox::Config, quiet: bool) -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::INVALID;
        }
    };
    match runtime.block_on(crate::sandbox::serve_forever(config, quiet)) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: the sandbox cannot listen: {e}");
            exit::INVALID
        }
    }
}
