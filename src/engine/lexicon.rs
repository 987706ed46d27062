//! Lexicons (`[[lexicon]]`): weights of words and pairs of adjacent words,
//! added to the scores of a set's labels. `postclass fit --lexicon` learns
//! them from labelled posts; the rules stay as they are.
//!
//! A post's words are those of [`crate::normalize::words`] over its
//! normalised text. Each word, and each pair of words in a row, is looked up
//! in an open-addressing table of hashes; a hit is confirmed on the entry's
//! text, so two phrases never share a hit. An entry counts once per post,
//! however often its words occur.

use crate::lang::Lang;
use crate::normalize::words;
use crate::rulebook::model::{parse_entry, LexiconDef};

/// A compiled lexicon. Its entries lie in a few flat arrays, so that the
/// words a post hits cost no pointer chase: every phrase in one string,
/// every entry's weights in one row of a table (a weight per label of the
/// set, 0 where the entry has none), and the same rows a byte a weight for
/// the lookups of the posts' words.
#[derive(Debug, Clone)]
pub struct Lexicon {
    pub id: String,
    pub description: String,
    /// The set whose labels the weights go to.
    pub set: usize,
    /// The languages of the posts it weighs; empty: every post.
    pub lang: Vec<Lang>,
    /// The labels of the set: the length of a row.
    labels: usize,
    /// Every phrase, each followed by [`END`]; each entry's (start, end).
    text: String,
    spans: Vec<(u32, u32)>,
    /// Entry `e`'s weights: `rows[e * labels..(e + 1) * labels]`.
    rows: Vec<f64>,
    /// The same weights as one byte each, the index of the weight in
    /// `values` (0 for none), when the lexicon has at most 255 distinct
    /// weights; empty otherwise. An eighth of `rows`: the rows of the
    /// entries a post hits stay in cache.
    codes: Vec<u8>,
    values: Vec<f64>,
    /// Entry `e`'s labels with a weight other than 0, one bit each (label
    /// `l` is bit `l`; labels past 63 are read from the row).
    masks: Vec<u64>,
    /// Open addressing: (hash, entry index + 1, where its phrase starts
    /// in `text`), entry 0 for an empty slot. With the start in the slot, a
    /// hit is confirmed with no look at `spans`.
    table: Vec<(u64, u32, u32)>,
    /// One bit per [`FILTER_BITS`] value of a word's hash: set when an
    /// entry is that word (`words`) or a pair that starts with it
    /// (`starts`). Most words of a post are in no entry; these few
    /// kilobytes tell so without a probe of the table.
    words: Vec<u64>,
    starts: Vec<u64>,
}

/// The byte after each phrase in a lexicon's text: no phrase holds it.
const END: u8 = b'\n';

/// Bits of the word filters: 2^16, 8 KiB each.
const FILTER_BITS: u32 = 16;

#[inline]
fn filter_has(filter: &[u64], h: u64) -> bool {
    let bit = (h >> (64 - FILTER_BITS)) as usize;
    filter[bit / 64] & (1 << (bit % 64)) != 0
}

fn filter_set(filter: &mut [u64], h: u64) {
    let bit = (h >> (64 - FILTER_BITS)) as usize;
    filter[bit / 64] |= 1 << (bit % 64);
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// The hash of one word's bytes.
#[inline]
fn hash_word(word: &[u8]) -> u64 {
    let mut h = word.len() as u64;
    let mut chunks = word.chunks_exact(8);
    for c in &mut chunks {
        let v = u64::from_le_bytes(c.try_into().expect("eight bytes"));
        h = (h.rotate_left(23) ^ v).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // The last bytes as a little-endian `u64`, zero above them (folded
        // here rather than copied into a buffer, which calls `memcpy`).
        let v = rest.iter().rev().fold(0, |v, &b| v << 8 | u64::from(b));
        h = (h.rotate_left(23) ^ v).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// The hash of two words in a row, from theirs.
#[inline]
fn hash_pair(first: u64, second: u64) -> u64 {
    let h = (first.rotate_left(31) ^ second ^ 0x5851_F42D_4C95_7F2D).wrapping_mul(K);
    h ^ (h >> 29)
}

/// The hash of an entry's phrase: one word or two.
fn hash_phrase(phrase: &str) -> u64 {
    match phrase.split_once(' ') {
        Some((a, b)) => hash_pair(hash_word(a.as_bytes()), hash_word(b.as_bytes())),
        None => hash_word(phrase.as_bytes()),
    }
}

impl Lexicon {
    /// Whether the lexicon weighs posts in `lang`: it lists it, or lists
    /// no language.
    #[inline]
    pub fn weighs(&self, lang: Lang) -> bool {
        self.lang.is_empty() || self.lang.contains(&lang)
    }

    /// Compiles a checked lexicon of the set numbered `set`, whose label
    /// ids are `labels`.
    pub(crate) fn compile(
        def: &LexiconDef,
        set: usize,
        labels: &[&str],
        lang: Vec<Lang>,
    ) -> Lexicon {
        let k = labels.len();
        let mut lx = Lexicon {
            id: def.id.get_ref().clone(),
            description: def.description.clone(),
            set,
            lang,
            labels: k,
            text: String::new(),
            spans: Vec::new(),
            rows: Vec::new(),
            codes: Vec::new(),
            values: vec![0.0],
            masks: Vec::new(),
            table: Vec::new(),
            words: vec![0; 1 << (FILTER_BITS - 6)],
            starts: vec![0; 1 << (FILTER_BITS - 6)],
        };
        for parsed in def
            .words
            .iter()
            .filter_map(|e| parse_entry(e.get_ref()).ok())
        {
            let start = lx.text.len() as u32;
            lx.text.push_str(parsed.phrase);
            lx.spans.push((start, lx.text.len() as u32));
            lx.text.push(END as char);
            let mut row = vec![0.0; k];
            for (label, weight) in &parsed.weights {
                if let Some(li) = labels.iter().position(|l| l == label) {
                    row[li] += *weight;
                }
            }
            let mask = row
                .iter()
                .enumerate()
                .filter(|&(li, &w)| w != 0.0 && li < 64)
                .fold(0u64, |m, (li, _)| m | 1 << li);
            lx.rows.extend(row);
            lx.masks.push(mask);
        }
        lx.pack_codes();
        let size = (lx.spans.len() * 2).next_power_of_two().max(16);
        lx.table = vec![(0, 0, 0); size];
        for e in 0..lx.spans.len() {
            let phrase = lx.phrase(e);
            let (pair, word) = match phrase.split_once(' ') {
                Some((first, _)) => (true, hash_word(first.as_bytes())),
                None => (false, hash_word(phrase.as_bytes())),
            };
            let h = hash_phrase(phrase);
            filter_set(if pair { &mut lx.starts } else { &mut lx.words }, word);
            let mut s = slot(h, size);
            while lx.table[s].1 != 0 {
                s = (s + 1) & (size - 1);
            }
            lx.table[s] = (h, e as u32 + 1, lx.spans[e].0);
        }
        lx
    }

    /// Fills `codes` and `values` from `rows` when there are few enough
    /// distinct weights.
    fn pack_codes(&mut self) {
        let mut values = vec![0.0f64];
        let mut index = std::collections::HashMap::new();
        let mut codes = Vec::with_capacity(self.rows.len());
        for &w in &self.rows {
            let code = if w == 0.0 {
                0
            } else {
                *index.entry(w.to_bits()).or_insert_with(|| {
                    values.push(w);
                    values.len() - 1
                })
            };
            let Ok(code) = u8::try_from(code) else {
                return;
            };
            codes.push(code);
        }
        self.codes = codes;
        self.values = values;
    }

    /// How many entries it has.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether it has no entry.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Entry `e`'s word, or two words.
    #[inline]
    pub fn phrase(&self, e: usize) -> &str {
        let (a, b) = self.spans[e];
        &self.text[a as usize..b as usize]
    }

    /// Entry `e`'s weights other than 0, as (label index, weight), in the
    /// set's label order.
    pub fn weights(&self, e: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let row = &self.rows[e * self.labels..(e + 1) * self.labels];
        row.iter()
            .enumerate()
            .filter(|&(_, &w)| w != 0.0)
            .map(|(li, &w)| (li, w))
    }

    /// Adds entry `e`'s weights to `scores` (one per label of the set),
    /// calling `touched` with each label it weighs, in label order.
    #[inline]
    pub(crate) fn add(&self, e: usize, scores: &mut [f64], mut touched: impl FnMut(usize)) {
        let row = &self.rows[e * self.labels..(e + 1) * self.labels];
        if self.labels <= 64 {
            let mut m = self.masks[e];
            while m != 0 {
                let li = m.trailing_zeros() as usize;
                scores[li] += row[li];
                touched(li);
                m &= m - 1;
            }
        } else {
            for (li, &w) in row.iter().enumerate().filter(|&(_, &w)| w != 0.0) {
                scores[li] += w;
                touched(li);
            }
        }
    }

    /// Adds the weights of `entries` (one after the other, as [`add`]
    /// would) to `scores`, then calls `touched` with each label any of them
    /// weighs, once, in label order.
    ///
    /// Each entry's whole row is added (from its byte codes when it has
    /// them), its zeros too: `x + 0.0` is `x` for every score a sum of
    /// weights can reach (never `-0.0`), so the sums are those of [`add`],
    /// and the loads of the rows do not wait on the loads of their masks,
    /// one entry after the other.
    ///
    /// [`add`]: Lexicon::add
    #[inline]
    pub(crate) fn add_all(
        &self,
        entries: impl Iterator<Item = usize>,
        scores: &mut [f64],
        mut touched: impl FnMut(usize),
    ) {
        if self.labels > 64 {
            for e in entries {
                self.add(e, scores, &mut touched);
            }
            return;
        }
        let k = self.labels;
        // The labels touched: bit `l` of `union` (the entries' masks), or,
        // for rows of byte codes of eight labels at most, the top bit of
        // byte `l` of `nonzero`, gathered at the end: read from the row
        // already loaded, not from a mask loaded after it.
        let (mut union, mut nonzero) = (0u64, 0u64);
        for e in entries {
            if self.codes.is_empty() {
                let row = &self.rows[e * k..(e + 1) * k];
                for (score, w) in scores[..k].iter_mut().zip(row) {
                    *score += w;
                }
                union |= self.masks[e];
            } else if k <= 8 {
                self.add_codes(e, scores);
                nonzero |= nonzero_bytes(self.row_bytes(e));
            } else {
                self.add_codes(e, scores);
                union |= self.masks[e];
            }
        }
        union |= gather_top_bits(nonzero);
        while union != 0 {
            touched(union.trailing_zeros() as usize);
            union &= union - 1;
        }
    }

    /// Adds entry `e`'s weights to `scores` from its byte codes, zeros
    /// too.
    #[inline(always)]
    fn add_codes(&self, e: usize, scores: &mut [f64]) {
        let k = self.labels;
        for (score, &c) in scores[..k].iter_mut().zip(&self.codes[e * k..(e + 1) * k]) {
            *score += self.values[usize::from(c)];
        }
    }

    /// Entry `e`'s codes (at most eight) as the low bytes of a `u64`, code
    /// `l` in byte `l`, the other bytes zero.
    #[inline]
    fn row_bytes(&self, e: usize) -> u64 {
        let k = self.labels;
        match self.codes.get(e * k..e * k + 8) {
            Some(eight) => {
                u64::from_le_bytes(eight.try_into().expect("eight bytes"))
                    & u64::MAX.checked_shr((64 - 8 * k) as u32).unwrap_or(0)
            }
            None => self.codes[e * k..(e + 1) * k]
                .iter()
                .rev()
                .fold(0, |v, &c| v << 8 | u64::from(c)),
        }
    }

    /// Whether the phrase that starts at `at` in `self.text` is `probe`'s
    /// word, or two words, of `text`.
    #[inline]
    fn is(&self, at: u32, probe: &Probe, text: &[u8]) -> bool {
        let phrase = &self.text.as_bytes()[at as usize..];
        let [s0, e0, s1, e1] = probe.at;
        let first = &text[s0..e0];
        let len = if s1 == e1 {
            first.len()
        } else {
            let second = &text[s1..e1];
            let len = first.len() + 1 + second.len();
            if phrase.get(first.len()) != Some(&b' ')
                || phrase.get(first.len() + 1..len) != Some(second)
            {
                return false;
            }
            len
        };
        phrase.get(len) == Some(&END) && phrase.starts_with(first)
    }

    /// Appends to `hits` the entries found in the normalised text `text`,
    /// each once, ascending. `probes` is room to work in.
    ///
    /// In three passes over the post's words and pairs, so that the loads
    /// of one pass do not wait on each other: the hashes that the filters
    /// let through, then the table slot of each, then the phrase of each
    /// slot whose hash is the same, confirmed on the text.
    pub(crate) fn find(&self, text: &str, hits: &mut Vec<u32>, probes: &mut Vec<Probe>) {
        probes.clear();
        let base = text.as_ptr() as usize;
        let mut prev: Option<([usize; 2], u64)> = None;
        for word in words(text) {
            let at = word.as_ptr() as usize - base;
            let span = [at, at + word.len()];
            let h = hash_word(word.as_bytes());
            if filter_has(&self.words, h) {
                probes.push(Probe::new(h, [span[0], span[1], 0, 0]));
            }
            if let Some((before, hb)) = prev.filter(|&(_, hb)| filter_has(&self.starts, hb)) {
                probes.push(Probe::new(
                    hash_pair(hb, h),
                    [before[0], before[1], span[0], span[1]],
                ));
            }
            prev = Some((span, h));
        }
        let size = self.table.len();
        for probe in probes.iter_mut() {
            probe.slot = slot(probe.h, size);
            probe.entry = self.table[probe.slot];
        }
        let start = hits.len();
        let bytes = text.as_bytes();
        for probe in probes.iter() {
            let (mut s, (mut key, mut e, mut at)) = (probe.slot, probe.entry);
            while e != 0 {
                if key == probe.h && self.is(at, probe, bytes) {
                    hits.push(e - 1);
                    break;
                }
                s = (s + 1) & (size - 1);
                (key, e, at) = self.table[s];
            }
        }
        hits[start..].sort_unstable();
        let mut kept = start;
        for i in start..hits.len() {
            if i == start || hits[i] != hits[kept - 1] {
                hits[kept] = hits[i];
                kept += 1;
            }
        }
        hits.truncate(kept);
    }
}

/// A word of a post, or two words in a row, that the filters say may be an
/// entry (see [`Lexicon::find`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Probe {
    h: u64,
    /// Where its words start and end in the text; the second word's are
    /// equal (0) for one word.
    at: [usize; 4],
    /// Its table slot, and what that slot holds.
    slot: usize,
    entry: (u64, u32, u32),
}

impl Probe {
    fn new(h: u64, at: [usize; 4]) -> Probe {
        Probe {
            h,
            at,
            slot: 0,
            entry: (0, 0, 0),
        }
    }
}

#[inline]
fn slot(h: u64, size: usize) -> usize {
    (h >> 7) as usize & (size - 1)
}

/// The top bit of each byte of `x` that is not zero, and no other bit.
#[inline]
fn nonzero_bytes(x: u64) -> u64 {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    (x | ((x & LOW) + LOW)) & !LOW
}

/// The top bits of the bytes of `x` (no other bit set) as its low eight
/// bits, byte `l`'s as bit `l`.
#[inline]
fn gather_top_bits(x: u64) -> u64 {
    (x >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon(text: &str) -> Lexicon {
        let file: crate::rulebook::RulebookFile = toml::from_str(text).unwrap();
        let labels: Vec<&str> = file.set[0]
            .label
            .iter()
            .map(|l| l.id.get_ref().as_str())
            .collect();
        Lexicon::compile(&file.lexicon[0], 0, &labels, Vec::new())
    }

    const BOOK: &str = r#"
[rulebook]
name = "t"
version = "1"
[[set]]
id = "type"
mode = "one"
[[set.label]]
id = "a"
[[set.label]]
id = "b"
[[lexicon]]
id = "w"
set = "type"
words = [
    "hold: a 0.5",
    "hold on: b 2",
    "it's: b 0.5",
    "merci: b 0",
    "on hold: b -0.25, a 1.0",
]
"#;

    fn found(lx: &Lexicon, text: &str) -> Vec<String> {
        let mut hits = Vec::new();
        lx.find(text, &mut hits, &mut Vec::new());
        hits.iter()
            .map(|&e| lx.phrase(e as usize).to_string())
            .collect()
    }

    #[test]
    fn words_and_pairs_in_a_row_are_found_once_each() {
        let lx = lexicon(BOOK);
        assert_eq!(found(&lx, "on hold again, on hold"), ["hold", "on hold"]);
        // Punctuation between two words does not part them.
        assert_eq!(
            found(&lx, "on hold, on hold"),
            ["hold", "hold on", "on hold"]
        );
        assert_eq!(
            found(&lx, "hold on! it's on hold"),
            ["hold", "hold on", "it's", "on hold"]
        );
        // Words are whole: "holder", "onhold" and "its" are other words.
        assert!(found(&lx, "holder onhold its").is_empty());
        // Two words with only punctuation between them are in a row.
        assert_eq!(found(&lx, "on. hold"), ["hold", "on hold"]);
        assert_eq!(found(&lx, "on the hold"), ["hold"]);
    }

    #[test]
    fn zero_weights_are_left_out_and_weights_follow_label_order() {
        let lx = lexicon(BOOK);
        let entry = |p: &str| (0..lx.len()).find(|&e| lx.phrase(e) == p).unwrap();
        assert_eq!(lx.weights(entry("merci")).count(), 0);
        let on_hold: Vec<(usize, f64)> = lx.weights(entry("on hold")).collect();
        assert_eq!(on_hold, [(0, 1.0), (1, -0.25)]);
        // Added in label order, each weighed label touched once.
        let (mut scores, mut touched) = (vec![0.5, 0.0], Vec::new());
        lx.add(entry("on hold"), &mut scores, |l| touched.push(l));
        assert_eq!((scores, touched), (vec![1.5, -0.25], vec![0, 1]));
    }

    #[test]
    fn weights_of_labels_past_the_sixty_fourth_are_added() {
        let mut text = String::from(
            "[rulebook]\nname = \"t\"\nversion = \"1\"\n[[set]]\nid = \"type\"\nmode = \"one\"\n",
        );
        for i in 0..70 {
            text.push_str(&format!("[[set.label]]\nid = \"l{i}\"\n"));
        }
        text.push_str("[[lexicon]]\nid = \"w\"\nset = \"type\"\nwords = [\"late: l66 1.5, l2 -0.5, l66 0.25\"]\n");
        let lx = lexicon(&text);
        let weights: Vec<(usize, f64)> = lx.weights(0).collect();
        assert_eq!(weights, [(2, -0.5), (66, 1.75)]);
        let (mut scores, mut touched) = (vec![0.0; 70], Vec::new());
        lx.add(0, &mut scores, |l| touched.push(l));
        assert_eq!((scores[2], scores[66], touched), (-0.5, 1.75, vec![2, 66]));
        assert_eq!(found(&lx, "late again"), ["late"]);
    }

    #[test]
    fn a_large_lexicon_finds_every_entry_and_nothing_else() {
        let mut text = String::from(
            "[rulebook]\nname = \"t\"\nversion = \"1\"\n[[set]]\nid = \"type\"\nmode = \"one\"\n[[set.label]]\nid = \"a\"\n[[lexicon]]\nid = \"w\"\nset = \"type\"\nwords = [\n",
        );
        for i in 0..3000 {
            text.push_str(&format!("\"w{i}: a 1\",\n\"w{i} x{i}: a 1\",\n"));
        }
        text.push_str("]\n");
        let lx = lexicon(&text);
        for i in (0..3000).step_by(7) {
            assert_eq!(
                found(&lx, &format!("w{i} x{i}")),
                [format!("w{i}"), format!("w{i} x{i}")]
            );
            assert!(found(&lx, &format!("x{i} w{i}x")).is_empty());
        }
    }

    /// A lexicon of the phrases `a`..`f` and the pairs of them (its first
    /// 42 entries), with weights of every sign (and zeros) over four labels
    /// (`wide`: ten, the last weighed too, so that a row is more than eight
    /// bytes); `fine`: and 100 more entries, so that it has more distinct
    /// weights than a byte tells apart.
    fn lettered(fine: bool, wide: bool) -> Lexicon {
        let mut text = String::from(
            "[rulebook]\nname = \"t\"\nversion = \"1\"\n[[set]]\nid = \"type\"\nmode = \"one\"\n",
        );
        let extra = if wide { 6 } else { 0 };
        let labels = ["w", "x", "y", "z", "v4", "v5", "v6", "v7", "v8", "v9"];
        for l in &labels[..4 + extra] {
            text.push_str(&format!("[[set.label]]\nid = \"{l}\"\n"));
        }
        text.push_str("[[lexicon]]\nid = \"w\"\nset = \"type\"\nwords = [\n");
        let words = ["a", "b", "c", "d", "e", "f"];
        let mut n = 0;
        for first in words {
            for second in [None].into_iter().chain(words.map(Some)) {
                let phrase = match second {
                    Some(s) => format!("{first} {s}"),
                    None => first.to_string(),
                };
                n += 1;
                let (w1, w2) = (n % 7, n % 5);
                let last = if wide {
                    format!(", v9 -0.{w1}")
                } else {
                    String::new()
                };
                text.push_str(&format!(
                    "\"{phrase}: w 0.{w1}5, x -0.{w2}, z 0.{w2}{w1}{last}\",\n"
                ));
            }
        }
        for i in 0..100 {
            if fine {
                text.push_str(&format!("\"g{i}: w 1.{i:03}, x -2.{i:03}, y 3.{i:03}\",\n"));
            }
        }
        text.push_str("]\n");
        let lx = lexicon(&text);
        assert_eq!(lx.codes.is_empty(), fine);
        lx
    }

    #[test]
    fn the_bytes_that_are_not_zero_gather_into_one_bit_each() {
        for mask in 0..=u8::MAX {
            for value in [1u8, 0x7f, 0x80, 0xff] {
                let x = (0..8).fold(0u64, |x, l| {
                    x | u64::from(if mask >> l & 1 == 1 { value } else { 0 }) << (8 * l)
                });
                assert_eq!(gather_top_bits(nonzero_bytes(x)), u64::from(mask), "{x:x}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn entries_added_together_sum_as_added_one_by_one(
            entries in proptest::collection::vec(0usize..42, 0..30),
            start in proptest::collection::vec(-2.0f64..2.0, 10),
            fine in proptest::bool::ANY,
            wide in proptest::bool::ANY,
        ) {
            let lx = lettered(fine, wide);
            let start = start[..lx.labels].to_vec();
            let (mut one, mut one_touched) = (start.clone(), Vec::new());
            for &e in &entries {
                lx.add(e, &mut one, |l| one_touched.push(l));
            }
            one_touched.sort_unstable();
            one_touched.dedup();
            let (mut all, mut all_touched) = (start, Vec::new());
            lx.add_all(entries.iter().copied(), &mut all, |l| all_touched.push(l));
            // The same sums to the bit, and each label touched once, in order.
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            proptest::prop_assert_eq!(bits(&one), bits(&all));
            proptest::prop_assert_eq!(one_touched, all_touched);
        }

        #[test]
        fn entries_found_are_the_words_and_pairs_of_the_text(
            text in "[a-g ,.]{0,40}",
        ) {
            let lx = lettered(false, false);
            let ws: Vec<&str> = words(&text).collect();
            let mut expected: Vec<String> = ws.iter().map(|w| w.to_string()).collect();
            expected.extend(ws.windows(2).map(|p| format!("{} {}", p[0], p[1])));
            expected.retain(|p| (0..lx.len()).any(|e| lx.phrase(e) == p));
            let mut expected: Vec<u32> = expected
                .iter()
                .map(|p| (0..lx.len()).find(|&e| lx.phrase(e) == p).unwrap() as u32)
                .collect();
            expected.sort_unstable();
            expected.dedup();
            let mut hits = vec![7];
            lx.find(&text, &mut hits, &mut Vec::new());
            // Appended after what was there, ascending, each once.
            proptest::prop_assert_eq!(hits[0], 7);
            proptest::prop_assert_eq!(&hits[1..], &expected[..]);
        }
    }
}
