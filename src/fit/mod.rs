//! Learning rule weights from posts labelled by hand. Pure computation:
//! each post is classified once, and everything after works on which rules
//! fired (a binary matrix), for any candidate weights.
//!
//! The model of a `one` set is a regularised multinomial logistic
//! regression whose classes are, for each post, the labels one of whose
//! rules fired and the fallback (logit 0): a label none of whose rules
//! fired can never be given, so it is not a class. A label's logit is
//! `β·(score − threshold)`, the score summing the fired rules' weights: the
//! logit is positive exactly when the label reaches its threshold, and the
//! rulebook weights are the model's coefficients divided by `β`. A rule
//! that is not fitted (pinned, never fired, of a label with too few
//! examples) adds its weight times `β`, an offset. A `many` set gets one
//! such binary model per label, on the posts where one of its rules fired.
//! The penalty pulls each coefficient towards `β` times the rulebook's
//! weight, so the strongest one keeps the rulebook. Weights are then
//! rounded to a readable step (and, if asked, label thresholds searched on
//! the rulebook's decision), and every figure is measured with the
//! rulebook's own decision on the rounded weights. The penalty's strength
//! (and whether thresholds move) is chosen by cross-validation.

pub mod decide;
pub mod folds;
pub mod lbfgs;
pub mod lexicon;

use std::collections::BTreeMap;

use crate::engine::Rulebook;
use crate::eval::GoldPost;
use crate::rulebook::Mode;
use crate::{Scratch, Verdict};

pub use decide::{ClassCounts, Metrics};

/// Labels with fewer reference posts than this keep their weights.
pub const MIN_EXAMPLES: u64 = 3;

/// The regularisation strengths tried, strongest first. The penalty,
/// added to the summed log-loss, is `λ/2 · Σ (coefficient − β·weight)²`:
/// it pulls the weights towards the rulebook's, so the strongest keeps
/// the rulebook nearly as it is and the weakest lets the posts decide.
pub const LAMBDAS: [f64; 7] = [1000.0, 100.0, 30.0, 10.0, 3.0, 1.0, 0.3];

/// What a fit may change: the weights, pulled towards the rulebook's with
/// strength `lambda`, and, when `thresholds`, the thresholds of the labels
/// whose weights are fitted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub lambda: f64,
    pub thresholds: bool,
}

/// The configurations cross-validation chooses among, the most
/// conservative first: ties go to the earlier one. Thresholds are fitted
/// only when `thresholds`, and then each strength is tried with and
/// without.
fn configs(thresholds: bool) -> Vec<Config> {
    let with: &[bool] = if thresholds { &[false, true] } else { &[false] };
    LAMBDAS
        .iter()
        .flat_map(|&lambda| {
            with.iter()
                .map(move |&thresholds| Config { lambda, thresholds })
        })
        .collect()
}

/// Folds of the cross-validation that chooses `λ` inside each training part.
const INNER_FOLDS: usize = 3;

/// A fitted weight is at most this many times the set's threshold.
const MAX_WEIGHT: f64 = 10.0;

/// One label set, in its own numbering: rules `0..rule_label.len()` in
/// file order, labels `0..labels`, and the posts with a reference label
/// for the set.
#[derive(Debug, Clone)]
pub struct SetData {
    pub mode: Mode,
    pub labels: usize,
    /// The label of each rule.
    pub rule_label: Vec<usize>,
    /// The weights of the rulebook.
    pub weights: Vec<f64>,
    /// Each label's threshold.
    pub thresholds: Vec<f64>,
    pub tie_rank: Vec<usize>,
    /// The label given as fallback, when it is one of the set's labels.
    pub fallback_label: Option<usize>,
    /// Rules `fit` must leave as they are (`fixed`, `--keep`, rules of a
    /// fixed label).
    pub pinned: Vec<bool>,
    /// The threshold the set's weights are scaled against.
    pub set_threshold: f64,
    /// Per post: the set's rules that fired, ascending.
    pub fired: Vec<Vec<u32>>,
    /// Per post: its reference slots (see [`SetData::slots`]).
    pub gold: Vec<Vec<usize>>,
    /// Per post: what the rulebook's lexicons add to each label's score
    /// (label, weight), by label; fixed, as no fit changes them.
    pub words: Vec<Vec<(usize, f64)>>,
}

impl SetData {
    /// Label slots: the labels, then one for "no label of the set" (a
    /// fallback that is not a label, or none).
    pub fn slots(&self) -> usize {
        self.labels + 1
    }

    /// The slot a label outside the set's labels takes.
    pub fn outside(&self) -> usize {
        self.labels
    }

    /// The slot a `one` set gives when no label qualifies.
    pub fn fallback_slot(&self) -> usize {
        self.fallback_label.unwrap_or(self.labels)
    }
}

/// What the rulebook finds in each post, as the fit needs it: the rules
/// that fire and the lexicon entries found.
#[derive(Debug, Clone, Default)]
pub struct Firing {
    /// Per post: the rules that fired, ascending (the rule-firing matrix).
    pub rules: Vec<Vec<u32>>,
    /// Per post: the lexicon entries found, as (lexicon, entry).
    pub words: Vec<Vec<(u32, u32)>>,
}

/// Classifies each post once: which rules of `rulebook` fire on it and
/// which entries of its lexicons it holds.
pub fn firing(rulebook: &Rulebook, posts: &[GoldPost]) -> Firing {
    let mut scratch = Scratch::default();
    let mut verdict = Verdict::default();
    let mut out = Firing::default();
    for p in posts {
        p.classify_into(rulebook, &mut scratch, &mut verdict);
        out.rules
            .push(verdict.fired.iter().map(|&r| r as u32).collect());
        out.words.push(verdict.words.clone());
    }
    out
}

/// Reference labels the set does not define, with how many posts have each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLabels(pub Vec<(String, usize)>);

/// The data of set `si`: the posts with a reference label for it, their
/// fired rules and reference slots. `pinned_rules` are rule indices of the
/// whole rulebook. Errors with every reference label the set does not
/// define (its fallback is known).
pub fn set_data(
    rulebook: &Rulebook,
    si: usize,
    posts: &[GoldPost],
    firing: &Firing,
    pinned_rules: &[bool],
) -> Result<SetData, UnknownLabels> {
    let set = &rulebook.sets[si];
    let global: Vec<usize> = (0..rulebook.rules.len())
        .filter(|&r| rulebook.rules[r].set == si)
        .collect();
    let mut local = vec![u32::MAX; rulebook.rules.len()];
    for (i, &r) in global.iter().enumerate() {
        local[r] = i as u32;
    }
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    let mut fired = Vec::new();
    let mut gold = Vec::new();
    let mut words = Vec::new();
    for ((post, row), found) in posts.iter().zip(&firing.rules).zip(&firing.words) {
        let Some(Some(labels)) = post.labels.get(si) else {
            continue;
        };
        let mut added: Vec<(usize, f64)> = Vec::new();
        for &(xi, e) in found {
            let lexicon = &rulebook.lexicons[xi as usize];
            if lexicon.set != si {
                continue;
            }
            for (l, w) in lexicon.weights(e as usize) {
                match added.iter_mut().find(|(k, _)| *k == l) {
                    Some(a) => a.1 += w,
                    None => added.push((l, w)),
                }
            }
        }
        added.sort_by_key(|&(l, _)| l);
        words.push(added);
        let mut slots = Vec::new();
        for l in labels {
            let slot = match set.labels.iter().position(|x| x.id == *l) {
                Some(i) => i,
                None if set.fallback.as_deref() == Some(l.as_str()) => set.labels.len(),
                None => {
                    *unknown.entry(l.clone()).or_default() += 1;
                    continue;
                }
            };
            if !slots.contains(&slot) {
                slots.push(slot);
            }
        }
        if set.mode == Mode::One {
            slots.truncate(1);
        }
        fired.push(
            row.iter()
                .filter(|&&r| local[r as usize] != u32::MAX)
                .map(|&r| local[r as usize])
                .collect(),
        );
        gold.push(slots);
    }
    if !unknown.is_empty() {
        return Err(UnknownLabels(unknown.into_iter().collect()));
    }
    Ok(SetData {
        mode: set.mode,
        labels: set.labels.len(),
        rule_label: global.iter().map(|&r| rulebook.rules[r].label).collect(),
        weights: global.iter().map(|&r| rulebook.rules[r].weight).collect(),
        thresholds: set.labels.iter().map(|l| l.threshold).collect(),
        tie_rank: set.tie_rank.clone(),
        fallback_label: set.fallback_label,
        pinned: global.iter().map(|&r| pinned_rules[r]).collect(),
        set_threshold: set.threshold,
        fired,
        gold,
        words,
    })
}

/// How weights are fitted and measured.
#[derive(Debug, Clone, Copy)]
pub struct FitOptions {
    /// Folds of the cross-validation (2 or more).
    pub folds: usize,
    pub seed: u64,
    /// Weights are rounded to a multiple of this.
    pub step: f64,
    /// Threads for the folds (1: none). The results do not depend on it.
    pub threads: usize,
    /// Whether label thresholds may be fitted too.
    pub thresholds: bool,
}

/// Weights fitted on some posts.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// Every rule's weight, rounded; unfitted rules keep theirs.
    pub weights: Vec<f64>,
    /// Every label's threshold.
    pub thresholds: Vec<f64>,
    /// The rules whose weight was fitted.
    pub fitted: Vec<bool>,
    /// Labels with fewer than [`MIN_EXAMPLES`] reference posts, whose rules
    /// kept their weights, with their count.
    pub few_examples: Vec<(usize, u64)>,
    /// Rules that never fired on these posts, which kept their weights.
    pub never_fired: Vec<usize>,
    /// Labels whose fitted weights could not reach their threshold any
    /// more, which kept their weights (a rulebook check refuses such a label).
    pub unreachable: Vec<usize>,
    /// Fitted rules whose weight rounded to 0, given one step of their sign.
    pub near_zero: Vec<usize>,
}

/// The fit of one set: the weights fitted on every post, the figures
/// before and after, and the cross-validated figure after.
#[derive(Debug, Clone)]
pub struct SetFit {
    pub posts: usize,
    /// The configuration chosen on every post.
    pub config: Config,
    pub fitted: Fitted,
    /// How many posts each rule fired on.
    pub fired: Vec<u64>,
    /// The rulebook's figures (which no fitting touched, so they are also
    /// its cross-validated figures).
    pub before: Metrics,
    /// The fitted weights' figures on the posts they were fitted on.
    pub after: Metrics,
    /// Each post predicted by weights fitted without its fold (`λ` chosen
    /// inside the other folds too), pooled.
    pub cross_validated: Metrics,
    /// Each label slot's counts (see [`SetData::slots`]) with the
    /// rulebook's weights, and cross-validated as `cross_validated`.
    pub classes_before: Vec<ClassCounts>,
    pub classes_cross_validated: Vec<ClassCounts>,
    /// The cross-validated micro-F1 (accuracy, for a `one` set) fell below
    /// the rulebook's: weights fitted on these posts would not carry over
    /// to others, so the set keeps its weights and thresholds (`fitted`
    /// says none was fitted). Micro-F1 pools every decision; macro-F1
    /// swings with the labels that have a handful of posts.
    pub no_gain: bool,
}

/// Fits the weights of a set and measures them.
pub fn fit_set(data: &SetData, opts: &FitOptions) -> SetFit {
    let all: Vec<usize> = (0..data.fired.len()).collect();
    let fired = (0..data.rule_label.len())
        .map(|r| {
            data.fired
                .iter()
                .filter(|f| f.contains(&(r as u32)))
                .count() as u64
        })
        .collect();
    let before_tally = decide::tally(data, &data.weights, &data.thresholds, &all);
    let before = before_tally.metrics(data.mode);
    // Cross-validation: the configuration chosen and the weights fitted
    // without the fold.
    let outer = fold_of(data, &all, opts.folds, opts.seed);
    let per_fold = parallel_map(opts.folds, opts.threads, |k| {
        let train: Vec<usize> = all.iter().copied().filter(|&i| outer[i] != k).collect();
        let inner = FitOptions {
            folds: INNER_FOLDS,
            seed: derive(opts.seed, k),
            threads: 1,
            ..*opts
        };
        let config = choose(data, &train, &inner);
        fit_weights(data, &train, config, opts.step)
    });
    let mut tally = decide::Tally::new(data.slots());
    let mut scratch = decide::DecideScratch::default();
    let mut got = Vec::new();
    for (k, f) in per_fold.iter().enumerate() {
        for &i in all.iter().filter(|&&i| outer[i] == k) {
            decide::decide(
                data,
                &f.weights,
                &f.thresholds,
                &data.fired[i],
                &data.words[i],
                &mut scratch,
                &mut got,
            );
            tally.add(&data.gold[i], &got);
        }
    }
    let cross_validated = tally.metrics(data.mode);
    let config = choose(data, &all, opts);
    let mut fitted = fit_weights(data, &all, config, opts.step);
    let mut after = decide::measure(data, &fitted.weights, &fitted.thresholds, &all);
    let no_gain = cross_validated.micro_f1 + 1e-9 < before.micro_f1;
    if no_gain {
        fitted.weights = data.weights.clone();
        fitted.thresholds = data.thresholds.clone();
        fitted.fitted.iter_mut().for_each(|f| *f = false);
        fitted.near_zero.clear();
        after = before;
    }
    SetFit {
        posts: all.len(),
        config,
        fitted,
        fired,
        before,
        after,
        cross_validated,
        classes_before: before_tally.classes(),
        classes_cross_validated: tally.classes(),
        no_gain,
    }
}

/// `f(0..n)` on up to `threads` threads, in order: each result lands at
/// its task's index, so the output is the same whatever the threads.
fn parallel_map<T, F>(n: usize, threads: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize) -> T + Sync,
{
    let threads = threads.clamp(1, n.max(1));
    if threads == 1 {
        return (0..n).map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let task = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if task >= n {
                            return mine;
                        }
                        mine.push((task, f(task)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a fit thread panicked"))
            .collect()
    });
    done.sort_by_key(|(task, _)| *task);
    done.into_iter().map(|(_, t)| t).collect()
}

/// A seed of its own for the inner folds of outer fold `k`.
fn derive(seed: u64, k: usize) -> u64 {
    folds::SplitMix64::new(seed ^ (k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)).next_u64()
}

/// The fold of each post of `rows` (indexed by post), stratified by the
/// reference: the label for a `one` set, the rarest label for a `many` set.
fn fold_of(data: &SetData, rows: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let mut count = vec![0u64; data.slots()];
    for &i in rows {
        for &s in &data.gold[i] {
            count[s] += 1;
        }
    }
    let strata: Vec<usize> = rows
        .iter()
        .map(|&i| {
            data.gold[i]
                .iter()
                .copied()
                .min_by_key(|&s| (count[s], s))
                .unwrap_or(data.outside())
        })
        .collect();
    let assigned = folds::stratified(&strata, k, seed);
    let mut fold = vec![usize::MAX; data.fired.len()];
    for (j, &i) in rows.iter().enumerate() {
        fold[i] = assigned[j];
    }
    fold
}

/// The configuration of [`configs`] whose fit on all folds of `rows` but one
/// gives the best macro-F1 on the fold left out, pooled; ties go to the
/// more conservative one.
fn choose(data: &SetData, rows: &[usize], opts: &FitOptions) -> Config {
    let (k, step) = (opts.folds, opts.step);
    let configs = configs(opts.thresholds);
    let fold = fold_of(data, rows, k, opts.seed);
    let fits = parallel_map(k * configs.len(), opts.threads, |task| {
        let (f, ci) = (task / configs.len(), task % configs.len());
        let train: Vec<usize> = rows.iter().copied().filter(|&i| fold[i] != f).collect();
        fit_weights(data, &train, configs[ci], step)
    });
    let mut tallies: Vec<decide::Tally> = configs
        .iter()
        .map(|_| decide::Tally::new(data.slots()))
        .collect();
    let mut scratch = decide::DecideScratch::default();
    let mut got = Vec::new();
    for (task, fit) in fits.iter().enumerate() {
        let (f, ci) = (task / configs.len(), task % configs.len());
        for &i in rows.iter().filter(|&&i| fold[i] == f) {
            decide::decide(
                data,
                &fit.weights,
                &fit.thresholds,
                &data.fired[i],
                &data.words[i],
                &mut scratch,
                &mut got,
            );
            tallies[ci].add(&data.gold[i], &got);
        }
    }
    let mut best = (configs[0], f64::NEG_INFINITY);
    for (ci, &config) in configs.iter().enumerate() {
        let m = tallies[ci].metrics(data.mode).macro_f1;
        if m > best.1 + 1e-12 {
            best = (config, m);
        }
    }
    best.0
}

/// One post of a model: the classes that compete (the fallback, logit 0,
/// is implicit), which of them are right, and for each its fitted
/// coefficients and offset.
struct Row {
    /// Per class: (start, end) into `params`, offset `pinned − threshold`,
    /// whether it is a right answer.
    classes: Vec<(usize, usize, f64, bool)>,
    params: Vec<usize>,
    fallback_right: bool,
}

/// A logistic model: rows, and `n` coefficients plus `β` (the last one).
struct Model {
    rows: Vec<Row>,
    n: usize,
    /// The rulebook's weight of each coefficient's rule.
    prior: Vec<f64>,
}

impl Model {
    /// Summed log-loss plus `λ/2 · Σ (coefficient − β·weight)²` at `x`,
    /// gradient into `g`: the penalty pulls each weight towards the
    /// rulebook's, so a strong `λ` keeps the rulebook as it is.
    fn loss(&self, x: &[f64], g: &mut [f64], lambda: f64) -> f64 {
        let beta = x[self.n];
        g.iter_mut().for_each(|v| *v = 0.0);
        let mut f = 0.0;
        let mut z = Vec::new();
        for row in &self.rows {
            z.clear();
            z.extend(row.classes.iter().map(|&(a, b, off, _)| {
                row.params[a..b].iter().map(|&p| x[p]).sum::<f64>() + beta * off
            }));
            let max = z.iter().copied().fold(0.0f64, f64::max);
            let mut total = (-max).exp();
            let mut right = if row.fallback_right { total } else { 0.0 };
            // Each logit becomes its exponential, once: the gradient below
            // reads them again.
            for (zi, c) in z.iter_mut().zip(&row.classes) {
                *zi = (*zi - max).exp();
                total += *zi;
                if c.3 {
                    right += *zi;
                }
            }
            f += total.ln() - right.ln();
            for (&e, &(a, b, off, ok)) in z.iter().zip(&row.classes) {
                // d(-log P(right))/dz = p − p·[right]/P(right).
                let d = e / total - if ok { e / right } else { 0.0 };
                for &p in &row.params[a..b] {
                    g[p] += d;
                }
                g[self.n] += d * off;
            }
        }
        // The prior: the rulebook's weights, in the model's units.
        for p in 0..self.n {
            let d = x[p] - beta * self.prior[p];
            f += 0.5 * lambda * d * d;
            g[p] += lambda * d;
            g[self.n] -= lambda * d * self.prior[p];
        }
        // A whisper of ridge on β keeps it finite when every class is right.
        f += 0.5e-6 * beta * beta;
        g[self.n] += 1e-6 * beta;
        f
    }
}

/// Fits the weights of `data` on the posts `rows` as `config` says,
/// rounded to `step`, then the thresholds if it says so.
pub fn fit_weights(data: &SetData, rows: &[usize], config: Config, step: f64) -> Fitted {
    let lambda = config.lambda;
    let nrules = data.rule_label.len();
    let mut support = vec![0u64; data.slots()];
    let mut fires = vec![0u64; nrules];
    for &i in rows {
        for &s in &data.gold[i] {
            support[s] += 1;
        }
        for &r in &data.fired[i] {
            fires[r as usize] += 1;
        }
    }
    let few_label = |l: usize| support[l] < MIN_EXAMPLES;
    let has_rules: Vec<bool> = {
        let mut v = vec![false; data.labels];
        for &l in &data.rule_label {
            v[l] = true;
        }
        v
    };
    let few_examples: Vec<(usize, u64)> = (0..data.labels)
        .filter(|&l| has_rules[l] && few_label(l))
        .map(|l| (l, support[l]))
        .collect();
    let never_fired: Vec<usize> = (0..nrules).filter(|&r| fires[r] == 0).collect();
    let free: Vec<bool> = (0..nrules)
        .map(|r| !data.pinned[r] && fires[r] > 0 && !few_label(data.rule_label[r]))
        .collect();
    let mut weights = data.weights.clone();
    let groups: Vec<Vec<usize>> = match data.mode {
        Mode::One => vec![(0..data.labels).collect()],
        Mode::Many => (0..data.labels).map(|l| vec![l]).collect(),
    };
    for labels in &groups {
        if !(0..nrules).any(|r| free[r] && labels.contains(&data.rule_label[r])) {
            continue;
        }
        let (model, params) = build_model(data, rows, labels, &free);
        // Start from the rulebook's weights, one logit per unit.
        let mut x: Vec<f64> = params.iter().map(|&r| data.weights[r]).collect();
        x.push(1.0);
        lbfgs::minimize(|x, g| model.loss(x, g, lambda), &mut x, 1e-6, 500);
        let n = params.len();
        let largest = x[..n].iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let beta = x[n]
            .max(largest / (MAX_WEIGHT * data.set_threshold))
            .max(1e-9);
        for (j, &r) in params.iter().enumerate() {
            weights[r] = x[j] / beta;
        }
    }
    let mut near_zero = Vec::new();
    for r in (0..nrules).filter(|&r| free[r]) {
        let raw = weights[r];
        let mut w = (raw / step).round() * step;
        if w == 0.0 {
            w = if raw < 0.0 { -step } else { step };
            near_zero.push(r);
        }
        weights[r] = w;
    }
    // A label whose rules can no longer reach its threshold could never be
    // given, which the rulebook's checks refuse: it keeps its weights.
    let mut unreachable = Vec::new();
    for l in 0..data.labels {
        let mine = || (0..nrules).filter(|&r| data.rule_label[r] == l);
        if !mine().any(|r| free[r]) {
            continue;
        }
        let reach: f64 = mine().map(|r| weights[r].max(0.0)).sum();
        if reach + 1e-9 < data.thresholds[l] {
            unreachable.push(l);
            for r in mine() {
                weights[r] = data.weights[r];
            }
        }
    }
    let mut fitted = free;
    for (f, l) in fitted.iter_mut().zip(&data.rule_label) {
        if unreachable.contains(l) {
            *f = false;
        }
    }
    near_zero.retain(|&r| fitted[r]);
    let thresholds = if config.thresholds {
        fit_thresholds(data, rows, &weights, &fitted, step)
    } else {
        data.thresholds.clone()
    };
    Fitted {
        weights,
        thresholds,
        fitted,
        few_examples,
        never_fired,
        unreachable,
        near_zero,
    }
}

/// Thresholds for the labels with fitted weights, one label after the
/// other in file order: each takes the multiple of `step` up to three
/// times its threshold that gives the best macro-F1 on `rows` with the
/// rulebook's decision, staying as it is on a tie, and never above what
/// its rules can reach.
fn fit_thresholds(
    data: &SetData,
    rows: &[usize],
    weights: &[f64],
    fitted: &[bool],
    step: f64,
) -> Vec<f64> {
    let mut thresholds = data.thresholds.clone();
    for l in 0..data.labels {
        let mine = || (0..weights.len()).filter(|&r| data.rule_label[r] == l);
        if !mine().any(|r| fitted[r]) {
            continue;
        }
        let reach: f64 = mine().map(|r| weights[r].max(0.0)).sum();
        let top = (3.0 * data.thresholds[l]).min(reach);
        let mut best = (
            thresholds[l],
            decide::measure(data, weights, &thresholds, rows).macro_f1,
        );
        let mut k = 1.0;
        while k * step <= top + 1e-9 {
            thresholds[l] = k * step;
            let m = decide::measure(data, weights, &thresholds, rows).macro_f1;
            if m > best.1 + 1e-12 {
                best = (k * step, m);
            }
            k += 1.0;
        }
        thresholds[l] = best.0;
    }
    thresholds
}

/// The model of the labels `labels` competing on `rows`, and the rule of
/// each coefficient.
fn build_model(
    data: &SetData,
    rows: &[usize],
    labels: &[usize],
    free: &[bool],
) -> (Model, Vec<usize>) {
    let mut param_of = vec![usize::MAX; data.rule_label.len()];
    let mut params = Vec::new();
    for (r, &l) in data.rule_label.iter().enumerate() {
        if free[r] && labels.contains(&l) {
            param_of[r] = params.len();
            params.push(r);
        }
    }
    let mut model_rows = Vec::new();
    for &i in rows {
        let gold = &data.gold[i];
        let mut row = Row {
            classes: Vec::new(),
            params: Vec::new(),
            fallback_right: false,
        };
        let mut current: Option<usize> = None;
        let mut pinned = 0.0;
        let mut start = 0;
        let close = |row: &mut Row, l: usize, start: usize, pinned: f64| {
            let right = gold.contains(&l);
            row.classes
                .push((start, row.params.len(), pinned - data.thresholds[l], right));
        };
        for &r in &data.fired[i] {
            let r = r as usize;
            let l = data.rule_label[r];
            if !labels.contains(&l) {
                continue;
            }
            if current != Some(l) {
                if let Some(c) = current {
                    close(&mut row, c, start, pinned);
                }
                current = Some(l);
                pinned = 0.0;
                start = row.params.len();
            }
            if param_of[r] == usize::MAX {
                pinned += data.weights[r];
            } else {
                row.params.push(param_of[r]);
            }
        }
        if let Some(c) = current {
            close(&mut row, c, start, pinned);
        }
        // The lexicon's weights are fixed: an offset of the labels the
        // rules score, a class of their own for the labels they alone do.
        let mut scored: Vec<usize> = data.fired[i]
            .iter()
            .map(|&r| data.rule_label[r as usize])
            .filter(|l| labels.contains(l))
            .collect();
        scored.dedup();
        for &(l, w) in &data.words[i] {
            if !labels.contains(&l) {
                continue;
            }
            match scored.iter().position(|&k| k == l) {
                Some(c) => row.classes[c].2 += w,
                None => {
                    let end = row.params.len();
                    row.classes
                        .push((end, end, w - data.thresholds[l], gold.contains(&l)));
                }
            }
        }
        if row.classes.is_empty() {
            continue;
        }
        row.fallback_right = match data.mode {
            Mode::One => gold.contains(&data.fallback_slot()),
            Mode::Many => !gold.contains(&labels[0]),
        };
        // A post whose right label cannot be given teaches nothing.
        if !row.fallback_right && !row.classes.iter().any(|c| c.3) {
            continue;
        }
        model_rows.push(row);
    }
    (
        Model {
            rows: model_rows,
            n: params.len(),
            prior: params.iter().map(|&r| data.weights[r]).collect(),
        },
        params,
    )
}

#[cfg(test)]
mod tests;
