//! A small seeded pseudo-random number generator, so the crate needs no `rand`.
//!
//! Two tools:
//! - [`Rng`]: xoshiro256** seeded through splitmix64, with uniform, normal (Box–Muller)
//!   and log-normal draws;
//! - [`key`] / [`unit`]: a hash of a seed and a few integers. The city draws every
//!   figure from a stream *keyed* by what it describes (enterprise, year, purpose)
//!   rather than from one long sequence, so a figure does not change when another
//!   part of the city, the enterprise count or the period range changes, and quarters
//!   can be generated in any order without carrying a generator along.

/// The splitmix64 increment (the golden ratio in 64 bits).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// splitmix64's output function: a bijective 64-bit mixer with good avalanche.
fn finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One well-mixed word from a sequence of integers (order matters).
pub(crate) fn key(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(GOLDEN, |h, &p| finalize(h.wrapping_add(GOLDEN) ^ p))
}

/// A uniform number in `[0, 1)` keyed by `parts`: one draw without building a stream.
pub(crate) fn unit(parts: &[u64]) -> f64 {
    to_unit(key(parts))
}

/// The top 53 bits as a uniform double in `[0, 1)`.
fn to_unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// xoshiro256** (Blackman & Vigna): fast, 256 bits of state, passes BigCrush.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose state is expanded from `seed` by splitmix64, as the
    /// xoshiro authors recommend (it never yields the all-zero state).
    pub(crate) fn new(seed: u64) -> Self {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(GOLDEN);
            finalize(state)
        };
        Self {
            s: [next(), next(), next(), next()],
        }
    }

    /// A generator for the stream named by `parts` (see the module docs).
    pub(crate) fn keyed(parts: &[u64]) -> Self {
        Self::new(key(parts))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn uniform(&mut self) -> f64 {
        to_unit(self.next_u64())
    }

    /// Uniform in `[lo, hi)`.
    pub(crate) fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Uniform integer in `0..n` (`n > 0`), by Lemire's multiply-shift; the bias for
    /// the small `n` used here is below 2^-50.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform integer in `lo..=hi`.
    pub(crate) fn int_between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(u64::from(hi - lo) + 1) as u32
    }

    /// `true` with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Standard normal by Box–Muller. The second value of the pair is dropped:
    /// caching it would make a draw depend on the call before it, and the streams
    /// here are short.
    pub(crate) fn normal(&mut self) -> f64 {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Log-normal with the given median and log-scale standard deviation.
    pub(crate) fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_keys_differ() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let mut r = Rng::new(7);
        assert!(a.iter().all(|&x| x == r.next_u64()));
        assert_ne!(key(&[1, 2]), key(&[2, 1]));
        assert_ne!(key(&[1]), key(&[1, 0]));
    }

    #[test]
    fn draws_have_the_expected_moments() {
        let mut r = Rng::new(2021);
        let n = 200_000;
        let (mut sum, mut sum_sq) = (0.0, 0.0);
        for _ in 0..n {
            let z = r.normal();
            sum += z;
            sum_sq += z * z;
        }
        let mean = sum / f64::from(n);
        let var = sum_sq / f64::from(n) - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");

        let mut below_median = 0;
        for _ in 0..n {
            if r.log_normal(3000.0, 1.2) < 3000.0 {
                below_median += 1;
            }
        }
        let share = f64::from(below_median) / f64::from(n);
        assert!((share - 0.5).abs() < 0.01, "share below the median {share}");

        let u: f64 = (0..n).map(|_| r.uniform()).sum::<f64>() / f64::from(n);
        assert!((u - 0.5).abs() < 0.005);
        assert!((0..1000).all(|_| r.int_between(3, 20) <= 20));
    }
}
