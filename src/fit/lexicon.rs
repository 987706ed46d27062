//! Learning a lexicon (`[[lexicon]]`): weights of words and pairs of
//! adjacent words for the labels of a `one` set, added to the scores the
//! rules give. The rules stay as they are.
//!
//! The model is a regularised multinomial logistic regression whose
//! classes are the set's labels and the fallback. A label's logit is its
//! rules' score less its threshold, plus the weights of the post's words
//! for it; the fallback's logit is 0, so that a label wins in the model
//! where it reaches its threshold and outscores the others, as in the
//! rulebook's decision. Only the words' weights are learned, under an L2
//! penalty whose strength cross-validation chooses. Every figure is then
//! the rulebook's own decision with the weights rounded as written.

use std::borrow::Cow;
use std::collections::HashMap;

use super::decide::{best, ClassCounts, Tally};
use super::folds::stratified;
use super::{lbfgs, parallel_map};
use crate::engine::Rulebook;
use crate::eval::GoldPost;
use crate::lang::Lang;
use crate::normalize::words;
use crate::rulebook::Mode;
use crate::{Scratch, Verdict};

/// Penalty strengths tried, strongest first: ties go to the stronger.
pub const LAMBDAS: [f64; 7] = [0.1, 0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001];

/// Weights are written rounded to a multiple of this.
pub const STEP: f64 = 0.05;

/// A label needs this many reference posts to count in the macro-F1.
const MIN_SUPPORT: u64 = 5;

/// How a lexicon is learned.
#[derive(Debug, Clone)]
pub struct LexiconOptions {
    /// The languages of the posts the lexicon weighs (its `lang`); empty:
    /// every post. A post in another language gets no weight from the
    /// lexicon: it is neither learned from nor measured.
    pub lang: Vec<Lang>,
    /// A word or pair needs this many posts to get weights.
    pub min_posts: usize,
    /// Weights smaller than this (in absolute value) once rounded are
    /// left out: a smaller lexicon, cheaper to run.
    pub min_weight: f64,
    /// Folds of the cross-validation.
    pub folds: usize,
    pub seed: u64,
    pub threads: usize,
}

/// One labelled post as the learner sees it.
#[derive(Debug, Clone)]
struct Post {
    /// Its rules' score for each label of the set.
    scores: Vec<f64>,
    /// The labels one of whose rules fired.
    touched: Vec<bool>,
    /// Its words and pairs: indices into the vocabulary, ascending.
    features: Vec<u32>,
    /// Its reference: a class (a label, or `fallback` for the fallback).
    gold: usize,
    /// Its weight in the loss.
    weight: f64,
    /// Whether it counts in the figures (case posts do not).
    measured: bool,
    /// Whether the lexicon weighs it (it is in one of its languages); a
    /// post it does not weigh is neither learned from nor measured.
    weighed: bool,
}

/// Accuracy and macro-F1 (over labels with at least [`MIN_SUPPORT`]
/// reference posts) of a `one` set's decisions, and each class's counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub accuracy: f64,
    pub macro_f1: f64,
    /// One per class: the set's labels in order, then the fallback.
    pub classes: Vec<ClassCounts>,
}

/// A learned lexicon and what it does.
#[derive(Debug, Clone)]
pub struct Learned {
    /// The set's label ids; the weights' columns.
    pub labels: Vec<String>,
    /// (word or pair, its weight for each label), rounded to [`STEP`],
    /// sorted by word; entries whose weights all round to 0 are left out.
    pub entries: Vec<(String, Vec<f64>)>,
    /// Posts measured (the gold posts) and trained on in all (with cases).
    pub measured: usize,
    pub trained: usize,
    /// Words and pairs with enough posts to be learned.
    pub vocabulary: usize,
    /// The penalty chosen by cross-validation on all the posts.
    pub lambda: f64,
    /// The rulebook's figures on the measured posts.
    pub before: Figures,
    /// The figures of the learned lexicon on the posts it was learned on.
    pub after: Figures,
    /// Each measured post decided by a lexicon learned without its fold
    /// (the penalty chosen inside the other folds), pooled.
    pub cross_validated: Figures,
    /// Case posts (with the set's examples and counter-examples) that keep
    /// their label: before, after.
    pub cases_kept: (usize, usize),
    pub cases: usize,
}

/// Reference labels the set does not define, with their counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLabels(pub Vec<(String, usize)>);

/// Learns a lexicon for set `si` of `rulebook` (which must be a `one` set)
/// from `gold` posts, and `cases` weighted `case_weight` that are learned
/// from but not measured. The rulebook's own lexicons for the set named
/// `replaced` are left out of the scores, as the new one replaces it.
pub fn learn(
    rulebook: &Rulebook,
    si: usize,
    replaced: &str,
    gold: &[GoldPost],
    cases: &[GoldPost],
    case_weight: f64,
    opts: &LexiconOptions,
) -> Result<Learned, UnknownLabels> {
    let set = &rulebook.sets[si];
    let labels: Vec<String> = set.labels.iter().map(|l| l.id.clone()).collect();
    let fallback = set.labels.len();
    let mut unknown: HashMap<String, usize> = HashMap::new();
    // Each post learned from, borrowed (the labelled ones) or made here
    // (the set's examples), with its class, weight and whether it counts.
    let mut texts: Vec<(Cow<GoldPost>, usize, f64, bool)> = Vec::new();
    for (posts, weight, measured) in [(gold, 1.0, true), (cases, case_weight, false)] {
        for p in posts {
            let Some(Some(refs)) = p.labels.get(si) else {
                continue;
            };
            // `*` in a case file: the set is not checked there.
            let Some(first) = refs.first().filter(|l| l.as_str() != "*") else {
                continue;
            };
            let class = match labels.iter().position(|l| l == first) {
                Some(i) if set.fallback_label != Some(i) => i,
                Some(_) => fallback,
                None if set.fallback.as_deref() == Some(first.as_str()) => fallback,
                None => {
                    *unknown.entry(first.clone()).or_default() += 1;
                    continue;
                }
            };
            texts.push((Cow::Borrowed(p), class, weight, measured));
        }
    }
    if !unknown.is_empty() {
        let mut list: Vec<(String, usize)> = unknown.into_iter().collect();
        list.sort();
        return Err(UnknownLabels(list));
    }
    // The set's examples and counter-examples are cases too: an example
    // keeps its label; a counter-example keeps the label the rules give
    // it (set below), which is not the one it must not get.
    let mut avoid: Vec<Option<usize>> = vec![None; texts.len()];
    for (li, label) in set.labels.iter().enumerate() {
        let class = if set.fallback_label == Some(li) {
            fallback
        } else {
            li
        };
        let example = |text: &String| {
            Cow::Owned(GoldPost {
                text: text.clone(),
                labels: Vec::new(),
                lang: None,
            })
        };
        for text in &label.examples {
            texts.push((example(text), class, case_weight, false));
            avoid.push(None);
        }
        for text in &label.counter_examples {
            texts.push((example(text), usize::MAX, case_weight, false));
            avoid.push(Some(class));
        }
    }
    // Each post classified once, without the lexicon being replaced.
    let mut scratch = Scratch::default();
    let mut verdict = Verdict::default();
    // The normalised text of each post the lexicon weighs; `None` for a
    // post in a language it does not weigh.
    let mut normalized: Vec<Option<String>> = Vec::with_capacity(texts.len());
    let mut posts: Vec<Post> = Vec::with_capacity(texts.len());
    for (post, class, weight, measured) in &texts {
        post.classify_into(rulebook, &mut scratch, &mut verdict);
        let mut scores = vec![0.0; labels.len()];
        let mut touched = vec![false; labels.len()];
        for &r in &verdict.fired {
            let rule = &rulebook.rules[r];
            if rule.set == si {
                scores[rule.label] += rule.weight;
                touched[rule.label] = true;
            }
        }
        for &(xi, e) in &verdict.words {
            let lexicon = &rulebook.lexicons[xi as usize];
            if lexicon.set != si || lexicon.id == replaced {
                continue;
            }
            lexicon.add(e as usize, &mut scores, |li| touched[li] = true);
        }
        // The post's language as the engine reads it: its file's, else
        // detected by the classification when the rulebook needs it, else
        // detected here.
        let weighed = opts.lang.is_empty()
            || opts.lang.contains(&match post.lang {
                _ if rulebook.needs_lang() => verdict.lang.lang,
                Some(lang) => lang,
                None => rulebook.detect_lang(&post.text, &mut scratch).lang,
            });
        normalized.push(weighed.then(|| scratch.normalized.clone()));
        posts.push(Post {
            scores,
            touched,
            features: Vec::new(),
            gold: *class,
            weight: *weight,
            measured: *measured,
            weighed,
        });
    }
    // The vocabulary: words and pairs in at least `min_posts` posts.
    let mut counts: HashMap<String, usize> = HashMap::new();
    let grams: Vec<Vec<String>> = normalized
        .iter()
        .map(|t| t.as_deref().map(grams_of).unwrap_or_default())
        .collect();
    for g in &grams {
        for w in g {
            *counts.entry(w.clone()).or_default() += 1;
        }
    }
    let mut vocabulary: Vec<String> = counts
        .into_iter()
        .filter(|(_, n)| *n >= opts.min_posts.max(1))
        .map(|(w, _)| w)
        .collect();
    vocabulary.sort();
    let index: HashMap<&str, u32> = vocabulary
        .iter()
        .enumerate()
        .map(|(i, w)| (w.as_str(), i as u32))
        .collect();
    for (post, g) in posts.iter_mut().zip(&grams) {
        post.features = g
            .iter()
            .filter_map(|w| index.get(w.as_str()).copied())
            .collect();
        post.features.sort_unstable();
    }
    let model = Model {
        min_weight: opts.min_weight,
        thresholds: set.labels.iter().map(|l| l.threshold).collect(),
        tie_rank: set.tie_rank.clone(),
        fallback_label: set.fallback_label,
        features: vocabulary.len(),
    };
    let zero = vec![0.0; vocabulary.len() * labels.len()];
    for (i, avoided) in avoid.iter().enumerate() {
        if let Some(c) = avoided {
            let got = model.decide(&posts[i], &zero);
            if got == *c {
                // Failing already: nothing to keep.
                posts[i].weight = 0.0;
            }
            posts[i].gold = got;
        }
    }
    // Only the posts the lexicon weighs are learned from and measured.
    let all: Vec<usize> = (0..posts.len()).filter(|&i| posts[i].weighed).collect();
    let measured: Vec<usize> = all.iter().copied().filter(|&i| posts[i].measured).collect();
    let case_rows: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| !posts[i].measured && posts[i].weight > 0.0)
        .collect();
    let before = model.figures(&posts, &zero, &measured);
    // Cross-validation: each fold decided by the lexicons of every
    // penalty learned on the other folds (case posts always among them);
    // the penalty that decides most posts right is chosen, and its pooled
    // decisions are the cross-validated figures.
    let folds = fold_of(&posts, &measured, opts.folds, opts.seed);
    let per_fold = parallel_map(opts.folds, opts.threads, |k| {
        let train: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| !posts[i].measured || folds[i] != k)
            .collect();
        let path = model.path(&posts, &train);
        measured
            .iter()
            .copied()
            .filter(|&i| folds[i] == k)
            .map(|i| {
                (
                    i,
                    path.iter()
                        .map(|w| model.decide(&posts[i], w))
                        .collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>()
    });
    let mut right = [0usize; LAMBDAS.len()];
    let mut predicted = vec![vec![usize::MAX; LAMBDAS.len()]; posts.len()];
    for (i, got) in per_fold.into_iter().flatten() {
        for (l, &g) in got.iter().enumerate() {
            right[l] += usize::from(g == posts[i].gold);
        }
        predicted[i] = got;
    }
    let best = right.iter().copied().max().unwrap_or(0);
    let chosen = right.iter().position(|&r| r == best).unwrap_or(0);
    let lambda = LAMBDAS[chosen];
    let cross_validated = figures_of(
        &posts,
        &measured,
        |i| predicted[i][chosen],
        labels.len() + 1,
    );
    let weights = model.path(&posts, &all).swap_remove(chosen);
    let after = model.figures(&posts, &weights, &measured);
    let kept = |w: &[f64]| {
        case_rows
            .iter()
            .filter(|&&i| model.decide(&posts[i], w) == posts[i].gold)
            .count()
    };
    let cases_kept = (kept(&zero), kept(&weights));
    let k = labels.len();
    let entries = vocabulary
        .iter()
        .enumerate()
        .filter_map(|(f, w)| {
            let row = weights[f * k..(f + 1) * k].to_vec();
            row.iter().any(|&x| x != 0.0).then(|| (w.clone(), row))
        })
        .collect();
    Ok(Learned {
        labels,
        entries,
        measured: measured.len(),
        trained: all.len(),
        vocabulary: vocabulary.len(),
        lambda,
        before,
        after,
        cross_validated,
        cases_kept,
        cases: case_rows.len(),
    })
}

/// The words of a normalised text and its pairs of words in a row, each
/// once: what a lexicon can weigh.
pub fn grams_of(text: &str) -> Vec<String> {
    let ws: Vec<&str> = words(text).collect();
    let mut out: Vec<String> = ws.iter().map(|w| w.to_string()).collect();
    out.extend(ws.windows(2).map(|p| format!("{} {}", p[0], p[1])));
    out.sort_unstable();
    out.dedup();
    out
}

struct Model {
    min_weight: f64,
    thresholds: Vec<f64>,
    tie_rank: Vec<usize>,
    fallback_label: Option<usize>,
    features: usize,
}

impl Model {
    fn labels(&self) -> usize {
        self.thresholds.len()
    }

    /// The rulebook's decision for a post with lexicon weights `w`
    /// (features × labels, rounded): the best-scoring label at or above its
    /// threshold among those a rule or a word weighs, else the fallback.
    fn decide(&self, post: &Post, w: &[f64]) -> usize {
        let k = self.labels();
        let mut scores = post.scores.clone();
        let mut touched = post.touched.clone();
        for &f in &post.features {
            let row = &w[f as usize * k..(f as usize + 1) * k];
            for (li, &x) in row.iter().enumerate() {
                if x != 0.0 {
                    scores[li] += x;
                    touched[li] = true;
                }
            }
        }
        let labels = (0..k).filter(|&l| touched[l]);
        match best(&scores, labels, &self.thresholds, &self.tie_rank) {
            Some(b) if Some(b) != self.fallback_label => b,
            _ => k,
        }
    }

    fn figures(&self, posts: &[Post], w: &[f64], rows: &[usize]) -> Figures {
        figures_of(
            posts,
            rows,
            |i| self.decide(&posts[i], w),
            self.labels() + 1,
        )
    }

    /// The lexicons learned on `rows` with each penalty of [`LAMBDAS`],
    /// rounded to [`STEP`]; each learning starts where the stronger
    /// penalty's ended.
    fn path(&self, posts: &[Post], rows: &[usize]) -> Vec<Vec<f64>> {
        let mut w = vec![0.0; self.features * self.labels()];
        LAMBDAS
            .iter()
            .map(|&lambda| {
                self.train(posts, rows, lambda, &mut w);
                round(&w, self.min_weight)
            })
            .collect()
    }

    /// Learns the weights on `rows` with penalty `lambda`, from `w`.
    fn train(&self, posts: &[Post], rows: &[usize], lambda: f64, w: &mut [f64]) {
        let k = self.labels();
        let classes = k + 1;
        let total: f64 = rows
            .iter()
            .map(|&i| posts[i].weight)
            .sum::<f64>()
            .max(f64::MIN_POSITIVE);
        // The fallback label, when it is a label of the set, gets no weight.
        let learned = |li: usize| Some(li) != self.fallback_label;
        let mut logits = vec![0.0; classes];
        let objective = |w: &[f64], grad: &mut [f64]| -> f64 {
            grad.iter_mut().for_each(|g| *g = 0.0);
            let mut loss = 0.0;
            for &i in rows {
                let p = &posts[i];
                for ((l, s), t) in logits.iter_mut().zip(&p.scores).zip(&self.thresholds) {
                    *l = s - t;
                }
                logits[k] = 0.0;
                for &f in &p.features {
                    let row = &w[f as usize * k..(f as usize + 1) * k];
                    for (l, x) in logits.iter_mut().zip(row) {
                        *l += x;
                    }
                }
                if let Some(fl) = self.fallback_label {
                    // The fallback label is the fallback class.
                    logits[fl] = f64::NEG_INFINITY;
                }
                let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mut sum = 0.0;
                for x in logits.iter_mut() {
                    *x = (*x - max).exp();
                    sum += *x;
                }
                loss -= p.weight * (logits[p.gold] / sum).ln();
                for &f in &p.features {
                    let row = &mut grad[f as usize * k..(f as usize + 1) * k];
                    for (li, (g, e)) in row.iter_mut().zip(&logits).enumerate() {
                        let target = if li == p.gold { 1.0 } else { 0.0 };
                        *g += p.weight * (e / sum - target);
                    }
                }
            }
            let mut penalty = 0.0;
            for (f, g) in grad.iter_mut().enumerate() {
                *g = *g / total + lambda * w[f];
                penalty += w[f] * w[f];
            }
            for (f, g) in grad.iter_mut().enumerate() {
                if !learned(f % k) {
                    *g = 0.0;
                }
            }
            loss / total + lambda / 2.0 * penalty
        };
        lbfgs::minimize(objective, w, 1e-5, 300);
    }
}

/// Weights rounded to [`STEP`] as they are written, those under
/// `min_weight` left out.
fn round(w: &[f64], min_weight: f64) -> Vec<f64> {
    w.iter()
        .map(|&x| {
            let r = (x / STEP).round() * STEP;
            // Float noise and -0 written as the step's multiples.
            let r = (r * 1e6).round() / 1e6;
            if r == 0.0 || r.abs() + 1e-9 < min_weight {
                0.0
            } else {
                r
            }
        })
        .collect()
}

/// The fold of each measured post (indexed by post), stratified by class.
fn fold_of(posts: &[Post], rows: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let strata: Vec<usize> = rows.iter().map(|&i| posts[i].gold).collect();
    let folds = stratified(&strata, k, seed);
    let mut out = vec![usize::MAX; posts.len()];
    for (&i, f) in rows.iter().zip(folds) {
        out[i] = f;
    }
    out
}

fn figures_of(
    posts: &[Post],
    rows: &[usize],
    got: impl Fn(usize) -> usize,
    classes: usize,
) -> Figures {
    let mut tally = Tally::new(classes);
    for &i in rows {
        tally.add(&[posts[i].gold], &[got(i)]);
    }
    Figures {
        accuracy: tally.metrics(Mode::One).accuracy.unwrap_or(0.0),
        macro_f1: tally.supported_macro_f1(MIN_SUPPORT),
        classes: tally.classes(),
    }
}
