//! `serfiq bench --photos`: what a whole photo costs (decoded pixels in,
//! quality out: detect + align + score, one thread) at each detector working
//! size, on real photos and on a 1920x1080 frame made from the first of them.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use image::RgbImage;
use serfiq_core::{Face, ImageView, Model, PixelFormat};

use crate::args::BenchArgs;
use crate::process;
use crate::{load, Fatal};

/// Calls per image and round: one call takes milliseconds, so a round of a
/// few lasts long enough to time.
const CALLS: usize = 3;

/// A frame of `w`×`h`: `photo` scaled to the frame's height (aspect kept),
/// centred, the sides grey.
fn frame(photo: &RgbImage, w: u32, h: u32) -> RgbImage {
    let pw = (photo.width() as u64 * h as u64 / photo.height() as u64).clamp(1, w as u64) as u32;
    let scaled = image::imageops::resize(photo, pw, h, image::imageops::FilterType::Triangle);
    let mut out = RgbImage::from_pixel(w, h, image::Rgb([128, 128, 128]));
    image::imageops::overlay(&mut out, &scaled, ((w - pw) / 2) as i64, 0);
    out
}

fn view(img: &RgbImage) -> Result<ImageView<'_>, Fatal> {
    ImageView::packed(img.as_raw(), img.width(), img.height(), PixelFormat::Rgb)
        .map_err(|e| Fatal(format!("an image: {}", e.message)))
}

/// CPU seconds this thread has used: with one intra-op thread ONNX Runtime
/// runs on the caller's thread, so this is the call's cost even while other
/// processes share the cores (wall time then also counts their turns).
#[cfg(unix)]
pub(crate) fn thread_cpu() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec to write; the clock id is a constant.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// Not measured on other systems (the CPU column reads NaN there).
#[cfg(not(unix))]
pub(crate) fn thread_cpu() -> f64 {
    f64::NAN
}

/// Wall and thread-CPU milliseconds per call of `score` on `img`, `CALLS` calls.
fn time(model: &Model, img: &RgbImage) -> Result<[f64; 2], Fatal> {
    let face = Face { image: view(img)?, landmarks: None };
    let (start, cpu) = (Instant::now(), thread_cpu());
    for _ in 0..CALLS {
        model.score(&face).map_err(|e| Fatal(format!("{:?}: {}", e.kind, e.message)))?;
    }
    let per_call = |s: f64| s * 1e3 / CALLS as f64;
    Ok([per_call(start.elapsed().as_secs_f64()), per_call(thread_cpu() - cpu)])
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub fn run(a: &BenchArgs, opts: &serfiq_core::Options, inputs: &[PathBuf]) -> Result<ExitCode, Fatal> {
    if opts.detector.is_none() {
        return Err(Fatal("--photos needs the face detector (--detector or the cached one)".to_string()));
    }
    let mut photos: Vec<(String, RgbImage)> = Vec::new();
    for path in crate::inputs::collect(inputs).images.iter().take(64) {
        match process::prepare(path, None) {
            Ok(p) => photos.push((crate::show::path(path), p.rgb)),
            Err(reason) => eprintln!("{}", process::problem(path, &reason)),
        }
    }
    let Some((first, _)) = photos.first().cloned() else {
        return Err(Fatal("no photo could be decoded".to_string()));
    };
    let hd = frame(&photos[0].1, 1920, 1080);
    photos.insert(0, (format!("1920x1080 frame of {first}"), hd));
    let models = a
        .max_sides
        .iter()
        .map(|&side| {
            load(&serfiq_core::Options { detector_max_side: side, intra_threads: 1, max_sessions: 1, ..opts.clone() })
        })
        .collect::<Result<Vec<_>, _>>()?;
    println!(
        "serfiq bench --photos: detect + align + score per photo (one thread, {CALLS} calls a round, median of {} rounds) by detector_max_side",
        a.rounds
    );
    // [side][photo] → the rounds' [wall, cpu] times, rounds interleaving the sides.
    let mut all = vec![vec![Vec::new(); photos.len()]; models.len()];
    for (k, (_, img)) in photos.iter().enumerate() {
        for m in &models {
            time(m, img)?; // warm-up: sessions and allocations for this size
        }
        for round in 0..a.rounds {
            for i in 0..models.len() {
                let j = if round % 2 == 0 { i } else { models.len() - 1 - i };
                all[j][k].push(time(&models[j], img)?);
            }
        }
    }
    for (which, label) in [(0, "wall"), (1, "thread CPU")] {
        println!("\n{label} ms per photo");
        print!("{:>11} ", "pixels");
        for side in &a.max_sides {
            print!("{:>10}", format!("max {side}"));
        }
        println!("  photo");
        let med = |rounds: &[[f64; 2]]| median(rounds.iter().map(|t| t[which]).collect());
        for (k, (name, img)) in photos.iter().enumerate() {
            print!("{:>11} ", format!("{}x{}", img.width(), img.height()));
            for side in &all {
                print!("{:>10.1}", med(&side[k]));
            }
            println!("  {name}");
        }
        print!("{:>11} ", "median");
        for side in &all {
            print!("{:>10.1}", median(side.iter().map(|r| med(r)).collect()));
        }
        println!("  of the {} photos and the frame", photos.len() - 1);
    }
    Ok(ExitCode::SUCCESS)
}
