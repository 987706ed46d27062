//! Measuring a rulebook against posts labelled by hand: per-label precision,
//! recall and F1, confusion matrices, the worst mistakes, and how each rule
//! helps or hurts. Pure computation over texts and reference labels.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::Rulebook;
use crate::lang::{Lang, LangSource, PostLang};
use crate::rulebook::Mode;
use crate::{Scratch, Verdict};

/// One hand-labelled post: its text and, per set (by index), the reference
/// labels (`None`: this set is not labelled for the post).
#[derive(Debug, Clone)]
pub struct GoldPost {
    pub text: String,
    pub labels: Vec<Option<Vec<String>>>,
    /// The post's language as its file gives it (`--lang-field`, or a
    /// `lang` column); `None`: detected from the text.
    pub lang: Option<Lang>,
}

impl GoldPost {
    /// Classifies the post as `classify` labels it in an export: in the
    /// language its file gives, else in the detected one.
    pub fn classify_into(&self, rulebook: &Rulebook, scratch: &mut Scratch, verdict: &mut Verdict) {
        match self.lang {
            Some(lang) if rulebook.needs_lang() => {
                let lang = PostLang {
                    lang,
                    source: LangSource::Field,
                };
                rulebook.classify_as(&self.text, lang, scratch, verdict);
            }
            _ => rulebook.classify_into(&self.text, scratch, verdict),
        }
    }
}

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelScore {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Posts whose reference has this label.
    pub support: u64,
    /// Posts given this label.
    pub predicted: u64,
    #[serde(skip)]
    tp: u64,
}

/// A post the rulebook got wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mistake {
    pub text: String,
    pub expected: Vec<String>,
    pub got: Vec<String>,
    /// The score of the label given (one sets), how sure the mistake was.
    pub score: f64,
    pub rules: Vec<String>,
}

/// The evaluation of one label set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetEval {
    pub set: String,
    pub mode: String,
    /// Posts with a reference label for this set.
    pub posts: u64,
    pub labels: Vec<LabelScore>,
    /// Mean F1 over the labels present in the reference or the predictions.
    pub macro_f1: f64,
    /// F1 over all label decisions pooled (equals accuracy for `one` sets).
    pub micro_f1: f64,
    /// `one` sets: share of posts given exactly their reference label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// `one` sets: `confusion[expected][got]` counts, labels in `labels` order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confusion: Option<Vec<Vec<u64>>>,
    /// The figures over the labels with enough reference posts.
    pub supported: Supported,
    pub mistakes: Vec<Mistake>,
}

/// Macro-F1 and the lowest recall over the labels that have at least
/// `min_support` reference posts: a label with two posts swings the plain
/// macro-F1 by a third with one post, so targets are set on these.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Supported {
    pub min_support: u64,
    /// The labels counted, in the set's order.
    pub labels: Vec<String>,
    /// Mean F1 over `labels` (0 when there are none).
    pub macro_f1: f64,
    /// The label of `labels` with the lowest recall (the first on a tie).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lowest_recall: Option<LabelRecall>,
}

/// A label and its recall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelRecall {
    pub label: String,
    pub recall: f64,
}

impl Supported {
    fn of(labels: &[LabelScore], min_support: u64) -> Supported {
        let counted: Vec<&LabelScore> = labels
            .iter()
            .filter(|l| l.support >= min_support.max(1))
            .collect();
        let macro_f1 = if counted.is_empty() {
            0.0
        } else {
            counted.iter().map(|l| l.f1).sum::<f64>() / counted.len() as f64
        };
        let lowest_recall = counted
            .iter()
            .fold(None::<&LabelScore>, |low, l| match low {
                Some(low) if low.recall <= l.recall => Some(low),
                _ => Some(l),
            })
            .map(|l| LabelRecall {
                label: l.label.clone(),
                recall: l.recall,
            });
        Supported {
            min_support,
            labels: counted.iter().map(|l| l.label.clone()).collect(),
            macro_f1,
            lowest_recall,
        }
    }
}

/// How one rule behaves on the reference posts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleEval {
    pub rule: String,
    pub set: String,
    pub label: String,
    /// Posts the rule fired on.
    pub coverage: u64,
    /// Of those, posts where the rule voted right: the reference has the
    /// rule's label (or, for a rule of negative weight, has not).
    pub correct: u64,
    /// `correct / coverage` (0 when it never fired).
    pub precision: f64,
    /// Posts where another rule of the same label also fired.
    pub overlaps: u64,
    /// Posts where a rule of another label of the same `one` set also fired.
    pub conflicts: u64,
}

/// The whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub posts: u64,
    pub sets: Vec<SetEval>,
    /// Sorted so the rules that hurt most (most wrong fires) come first.
    pub rules: Vec<RuleEval>,
}

impl Evaluation {
    /// A metric by name: `SET.macro_f1`, `SET.micro_f1`, `SET.accuracy`,
    /// `SET.supported_macro_f1`, `SET.lowest_recall` (see [`Supported`]),
    /// `SET.LABEL.precision|recall|f1`.
    pub fn metric(&self, name: &str) -> Option<f64> {
        metric(&self.sets, name)
    }
}

/// A metric of `sets` by name (see [`Evaluation::metric`]).
fn metric(sets: &[SetEval], name: &str) -> Option<f64> {
    let (set_id, rest) = name.split_once('.')?;
    let set = sets.iter().find(|s| s.set == set_id)?;
    match rest {
        "macro_f1" => Some(set.macro_f1),
        "micro_f1" => Some(set.micro_f1),
        "accuracy" => set.accuracy,
        "supported_macro_f1" => Some(set.supported.macro_f1),
        "lowest_recall" => set.supported.lowest_recall.as_ref().map(|l| l.recall),
        _ => {
            let (label, what) = rest.rsplit_once('.')?;
            let l = set.labels.iter().find(|l| l.label == label)?;
            match what {
                "precision" => Some(l.precision),
                "recall" => Some(l.recall),
                "f1" => Some(l.f1),
                _ => None,
            }
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Which posts a report may list (mistakes, posts fixed or broken), and
/// how many of each.
#[derive(Debug, Clone, Copy)]
pub struct Listing<'a> {
    /// At most this many posts of each list, per set.
    pub worst: usize,
    /// Posts never listed, by index (`true`: hidden); posts past its end
    /// are listed. They count in every figure all the same.
    pub hidden: &'a [bool],
}

impl Listing<'_> {
    /// The `worst` first posts of each list, any post.
    pub fn top(worst: usize) -> Listing<'static> {
        Listing { worst, hidden: &[] }
    }

    fn shows(&self, post: usize) -> bool {
        !self.hidden.get(post).copied().unwrap_or(false)
    }
}

/// Evaluates `rulebook` on `gold`, keeping the `worst` most confident
/// mistakes per set; the [`Supported`] figures count the labels with at
/// least `min_support` reference posts.
pub fn evaluate(
    rulebook: &Rulebook,
    gold: &[GoldPost],
    worst: usize,
    min_support: u64,
) -> Evaluation {
    evaluate_with_decisions(rulebook, gold, Listing::top(worst), min_support).0
}

/// The labels given to each post, per set (`[post][set]`; `None` where the
/// post has no reference labels for the set).
pub type Decisions = Vec<Vec<Option<Vec<String>>>>;

/// The counts behind each set's figures, added post by post.
struct Tally {
    /// Label names per set: the rulebook's labels, then the fallback if it
    /// is not one of them, then unknown reference labels as they come.
    names: Vec<Vec<String>>,
    tp: Vec<Vec<u64>>,
    support: Vec<Vec<u64>>,
    predicted: Vec<Vec<u64>>,
    confusion: Vec<BTreeMap<(usize, usize), u64>>,
    posts: Vec<u64>,
    exact: Vec<u64>,
}

impl Tally {
    fn new(rulebook: &Rulebook) -> Tally {
        let names: Vec<Vec<String>> = rulebook
            .sets
            .iter()
            .map(|s| {
                let mut v: Vec<String> = s.labels.iter().map(|l| l.id.clone()).collect();
                if let (Some(f), None) = (&s.fallback, s.fallback_label) {
                    v.push(f.clone());
                }
                v
            })
            .collect();
        let zeros: Vec<Vec<u64>> = names.iter().map(|n| vec![0; n.len()]).collect();
        let nsets = names.len();
        Tally {
            names,
            tp: zeros.clone(),
            support: zeros.clone(),
            predicted: zeros,
            confusion: vec![BTreeMap::new(); nsets],
            posts: vec![0; nsets],
            exact: vec![0; nsets],
        }
    }

    fn index_of(&mut self, si: usize, label: &str) -> usize {
        let names = &mut self.names[si];
        names.iter().position(|n| n == label).unwrap_or_else(|| {
            names.push(label.to_string());
            names.len() - 1
        })
    }

    /// Counts one post of set `si`, labelled `expected` and given `got`;
    /// true when it was given exactly its reference labels.
    fn add(&mut self, si: usize, mode: Mode, expected: &[String], got: &[String]) -> bool {
        self.posts[si] += 1;
        let exp_idx: Vec<usize> = expected.iter().map(|l| self.index_of(si, l)).collect();
        let got_idx: Vec<usize> = got.iter().map(|l| self.index_of(si, l)).collect();
        let n = self.names[si].len();
        for v in [
            &mut self.tp[si],
            &mut self.support[si],
            &mut self.predicted[si],
        ] {
            v.resize(n, 0);
        }
        for &e in &exp_idx {
            self.support[si][e] += 1;
            if got_idx.contains(&e) {
                self.tp[si][e] += 1;
            }
        }
        for &g in &got_idx {
            self.predicted[si][g] += 1;
        }
        if mode == Mode::One {
            if let (Some(&e), Some(&g)) = (exp_idx.first(), got_idx.first()) {
                *self.confusion[si].entry((e, g)).or_default() += 1;
            }
        }
        let mut sorted_exp = exp_idx;
        sorted_exp.sort_unstable();
        let mut sorted_got = got_idx;
        sorted_got.sort_unstable();
        let exact = sorted_exp == sorted_got;
        if exact {
            self.exact[si] += 1;
        }
        exact
    }

    /// Each set's figures, with the `worst` most confident of its
    /// `mistakes`.
    fn sets(
        mut self,
        rulebook: &Rulebook,
        min_support: u64,
        mut mistakes: Vec<Vec<Mistake>>,
        worst: usize,
    ) -> Vec<SetEval> {
        mistakes.resize(rulebook.sets.len(), Vec::new());
        rulebook
            .sets
            .iter()
            .enumerate()
            .map(|(si, set)| {
                let labels: Vec<LabelScore> = std::mem::take(&mut self.names[si])
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| {
                        let (tp, predicted, support) =
                            (self.tp[si][i], self.predicted[si][i], self.support[si][i]);
                        let p = ratio(tp, predicted);
                        let r = ratio(tp, support);
                        LabelScore {
                            label: name,
                            precision: p,
                            recall: r,
                            f1: f1(p, r),
                            support,
                            predicted,
                            tp,
                        }
                    })
                    .collect();
                let present: Vec<&LabelScore> = labels
                    .iter()
                    .filter(|l| l.support > 0 || l.predicted > 0)
                    .collect();
                let macro_f1 = if present.is_empty() {
                    0.0
                } else {
                    present.iter().map(|l| l.f1).sum::<f64>() / present.len() as f64
                };
                let (all_tp, all_pred, all_sup) = labels.iter().fold((0, 0, 0), |(a, b, c), l| {
                    (a + l.tp, b + l.predicted, c + l.support)
                });
                let micro_f1 = f1(ratio(all_tp, all_pred), ratio(all_tp, all_sup));
                let mut m = std::mem::take(&mut mistakes[si]);
                m.sort_by(|a, b| b.score.total_cmp(&a.score));
                m.truncate(worst);
                let one = set.mode == Mode::One;
                let posts = self.posts[si];
                SetEval {
                    set: set.id.clone(),
                    mode: if one { "one" } else { "many" }.to_string(),
                    posts,
                    macro_f1,
                    micro_f1,
                    accuracy: one.then(|| ratio(self.exact[si], posts)),
                    confusion: one.then(|| {
                        let n = labels.len();
                        let mut grid = vec![vec![0u64; n]; n];
                        for (&(e, g), &c) in &self.confusion[si] {
                            grid[e][g] = c;
                        }
                        grid
                    }),
                    supported: Supported::of(&labels, min_support),
                    labels,
                    mistakes: m,
                }
            })
            .collect()
    }
}

/// [`evaluate`], with the labels given to each post, listing the
/// mistakes `listing` lets through.
pub fn evaluate_with_decisions(
    rulebook: &Rulebook,
    gold: &[GoldPost],
    listing: Listing,
    min_support: u64,
) -> (Evaluation, Decisions) {
    let mut decisions: Decisions = Vec::with_capacity(gold.len());
    let mut scratch = Scratch::default();
    let mut verdict = Verdict::default();
    let nsets = rulebook.sets.len();
    let mut tally = Tally::new(rulebook);
    let mut mistakes: Vec<Vec<Mistake>> = vec![Vec::new(); nsets];
    let mut rules: Vec<RuleEval> = rulebook
        .rules
        .iter()
        .map(|r| RuleEval {
            rule: r.id.clone(),
            set: rulebook.sets[r.set].id.clone(),
            label: rulebook.sets[r.set].labels[r.label].id.clone(),
            coverage: 0,
            correct: 0,
            precision: 0.0,
            overlaps: 0,
            conflicts: 0,
        })
        .collect();

    for (pi, post) in gold.iter().enumerate() {
        post.classify_into(rulebook, &mut scratch, &mut verdict);
        let mut given = vec![None; nsets];
        for si in 0..nsets {
            let Some(expected) = post.labels.get(si).and_then(|l| l.as_ref()) else {
                continue;
            };
            let set = &rulebook.sets[si];
            let got: Vec<String> = match set.mode {
                Mode::One => vec![rulebook.label_of(&verdict, si).to_string()],
                Mode::Many => verdict.sets[si]
                    .labels
                    .iter()
                    .map(|&l| set.labels[l].id.clone())
                    .collect(),
            };
            let exact = tally.add(si, set.mode, expected, &got);
            if !exact && listing.shows(pi) {
                let score = match set.mode {
                    Mode::One => crate::output::labels::chosen_score(&verdict, si),
                    Mode::Many => verdict.sets[si]
                        .labels
                        .iter()
                        .map(|&l| verdict.sets[si].scores[l])
                        .sum(),
                };
                mistakes[si].push(Mistake {
                    text: post.text.clone(),
                    expected: expected.clone(),
                    got: got.clone(),
                    score,
                    rules: verdict
                        .fired
                        .iter()
                        .filter(|&&r| rulebook.rules[r].set == si)
                        .map(|&r| rulebook.rules[r].id.clone())
                        .collect(),
                });
            }
            given[si] = Some(got);
            // Rules of this set: coverage, precision, overlaps, conflicts.
            let fired: Vec<usize> = verdict
                .fired
                .iter()
                .copied()
                .filter(|&r| rulebook.rules[r].set == si)
                .collect();
            for &r in &fired {
                let rule = &rulebook.rules[r];
                let re = &mut rules[r];
                re.coverage += 1;
                // A rule of negative weight votes against its label: it is
                // right when the reference does not have that label.
                let has_label = expected.iter().any(|l| *l == set.labels[rule.label].id);
                if has_label == (rule.weight >= 0.0) {
                    re.correct += 1;
                }
                if fired
                    .iter()
                    .any(|&o| o != r && rulebook.rules[o].label == rule.label)
                {
                    re.overlaps += 1;
                }
                if set.mode == Mode::One
                    && fired.iter().any(|&o| rulebook.rules[o].label != rule.label)
                {
                    re.conflicts += 1;
                }
            }
        }
        decisions.push(given);
    }

    let sets = tally.sets(rulebook, min_support, mistakes, listing.worst);
    for r in &mut rules {
        r.precision = ratio(r.correct, r.coverage);
    }
    rules.sort_by(|a, b| {
        (b.coverage - b.correct)
            .cmp(&(a.coverage - a.correct))
            .then(a.precision.total_cmp(&b.precision))
            .then(a.rule.cmp(&b.rule))
    });

    let evaluation = Evaluation {
        posts: gold.len() as u64,
        sets,
        rules,
    };
    (evaluation, decisions)
}

/// The figures of one group of posts (see [`evaluate_groups`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupEval {
    /// The group's value of each field grouped by (`None`: its posts have
    /// no value there).
    pub values: Vec<Option<String>>,
    pub posts: u64,
    /// Each set's figures on the group's posts, with no mistakes listed.
    pub sets: Vec<SetEval>,
}

impl GroupEval {
    /// A metric of the group's posts, named as for [`Evaluation::metric`].
    pub fn metric(&self, name: &str) -> Option<f64> {
        metric(&self.sets, name)
    }
}

/// The figures of each group of `gold` apart, the group of post `i` being
/// `keys[i]`, scored from the labels `rulebook` gave each post
/// (`decisions`, as [`evaluate_with_decisions`] returns them): the figures
/// [`evaluate`] gives on those posts alone, with no post classified again.
/// Groups come in ascending order of their keys.
pub fn evaluate_groups(
    rulebook: &Rulebook,
    gold: &[GoldPost],
    decisions: &Decisions,
    keys: &[Vec<Option<String>>],
    min_support: u64,
) -> Vec<GroupEval> {
    assert_eq!(gold.len(), keys.len(), "a key for each post");
    assert_eq!(gold.len(), decisions.len(), "the labels given to each post");
    let mut groups: BTreeMap<&[Option<String>], (u64, Tally)> = BTreeMap::new();
    for ((post, given), key) in gold.iter().zip(decisions).zip(keys) {
        let (posts, tally) = groups
            .entry(key)
            .or_insert_with(|| (0, Tally::new(rulebook)));
        *posts += 1;
        for (si, set) in rulebook.sets.iter().enumerate() {
            let expected = post.labels.get(si).and_then(|l| l.as_ref());
            if let (Some(expected), Some(Some(got))) = (expected, given.get(si)) {
                tally.add(si, set.mode, expected, got);
            }
        }
    }
    groups
        .into_iter()
        .map(|(key, (posts, tally))| GroupEval {
            values: key.to_vec(),
            posts,
            sets: tally.sets(rulebook, min_support, Vec::new(), 0),
        })
        .collect()
}

/// One figure of a set, for a baseline rulebook and the rulebook measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureChange {
    /// The metric's name after its set (`accuracy`, `supported_macro_f1`…),
    /// as `--fail-under` names it.
    pub figure: String,
    pub baseline: f64,
    pub current: f64,
}

/// The F1 of one label, for the baseline and the rulebook measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelChange {
    pub label: String,
    pub support: u64,
    pub baseline_f1: f64,
    pub current_f1: f64,
}

/// A post whose labels differ between the baseline and the rulebook measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedPost {
    pub text: String,
    pub expected: Vec<String>,
    pub baseline: Vec<String>,
    pub current: Vec<String>,
}

/// What changed in one set from the baseline to the rulebook measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetComparison {
    pub set: String,
    pub posts: u64,
    pub figures: Vec<FigureChange>,
    pub labels: Vec<LabelChange>,
    /// Posts now given their reference labels, wrong before.
    pub fixed: u64,
    /// Posts right before, wrong now.
    pub broken: u64,
    /// Posts wrong before and wrong now, with other labels.
    pub other: u64,
    /// The first `worst` posts fixed, in the order of the gold posts.
    pub fixed_posts: Vec<ChangedPost>,
    /// The first `worst` posts broken, in the order of the gold posts.
    pub broken_posts: Vec<ChangedPost>,
}

/// Labels as a set: order and repeats do not count.
fn same_labels(a: &[String], b: &[String]) -> bool {
    let mut a: Vec<&String> = a.iter().collect();
    let mut b: Vec<&String> = b.iter().collect();
    a.sort_unstable();
    a.dedup();
    b.sort_unstable();
    b.dedup();
    a == b
}

/// Compares the evaluation of a rulebook (`current`, with its decisions)
/// with a baseline's on the same `gold` posts and the same sets, in the
/// same order: each figure and each label's F1 before and after, and the
/// posts fixed and broken (those `listing` lets through, at most
/// `listing.worst` of each per set).
pub fn compare(
    gold: &[GoldPost],
    baseline: (&Evaluation, &Decisions),
    current: (&Evaluation, &Decisions),
    listing: Listing,
) -> Vec<SetComparison> {
    let (base_eval, base_dec) = baseline;
    let (cur_eval, cur_dec) = current;
    cur_eval
        .sets
        .iter()
        .zip(&base_eval.sets)
        .enumerate()
        .map(|(si, (cur, base))| {
            let figures = [
                "accuracy",
                "macro_f1",
                "micro_f1",
                "supported_macro_f1",
                "lowest_recall",
            ]
            .iter()
            .filter_map(|f| {
                let name = format!("{}.{f}", cur.set);
                Some(FigureChange {
                    figure: (*f).to_string(),
                    baseline: base_eval.metric(&name)?,
                    current: cur_eval.metric(&name)?,
                })
            })
            .collect();
            let mut labels: Vec<LabelChange> = cur
                .labels
                .iter()
                .map(|l| LabelChange {
                    label: l.label.clone(),
                    support: l.support,
                    baseline_f1: base
                        .labels
                        .iter()
                        .find(|b| b.label == l.label)
                        .map_or(0.0, |b| b.f1),
                    current_f1: l.f1,
                })
                .collect();
            for b in &base.labels {
                if !labels.iter().any(|l| l.label == b.label) {
                    labels.push(LabelChange {
                        label: b.label.clone(),
                        support: b.support,
                        baseline_f1: b.f1,
                        current_f1: 0.0,
                    });
                }
            }
            let mut out = SetComparison {
                set: cur.set.clone(),
                posts: cur.posts,
                figures,
                labels,
                fixed: 0,
                broken: 0,
                other: 0,
                fixed_posts: Vec::new(),
                broken_posts: Vec::new(),
            };
            for (i, post) in gold.iter().enumerate() {
                let (Some(expected), Some(Some(was)), Some(Some(now))) = (
                    post.labels.get(si).and_then(|l| l.as_ref()),
                    base_dec[i].get(si),
                    cur_dec[i].get(si),
                ) else {
                    continue;
                };
                if same_labels(was, now) {
                    continue;
                }
                let changed = || ChangedPost {
                    text: post.text.clone(),
                    expected: expected.clone(),
                    baseline: was.clone(),
                    current: now.clone(),
                };
                let listed = listing.shows(i);
                if same_labels(now, expected) {
                    out.fixed += 1;
                    if listed && out.fixed_posts.len() < listing.worst {
                        out.fixed_posts.push(changed());
                    }
                } else if same_labels(was, expected) {
                    out.broken += 1;
                    if listed && out.broken_posts.len() < listing.worst {
                        out.broken_posts.push(changed());
                    }
                } else {
                    out.other += 1;
                }
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rulebook() -> Rulebook {
        crate::engine::from_str("t", &rulebook_source()).unwrap()
    }

    fn rulebook_source() -> String {
        r#"
[rulebook]
name = "t"
version = "1"
[[set]]
id = "type"
mode = "one"
fallback = "other"
[[set.label]]
id = "angry"
[[set.label.rule]]
id = "mad"
any = ["mad"]
[[set.label]]
id = "happy"
[[set.label.rule]]
id = "glad"
any = ["glad"]
[[set]]
id = "tags"
mode = "many"
[[set.label]]
id = "app"
[[set.label.rule]]
id = "app"
any = ["app"]
"#
        .to_string()
    }

    fn post(text: &str, t: &str, tags: &[&str]) -> GoldPost {
        GoldPost {
            text: text.to_string(),
            labels: vec![
                Some(vec![t.to_string()]),
                Some(tags.iter().map(|s| s.to_string()).collect()),
            ],
            lang: None,
        }
    }

    #[test]
    fn compare_counts_the_posts_fixed_and_broken_and_each_figure() {
        // The baseline's `happy` rule never fires; the rulebook measured
        // finds "glad".
        let baseline = crate::engine::from_str(
            "b",
            &rulebook_source().replace("any = [\"glad\"]", "any = [\"gladiolus\"]"),
        )
        .unwrap();
        let gold = vec![
            post("glad", "happy", &[]),          // other -> happy: fixed
            post("glad, not mad", "angry", &[]), // angry -> tie, angry first: unchanged
            post("so glad", "other", &[]),       // other -> happy: broken
            post("mad", "angry", &["app"]),      // unchanged
        ];
        let (b, bd) = evaluate_with_decisions(&baseline, &gold, Listing::top(10), 1);
        let (c, cd) = evaluate_with_decisions(&rulebook(), &gold, Listing::top(10), 1);
        let cmp = compare(&gold, (&b, &bd), (&c, &cd), Listing::top(10));
        let t = &cmp[0];
        assert_eq!((t.fixed, t.broken, t.other), (1, 1, 0));
        assert_eq!(t.fixed_posts[0].text, "glad");
        assert_eq!(t.fixed_posts[0].baseline, ["other"]);
        assert_eq!(t.fixed_posts[0].current, ["happy"]);
        assert_eq!(t.broken_posts[0].text, "so glad");
        let acc = t.figures.iter().find(|f| f.figure == "accuracy").unwrap();
        assert_eq!((acc.baseline, acc.current), (0.75, 0.75));
        let happy = t.labels.iter().find(|l| l.label == "happy").unwrap();
        assert_eq!((happy.baseline_f1, happy.current_f1), (0.0, f1(0.5, 1.0)));
        // The `many` set has no accuracy, and its decisions did not change.
        let tags = &cmp[1];
        assert!(tags.figures.iter().all(|f| f.figure != "accuracy"));
        assert_eq!((tags.fixed, tags.broken, tags.other), (0, 0, 0));
        // At most `worst` posts listed, every one counted.
        let cmp = compare(&gold, (&b, &bd), (&c, &cd), Listing::top(0));
        assert!(cmp[0].fixed_posts.is_empty() && cmp[0].fixed == 1);
        // A hidden post is counted and not listed.
        let hidden = [true, false, true, false];
        let listing = Listing {
            worst: 10,
            hidden: &hidden,
        };
        let cmp = compare(&gold, (&b, &bd), (&c, &cd), listing);
        assert_eq!((cmp[0].fixed, cmp[0].broken), (1, 1));
        assert!(cmp[0].fixed_posts.is_empty() && cmp[0].broken_posts.is_empty());
        let (shown, _) = evaluate_with_decisions(&rulebook(), &gold, listing, 1);
        let (all, _) = evaluate_with_decisions(&rulebook(), &gold, Listing::top(10), 1);
        // "so glad" (hidden) is the rulebook's one mistake on `type`.
        assert_eq!(all.sets[0].mistakes.len(), 1);
        assert!(shown.sets[0].mistakes.is_empty());
        assert_eq!(shown.sets[0].accuracy, all.sets[0].accuracy);
    }

    #[test]
    fn each_group_is_measured_as_its_posts_alone() {
        let gold = vec![
            post("mad at the app", "angry", &["app"]),
            post("mad", "happy", &[]),
            post("glad", "happy", &["app"]),
            post("nothing", "angry", &[]),
            post("glad again", "happy", &[]),
        ];
        let key = |v: Option<&str>| vec![v.map(str::to_string)];
        let keys = vec![
            key(Some("b")),
            key(Some("a")),
            key(Some("b")),
            key(None),
            key(Some("a")),
        ];
        let (_, decisions) = evaluate_with_decisions(&rulebook(), &gold, Listing::top(0), 1);
        let groups = evaluate_groups(&rulebook(), &gold, &decisions, &keys, 1);
        let values: Vec<_> = groups.iter().map(|g| g.values[0].as_deref()).collect();
        assert_eq!(
            values,
            [None, Some("a"), Some("b")],
            "in order of their keys"
        );
        let alone = |idx: &[usize]| {
            let posts: Vec<GoldPost> = idx.iter().map(|&i| gold[i].clone()).collect();
            evaluate(&rulebook(), &posts, 0, 1).sets
        };
        for (g, idx) in groups.iter().zip([&[3][..], &[1, 4], &[0, 2]]) {
            assert_eq!(g.posts, idx.len() as u64);
            assert_eq!(g.sets, alone(idx));
            assert!(g.sets.iter().all(|s| s.mistakes.is_empty()));
        }
        // Group "a": "mad" is wrong, "glad again" right.
        assert_eq!(groups[1].sets[0].accuracy, Some(0.5));
        assert_eq!(groups[2].sets[0].accuracy, Some(1.0));
    }

    #[test]
    fn scores_labels_and_rules() {
        let gold = vec![
            post("mad at the app", "angry", &["app"]),
            post("mad", "happy", &[]),
            post("glad", "happy", &["app"]),
            post("nothing", "angry", &[]),
        ];
        let e = evaluate(&rulebook(), &gold, 10, 2);
        let t = &e.sets[0];
        assert_eq!(t.posts, 4);
        assert_eq!(t.accuracy, Some(0.5));
        let angry = &t.labels[0];
        assert_eq!(
            (
                angry.precision,
                angry.recall,
                angry.support,
                angry.predicted
            ),
            (0.5, 0.5, 2, 2)
        );
        let happy = &t.labels[1];
        assert_eq!((happy.precision, happy.recall), (1.0, 0.5));
        let other = &t.labels[2];
        assert_eq!(
            (other.label.as_str(), other.predicted, other.support),
            ("other", 1, 0)
        );
        // Macro over the three labels present: (0.5 + 2/3 + 0) / 3.
        assert!((t.macro_f1 - (0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        assert_eq!(t.micro_f1, 0.5);
        assert_eq!(t.confusion.as_ref().unwrap()[0], vec![1, 0, 1]);
        assert_eq!(t.confusion.as_ref().unwrap()[1], vec![1, 1, 0]);
        assert_eq!(t.mistakes.len(), 2);
        assert_eq!(
            t.mistakes[0].text, "mad",
            "the most confident mistake first"
        );

        let tags = &e.sets[1];
        assert_eq!(tags.labels[0].precision, 1.0);
        assert_eq!(tags.labels[0].recall, 0.5);
        assert_eq!(tags.accuracy, None);

        assert_eq!(
            e.rules[0].rule, "mad",
            "the rule with the most wrong fires comes first"
        );
        assert_eq!(
            (
                e.rules[0].coverage,
                e.rules[0].correct,
                e.rules[0].precision
            ),
            (2, 1, 0.5)
        );
        assert_eq!(e.metric("type.accuracy"), Some(0.5));
        assert_eq!(e.metric("type.happy.recall"), Some(0.5));
        assert_eq!(e.metric("tags.app.f1"), Some(f1(1.0, 0.5)));
        assert_eq!(e.metric("type.nope.f1"), None);
        assert_eq!(e.metric("nope.macro_f1"), None);

        // Labels with at least 2 reference posts: angry and happy, not
        // `other` (predicted once, never expected).
        assert_eq!(t.supported.labels, ["angry", "happy"]);
        assert!((t.supported.macro_f1 - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        let low = t.supported.lowest_recall.as_ref().unwrap();
        assert_eq!((low.label.as_str(), low.recall), ("angry", 0.5));
        assert_eq!(e.metric("type.lowest_recall"), Some(0.5));
        assert_eq!(
            e.metric("type.supported_macro_f1"),
            Some(t.supported.macro_f1)
        );
    }

    #[test]
    fn supported_figures_leave_out_thin_labels() {
        let score = |label: &str, recall: f64, f1: f64, support: u64| LabelScore {
            label: label.into(),
            precision: 1.0,
            recall,
            f1,
            support,
            predicted: support,
            tp: 0,
        };
        let labels = [
            score("big", 0.9, 0.8, 20),
            score("thin", 0.0, 0.0, 4),
            score("mid", 0.4, 0.6, 5),
        ];
        let s = Supported::of(&labels, 5);
        assert_eq!(s.labels, ["big", "mid"]);
        assert!((s.macro_f1 - 0.7).abs() < 1e-12);
        assert_eq!(s.lowest_recall.unwrap().label, "mid");
        // Past every label's support: nothing is counted.
        let none = Supported::of(&labels, 21);
        assert!(none.labels.is_empty() && none.lowest_recall.is_none());
        assert_eq!(none.macro_f1, 0.0);
        // 0 counts the labels present in the reference, as 1 does.
        assert_eq!(Supported::of(&labels, 0).labels.len(), 3);
    }

    #[test]
    fn negative_rules_are_right_when_the_label_is_absent() {
        let rb = crate::engine::from_str(
            "t",
            "[rulebook]\nname='t'\nversion='1'\n[[set]]\nid='type'\nmode='one'\nfallback='other'\n[[set.label]]\nid='fan'\n[[set.label.rule]]\nid='love'\nany=['love']\n[[set.label.rule]]\nid='but'\nweight=-1\nany=['but']\n",
        )
        .unwrap();
        let gold = vec![
            GoldPost {
                text: "love it but heavy".into(),
                labels: vec![Some(vec!["other".into()])],
                lang: None,
            },
            GoldPost {
                text: "love it but wow".into(),
                labels: vec![Some(vec!["fan".into()])],
                lang: None,
            },
            GoldPost {
                text: "but why".into(),
                labels: vec![Some(vec!["other".into()])],
                lang: None,
            },
        ];
        let e = evaluate(&rb, &gold, 0, 5);
        let but = e.rules.iter().find(|r| r.rule == "but").unwrap();
        assert_eq!((but.coverage, but.correct), (3, 2));
    }
}
