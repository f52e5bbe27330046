//! Fixed dropout masks for the stochastic head.
//!
//! The masks are drawn from SplitMix64 so that any program can reproduce them:
//!
//! ```text
//! state = seed
//! next():  state += 0x9E3779B97F4A7C15 (mod 2^64); z = state
//!          z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 (mod 2^64)
//!          z = (z ^ (z >> 27)) * 0x94D049BB133111EB (mod 2^64)
//!          return z ^ (z >> 31)
//! for t in 0..T, for c in 0..C (row-major [T, C]):
//!          u = (next() >> 11) / 2^53            (uniform in [0, 1))
//!          mask[t][c] = u >= p ? (float)(1 / (1 - p)) : 0
//! ```

/// The SplitMix64 generator (Steele, Lea and Flood, 2014).
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose state starts at `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// Advances the state and returns the next 64-bit output.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Keep-masks scaled by 1/(1-p), row-major `[samples, features]`.
pub fn dropout_masks(seed: u64, samples: usize, features: usize, p: f64) -> Vec<f32> {
    let mut rng = SplitMix64::new(seed);
    let keep = (1.0 / (1.0 - p)) as f32;
    (0..samples * features).map(|_| if rng.next_f64() >= p { keep } else { 0.0 }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_published_reference_values() {
        // First outputs for seed 1234567 from the reference C implementation (prng.di.unimi.it).
        let mut r = SplitMix64::new(1234567);
        let expected = [
            6457827717110365317u64,
            3203168211198807973,
            9817491932198370423,
            4593380528125082431,
            16408922859458223821,
        ];
        for e in expected {
            assert_eq!(r.next_u64(), e);
        }
    }

    #[test]
    fn masks_keep_about_one_minus_p_and_are_scaled() {
        let m = dropout_masks(7, 100, 512, 0.5);
        let kept = m.iter().filter(|&&v| v != 0.0).count() as f64 / m.len() as f64;
        assert!((kept - 0.5).abs() < 0.01, "kept {kept}");
        assert!(m.iter().all(|&v| v == 0.0 || v == 2.0));
        assert_eq!(m, dropout_masks(7, 100, 512, 0.5));
        assert_ne!(m, dropout_masks(8, 100, 512, 0.5));
    }
}
