//! `serfiq eval`.

use std::process::ExitCode;

use crate::args::EvalArgs;
use crate::Fatal;

pub fn run(_a: &EvalArgs) -> Result<ExitCode, Fatal> {
    Err(Fatal("`serfiq eval` is being written".to_string()))
}
