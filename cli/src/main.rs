//! `serfiq`: SER-FIQ face image quality from the command line.
//!
//!   serfiq score [--faces one|all] [--annotate OUT] [--save-crops DIR] [--json] IMAGES_OR_DIRS...
//!   serfiq embed [--landmarks FILE] [--json] IMAGES_OR_DIRS...
//!   serfiq info
//!   serfiq eval DATASET [--pairs pairs.txt] [--groups GROUPS.tsv]
//!   serfiq fairness SCORES GROUPS.tsv [--json FILE]
//!   serfiq calibrate IMAGES_OR_DIRS... [--out CALIBRATED.onnx]
//!   serfiq bench [IMAGES_OR_DIRS...]
//!   serfiq capture VIDEO|FOLDER_OF_FRAMES [--json] [--best CROP.png] [--annotate DIR]
//!
//! Photos go through the face detector (fetched into the cache by `make fetch`;
//! `--no-detect` turns it off); aligned crops and images with landmarks do not.
//!
//! Exit status: 0 all good, 1 some images bad (reported on stderr, the rest
//! printed), 2 bad usage or no usable model.

mod annotate;
mod args;
mod bench;
mod bench_capture;
mod bench_components;
mod bench_photos;
mod calibrate;
mod capture;
mod dataset;
mod decode;
mod edc;
mod eval;
mod extras;
mod fairness;
mod frames;
mod inputs;
mod locate;
mod measure;
mod output;
mod plot;
mod process;
mod show;

use std::io::{self, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use serfiq_core::{ErrorKind, Model, ModelSource, Options, Search, Want};

use args::{Cli, Command, DetectArgs, FaceOutputArgs, FacesArg, InfoArgs, InputArgs, ModelArgs, SerfiqArgs};
use extras::{AnnotateTo, Extras};
use inputs::LandmarkFile;
use output::{Columns, Format, Printer};
use process::RunConfig;

/// An error that ends the program with status 2.
struct Fatal(String);

impl From<io::Error> for Fatal {
    fn from(e: io::Error) -> Self {
        Fatal(format!("cannot write the output: {}", inputs::io_reason(&e)))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse(); // exits with 2 on bad usage, 0 for --help/--version
    let result = match cli.command {
        Command::Score(a) => process_images(&a.input, &a.model, &a.detect, Some(&a.serfiq), Some(&a.faces)),
        Command::Embed(a) => process_images(&a.input, &a.model, &a.detect, None, None),
        Command::Info(a) => info(&a),
        Command::Eval(a) => eval::run(&a),
        Command::Calibrate(a) => calibrate::run(&a),
        Command::Fairness(a) => fairness::run(&a),
        Command::Bench(a) => bench::run(&a),
        Command::Capture(a) => capture::run(&a),
    };
    match result {
        Ok(code) => code,
        Err(Fatal(message)) => {
            // Each line escaped: a name in a message cannot break it or move the cursor.
            for (k, line) in message.split('\n').enumerate() {
                eprintln!("{}{}", if k == 0 { "serfiq: " } else { "" }, show::text(line));
            }
            ExitCode::from(2)
        }
    }
}

/// The model settings from the command line, the environment and the cache,
/// and where the model and the runtime came from (for `info`).
struct Settings {
    opts: Options,
    model_path: PathBuf,
    model_from: String,
    ort_from: String,
    /// The detector and where it came from; `None`: no detection.
    detector: Option<(PathBuf, String)>,
    /// The second quality network and where it came from; `None`: no l.
    quality_net: Option<(PathBuf, String)>,
    /// Where the cache is (for `bench`'s demo photos).
    locator: locate::Locator,
}

fn settings(m: &ModelArgs, d: &DetectArgs, s: Option<&SerfiqArgs>) -> Result<Settings, Fatal> {
    let locator = locate::Locator::new(m.explicit_paths_only).map_err(Fatal)?;
    let (model_path, model_src) = locator.model_path(m.model.as_deref()).map_err(Fatal)?;
    let (ort, ort_src) = locator.ort_library(m.ort_lib.as_deref()).map_err(Fatal)?;
    let mut opts = Options::from_path(&model_path);
    opts.ort_library = ort;
    opts.embedding_layer = m.embedding_layer.clone();
    opts.model_sha256 = m.model_sha256.clone();
    opts.detector_sha256 = m.detector_sha256.clone();
    opts.max_model_bytes = m.max_model_bytes;
    opts.search = if m.explicit_paths_only { Search::ExplicitOnly } else { Search::Default };
    if let Some(s) = s {
        (opts.alpha, opts.r) = (s.alpha, s.r);
        opts.q100_quality = s.q100.into();
        set_head(&mut opts, &s.head);
    }
    let quality_net = locator.quality_net_path(m.quality_net.as_deref(), m.no_quality_net).map_err(Fatal)?;
    opts.quality_net = quality_net.as_ref().map(|(p, _)| ModelSource::Path(p.clone()));
    opts.quality_net_spec = m.quality_net_spec.clone();
    opts.quality_net_sha256 = m.quality_net_sha256.clone();
    let detector = locator.detector_path(d.detector.as_deref(), d.no_detect).map_err(Fatal)?;
    opts.detector = detector.as_ref().map(|(p, _)| ModelSource::Path(p.clone()));
    opts.face_policy = d.face_policy.into();
    opts.detector_threshold = d.detector_threshold;
    opts.input_mode = d.input_mode.into();
    opts.detector_max_side = d.detector_max_side;
    Ok(Settings {
        opts,
        model_path,
        model_from: model_src.describe("--model", locate::MODEL_ENV),
        ort_from: ort_src.describe("--ort-lib", serfiq_core::ORT_LIBRARY_ENV),
        detector: detector.map(|(p, src)| (p, src.describe("--detector", locate::DETECTOR_ENV))),
        quality_net: quality_net.map(|(p, src)| (p, src.describe("--quality-net", locate::QUALITY_NET_ENV))),
        locator,
    })
}

fn load(o: &Options) -> Result<Model, Fatal> {
    Model::new(o).map_err(|e| {
        // The library's messages name its options; point a CLI user to the flags.
        let hint = match e.kind {
            ErrorKind::RuntimeNotFound | ErrorKind::RuntimeVersion => {
                "\nserfiq: hint: pass --ort-lib PATH, or run `make fetch` to download ONNX Runtime into the serfiq cache"
            }
            ErrorKind::EmbeddingLayerNotFound => "\nserfiq: hint: pass --embedding-layer NAME",
            _ => "",
        };
        Fatal(format!("{}{hint}", show::text(&e.message)))
    })
}

/// `score` (with `faces`) and `embed`: find the images, load the model, print results.
fn process_images(
    input: &InputArgs,
    m: &ModelArgs,
    d: &DetectArgs,
    s: Option<&SerfiqArgs>,
    faces: Option<&FaceOutputArgs>,
) -> Result<ExitCode, Fatal> {
    let want = if faces.is_some() { Want::Score } else { Want::Embedding };
    let all_faces = faces.is_some_and(|f| f.faces == FacesArg::All);
    // Cheap checks first, so mistakes show before the model takes seconds to load.
    let landmarks = LandmarkFile::load_option(input.landmarks.as_deref()).map_err(Fatal)?;
    let found = inputs::collect(&input.inputs);
    for (path, reason) in &found.problems {
        eprintln!("{}", crate::process::problem(path, reason));
    }
    if found.images.is_empty() && found.problems.is_empty() {
        eprintln!("serfiq: no images found (looked for *.jpg, *.jpeg and *.png files)");
    }
    let annotate = match faces.and_then(|f| f.annotate.as_deref()) {
        Some(out) => Some(AnnotateTo::choose(out, found.images.len()).map_err(Fatal)?),
        None => None,
    };
    let mut extras =
        Extras::new(faces.and_then(|f| f.save_crops.clone()), annotate, all_faces, &found.images).map_err(Fatal)?;
    let components = faces.is_some_and(|f| f.components);
    let mut opts = settings(m, d, s)?.opts;
    opts.feedback_profile = faces.and_then(|f| f.profile.clone());
    let model = load(&opts)?;

    let format = if input.json { Format::Json } else { Format::Csv };
    let columns = match want {
        Want::Embedding => Columns::Embedding(model.embedding_size()),
        _ if all_faces => Columns::Faces,
        _ => Columns::Score,
    };
    let cfg = RunConfig { landmarks: landmarks.as_ref(), want, all_faces, components, batch: input.batch as usize };
    let mut write_extras = |path: &std::path::Path, prep: &process::Prepared, outcome: &process::Outcome| {
        if extras.is_empty() {
            return Ok(());
        }
        extras.image(&model, path, prep, outcome)
    };
    let out = BufWriter::new(io::stdout().lock());
    let printed = Printer::start_with(out, format, columns, components).and_then(|mut printer| {
        let bad = process::run_all(&model, &found.images, &cfg, &mut printer, &mut write_extras)?;
        printer.finish()?;
        Ok(bad)
    });
    let bad = match printed {
        Ok(bad) => bad + found.problems.len(),
        // The reader went away (e.g. `| head`): stop quietly, as Unix tools do.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e.into()),
    };
    Ok(if bad > 0 || found.images.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `info`: what an integrator needs to know about the model and settings.
fn info(a: &InfoArgs) -> Result<ExitCode, Fatal> {
    let Settings { opts, model_path, model_from, ort_from, detector, quality_net, .. } =
        settings(&a.model, &a.detect, Some(&a.serfiq))?;
    let model = load(&opts)?;
    let (i, spec) = (model.info(), model.input_spec());
    let (alpha, r) = model.alpha_r();
    if a.json {
        let v = serde_json::json!({
            "model": model_path,
            "onnx_runtime": model.runtime_path(),
            "input": {
                "name": i.input_name,
                "width": spec.width,
                "height": spec.height,
                "channels": if spec.bgr { "BGR" } else { "RGB" },
                "mean": spec.mean,
                "std": spec.std,
            },
            "output": i.output_name,
            "embedding_size": model.embedding_size(),
            "embedding_layer": {
                "node": i.layer.node,
                "tap": i.layer.tap,
                "in_features": i.layer.in_features,
                "out_features": i.layer.out_features,
            },
            "samples": model.samples(),
            "dropout": model.dropout(),
            "seed": model.seed(),
            "alpha": alpha,
            "r": r,
            "alpha_r_from": format!("{:?}", model.calibration_source()).to_lowercase(),
            "q100_quality": model.q100_quality().name(),
            "calibration_lacks": model.scales().missing(model.quality_input().is_some()),
            "s_percentiles": model.scales().s.map(|p| [p.p5, p.median, p.p95]),
            "n_percentiles": model.scales().n.map(|p| [p.p5, p.median, p.p95]),
            "detector": detector.as_ref().map(|(p, _)| serde_json::json!({
                "path": p,
                "threshold": opts.detector_threshold,
                "face_policy": format!("{:?}", opts.face_policy),
            })),
            "quality_net": quality_net.as_ref().map(|(p, _)| serde_json::json!({
                "path": p,
                "input": model.quality_input().map(|q| q.to_string()),
                "fused_into_f": model.fuses_l(),
                "l_percentiles": model.scales().l.map(|p| [p.p5, p.median, p.p95]),
            })),
        });
        println!("{}", serde_json::to_string_pretty(&v).map_err(|e| Fatal(e.to_string()))?);
        return Ok(ExitCode::SUCCESS);
    }
    let lines = [
        ("model", format!("{} ({model_from})", crate::show::path(&model_path))),
        ("ONNX Runtime", format!("{} ({ort_from})", crate::show::path(model.runtime_path()))),
        (
            "input",
            format!(
                "'{}', {}x{} {}, (pixel - {:?}) / {:?}",
                i.input_name,
                spec.width,
                spec.height,
                if spec.bgr { "BGR" } else { "RGB" },
                spec.mean,
                spec.std
            ),
        ),
        ("output", format!("'{}'", i.output_name)),
        ("embedding size", model.embedding_size().to_string()),
        (
            "embedding layer",
            format!(
                "node '{}', tap tensor '{}' ({} -> {} features)",
                i.layer.node, i.layer.tap, i.layer.in_features, i.layer.out_features
            ),
        ),
        ("samples T", model.samples().to_string()),
        ("dropout p", model.dropout().to_string()),
        ("seed", model.seed().to_string()),
        ("alpha", format!("{alpha} ({})", calibration_words(model.calibration_source()))),
        ("r", r.to_string()),
        ("q100", format!("percentile of {} in the calibration sample", model.q100_quality().name())),
        ("calibration", scales_words(model.scales(), model.quality_input().is_some())),
        (
            "face detector",
            match &detector {
                Some((p, from)) => format!(
                    "{} ({from}), confidence > {}, face policy {:?}",
                    crate::show::path(p),
                    opts.detector_threshold,
                    opts.face_policy
                ),
                None => "none (photos need --landmarks)".to_string(),
            },
        ),
        (
            "quality net",
            match (&quality_net, model.quality_input()) {
                (Some((p, from)), Some(q)) => format!(
                    "{} ({from}), input {q}; {}",
                    crate::show::path(p),
                    if model.fuses_l() { "l fused into f" } else { "l not fused into f (no l percentiles)" }
                ),
                _ => "none (no l; f from s and n)".to_string(),
            },
        ),
    ];
    for (k, v) in lines {
        println!("{:<16} {v}", format!("{k}:"));
    }
    Ok(ExitCode::SUCCESS)
}

/// What the model's calibration holds for f and q100, or what it lacks
/// (with a quality net, the l parts too).
fn scales_words(sc: &serfiq_core::scale::Scales, quality_net: bool) -> String {
    let missing = sc.missing(quality_net);
    if missing.is_empty() && quality_net {
        "s, n and l percentiles, s, f and f-with-l quantile tables".to_string()
    } else if missing.is_empty() {
        "s and n percentiles, s and f quantile tables".to_string()
    } else {
        format!("lacks {}", missing.join("; "))
    }
}

fn calibration_words(source: serfiq_core::calibration::Source) -> &'static str {
    match source {
        serfiq_core::calibration::Source::Options => "set on the command line",
        serfiq_core::calibration::Source::Model => "the model's calibration",
        serfiq_core::calibration::Source::Default => "default, fitted to the default model",
    }
}

/// T, p and the mask seed from the command line.
fn set_head(opts: &mut Options, h: &args::HeadArgs) {
    (opts.samples, opts.dropout, opts.seed) = (h.samples, h.dropout, h.seed);
}
