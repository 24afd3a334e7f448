//! The `herald` binary: parse arguments, run the command, exit with its code.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(herald::cli::run())
}
