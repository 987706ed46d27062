//! The compiled regexes of a rulebook: each on its own with its ASCII form
//! for posts whose words are all ASCII, or all in one set past a few
//! thousand.

use std::sync::OnceLock;

use regex::RegexSet;
use regex_automata::meta;

use crate::rulebook::patterns::regex_builder;

/// The search cache of each regex, per thread.
const REGEX_CACHE_BYTES: usize = 2 << 20;

/// Up to this many regexes, each is compiled on its own (about half a MiB
/// each at most); past it, all go in one set, which takes less memory but
/// is much slower to run.
pub(crate) const MAX_SEPARATE_REGEXES: usize = 4096;

/// The compiled regexes of a rulebook.
#[derive(Debug)]
pub(crate) enum Regexes {
    /// Each on its own: alone, a regex keeps its literal prefilter and its
    /// fast engines, where a set of many falls back to the slowest.
    Each(Vec<OneRegex>),
    /// All together, for rulebooks with very many regexes.
    Set(RegexSet),
}

impl Regexes {
    pub fn len(&self) -> usize {
        match self {
            Regexes::Each(v) => v.len(),
            Regexes::Set(set) => set.len(),
        }
    }

    /// The source of regex `i`.
    pub fn source(&self, i: usize) -> &str {
        match self {
            Regexes::Each(v) => &v[i].source,
            Regexes::Set(set) => &set.patterns()[i],
        }
    }
}

/// A regex of the rulebook, with its ASCII form when it has one.
///
/// Searches go through [`OneRegex::is_match`] with a cache the caller keeps
/// (one per thread, in [`crate::Scratch`]): a regex shared between threads
/// otherwise hands out its caches from a locked pool on every search.
#[derive(Debug)]
pub(crate) struct OneRegex {
    source: String,
    /// As written. Compiled on first need: few posts need it when there is
    /// an ASCII form, and Unicode classes take memory.
    unicode: OnceLock<meta::Regex>,
    /// Word boundaries and classes in ASCII form (see [`super::ascii`]):
    /// the same matches on posts without non-ASCII word characters, found
    /// by the fast engines whatever else the post holds. Compiled on first
    /// need too (`None` inside: the regex has no such form): a short run
    /// tries only some of the rulebook's regexes, and a rulebook's start
    /// would otherwise be spent compiling them all.
    ascii: OnceLock<Option<meta::Regex>>,
    /// Whether the regex is only ever tried anchored, where one of its
    /// literals starts ([`OneRegex::is_match_at`]). An anchored search
    /// uses no prefilter, so none is built for it: the regex's own literal
    /// search and the reverse strategies that go with it were about a
    /// quarter of the regexes' builds over real posts.
    anchored: bool,
}

/// The search caches of one regex, one per form, made on first use.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegexCaches {
    ascii: Option<meta::Cache>,
    unicode: Option<meta::Cache>,
}

impl OneRegex {
    /// A regex that compiles when first searched with. Only regexes that
    /// the rulebook's checks have found to build within the size limit are
    /// given here (see [`crate::rulebook::validate`]).
    ///
    /// `anchored`: the regex is only searched with
    /// [`OneRegex::is_match_at`], never [`OneRegex::is_match`].
    pub(super) fn new(source: &str, anchored: bool) -> OneRegex {
        OneRegex {
            source: source.to_string(),
            unicode: OnceLock::new(),
            ascii: OnceLock::new(),
            anchored,
        }
    }

    fn unicode(&self) -> &meta::Regex {
        self.unicode.get_or_init(|| {
            build_regex(&self.source, self.anchored)
                .expect("the rulebook's checks passed this regex")
        })
    }

    /// The ASCII form, when there is one. It is an optimisation: should it
    /// not compile (it is never larger), the regex runs as written.
    fn ascii(&self) -> Option<&meta::Regex> {
        self.ascii
            .get_or_init(|| {
                super::ascii::ascii_form(&self.source)
                    .and_then(|a| build_regex(&a, self.anchored).ok())
            })
            .as_ref()
    }

    /// The form to search a text with, and its cache: the ASCII form when
    /// there is one and the text has no non-ASCII word characters.
    fn form<'a>(
        &'a self,
        unicode_words: bool,
        caches: &'a mut RegexCaches,
    ) -> (&'a meta::Regex, &'a mut meta::Cache) {
        let (re, cache) = match self.ascii() {
            Some(ascii) if !unicode_words => (ascii, &mut caches.ascii),
            _ => (self.unicode(), &mut caches.unicode),
        };
        (re, cache.get_or_insert_with(|| re.create_cache()))
    }

    /// Whether the regex matches `text`; `unicode_words` says whether the
    /// text has non-ASCII word characters ([`super::ascii::needs_unicode`]).
    /// `caches` must only ever be used with this regex.
    pub fn is_match(&self, text: &str, unicode_words: bool, caches: &mut RegexCaches) -> bool {
        let (re, cache) = self.form(unicode_words, caches);
        re.is_match_with(cache, &regex_automata::Input::new(text))
    }

    /// Whether the regex has a match in `text` that starts at one of
    /// `starts` (byte offsets). The text before each start still counts for
    /// look-behind assertions such as `\b`.
    pub fn is_match_at(
        &self,
        text: &str,
        starts: impl Iterator<Item = usize>,
        unicode_words: bool,
        caches: &mut RegexCaches,
    ) -> bool {
        let (re, cache) = self.form(unicode_words, caches);
        let mut input = regex_automata::Input::new(text).anchored(regex_automata::Anchored::Yes);
        starts.filter(|&at| text.is_char_boundary(at)).any(|at| {
            input.set_start(at);
            re.is_match_with(cache, &input)
        })
    }
}

/// Compiles a regex for searching: every engine, and the rulebook's search
/// cache size; a regex only searched `anchored` gets no prefilter.
fn build_regex(src: &str, anchored: bool) -> Result<meta::Regex, String> {
    // Each thread's cache of each regex grows on need up to this.
    regex_builder(|c| {
        c.hybrid_cache_capacity(REGEX_CACHE_BYTES)
            .auto_prefilter(!anchored)
    })
    .build(src)
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A regex built for anchored tries only (no prefilter) finds the same
    /// matches at each start as the same regex built for any search, in
    /// both its forms.
    #[test]
    fn a_regex_built_for_anchored_tries_matches_as_the_full_build() {
        let sources = [
            r"\b(love|like)\b.{0,20}\b(but|mais)\b",
            r"\b(thanks|merci) (for|pour) (nothing|rien)\b",
            r"\d+ ?(h|hours?|heures?)\b",
        ];
        let texts = [
            "i love it but the seats",
            "j'aime bien, love la box mais la wifi",
            "thanks for nothing, 3 hours later",
            "merci pour rien depuis 12h",
            "loved it, no but",
            "été 2 heures à l'attente",
        ];
        let mut matched = 0;
        for src in sources {
            let anchored = OneRegex::new(src, true);
            let full = OneRegex::new(src, false);
            for text in texts {
                for unicode_words in [false, true] {
                    for at in 0..=text.len() {
                        let (mut a, mut f) = (RegexCaches::default(), RegexCaches::default());
                        let got =
                            anchored.is_match_at(text, [at].into_iter(), unicode_words, &mut a);
                        let want = full.is_match_at(text, [at].into_iter(), unicode_words, &mut f);
                        assert_eq!(got, want, "{src} on {text:?} at {at}");
                        matched += usize::from(got);
                    }
                }
            }
        }
        assert!(matched >= 8, "only {matched} tries matched");
    }
}
