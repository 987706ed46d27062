//! How the phrases and regexes of a rulebook file read: the normalised text
//! of a phrase and the word boundaries its hits need, the normalisation a
//! `[normalize]` table asks for, and the limits a regex must stay within.
//! The checks and the engine's compiler both go through here, so that what
//! the checks accept compiles to what they checked.

use regex_automata::meta;

use super::model::{self, Spanned};
use crate::normalize::{is_word_char, NormalizeOptions, Normalizer};

/// Compiled regexes may use at most this much memory each (and eight times
/// as much as a set).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A builder of regexes as `regex::Regex` builds them (UTF-8,
/// leftmost-first), with the rulebook's size limit, and `engines` set on top
/// (which engines to build, their caches). The rulebook's checks and its
/// compilation both build through it, so that a regex the checks accept
/// compiles.
pub(crate) fn regex_builder(engines: impl FnOnce(meta::Config) -> meta::Config) -> meta::Builder {
    let config = meta::Config::new()
        .match_kind(regex_automata::MatchKind::LeftmostFirst)
        .utf8_empty(true)
        .nfa_size_limit(Some(REGEX_SIZE_LIMIT));
    let mut builder = meta::Builder::new();
    builder
        .configure(engines(config))
        .syntax(regex_syntax_config());
    builder
}

/// How a rulebook's regex is parsed: as `regex::Regex` parses it (matches
/// are valid UTF-8). Shared by [`regex_builder`] and the engine's own
/// builds of anchored regexes, so that both read a regex alike.
pub(crate) fn regex_syntax_config() -> regex_automata::util::syntax::Config {
    regex_automata::util::syntax::Config::new().utf8(true)
}

/// How a phrase of a given matcher kind is turned into a pattern.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PhraseKind {
    Word,
    Hashtag,
    Mention,
    Symbol,
}

/// The normalised text of a phrase and whether its hits need a word boundary
/// on the left and on the right. A trailing `*` makes a prefix phrase.
pub(crate) fn pattern_text(
    normalizer: &Normalizer,
    raw: &str,
    kind: PhraseKind,
) -> (String, bool, bool) {
    let raw = raw.trim();
    match kind {
        PhraseKind::Word => {
            let (body, prefix) = match raw.strip_suffix('*') {
                Some(b) => (b, true),
                None => (raw, false),
            };
            let text = normalizer.normalize(body);
            let left = text.chars().next().is_some_and(is_word_char);
            let right = !prefix && text.chars().last().is_some_and(is_word_char);
            (text, left, right)
        }
        PhraseKind::Hashtag | PhraseKind::Mention => {
            let sigil = if kind == PhraseKind::Hashtag {
                '#'
            } else {
                '@'
            };
            let body = raw.trim_start_matches(sigil);
            let mut text = String::with_capacity(body.len() + 1);
            text.push(sigil);
            text.push_str(&normalizer.normalize(body));
            // The sigil must start a token: `a@delta.com` does not cite @delta.
            (text, true, true)
        }
        PhraseKind::Symbol => (normalizer.normalize(raw), false, false),
    }
}

/// Normalises a phrase the way the rule compiler does, for diagnostics that
/// compare phrases ("the same phrase in two labels").
pub fn normalized_phrase(normalizer: &Normalizer, raw: &str) -> String {
    pattern_text(normalizer, raw, PhraseKind::Word).0
}

pub(crate) fn normalize_options(section: &model::NormalizeSection) -> NormalizeOptions {
    NormalizeOptions {
        case_fold: on(&section.case_fold),
        accent_fold: on(&section.accent_fold),
        unify_punctuation: on(&section.unify_punctuation),
        collapse_whitespace: on(&section.collapse_whitespace),
    }
}

/// A normalisation step is on unless written `false`.
fn on(step: &Option<Spanned<bool>>) -> bool {
    !matches!(step, Some(s) if !*s.get_ref())
}
