//! A small deterministic pseudo-random stream (SplitMix64) for simulations and synthetic data:
//! seeded explicitly, never from the OS, so a seed gives the same result on every machine.

/// SplitMix64: fast, statistically adequate for synthetic data, and fully specified.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// An independent stream derived from this seed and a label, so adding draws to one part of
    /// the generator does not shift every other part.
    pub fn fork(seed: u64, label: &str) -> Self {
        let mut h = seed;
        for b in label.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
        }
        Rng::new(h)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), without modulo bias (Lemire).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(lo <= hi);
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Log-uniform in `lo..=hi` (both > 0): small values more common, as with prices.
    pub fn log_range(&mut self, lo: u32, hi: u32) -> u32 {
        let (l, h) = (f64::from(lo.max(1)).ln(), f64::from(hi.max(1)).ln());
        ((l + (h - l) * self.unit()).exp().round() as u32).clamp(lo, hi)
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Draws indices in proportion to fixed weights, by binary search over cumulative sums.
#[derive(Clone, Debug)]
pub struct Weighted {
    cumulative: Vec<u64>,
}

impl Weighted {
    /// A table from weights (at least one must be positive).
    pub fn new(weights: impl IntoIterator<Item = u64>) -> Self {
        let mut total = 0u64;
        let cumulative: Vec<u64> = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        assert!(total > 0, "weights must not all be zero");
        Weighted { cumulative }
    }

    /// Zipf weights for `n` ranks with exponent `s`: a few very large, a long tail.
    pub fn zipf(n: usize, s: f64) -> Self {
        Weighted::new((1..=n).map(|k| (1e9 / (k as f64).powf(s)).max(1.0) as u64))
    }

    /// An index drawn in proportion to its weight.
    pub fn draw(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().expect("non-empty");
        let x = rng.below(total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::fork(7, "a").next_u64(), Rng::fork(7, "b").next_u64());
    }

    #[test]
    fn weighted_respects_zero_weights_and_bounds() {
        let w = Weighted::new([0, 5, 0, 5]);
        let mut r = Rng::new(1);
        for _ in 0..1000 {
            let i = w.draw(&mut r);
            assert!(i == 1 || i == 3);
        }
        for _ in 0..1000 {
            let v = r.range(3, 5);
            assert!((3..=5).contains(&v));
            let l = r.log_range(100, 1000);
            assert!((100..=1000).contains(&l));
        }
    }
}
