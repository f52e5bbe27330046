//! `serfiq bench`.

use std::process::ExitCode;

use crate::args::BenchArgs;
use crate::Fatal;

pub fn run(_a: &BenchArgs) -> Result<ExitCode, Fatal> {
    Err(Fatal("`serfiq bench` is being written".to_string()))
}
