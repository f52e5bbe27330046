//! Steadiness: how far the landmarks moved since the last frame, and how long
//! the face has been both good and still.

use crate::align::Landmarks;

/// Mean displacement of the five landmarks from `before` to `now`, over the
/// inter-eye distance of `now` (so the bound means the same at any face size).
/// Infinite when the eyes coincide.
pub fn motion(before: &Landmarks, now: &Landmarks) -> f32 {
    let dist = |a: [f32; 2], b: [f32; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    let eyes = dist(now[0], now[1]);
    let moved = before.iter().zip(now).map(|(a, b)| dist(*a, *b)).sum::<f32>() / 5.0;
    if eyes > 0.0 {
        moved / eyes
    } else {
        f32::INFINITY
    }
}

/// A run of consecutive good, still frames.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    frames: u32,
    since_ms: i64,
}

impl Window {
    /// Adds a frame: a good, still one extends the run, any other ends it.
    pub fn add(&mut self, good_and_still: bool, timestamp_ms: i64) {
        if !good_and_still {
            *self = Window::default();
        } else {
            if self.frames == 0 {
                self.since_ms = timestamp_ms;
            }
            self.frames = self.frames.saturating_add(1);
        }
    }

    /// Whether the run lasts `frames` frames, or `ms` milliseconds when `ms` > 0.
    pub fn reached(&self, frames: u32, ms: u32, now_ms: i64) -> bool {
        self.frames > 0 && (self.frames >= frames || (ms > 0 && now_ms - self.since_ms >= ms as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn motion_is_relative_to_the_eye_distance() {
        let a: Landmarks = [[0.0, 0.0], [60.0, 0.0], [30.0, 30.0], [10.0, 50.0], [50.0, 50.0]];
        let b = a.map(|p| [p[0] + 3.0, p[1] + 4.0]);
        assert!((motion(&a, &b) - 5.0 / 60.0).abs() < 1e-6);
        assert_eq!(motion(&a, &a), 0.0);
    }

    #[test]
    fn window_needs_frames_or_time_and_restarts() {
        let mut w = Window::default();
        assert!(!w.reached(1, 0, 0));
        w.add(true, 0);
        w.add(true, 40);
        assert!(w.reached(2, 0, 40) && !w.reached(3, 0, 40));
        assert!(w.reached(9, 40, 40) && !w.reached(9, 41, 40));
        w.add(false, 80);
        assert!(!w.reached(1, 0, 80));
    }
}
