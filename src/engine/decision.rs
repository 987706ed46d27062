//! The decision for each label set of one post: the scores of the labels
//! whose rules fired, then the labels that qualify (`many`), or the best
//! one with ties broken by rank, else the fallback (`one`).

use super::compile::Rulebook;
use super::matching::Scratch;
use crate::lang::PostLang;
use crate::rulebook::Mode;

/// Scores within this distance are equal, so that weights like 0.1 + 0.2
/// tie with 0.3.
pub(crate) const SCORE_EPSILON: f64 = 1e-9;

/// The decision for one label set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetVerdict {
    /// Score of every label of the set, in file order. Reused by
    /// [`Rulebook::classify_into`], which zeroes only the scores it set.
    pub scores: Vec<f64>,
    /// The labels given (indices into the set's labels), in file order for
    /// `many` sets; at most one for `one` sets.
    pub labels: Vec<usize>,
    /// A `one` set that gave its fallback.
    pub fallback: bool,
    /// Labels that tied for the best score in a `one` set (empty: no tie).
    pub tied: Vec<usize>,
    /// The labels whose score may be other than zero: the next post zeroes
    /// only those, whatever the number of labels.
    pub(super) scored: Vec<usize>,
}

/// Everything decided about one post.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    /// Indices of the rules that fired, ascending.
    pub fired: Vec<usize>,
    /// One entry per label set, in rulebook order.
    pub sets: Vec<SetVerdict>,
    /// The post's language, as classified.
    pub lang: PostLang,
    /// The post's language is one the rulebook does not cover: no rule was
    /// checked, every `one` set gave its fallback.
    pub uncovered: bool,
    /// The lexicon entries found in the post: (lexicon, entry) indices,
    /// ascending.
    pub words: Vec<(u32, u32)>,
}

impl Rulebook {
    pub(super) fn decide(&self, verdict: &mut Verdict, s: &mut Scratch) {
        verdict
            .sets
            .resize_with(self.sets.len(), SetVerdict::default);
        for (set, sv) in self.sets.iter().zip(verdict.sets.iter_mut()) {
            if sv.scores.len() == set.labels.len() {
                for &li in &sv.scored {
                    sv.scores[li] = 0.0;
                }
            } else {
                sv.scores.clear();
                sv.scores.resize(set.labels.len(), 0.0);
            }
            sv.scored.clear();
            sv.labels.clear();
            sv.tied.clear();
            sv.fallback = false;
        }
        // Rules are stored set by set and label by label, so the labels of
        // the fired rules (ascending) come grouped and in file order. Only
        // those labels can qualify: the work does not grow with the labels.
        s.touched.clear();
        for &r in &verdict.fired {
            let slot = self.matcher.slots[r];
            let (set, label) = (slot.set as usize, slot.label as usize);
            verdict.sets[set].scores[label] += slot.weight;
            if s.touched.last() != Some(&(set, label)) {
                s.touched.push((set, label));
                verdict.sets[set].scored.push(label);
            }
        }
        // Lexicon weights go to their labels; a label they reach is scored
        // as if a rule of it had fired.
        let mut added = false;
        for group in verdict.words.chunk_by(|a, b| a.0 == b.0) {
            let lexicon = &self.lexicons[group[0].0 as usize];
            let sv = &mut verdict.sets[lexicon.set];
            let (scores, scored) = (&mut sv.scores, &mut sv.scored);
            let entries = group.iter().map(|&(_, e)| e as usize);
            lexicon.add_all(entries, scores, |li| {
                if !scored.contains(&li) {
                    scored.push(li);
                    added = true;
                }
            });
        }
        for (set, sv) in self.sets.iter().zip(verdict.sets.iter_mut()) {
            let SetVerdict {
                scores,
                labels,
                fallback,
                tied,
                scored,
            } = sv;
            if added {
                // In file order, as the rules' labels come.
                scored.sort_unstable();
            }
            let qualifying = scored
                .iter()
                .copied()
                .filter(|&li| scores[li] + SCORE_EPSILON >= set.thresholds[li]);
            match set.mode {
                Mode::Many => labels.extend(qualifying),
                Mode::One => {
                    let mut best: Option<usize> = None;
                    for li in qualifying {
                        let score = scores[li];
                        match best {
                            None => best = Some(li),
                            Some(b) => {
                                let bs = scores[b];
                                if score > bs + SCORE_EPSILON {
                                    best = Some(li);
                                    tied.clear();
                                } else if (score - bs).abs() <= SCORE_EPSILON {
                                    if tied.is_empty() {
                                        tied.push(b);
                                    }
                                    tied.push(li);
                                    if set.tie_rank[li] < set.tie_rank[b] {
                                        best = Some(li);
                                    }
                                }
                            }
                        }
                    }
                    match best {
                        Some(b) => labels.push(b),
                        None => *fallback = true,
                    }
                }
            }
        }
    }
}
