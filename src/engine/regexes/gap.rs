//! Regexes with a bounded gap of one character class between two parts,
//! such as `\b(love|like)\b.{0,60}\b(but|mais)\b` or
//! `\b(waited|stuck)\b[^.!?]{0,25}\b\d+\s*hours?\b`, searched anchored.
//!
//! Run whole, such a regex makes its lazy DFA hold, in one state, where the
//! gap may have started and how far into the second part each of those
//! places has gone: the states differ from one post to the next, so most
//! searches build new ones (several µs a search, against a fraction of one
//! for a regex without a gap). Here the regex runs in three steps, each on
//! a few states: the part before the gap finds every place where it can
//! end, the gap is read character by character from each of them, and the
//! part after it is tried where the gap allows and one of its first bytes
//! is found. A match of the whole is exactly such a way through, so the
//! answer is the regex's.

use std::sync::OnceLock;

use regex_automata::hybrid::dfa::{Cache, OverlappingState, DFA};
use regex_automata::{hybrid, Anchored, Input, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind};

use super::super::literals;
use super::{Forward, ForwardCache, Quick};

/// The shortest gap worth a split: a shorter one adds few states.
const MIN_GAP: u32 = 10;

/// The most ends of the part before the gap read from one start; past them
/// (a part that can end almost anywhere, `\bsee\w*`), the whole regex
/// answers, so that a try stays linear in the text.
const MAX_ENDS: usize = 16;

/// A regex as the part before its gap, the gap, and the part after it.
#[derive(Debug)]
pub(super) struct Split {
    /// What rules out a search of the whole before any part runs.
    quick: Quick,
    /// The part before the gap, reporting every end of a match.
    prefix: DFA,
    gap: Gap,
    /// The part after the gap.
    suffix: Forward,
    /// The bytes every match of the part after the gap starts with; `None`
    /// when unknown (it is then tried everywhere the gap allows).
    suffix_starts: Option<Box<[bool; 256]>>,
    /// Whether every match of the part after the gap starts with a word
    /// boundary and a word character: it is then only tried at a character
    /// that follows no word character.
    suffix_word_start: bool,
    /// The whole regex, for where the part before the gap gives up (a
    /// Unicode word boundary next to a non-ASCII character) or has more
    /// than [`MAX_ENDS`] ends: built then.
    whole_hir: Hir,
    whole: OnceLock<Result<Forward, String>>,
}

/// The search caches of a [`Split`].
#[derive(Debug, Clone)]
pub(super) struct SplitCache {
    prefix: Cache,
    suffix: ForwardCache,
    whole: Option<ForwardCache>,
}

/// A repetition of one character class, `{min,max}` times.
#[derive(Debug)]
struct Gap {
    min: u32,
    max: u32,
    ascii: [bool; 128],
    /// The class's ranges, for the characters past ASCII.
    ranges: Vec<(char, char)>,
}

impl Gap {
    /// The gap of `hir` when it is a repetition of a Unicode class, at most
    /// `max` times with `max` of [`MIN_GAP`] or more.
    fn of(hir: &Hir) -> Option<Gap> {
        let HirKind::Repetition(rep) = hir.kind() else {
            return None;
        };
        let max = rep.max.filter(|&m| m >= MIN_GAP)?;
        let HirKind::Class(Class::Unicode(class)) = rep.sub.kind() else {
            return None;
        };
        let ranges: Vec<(char, char)> = class.iter().map(|r| (r.start(), r.end())).collect();
        let mut ascii = [false; 128];
        for (b, slot) in ascii.iter_mut().enumerate() {
            *slot = in_ranges(&ranges, char::from(b as u8));
        }
        Some(Gap {
            min: rep.min,
            max,
            ascii,
            ranges,
        })
    }

    #[inline]
    fn contains(&self, c: char) -> bool {
        match self.ascii.get(c as usize) {
            Some(&yes) => yes,
            None => in_ranges(&self.ranges, c),
        }
    }
}

fn in_ranges(ranges: &[(char, char)], c: char) -> bool {
    ranges
        .binary_search_by(|&(start, end)| {
            if end < c {
                std::cmp::Ordering::Less
            } else if start > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `hir` as the part before its first gap, the gap and the part after it,
/// when it is a sequence with such a gap (see [`Gap::of`]) between two
/// parts.
fn split_at_gap(hir: &Hir) -> Option<(Hir, Gap, Hir)> {
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let (k, gap) = parts
        .iter()
        .enumerate()
        .find_map(|(k, p)| Gap::of(p).map(|g| (k, g)))?;
    if k == 0 || k + 1 == parts.len() {
        return None;
    }
    Some((
        Hir::concat(parts[..k].to_vec()),
        gap,
        Hir::concat(parts[k + 1..].to_vec()),
    ))
}

impl Split {
    /// The split form of a regex that has a gap (see [`split_at_gap`]);
    /// `None` when it has none.
    ///
    /// `ascii_words`: the texts it is searched in have no word characters
    /// past ASCII (see [`super::super::ascii`]).
    pub(super) fn new(hir: &Hir, ascii_words: bool) -> Option<Result<Split, String>> {
        let (prefix, gap, suffix) = split_at_gap(hir)?;
        Some(Split::build(hir, &prefix, gap, &suffix, ascii_words))
    }

    fn build(
        hir: &Hir,
        prefix: &Hir,
        gap: Gap,
        suffix: &Hir,
        ascii_words: bool,
    ) -> Result<Split, String> {
        let nfa = super::forward_nfa(prefix)?;
        let prefix = hybrid::dfa::Builder::new()
            .configure(super::lazy_dfa_config().match_kind(MatchKind::All))
            .build_from_nfa(nfa)
            .map_err(|e| e.to_string())?;
        let first = literals::first_bytes(suffix);
        let suffix_word_start = first.as_ref().is_some_and(|f| f.word)
            && literals::starts_at_boundary(suffix, ascii_words);
        let suffix_starts = first.map(|f| Box::new(f.bytes));
        Ok(Split {
            quick: Quick::of(hir),
            prefix,
            gap,
            suffix: Forward::new(suffix)?,
            suffix_starts,
            suffix_word_start,
            whole_hir: hir.clone(),
            whole: OnceLock::new(),
        })
    }

    pub(super) fn create_cache(&self) -> SplitCache {
        SplitCache {
            prefix: self.prefix.create_cache(),
            suffix: self.suffix.create_cache(),
            whole: None,
        }
    }

    pub(super) fn at_start(&self) -> bool {
        self.quick.at_start
    }

    /// Whether the regex matches anchored at the start of `input`'s span
    /// (anywhere in it, for an input not anchored: the whole regex runs);
    /// `text` is its haystack.
    #[inline]
    pub(super) fn is_match(&self, cache: &mut SplitCache, text: &str, input: &Input<'_>) -> bool {
        if input.get_anchored() == Anchored::No {
            return self.whole_is_match(cache, input);
        }
        if self.quick.rules_out(input) {
            return false;
        }
        let before = Input::new(text)
            .range(input.start()..input.end())
            .anchored(Anchored::Yes);
        let mut after = Input::new(text)
            .range(input.start()..input.end())
            .anchored(Anchored::Yes)
            .earliest(true);
        let mut state = OverlappingState::start();
        for _ in 0..MAX_ENDS {
            let found =
                self.prefix
                    .try_search_overlapping_fwd(&mut cache.prefix, &before, &mut state);
            if found.is_err() {
                return self.whole_is_match(cache, input);
            }
            let Some(end) = state.get_match().map(|m| m.offset()) else {
                return false;
            };
            if self.gap_then_suffix(cache, text, &mut after, end, input.end()) {
                return true;
            }
        }
        self.whole_is_match(cache, input)
    }

    /// Whether the part after the gap matches after a gap that starts at
    /// `from` and ends before `limit`.
    #[inline]
    fn gap_then_suffix(
        &self,
        cache: &mut SplitCache,
        text: &str,
        after: &mut Input<'_>,
        from: usize,
        limit: usize,
    ) -> bool {
        let (mut at, mut count) = (from, 0);
        // Whether the character before `at` is a word character.
        let mut word_before = self.suffix_word_start && literals::word_before(text, from);
        loop {
            if count >= self.gap.min && !word_before && self.may_start(text, at, limit) {
                after.set_start(at);
                if self.suffix.is_match(&mut cache.suffix, after) {
                    return true;
                }
            }
            if count == self.gap.max || at >= limit {
                return false;
            }
            match text.get(at..limit).and_then(|rest| rest.chars().next()) {
                Some(c) if self.gap.contains(c) => {
                    at += c.len_utf8();
                    count += 1;
                    word_before = self.suffix_word_start && regex_syntax::is_word_character(c);
                }
                _ => return false,
            }
        }
    }

    /// Whether a match of the part after the gap may start at `at`.
    #[inline]
    fn may_start(&self, text: &str, at: usize, limit: usize) -> bool {
        match &self.suffix_starts {
            None => true,
            Some(starts) => at < limit && starts[usize::from(text.as_bytes()[at])],
        }
    }

    #[cold]
    fn whole_is_match(&self, cache: &mut SplitCache, input: &Input<'_>) -> bool {
        let whole = self.whole.get_or_init(|| Forward::new(&self.whole_hir));
        let whole = whole
            .as_ref()
            .expect("the regex built as its parts builds whole");
        let cache = cache.whole.get_or_insert_with(|| whole.create_cache());
        whole.is_match(cache, input)
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn a_gap_is_a_long_repetition_of_a_class_between_two_parts() {
        let split = |src: &str| split_at_gap(&parse(src).unwrap()).map(|(_, g, _)| (g.min, g.max));
        assert_eq!(
            split(r"\b(love|like)\b.{0,60}\b(but|mais)\b"),
            Some((0, 60))
        );
        assert_eq!(split(r"\s-\s[^-]{2,40}\shttps?://"), Some((2, 40)));
        assert_eq!(split(r"\b(hold|wait)\b[^.!?]{0,25}\d+ ?h\b"), Some((0, 25)));
        // Too short, unbounded, at an end, or not of one class.
        assert_eq!(split(r"\blove\b.{0,5}\bbut\b"), None);
        assert_eq!(split(r"\blove\b.*\bbut\b"), None);
        assert_eq!(split(r"\blove\b.{0,60}"), None);
        assert_eq!(split(r".{0,60}\bbut\b"), None);
        assert_eq!(split(r"\blove\b(ab){0,60}\bbut\b"), None);
        assert_eq!(split(r"\blove\b|[^.]{0,60}\bbut\b"), None);
    }

    /// The reference: the regex with every engine, anchored at `at`.
    fn whole_matches(re: &regex_automata::meta::Regex, text: &str, at: usize) -> bool {
        re.is_match(Input::new(text).range(at..).anchored(Anchored::Yes))
    }

    /// A split regex answers as the whole regex at every start, in both
    /// forms: where the gap is as long as it may be and one character
    /// longer, shorter than its minimum, broken by a character outside its
    /// class, holds characters of several bytes, where the part before the
    /// gap can end in several places, where the part after it ends the
    /// text or starts right after the part before (its word boundary then
    /// read from that part's last character), an ASCII word boundary after
    /// a non-ASCII letter, a first part with more ends than are read, and
    /// where a Unicode word boundary next to a non-ASCII letter
    /// makes the part before the gap give up (the whole regex then runs).
    #[test]
    fn a_split_regex_answers_as_the_whole_regex() {
        let sources = [
            r"\b(love|like)\b.{0,12}\b(but|mais)\b",
            r"\b(a|ab|abc)[^.!?]{0,10}\b(\d+|one)\s*(h|hours?)\b",
            r"\s-\s[^-]{2,12}\shttps?://\S+\s*$",
            r"\b(déjà|deja|été)\b[^.!?]{0,10}\b(là|la)\b",
            r"^(une |grosse )?(panne|coupure)\b[^!?.]{0,10}\b(à|a|dans le)\s[^!?.]{1,12}[.\s]*$",
            r"\b(thanks|merci) (to|à) [^.!?]{0,10}\b(who|qui|été)\b",
            r"\b(love|like)\b.{0,12}(?-u:\b)(but|mais)",
            r"\bx\w*[^.!?]{0,10}\by\b",
        ];
        let texts = [
            "i love it but",
            "i love it, the seat but",
            "i love it, the seats but",
            "i love it. but",
            "love but",
            "we like it a lot mais",
            "abc 5 hours later",
            "title - the news https://t.co/ab ",
            "like itbut but",
            "i love the crêpes but",
            "i love the crêpes 😀😀 but",
            "ab 3 hours",
            "abc waiting 12h",
            "a b c d e f g hi 2 hours",
            "ab! 3 hours",
            "ab one hour, one hours",
            "title - news site https://t.co/x",
            "title - n https://t.co/x",
            "title - a-b site https://t.co/x",
            "title - a very long news site https://t.co/x",
            "déjà vu là",
            "oui déjà, là",
            "déjàvu là",
            "été ici là-bas",
            "thanks to who",
            "merci à qui",
            "thanks to the crew who",
            "thanks to thewho",
            "merci à été",
            "i love ébut",
            "i love the ébut",
            "love ébut",
            "i love xbut",
            "xaaaaaaaaaaaaaaaaaaaaaaaaaaaa y",
            "xaaaaaaaaaaaaaaaaaaaaaaaaaaaa. y",
            "xaaaa y",
            "panne à paris",
            "grosse panne de réseau dans le 92.",
            "panne, vers paris",
            "coupure dans le quartier des halles ici",
            "",
        ];
        let mut matched = 0;
        for src in sources {
            let hir = parse(src).unwrap();
            assert!(split_at_gap(&hir).is_some(), "{src}");
            let re = super::super::OneRegex::new(src, true);
            let whole = regex_automata::meta::Regex::new(src).unwrap();
            for text in texts {
                let forms = if super::super::super::ascii::needs_unicode(text) {
                    &[true][..]
                } else {
                    &[false, true][..]
                };
                for &unicode_words in forms {
                    let mut caches = super::super::RegexCaches::default();
                    for at in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
                        let got =
                            re.is_match_at(text, [at].into_iter(), unicode_words, &mut caches);
                        assert_eq!(
                            got,
                            whole_matches(&whole, text, at),
                            "{src} on {text:?} at {at}"
                        );
                        matched += usize::from(got);
                    }
                }
            }
            assert!(
                matches!(re.unicode(), super::super::Engine::Split(_)),
                "{src}"
            );
        }
        assert!(matched >= 25, "only {matched} tries matched");
    }

    /// Every regex of the default rulebook that is split answers as the
    /// whole regex at each word start of the rulebook's examples and of the
    /// real posts of the test cases.
    #[test]
    fn the_default_rulebooks_split_regexes_answer_as_whole() {
        let book = crate::engine::default_rulebook();
        let mut texts = crate::engine::default_sample_texts(&book);
        for case in [
            include_str!("../../../tests/cases/real_en.csv"),
            include_str!("../../../tests/cases/real_fr.csv"),
        ] {
            texts.extend(case.lines().map(str::to_string));
        }
        let texts: Vec<String> = texts.iter().map(|t| book.normalizer.normalize(t)).collect();
        let m = &book.matcher;
        let (mut split, mut matched) = (0, 0);
        for i in 0..m.regexes.len() {
            let src = m.regexes.source(i);
            if split_at_gap(&parse(src).unwrap()).is_none() {
                continue;
            }
            split += 1;
            let re = super::super::OneRegex::new(src, true);
            let whole = regex_automata::meta::Regex::new(src).unwrap();
            for text in &texts {
                let unicode_words = super::super::super::ascii::needs_unicode(text);
                let mut caches = super::super::RegexCaches::default();
                let starts = std::iter::once(0).chain(text.match_indices(' ').map(|(i, _)| i + 1));
                for at in starts {
                    let got = re.is_match_at(text, [at].into_iter(), unicode_words, &mut caches);
                    assert_eq!(
                        got,
                        whole_matches(&whole, text, at),
                        "{src} on {text:?} at {at}"
                    );
                    matched += usize::from(got);
                }
            }
        }
        assert!(split >= 5, "only {split} regexes split");
        assert!(matched >= 100, "only {matched} tries matched");
    }

    /// Regexes with a gap, and the pieces of the texts of the property
    /// test below: a first part, a gap of the characters around it, a
    /// second part, with other pieces before and after.
    const PROPERTY_SOURCES: [&str; 5] = [
        r"\b(love|like)\b.{0,10}\b(but|mais)\b",
        r"\b(to|à) [^.!?]{0,10}\b(who|été)\b",
        r"\b(to|wait)\b[^.!?]{0,10}\b(\d+|one)\s*(h|hours?)\b",
        r"\s-\s[^-]{2,10}\shttps?://\S+\s*$",
        r"\bx\w*[^.!?]{0,10}(?-u:\b)y",
    ];
    /// First parts, and second parts that go with them, index by index.
    const FIRSTS: [&str; 4] = ["love", "to ", "x", " - "];
    const SECONDS: [&str; 5] = ["but", "who", "y", " https://t.co/a", "3 hours"];
    const GAP_CHARS: [&str; 6] = [" ", "a", "é", ".", "😀", "-"];

    fn pieces(picks: &[proptest::sample::Index], from: &[&str]) -> String {
        picks.iter().map(|i| *i.get(from)).collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(600))]
        /// A split regex answers as the whole regex at every start of a text
        /// with a first part, a gap (short, or about as long as the longest
        /// allowed, and past it) and a second part, most often the one that
        /// goes with the first, among other pieces, in each form the text
        /// may use.
        #[test]
        fn split_regexes_answer_as_whole_on_any_text(
            before in proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 0..3),
            first in 0usize..4,
            paired in proptest::prelude::any::<bool>(),
            gap in proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 12),
            gap_len in proptest::prop_oneof![0usize..3, 9usize..13],
            second in proptest::prelude::any::<proptest::sample::Index>(),
            after in proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 0..3),
        ) {
            let text = [
                pieces(&before, &SECONDS),
                FIRSTS[first].to_string(),
                pieces(&gap[..gap_len], &GAP_CHARS),
                if paired { SECONDS[first].to_string() } else { pieces(&[second], &SECONDS) },
                pieces(&after, &FIRSTS),
            ]
            .concat();
            let ascii_ok = !super::super::super::ascii::needs_unicode(&text);
            for src in PROPERTY_SOURCES {
                let re = super::super::OneRegex::new(src, true);
                let whole = regex_automata::meta::Regex::new(src).unwrap();
                for unicode_words in [false, true] {
                    if !unicode_words && !ascii_ok {
                        continue;
                    }
                    let mut caches = super::super::RegexCaches::default();
                    for at in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
                        proptest::prop_assert_eq!(
                            re.is_match_at(&text, [at].into_iter(), unicode_words, &mut caches),
                            whole_matches(&whole, &text, at),
                            "{} on {:?} at {}", src, text, at
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_gap_holds_the_characters_of_its_class() {
        let gap = |src: &str| Gap::of(&parse(src).unwrap()).unwrap();
        let g = gap(r"[^.!?]{0,25}");
        assert!(g.contains('a') && g.contains(' ') && g.contains('é') && g.contains('😀'));
        assert!(!g.contains('.') && !g.contains('!') && !g.contains('?'));
        let g = gap(r".{0,60}");
        assert!(g.contains('x') && g.contains('\u{10FFFF}') && !g.contains('\n'));
        let g = gap(r"[a-zé]{1,10}");
        assert!(g.contains('é') && g.contains('m') && !g.contains('è') && !g.contains('A'));
    }
}
