//! The `bms` binary: parse the command line, run it.

use clap::Parser;

fn main() -> std::process::ExitCode {
    bms_server::cli::run(bms_server::cli::Cli::parse())
}
