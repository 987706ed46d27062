//! Text normalisation shared by rule patterns and post texts.
//!
//! Patterns and posts go through the same function, so a rule written as
//! `déçu` matches a post saying `DECU` and the other way round.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Which folding steps run. All are on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalizeOptions {
    /// Unicode lower-casing plus the few full case folds that change length (ß→ss).
    pub case_fold: bool,
    /// Strip diacritics (é→e, ç→c) and expand ligatures (œ→oe, æ→ae).
    pub accent_fold: bool,
    /// Typographic apostrophes, quotes and dashes become their ASCII forms.
    pub unify_punctuation: bool,
    /// Runs of white space (including no-break spaces) become one space; ends are trimmed.
    pub collapse_whitespace: bool,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            case_fold: true,
            accent_fold: true,
            unify_punctuation: true,
            collapse_whitespace: true,
        }
    }
}

/// Normalises text with a fixed set of options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Normalizer {
    opts: NormalizeOptions,
}

impl Normalizer {
    pub fn new(opts: NormalizeOptions) -> Self {
        Normalizer { opts }
    }

    pub fn options(&self) -> NormalizeOptions {
        self.opts
    }

    /// Normalises `text` into a new string.
    pub fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.normalize_into(text, &mut out);
        out
    }

    /// Normalises `text` into `out`, which is cleared first. Reusing `out`
    /// across posts avoids an allocation per post.
    pub fn normalize_into(&self, text: &str, out: &mut String) {
        out.clear();
        self.run(text, out, None);
    }

    /// Like [`Normalizer::normalize_into`], and also records for every byte of
    /// `out` the byte offset in `text` of the character it came from, so that
    /// a match in normalised text can be shown in the original.
    pub fn normalize_with_offsets(&self, text: &str, out: &mut String, offsets: &mut Vec<usize>) {
        out.clear();
        offsets.clear();
        self.run(text, out, Some(offsets));
        debug_assert_eq!(out.len(), offsets.len());
    }

    fn run(&self, text: &str, out: &mut String, offsets: Option<&mut Vec<usize>>) {
        match offsets {
            None => self.run_plain(text, out),
            Some(offs) => self.run_with_offsets(text, out, offs),
        }
    }

    /// The hot path: runs of ASCII bytes are copied whole and lower-cased in
    /// place; only other characters go one by one.
    fn run_plain(&self, text: &str, out: &mut String) {
        let o = self.opts;
        let bytes = text.as_bytes();
        // Most posts in English: nothing to fold but capitals, nothing to
        // collapse. A few searches over the whole text say so, and it is
        // copied in one go.
        if is_plain_ascii(bytes) {
            let at = out.len();
            out.push_str(text);
            if o.case_fold {
                out[at..].make_ascii_lowercase();
            }
            return;
        }
        // White space is emitted lazily, before the next character that
        // produces output, so runs collapse and trailing runs are dropped.
        let mut pending_space = false;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii() {
                if o.collapse_whitespace && is_ascii_space(b) {
                    pending_space |= !out.is_empty();
                    i += 1;
                    continue;
                }
                // The run goes on through single spaces between ASCII
                // characters, which collapsing leaves as they are: most
                // posts are one or a few such runs.
                let start = i;
                if o.collapse_whitespace {
                    // Whole chunks that the loop below would go through
                    // byte by byte, told in one vectorised pass each.
                    while bytes.get(i..i + CHUNK + 1).is_some_and(runs_on) {
                        i += CHUNK;
                    }
                }
                while i < bytes.len() && bytes[i].is_ascii() {
                    if o.collapse_whitespace && is_ascii_space(bytes[i]) {
                        let single = bytes[i] == b' '
                            && bytes
                                .get(i + 1)
                                .is_some_and(|&n| n.is_ascii() && !is_ascii_space(n));
                        if !single {
                            break;
                        }
                    }
                    i += 1;
                }
                if std::mem::take(&mut pending_space) {
                    out.push(' ');
                }
                let at = out.len();
                out.push_str(&text[start..i]);
                if o.case_fold {
                    out[at..].make_ascii_lowercase();
                }
                continue;
            }
            let c = text[i..].chars().next().unwrap_or_default();
            i += c.len_utf8();
            if o.collapse_whitespace && is_space(c) {
                pending_space |= !out.is_empty();
                continue;
            }
            fold_char(o, c, |x| {
                if std::mem::take(&mut pending_space) {
                    out.push(' ');
                }
                out.push(x);
            });
        }
    }

    fn run_with_offsets(&self, text: &str, out: &mut String, offsets: &mut Vec<usize>) {
        let o = self.opts;
        let mut pending_space: Option<usize> = None;
        for (at, c) in text.char_indices() {
            if o.collapse_whitespace && is_space(c) {
                if !out.is_empty() && pending_space.is_none() {
                    pending_space = Some(at);
                }
                continue;
            }
            fold_char(o, c, |x| {
                if let Some(sp) = pending_space.take() {
                    out.push(' ');
                    offsets.push(sp);
                }
                out.push(x);
                for _ in 0..x.len_utf8() {
                    offsets.push(at);
                }
            });
        }
    }
}

/// Whether `bytes` are ASCII whose only white space is single spaces
/// between other characters: text that normalising leaves as it is, but
/// for its capitals.
///
/// One pass of comparisons over each byte and the next, which the compiler
/// vectorises: cheaper than the searches it replaces (`is_ascii`, two
/// `memchr`s and a `memmem` for two spaces, whose searcher is built anew for
/// every text), and each text is only a few hundred bytes.
fn is_plain_ascii(bytes: &[u8]) -> bool {
    let Some(&last) = bytes.last() else {
        return true;
    };
    bytes[0] != b' ' && is_plain_byte(last) && last != b' ' && runs_on(bytes)
}

/// Bytes of the ASCII runs of `run_plain` told at once by [`runs_on`].
const CHUNK: usize = 16;

/// Whether a plain ASCII run goes on through every byte of `bytes` but the
/// last, which is only read as the byte after the one before: each is ASCII
/// and no white space, or a space followed by such a byte. One pass that the
/// compiler vectorises.
#[inline]
fn runs_on(bytes: &[u8]) -> bool {
    !bytes
        .iter()
        .zip(bytes.get(1..).unwrap_or_default())
        .fold(false, |bad, (&b, &next)| {
            bad | !is_plain_byte(b) | ((b == b' ') & ((next == b' ') | !is_plain_byte(next)))
        })
}

/// An ASCII byte that is no white space but a space.
#[inline]
fn is_plain_byte(b: u8) -> bool {
    (b < 0x80) & (b.wrapping_sub(b'\t') > b'\r' - b'\t')
}

/// White space as [`char::is_whitespace`] has it, for an ASCII byte.
#[inline]
pub(crate) fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

#[inline]
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{200B}'
}

/// Folds one character that is not white space, calling `push` for every
/// character it becomes (none, one or several).
#[inline]
fn fold_char(o: NormalizeOptions, c: char, push: impl FnMut(char)) {
    // The accented letters of French and other Latin-1 languages, by table.
    if o.accent_fold && o.case_fold && ('\u{C0}'..='\u{FF}').contains(&c) {
        if let Some(folded) = LATIN1_FOLDED[c as usize - 0xC0] {
            folded.chars().for_each(push);
            return;
        }
    }
    fold_char_general(o, c, push)
}

/// U+00C0 to U+00FF, case- and accent-folded; `None` where the general path
/// decides (symbols, letters without an ASCII form).
#[rustfmt::skip]
const LATIN1_FOLDED: [Option<&str>; 64] = {
    let (a, e, i, o, u) = (Some("a"), Some("e"), Some("i"), Some("o"), Some("u"));
    [
        a, a, a, a, a, a, Some("ae"), Some("c"), // À..Ç
        e, e, e, e, i, i, i, i, // È..Ï
        None, Some("n"), o, o, o, o, o, None, // Ð..×
        o, u, u, u, u, Some("y"), None, Some("ss"), // Ø..ß
        a, a, a, a, a, a, Some("ae"), Some("c"), // à..ç
        e, e, e, e, i, i, i, i, // è..ï
        None, Some("n"), o, o, o, o, o, None, // ð..÷
        o, u, u, u, u, Some("y"), None, Some("y"), // ø..ÿ
    ]
};

#[inline]
fn fold_char_general(o: NormalizeOptions, c: char, mut push: impl FnMut(char)) {
    if c.is_ascii() {
        push(if o.case_fold {
            c.to_ascii_lowercase()
        } else {
            c
        });
        return;
    }
    // Emoji presentation selectors carry no meaning for matching.
    if c == '\u{FE0F}' || c == '\u{FE0E}' {
        return;
    }
    if o.unify_punctuation {
        if let Some(p) = unify_punctuation(c) {
            push(p);
            return;
        }
    }
    if o.accent_fold {
        if let Some(expansion) = ligature(c, o.case_fold) {
            expansion.chars().for_each(push);
            return;
        }
        let mut any = false;
        decompose_canonical(c, |d| {
            if is_combining_mark(d) {
                return;
            }
            any = true;
            push_cased(d, o.case_fold, &mut push);
        });
        // A lone combining mark is dropped.
        if any || is_combining_mark(c) {
            return;
        }
    }
    push_cased(c, o.case_fold, push);
}

fn push_cased(c: char, case_fold: bool, mut push: impl FnMut(char)) {
    if !case_fold {
        push(c);
        return;
    }
    match c {
        'ß' | 'ẞ' => {
            push('s');
            push('s');
        }
        // Final sigma folds to the ordinary one.
        'ς' => push('σ'),
        _ => c.to_lowercase().for_each(push),
    }
}

fn ligature(c: char, case_fold: bool) -> Option<&'static str> {
    let (lower, upper) = match c {
        'œ' | 'Œ' => ("oe", "OE"),
        'æ' | 'Æ' => ("ae", "AE"),
        'ß' => ("ss", "ss"),
        'ẞ' => ("ss", "SS"),
        'ø' | 'Ø' => ("o", "O"),
        'ł' | 'Ł' => ("l", "L"),
        'đ' | 'Đ' => ("d", "D"),
        'ı' => ("i", "i"),
        'ﬁ' => ("fi", "fi"),
        'ﬂ' => ("fl", "fl"),
        _ => return None,
    };
    Some(if case_fold || c.is_lowercase() {
        lower
    } else {
        upper
    })
}

fn unify_punctuation(c: char) -> Option<char> {
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{02BC}' | '\u{2032}'
        | '\u{00B4}' | '\u{FF07}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}'
        | '\u{2033}' | '\u{FF02}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => '-',
        '\u{FF01}' => '!',
        '\u{FF1F}' => '?',
        _ => return None,
    })
}

/// The words of a normalised text, in order, as lexicons read them
/// (`[[lexicon]]`): runs of word characters ([`is_word_char`]) and
/// apostrophes. Everything else (spaces, punctuation, symbols) separates
/// them: `@united's 2nd flight!` is `united's`, `2nd`, `flight`. Runs of
/// apostrophes alone are no word.
pub fn words(text: &str) -> Words<'_> {
    Words { text, at: 0 }
}

/// The iterator of [`words`]: ASCII bytes read by a table, other
/// characters decoded.
pub struct Words<'a> {
    text: &'a str,
    at: usize,
}

/// What a byte at a character's start is to [`words`]: [`WORD`] an ASCII
/// word character, [`APOSTROPHE`], [`OTHER`] the start of a character
/// outside ASCII (decoded to tell), 0 a separator.
static WORD_BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c >= 0x80 {
            OTHER
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            WORD
        } else if c == b'\'' {
            APOSTROPHE
        } else {
            0
        };
        b += 1;
    }
    t
};
const WORD: u8 = 1;
const APOSTROPHE: u8 = 2;
const OTHER: u8 = 4;

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    #[inline(always)]
    fn next(&mut self) -> Option<&'a str> {
        let (text, bytes) = (self.text, self.text.as_bytes());
        // The character at `i`, outside ASCII: whether it is a word
        // character, and its length in bytes.
        let decode = |i: usize| {
            let c = text[i..].chars().next().expect("on a char boundary");
            (is_word_char(c), c.len_utf8())
        };
        let mut i = self.at;
        loop {
            // To the next character that is part of a word: its kind and
            // length, so that it is not decoded again below.
            let (first, n) = loop {
                let Some(&b) = bytes.get(i) else {
                    self.at = i;
                    return None;
                };
                match WORD_BYTES[usize::from(b)] {
                    0 => i += 1,
                    OTHER => match decode(i) {
                        (true, n) => break (WORD, n),
                        (false, n) => i += n,
                    },
                    kind => break (kind, 1),
                }
            };
            let start = i;
            i += n;
            // What the run holds: word characters, apostrophes.
            let mut kinds = first;
            while let Some(&b) = bytes.get(i) {
                match WORD_BYTES[usize::from(b)] {
                    0 => break,
                    OTHER => match decode(i) {
                        (true, n) => {
                            kinds |= WORD;
                            i += n;
                        }
                        (false, _) => break,
                    },
                    kind => {
                        kinds |= kind;
                        i += 1;
                    }
                }
            }
            if kinds & WORD != 0 {
                self.at = i;
                return Some(&text[start..i]);
            }
        }
    }
}

/// True for characters that make up words, for word-boundary checks.
#[inline]
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`words`] as its definition reads.
    fn words_by_split(text: &str) -> Vec<&str> {
        text.split(|c: char| !(is_word_char(c) || c == '\''))
            .filter(|w| w.chars().any(is_word_char))
            .collect()
    }

    #[test]
    fn words_are_runs_of_word_characters_and_apostrophes() {
        let text = "@united's 2nd flight!! l'été, '' ' x_y  ça-va ok'";
        assert_eq!(
            words(text).collect::<Vec<_>>(),
            ["united's", "2nd", "flight", "l'été", "x_y", "ça", "va", "ok'"]
        );
        assert_eq!(words(text).collect::<Vec<_>>(), words_by_split(text));
    }

    proptest::proptest! {
        #[test]
        fn words_read_as_their_definition(text in "[a-c' _.!é€\u{301}0-9\t-]{0,40}") {
            proptest::prop_assert_eq!(words(&text).collect::<Vec<_>>(), words_by_split(&text));
        }
    }
    use proptest::strategy::Just;

    fn n(s: &str) -> String {
        Normalizer::default().normalize(s)
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(n("Déçu, TRÈS déçu"), "decu, tres decu");
        assert_eq!(n("Cœur ŒUVRE"), "coeur oeuvre");
        assert_eq!(n("Straße"), "strasse");
        assert_eq!(n("ÉLÈVE À ÇA"), "eleve a ca");
    }

    #[test]
    fn unifies_apostrophes_and_quotes() {
        assert_eq!(n("j’en ai marre"), "j'en ai marre");
        assert_eq!(n("« génial »"), "\" genial \"");
        assert_eq!(n("“great”"), "\"great\"");
        assert_eq!(n("a–b"), "a-b");
    }

    #[test]
    fn collapses_and_trims_whitespace() {
        assert_eq!(n("  fed\t\n up \u{00A0}\u{202F} now  "), "fed up now");
        assert_eq!(n(""), "");
        assert_eq!(n("   "), "");
    }

    #[test]
    fn keeps_emoji_without_selectors() {
        assert_eq!(n("Love ❤\u{FE0F}!"), "love ❤!");
        assert_eq!(n("😡😡"), "😡😡");
    }

    #[test]
    fn decomposed_input_folds_like_composed() {
        // "é" written as e + combining acute accent.
        assert_eq!(n("de\u{0301}c\u{0327}u"), n("déçu"));
    }

    #[test]
    fn options_can_be_switched_off() {
        let keep = Normalizer::new(NormalizeOptions {
            case_fold: false,
            accent_fold: false,
            unify_punctuation: false,
            collapse_whitespace: false,
        });
        assert_eq!(keep.normalize("Déçu’  X"), "Déçu’  X");
        let only_case = Normalizer::new(NormalizeOptions {
            case_fold: true,
            accent_fold: false,
            unify_punctuation: false,
            collapse_whitespace: false,
        });
        assert_eq!(only_case.normalize("DÉÇU"), "déçu");
    }

    #[test]
    fn dropped_characters_leave_no_stray_space() {
        assert_eq!(n("love \u{FE0F} it"), "love it");
        assert_eq!(n("love \u{FE0F}"), "love");
        assert_eq!(n("a \u{0301} b"), "a b");
    }

    #[test]
    fn with_and_without_offsets_agree() {
        let texts = [
            "  Hello, WORLD!  J’en ai MARRE\t\tde @Orange... ÇA COUPE ENCORE ❤\u{FE0F}  ",
            "Straße Œuvre ﬁn déçu\u{00A0}\u{202F}x \u{200B} y",
            "plain ascii text with\nnew lines\r\nand  spaces ",
            "",
            "😡😡 \u{FE0F} end",
        ];
        for opts in [
            NormalizeOptions::default(),
            NormalizeOptions {
                case_fold: false,
                accent_fold: true,
                unify_punctuation: false,
                collapse_whitespace: false,
            },
        ] {
            let norm = Normalizer::new(opts);
            for t in texts {
                let (mut a, mut b, mut offs) = (String::new(), String::new(), Vec::new());
                norm.normalize_into(t, &mut a);
                norm.normalize_with_offsets(t, &mut b, &mut offs);
                assert_eq!(a, b, "for {t:?}");
                assert_eq!(offs.len(), b.len());
            }
        }
    }

    /// `t` normalised by the hot path and by the path that keeps offsets
    /// (one character at a time), with the options `bits` switches on.
    fn both_paths(t: &str, bits: u8) -> (String, String) {
        let norm = Normalizer::new(NormalizeOptions {
            case_fold: bits & 1 != 0,
            accent_fold: bits & 2 != 0,
            unify_punctuation: bits & 4 != 0,
            collapse_whitespace: bits & 8 != 0,
        });
        let (mut a, mut b, mut offs) = (String::new(), String::new(), Vec::new());
        norm.normalize_into(t, &mut a);
        norm.normalize_with_offsets(t, &mut b, &mut offs);
        (a, b)
    }

    proptest::proptest! {
        /// Plain ASCII takes a shortcut: it gives what the general path
        /// gives, with every option, whatever the white space and the
        /// characters around it.
        #[test]
        fn plain_ascii_normalises_as_the_general_path(
            t in "[ aZ9'!\t\n\r\u{b}\u{c}\u{e9}\u{a0}\u{fe0f}]{0,12}",
            bits in 0..16u8,
        ) {
            let (a, b) = both_paths(&t, bits);
            proptest::prop_assert_eq!(a, b);
        }

        /// Long ASCII runs between other characters go through in chunks
        /// ([`runs_on`]): they give what the general path gives, whatever
        /// the white space at a chunk's edges.
        #[test]
        fn long_ascii_runs_normalise_as_the_general_path(
            t in "([a-zA-Z.,!']{1,20}( |  |\t|\n| \u{e9}|\u{e9} |\u{2019}|\u{a0})?){0,8}",
            bits in 0..16u8,
        ) {
            let (a, b) = both_paths(&format!("\u{e9}{t}"), bits);
            proptest::prop_assert_eq!(a, b);
        }
    }

    /// The searches the one pass of [`is_plain_ascii`] replaced.
    fn plain_by_searches(bytes: &[u8]) -> bool {
        bytes.is_ascii()
            && bytes.first() != Some(&b' ')
            && bytes.last() != Some(&b' ')
            && memchr::memchr3(b'\n', b'\r', b'\t', bytes).is_none()
            && memchr::memchr2(0x0b, 0x0c, bytes).is_none()
            && memchr::memmem::find(bytes, b"  ").is_none()
    }

    #[test]
    fn plain_ascii_is_told_as_by_searches_on_every_short_text() {
        // Every text of up to five bytes over an alphabet with each kind of
        // byte: letters, a space, the other white space, a control byte
        // that is no white space, the highest ASCII byte and bytes above.
        let alphabet = b"aZ \t\n\x0b\x0c\r\x1f\x7f\x80\xc3\xff";
        let mut text = Vec::new();
        for len in 0..=5u32 {
            for mut k in 0..alphabet.len().pow(len) {
                text.clear();
                for _ in 0..len {
                    text.push(alphabet[k % alphabet.len()]);
                    k /= alphabet.len();
                }
                assert_eq!(is_plain_ascii(&text), plain_by_searches(&text), "{text:?}");
            }
        }
    }

    proptest::proptest! {
        /// Long texts too: the pass is vectorised in blocks, whose ends fall
        /// anywhere in the text.
        #[test]
        fn plain_ascii_is_told_as_by_searches(
            text in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => proptest::prop_oneof![Just(b'a'), Just(b'Q'), Just(b'.'), Just(b'@')],
                    2 => Just(b' '),
                    1 => proptest::prelude::any::<u8>(),
                ],
                0..300,
            ),
        ) {
            proptest::prop_assert_eq!(is_plain_ascii(&text), plain_by_searches(&text));
        }
    }

    #[test]
    fn the_latin1_table_agrees_with_the_general_path() {
        for bits in 0..16u8 {
            let o = NormalizeOptions {
                case_fold: bits & 1 != 0,
                accent_fold: bits & 2 != 0,
                unify_punctuation: bits & 4 != 0,
                collapse_whitespace: bits & 8 != 0,
            };
            for c in (0x80..0x3000).filter_map(char::from_u32) {
                let (mut fast, mut general) = (String::new(), String::new());
                fold_char(o, c, |x| fast.push(x));
                fold_char_general(o, c, |x| general.push(x));
                assert_eq!(fast, general, "{c:?} with {o:?}");
            }
        }
    }

    #[test]
    fn single_spaces_and_runs_collapse_alike() {
        assert_eq!(n("a b  c\td \n e"), "a b c d e");
        assert_eq!(n("Hello WORLD é x"), "hello world e x");
        assert_eq!(n("end \u{FE0F}"), "end");
        assert_eq!(n(" x "), "x");
    }

    #[test]
    fn offsets_point_into_the_original() {
        let text = "  Énorme  Œuf";
        let mut out = String::new();
        let mut offs = Vec::new();
        Normalizer::default().normalize_with_offsets(text, &mut out, &mut offs);
        assert_eq!(out, "enorme oeuf");
        assert_eq!(offs.len(), out.len());
        assert_eq!(offs[0], 2); // 'e' comes from 'É' at byte 2
        let oe = out.find("oeuf").unwrap();
        assert_eq!(&text[offs[oe]..], "Œuf");
        assert_eq!(offs[oe + 1], offs[oe]); // both letters of the ligature
    }
}
