//! Matching one post: the phrases found in its normalised text, the
//! rules they make candidates, the regexes and signals those need, and
//! whether each candidate's conditions hold.

use super::ascii;
use super::compile::{Checks, Conditions, Matcher, Near, Needs, Rulebook};
use super::literals::{word_before, Bounds};
use super::regexes::{RegexCaches, Regexes};
use super::signals::{
    caps_counts, caps_upper_bound, count_distinct_sigils, count_sigils, longest_runs, Signals,
};
use crate::normalize::is_word_char;

/// One phrase found in the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Pattern index in the rulebook's automaton.
    pub pattern: u32,
    /// Byte range in the normalised text.
    pub start: usize,
    pub end: usize,
}

/// Buffers reused from one post to the next, so classifying allocates
/// nothing per post once warmed up. One per thread.
#[derive(Debug, Default)]
pub struct Scratch {
    pub normalized: String,
    pub hits: Vec<Hit>,
    /// The patterns found in the current post.
    pub(super) present: Present,
    /// One bit per rule: made a candidate for the current post (listed in
    /// rule order from the set bits, with no sort, but those `vetoed`).
    pub(super) candidate: Vec<u64>,
    /// One bit per rule: one of the phrases of its `none` list is in the
    /// current post, so it cannot fire.
    pub(super) vetoed: Vec<u64>,
    /// The current post number, for the regex cache's stamps; 0 is never
    /// used, so zeroed stamps are stale.
    pub(super) post: u32,
    pub(super) candidates: Vec<u32>,
    pub(super) regexes: RegexCache,
    pub(super) words: WordStarts,
    /// (set, label) of the fired rules, without repeats, in file order.
    pub(super) touched: Vec<(usize, usize)>,
    pub(crate) signals: Signals,
    /// The words language detection reads.
    pub(super) lang_words: String,
    /// The lexicon entries found in the current post, of one lexicon.
    pub(super) lexicon_hits: Vec<u32>,
    /// Room for the lexicons' lookups.
    pub(super) lexicon_probes: Vec<super::lexicon::Probe>,
}

impl Scratch {
    /// Starts a new post: nothing found in earlier posts is present, and
    /// their stamps become stale.
    pub(super) fn next_post(&mut self, patterns: usize, rules: usize) {
        self.present.reset(patterns);
        self.candidate.clear();
        self.candidate.resize(rules.div_ceil(64), 0);
        self.vetoed.clear();
        self.vetoed.resize(rules.div_ceil(64), 0);
        if self.post == u32::MAX {
            self.post = 0;
        }
        self.post += 1;
    }

    #[inline]
    pub(super) fn make_candidate(&mut self, rule: u32) {
        self.candidate[rule as usize / 64] |= 1 << (rule % 64);
    }
}

/// A set of patterns, one bit each: a few KiB even for a rulebook of tens
/// of thousands of phrases, so rule checks read it from the nearest cache.
#[derive(Debug, Default)]
pub(super) struct Present {
    bits: Vec<u64>,
    /// The words of `bits` with a bit set: all a reset has to clear.
    words: Vec<u32>,
}

impl Present {
    /// Empties the set, for patterns `0..patterns`.
    pub(super) fn reset(&mut self, patterns: usize) {
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
    pub(super) fn contains(&self, pattern: u32) -> bool {
        self.bits[pattern as usize / 64] & (1 << (pattern % 64)) != 0
    }
}

/// The end of a list in [`LiteralStarts`].
const NO_START: u32 = u32::MAX;

/// Where the literals of each regex start in the current post: one list per
/// regex, linked through one buffer.
#[derive(Debug, Default)]
pub(super) struct LiteralStarts {
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
    pub(super) fn of(&self, r: usize) -> impl Iterator<Item = usize> + '_ {
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
pub(super) struct RegexCache {
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
    pub(super) fn next_post(&mut self, m: &Matcher, post: u32) {
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

    /// Notes that a literal of each regex in `regexes` starts at `start`,
    /// but for the regexes `skip` says (those whose matches start at a word
    /// boundary, for a literal that does not start at one; those that need
    /// boundaries the literal lacks).
    #[inline]
    pub(super) fn literal_found(
        &mut self,
        start: usize,
        regexes: &[u32],
        skip: impl Fn(usize) -> bool,
    ) {
        for &r in regexes {
            let r = r as usize;
            if skip(r) {
                continue;
            }
            let first = self.possible[r] != self.post;
            if first {
                self.possible[r] = self.post;
                self.found.push(r as u32);
            }
            self.starts.push(r, start, first);
        }
    }

    /// Notes that a gate literal of each regex in `regexes` is in the post.
    pub(super) fn gate_found(&mut self, regexes: &[u32]) {
        for &r in regexes {
            self.gate[r as usize] = self.post;
        }
    }

    pub(super) fn is_match(&mut self, m: &Matcher, i: u32, text: &str) -> bool {
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
pub(super) struct WordStarts {
    starts: Vec<usize>,
    /// Whether `starts` is for the current post.
    pub(super) ready: bool,
}

impl WordStarts {
    pub(super) fn of(&mut self, text: &str) -> &[usize] {
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
/// word positions. Borrowed apart from the parts of the [`Scratch`] the
/// check reads ([`Found`]), not moved out of it and back for each post.
pub(super) struct Later<'a> {
    pub(super) m: &'a Matcher,
    pub(super) regexes: &'a mut RegexCache,
    pub(super) words: &'a mut WordStarts,
}

/// What a rule check reads of the current post.
pub(super) struct Found<'a> {
    pub(super) present: &'a Present,
    pub(super) hits: &'a [Hit],
    pub(super) normalized: &'a str,
    pub(super) signals: &'a Signals,
}

impl Found<'_> {
    #[inline]
    fn is_present(&self, pattern: u32) -> bool {
        self.present.contains(pattern)
    }
}

impl Scratch {
    /// The candidate rules, what their checks read and what they compute on
    /// need, borrowed apart. The word starts are not yet found.
    pub(super) fn for_checks<'a>(
        &'a mut self,
        m: &'a Matcher,
    ) -> (&'a [u32], Found<'a>, Later<'a>) {
        self.words.ready = false;
        let found = Found {
            present: &self.present,
            hits: &self.hits,
            normalized: &self.normalized,
            signals: &self.signals,
        };
        let later = Later {
            m,
            regexes: &mut self.regexes,
            words: &mut self.words,
        };
        (&self.candidates, found, later)
    }
}

impl Rulebook {
    /// Finds every phrase in the normalised text, keeping hits whose word
    /// boundaries hold, and the literals of the regexes.
    pub(super) fn find_phrases(&self, s: &mut Scratch) {
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
                    // A literal that starts with a word character, right
                    // after another one, starts no match of a regex whose
                    // matches start at a word boundary.
                    let inside_word = pre.literal_word_start[j] && word_before(text, hit.start());
                    // A literal of a regex that needs word boundaries
                    // around it (`\b(late|delayed) again\b`) is a match
                    // only with them.
                    let found = pre.literal_bounded[j]
                        .then(|| Bounds::around(text, hit.start(), hit.end()));
                    s.regexes
                        .literal_found(hit.start(), &pre.literal_regexes[j], |r| {
                            (inside_word && pre.boundary_start[r])
                                || found.is_some_and(|f| !pre.bounds[r].met_by(f))
                        });
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
    pub(super) fn gather_candidates(&self, s: &mut Scratch) -> Needs {
        let m = &self.matcher;
        for i in 0..s.hits.len() {
            let hit = &m.phrase_hits[s.hits[i].pattern as usize];
            for &r in &m.triggered[hit.rules()] {
                s.make_candidate(r);
            }
            for &r in &m.triggered[hit.vetoes()] {
                s.vetoed[r as usize / 64] |= 1 << (r % 64);
            }
        }
        for &r in &m.always {
            s.make_candidate(r);
        }
        // Rules made of regexes alone are candidates when a regex matches:
        // the regexes tried are those whose literals are in the post, and
        // those without literals.
        // (The cache is borrowed apart from the rest; `found` does not
        // change while regexes run.)
        let (cache, candidate, vetoed) = (&mut s.regexes, &mut s.candidate, &s.vetoed);
        let literals = cache.found.len();
        for k in 0..literals + m.unfiltered_triggers.len() {
            let i = match cache.found.get(k) {
                Some(&i) => i,
                None => m.unfiltered_triggers[k - literals],
            };
            let rules = &m.regex_rules[i as usize];
            // Not tried when each of its rules is a candidate already or
            // ruled out by its `none` list.
            let settled = |r: u32| {
                let w = r as usize / 64;
                (candidate[w] | vetoed[w]) & (1 << (r % 64)) != 0
            };
            if rules.iter().all(|&r| settled(r)) || !cache.is_match(m, i, &s.normalized) {
                continue;
            }
            for &r in rules {
                candidate[r as usize / 64] |= 1 << (r % 64);
            }
        }
        // The set bits, in rule order, but the rules ruled out.
        s.candidates.clear();
        let mut needs = Needs::default();
        for (w, (&bits, &vetoed)) in s.candidate.iter().zip(&s.vetoed).enumerate() {
            let mut bits = bits & !vetoed;
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
    pub(super) fn compute(&self, raw: &str, needs: Needs, s: &mut Scratch) {
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
}

/// Whether every condition of a candidate rule holds but its `none` list
/// (a rule it rules out is no candidate); `checks` says which it has.
pub(super) fn fires(c: &Conditions, checks: Checks, s: &Found, later: &mut Later) -> bool {
    let present = |p: &u32| s.is_present(*p);
    if checks.has(Checks::ANY) && !c.any.iter().any(present) {
        return false;
    }
    if checks.has(Checks::ALL) && !c.all.iter().all(present) {
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
            .any(|&r| later.regexes.is_match(later.m, r, s.normalized))
    {
        return false;
    }
    if checks.has(Checks::SIGNALS) && !signals_hold(c, s.signals) {
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

fn near_holds(near: &Near, s: &Found, later: &mut Later) -> bool {
    let (left, right) = (near.left.as_slice(), near.right.as_slice());
    if !left.iter().any(|p| s.is_present(*p)) || !right.iter().any(|p| s.is_present(*p)) {
        return false;
    }
    let starts = later.words.of(s.normalized);
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
    s: &'a Found<'a>,
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
