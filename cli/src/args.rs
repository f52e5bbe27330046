//! Command-line syntax: what the user may type, and the help texts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serfiq_core::{FacePolicy, InputMode, Options};

const ABOUT: &str = "SER-FIQ face image quality: scores how useful a face image is for face recognition";

const LONG_ABOUT: &str = "\
SER-FIQ face image quality: scores how useful a face image is for face recognition.

serfiq passes each face through a face-recognition model, then through the model's embedding
layer T times with random dropout, and measures how much the T embeddings agree. Embeddings
that stay stable mean an image that is good for recognition.
It reports two numbers per image:
  s  the raw SER-FIQ score in (0, 1]; higher is better. Compare s only between images scored
     with the same model and settings.
  q  s mapped to (0, 1) by q = 1 / (1 + exp(-alpha * (s - r))), for display and thresholds.

Images are ordinary photos: serfiq finds the faces with its face detector (RetinaFace, fetched by
`make fetch`), aligns the face it picks (--face-policy; --faces all for every face) by the
detector's five landmarks and scores it. Images already aligned (an ArcFace-style crop at the
model's input size, 112x112 for the default model) are scored as they are, and landmarks given
with --landmarks take the detector's place.";

const AFTER_HELP: &str = "\
Environment:
  SERFIQ_MODEL    model used when --model is not given
  SERFIQ_DETECTOR face detector used when --detector is not given
  SERFIQ_ORT_LIB  ONNX Runtime library used when --ort-lib is not given
  SERFIQ_CACHE    folder holding what `make fetch` downloads (default: a .cache folder next to
                  the serfiq executable or in one of its parents; never the working directory)
  Paths from the environment must be absolute. --explicit-paths-only ignores all of these.

Limits: an image is refused (reported as a bad image) when a side is over 32768 pixels, when it
has more than 67108864 pixels (64 megapixels, 2^26: 8192x8192) or when decoding it would take
more than 256 MiB; a batch ends early rather than hold more than 64 megapixels of decoded
images. Names are printed with control characters, bidi controls, bytes that are not UTF-8 and
backslashes escaped (\\xNN, \\u{H}, \\\\); CSV cells that start with = + - @ get a ' in front.

Exit status: 0 all images done, 1 some images could not be used (each reported on stderr as
`serfiq: PATH: reason`, e.g. `no face found ...`; the others are still printed), 2 bad usage or
the model did not load.";

#[derive(Parser, Debug)]
#[command(name = "serfiq", version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the quality (s, q, n, f, q100) of each image (or each face), as CSV
    /// (path,s,q,n,f,q100) or JSON.
    #[command(after_help = AFTER_HELP)]
    Score(ScoreArgs),
    /// Print the face embedding of each image, as CSV (path,e0,e1,...) or JSON.
    #[command(after_help = AFTER_HELP)]
    Embed(EmbedArgs),
    /// Print facts about the model and the settings in use (input size, embedding layer, T, p, ...).
    #[command(after_help = AFTER_HELP)]
    Info(InfoArgs),
    /// Does the quality predict recognition errors on a labelled set? Error-versus-discard
    /// curves (EDC) for serfiq, random discard and a sharpness baseline: a table, JSON and a plot.
    #[command(after_help = AFTER_HELP)]
    Eval(EvalArgs),
    /// Fit alpha and r (the mapping s -> q) for a model on a sample of its images, and write
    /// them into a copy of the model.
    #[command(after_help = AFTER_HELP)]
    Calibrate(CalibrateArgs),
    /// Is the quality gate fair? Per-group counts, quality percentiles, rejection rates at the
    /// gates that discard 1/5/10/20 % overall (95 % Wilson intervals) and component means, from a
    /// scores table (`serfiq score` CSV/JSON, or the Parquet of serfiq.spark.score_images).
    Fairness(FairnessArgs),
    /// Time embed-only against score+embed at batch 1, 8 and 32 on 1 and 2 threads, and against
    /// Python implementations of the original algorithm.
    #[command(after_help = AFTER_HELP)]
    Bench(BenchArgs),
    /// Run the camera loop over a video (through ffmpeg) or a folder of frames: one line per
    /// frame (state, feedback, q100), as CSV or JSON lines; write the best face's crop.
    #[command(after_help = AFTER_HELP)]
    Capture(CaptureArgs),
}

#[derive(Args, Debug)]
pub struct CaptureArgs {
    /// A video file (decoded by ffmpeg, which must be installed) or a folder of frames
    /// (*.jpg, *.png, taken in name order).
    #[arg(value_name = "VIDEO|FOLDER_OF_FRAMES")]
    pub input: PathBuf,

    /// Frame rate of a folder of frames (for the timestamps); a video's own rate is used.
    #[arg(long, value_name = "FPS", default_value_t = 30.0)]
    pub fps: f64,

    /// Print one JSON object per frame (JSON lines) instead of CSV.
    #[arg(long)]
    pub json: bool,

    /// Write the best frame's aligned crop to this image file (.png or .jpg).
    #[arg(long, value_name = "FILE")]
    pub best: Option<PathBuf>,

    /// Write every frame with the followed face, its state and feedback drawn into this folder.
    #[arg(long, value_name = "DIR")]
    pub annotate: Option<PathBuf>,

    /// Feedback thresholds: a preset ("live", tolerant, for cameras; "enrolment", strict
    /// ICAO/ISO) optionally followed by ";key=value" overrides, e.g. "live;max_yaw=25".
    #[arg(long, value_name = "PROFILE", default_value = "live")]
    pub profile: String,

    #[command(flatten)]
    pub capture: CaptureOptionArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub serfiq: SerfiqArgs,
}

/// The capture's options (serfiq_core::CaptureOptions), with the library's defaults.
#[derive(Args, Debug, Clone)]
pub struct CaptureOptionArgs {
    /// q100 a face needs to be captured.
    #[arg(long, value_name = "Q", default_value_t = serfiq_core::capture::DEFAULT_MIN_Q100)]
    pub min_q100: f32,
    /// Frames in a row the face must be good and steady for.
    #[arg(long, value_name = "K", default_value_t = serfiq_core::capture::DEFAULT_STEADY_FRAMES)]
    pub steady_frames: u32,
    /// Or milliseconds it must be good and steady for (0: frames only).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub steady_ms: u32,
    /// Largest mean landmark motion per frame, over the eye distance, that counts as steady.
    #[arg(long, value_name = "F", default_value_t = serfiq_core::capture::DEFAULT_MAX_MOTION)]
    pub max_motion: f32,
    /// Search the whole frame at least every N frames while following a face.
    #[arg(long, value_name = "N", default_value_t = serfiq_core::capture::DEFAULT_REDETECT_FRAMES)]
    pub redetect_frames: u32,
    /// Or every MS milliseconds (0: frames only).
    #[arg(long, value_name = "MS", default_value_t = serfiq_core::capture::DEFAULT_REDETECT_MS)]
    pub redetect_ms: u32,
    /// Region searched around the last box, in multiples of its longer side.
    #[arg(long, value_name = "F", default_value_t = serfiq_core::capture::DEFAULT_TRACK_CONTEXT)]
    pub track_context: f32,
    /// Longest side the region is shrunk to before detection.
    #[arg(long, value_name = "PX", default_value_t = serfiq_core::capture::DEFAULT_TRACK_SIDE)]
    pub track_side: u32,
    /// Box overlap (IoU) that keeps a face on its track.
    #[arg(long, value_name = "IOU", default_value_t = serfiq_core::capture::DEFAULT_MIN_OVERLAP)]
    pub min_overlap: f32,
    /// Embedding similarity, frame to frame, below which the face is another person.
    #[arg(long, value_name = "COS", default_value_t = serfiq_core::capture::DEFAULT_MIN_SIMILARITY,
          allow_negative_numbers = true)]
    pub min_similarity: f32,
    /// Embedding similarity a face whose box jumped needs to stay on its track.
    #[arg(long, value_name = "COS", default_value_t = serfiq_core::capture::DEFAULT_JUMP_SIMILARITY,
          allow_negative_numbers = true)]
    pub jump_similarity: f32,
}

impl CaptureOptionArgs {
    pub fn options(&self) -> serfiq_core::CaptureOptions {
        serfiq_core::CaptureOptions {
            min_q100: self.min_q100,
            steady_frames: self.steady_frames,
            steady_ms: self.steady_ms,
            max_motion: self.max_motion,
            redetect_frames: self.redetect_frames,
            redetect_ms: self.redetect_ms,
            track_context: self.track_context,
            track_side: self.track_side,
            min_overlap: self.min_overlap,
            min_similarity: self.min_similarity,
            jump_similarity: self.jump_similarity,
            ..Default::default()
        }
    }
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The labelled images: one folder per identity (DATASET/NAME/*.jpg), as LFW is laid out.
    #[arg(value_name = "DATASET")]
    pub dataset: PathBuf,

    /// Comparisons from an LFW-style pairs file (`NAME I J` genuine, `NAME1 I NAME2 J` impostor;
    /// image I of NAME is DATASET/NAME/NAME_000I.jpg). Without it: every genuine pair of the
    /// folders and a seeded sample of --impostors impostor pairs.
    #[arg(long, value_name = "FILE")]
    pub pairs: Option<PathBuf>,

    /// Impostor pairs sampled when there is no --pairs file (at most 10000000).
    #[arg(long, value_name = "N", default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..=crate::dataset::MAX_PAIRS as u64))]
    pub impostors: u64,

    /// Seed of the impostor sample.
    #[arg(long = "pair-seed", value_name = "S", default_value_t = 1)]
    pub pair_seed: u64,

    /// False match rates at which the decision threshold is set (on all impostor comparisons,
    /// before any discard), comma-separated.
    #[arg(long, value_name = "FMR", value_delimiter = ',', default_value = "0.001")]
    pub fmr: Vec<f64>,

    /// Folder for edc.json, edc.png and images.csv (created if missing).
    #[arg(long, value_name = "DIR", default_value = "serfiq-eval")]
    pub out: PathBuf,

    /// Images per model run.
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u64).range(1..=serfiq_core::MAX_BATCH as u64))]
    pub batch: u64,

    /// Landmarks for the images (see `serfiq score --help`).
    #[arg(long, value_name = "FILE")]
    pub landmarks: Option<PathBuf>,

    /// Group labels (`path<TAB>column…` with a header; paths relative to DATASET): adds the
    /// per-group fairness report (fairness.json, fairness-COLUMN.png and a table).
    #[arg(long, value_name = "GROUPS.tsv")]
    pub groups: Option<PathBuf>,

    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub serfiq: SerfiqArgs,
}

#[derive(Args, Debug)]
pub struct FairnessArgs {
    /// The scores: the CSV or JSON that `serfiq score` prints, or a Parquet file written from
    /// serfiq.spark.score_images.
    #[arg(value_name = "SCORES")]
    pub scores: PathBuf,

    /// Group labels: `path<TAB>column…` with a header line naming the grouping columns. A row
    /// of SCORES matches the label whose path is its path or the trailing part of it.
    #[arg(value_name = "GROUPS.tsv")]
    pub groups: PathBuf,

    /// Also write the report as JSON (the structure of `serfiq eval --groups`'s fairness.json,
    /// without the comparisons).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// Images (or folders of images) typical of what the model will see.
    #[arg(value_name = "IMAGES_OR_DIRS", required = true)]
    pub inputs: Vec<PathBuf>,

    /// Use at most N images, a seeded random sample when there are more.
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub max_images: usize,

    /// Write the model with alpha and r in its metadata to this file (it may be the model
    /// itself). Without it, the fit is only printed.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Print a JSON object instead of text.
    #[arg(long)]
    pub json: bool,

    /// Landmarks for the images (see `serfiq score --help`).
    #[arg(long, value_name = "FILE")]
    pub landmarks: Option<PathBuf>,

    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub detect: DetectArgs,
    /// Calibrate for the T, p and seed the model will score with.
    #[command(flatten)]
    pub head: HeadArgs,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Face images to time on (aligned crops, or photos the detector finds a face in)
    /// [default: the demo photos in the serfiq cache].
    #[arg(value_name = "IMAGES_OR_DIRS")]
    pub inputs: Vec<PathBuf>,

    /// Timed rounds per configuration; the median is reported.
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub rounds: usize,

    /// Batch sizes, comma-separated.
    #[arg(long, value_name = "N", value_delimiter = ',', default_value = "1,8,32")]
    pub batches: Vec<usize>,

    /// Caller thread counts, comma-separated (one handle shared by all).
    #[arg(long, value_name = "N", value_delimiter = ',', default_value = "1,2")]
    pub threads: Vec<usize>,

    /// Python with numpy and onnxruntime for the reference implementations [default:
    /// $SERFIQ_PYTHON, else .cache/pyref/bin/python (scripts/reference/setup.sh), else python3].
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,

    /// Skip the Python references.
    #[arg(long)]
    pub no_python: bool,

    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Time whole photos instead: detect + align + score per photo on one thread, at each
    /// --max-sides working size, on the images and a 1920x1080 frame made from the first.
    #[arg(long)]
    pub photos: bool,

    /// Time the capture loop instead: per-frame cost of tracking (detect in the region around
    /// the face + align + score) against full-frame detection on every frame, on VIDEO (a file
    /// ffmpeg decodes, or a folder of frames) at its own size and scaled to 1280x720.
    #[arg(long, value_name = "VIDEO")]
    pub capture: Option<PathBuf>,

    /// With --capture: the capture's options.
    #[command(flatten)]
    pub capture_options: CaptureOptionArgs,

    /// With --photos: detector working sizes (detector_max_side) to compare, comma-separated.
    #[arg(long, value_name = "N", value_delimiter = ',', default_value = "32768,640")]
    pub max_sides: Vec<u32>,

    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub serfiq: SerfiqArgs,
}

#[derive(Args, Debug)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub faces: FaceOutputArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub serfiq: SerfiqArgs,
}

#[derive(Args, Debug)]
pub struct EmbedArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub detect: DetectArgs,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub serfiq: SerfiqArgs,
    /// Print a JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct InputArgs {
    /// Image files (JPEG or PNG) and folders
    ///
    /// Folders are searched recursively for *.jpg, *.jpeg and *.png files (any case), taken in
    /// sorted order. Results are printed in input order.
    #[arg(value_name = "IMAGES_OR_DIRS", required = true)]
    pub inputs: Vec<PathBuf>,

    /// Five face landmarks per image, used instead of the face detector
    ///
    /// A JSON object mapping an image path (as given or found in a folder) or its file name to
    /// five [x, y] points in pixels, in ArcFace order: left eye, right eye, nose tip, left
    /// mouth corner, right mouth corner (see data/faces/landmarks.json). Images with landmarks
    /// are aligned with them; images without are searched by the detector, or taken as aligned
    /// crops when they have the model's input size. A full path matches before a bare file name.
    #[arg(long, value_name = "FILE")]
    pub landmarks: Option<PathBuf>,

    /// Print a JSON array instead of CSV (same fields: s, q, n, f, q100).
    #[arg(long)]
    pub json: bool,

    /// Images per model run. Larger batches are faster but take more memory.
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u64).range(1..=serfiq_core::MAX_BATCH as u64))]
    pub batch: u64,
}

/// Which faces of a photo `score` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FacesArg {
    /// The face --face-policy picks: one row per image (path,s,q).
    One,
    /// Every face found: one row per face, with its index, box and detector confidence.
    All,
}

/// `--face-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyArg {
    /// The face with the largest box.
    Largest,
    /// The face nearest the image centre.
    Central,
}

impl From<PolicyArg> for FacePolicy {
    fn from(p: PolicyArg) -> Self {
        match p {
            PolicyArg::Largest => FacePolicy::Largest,
            PolicyArg::Central => FacePolicy::MostCentral,
        }
    }
}

#[derive(Args, Debug)]
pub struct FaceOutputArgs {
    /// Score the one face --face-policy picks per photo, or every face found
    ///
    /// With `all`, CSV rows are path,face,x0,y0,x1,y1,confidence,s,q (face = index in the
    /// photo, the box in pixels) and JSON objects get face, box, landmarks and confidence.
    #[arg(long, value_enum, value_name = "WHICH", default_value_t = FacesArg::One)]
    pub faces: FacesArg,

    /// Write each scored face as the model sees it (the aligned crop) into DIR, as
    /// NAME.png (NAME_faceK.png with --faces all)
    #[arg(long, value_name = "DIR")]
    pub save_crops: Option<PathBuf>,

    /// Draw each face's box, landmarks and s/q on the photo: OUT.png (or .jpg) for one image, a
    /// folder (written as NAME.png) for several
    ///
    /// Scored faces are coloured from red (q near 0) to green (q near 1); faces found but not
    /// scored (other than the one --face-policy picks) are drawn in grey.
    #[arg(long, value_name = "OUT")]
    pub annotate: Option<PathBuf>,

    /// Add the quality components (ISO/IEC 29794-5) and the feedback codes of each face
    ///
    /// CSV gets, per component in id order, `<Name>` (0-100) and `<Name>_raw` (its unit),
    /// empty when not assessed, then `feedback` (code names joined by `|`); JSON gets
    /// "components": {"<Name>": {"raw", "value"}} and "feedback": [...]. With --annotate the
    /// feedback messages are drawn under each face. See docs/components.md.
    #[arg(long)]
    pub components: bool,

    /// The thresholds behind the feedback codes: a preset, `enrolment` (strict, ICAO/ISO) or
    /// `live` (tolerant), optionally followed by `;key=value` overrides, e.g.
    /// "live;max_yaw=20;min_inter_eye_distance=60" [default: enrolment]
    #[arg(long, value_name = "TEXT")]
    pub profile: Option<String>,
}

/// The face detector.
#[derive(Args, Debug)]
pub struct DetectArgs {
    /// Face detector (RetinaFace mobilenet-0.25 ONNX) [default: $SERFIQ_DETECTOR, else
    /// models/retinaface_mnet025.onnx in the serfiq cache when it is there]
    #[arg(long, value_name = "PATH")]
    pub detector: Option<PathBuf>,

    /// Do not look for faces: images must be aligned crops or have --landmarks.
    #[arg(long, conflicts_with = "detector")]
    pub no_detect: bool,

    /// Which face to score when a photo shows several.
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = PolicyArg::Largest)]
    pub face_policy: PolicyArg,

    /// Detector confidence a face needs, in [0, 1).
    #[arg(long, value_name = "T", default_value_t = Options::default().detector_threshold)]
    pub detector_threshold: f32,

    /// What an image without landmarks is: `auto` (an image of exactly the model's input
    /// size, 112x112 for the default model, is an aligned crop, even a photo of that size;
    /// any other size is a photo), `crop` (always an aligned crop: another size is a bad
    /// image) or `photo` (always searched by the detector).
    #[arg(long, value_enum, value_name = "MODE", default_value_t = InputModeArg::Auto)]
    pub input_mode: InputModeArg,

    /// Longest side, in pixels, of the image the detector sees (32 to 32768; 32768 turns
    /// shrinking off): larger photos are shrunk for detection only, the face is aligned from
    /// the full-resolution pixels. Faces narrower than about 20 pixels in the shrunk image
    /// are not found (60 pixels in a 1920x1080 frame at 640).
    #[arg(long, value_name = "N", default_value_t = Options::default().detector_max_side)]
    pub detector_max_side: u32,
}

/// `--input-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputModeArg {
    /// By its size.
    Auto,
    /// An aligned crop.
    Crop,
    /// A photo for the detector.
    Photo,
}

impl From<InputModeArg> for InputMode {
    fn from(m: InputModeArg) -> Self {
        match m {
            InputModeArg::Auto => InputMode::Auto,
            InputModeArg::Crop => InputMode::Crop,
            InputModeArg::Photo => InputMode::Photo,
        }
    }
}

#[derive(Args, Debug)]
pub struct ModelArgs {
    /// ONNX face-recognition model [default: $SERFIQ_MODEL, else models/fr_feature.onnx in the
    /// serfiq cache, which `make fetch` fills].
    #[arg(long, value_name = "PATH")]
    pub model: Option<PathBuf>,

    /// ONNX Runtime shared library (libonnxruntime.so, onnxruntime.dll on Windows) [default: $SERFIQ_ORT_LIB, else the one in
    /// the serfiq cache, else next to serfiq or the system library path].
    #[arg(long, value_name = "PATH")]
    pub ort_lib: Option<PathBuf>,

    /// Node name or output tensor of the model's embedding layer (the last linear layer), for
    /// models where serfiq does not find it by itself.
    #[arg(long, value_name = "NAME")]
    pub embedding_layer: Option<String>,

    /// Refuse the model unless its SHA-256 is HEX (64 hex digits).
    #[arg(long, value_name = "HEX")]
    pub model_sha256: Option<String>,

    /// Refuse the face detector unless its SHA-256 is HEX (64 hex digits).
    #[arg(long, value_name = "HEX")]
    pub detector_sha256: Option<String>,

    /// Largest model or detector file read, in bytes; a larger one is refused before it is read.
    #[arg(long, value_name = "N", default_value_t = serfiq_core::DEFAULT_MAX_MODEL_BYTES,
          value_parser = clap::value_parser!(u64).range(1..=serfiq_core::MAX_MODEL_BYTES))]
    pub max_model_bytes: u64,

    /// Second quality network (ONNX, aligned face -> one number, higher = better), fused into f
    /// [default: $SERFIQ_QUALITY_NET, else the shipped LightQNet, models/quality/ next to serfiq].
    #[arg(long, value_name = "PATH")]
    pub quality_net: Option<PathBuf>,

    /// No second quality network: l is empty and f is s and n's alone.
    #[arg(long, conflicts_with = "quality_net")]
    pub no_quality_net: bool,

    /// The quality network's input, e.g. "side=96;layout=nhwc;channels=rgb;mean=128;std=128"
    /// [default: its serfiq.quality_input metadata].
    #[arg(long, value_name = "SPEC")]
    pub quality_net_spec: Option<String>,

    /// Refuse the quality network unless its SHA-256 is HEX (64 hex digits).
    #[arg(long, value_name = "HEX")]
    pub quality_net_sha256: Option<String>,

    /// Use only the paths given on the command line: no SERFIQ_* variable, no serfiq cache, no
    /// library search (--model and --ort-lib are then required; no detector without --detector,
    /// no quality network without --quality-net).
    #[arg(long)]
    pub explicit_paths_only: bool,
}

/// The SER-FIQ settings. Defaults come from `serfiq_core::Options::default()`.
#[derive(Args, Debug)]
pub struct SerfiqArgs {
    #[command(flatten)]
    pub head: HeadArgs,

    /// Steepness alpha of the mapping s -> q [default: the model's calibration (`serfiq
    /// calibrate`), else 118, fitted to the default model].
    #[arg(long, value_name = "A", allow_negative_numbers = true)]
    pub alpha: Option<f64>,

    /// Midpoint r of the mapping s -> q, the s that gives q = 0.5 [default: the model's
    /// calibration, else 0.576].
    #[arg(long = "r", value_name = "R", allow_negative_numbers = true)]
    pub r: Option<f64>,

    /// Which quality q100 is the percentile of (in the model's calibration sample).
    #[arg(long = "q100", value_name = "QUALITY", value_enum, default_value_t = Q100Arg::default())]
    pub q100: Q100Arg,
}

/// `--q100`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Q100Arg {
    /// The fused quality f (serfiq's default).
    F,
    /// The raw SER-FIQ score s.
    S,
}

impl Default for Q100Arg {
    fn default() -> Self {
        match serfiq_core::Q100Quality::DEFAULT {
            serfiq_core::Q100Quality::S => Q100Arg::S,
            serfiq_core::Q100Quality::F => Q100Arg::F,
        }
    }
}

impl From<Q100Arg> for serfiq_core::Q100Quality {
    fn from(q: Q100Arg) -> Self {
        match q {
            Q100Arg::S => serfiq_core::Q100Quality::S,
            Q100Arg::F => serfiq_core::Q100Quality::F,
        }
    }
}

/// What s depends on: T, p and the mask seed.
#[derive(Args, Debug)]
pub struct HeadArgs {
    /// Stochastic samples T per image (2 to 1000): dropout masks on the embedding layer.
    #[arg(long = "samples", value_name = "T", default_value_t = Options::default().samples)]
    pub samples: usize,

    /// Dropout probability p on the embedding layer's input, between 0 and 1.
    #[arg(long, value_name = "P", default_value_t = Options::default().dropout)]
    pub dropout: f64,

    /// Seed of the dropout masks; the same seed gives the same scores.
    #[arg(long, value_name = "S", default_value_t = Options::default().seed)]
    pub seed: u64,
}
