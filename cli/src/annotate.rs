//! Drawing what was scored on the photo: each face's box, its 5 landmarks and
//! its s and q, so a person can check what serfiq looked at.

use ab_glyph::{FontRef, PxScale};
use image::{Rgb, RgbImage};
use imageproc::drawing::{
    draw_filled_circle_mut, draw_filled_rect_mut, draw_hollow_rect_mut, draw_text_mut, text_size,
};
use imageproc::rect::Rect;
use serfiq_core::{Landmarks, Quality};

/// One face to draw.
pub struct Mark {
    /// x0, y0, x1, y1; `None` for an aligned crop (the whole image).
    pub bbox: Option<[f32; 4]>,
    pub landmarks: Option<Landmarks>,
    /// Its quality if it was scored; unscored faces are drawn in grey.
    pub quality: Option<Quality>,
    /// Its index among the image's faces, shown with `--faces all`.
    pub index: Option<usize>,
    /// Feedback messages (`--components`), one line each under the box.
    pub notes: Vec<&'static str>,
}

const GREY: Rgb<u8> = Rgb([170, 170, 170]);
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const SHADE: Rgb<u8> = Rgb([20, 20, 20]);
/// Landmark colours: eyes cyan, nose magenta, mouth corners yellow.
const LANDMARK_COLOURS: [Rgb<u8>; 5] =
    [Rgb([0, 220, 255]), Rgb([0, 220, 255]), Rgb([255, 60, 255]), Rgb([255, 230, 0]), Rgb([255, 230, 0])];

/// DejaVu Sans Bold, from the `dejavu` crate.
fn font() -> Option<FontRef<'static>> {
    FontRef::try_from_slice(dejavu::sans::bold()).ok()
}

/// Red (q = 0) through yellow (0.5) to green (1).
pub fn colour(q: f32) -> Rgb<u8> {
    let q = if q.is_finite() { q.clamp(0.0, 1.0) } else { 0.0 };
    let (r, g) = if q < 0.5 { (230.0, 460.0 * q) } else { (230.0 * (2.0 - 2.0 * q), 230.0) };
    Rgb([r as u8, g as u8, 40])
}

/// The text shown with a face.
pub fn label(m: &Mark) -> Option<String> {
    let q = m.quality?;
    let index = m.index.map_or(String::new(), |i| format!("#{i}  "));
    Some(format!("{index}s {:.3}  q {:.2}", q.s, q.q))
}

/// A box around the landmarks when the detector gave none (landmarks from a file).
fn box_of(m: &Mark) -> Option<[f32; 4]> {
    m.bbox.or_else(|| {
        let lm = m.landmarks?;
        let (xs, ys) = (lm.map(|p| p[0]), lm.map(|p| p[1]));
        let (x0, x1) = (xs.iter().copied().fold(f32::MAX, f32::min), xs.iter().copied().fold(f32::MIN, f32::max));
        let (y0, y1) = (ys.iter().copied().fold(f32::MAX, f32::min), ys.iter().copied().fold(f32::MIN, f32::max));
        let (w, h) = (x1 - x0, y1 - y0);
        Some([x0 - 0.6 * w, y0 - 0.9 * h, x1 + 0.6 * w, y1 + 0.6 * h])
    })
}

/// Draws every mark, then `note` (e.g. "no face found") in the top-left corner.
pub fn draw(img: &mut RgbImage, marks: &[Mark], note: Option<&str>) {
    let (w, h) = img.dimensions();
    let short = w.min(h) as f32;
    let thick = (short / 300.0).round().clamp(1.0, 8.0) as i32;
    let font = font();
    // Unscored faces first, so the scored ones are drawn on top.
    let order = marks.iter().filter(|m| m.quality.is_none()).chain(marks.iter().filter(|m| m.quality.is_some()));
    for m in order {
        let c = m.quality.map_or(GREY, |q| colour(q.q));
        let b = box_of(m).unwrap_or([0.0, 0.0, w as f32, h as f32]);
        let (bw, bh) = ((b[2] - b[0]).max(1.0), (b[3] - b[1]).max(1.0));
        let t = if m.quality.is_some() { thick } else { (thick / 2).max(1) };
        for k in 0..t {
            let (x, y) = (b[0].round() as i32 + k, b[1].round() as i32 + k);
            let (rw, rh) = ((bw.round() as i32 - 2 * k).max(1) as u32, (bh.round() as i32 - 2 * k).max(1) as u32);
            draw_hollow_rect_mut(img, Rect::at(x, y).of_size(rw, rh), c);
        }
        if let Some(lm) = m.landmarks {
            let r = (bw / 40.0).round().clamp(1.0, 10.0) as i32;
            for (p, lc) in lm.iter().zip(LANDMARK_COLOURS) {
                let lc = if m.quality.is_some() { lc } else { GREY };
                draw_filled_circle_mut(img, (p[0].round() as i32, p[1].round() as i32), r, lc);
            }
        }
        if let (Some(text), Some(font)) = (label(m), &font) {
            let size = (bh * 0.12).clamp(12.0, (short / 14.0).max(12.0));
            // The label sits on the box's top edge, above it when there is room.
            let (tw, th) = text_size(PxScale::from(size), font, &text);
            let pad = (size / 5.0).round() as i32;
            let x = (b[0].round() as i32).clamp(0, (w as i32 - tw as i32 - 2 * pad).max(0));
            let above = b[1].round() as i32 - th as i32 - 2 * pad;
            let y = if above >= 0 { above } else { b[1].round() as i32 + t };
            draw_filled_rect_mut(img, Rect::at(x, y).of_size(tw + 2 * pad as u32, th + 2 * pad as u32), SHADE);
            draw_text_mut(img, c, x + pad, y + pad, PxScale::from(size), font, &text);
            // Feedback under the box (inside it at the bottom edge of the image).
            let mut y = b[3].round() as i32 + t;
            for note in &m.notes {
                let (nw, nh) = text_size(PxScale::from(size), font, note);
                let (bw, bh) = (nw + 2 * pad as u32, nh + 2 * pad as u32);
                let x = (b[0].round() as i32).clamp(0, (w as i32 - bw as i32).max(0));
                let y_at = y.min(h as i32 - bh as i32).max(0);
                draw_filled_rect_mut(img, Rect::at(x, y_at).of_size(bw, bh), SHADE);
                draw_text_mut(img, WHITE, x + pad, y_at + pad, PxScale::from(size), font, note);
                y += bh as i32;
            }
        }
    }
    if let (Some(note), Some(font)) = (note, &font) {
        let size = (short / 16.0).clamp(12.0, 48.0);
        let (tw, th) = text_size(PxScale::from(size), font, note);
        let pad = (size / 4.0).round() as u32;
        draw_filled_rect_mut(img, Rect::at(0, 0).of_size(tw + 2 * pad, th + 2 * pad), SHADE);
        draw_text_mut(img, WHITE, pad as i32, pad as i32, PxScale::from(size), font, note);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_run_from_red_to_green() {
        assert_eq!(colour(0.0), Rgb([230, 0, 40]));
        assert_eq!(colour(0.5), Rgb([230, 230, 40]));
        assert_eq!(colour(1.0), Rgb([0, 230, 40]));
        assert_eq!(colour(f32::NAN), colour(0.0));
    }

    #[test]
    fn drawing_marks_the_box_landmarks_and_label() {
        assert!(font().is_some(), "the embedded font parses");
        let mut img = RgbImage::from_pixel(200, 160, Rgb([0, 0, 0]));
        let lm = [[80.0, 70.0], [120.0, 70.0], [100.0, 90.0], [85.0, 110.0], [115.0, 110.0]];
        let scored = Mark {
            bbox: Some([60.0, 40.0, 140.0, 140.0]),
            landmarks: Some(lm),
            quality: Some(Quality { s: 0.59, q: 0.9, n: 20.0, f: 0.1, q100: 60.0, l: f32::NAN }),
            index: Some(0),
            notes: vec!["Too dark."],
        };
        assert_eq!(label(&scored).as_deref(), Some("#0  s 0.590  q 0.90"));
        let other =
            Mark { bbox: Some([5.0, 5.0, 40.0, 45.0]), landmarks: None, quality: None, index: None, notes: Vec::new() };
        draw(&mut img, &[scored, other], Some("note"));
        let q_colour = colour(0.9);
        assert_eq!(*img.get_pixel(60, 100), q_colour, "left edge of the box");
        assert_eq!(*img.get_pixel(100, 90), LANDMARK_COLOURS[2], "the nose");
        assert_eq!(*img.get_pixel(5, 30), GREY, "the unscored face's box");
        // The label's text is drawn in the box colour above the box.
        let label_px = (0..200).flat_map(|x| (10..40).map(move |y| (x, y))).filter(|&(x, y)| {
            let p = img.get_pixel(x, y);
            p[1] > 150 && p[2] < 100
        });
        assert!(label_px.count() > 20, "no label text");
        // The feedback note is drawn in white below the box.
        let note_px =
            (0..200).flat_map(|x| (141..160).map(move |y| (x, y))).filter(|&(x, y)| img.get_pixel(x, y).0 == [255; 3]);
        assert!(note_px.count() > 10, "no feedback note");
    }
}
