//! The compiled regexes of a rulebook: each on its own with its ASCII form
//! for posts whose words are all ASCII, or all in one set past a few
//! thousand.

use std::sync::OnceLock;

use regex::RegexSet;
use regex_automata::nfa::thompson::{self, backtrack, pikevm};
use regex_automata::{hybrid, meta, Anchored, Input, MatchKind};
use regex_syntax::hir::{Hir, Look};

use crate::rulebook::patterns::{regex_builder, regex_syntax_config, REGEX_SIZE_LIMIT};

mod gap;

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
    unicode: OnceLock<Engine>,
    /// Word boundaries and classes in ASCII form (see [`super::ascii`]):
    /// the same matches on posts without non-ASCII word characters, found
    /// by the fast engines whatever else the post holds. Compiled on first
    /// need too (`None` inside: the regex has no such form): a short run
    /// tries only some of the rulebook's regexes, and a rulebook's start
    /// would otherwise be spent compiling them all.
    ascii: OnceLock<Option<Engine>>,
    /// Whether the regex is only ever tried anchored, where one of its
    /// literals starts ([`OneRegex::is_match_at`]): it is then built as a
    /// [`Forward`] engine, not a [`meta::Regex`].
    anchored: bool,
}

/// A compiled form of a regex.
#[derive(Debug)]
enum Engine {
    /// Every engine, for searches anywhere in a text.
    Meta(meta::Regex),
    /// For anchored searches only.
    Forward(Box<Forward>),
    /// For anchored searches only, a regex with a long gap of one class
    /// between two parts, run part by part (see [`gap`]).
    Split(Box<gap::Split>),
}

/// A regex searched only anchored, for whether it matches: its forward NFA,
/// a lazy DFA over it, and the NFA engines that answer when the lazy DFA
/// gives up (a Unicode word boundary next to a non-ASCII byte, a cache
/// cleared too often). That is what the regex engine's own `is_match` runs
/// for an anchored search, less what the other searches need and cost to
/// build on every first need: the reverse NFA (and the reverse lazy DFA
/// over it, which only finds where a match starts), the one-pass DFA (one
/// more engine for the same answer) and the literal prefilter (none is used
/// anchored).
#[derive(Debug)]
struct Forward {
    quick: Quick,
    dfa: hybrid::dfa::DFA,
    backtrack: backtrack::BoundedBacktracker,
    pikevm: pikevm::PikeVM,
}

/// What rules a search out before any engine runs, read off the regex.
#[derive(Debug, Clone, Copy)]
struct Quick {
    /// The fewest bytes a match takes, when known: a search in a shorter
    /// span has no match (checked first, as the regex engine does).
    min_len: Option<usize>,
    /// Whether every match starts at the start of the text (`^`).
    at_start: bool,
}

impl Quick {
    fn of(hir: &Hir) -> Quick {
        Quick {
            min_len: hir.properties().minimum_len(),
            at_start: starts_at_text_start(hir),
        }
    }

    /// Whether an anchored search of `input` cannot match: it starts past
    /// the text's start for a regex that needs it, or its span is too short.
    #[inline(always)]
    fn rules_out(&self, input: &Input<'_>) -> bool {
        (self.at_start && input.start() > 0)
            || self.min_len.is_some_and(|min| input.get_span().len() < min)
    }
}

/// The search cache of one compiled form.
#[derive(Debug, Clone)]
enum EngineCache {
    Meta(Box<meta::Cache>),
    Forward(Box<ForwardCache>),
    Split(Box<gap::SplitCache>),
}

/// The lazy DFA's cache; the others' only once the lazy DFA has given up.
#[derive(Debug, Clone)]
struct ForwardCache {
    dfa: hybrid::dfa::Cache,
    backtrack: Option<backtrack::Cache>,
    pikevm: Option<pikevm::Cache>,
}

/// Texts up to this long are searched by the bounded backtracker when the
/// lazy DFA gives up, longer ones by the PikeVM: the regex engine's own
/// choice for a search that stops at the first match.
const BACKTRACK_TEXT_BYTES: usize = 128;

impl Engine {
    #[cold]
    fn create_cache(&self) -> EngineCache {
        match self {
            Engine::Meta(re) => EngineCache::Meta(Box::new(re.create_cache())),
            Engine::Forward(f) => EngineCache::Forward(Box::new(f.create_cache())),
            Engine::Split(s) => EngineCache::Split(Box::new(s.create_cache())),
        }
    }

    #[inline(always)]
    /// Whether the regex matches in `input`, whose haystack is `text`.
    fn is_match(&self, cache: &mut EngineCache, text: &str, input: &Input<'_>) -> bool {
        match (self, cache) {
            (Engine::Meta(re), EngineCache::Meta(cache)) => re.is_match_with(cache, input),
            (Engine::Forward(f), EngineCache::Forward(cache)) => f.is_match(cache, input),
            (Engine::Split(s), EngineCache::Split(cache)) => s.is_match(cache, text, input),
            _ => unreachable!("a cache is only used with the form that made it"),
        }
    }
}

impl Forward {
    fn new(hir: &Hir) -> Result<Forward, String> {
        let nfa = forward_nfa(hir)?;
        let dfa = hybrid::dfa::Builder::new()
            .configure(lazy_dfa_config().match_kind(MatchKind::LeftmostFirst))
            .build_from_nfa(nfa.clone())
            .map_err(|e| e.to_string())?;
        let backtrack =
            backtrack::BoundedBacktracker::new_from_nfa(nfa.clone()).map_err(|e| e.to_string())?;
        let pikevm = pikevm::PikeVM::new_from_nfa(nfa).map_err(|e| e.to_string())?;
        Ok(Forward {
            quick: Quick::of(hir),
            dfa,
            backtrack,
            pikevm,
        })
    }

    fn create_cache(&self) -> ForwardCache {
        ForwardCache {
            dfa: self.dfa.create_cache(),
            backtrack: None,
            pikevm: None,
        }
    }

    #[inline(always)]
    fn is_match(&self, cache: &mut ForwardCache, input: &Input<'_>) -> bool {
        if self.quick.rules_out(input) {
            return false;
        }
        match self.dfa.try_search_fwd(&mut cache.dfa, input) {
            Ok(found) => found.is_some(),
            Err(_) => self.is_match_nfa(cache, input),
        }
    }

    /// [`Forward::is_match`] where the lazy DFA gave up.
    #[cold]
    fn is_match_nfa(&self, cache: &mut ForwardCache, input: &Input<'_>) -> bool {
        if input.haystack().len() <= BACKTRACK_TEXT_BYTES
            && input.get_span().len() < self.backtrack.max_haystack_len()
        {
            let bt = cache
                .backtrack
                .get_or_insert_with(|| self.backtrack.create_cache());
            if let Ok(found) = self.backtrack.try_is_match(bt, input.clone()) {
                return found;
            }
        }
        let vm = cache
            .pikevm
            .get_or_insert_with(|| self.pikevm.create_cache());
        self.pikevm.is_match(vm, input.clone())
    }
}

/// The search caches of one regex, one per form, made on first use.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegexCaches {
    ascii: Option<EngineCache>,
    unicode: Option<EngineCache>,
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

    fn unicode(&self) -> &Engine {
        self.unicode.get_or_init(|| {
            build_engine(&self.source, self.anchored, false)
                .expect("the rulebook's checks passed this regex")
        })
    }

    /// The ASCII form, when there is one. It is an optimisation: should it
    /// not compile (it is never larger), the regex runs as written.
    fn ascii(&self) -> Option<&Engine> {
        self.ascii
            .get_or_init(|| {
                super::ascii::ascii_form(&self.source)
                    .and_then(|a| build_engine(&a, self.anchored, true).ok())
            })
            .as_ref()
    }

    /// The form to search a text with, and its cache: the ASCII form when
    /// there is one and the text has no non-ASCII word characters.
    #[inline(always)]
    fn form<'a>(
        &'a self,
        unicode_words: bool,
        caches: &'a mut RegexCaches,
    ) -> (&'a Engine, &'a mut EngineCache) {
        let (re, cache) = match self.ascii() {
            Some(ascii) if !unicode_words => (ascii, &mut caches.ascii),
            _ => (self.unicode(), &mut caches.unicode),
        };
        if cache.is_none() {
            *cache = Some(re.create_cache());
        }
        (re, cache.as_mut().expect("made above"))
    }

    /// Whether the regex matches `text`; `unicode_words` says whether the
    /// text has non-ASCII word characters ([`super::ascii::needs_unicode`]).
    /// `caches` must only ever be used with this regex.
    pub fn is_match(&self, text: &str, unicode_words: bool, caches: &mut RegexCaches) -> bool {
        let (re, cache) = self.form(unicode_words, caches);
        let input = Input::new(text).earliest(true);
        // A `Forward` engine searched over the whole text is a regex whose
        // every match starts at the text's start (see `build_engine`).
        let input = match re {
            Engine::Forward(f) if f.quick.at_start => input.anchored(Anchored::Yes),
            Engine::Split(s) if s.at_start() => input.anchored(Anchored::Yes),
            _ => input,
        };
        re.is_match(cache, text, &input)
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
        let mut input = Input::new(text).anchored(Anchored::Yes).earliest(true);
        let mut starts = starts.filter(|&at| text.is_char_boundary(at));
        // The form is told once, not at each start.
        match (re, cache) {
            (Engine::Forward(f), EngineCache::Forward(cache)) => starts.any(|at| {
                input.set_start(at);
                f.is_match(cache, &input)
            }),
            (re, cache) => starts.any(|at| {
                input.set_start(at);
                re.is_match(cache, text, &input)
            }),
        }
    }
}

/// The forward NFA of a regex searched anchored.
fn forward_nfa(hir: &Hir) -> Result<thompson::NFA, String> {
    thompson::Compiler::new()
        .configure(
            thompson::Config::new()
                .utf8(true)
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .shrink(false),
        )
        .build_from_hir(hir)
        .map_err(|e| e.to_string())
}

/// The lazy DFA settings of the anchored engines: the regex engine's own.
fn lazy_dfa_config() -> hybrid::dfa::Config {
    hybrid::dfa::DFA::config()
        .unicode_word_boundary(true)
        .cache_capacity(REGEX_CACHE_BYTES)
        .skip_cache_capacity_check(false)
        .minimum_cache_clear_count(Some(3))
        .minimum_bytes_per_state(Some(10))
}

/// Compiles a regex for searching: a regex only searched `anchored`, or
/// whose every match starts at the start of the text (`^…`, searched
/// anchored there), as a [`Forward`] engine (or a [`gap::Split`] one when it
/// has a long gap); any other with every engine and the rulebook's search
/// cache size.
///
/// `ascii_words`: the form is for texts without word characters past ASCII.
fn build_engine(src: &str, anchored: bool, ascii_words: bool) -> Result<Engine, String> {
    // Parsed once, as the regex engine parses it (see `regex_builder`), for
    // the choice of engine and the build.
    let hir = parse(src)?;
    if anchored || starts_at_text_start(&hir) {
        // In parts where it has a long gap; whole should a part not build.
        if let Some(Ok(split)) = gap::Split::new(&hir, ascii_words) {
            return Ok(Engine::Split(Box::new(split)));
        }
        return Forward::new(&hir).map(|f| Engine::Forward(Box::new(f)));
    }
    // Each thread's cache of each regex grows on need up to this.
    regex_builder(|c| c.hybrid_cache_capacity(REGEX_CACHE_BYTES))
        .build_from_hir(&hir)
        .map(Engine::Meta)
        .map_err(|e| e.to_string())
}

/// A rulebook's regex parsed with the regex engine's own syntax settings.
fn parse(src: &str) -> Result<Hir, String> {
    regex_automata::util::syntax::parse_with(src, &regex_syntax_config()).map_err(|e| e.to_string())
}

/// Whether every match of the regex starts at the start of the text (it
/// begins with `^` outside multi-line mode, in every alternative): an
/// unanchored search for it is the anchored search at the start.
fn starts_at_text_start(hir: &Hir) -> bool {
    hir.properties().look_set_prefix().contains(Look::Start)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A regex built for anchored tries only (the forward engines, no
    /// prefilter) finds the same matches at each start as the same regex
    /// built with every engine, in both its forms, and searched anywhere
    /// too: where the lazy DFA answers, and where it gives up at a
    /// non-ASCII character next to a Unicode word boundary, in a short text
    /// (the bounded backtracker) and a long one (the PikeVM).
    #[test]
    fn a_regex_built_for_anchored_tries_matches_as_the_full_build() {
        let sources = [
            r"\b(love|like)\b.{0,20}\b(but|mais)\b",
            r"\b(thanks|merci) (for|pour) (nothing|rien)\b",
            r"\d+ ?(h|hours?|heures?)\b",
            r"\b(deja|déjà|ete|été)\b\s+\w+",
            r"^(\.?@\w+[\s,:]*)+\w+$",
        ];
        let long = format!("{} merci pour rien, déjà 3 heures", "é à ".repeat(40));
        let texts = [
            "i love it but the seats",
            "j'aime bien, love la box mais la wifi",
            "thanks for nothing, 3 hours later",
            "merci pour rien depuis 12h",
            "loved it, no but",
            "été 2 heures à l'attente",
            "déjà été là, deja vu",
            "@été_x réponse",
            "@united thanks",
            long.as_str(),
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
                    let (mut a, mut f) = (RegexCaches::default(), RegexCaches::default());
                    assert_eq!(
                        anchored.is_match(text, unicode_words, &mut a),
                        full.is_match(text, unicode_words, &mut f),
                        "{src} on {text:?}"
                    );
                }
            }
        }
        assert!(matched >= 8, "only {matched} tries matched");
    }

    /// A regex whose every match starts at the start of the text is built
    /// as a forward engine and searched anchored there: it answers as the
    /// regex built with every engine and searched anywhere, in both forms,
    /// on texts that match, that match only past the start, and that have
    /// non-ASCII word characters.
    #[test]
    fn a_regex_anchored_at_the_start_matches_as_the_full_build() {
        let sources = [
            r"^(\.?@\w+[\s,:]*)+[^\s@#]+(\s+[^\s@#]+){0,2}[\s!?.]*$",
            r"^\.@",
            r"^(une |grosse )?(panne|coupure)\b[^!?.]{0,30}\b(à|a|dans le)\s\w+$",
            r"^(\.?@\w+[\s,:]*)+(what|when)\b[^!]*\?|^merci\b",
        ];
        let texts = [
            "@united yes!",
            "@united sure can! just a second.",
            "@united @delta ok thanks a lot for it",
            ".@united thanks",
            "thanks .@united",
            "panne de réseau à nanterre",
            "grosse coupure dans le 78",
            "encore une panne à paris",
            "@été_x réponse là",
            "@united when is my flight?",
            "hi @united when is my flight?",
            "merci beaucoup",
            "un grand merci",
            "",
        ];
        let mut matched = 0;
        for src in sources {
            assert!(starts_at_text_start(&parse(src).unwrap()), "{src}");
            let one = OneRegex::new(src, false);
            let meta = regex_builder(|c| c).build(src).unwrap();
            for text in texts {
                // The ASCII form is only for texts without non-ASCII word
                // characters; the form as written is for any text.
                let forms = if super::super::ascii::needs_unicode(text) {
                    &[true][..]
                } else {
                    &[false, true][..]
                };
                for &unicode_words in forms {
                    let got = one.is_match(text, unicode_words, &mut RegexCaches::default());
                    assert_eq!(got, meta.is_match(text), "{src} on {text:?}");
                    matched += usize::from(got);
                }
            }
            // Built for anchored searches: whole, or in parts where it has a
            // long gap (the third).
            assert!(
                matches!(one.unicode(), Engine::Forward(_) | Engine::Split(_)),
                "{src}"
            );
        }
        assert!(matched >= 12, "only {matched} searches matched");
    }

    /// Only a regex whose every alternative starts at the text's start is
    /// taken for one.
    #[test]
    fn a_start_anchor_is_told_from_a_line_anchor_and_a_partial_one() {
        let at_start = |src: &str| starts_at_text_start(&parse(src).unwrap());
        assert!(at_start(r"^a|^b"));
        assert!(at_start(r"\Aab"));
        assert!(!at_start(r"^a|b"));
        assert!(!at_start(r"(?m)^a"));
        assert!(!at_start(r"a^"));
        assert!(!at_start(r"\bmerci\b"));
    }

    /// Both forms of the anchored build give up in the lazy DFA at a
    /// non-ASCII letter next to a Unicode word boundary, and still answer.
    #[test]
    fn the_forward_engines_answer_where_the_lazy_dfa_gives_up() {
        let re = Forward::new(&parse(r"\bdéjà\b").unwrap()).unwrap();
        let mut cache = match Engine::Forward(Box::new(re)).create_cache() {
            EngineCache::Forward(c) => c,
            EngineCache::Meta(_) | EngineCache::Split(_) => unreachable!(),
        };
        let re = Forward::new(&parse(r"\bdéjà\b").unwrap()).unwrap();
        for (text, want) in [("oui déjà là", true), ("déjàvu", false)] {
            let input = Input::new(text).earliest(true);
            assert!(re.dfa.try_search_fwd(&mut cache.dfa, &input).is_err());
            assert_eq!(re.is_match(&mut cache, &input), want, "{text}");
        }
    }
}
