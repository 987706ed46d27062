//! Choosing the posts to label next: those whose label in a `one` set is
//! least certain (the two best scores closest, or no rule fired), or those
//! that come closest to one label without getting it, spread over the
//! labels given. Keeps at most N posts per label, whatever the number of
//! posts offered. Pure computation.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::engine::Rulebook;
use crate::output::labels::format_score;
use crate::rulebook::Mode;
use crate::Verdict;

/// How sure the rulebook is of a post's label in one set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uncertainty {
    /// The group the post goes in: the label given (an index into the
    /// set's labels), or `labels.len()` for a fallback that is no label.
    pub group: usize,
    /// The best score less the second best (0: a tie, or nothing fired).
    pub margin: f64,
    /// Whether a rule of the set fired.
    pub fired: bool,
}

/// The two best labels of a set by score (ties in file order), without
/// sorting or allocating: this runs on every post.
fn two_best(scores: &[f64]) -> (Option<usize>, Option<usize>) {
    let (mut first, mut second): (Option<usize>, Option<usize>) = (None, None);
    for (i, &x) in scores.iter().enumerate() {
        if first.map_or(true, |f| x > scores[f]) {
            second = first;
            first = Some(i);
        } else if second.map_or(true, |s| x > scores[s]) {
            second = Some(i);
        }
    }
    (first, second)
}

/// The group of a post in `set` (a `one` set): the label given, or
/// `labels.len()` for a fallback that is no label.
fn group_of(rulebook: &Rulebook, verdict: &Verdict, set: usize) -> usize {
    let s = &rulebook.sets[set];
    verdict.sets[set]
        .labels
        .first()
        .copied()
        .or(s.fallback_label)
        .unwrap_or(s.labels.len())
}

/// Measures how sure `verdict` is in `set` (a `one` set).
pub fn uncertainty(rulebook: &Rulebook, verdict: &Verdict, set: usize) -> Uncertainty {
    let sv = &verdict.sets[set];
    let group = group_of(rulebook, verdict, set);
    let fired = verdict.fired.iter().any(|&r| rulebook.rules[r].set == set);
    let (first, second) = two_best(&sv.scores);
    let score = |i: Option<usize>| i.map_or(0.0, |l| sv.scores[l]);
    let margin = if fired {
        score(first) - score(second)
    } else {
        0.0
    };
    Uncertainty {
        group,
        margin,
        fired,
    }
}

/// How close `verdict` comes to giving label `label` of set `of` without
/// giving it: `margin` is how much more it needed (in a `one` set, the
/// score of the label given or its own threshold, whichever is more; in a
/// `many` set, its threshold; less its score: 0 for a tie lost). The post
/// goes in the group of its label in `set` (a `one` set), as
/// [`uncertainty`] puts it. `None` when the post gets the label, or when
/// nothing (no rule, no lexicon weight) gives it a score above 0.
pub fn nearness(
    rulebook: &Rulebook,
    verdict: &Verdict,
    set: usize,
    (of, label): (usize, usize),
) -> Option<Uncertainty> {
    let t = &rulebook.sets[of];
    let tv = &verdict.sets[of];
    let score = tv.scores.get(label).copied().unwrap_or(0.0);
    if tv.labels.contains(&label) || score <= 0.0 {
        return None;
    }
    let needed = match t.mode {
        Mode::One => tv.labels.first().map_or(0.0, |&g| tv.scores[g]),
        Mode::Many => 0.0,
    }
    .max(t.thresholds[label]);
    Some(Uncertainty {
        group: group_of(rulebook, verdict, set),
        margin: (needed - score).max(0.0),
        fired: true,
    })
}

/// What the labeller sees of a post kept by [`nearness`]: the label given
/// in `set`, the label's score (named SET.LABEL when of another set) and
/// how far short of it it fell.
pub fn near_note(
    rulebook: &Rulebook,
    verdict: &Verdict,
    set: usize,
    (of, label): (usize, usize),
    u: &Uncertainty,
) -> String {
    let given = rulebook.label_of(verdict, set);
    let mut note = format!("predicted {}; ", if given.is_empty() { "-" } else { given });
    if of != set {
        note.push_str(&rulebook.sets[of].id);
        note.push('.');
    }
    note.push_str(&rulebook.sets[of].labels[label].id);
    note.push(' ');
    format_score(verdict.sets[of].scores[label], &mut note);
    note.push_str(", short by ");
    format_score(u.margin, &mut note);
    note
}

/// What the labeller sees of a post kept: the label given, the margin and
/// the two best scores.
pub fn note(rulebook: &Rulebook, verdict: &Verdict, set: usize, u: &Uncertainty) -> String {
    let s = &rulebook.sets[set];
    let sv = &verdict.sets[set];
    let given = rulebook.label_of(verdict, set);
    let mut note = format!("predicted {}; ", if given.is_empty() { "-" } else { given });
    if !u.fired {
        note.push_str("no rule fired");
        return note;
    }
    note.push_str("margin ");
    format_score(u.margin, &mut note);
    let (first, second) = two_best(&sv.scores);
    // Rules that fired may add up to nothing: zero scores are not shown.
    let shown = [first, second]
        .into_iter()
        .flatten()
        .filter(|&l| sv.scores[l] != 0.0);
    for (k, l) in shown.enumerate() {
        note.push_str(if k == 0 { "; " } else { ", " });
        note.push_str(&s.labels[l].id);
        note.push(' ');
        format_score(sv.scores[l], &mut note);
    }
    note
}

/// A post kept, with what it is kept for.
#[derive(Debug, Clone)]
pub struct Kept<T> {
    pub uncertainty: Uncertainty,
    /// A number drawn from the seed and the post's rank in the input, to
    /// order equally uncertain posts without favouring the first ones.
    draw: u64,
    seq: u64,
    pub post: T,
}

/// What orders kept posts: margin, whether a rule fired, draw, input rank.
type Key = (f64, bool, u64, u64);

/// Less is more uncertain: a smaller margin; at equal margins a tie of
/// fired rules before a post where nothing fired; then the draw.
fn rank(a: Key, b: Key) -> Ordering {
    a.0.total_cmp(&b.0)
        .then(b.1.cmp(&a.1))
        .then(a.2.cmp(&b.2))
        .then(a.3.cmp(&b.3))
}

impl<T> Kept<T> {
    fn key(&self) -> Key {
        (
            self.uncertainty.margin,
            self.uncertainty.fired,
            self.draw,
            self.seq,
        )
    }

    fn rank(&self, o: &Kept<T>) -> Ordering {
        rank(self.key(), o.key())
    }
}

impl<T> PartialEq for Kept<T> {
    fn eq(&self, o: &Kept<T>) -> bool {
        self.rank(o) == Ordering::Equal
    }
}
impl<T> Eq for Kept<T> {}
impl<T> PartialOrd for Kept<T> {
    fn partial_cmp(&self, o: &Kept<T>) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Kept<T> {
    /// The heap's top is the most certain post kept, the first to go.
    fn cmp(&self, o: &Kept<T>) -> Ordering {
        self.rank(o)
    }
}

/// The `n` most uncertain posts of each group offered, in one heap per
/// group that never holds more than `n`.
#[derive(Debug)]
pub struct UncertainPosts<T> {
    n: usize,
    seed: u64,
    seq: u64,
    groups: Vec<BinaryHeap<Kept<T>>>,
}

/// SplitMix64: a fixed, well-mixed hash of the seed and a post's rank.
fn draw(seed: u64, seq: u64) -> u64 {
    let mut z = seed ^ seq.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl<T> UncertainPosts<T> {
    /// Keeps `n` posts per group, for `groups` groups (a set's labels, and
    /// one more for a fallback that is no label).
    pub fn new(n: usize, groups: usize, seed: u64) -> UncertainPosts<T> {
        UncertainPosts {
            n,
            seed,
            seq: 0,
            groups: (0..groups).map(|_| BinaryHeap::new()).collect(),
        }
    }

    /// Offers the next post of the input; `make` builds what is kept of it,
    /// and is called only when it is kept.
    pub fn offer(&mut self, uncertainty: Uncertainty, make: impl FnOnce() -> T) {
        self.seq += 1;
        if self.n == 0 {
            return;
        }
        let heap = &mut self.groups[uncertainty.group];
        let d = draw(self.seed, self.seq);
        let key = (uncertainty.margin, uncertainty.fired, d, self.seq);
        if heap.len() == self.n {
            let top = heap.peek().expect("a full heap has a top");
            if rank(key, top.key()) != Ordering::Less {
                return;
            }
            heap.pop();
        }
        heap.push(Kept {
            uncertainty,
            draw: d,
            seq: self.seq,
            post: make(),
        });
    }

    /// The `n` posts to label: one of each group in turn (groups in label
    /// order), the most uncertain first within each.
    pub fn finish(self) -> Vec<Kept<T>> {
        let n = self.n;
        let mut queues: Vec<std::vec::IntoIter<Kept<T>>> = self
            .groups
            .into_iter()
            .map(|h| h.into_sorted_vec().into_iter())
            .collect();
        let mut out = Vec::with_capacity(n.min(1 << 16));
        while out.len() < n {
            let before = out.len();
            for q in &mut queues {
                if out.len() == n {
                    break;
                }
                out.extend(q.next());
            }
            if out.len() == before {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rb() -> Rulebook {
        crate::engine::from_str(
            "t",
            "[rulebook]\nname='t'\nversion='1'\n[[set]]\nid='s'\nmode='one'\nfallback='other'\n[[set.label]]\nid='hot'\n[[set.label.rule]]\nid='h'\nany=['hot']\n[[set.label.rule]]\nid='h2'\nany=['very']\n[[set.label]]\nid='cold'\n[[set.label.rule]]\nid='c'\nany=['cold']\n[[set.label]]\nid='other'\n",
        )
        .unwrap()
    }

    #[test]
    fn margins_are_the_gap_between_the_two_best_scores() {
        let r = rb();
        let v = r.classify("very hot and cold");
        let u = uncertainty(&r, &v, 0);
        assert_eq!((u.group, u.margin, u.fired), (0, 1.0, true));
        assert_eq!(
            note(&r, &v, 0, &u),
            "predicted hot; margin 1; hot 2, cold 1"
        );
        let tie = uncertainty(&r, &r.classify("hot and cold"), 0);
        assert_eq!((tie.margin, tie.fired), (0.0, true));
        let v = r.classify("nothing here");
        let none = uncertainty(&r, &v, 0);
        assert_eq!((none.group, none.margin, none.fired), (2, 0.0, false));
        assert_eq!(note(&r, &v, 0, &none), "predicted other; no rule fired");
    }

    #[test]
    fn nearness_is_how_far_a_label_fell_short_and_none_when_given_or_unscored() {
        let r = rb();
        // cold 1 against hot 2: one short.
        let v = r.classify("very hot and cold");
        let u = nearness(&r, &v, 0, (0, 1)).unwrap();
        assert_eq!((u.group, u.margin, u.fired), (0, 1.0, true));
        assert_eq!(
            near_note(&r, &v, 0, (0, 1), &u),
            "predicted hot; cold 1, short by 1"
        );
        // A tie lost on the tie-break: short by nothing.
        let v = r.classify("hot and cold");
        assert_eq!(nearness(&r, &v, 0, (0, 1)).map(|u| u.margin), Some(0.0));
        // Given the label, or no score for it: not near, whatever else.
        assert_eq!(nearness(&r, &r.classify("cold"), 0, (0, 1)), None);
        assert_eq!(nearness(&r, &r.classify("very hot"), 0, (0, 1)), None);
        assert_eq!(nearness(&r, &r.classify("nothing"), 0, (0, 1)), None);
    }

    #[test]
    fn nearness_counts_a_threshold_the_label_did_not_reach() {
        let r = crate::engine::from_str(
            "t",
            "[rulebook]\nname='t'\nversion='1'\n[[set]]\nid='s'\nmode='one'\nfallback='other'\nthreshold=2.0\n[[set.label]]\nid='hot'\n[[set.label.rule]]\nid='h'\nany=['hot']\n[[set.label.rule]]\nid='h2'\nany=['very']\n[[set.label]]\nid='other'\n",
        )
        .unwrap();
        let v = r.classify("hot");
        let u = nearness(&r, &v, 0, (0, 0)).unwrap();
        // The fallback given (the label `other`), hot 1 of the 2 it needs.
        assert_eq!((u.group, u.margin), (1, 1.0));
        assert_eq!(
            near_note(&r, &v, 0, (0, 0), &u),
            "predicted other; hot 1, short by 1"
        );
    }

    #[test]
    fn keeps_the_most_uncertain_per_group_and_takes_them_in_turn() {
        let r = rb();
        let posts = [
            "very hot",          // hot, margin 2
            "hot and cold",      // tie: hot, margin 0
            "very hot and cold", // hot, margin 1
            "cold",              // cold, margin 1
            "nothing",           // other, nothing fired
            "hot",               // hot, margin 1
        ];
        let mut keep = UncertainPosts::new(4, 3, 0);
        for p in posts {
            keep.offer(uncertainty(&r, &r.classify(p), 0), || p);
        }
        let got: Vec<&str> = keep.finish().into_iter().map(|k| k.post).collect();
        assert_eq!(got.len(), 4);
        // One of each label in turn, the tie first among the hot ones.
        assert_eq!(&got[..3], &["hot and cold", "cold", "nothing"]);
        assert!(["very hot and cold", "hot"].contains(&got[3]));
    }

    #[test]
    fn never_holds_more_than_n_posts_per_label() {
        let r = rb();
        let mut keep = UncertainPosts::new(2, 3, 0);
        for i in 0..1000 {
            let text = ["hot", "cold", "none", "hot cold"][i % 4];
            keep.offer(uncertainty(&r, &r.classify(text), 0), || i);
            assert!(keep.groups.iter().all(|h| h.len() <= 2));
        }
        let got: Vec<usize> = keep.finish().into_iter().map(|k| k.post).collect();
        assert_eq!(got.len(), 2);
        // The ties (`hot cold`, offered at i % 4 == 3) are the hot posts kept.
        assert_eq!(got[0] % 4, 3);
    }

    #[test]
    fn the_seed_orders_equally_uncertain_posts_and_is_deterministic() {
        let r = rb();
        let pick = |seed| {
            let mut keep = UncertainPosts::new(3, 3, seed);
            for i in 0..50 {
                let text = format!("nothing {i}");
                keep.offer(uncertainty(&r, &r.classify(&text), 0), || text.clone());
            }
            keep.finish()
                .into_iter()
                .map(|k| k.post)
                .collect::<Vec<_>>()
        };
        assert_eq!(pick(1), pick(1));
        assert_ne!(pick(1), pick(2));
    }
}
