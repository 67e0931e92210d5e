//! `microcred` binary: parses the command line and hands over to the library.

use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = microcred::cli::Cli::parse();
    std::process::ExitCode::from(microcred::cli::run(cli))
}
