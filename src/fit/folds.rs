//! Seeded, stratified folds for cross-validation, from a small PRNG of our
//! own (SplitMix64) so that a seed gives the same folds on every platform
//! and with every version of every crate.

/// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state, full period,
/// good enough to shuffle posts into folds.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0), without the bias of a plain modulo.
    pub fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let v = self.next_u64();
            if v < zone {
                return (v % n) as usize;
            }
        }
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// Assigns each of `strata.len()` items to one of `k` folds: the items of
/// each stratum are shuffled and dealt in turn, continuing where the
/// previous stratum stopped, so every fold gets a near-equal share of every
/// stratum and near-equal sizes. Returns the fold of each item.
pub fn stratified(strata: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed);
    let groups = strata.iter().copied().max().map_or(0, |m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups];
    for (i, &s) in strata.iter().enumerate() {
        members[s].push(i);
    }
    let mut fold = vec![0; strata.len()];
    let mut next = 0;
    for group in &mut members {
        rng.shuffle(group);
        for &i in group.iter() {
            fold[i] = next;
            next = (next + 1) % k;
        }
    }
    fold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_its_reference_values() {
        // First outputs for seed 0, from the reference implementation.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn folds_are_balanced_within_each_stratum() {
        let strata: Vec<usize> = (0..100).map(|i| if i < 80 { 0 } else { 1 }).collect();
        let folds = stratified(&strata, 5, 7);
        for f in 0..5 {
            let of = |s: usize| {
                (0..100)
                    .filter(|&i| folds[i] == f && strata[i] == s)
                    .count()
            };
            assert_eq!((of(0), of(1)), (16, 4), "fold {f}");
        }
    }

    #[test]
    fn the_seed_decides_the_folds() {
        let strata = vec![0; 50];
        assert_eq!(stratified(&strata, 5, 1), stratified(&strata, 5, 1));
        assert_ne!(stratified(&strata, 5, 1), stratified(&strata, 5, 2));
    }
}
