//! `serfiq bench`: what quality costs. Embed-only against score+embed (with
//! and, when the model has one, without the second quality network) per
//! batch size and caller-thread count (the model's own cost, on aligned crops:
//! decoding, detection and alignment are not timed), then the same crops
//! through two Python implementations of the original algorithm.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use serde::Serialize;
use serfiq_core::{Face, ImageView, Model, PixelFormat, Want};

use crate::args::{BenchArgs, DetectArgs, PolicyArg};
use crate::inputs::io_reason;
use crate::locate;
use crate::process;
use crate::{load, settings, Fatal};

/// Images timed per round at each batch size (rounded up to whole batches).
const IMAGES_PER_ROUND: usize = 32;
/// Crops handed to the Python references, and their rounds (the original
/// algorithm takes about a second per image).
const PYTHON_IMAGES: usize = 8;
const PYTHON_ORIGINAL_ROUNDS: usize = 3;

#[derive(Serialize)]
struct Row {
    batch: usize,
    threads: usize,
    embed_ms_per_image: f64,
    score_embed_ms_per_image: f64,
    /// Score+embed of the same model without its second quality network
    /// (`None`: the model has none, the column above is that already).
    without_net_ms_per_image: Option<f64>,
    ratio: f64,
    embed_images_per_s: f64,
    score_embed_images_per_s: f64,
}

#[derive(Serialize)]
struct Reference {
    name: &'static str,
    script: String,
    ms_per_image: Option<f64>,
    /// Its time over serfiq's score+embed at batch 1, one thread.
    times_serfiq: Option<f64>,
    /// Its time over serfiq's embed-only at batch 1, one thread.
    times_embedding: Option<f64>,
    skipped: Option<String>,
}

#[derive(Serialize)]
struct Report {
    model: PathBuf,
    crops: usize,
    rounds: usize,
    samples: usize,
    rows: Vec<Row>,
    python: Vec<Reference>,
    components: Option<crate::bench_components::ComponentCost>,
}

pub fn run(a: &BenchArgs) -> Result<ExitCode, Fatal> {
    if a.rounds == 0 || a.batches.iter().chain(&a.threads).any(|&n| n == 0 || n > 256) {
        return Err(Fatal("--rounds, --batches and --threads need values from 1 to 256".to_string()));
    }
    let detect = DetectArgs {
        detector: None,
        no_detect: false,
        face_policy: PolicyArg::Largest,
        detector_threshold: serfiq_core::Options::default().detector_threshold,
        input_mode: crate::args::InputModeArg::Auto,
        detector_max_side: serfiq_core::Options::default().detector_max_side,
    };
    let st = settings(&a.model, &detect, Some(&a.serfiq))?;
    let mut opts = st.opts.clone();
    // One intra-op thread per call and a session per caller: the library's
    // defaults, stated here because the numbers depend on them.
    opts.intra_threads = 1;
    opts.max_sessions = a.threads.iter().copied().max().unwrap_or(1);
    if let Some(video) = &a.capture {
        return crate::bench_capture::run(&opts, a.capture_options.options(), video);
    }
    let inputs = if a.inputs.is_empty() { vec![demo_faces(&st.locator)?] } else { a.inputs.clone() };
    if a.photos {
        return crate::bench_photos::run(a, &opts, &inputs);
    }
    let model = load(&opts)?;
    let without_net = match opts.quality_net {
        Some(_) => Some(load(&serfiq_core::Options {
            quality_net: None,
            quality_net_sha256: None,
            quality_net_spec: None,
            ..opts.clone()
        })?),
        None => None,
    };
    let crops = aligned_crops(&model, &inputs)?;
    let (w, h) = model.input_size();
    println!(
        "serfiq bench: {} ({} crops of {w}x{h}, T = {}), {} rounds, median; ONNX Runtime {}",
        crate::show::path(&st.model_path),
        crops.len(),
        model.samples(),
        a.rounds,
        crate::show::path(model.runtime_path())
    );
    let max_batch = a.batches.iter().copied().max().unwrap_or(1);
    let views: Vec<ImageView> = crops
        .iter()
        .cycle()
        .take(max_batch.max(crops.len()))
        .map(|c| {
            ImageView::packed(c, w, h, PixelFormat::Rgb).map_err(|e| Fatal(format!("an aligned crop: {}", e.message)))
        })
        .collect::<Result<_, _>>()?;
    let faces: Vec<Face> = views.iter().map(|&image| Face { image, landmarks: None }).collect();

    match &without_net {
        Some(_) => println!(
            "score+embed includes the second quality network ({}); the next column is without it",
            model.quality_input().map(|q| q.to_string()).unwrap_or_default()
        ),
        None => println!("no second quality network (--no-quality-net, or none found)"),
    }
    println!("\n batch threads   embed ms/img  score+embed ms/img  without net ms/img  net ms/img   ratio   embed img/s  score+embed img/s");
    let mut rows = Vec::new();
    for &threads in &a.threads {
        for &batch in &a.batches {
            let row = time_config(&model, without_net.as_ref(), &faces[..batch], threads, a.rounds)?;
            let cell = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
            println!(
                "{:>6} {:>7} {:>14.2} {:>19.2} {:>19} {:>11} {:>7.3} {:>13.1} {:>18.1}",
                row.batch,
                row.threads,
                row.embed_ms_per_image,
                row.score_embed_ms_per_image,
                cell(row.without_net_ms_per_image),
                cell(row.without_net_ms_per_image.map(|w| row.score_embed_ms_per_image - w)),
                row.ratio,
                row.embed_images_per_s,
                row.score_embed_images_per_s
            );
            std::io::stdout().flush()?;
            rows.push(row);
        }
    }
    let components = crate::bench_components::measure(&model, &inputs, a.rounds);
    match &components {
        Some(c) => println!(
            "\nquality components (serfiq_assess), thread CPU per face, median of {} faces at full resolution: {:.3} ms; the score of the same face {:.2} ms (components = {:.1} % of it)\nlandmark refinement (enrolment profile, refine=1; {} x 2 detector passes on a {px} px canvas), thread CPU per face: {:.2} ms on top of the components",
            c.faces,
            c.components_ms_per_face,
            c.score_ms_per_face,
            100.0 * c.components_ms_per_face / c.score_ms_per_face,
            serfiq_core::canonical::PASSES,
            c.refine_ms_per_face,
            px = serfiq_core::canonical::CANVAS,
        ),
        None => println!("\nquality components: not timed (no face detector, or no face found)"),
    }
    let base = rows.iter().find(|r| r.batch == 1 && r.threads == 1);
    let python = if a.no_python {
        Vec::new()
    } else {
        python_references(a, &st.locator, &st.model_path, &crops, (w, h), model.samples(), base)
    };
    if !python.is_empty() {
        println!("\nPython references (batch 1, one thread; {PYTHON_IMAGES} crops):");
        for p in &python {
            match (p.ms_per_image, &p.skipped) {
                (Some(ms), _) => println!(
                    "  {:<44} {:>9.2} ms/img  = {:>6.1}x serfiq score+embed, {:>6.1}x serfiq embed-only",
                    p.name,
                    ms,
                    p.times_serfiq.unwrap_or(f64::NAN),
                    p.times_embedding.unwrap_or(f64::NAN)
                ),
                (None, reason) => println!("  {:<44} skipped: {}", p.name, reason.as_deref().unwrap_or("?")),
            }
        }
    }
    if let Some(path) = &a.json {
        let report = Report {
            model: st.model_path.clone(),
            crops: crops.len(),
            rounds: a.rounds,
            samples: model.samples(),
            rows,
            python,
            components,
        };
        let text = serde_json::to_string_pretty(&report).map_err(|e| Fatal(e.to_string()))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| Fatal(format!("cannot write {}: {}", crate::show::path(path), io_reason(&e))))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The demo photos `make fetch` puts in the cache.
fn demo_faces(locator: &locate::Locator) -> Result<PathBuf, Fatal> {
    locator.cache.iter().map(|c| c.join("faces")).find(|p| p.is_dir()).ok_or_else(|| {
        Fatal("no images given and no demo photos in the serfiq cache (run `make fetch`, or pass images)".into())
    })
}

/// One aligned crop per image that has a usable face, at the model's input size.
fn aligned_crops(model: &Model, inputs: &[PathBuf]) -> Result<Vec<Vec<u8>>, Fatal> {
    let found = crate::inputs::collect(inputs);
    let mut crops = Vec::new();
    for path in found.images.iter().take(256) {
        let crop = process::prepare(path, None)
            .and_then(|prep| prep.face().and_then(|face| model.aligned_crop(&face).map_err(|e| process::reason(&e))));
        match crop {
            Ok(crop) => crops.push(crop.rgb),
            Err(reason) => eprintln!("{}", crate::process::problem(path, &reason)),
        }
    }
    if crops.is_empty() {
        return Err(Fatal("no usable face among the images".to_string()));
    }
    Ok(crops)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds for `threads` callers to each run `calls` batches of `faces`.
fn wall(model: &Model, faces: &[Face], want: Want, threads: usize, calls: usize) -> Result<f64, Fatal> {
    let start = Instant::now();
    let failed: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..calls {
                    if let Err(e) = model.run(faces, want) {
                        *failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.message);
                        return;
                    }
                }
            });
        }
    });
    match failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(message) => Err(Fatal(format!("inference failed: {message}"))),
        None => Ok(start.elapsed().as_secs_f64()),
    }
}

/// Embed-only and score+embed, interleaved round by round so that drift in
/// the machine's speed hits both alike.
/// `without_net` (the model without its quality network) is timed in the same rounds.
fn time_config(
    model: &Model,
    without_net: Option<&Model>,
    faces: &[Face],
    threads: usize,
    rounds: usize,
) -> Result<Row, Fatal> {
    let batch = faces.len();
    let calls = IMAGES_PER_ROUND.div_ceil(batch);
    let images = (calls * batch * threads) as f64;
    // (model, want) per measurement: embed-only, score+embed, score+embed without the network.
    let mut runs = vec![(model, Want::Embedding), (model, Want::Both)];
    runs.extend(without_net.map(|m| (m, Want::Both)));
    for &(m, want) in &runs {
        wall(m, faces, want, threads, 1)?;
    }
    let mut times = vec![Vec::new(); runs.len()];
    for round in 0..rounds {
        for k in 0..runs.len() {
            // A rotating order, so that drift hits every measurement alike.
            let i = (k + round) % runs.len();
            times[i].push(wall(runs[i].0, faces, runs[i].1, threads, calls)?);
        }
    }
    let mut medians = times.into_iter().map(median);
    let (e, b) = (medians.next().unwrap_or(f64::NAN), medians.next().unwrap_or(f64::NAN));
    let without = medians.next();
    // Latency: wall time per image each caller sees; throughput: all callers together.
    let per_image = |t: f64| t * 1e3 / (calls * batch) as f64;
    Ok(Row {
        batch,
        threads,
        embed_ms_per_image: per_image(e),
        score_embed_ms_per_image: per_image(b),
        without_net_ms_per_image: without.map(per_image),
        ratio: b / e,
        embed_images_per_s: images / e,
        score_embed_images_per_s: images / b,
    })
}

/// The Python interpreter for the references.
fn python(a: &BenchArgs, locator: &locate::Locator) -> PathBuf {
    if let Some(p) = &a.python {
        return p.clone();
    }
    if let Some(p) = std::env::var_os("SERFIQ_PYTHON").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    locator
        .cache
        .iter()
        .map(|c| c.join("pyref/bin/python"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("python3"))
}

/// Where scripts/reference is: next to the binary or in one of its parents
/// (target/release/serfiq in a checkout), never the working directory; not
/// looked for with --explicit-paths-only.
fn reference_dir(locator: &locate::Locator) -> Option<PathBuf> {
    if locator.explicit_only {
        return None;
    }
    locate::exe_ancestors()
        .into_iter()
        .map(|d| d.join("scripts/reference"))
        .find(|d| d.join("serfiq_original.py").is_file())
}

fn python_references(
    a: &BenchArgs,
    locator: &locate::Locator,
    model_path: &Path,
    crops: &[Vec<u8>],
    (w, h): (u32, u32),
    samples: usize,
    base: Option<&Row>,
) -> Vec<Reference> {
    let scripts = [
        ("original (full network on T copies, dropout)", "serfiq_original.py", PYTHON_ORIGINAL_ROUNDS),
        ("backbone once + numpy head", "serfiq_numpy_head.py", a.rounds),
    ];
    let dir = reference_dir(locator);
    let crops_file = std::env::temp_dir().join(format!("serfiq-bench-crops-{}.u8", std::process::id()));
    let wrote =
        std::fs::write(&crops_file, crops.iter().cycle().take(PYTHON_IMAGES).flatten().copied().collect::<Vec<u8>>());
    let python = python(a, locator);
    let out = scripts
        .iter()
        .map(|&(name, file, rounds)| {
            let mut r = Reference {
                name,
                script: format!("scripts/reference/{file}"),
                ms_per_image: None,
                times_serfiq: None,
                times_embedding: None,
                skipped: None,
            };
            let result = match (&dir, &wrote) {
                (None, _) if locator.explicit_only => Err("not looked for with --explicit-paths-only".to_string()),
                (None, _) => Err("scripts/reference not found next to the serfiq executable".to_string()),
                (_, Err(e)) => Err(format!("cannot write the crops: {}", io_reason(e))),
                (Some(dir), Ok(())) => {
                    eprint!("serfiq: running {file} ...");
                    let ms = run_script(
                        &python,
                        &dir.join(file),
                        model_path,
                        &crops_file,
                        PYTHON_IMAGES,
                        (w, h),
                        samples,
                        rounds,
                    );
                    eprintln!();
                    ms
                }
            };
            match result {
                Ok(ms) => {
                    r.ms_per_image = Some(ms);
                    r.times_serfiq = base.map(|b| ms / b.score_embed_ms_per_image);
                    r.times_embedding = base.map(|b| ms / b.embed_ms_per_image);
                }
                Err(e) => r.skipped = Some(e),
            }
            r
        })
        .collect();
    let _ = std::fs::remove_file(&crops_file);
    out
}

#[allow(clippy::too_many_arguments)]
fn run_script(
    python: &Path,
    script: &Path,
    model: &Path,
    crops: &Path,
    count: usize,
    (w, h): (u32, u32),
    samples: usize,
    rounds: usize,
) -> Result<f64, String> {
    if w != h {
        return Err(format!("the references take square crops, the model wants {w}x{h}"));
    }
    let out = Command::new(python)
        .arg(script)
        .arg(model)
        .arg("--crops")
        .arg(crops)
        .args(["--count", &count.to_string(), "--size", &w.to_string()])
        .args(["--samples", &samples.to_string(), "--rounds", &rounds.to_string()])
        .output()
        .map_err(|e| {
            format!(
                "cannot run {}: {} (set --python or SERFIQ_PYTHON; scripts/reference/setup.sh)",
                crate::show::path(python),
                io_reason(&e)
            )
        })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "{} failed: {} (scripts/reference/setup.sh makes a Python with its packages)",
            crate::show::path(script),
            err.lines().last().unwrap_or("no message")
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("unreadable output: {e}"))?;
    v["ms_per_image"].as_f64().ok_or_else(|| "no ms_per_image in its output".to_string())
}
