//! `serfiq calibrate`.

use std::process::ExitCode;

use crate::args::CalibrateArgs;
use crate::Fatal;

pub fn run(_a: &CalibrateArgs) -> Result<ExitCode, Fatal> {
    Err(Fatal("`serfiq calibrate` is being written".to_string()))
}
