//! Writes a second quality network's input spec into its ONNX metadata
//! (`serfiq.quality_input`), so that it loads without a spec option. This is
//! how models/quality/lightqnet-dm025.onnx was made from the upstream file
//! (models/quality/PROVENANCE.md).
//!
//! cargo run --release --example stamp_quality_net -- IN.onnx "side=96;layout=nhwc;channels=rgb;mean=128;std=128" OUT.onnx

use serfiq_core::quality_net::{with_spec, QualityInput};
use serfiq_core::ErrorKind;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, spec, output] = args.as_slice() else {
        eprintln!("usage: stamp_quality_net IN.onnx SPEC OUT.onnx");
        return std::process::ExitCode::from(2);
    };
    let run = || -> Result<(), String> {
        let spec = QualityInput::parse(spec, ErrorKind::InvalidArgument, "spec").map_err(|e| e.message)?;
        let bytes = std::fs::read(input).map_err(|e| format!("{input}: {e}"))?;
        let out = with_spec(&bytes, &spec).map_err(|e| e.message)?;
        std::fs::write(output, out).map_err(|e| format!("{output}: {e}"))
    };
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stamp_quality_net: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
