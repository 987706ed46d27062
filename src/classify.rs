//! Classifying one post: which rules fire, each label's score, and the
//! decision per label set. Pure functions over a compiled [`Rulebook`].

use crate::normalize::is_word_char;
use crate::rulebook::ascii;
use crate::rulebook::compile::{Checks, Conditions, Matcher, Near, Needs, RegexCaches, Regexes};
use crate::rulebook::{Mode, Rulebook};
use crate::signals::{
    caps_counts, caps_upper_bound, count_distinct_sigils, count_sigils, longest_runs, Signals,
};

/// Scores within this distance are equal, so that weights like 0.1 + 0.2
/// tie with 0.3.
pub(crate) const SCORE_EPSILON: f64 = 1e-9;

/// One phrase found in the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Pattern index in the rulebook's automaton.
    pub pattern: u32,
    /// Byte range in the normalised text.
    pub start: usize,
    pub end: usize,
}

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
    scored: Vec<usize>,
}

/// Everything decided about one post.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    /// Indices of the rules that fired, ascending.
    pub fired: Vec<usize>,
    /// One entry per label set, in rulebook order.
    pub sets: Vec<SetVerdict>,
}

/// Buffers reused from one post to the next, so classifying allocates
/// nothing per post once warmed up. One per thread.
#[derive(Debug, Default)]
pub struct Scratch {
    pub normalized: String,
    pub hits: Vec<Hit>,
    /// The patterns found in the current post.
    present: Present,
    /// One bit per rule: made a candidate for the current post (listed in
    /// rule order from the set bits, with no sort).
    candidate: Vec<u64>,
    /// The current post number, for the regex cache's stamps; 0 is never
    /// used, so zeroed stamps are stale.
    post: u32,
    candidates: Vec<u32>,
    regexes: RegexCache,
    words: WordStarts,
    /// (set, label) of the fired rules, without repeats, in file order.
    touched: Vec<(usize, usize)>,
    pub(crate) signals: Signals,
}

impl Scratch {
    /// Starts a new post: nothing found in earlier posts is present, and
    /// their stamps become stale.
    fn next_post(&mut self, patterns: usize, rules: usize) {
        self.present.reset(patterns);
        self.candidate.clear();
        self.candidate.resize(rules.div_ceil(64), 0);
        if self.post == u32::MAX {
            self.post = 0;
        }
        self.post += 1;
    }

    #[inline]
    fn is_candidate(&self, rule: u32) -> bool {
        self.candidate[rule as usize / 64] & (1 << (rule % 64)) != 0
    }

    #[inline]
    fn make_candidate(&mut self, rule: u32) {
        self.candidate[rule as usize / 64] |= 1 << (rule % 64);
    }

    #[inline]
    fn is_present(&self, pattern: u32) -> bool {
        self.present.contains(pattern)
    }
}

/// A set of patterns, one bit each: a few KiB even for a rulebook of tens
/// of thousands of phrases, so rule checks read it from the nearest cache.
#[derive(Debug, Default)]
struct Present {
    bits: Vec<u64>,
    /// The words of `bits` with a bit set: all a reset has to clear.
    words: Vec<u32>,
}

impl Present {
    /// Empties the set, for patterns `0..patterns`.
    fn reset(&mut self, patterns: usize) {
        for &w in &self.words {
            self.bits[w as usize] = 0;
        }
        self.words.clear();
        self.bits.resize(patterns.div_ceil(64), 0);
    }

    #[inline]
    fn insert(&mut self, pattern: u32) {
        let w = &mut self.bits[pattern as usize / 64];
        if *w == 0 {
            self.words.push(pattern / 64);
        }
        *w |= 1 << (pattern % 64);
    }

    #[inline]
    fn contains(&self, pattern: u32) -> bool {
        self.bits[pattern as usize / 64] & (1 << (pattern % 64)) != 0
    }
}

/// The end of a list in [`LiteralStarts`].
const NO_START: u32 = u32::MAX;

/// Where the literals of each regex start in the current post: one list per
/// regex, linked through one buffer.
#[derive(Debug, Default)]
struct LiteralStarts {
    /// Per regex: its latest entry in `hits`, once it has one this post.
    last: Vec<u32>,
    /// (start, index of the same regex's previous entry or `NO_START`).
    hits: Vec<(usize, u32)>,
}

impl LiteralStarts {
    /// Adds `start` to regex `r`'s list; `first` starts the list afresh.
    fn push(&mut self, r: usize, start: usize, first: bool) {
        let previous = if first { NO_START } else { self.last[r] };
        self.last[r] = self.hits.len() as u32;
        self.hits.push((start, previous));
    }

    /// Regex `r`'s starts, latest first. Only for a regex with a start in
    /// the current post.
    fn of(&self, r: usize) -> impl Iterator<Item = usize> + '_ {
        let mut at = self.last[r];
        std::iter::from_fn(move || {
            let &(start, previous) = self.hits.get(at as usize)?;
            at = previous;
            Some(start)
        })
    }
}

/// Which regexes match the current post, each run on first need.
#[derive(Debug, Default)]
struct RegexCache {
    /// Per regex: the post number it was last run on.
    run: Vec<u32>,
    matched: Vec<bool>,
    /// Per regex: the post number one of its literals was last found in.
    possible: Vec<u32>,
    /// Per regex: the post number one of its gate literals was last found in.
    gate: Vec<u32>,
    /// The regexes one of whose literals is in the current post.
    found: Vec<u32>,
    /// Where the literals of each regex start in the current post.
    starts: LiteralStarts,
    /// Whether the current post has non-ASCII word characters, once known.
    unicode_words: Option<bool>,
    post: u32,
    /// Per regex: its search caches, for the rulebook `rulebook`.
    caches: Vec<RegexCaches>,
    rulebook: Option<u64>,
}

impl RegexCache {
    fn next_post(&mut self, m: &Matcher, post: u32) {
        let regexes = m.regexes.len();
        if self.rulebook != Some(m.id) {
            // Search caches belong to the regexes that made them.
            self.rulebook = Some(m.id);
            self.caches.clear();
            self.caches.resize_with(regexes, RegexCaches::default);
            self.run.clear();
        }
        if self.run.len() != regexes || post <= self.post {
            // Another rulebook, or post numbers started again.
            self.run.clear();
            self.run.resize(regexes, 0);
            self.matched.clear();
            self.matched.resize(regexes, false);
            self.possible.clear();
            self.possible.resize(regexes, 0);
            self.gate.clear();
            self.gate.resize(regexes, 0);
            self.starts.last.clear();
            self.starts.last.resize(regexes, NO_START);
        }
        self.post = post;
        self.unicode_words = None;
        self.found.clear();
        self.starts.hits.clear();
    }

    /// Notes that a literal of each regex in `regexes` starts at `start`.
    fn literal_found(&mut self, start: usize, regexes: &[u32]) {
        for &r in regexes {
            let r = r as usize;
            let first = self.possible[r] != self.post;
            if first {
                self.possible[r] = self.post;
                self.found.push(r as u32);
            }
            self.starts.push(r, start, first);
        }
    }

    /// Notes that a gate literal of each regex in `regexes` is in the post.
    fn gate_found(&mut self, regexes: &[u32]) {
        for &r in regexes {
            self.gate[r as usize] = self.post;
        }
    }

    fn is_match(&mut self, m: &Matcher, i: u32, text: &str) -> bool {
        let i = i as usize;
        if self.run[i] != self.post {
            self.run[i] = self.post;
            match &m.regexes {
                Regexes::Each(_) if m.regex_prefilter.as_ref().is_some_and(|p| p.exact[i]) => {
                    self.matched[i] = self.possible[i] == self.post;
                }
                Regexes::Each(each) => {
                    self.matched[i] = self.may_match(m, i) && {
                        let unicode_words = *self
                            .unicode_words
                            .get_or_insert_with(|| ascii::needs_unicode(text));
                        match &m.regex_prefilter {
                            // Tried only where one of its literals starts.
                            // (`may_match` held: it has literals here.)
                            Some(pre) if pre.anchored[i] => {
                                let starts = self.starts.of(i);
                                each[i].is_match_at(
                                    text,
                                    starts,
                                    unicode_words,
                                    &mut self.caches[i],
                                )
                            }
                            _ => each[i].is_match(text, unicode_words, &mut self.caches[i]),
                        }
                    };
                }
                Regexes::Set(set) => {
                    // The whole set runs at once: every regex is known.
                    self.run.iter_mut().for_each(|r| *r = self.post);
                    self.matched.iter_mut().for_each(|x| *x = false);
                    for hit in set.matches(text).into_iter() {
                        self.matched[hit] = true;
                    }
                }
            }
        }
        self.matched[i]
    }

    /// False when the post lacks every literal one of which each match of
    /// regex `i` contains, or every gate literal (the phrase search looked
    /// for them).
    fn may_match(&self, m: &Matcher, i: usize) -> bool {
        match &m.regex_prefilter {
            Some(pre) if pre.filtered[i] => {
                self.possible[i] == self.post && (!pre.gated[i] || self.gate[i] == self.post)
            }
            _ => true,
        }
    }
}

/// Where each word of the normalised text starts, found on first need.
#[derive(Debug, Default)]
struct WordStarts {
    starts: Vec<usize>,
    /// Whether `starts` is for the current post.
    ready: bool,
}

impl WordStarts {
    fn of(&mut self, text: &str) -> &[usize] {
        if !self.ready {
            self.ready = true;
            self.starts.clear();
            let mut prev_word = false;
            for (i, c) in text.char_indices() {
                let w = is_word_char(c);
                if w && !prev_word {
                    self.starts.push(i);
                }
                prev_word = w;
            }
        }
        &self.starts
    }
}

/// What a rule check computes only when a rule asks: regex matches and
/// word positions. Kept apart from the [`Scratch`] the check reads.
struct Later<'a> {
    m: &'a Matcher,
    regexes: RegexCache,
    words: WordStarts,
}

impl Rulebook {
    /// Classifies `text`, allocating fresh buffers. For many posts, prefer
    /// [`Rulebook::classify_into`].
    pub fn classify(&self, text: &str) -> Verdict {
        let mut scratch = Scratch::default();
        let mut verdict = Verdict::default();
        self.classify_into(text, &mut scratch, &mut verdict);
        verdict
    }

    /// Classifies `text` into `verdict`, reusing `scratch` and `verdict`'s
    /// buffers. After the call, `scratch.normalized` holds the normalised text
    /// and `scratch.hits` every phrase found in it.
    pub fn classify_into(&self, text: &str, scratch: &mut Scratch, verdict: &mut Verdict) {
        let m = &self.matcher;
        self.normalizer
            .normalize_into(text, &mut scratch.normalized);
        scratch.next_post(m.patterns.len(), self.rules.len());
        scratch.regexes.next_post(m, scratch.post);
        self.find_phrases(scratch);
        let needs = self.gather_candidates(scratch);
        self.compute(text, needs, scratch);
        // Only candidates can fire; every other rule lacks a phrase it needs.
        verdict.fired.clear();
        let mut later = Later {
            m,
            regexes: std::mem::take(&mut scratch.regexes),
            words: std::mem::take(&mut scratch.words),
        };
        later.words.ready = false;
        for &r in &scratch.candidates {
            let r = r as usize;
            if m.on_trigger[r] || fires(&self.rules[r].cond, m.checks[r], scratch, &mut later) {
                verdict.fired.push(r);
            }
        }
        scratch.regexes = later.regexes;
        scratch.words = later.words;
        self.decide(verdict, scratch);
    }

    /// Finds every phrase in the normalised text, keeping hits whose word
    /// boundaries hold, and the literals of the regexes.
    fn find_phrases(&self, s: &mut Scratch) {
        let m = &self.matcher;
        s.hits.clear();
        let Some(ac) = &m.automaton else {
            return;
        };
        let text = s.normalized.as_str();
        let bytes = text.as_bytes();
        let literals = m.regex_prefilter.as_ref();
        for hit in ac.find_overlapping_iter(text) {
            let Some(p) = m.phrase_hits.get(hit.pattern().as_usize()) else {
                if let Some(pre) = literals {
                    let j = hit.pattern().as_usize() - m.patterns.len();
                    s.regexes
                        .literal_found(hit.start(), &pre.literal_regexes[j]);
                    s.regexes.gate_found(&pre.literal_gates[j]);
                }
                continue;
            };
            // ASCII neighbours are decided from the byte alone.
            if p.left_boundary && hit.start() > 0 {
                let b = bytes[hit.start() - 1];
                let word = if b.is_ascii() {
                    b.is_ascii_alphanumeric() || b == b'_'
                } else {
                    text[..hit.start()]
                        .chars()
                        .next_back()
                        .is_some_and(is_word_char)
                };
                if word {
                    continue;
                }
            }
            if p.right_boundary && hit.end() < bytes.len() {
                let b = bytes[hit.end()];
                let word = if b.is_ascii() {
                    b.is_ascii_alphanumeric() || b == b'_'
                } else {
                    text[hit.end()..].chars().next().is_some_and(is_word_char)
                };
                if word {
                    continue;
                }
            }
            s.present.insert(hit.pattern().as_u32());
            s.hits.push(Hit {
                pattern: hit.pattern().as_u32(),
                start: hit.start(),
                end: hit.end(),
            });
        }
    }

    /// Collects the rules worth checking, ascending, and what they need.
    fn gather_candidates(&self, s: &mut Scratch) -> Needs {
        let m = &self.matcher;
        for i in 0..s.hits.len() {
            let p = s.hits[i].pattern as usize;
            for &r in &m.triggered[m.phrase_hits[p].rules()] {
                s.make_candidate(r);
            }
        }
        for &r in &m.always {
            s.make_candidate(r);
        }
        // Rules made of regexes alone are candidates when a regex matches:
        // the regexes tried are those whose literals are in the post, and
        // those without literals.
        let mut cache = std::mem::take(&mut s.regexes);
        let found = std::mem::take(&mut cache.found);
        for &i in found.iter().chain(&m.unfiltered_triggers) {
            let rules = &m.regex_rules[i as usize];
            if rules.iter().all(|&r| s.is_candidate(r)) || !cache.is_match(m, i, &s.normalized) {
                continue;
            }
            for &r in rules {
                s.make_candidate(r);
            }
        }
        cache.found = found;
        s.regexes = cache;
        // The set bits, in rule order.
        s.candidates.clear();
        let mut needs = Needs::default();
        for (w, &bits) in s.candidate.iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                let r = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                s.candidates.push(r as u32);
                needs = needs.union(m.needs[r]);
            }
        }
        needs
    }

    /// Computes what the candidate rules need beyond the phrases.
    fn compute(&self, raw: &str, needs: Needs, s: &mut Scratch) {
        s.signals = Signals::default();
        if needs.mention_count {
            s.signals.mentions = count_distinct_sigils(raw, '@');
        }
        if needs.hashtag_count {
            s.signals.hashtags = count_sigils(raw, '#');
        }
        // A post with fewer possible capitals than any caps rule needs is
        // left at zero letters, which fails them all (each needs letters:
        // its floor is above zero, else no post is left out).
        if needs.caps && caps_upper_bound(raw) as f64 >= self.matcher.caps_floor {
            let (letters, upper) = caps_counts(raw);
            s.signals.letters = letters;
            s.signals.upper = upper;
        }
        if needs.runs {
            let (exclaim, question) = longest_runs(raw);
            s.signals.exclaim_run = exclaim;
            s.signals.question_run = question;
        }
    }

    fn decide(&self, verdict: &mut Verdict, s: &mut Scratch) {
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
        let mut touched = s.touched.as_slice();
        for (si, (set, sv)) in self.sets.iter().zip(verdict.sets.iter_mut()).enumerate() {
            let n = touched.iter().take_while(|(ts, _)| *ts == si).count();
            let (mine, rest) = touched.split_at(n);
            touched = rest;
            let qualifying = mine
                .iter()
                .map(|&(_, li)| li)
                .filter(|&li| sv.scores[li] + SCORE_EPSILON >= set.thresholds[li]);
            match set.mode {
                Mode::Many => sv.labels.extend(qualifying),
                Mode::One => {
                    let mut best: Option<usize> = None;
                    for li in qualifying {
                        let score = sv.scores[li];
                        match best {
                            None => best = Some(li),
                            Some(b) => {
                                let bs = sv.scores[b];
                                if score > bs + SCORE_EPSILON {
                                    best = Some(li);
                                    sv.tied.clear();
                                } else if (score - bs).abs() <= SCORE_EPSILON {
                                    if sv.tied.is_empty() {
                                        sv.tied.push(b);
                                    }
                                    sv.tied.push(li);
                                    if set.tie_rank[li] < set.tie_rank[b] {
                                        best = Some(li);
                                    }
                                }
                            }
                        }
                    }
                    match best {
                        Some(b) => sv.labels.push(b),
                        None => sv.fallback = true,
                    }
                }
            }
        }
    }

    /// The label id a set gave, or its fallback (empty when it has none).
    pub fn label_of<'a>(&'a self, verdict: &Verdict, set: usize) -> &'a str {
        let s = &self.sets[set];
        match verdict.sets[set].labels.first() {
            Some(&li) => &s.labels[li].id,
            None => s.fallback.as_deref().unwrap_or(""),
        }
    }
}

/// Whether every condition of a candidate rule holds; `checks` says which
/// it has.
fn fires(c: &Conditions, checks: Checks, s: &Scratch, later: &mut Later) -> bool {
    let present = |p: &u32| s.is_present(*p);
    if checks.has(Checks::ANY) && !c.any.iter().any(present) {
        return false;
    }
    if checks.has(Checks::ALL) && !c.all.iter().all(present) {
        return false;
    }
    if checks.has(Checks::NONE) && c.none.iter().any(present) {
        return false;
    }
    if checks.has(Checks::HASHTAGS) && !c.hashtags.iter().any(present) {
        return false;
    }
    if checks.has(Checks::MENTIONS) && !c.mentions.iter().any(present) {
        return false;
    }
    if checks.has(Checks::EMOJI) && !c.emoji.iter().any(present) {
        return false;
    }
    if checks.has(Checks::REGEX)
        && !c
            .regex
            .iter()
            .any(|&r| later.regexes.is_match(later.m, r, &s.normalized))
    {
        return false;
    }
    if checks.has(Checks::SIGNALS) && !signals_hold(c, &s.signals) {
        return false;
    }
    if let (true, Some(near)) = (checks.has(Checks::NEAR), &c.near) {
        if !near_holds(near, s, later) {
            return false;
        }
    }
    true
}

fn signals_hold(c: &Conditions, sig: &Signals) -> bool {
    if c.min_mentions.is_some_and(|n| sig.mentions < n) {
        return false;
    }
    if c.min_hashtags.is_some_and(|n| sig.hashtags < n) {
        return false;
    }
    if let Some((ratio, min_letters)) = c.caps {
        if sig.letters < min_letters || (sig.upper as f64) < ratio * sig.letters as f64 {
            return false;
        }
    }
    if c.exclaim.is_some_and(|n| sig.exclaim_run < n) {
        return false;
    }
    if c.question.is_some_and(|n| sig.question_run < n) {
        return false;
    }
    true
}

fn near_holds(near: &Near, s: &Scratch, later: &mut Later) -> bool {
    let (left, right) = (near.left.as_slice(), near.right.as_slice());
    if !left.iter().any(|p| s.is_present(*p)) || !right.iter().any(|p| s.is_present(*p)) {
        return false;
    }
    let starts = later.words.of(&s.normalized);
    spans(s, starts, left).any(|(l0, l1)| {
        spans(s, starts, right).any(|(r0, r1)| {
            // How many words after the end of the first phrase (whichever
            // comes first) the other one starts: 1 when they are next to
            // each other, so `within = n` allows n - 1 words between them.
            let gap = r0.saturating_sub(l1).max(l0.saturating_sub(r1));
            gap <= near.within as usize
        })
    })
}

/// The first and last word index of every hit of the `side` patterns.
fn spans<'a>(
    s: &'a Scratch,
    starts: &'a [usize],
    side: &'a [u32],
) -> impl Iterator<Item = (usize, usize)> + 'a {
    // Word index of the word holding byte `at`.
    let word_at = |at: usize| starts.partition_point(|&w| w <= at).saturating_sub(1);
    s.hits
        .iter()
        .filter(move |h| side.contains(&h.pattern))
        .map(move |h| {
            (
                word_at(h.start),
                word_at(h.end.saturating_sub(1).max(h.start)),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rulebook;

    fn book(rules: &str) -> Rulebook {
        let text = format!(
            "[rulebook]\nname = \"t\"\nversion = \"1\"\n\n[[set]]\nid = \"type\"\nmode = \"one\"\nthreshold = 1\nfallback = \"none_of_them\"\n{rules}"
        );
        match rulebook::from_str("t.toml", &text) {
            Ok(r) => r,
            Err(report) => panic!("{report}"),
        }
    }

    fn label(r: &Rulebook, text: &str) -> String {
        r.label_of(&r.classify(text), 0).to_string()
    }

    fn one_rule(matcher: &str) -> Rulebook {
        book(&format!(
            "[[set.label]]\nid = \"x\"\n[[set.label.rule]]\nid = \"r\"\n{matcher}\n"
        ))
    }

    #[test]
    fn any_matches_whole_words_on_normalised_text() {
        let r = one_rule(r#"any = ["déçu", "fed up"]"#);
        assert_eq!(label(&r, "Très DECU"), "x");
        assert_eq!(label(&r, "I am FED   UP!"), "x");
        assert_eq!(label(&r, "decus"), "none_of_them");
        assert_eq!(label(&r, "unfed up"), "none_of_them");
    }

    #[test]
    fn trailing_star_is_a_prefix() {
        let r = one_rule(r#"any = ["rembours*"]"#);
        assert_eq!(label(&r, "je veux un remboursement"), "x");
        assert_eq!(label(&r, "non rembourse"), "x");
        assert_eq!(label(&r, "prembourse"), "none_of_them");
    }

    #[test]
    fn all_needs_every_phrase() {
        let r = one_rule(r#"all = ["love", "but"]"#);
        assert_eq!(label(&r, "I love it but it's heavy"), "x");
        assert_eq!(label(&r, "I love it"), "none_of_them");
    }

    #[test]
    fn none_excludes() {
        let r = one_rule("any = [\"love\"]\nnone = [\"don't\"]");
        assert_eq!(label(&r, "I love it"), "x");
        assert_eq!(label(&r, "I don’t love it"), "none_of_them");
    }

    #[test]
    fn regex_runs_on_normalised_text() {
        let r = one_rule(r#"regex = ['\b\d+(e|eme) fois\b']"#);
        assert_eq!(label(&r, "C'est la 2ème fois"), "x");
        assert_eq!(label(&r, "une fois"), "none_of_them");
    }

    #[test]
    fn regexes_with_and_without_required_literals() {
        let r = one_rule(r#"regex = ['\b(switch|buy)\b[^?.!]*\?', '(^|\s)#[a-z]', '^\.@']"#);
        assert_eq!(label(&r, "Should I BUY the red one ?"), "x");
        assert_eq!(label(&r, "should I buy the red one."), "none_of_them");
        assert_eq!(label(&r, "nothing to see"), "none_of_them");
        assert_eq!(label(&r, "so #tired"), "x");
        assert_eq!(label(&r, ".@delta hi"), "x");
        assert_eq!(label(&r, "hi .@delta"), "none_of_them");
    }

    /// A regex whose rarest required part is a class of digits runs on the
    /// posts with a digit of any script, or one of the words beside it.
    #[test]
    fn regexes_filtered_on_digits_find_every_script() {
        let r = one_rule(r#"regex = ['\b(\d+|two)\s*(h|hours?)\b']"#);
        assert_eq!(label(&r, "waited 3h already"), "x");
        assert_eq!(label(&r, "waited ٣ hours"), "x");
        assert_eq!(label(&r, "two hours!"), "x");
        assert_eq!(label(&r, "hours and hours, h"), "none_of_them");
        assert_eq!(label(&r, "h2 and 12ah"), "none_of_them");
    }

    /// A regex whose literals start every match is tried at each place one
    /// of them starts, with the text before it seen by `\b`.
    #[test]
    fn regexes_are_tried_where_their_literals_start() {
        let r = one_rule(r#"regex = ['\b(foo|bar)\w* (again|\d+)\b']"#);
        let pre = r.matcher.regex_prefilter.as_ref().unwrap();
        assert!(pre.anchored[0]);
        assert_eq!(label(&r, "foo again"), "x");
        assert_eq!(label(&r, "xfoo again"), "none_of_them");
        assert_eq!(label(&r, "xfoo again, barre 12"), "x");
        assert_eq!(label(&r, "foo, then bar 3x and foobar 7"), "x");
        assert_eq!(label(&r, "foo bar foo bar"), "none_of_them");
        assert_eq!(label(&r, "été foo 2"), "x");
        assert_eq!(label(&r, "étéfoo 2"), "none_of_them");
        // A digit outside ASCII: the regex's Unicode form runs, anchored too.
        assert_eq!(label(&r, "foo ٣"), "x");
    }

    /// A regex whose rarest literals are not those its matches start with
    /// runs only on posts with both, tried where the starting ones start.
    #[test]
    fn gated_regexes_need_both_literal_sets() {
        let r = one_rule(r#"regex = ['\b(love|like|fun)\b.{0,12}\b(however|except)\b']"#);
        let pre = r.matcher.regex_prefilter.as_ref().unwrap();
        assert!(pre.anchored[0] && pre.gated[0]);
        assert_eq!(label(&r, "love it however"), "x");
        assert_eq!(label(&r, "i like it, except"), "x");
        assert_eq!(label(&r, "love it, really"), "none_of_them");
        assert_eq!(label(&r, "however i do"), "none_of_them");
        // The gate is found, but too far from the start, or before it.
        assert_eq!(label(&r, "love it a lot, truly, however"), "none_of_them");
        assert_eq!(label(&r, "however love it"), "none_of_them");
        // Several starts: the second one is close enough.
        assert_eq!(label(&r, "love it a lot, i like it except"), "x");
        assert_eq!(label(&r, "glove it however"), "none_of_them");
        assert_eq!(label(&r, "été fun é however"), "x");
    }

    #[test]
    fn very_many_regexes_run_as_one_set() {
        let rules: String = (0..=crate::rulebook::compile::MAX_SEPARATE_REGEXES)
            .map(|i| format!("[[set.label.rule]]\nid = \"r{i}\"\nregex = ['\\bw{i}x\\b']\n"))
            .collect();
        let r = book(&format!("[[set.label]]\nid = \"x\"\n{rules}"));
        assert!(matches!(r.matcher.regexes, Regexes::Set(_)));
        let v = r.classify("a w7x and w299x, not w99999x");
        assert_eq!(v.fired, vec![7, 299]);
        let last = crate::rulebook::compile::MAX_SEPARATE_REGEXES;
        assert_eq!(r.classify(&format!("w{last}x")).fired, vec![last]);
        assert_eq!(label(&r, "nothing"), "none_of_them");
    }

    #[test]
    fn hashtags_match_whole_tags() {
        let r = one_rule(r##"hashtags = ["#fail", "VDM"]"##);
        assert_eq!(label(&r, "encore un #FAIL"), "x");
        assert_eq!(label(&r, "#vdm"), "x");
        assert_eq!(label(&r, "#failure"), "none_of_them");
        assert_eq!(label(&r, "page#fail"), "none_of_them");
        assert_eq!(label(&r, "fail"), "none_of_them");
    }

    #[test]
    fn mentions_by_handle_and_by_count() {
        let r = one_rule(r#"mentions = ["@Delta"]"#);
        assert_eq!(label(&r, "hey @delta"), "x");
        assert_eq!(label(&r, "hey @deltaNews"), "none_of_them");
        assert_eq!(label(&r, "write to a@delta.com"), "none_of_them");
        let r = one_rule("min_mentions = 2");
        assert_eq!(label(&r, "@united or @Delta?"), "x");
        assert_eq!(label(&r, "@united @UNITED"), "none_of_them");
        assert_eq!(label(&r, "mail me at a@b.c @united"), "none_of_them");
    }

    #[test]
    fn emoji_match_anywhere() {
        let r = one_rule(r#"emoji = ["😡", "❤️"]"#);
        assert_eq!(label(&r, "so mad😡"), "x");
        assert_eq!(label(&r, "love it ❤"), "x");
        assert_eq!(label(&r, "ok 🙂"), "none_of_them");
    }

    #[test]
    fn near_counts_words_between() {
        let r = one_rule(
            "near = { left = [\"flight\"], right = [\"cancelled\", \"annule\"], within = 2 }",
        );
        assert_eq!(label(&r, "flight was cancelled"), "x");
        assert_eq!(label(&r, "cancelled my flight"), "x");
        assert_eq!(label(&r, "flight to NYC was cancelled"), "none_of_them");
        assert_eq!(label(&r, "vol annulé, flight"), "x");
    }

    #[test]
    fn near_looks_at_every_hit_of_its_phrases() {
        let r = one_rule(
            "near = { left = [\"flight\"], right = [\"cancelled\", \"delayed\"], within = 1 }",
        );
        // The pair that qualifies may use any hit of a phrase, the first
        // one or a later one, on either side.
        assert_eq!(label(&r, "flight a b c flight cancelled"), "x");
        assert_eq!(label(&r, "flight cancelled a b c flight"), "x");
        assert_eq!(label(&r, "cancelled flight a b c cancelled"), "x");
        assert_eq!(label(&r, "delayed a b flight cancelled x y delayed"), "x");
        assert_eq!(
            label(&r, "flight a cancelled b flight c delayed"),
            "none_of_them"
        );
    }

    /// Word positions are found again for every post that needs them: a
    /// post without a `near` candidate in between does not leave the next
    /// one reading stale positions.
    #[test]
    fn near_reads_the_positions_of_its_own_post() {
        let r = one_rule("near = { left = [\"flight\"], right = [\"cancelled\"], within = 1 }");
        let (mut scratch, mut verdict) = (Scratch::default(), Verdict::default());
        let posts = [
            ("supercalifragilisticexpialidocious flight cancelled", true),
            ("nothing to see here", false),
            ("flight a b cancelled", false),
            ("a b c d e f g flight cancelled", true),
            ("flight a cancelled", false),
        ];
        for (text, fires) in posts {
            r.classify_into(text, &mut scratch, &mut verdict);
            assert_eq!(!verdict.fired.is_empty(), fires, "{text:?}");
        }
    }

    /// Buffers reused from post to post give what fresh ones give: no score,
    /// label, stamp or regex result leaks into the next post.
    #[test]
    fn reused_buffers_give_the_same_verdicts() {
        let r = crate::rulebook::default_rulebook();
        let posts = [
            "@United worst service ever, 3 hours on hold!!",
            "Thanks @Delta, the crew was amazing",
            "",
            "Which is better, @Fnac or @Darty? #help",
            "just landed https://t.co/x",
            "WHY IS MY BAG LOST AGAIN???",
            "Thanks @Delta, the crew was amazing",
        ];
        let (mut scratch, mut verdict) = (Scratch::default(), Verdict::default());
        let mut labelled = 0;
        for text in posts.iter().chain(posts.iter().rev()) {
            r.classify_into(text, &mut scratch, &mut verdict);
            assert_eq!(verdict, r.classify(text), "{text:?}");
            labelled += !verdict.fired.is_empty() as usize;
        }
        assert!(labelled >= 8, "only {labelled} posts fired a rule");
    }

    /// One scratch used with two rulebooks in turn, with as many regexes
    /// each, gives what fresh buffers give.
    #[test]
    fn a_scratch_follows_the_rulebook_it_is_used_with() {
        let a = one_rule("regex = ['\\bfoo\\w*\\b']");
        let b = one_rule("regex = ['(bar|baz)+\\d']");
        let (mut scratch, mut verdict) = (Scratch::default(), Verdict::default());
        for _ in 0..3 {
            for (book, text, fired) in [
                (&a, "foobar here", true),
                (&b, "a bazbar9 b", true),
                (&a, "a bazbar9 b", false),
                (&b, "foobar here", false),
            ] {
                book.classify_into(text, &mut scratch, &mut verdict);
                assert_eq!(!verdict.fired.is_empty(), fired, "{text:?}");
                assert_eq!(verdict, book.classify(text));
            }
        }
    }

    #[test]
    fn caps_and_punctuation_signals_read_raw_text() {
        let r = one_rule("caps_ratio = 0.8");
        assert_eq!(label(&r, "@United THIS IS UNACCEPTABLE"), "x");
        assert_eq!(label(&r, "This is fine, thanks @UNITED"), "none_of_them");
        assert_eq!(label(&r, "OK NO"), "none_of_them"); // too few letters
        let r = one_rule("exclaim = 3");
        assert_eq!(label(&r, "What!!!"), "x");
        assert_eq!(label(&r, "What!! no!"), "none_of_them");
        let r = one_rule("question = 2");
        assert_eq!(label(&r, "Why ??"), "x");
        assert_eq!(label(&r, "Why?"), "none_of_them");
    }

    #[test]
    fn matchers_of_a_rule_must_all_hold() {
        let r = one_rule("any = [\"again\"]\nexclaim = 2");
        assert_eq!(label(&r, "down again!!"), "x");
        assert_eq!(label(&r, "down again"), "none_of_them");
        // Phrase lists of several kinds: the shortest makes the rule a
        // candidate, and every other one is still checked.
        let r = one_rule(
            "any = [\"down\", \"out\"]\nhashtags = [\"fail\"]\nemoji = [\"😡\", \"🤬\", \"👎\"]\nmentions = [\"acme\", \"acme_help\"]",
        );
        assert_eq!(label(&r, "@acme down #fail 👎"), "x");
        assert_eq!(label(&r, "@acme down #fine 👎"), "none_of_them");
        assert_eq!(label(&r, "@acme up #fail 👎"), "none_of_them");
        assert_eq!(label(&r, "@acme down #fail 😊"), "none_of_them");
        assert_eq!(label(&r, "@other down #fail 👎"), "none_of_them");
    }

    const TWO_LABELS: &str = r#"
[[set.label]]
id = "a"
[[set.label.rule]]
id = "a1"
weight = 1
any = ["alpha", "both"]
[[set.label]]
id = "b"
[[set.label.rule]]
id = "b1"
weight = 1
any = ["beta", "both"]
[[set.label.rule]]
id = "b2"
weight = 0.5
any = ["extra"]
"#;

    #[test]
    fn scores_add_up_and_highest_wins() {
        let r = book(TWO_LABELS);
        let v = r.classify("alpha beta extra");
        assert_eq!(v.sets[0].scores, vec![1.0, 1.5]);
        assert_eq!(r.label_of(&v, 0), "b");
        assert_eq!(v.fired, vec![0, 1, 2]);
        assert!(v.sets[0].tied.is_empty());
    }

    #[test]
    fn ties_go_to_file_order_unless_tie_break_says_otherwise() {
        let r = book(TWO_LABELS);
        let v = r.classify("both");
        assert_eq!(r.label_of(&v, 0), "a");
        assert_eq!(v.sets[0].tied, vec![0, 1]);
        let r = book(&format!("tie_break = [\"b\"]\n{TWO_LABELS}"));
        assert_eq!(label(&r, "both"), "b");
    }

    #[test]
    fn below_threshold_gives_the_fallback() {
        let r = book(&TWO_LABELS.replace("id = \"b\"", "id = \"b\"\nthreshold = 1.5"));
        let v = r.classify("beta");
        assert_eq!(r.label_of(&v, 0), "none_of_them");
        assert!(v.sets[0].fallback);
        assert_eq!(label(&r, "beta extra"), "b");
    }

    #[test]
    fn many_sets_take_every_label_at_threshold() {
        let r = book(&format!(
            "{TWO_LABELS}\n[[set]]\nid = \"traits\"\nmode = \"many\"\n[[set.label]]\nid = \"t1\"\n[[set.label.rule]]\nid = \"t1r\"\nany = [\"alpha\"]\n[[set.label]]\nid = \"t2\"\n[[set.label.rule]]\nid = \"t2r\"\nany = [\"beta\"]\n"
        ));
        let v = r.classify("beta and alpha");
        assert_eq!(v.sets[1].labels, vec![0, 1]);
        let v = r.classify("nothing");
        assert!(v.sets[1].labels.is_empty());
        assert!(!v.sets[1].fallback);
    }

    #[test]
    fn negative_weights_lower_a_score() {
        let r = book(
            "[[set.label]]\nid = \"fan\"\n[[set.label.rule]]\nid = \"love\"\nany = [\"love\"]\n[[set.label.rule]]\nid = \"but\"\nweight = -1\nany = [\"but\"]\n",
        );
        assert_eq!(label(&r, "love it"), "fan");
        assert_eq!(label(&r, "love it but heavy"), "none_of_them");
    }
}

/// The literal prefilter, the tries where literals start and the gates
/// only spare work: on any post, every regex of the default rulebook gets
/// the answer it gets when run alone over the whole post.
#[cfg(test)]
mod regex_prefilter_tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    struct Fixture {
        book: Rulebook,
        plain: Vec<regex::Regex>,
        /// Pieces posts are made of: the regexes' literals, words of the
        /// rulebook's examples, and separators.
        pieces: Vec<String>,
    }

    fn fixture() -> &'static Fixture {
        static F: OnceLock<Fixture> = OnceLock::new();
        F.get_or_init(|| {
            let book = crate::rulebook::default_rulebook();
            let m = &book.matcher;
            let plain = (0..m.regexes.len())
                .map(|i| regex::Regex::new(m.regexes.source(i)).unwrap())
                .collect();
            let mut pieces: Vec<String> = m
                .regex_prefilter
                .as_ref()
                .unwrap()
                .literals
                .iter()
                .filter_map(|l| String::from_utf8(l.clone()).ok())
                .collect();
            pieces.extend(
                book.sets
                    .iter()
                    .flat_map(|s| &s.labels)
                    .flat_map(|l| &l.examples)
                    .flat_map(|e| e.split_whitespace())
                    .map(str::to_string),
            );
            for sep in [
                " ", " ", " ", ", ", "! ", "? ", "'", "\n", "-", "12", "é", "😡 ", ".",
            ] {
                pieces.push(sep.to_string());
            }
            pieces.sort();
            pieces.dedup();
            Fixture {
                book,
                plain,
                pieces,
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn every_regex_answers_as_if_run_alone(picks in prop::collection::vec(any::<prop::sample::Index>(), 1..24)) {
            let f = fixture();
            let text: String = picks.iter().map(|i| i.get(&f.pieces).as_str()).collect();
            let (book, m) = (&f.book, &f.book.matcher);
            let mut s = Scratch::default();
            book.normalizer.normalize_into(&text, &mut s.normalized);
            s.next_post(m.patterns.len(), book.rules.len());
            s.regexes.next_post(m, s.post);
            book.find_phrases(&mut s);
            let normalized = s.normalized.clone();
            for (i, plain) in f.plain.iter().enumerate() {
                prop_assert_eq!(
                    s.regexes.is_match(m, i as u32, &normalized),
                    plain.is_match(&normalized),
                    "{} on {:?}", m.regexes.source(i), normalized
                );
            }
        }
    }
}
