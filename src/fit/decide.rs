//! The rulebook's decision and its quality figures, recomputed from which
//! rules fired, for any weights: what `fit` scores candidate weights with.
//! Mirrors [`crate::Rulebook::classify_into`] exactly (the same score
//! tolerance, ties, fallback), which a test checks.

use crate::engine::decision::SCORE_EPSILON;
use crate::rulebook::Mode;

use super::SetData;

/// Buffers reused from one post to the next.
#[derive(Debug, Default)]
pub struct DecideScratch {
    scores: Vec<f64>,
    touched: Vec<usize>,
}

/// The labels the set gives a post whose fired rules (the set's own
/// numbering, ascending) are `fired`, under `weights`, into `out`. A `one`
/// set gives one slot: a label, or its fallback (`data.outside()` when the
/// fallback is not a label, or when there is none). `thresholds` are the
/// labels'.
pub fn decide(
    data: &SetData,
    weights: &[f64],
    thresholds: &[f64],
    fired: &[u32],
    words: &[(usize, f64)],
    s: &mut DecideScratch,
    out: &mut Vec<usize>,
) {
    out.clear();
    s.scores.clear();
    s.scores.resize(data.labels, 0.0);
    s.touched.clear();
    // Rules come label by label, so the labels touched come grouped.
    for &r in fired {
        let l = data.rule_label[r as usize];
        s.scores[l] += weights[r as usize];
        if s.touched.last() != Some(&l) {
            s.touched.push(l);
        }
    }
    // The lexicon's weights, by label; a label they alone score is touched
    // too, in label order as the engine takes them.
    let mut added = false;
    for &(l, w) in words {
        s.scores[l] += w;
        if !s.touched.contains(&l) {
            s.touched.push(l);
            added = true;
        }
    }
    if added {
        s.touched.sort_unstable();
    }
    match data.mode {
        Mode::Many => out.extend(
            s.touched
                .iter()
                .copied()
                .filter(|&l| s.scores[l] + SCORE_EPSILON >= thresholds[l]),
        ),
        Mode::One => out.push(
            best(
                &s.scores,
                s.touched.iter().copied(),
                thresholds,
                &data.tie_rank,
            )
            .unwrap_or_else(|| data.fallback_slot()),
        ),
    }
}

/// The label a `one` set gives among `labels` (in label order): the
/// best-scoring one at or above its threshold, ties to the lower
/// `tie_rank`; `None` when none reaches its threshold.
pub fn best(
    scores: &[f64],
    labels: impl Iterator<Item = usize>,
    thresholds: &[f64],
    tie_rank: &[usize],
) -> Option<usize> {
    let mut best: Option<usize> = None;
    for l in labels.filter(|&l| scores[l] + SCORE_EPSILON >= thresholds[l]) {
        best = match best {
            None => Some(l),
            Some(b) => {
                let (score, bs) = (scores[l], scores[b]);
                if score > bs + SCORE_EPSILON
                    || ((score - bs).abs() <= SCORE_EPSILON && tie_rank[l] < tie_rank[b])
                {
                    Some(l)
                } else {
                    Some(b)
                }
            }
        };
    }
    best
}

/// Quality figures of one set, as `postclass eval` computes them.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Mean F1 over the labels in the reference or the predictions.
    pub macro_f1: f64,
    /// F1 over all label decisions pooled.
    pub micro_f1: f64,
    /// `one` sets: the share of posts given their reference label.
    pub accuracy: Option<f64>,
}

/// How one class fared: its reference posts, the posts given it, and
/// those given it rightly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassCounts {
    pub posts: u64,
    pub given: u64,
    pub right: u64,
}

impl ClassCounts {
    /// The share of its posts given it; `None` without posts.
    pub fn recall(&self) -> Option<f64> {
        (self.posts > 0).then(|| self.right as f64 / self.posts as f64)
    }

    /// The share of the posts given it that are its; `None` when none is.
    pub fn precision(&self) -> Option<f64> {
        (self.given > 0).then(|| self.right as f64 / self.given as f64)
    }
}

/// Counts of true positives, predictions and references per slot.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    tp: Vec<u64>,
    predicted: Vec<u64>,
    support: Vec<u64>,
    exact: u64,
    posts: u64,
}

impl Tally {
    pub fn new(slots: usize) -> Tally {
        Tally {
            tp: vec![0; slots],
            predicted: vec![0; slots],
            support: vec![0; slots],
            exact: 0,
            posts: 0,
        }
    }

    /// Adds one post: its reference slots and the slots given (each
    /// without repeats).
    pub fn add(&mut self, expected: &[usize], got: &[usize]) {
        self.posts += 1;
        for &e in expected {
            self.support[e] += 1;
            if got.contains(&e) {
                self.tp[e] += 1;
            }
        }
        for &g in got {
            self.predicted[g] += 1;
        }
        if expected.len() == got.len() && expected.iter().all(|e| got.contains(e)) {
            self.exact += 1;
        }
    }

    /// Each slot's reference posts, posts given it and posts given it
    /// rightly.
    pub fn classes(&self) -> Vec<ClassCounts> {
        (0..self.tp.len())
            .map(|i| ClassCounts {
                posts: self.support[i],
                given: self.predicted[i],
                right: self.tp[i],
            })
            .collect()
    }

    /// Mean F1 over the slots with at least `min_support` reference posts
    /// (0 when none has), as `eval`'s supported macro-F1.
    pub fn supported_macro_f1(&self, min_support: u64) -> f64 {
        let f1s: Vec<f64> = (0..self.tp.len())
            .filter(|&i| self.support[i] >= min_support.max(1))
            .map(|i| {
                let (tp, sp) = (
                    self.tp[i] as f64,
                    (self.support[i] + self.predicted[i]) as f64,
                );
                2.0 * tp / sp
            })
            .collect();
        if f1s.is_empty() {
            0.0
        } else {
            f1s.iter().sum::<f64>() / f1s.len() as f64
        }
    }

    pub fn metrics(&self, mode: Mode) -> Metrics {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let f1 = |p: f64, r: f64| {
            if p + r == 0.0 {
                0.0
            } else {
                2.0 * p * r / (p + r)
            }
        };
        let mut sum = 0.0;
        let mut present = 0;
        for i in 0..self.tp.len() {
            if self.support[i] > 0 || self.predicted[i] > 0 {
                present += 1;
                sum += f1(
                    ratio(self.tp[i], self.predicted[i]),
                    ratio(self.tp[i], self.support[i]),
                );
            }
        }
        let (tp, pred, sup) = (
            self.tp.iter().sum(),
            self.predicted.iter().sum(),
            self.support.iter().sum(),
        );
        Metrics {
            macro_f1: if present == 0 {
                0.0
            } else {
                sum / present as f64
            },
            micro_f1: f1(ratio(tp, pred), ratio(tp, sup)),
            accuracy: (mode == Mode::One).then(|| ratio(self.exact, self.posts)),
        }
    }
}

/// The figures of `weights` and `thresholds` on the posts `rows` of `data`.
pub fn measure(data: &SetData, weights: &[f64], thresholds: &[f64], rows: &[usize]) -> Metrics {
    tally(data, weights, thresholds, rows).metrics(data.mode)
}

/// The counts behind [`measure`]'s figures.
pub fn tally(data: &SetData, weights: &[f64], thresholds: &[f64], rows: &[usize]) -> Tally {
    let mut tally = Tally::new(data.slots());
    let mut s = DecideScratch::default();
    let mut got = Vec::new();
    for &i in rows {
        decide(
            data,
            weights,
            thresholds,
            &data.fired[i],
            &data.words[i],
            &mut s,
            &mut got,
        );
        tally.add(&data.gold[i], &got);
    }
    tally
}
