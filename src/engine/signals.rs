//! Signals read from a post's raw text, as the signal matchers of a rule
//! see them: @mentions and #hashtags, the share of capital letters, and the
//! longest runs of `!` and `?`.
//!
//! None allocates. The capitals, needed on many posts, are counted over
//! the whole text at once, less the tokens left out (found by searching for
//! how they start); the runs of marks are one search for the marks.

use crate::normalize::{is_ascii_space, is_word_char};

/// Counts read from the raw text, for the signal matchers.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signals {
    pub(crate) mentions: u32,
    pub(crate) hashtags: u32,
    pub(crate) letters: u32,
    pub(crate) upper: u32,
    pub(crate) exclaim_run: u32,
    pub(crate) question_run: u32,
}

/// The names after `sigil` (`@name`, `#tag`) that start a token.
///
/// The sigil is found by the first byte of its UTF-8 form, which starts a
/// character wherever it is: a vectorised search where the search for a
/// `char` in a `str` goes a word at a time (about 150 instructions a call
/// on a post, and counting distinct names searches again for each).
pub fn sigil_tokens(raw: &str, sigil: char) -> impl Iterator<Item = &str> {
    let lead = sigil.encode_utf8(&mut [0; 4]).as_bytes()[0];
    let found =
        memchr::memchr_iter(lead, raw.as_bytes()).filter(move |&i| raw[i..].starts_with(sigil));
    found.filter_map(move |i| token_at(raw, i, sigil))
}

/// The name after the sigil at byte `i` of `raw`, if the sigil starts a
/// token there (no word character before it) and a name follows.
fn token_at(raw: &str, i: usize, sigil: char) -> Option<&str> {
    if raw[..i].chars().next_back().is_some_and(is_word_char) {
        return None;
    }
    let rest = &raw[i + sigil.len_utf8()..];
    let end = rest
        .find(|ch: char| !is_word_char(ch))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// Distinct `@handles` (or other sigil names) in raw text, compared
/// case-insensitively.
pub(crate) fn count_distinct_sigils(raw: &str, sigil: char) -> u32 {
    // Posts have few handles: comparing with the earlier ones needs no memory.
    let mut count = 0;
    for (i, tag) in sigil_tokens(raw, sigil).enumerate() {
        if !sigil_tokens(raw, sigil)
            .take(i)
            .any(|t| t.eq_ignore_ascii_case(tag))
        {
            count += 1;
        }
    }
    count
}

/// Sigil names in raw text, repeats included.
pub(crate) fn count_sigils(raw: &str, sigil: char) -> u32 {
    sigil_tokens(raw, sigil).count() as u32
}

/// Letters and upper-case letters in raw text, leaving out the tokens
/// (runs of non-white-space) that are @mentions, #hashtags and links, which
/// are upper case for reasons other than shouting.
pub(crate) fn caps_counts(raw: &str) -> (u32, u32) {
    // Every letter of the text, less those of the tokens left out: these
    // start with `@`, `#`, `http` or `www.` and are rare, so they are
    // looked for rather than every token being examined.
    let (mut letters, mut upper) = count_letters(raw);
    let bytes = raw.as_bytes();
    let sigils = memchr::memchr2_iter(b'@', b'#', bytes);
    let links =
        memchr::memmem::find_iter(bytes, b"http").chain(memchr::memmem::find_iter(bytes, b"www."));
    for start in sigils.chain(links) {
        if raw[..start]
            .chars()
            .next_back()
            .is_some_and(|c| !c.is_whitespace())
        {
            continue;
        }
        let end = raw[start..]
            .find(char::is_whitespace)
            .map_or(raw.len(), |n| start + n);
        let (l, u) = count_letters(&raw[start..end]);
        letters -= l;
        upper -= u;
    }
    (letters, upper)
}

/// Letters and upper-case letters in `text`: ASCII bytes all at once,
/// without branches, then the other characters, if any, one by one.
fn count_letters(text: &str) -> (u32, u32) {
    let bytes = text.as_bytes();
    let (mut letters, mut upper) = (0, 0);
    // Counted in bytes, 255 bytes at a time, so that the loop runs on
    // vectors. A byte of a non-ASCII character, 0x80 or more, is never
    // counted here.
    for chunk in bytes.chunks(255) {
        let (mut l, mut u) = (0u8, 0u8);
        for &b in chunk {
            l += ((b | 0x20).wrapping_sub(b'a') < 26) as u8;
            u += (b.wrapping_sub(b'A') < 26) as u8;
        }
        letters += u32::from(l);
        upper += u32::from(u);
    }
    if !text.is_ascii() {
        // Each non-ASCII character has one byte of 0xC0 or more.
        for (i, _) in bytes.iter().enumerate().filter(|&(_, &b)| b >= 0xC0) {
            let c = text[i..].chars().next().unwrap_or_default();
            if c.is_alphabetic() {
                letters += 1;
                upper += c.is_uppercase() as u32;
            }
        }
    }
    (letters, upper)
}

/// At least as many as the upper-case letters [`caps_counts`] finds: the
/// ASCII capitals and the non-ASCII characters of the text, counted
/// without looking at tokens or decoding, in a loop the compiler
/// vectorises (byte counts, added up every 255 bytes so that they cannot
/// overflow).
pub(crate) fn caps_upper_bound(raw: &str) -> u32 {
    raw.as_bytes()
        .chunks(usize::from(u8::MAX))
        .map(|chunk| {
            let n = chunk
                .iter()
                // A non-ASCII character has one byte of 0xC0 or more.
                .map(|&b| u8::from((b.wrapping_sub(b'A') < 26) | (b >= 0xC0)))
                .sum::<u8>();
            u32::from(n)
        })
        .sum()
}

/// The longest runs of `!` and of `?` (ASCII or full-width) in raw text;
/// white space inside a run does not end it.
pub(crate) fn longest_runs(raw: &str) -> (u32, u32) {
    let bytes = raw.as_bytes();
    let (mut best_ex, mut best_q) = (0, 0);
    let mut i = 0;
    // Full-width marks start with 0xEF in UTF-8, which is never inside a
    // character: every byte found starts one.
    while let Some(found) = memchr::memchr3(b'!', b'?', 0xEF, &bytes[i..]) {
        let start = i + found;
        if mark(raw, start).is_none() {
            // Another character starting with 0xEF.
            i = start + 1;
            continue;
        }
        // Follow the run to the first character that is neither a mark nor
        // white space.
        let (mut ex, mut q) = (0, 0);
        let mut j = start;
        while j < bytes.len() {
            let (c, len) = match mark(raw, j) {
                Some(m) => m,
                None if is_ascii_space(bytes[j]) => (' ', 1),
                None if bytes[j].is_ascii() => break,
                None => {
                    let c = raw[j..].chars().next().unwrap_or_default();
                    if !c.is_whitespace() {
                        break;
                    }
                    (' ', c.len_utf8())
                }
            };
            match c {
                '!' => {
                    ex += 1;
                    best_ex = best_ex.max(ex);
                    q = 0;
                }
                '?' => {
                    q += 1;
                    best_q = best_q.max(q);
                    ex = 0;
                }
                _ => {}
            }
            j += len;
        }
        i = j;
    }
    (best_ex, best_q)
}

/// The mark (`!` or `?`, full-width ones folded) at byte `at` and its
/// length in bytes, if there is one.
#[inline]
fn mark(raw: &str, at: usize) -> Option<(char, usize)> {
    match raw.as_bytes()[at] {
        b'!' => Some(('!', 1)),
        b'?' => Some(('?', 1)),
        0xEF => match raw[at..].chars().next() {
            Some('！') => Some(('!', 3)),
            Some('？') => Some(('?', 3)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain definition of [`caps_counts`]: split into tokens, leave
    /// some out, count the letters of the others.
    fn caps_counts_plain(raw: &str) -> (u32, u32) {
        let (mut letters, mut upper) = (0, 0);
        for token in raw.split_whitespace() {
            if token.starts_with(['@', '#'])
                || token.starts_with("http")
                || token.starts_with("www.")
            {
                continue;
            }
            for c in token.chars().filter(|c| c.is_alphabetic()) {
                letters += 1;
                upper += c.is_uppercase() as u32;
            }
        }
        (letters, upper)
    }

    /// The plain definition of [`longest_runs`]: one character at a time.
    fn longest_runs_plain(raw: &str) -> (u32, u32) {
        let (mut ex, mut q, mut best_ex, mut best_q) = (0, 0, 0, 0);
        for c in raw.chars() {
            match c {
                '!' | '！' => {
                    ex += 1;
                    best_ex = best_ex.max(ex);
                    q = 0;
                }
                '?' | '？' => {
                    q += 1;
                    best_q = best_q.max(q);
                    ex = 0;
                }
                c if c.is_whitespace() => {}
                _ => {
                    ex = 0;
                    q = 0;
                }
            }
        }
        (best_ex, best_q)
    }

    #[test]
    fn caps_bound_counts_capitals_and_other_characters() {
        assert_eq!(caps_upper_bound("ABC def"), 3);
        assert_eq!(caps_upper_bound("@UNITED É 😡 z"), 8);
        assert_eq!(caps_upper_bound(""), 0);
    }

    #[test]
    fn caps_leave_out_mentions_hashtags_and_links() {
        assert_eq!(caps_counts("@UNITED #FAIL http://X.COM www.A.B OK"), (2, 2));
        assert_eq!(caps_counts("Ça VA\u{a0}ÉTÉ"), (7, 6));
        // A sigil inside a token does not leave it out.
        assert_eq!(caps_counts("a@B c#D"), (4, 2));
        assert_eq!(caps_counts(""), (0, 0));
    }

    #[test]
    fn caps_count_long_texts() {
        // Past the 255 bytes counted at a time.
        let shout = "A".repeat(1000);
        assert_eq!(caps_counts(&shout), (1000, 1000));
        let mixed = "Ça VA @UNITED bien\u{a0}#FAIL ÉTÉ www.X.FR ok 😡 ".repeat(40);
        assert!(mixed.len() > 1000);
        assert_eq!(caps_counts(&mixed), caps_counts_plain(&mixed));
        assert_eq!(caps_counts(&mixed), (40 * 13, 40 * 6));
    }

    #[test]
    fn runs_cross_white_space_but_nothing_else() {
        assert_eq!(longest_runs("What!!! no!"), (3, 0));
        assert_eq!(longest_runs("Why ? ?\u{3000}?"), (0, 3));
        assert_eq!(longest_runs("quoi！！ !"), (3, 0));
        assert_eq!(longest_runs("!!?!"), (2, 1));
        assert_eq!(longest_runs("!!a!"), (2, 0));
        assert_eq!(longest_runs("!\u{b}\r\n!\u{85}!"), (3, 0));
        // Emoji with a variation selector (0xEF 0xB8 0x8F) are not marks.
        assert_eq!(longest_runs("!\u{fe0f}!"), (1, 0));
        assert_eq!(longest_runs("no marks"), (0, 0));
    }

    #[test]
    fn sigil_tokens_need_a_token_start() {
        let tags: Vec<&str> = sigil_tokens("#a x#b #c_d, #", '#').collect();
        assert_eq!(tags, vec!["a", "c_d"]);
        assert_eq!(count_distinct_sigils("@Delta @delta @AA x@bb", '@'), 2);
        assert_eq!(count_sigils("#a #a #b", '#'), 3);
    }

    /// The plain definition of [`sigil_tokens`]: every place the sigil
    /// is, as the search for a `char` in a `str` finds them.
    fn sigil_tokens_plain(raw: &str, sigil: char) -> Vec<&str> {
        raw.match_indices(sigil)
            .filter_map(|(i, _)| token_at(raw, i, sigil))
            .collect()
    }

    #[test]
    fn sigils_found_by_their_first_byte_as_by_their_char() {
        // A sigil of several bytes, and characters that share its first
        // byte (`＃` and `＠` start with 0xEF, as `｀` does).
        for (text, sigil) in [
            ("#a x#b #c_d, # #é#", '#'),
            ("＃a x＃b ＠c ｀d ＃", '＃'),
            ("@a ＠b ｀c @", '＠'),
        ] {
            assert_eq!(
                sigil_tokens(text, sigil).collect::<Vec<_>>(),
                sigil_tokens_plain(text, sigil),
                "{text}"
            );
        }
    }

    /// Text made of pieces that matter to the signals: marks of both
    /// widths, white space of several kinds, letters in both cases, sigils,
    /// link starts and characters that start with the same byte as
    /// full-width marks.
    fn signal_text() -> impl Strategy<Value = String> {
        let pieces = vec![
            "!", "?", "！", "？", " ", "\t", "\u{b}", "\u{a0}", "\u{3000}", "\u{85}", "a", "Z",
            "é", "É", "ß", "ǅ", "1", ".", "@", "#", "http", "www.", "\u{fe0f}", "😡", "ｗ",
            "\u{feff}", "_",
        ];
        prop::collection::vec(prop::sample::select(pieces), 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn sigil_tokens_agree_with_their_definition(text in signal_text()) {
            for sigil in ['@', '#', 'ｗ'] {
                prop_assert_eq!(
                    sigil_tokens(&text, sigil).collect::<Vec<_>>(),
                    sigil_tokens_plain(&text, sigil)
                );
            }
        }

        #[test]
        fn caps_counts_agrees_with_its_definition(text in signal_text()) {
            prop_assert_eq!(caps_counts(&text), caps_counts_plain(&text));
        }

        #[test]
        fn caps_upper_bound_counts_capitals_and_characters_past_ascii(
            text in "[aZ\u{e9}\u{c9}\u{1f621} ]{0,600}",
        ) {
            let want = text.chars().filter(|c| c.is_ascii_uppercase() || !c.is_ascii()).count();
            prop_assert_eq!(caps_upper_bound(&text) as usize, want);
        }

        #[test]
        fn caps_upper_bound_is_a_bound(text in signal_text()) {
            prop_assert!(caps_upper_bound(&text) >= caps_counts(&text).1);
        }

        #[test]
        fn longest_runs_agrees_with_its_definition(text in signal_text()) {
            prop_assert_eq!(longest_runs(&text), longest_runs_plain(&text));
        }
    }
}
