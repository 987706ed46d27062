//! Turns a validated rulebook file into the form used to classify posts:
//! every phrase of every rule in one Aho-Corasick automaton, every regex
//! compiled on its own (in one `RegexSet` past a few thousand) behind a
//! literal prefilter, rules referring to them by index.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::{RegexSet, RegexSetBuilder};
use regex_automata::meta;

use super::model::{self, Mode, RulebookFile, Spanned};
use super::parallel::map_in_order;
use crate::normalize::{is_word_char, NormalizeOptions, Normalizer};

/// Compiled regexes may use at most this much memory each (and eight times
/// as much as a set).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The search cache of each regex, per thread.
const REGEX_CACHE_BYTES: usize = 2 << 20;

/// The phrase automaton is a DFA when that takes at most this much memory.
const DFA_MAX_BYTES: usize = 4 << 20;

/// A compiled rulebook, ready to classify posts. Built by
/// [`crate::rulebook::load`]; immutable and cheap to share between threads.
#[derive(Debug)]
pub struct Rulebook {
    pub name: String,
    pub version: String,
    pub description: String,
    pub languages: Vec<String>,
    pub normalizer: Normalizer,
    pub sets: Vec<LabelSet>,
    pub rules: Vec<Rule>,
    pub(crate) matcher: Matcher,
}

/// A compiled label set.
#[derive(Debug, Clone)]
pub struct LabelSet {
    pub id: String,
    pub mode: Mode,
    pub description: String,
    pub threshold: f64,
    pub fallback: Option<String>,
    /// Index into `labels` of the fallback label when it is defined there.
    pub fallback_label: Option<usize>,
    pub labels: Vec<Label>,
    /// For each label, its rank among tied labels (lower wins).
    pub tie_rank: Vec<usize>,
    /// For each label, its threshold (as in `labels`, packed close for the
    /// decision).
    pub(crate) thresholds: Vec<f64>,
}

/// A compiled label.
#[derive(Debug, Clone)]
pub struct Label {
    pub id: String,
    pub title: String,
    pub description: String,
    pub priority: Option<u32>,
    pub priority_name: Option<String>,
    pub action: Option<String>,
    pub threshold: f64,
    pub examples: Vec<String>,
    pub counter_examples: Vec<String>,
    /// Indices into [`Rulebook::rules`].
    pub rules: Vec<usize>,
}

impl Label {
    /// The priority as written to output rows: its name, else its rank.
    pub fn priority_text(&self) -> String {
        match (&self.priority_name, self.priority) {
            (Some(name), _) => name.clone(),
            (None, Some(rank)) => rank.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// A compiled rule. Every matcher it has must hold for it to fire.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub set: usize,
    pub label: usize,
    pub weight: f64,
    /// The file the rule is defined in, when the rulebook extends others.
    pub file: Option<String>,
    pub(crate) cond: Conditions,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Conditions {
    pub any: Vec<u32>,
    pub all: Vec<u32>,
    pub none: Vec<u32>,
    pub hashtags: Vec<u32>,
    pub mentions: Vec<u32>,
    pub emoji: Vec<u32>,
    pub regex: Vec<u32>,
    pub min_mentions: Option<u32>,
    pub min_hashtags: Option<u32>,
    pub near: Option<Near>,
    pub caps: Option<(f64, u32)>,
    pub exclaim: Option<u32>,
    pub question: Option<u32>,
}

#[derive(Debug, Clone)]
pub(crate) struct Near {
    pub left: Vec<u32>,
    pub right: Vec<u32>,
    pub within: u32,
}

/// A phrase in the automaton, with the boundary checks its hits need.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    pub text: String,
    pub left_boundary: bool,
    pub right_boundary: bool,
    /// Whether hits must be located in words, for `near`.
    pub positional: bool,
}

/// Everything needed to find which rules fire on a post.
///
/// Most rules need some phrase to be present, so a post's candidate rules
/// come from the phrases found in it (`pattern_rules`) and the regexes that
/// matched (`regex_rules`); only the few rules made of signals alone
/// (`always`) are checked on every post.
#[derive(Debug)]
pub(crate) struct Matcher {
    /// Different for every compiled rulebook: per-thread state made for one
    /// (regex search caches) is never used with another.
    pub id: u64,
    pub patterns: Vec<Pattern>,
    /// The phrases (pattern `i` is `patterns[i]`), then the literals of the
    /// regex prefilter (pattern `patterns.len() + j` is its literal `j`).
    pub automaton: Option<AhoCorasick>,
    /// Every regex of the rulebook, run only when a candidate rule needs it.
    pub regexes: Regexes,
    /// The literals one of which every match of some regexes contains,
    /// found by the phrase automaton: a post without any of a regex's
    /// literals cannot match it, and the regex is not run.
    pub regex_prefilter: Option<RegexPrefilter>,
    /// For each phrase (`patterns[i]`), what its hits need, packed close:
    /// every hit of a post reads its phrase's entry, and a large rulebook
    /// has tens of thousands of phrases.
    pub phrase_hits: Vec<PhraseHit>,
    /// The rules each phrase is a trigger of, phrase after phrase (see
    /// [`PhraseHit::rules`]).
    pub triggered: Vec<u32>,
    /// For each regex, the rules made of regexes and signals alone it is
    /// one of the regexes of: candidates when one of them matches.
    pub regex_rules: Vec<Vec<u32>>,
    /// The regexes with such rules and no literals in the prefilter: tried
    /// on every post. The others are tried when a literal of theirs is.
    pub unfiltered_triggers: Vec<u32>,
    /// Rules with no phrase and no regex: checked on every post.
    pub always: Vec<u32>,
    /// For each rule, what it needs computed beyond the phrases found.
    pub needs: Vec<Needs>,
    /// For each rule, whether it fires whenever one of its trigger phrases
    /// is found: it has nothing else to check.
    pub on_trigger: Vec<bool>,
    /// For each rule, which of its conditions a check of the rule, once a
    /// candidate, must read (a rule's conditions span several cache lines).
    pub checks: Vec<Checks>,
    /// For each rule, where its weight goes (as in `Rulebook::rules`,
    /// packed close for the decision).
    pub slots: Vec<Slot>,
    /// The fewest capitals a post needs for some `caps_ratio` to hold: the
    /// least `caps_ratio` times `min_letters` of the rules.
    pub caps_floor: f64,
}

/// What a hit of one phrase needs: the word boundaries to check, and the
/// rules to make candidates. Twelve bytes, where the [`Pattern`] and a list
/// of its own were two places in memory more for each hit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PhraseHit {
    /// Where its rules start in [`Matcher::triggered`].
    start: u32,
    /// How many rules it triggers.
    len: u32,
    pub left_boundary: bool,
    pub right_boundary: bool,
}

impl PhraseHit {
    /// The range of [`Matcher::triggered`] that holds its rules.
    #[inline]
    pub fn rules(&self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }
}

/// The set, label and weight of a rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub set: u32,
    pub label: u32,
    pub weight: f64,
}

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
    /// As written. Compiled on first need when there is an ASCII form:
    /// few posts need it, and Unicode classes take memory.
    unicode: OnceLock<meta::Regex>,
    /// Word boundaries and classes in ASCII form (see [`super::ascii`]):
    /// the same matches on posts without non-ASCII word characters, found
    /// by the fast engines whatever else the post holds.
    ascii: Option<meta::Regex>,
}

/// The search caches of one regex, one per form, made on first use.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegexCaches {
    ascii: Option<meta::Cache>,
    unicode: Option<meta::Cache>,
}

impl OneRegex {
    fn new(source: &str) -> Result<OneRegex, String> {
        // The ASCII form is an optimisation: should it not compile (it is
        // never larger), the regex runs as written.
        let ascii = super::ascii::ascii_form(source).and_then(|a| build_regex(&a).ok());
        let unicode = OnceLock::new();
        // Compiled now when it is the only form. Else on first need:
        // validation, which every rulebook goes through before it is
        // compiled, has compiled it with the same size limit.
        if ascii.is_none() {
            let _ = unicode.set(build_regex(source)?);
        }
        Ok(OneRegex {
            source: source.to_string(),
            unicode,
            ascii,
        })
    }

    fn unicode(&self) -> &meta::Regex {
        self.unicode.get_or_init(|| {
            build_regex(&self.source).expect("the regex compiled when the rulebook was")
        })
    }

    /// The form to search a text with, and its cache: the ASCII form when
    /// there is one and the text has no non-ASCII word characters.
    fn form<'a>(
        &'a self,
        unicode_words: bool,
        caches: &'a mut RegexCaches,
    ) -> (&'a meta::Regex, &'a mut meta::Cache) {
        let (re, cache) = match &self.ascii {
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
        .syntax(regex_automata::util::syntax::Config::new().utf8(true));
    builder
}

/// Compiles a regex for searching: every engine, and the rulebook's search
/// cache size.
fn build_regex(src: &str) -> Result<meta::Regex, String> {
    // Each thread's cache of each regex grows on need up to this.
    regex_builder(|c| c.hybrid_cache_capacity(REGEX_CACHE_BYTES))
        .build(src)
        .map_err(|e| e.to_string())
}

/// Required literals of the regexes. They are searched for in the phrase
/// automaton, after the phrases, so that a post is scanned once for both.
#[derive(Debug)]
pub(crate) struct RegexPrefilter {
    /// The literals, in the automaton's order after the phrases.
    pub literals: Vec<Vec<u8>>,
    /// For each literal, the regexes it is one of the required literals of.
    pub literal_regexes: Vec<Vec<u32>>,
    /// For each regex, whether it has literals (else it always runs).
    pub filtered: Vec<bool>,
    /// For each regex, whether its literals are all it matches (`\?`,
    /// `https?://`): finding one of them is a match, and the regex is not
    /// run.
    pub exact: Vec<bool>,
    /// For each regex, whether its literals are those that start every
    /// match (`\b(love|like)\b.*`): the regex is then only tried, anchored,
    /// where one of them starts, not over the whole post.
    pub anchored: Vec<bool>,
    /// For each literal, the regexes it is one of the gate literals of.
    pub literal_gates: Vec<Vec<u32>>,
    /// For each regex, whether it has gate literals besides the literals
    /// that start its matches: a second set, one of which every match also
    /// contains (`(but|mais)` in `\b(love|like)\b.{0,60}\b(but|mais)\b`).
    /// The regex is tried only on posts with both.
    pub gated: Vec<bool>,
}

impl RegexPrefilter {
    /// Collects, for each regex that has one, a small set of literals one of
    /// which every match contains (see [`required_literals`]).
    fn new(sources: &[String], threads: usize) -> Option<RegexPrefilter> {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut literal_regexes: Vec<Vec<u32>> = Vec::new();
        let mut literal_gates: Vec<Vec<u32>> = Vec::new();
        let mut filtered = vec![false; sources.len()];
        let mut exact = vec![false; sources.len()];
        let mut anchored = vec![false; sources.len()];
        let mut gated = vec![false; sources.len()];
        let mut add = |lit: Vec<u8>, ri: usize, gate: bool| {
            let id = *index.entry(lit.clone()).or_insert_with(|| {
                literals.push(lit);
                literal_regexes.push(Vec::new());
                literal_gates.push(Vec::new());
                literals.len() - 1
            });
            let list = if gate {
                &mut literal_gates[id]
            } else {
                &mut literal_regexes[id]
            };
            if list.last() != Some(&(ri as u32)) {
                list.push(ri as u32);
            }
        };
        let found = map_in_order(sources, threads, |src| RegexLiterals::of(src));
        for (ri, found) in found.into_iter().enumerate() {
            let lits = match found {
                RegexLiterals::Exact(lits) => {
                    exact[ri] = true;
                    lits
                }
                RegexLiterals::Starting(lits) => {
                    anchored[ri] = true;
                    lits
                }
                RegexLiterals::Gated { starting, gate } => {
                    anchored[ri] = true;
                    gated[ri] = true;
                    for lit in gate {
                        add(lit, ri, true);
                    }
                    starting
                }
                RegexLiterals::Required(lits) => lits,
                RegexLiterals::None => continue,
            };
            filtered[ri] = true;
            for lit in lits {
                add(lit, ri, false);
            }
        }
        if literals.is_empty() {
            return None;
        }
        Some(RegexPrefilter {
            literals,
            literal_regexes,
            filtered,
            exact,
            anchored,
            literal_gates,
            gated,
        })
    }
}

/// The shortest literal a regex is tried at when the literals that start
/// its matches are not its rarest ones (see [`RegexLiterals::Gated`]).
const MIN_START_LITERAL: usize = 3;

/// The literals found in one regex, and what they say of its matches.
enum RegexLiterals {
    /// Every string it matches (see [`exact_literals`]).
    Exact(Vec<Vec<u8>>),
    /// Literals one of which every match contains and starts with.
    Starting(Vec<Vec<u8>>),
    /// Literals one of which every match starts with, and a rarer set one
    /// of which every match contains too.
    Gated {
        starting: Vec<Vec<u8>>,
        gate: Vec<Vec<u8>>,
    },
    /// Literals one of which every match contains (see
    /// [`required_literals`]).
    Required(Vec<Vec<u8>>),
    /// None to search for: the regex always runs.
    None,
}

impl RegexLiterals {
    fn of(src: &str) -> RegexLiterals {
        let Ok(hir) = regex_syntax::Parser::new().parse(src) else {
            return RegexLiterals::None;
        };
        if let Some(lits) = exact_literals(&hir) {
            return RegexLiterals::Exact(lits);
        }
        let Some(lits) = required_literals(&hir) else {
            return RegexLiterals::None;
        };
        match prefixes_of(&hir) {
            Some(p) if same_set(&p, &lits) => RegexLiterals::Starting(lits),
            // Starts worth finding: none so short that they are in most
            // posts (the `i` of `\b(i|we)\s+(tried|looked)\b`).
            Some(p) if p.iter().all(|l| l.len() >= MIN_START_LITERAL) => RegexLiterals::Gated {
                starting: p,
                gate: lits,
            },
            _ => RegexLiterals::Required(lits),
        }
    }
}

fn same_set(a: &[Vec<u8>], b: &[Vec<u8>]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b
}

/// Every string `hir` matches, when they are few and the regex has no
/// anchor or word boundary: then the regex matches a text exactly when one
/// of them occurs in it.
fn exact_literals(hir: &regex_syntax::hir::Hir) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::Extractor;

    // The extractor takes an assertion for the empty string.
    if !hir.properties().look_set().is_empty() {
        return None;
    }
    if !Extractor::new().extract(hir).is_exact() {
        return None;
    }
    prefixes_of(hir)
}

/// The literals that start every match of `hir`, as the regex engine itself
/// finds them; `None` when they are unknown or include the empty string.
fn prefixes_of(hir: &regex_syntax::hir::Hir) -> Option<Vec<Vec<u8>>> {
    let seq = regex_syntax::hir::literal::Extractor::new().extract(hir);
    let lits = seq.literals()?;
    // An empty literal matches anywhere: no use as a filter.
    if lits.is_empty() || lits.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    let mut set: Vec<Vec<u8>> = lits.iter().map(|l| l.as_bytes().to_vec()).collect();
    set.dedup();
    Some(set)
}

/// A set of literals one of which every match of `hir` contains, chosen to
/// be as rare in text as the regex allows: the literals that start a match
/// (as the regex engine finds them), or those that start the match of any
/// part the regex cannot do without, such as `(tried|looked)` in
/// `\b(i|we)\s+(tried|looked)\b`, where the prefixes `i` and `we` would
/// let the regex run on nearly every post. `None` when no such set is known.
fn required_literals(hir: &regex_syntax::hir::Hir) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::HirKind;

    // A set is better when its literals are expected less often in text.
    fn better(a: Option<Vec<Vec<u8>>>, b: Option<Vec<Vec<u8>>>) -> Option<Vec<Vec<u8>>> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if set_frequency(&b) < set_frequency(&a) {
                b
            } else {
                a
            }),
            (a, b) => a.or(b),
        }
    }
    let prefixes = || prefixes_of(hir);
    match hir.kind() {
        // A class of few characters: each of them (the ten ASCII digits and
        // the others of `\d`, rarer in posts than the `h` of a unit after it).
        HirKind::Class(class) => class_literals(class).or_else(prefixes),
        HirKind::Capture(c) => required_literals(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required_literals(&r.sub),
        // Each part of a sequence must match, so each part's set will do,
        // and so will the prefixes of the sequence from any part on (longer
        // literals, when the parts after it are literal too).
        HirKind::Concat(parts) => (0..parts.len())
            .flat_map(|i| {
                let rest = regex_syntax::hir::Hir::concat(parts[i..].to_vec());
                [required_literals(&parts[i]), prefixes_of(&rest)]
            })
            .fold(None, better),
        // One branch matches: the union of every branch's set.
        HirKind::Alternation(branches) => {
            let mut union: Vec<Vec<u8>> = Vec::new();
            for b in branches {
                for lit in required_literals(b)? {
                    if !union.contains(&lit) {
                        union.push(lit);
                    }
                }
            }
            better(prefixes(), Some(union))
        }
        _ => prefixes(),
    }
}

/// The most characters a class may have for [`required_literals`] to take
/// each of them as a literal: `\d` (under 800), not `\w` or `[^.!?]`.
const MAX_CLASS_LITERALS: usize = 1024;

/// Every character of `class` (every byte, for a class of bytes), encoded,
/// when it has at most [`MAX_CLASS_LITERALS`].
fn class_literals(class: &regex_syntax::hir::Class) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::Class;

    type Encode = fn(u32) -> Option<Vec<u8>>;
    let (ranges, encode): (Vec<(u32, u32)>, Encode) = match class {
        Class::Unicode(c) => (
            c.ranges()
                .iter()
                .map(|r| (r.start().into(), r.end().into()))
                .collect(),
            |x| char::from_u32(x).map(|ch| ch.to_string().into_bytes()),
        ),
        Class::Bytes(c) => (
            c.ranges()
                .iter()
                .map(|r| (r.start().into(), r.end().into()))
                .collect(),
            |x| u8::try_from(x).ok().map(|b| vec![b]),
        ),
    };
    // Ranges are disjoint and within the code points: the sum fits.
    let size: u32 = ranges.iter().map(|&(start, end)| end - start + 1).sum();
    (size as usize <= MAX_CLASS_LITERALS).then(|| {
        ranges
            .into_iter()
            .flat_map(|(start, end)| start..=end)
            .filter_map(encode)
            .collect()
    })
}

/// How often one of `set` is expected to start at a given place of a
/// normalised post: the sum, over its literals, of the product of their
/// bytes' frequencies (see [`byte_frequency`]). A rough guide to choose
/// between sets, not a measure: `h` (in most posts) scores above the ten
/// digits together, `tried` far below both.
fn set_frequency(set: &[Vec<u8>]) -> f64 {
    set.iter()
        .map(|lit| lit.iter().map(|&b| byte_frequency(b)).product::<f64>())
        .sum()
}

/// The share of the bytes of a normalised post (lower case, French and
/// English) that are `b`, roughly: letters by their usual frequency in
/// those languages, space the most common byte, digits and punctuation
/// rare, each byte of a non-ASCII character rarer still.
fn byte_frequency(b: u8) -> f64 {
    match b {
        b' ' => 0.16,
        b'e' => 0.10,
        b'a' => 0.07,
        b't' | b's' | b'i' | b'n' | b'o' => 0.06,
        b'r' => 0.055,
        b'h' | b'l' => 0.04,
        b'd' | b'u' => 0.03,
        b'c' => 0.025,
        b'm' => 0.022,
        b'p' => 0.018,
        b'f' | b'g' | b'w' | b'y' => 0.015,
        b'b' => 0.012,
        b'v' => 0.01,
        b'k' => 0.007,
        b'.' => 0.012,
        b',' => 0.008,
        b'\'' | b'@' => 0.006,
        b'j' | b'!' | b'#' | b'/' => 0.004,
        b'x' | b'?' | b':' | b'-' => 0.003,
        b'0'..=b'9' | b'q' | b'"' | b'\n' => 0.002,
        b'z' => 0.001,
        0x80.. => 0.003,
        _ => 0.001,
    }
}

/// What a rule needs computed from a post, beyond the phrases found in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Needs {
    pub mention_count: bool,
    pub hashtag_count: bool,
    pub caps: bool,
    pub runs: bool,
}

impl Needs {
    fn of(c: &Conditions) -> Needs {
        Needs {
            mention_count: c.min_mentions.is_some(),
            hashtag_count: c.min_hashtags.is_some(),
            caps: c.caps.is_some(),
            runs: c.exclaim.is_some() || c.question.is_some(),
        }
    }

    pub fn union(self, o: Needs) -> Needs {
        Needs {
            mention_count: self.mention_count || o.mention_count,
            hashtag_count: self.hashtag_count || o.hashtag_count,
            caps: self.caps || o.caps,
            runs: self.runs || o.runs,
        }
    }
}

/// What makes a rule worth checking on a post.
enum Trigger<'a> {
    /// One of these patterns, each needed by the rule (or one of them is).
    Patterns(&'a [u32]),
    /// One of its regexes.
    Regexes,
    /// Nothing: the rule is made of signals only.
    Always,
}

/// Which conditions of a rule are set, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checks(u16);

impl Checks {
    pub const ANY: u16 = 1;
    pub const ALL: u16 = 1 << 1;
    pub const NONE: u16 = 1 << 2;
    pub const HASHTAGS: u16 = 1 << 3;
    pub const MENTIONS: u16 = 1 << 4;
    pub const EMOJI: u16 = 1 << 5;
    pub const REGEX: u16 = 1 << 6;
    /// `min_mentions`, `min_hashtags`, `caps_ratio`, `exclaim`, `question`.
    pub const SIGNALS: u16 = 1 << 7;
    pub const NEAR: u16 = 1 << 8;

    fn of(c: &Conditions) -> Checks {
        let bit = |set: bool, b: u16| if set { b } else { 0 };
        Checks(
            bit(!c.any.is_empty(), Self::ANY)
                | bit(!c.all.is_empty(), Self::ALL)
                | bit(!c.none.is_empty(), Self::NONE)
                | bit(!c.hashtags.is_empty(), Self::HASHTAGS)
                | bit(!c.mentions.is_empty(), Self::MENTIONS)
                | bit(!c.emoji.is_empty(), Self::EMOJI)
                | bit(!c.regex.is_empty(), Self::REGEX)
                | bit(
                    c.min_mentions.is_some()
                        || c.min_hashtags.is_some()
                        || c.caps.is_some()
                        || c.exclaim.is_some()
                        || c.question.is_some(),
                    Self::SIGNALS,
                )
                | bit(c.near.is_some(), Self::NEAR),
        )
    }

    /// The conditions a candidate rule must still be checked for: the
    /// phrase list that made it a candidate (see [`trigger`]) holds already,
    /// unless it is `all` (one of its phrases only) or a side of `near`.
    fn of_candidate(c: &Conditions) -> Checks {
        let mut checks = Checks::of(c);
        if let Trigger::Patterns(list) = trigger(c) {
            for (l, bit) in [
                (&c.any, Self::ANY),
                (&c.hashtags, Self::HASHTAGS),
                (&c.mentions, Self::MENTIONS),
                (&c.emoji, Self::EMOJI),
            ] {
                if std::ptr::eq(list, l.as_slice()) {
                    checks.0 &= !bit;
                }
            }
        }
        checks
    }

    #[inline]
    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }
}

/// Whether a rule is one list of phrases (or one `all` phrase) and nothing
/// else: then the phrase that made it a candidate makes it fire.
fn fires_on_trigger(c: &Conditions) -> bool {
    let Conditions {
        any,
        all,
        none,
        hashtags,
        mentions,
        emoji,
        regex,
        min_mentions,
        min_hashtags,
        near,
        caps,
        exclaim,
        question,
    } = c;
    let lists = [any, all, hashtags, mentions, emoji]
        .iter()
        .filter(|l| !l.is_empty())
        .count();
    lists == 1
        && all.len() <= 1
        && none.is_empty()
        && regex.is_empty()
        && near.is_none()
        && min_mentions.is_none()
        && min_hashtags.is_none()
        && caps.is_none()
        && exclaim.is_none()
        && question.is_none()
}

/// The smallest list of patterns one of which must be present for the rule
/// to fire; else its regexes; else nothing.
fn trigger(c: &Conditions) -> Trigger<'_> {
    if let Some(first) = c.all.first() {
        return Trigger::Patterns(std::slice::from_ref(first));
    }
    let mut lists: Vec<&[u32]> = vec![&c.any, &c.hashtags, &c.mentions, &c.emoji];
    if let Some(near) = &c.near {
        lists.push(&near.left);
        lists.push(&near.right);
    }
    match lists
        .into_iter()
        .filter(|l| !l.is_empty())
        .min_by_key(|l| l.len())
    {
        Some(list) => Trigger::Patterns(list),
        None if !c.regex.is_empty() => Trigger::Regexes,
        None => Trigger::Always,
    }
}

/// How a phrase of a given matcher kind is turned into a pattern.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PhraseKind {
    Word,
    Hashtag,
    Mention,
    Symbol,
}

struct PatternTable {
    normalizer: Normalizer,
    index: HashMap<(String, bool, bool), u32>,
    patterns: Vec<Pattern>,
}

impl PatternTable {
    fn add(&mut self, raw: &str, kind: PhraseKind, positional: bool) -> u32 {
        let (text, left, right) = pattern_text(&self.normalizer, raw, kind);
        let key = (text, left, right);
        if let Some(&id) = self.index.get(&key) {
            if positional {
                self.patterns[id as usize].positional = true;
            }
            return id;
        }
        let id = self.patterns.len() as u32;
        self.patterns.push(Pattern {
            text: key.0.clone(),
            left_boundary: key.1,
            right_boundary: key.2,
            positional,
        });
        self.index.insert(key, id);
        id
    }

    fn add_list(
        &mut self,
        list: &Option<Spanned<Vec<Spanned<String>>>>,
        kind: PhraseKind,
    ) -> Vec<u32> {
        list.as_ref()
            .map(|l| {
                l.get_ref()
                    .iter()
                    .map(|p| self.add(p.get_ref(), kind, false))
                    .collect()
            })
            .unwrap_or_default()
    }
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

/// Compiles a rulebook file that passed validation. Errors here (a regex
/// that does not compile) come back as plain messages.
pub(crate) fn compile(file: &RulebookFile, threads: usize) -> Result<Rulebook, String> {
    let normalizer = Normalizer::new(normalize_options(&file.normalize));
    let mut table = PatternTable {
        normalizer,
        index: HashMap::new(),
        patterns: Vec::new(),
    };
    let mut regex_sources: Vec<String> = Vec::new();
    let mut regex_index: HashMap<String, u32> = HashMap::new();
    let mut rules = Vec::new();
    let mut sets = Vec::new();

    for (si, set) in file.set.iter().enumerate() {
        let mut labels = Vec::new();
        for (li, label) in set.label.iter().enumerate() {
            let mut rule_ids = Vec::new();
            for rule in &label.rule {
                let mut cond = Conditions {
                    any: table.add_list(&rule.any, PhraseKind::Word),
                    all: table.add_list(&rule.all, PhraseKind::Word),
                    none: table.add_list(&rule.none, PhraseKind::Word),
                    hashtags: table.add_list(&rule.hashtags, PhraseKind::Hashtag),
                    mentions: table.add_list(&rule.mentions, PhraseKind::Mention),
                    emoji: table.add_list(&rule.emoji, PhraseKind::Symbol),
                    min_mentions: rule.min_mentions.as_ref().map(|v| *v.get_ref()),
                    min_hashtags: rule.min_hashtags.as_ref().map(|v| *v.get_ref()),
                    caps: rule.caps_ratio.as_ref().map(|r| {
                        (
                            *r.get_ref(),
                            rule.min_letters.as_ref().map_or(8, |m| *m.get_ref()),
                        )
                    }),
                    exclaim: rule.exclaim.as_ref().map(|v| *v.get_ref()),
                    question: rule.question.as_ref().map(|v| *v.get_ref()),
                    ..Conditions::default()
                };
                if let Some(list) = &rule.regex {
                    for re in list.get_ref() {
                        // A regex written in several rules is compiled
                        // and run once.
                        let src = re.get_ref();
                        let id = *regex_index.entry(src.clone()).or_insert_with(|| {
                            regex_sources.push(src.clone());
                            regex_sources.len() as u32 - 1
                        });
                        cond.regex.push(id);
                    }
                }
                if let Some(near) = &rule.near {
                    let near = near.get_ref();
                    let side = |t: &mut PatternTable, l: &[Spanned<String>]| {
                        l.iter()
                            .map(|p| t.add(p.get_ref(), PhraseKind::Word, true))
                            .collect()
                    };
                    cond.near = Some(Near {
                        left: side(&mut table, &near.left),
                        right: side(&mut table, &near.right),
                        within: *near.within.get_ref(),
                    });
                }
                rule_ids.push(rules.len());
                // Rules stay in file order, set by set and label by label:
                // the decision relies on it.
                rules.push(Rule {
                    id: rule.id.get_ref().clone(),
                    description: rule.description.clone(),
                    set: si,
                    label: li,
                    weight: *rule.weight.get_ref(),
                    file: None,
                    cond,
                });
            }
            labels.push(Label {
                id: label.id.get_ref().clone(),
                title: label.title.clone(),
                description: label.description.clone(),
                priority: label.priority,
                priority_name: label.priority_name.clone(),
                action: label.action.clone(),
                threshold: label
                    .threshold
                    .as_ref()
                    .map_or(*set.threshold.get_ref(), |t| *t.get_ref()),
                examples: label.examples.iter().map(|e| e.get_ref().clone()).collect(),
                counter_examples: label
                    .counter_examples
                    .iter()
                    .map(|e| e.get_ref().clone())
                    .collect(),
                rules: rule_ids,
            });
        }
        let fallback = set.fallback.as_ref().map(|f| f.get_ref().clone());
        let fallback_label = fallback
            .as_ref()
            .and_then(|f| labels.iter().position(|l| &l.id == f));
        let mut tie_rank: Vec<usize> = (0..labels.len()).map(|i| i + labels.len()).collect();
        for (rank, id) in set.tie_break.iter().enumerate() {
            if let Some(i) = labels.iter().position(|l| l.id == *id.get_ref()) {
                tie_rank[i] = tie_rank[i].min(rank);
            }
        }
        sets.push(LabelSet {
            id: set.id.get_ref().clone(),
            mode: set.mode,
            description: set.description.clone(),
            threshold: *set.threshold.get_ref(),
            fallback,
            fallback_label,
            thresholds: labels.iter().map(|l| l.threshold).collect(),
            labels,
            tie_rank,
        });
    }

    let patterns = table.patterns;
    let each = || {
        map_in_order(&regex_sources, threads, |src| {
            OneRegex::new(src).map_err(|e| format!("compiling regex `{src}`: {e}"))
        })
        .into_iter()
        .collect::<Result<Vec<_>, String>>()
        .map(Regexes::Each)
    };
    // Past the limit a set bounds memory; a set too large to compile falls
    // back to separate regexes, each within its own limit.
    let regexes = if regex_sources.len() <= MAX_SEPARATE_REGEXES {
        each()?
    } else {
        match RegexSetBuilder::new(&regex_sources)
            .size_limit(REGEX_SIZE_LIMIT * 8)
            .build()
        {
            Ok(set) => Regexes::Set(set),
            Err(_) => each()?,
        }
    };
    let regex_prefilter = match regexes {
        Regexes::Each(_) => RegexPrefilter::new(&regex_sources, threads),
        Regexes::Set(_) => None,
    };
    let automaton = phrase_automaton(&patterns, regex_prefilter.as_ref())?;
    let mut pattern_rules = vec![Vec::new(); patterns.len()];
    let mut regex_rules = vec![Vec::new(); regexes.len()];
    let mut always = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let i = i as u32;
        match trigger(&rule.cond) {
            Trigger::Patterns(list) => list.iter().for_each(|&p| pattern_rules[p as usize].push(i)),
            Trigger::Regexes => rule
                .cond
                .regex
                .iter()
                .for_each(|&r| regex_rules[r as usize].push(i)),
            Trigger::Always => always.push(i),
        }
    }
    for list in pattern_rules.iter_mut().chain(&mut regex_rules) {
        list.dedup();
    }
    let mut triggered = Vec::with_capacity(pattern_rules.iter().map(Vec::len).sum());
    let phrase_hits = patterns
        .iter()
        .zip(&pattern_rules)
        .map(|(p, rules)| {
            let start = triggered.len() as u32;
            triggered.extend_from_slice(rules);
            PhraseHit {
                start,
                len: rules.len() as u32,
                left_boundary: p.left_boundary,
                right_boundary: p.right_boundary,
            }
        })
        .collect();
    // Regexes with rules to trigger and no literals to wait for.
    let unfiltered_triggers = (0..regexes.len())
        .filter(|&r| !regex_rules[r].is_empty())
        .filter(|&r| !regex_prefilter.as_ref().is_some_and(|p| p.filtered[r]))
        .map(|r| r as u32)
        .collect();
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let matcher = Matcher {
        id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        needs: rules.iter().map(|r| Needs::of(&r.cond)).collect(),
        on_trigger: rules.iter().map(|r| fires_on_trigger(&r.cond)).collect(),
        checks: rules
            .iter()
            .map(|r| Checks::of_candidate(&r.cond))
            .collect(),
        slots: rules
            .iter()
            .map(|r| Slot {
                set: r.set as u32,
                label: r.label as u32,
                weight: r.weight,
            })
            .collect(),
        caps_floor: rules
            .iter()
            .filter_map(|r| r.cond.caps)
            .map(|(ratio, min_letters)| ratio * min_letters as f64)
            .fold(f64::INFINITY, f64::min),
        phrase_hits,
        triggered,
        regex_rules,
        unfiltered_triggers,
        always,
        patterns,
        automaton,
        regexes,
        regex_prefilter,
    };

    Ok(Rulebook {
        name: file.rulebook.name.clone(),
        version: file.rulebook.version.clone(),
        description: file.rulebook.description.clone(),
        languages: file.rulebook.languages.clone(),
        normalizer,
        sets,
        rules,
        matcher,
    })
}

/// One automaton for the phrases and, after them, the regexes' literals.
fn phrase_automaton(
    patterns: &[Pattern],
    prefilter: Option<&RegexPrefilter>,
) -> Result<Option<AhoCorasick>, String> {
    let literals = prefilter.map_or(&[][..], |p| p.literals.as_slice());
    let all = || {
        patterns
            .iter()
            .map(|p| p.text.as_bytes())
            .chain(literals.iter().map(Vec::as_slice))
    };
    if all().next().is_none() {
        return Ok(None);
    }
    let build = |kind: Option<AhoCorasickKind>| {
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(kind)
            .build(all())
            .map_err(|e| format!("building the phrase automaton: {e}"))
    };
    // A DFA is the fastest to search; it is used while it stays small (the
    // automatic choice takes one only up to a hundred phrases). It has at
    // most one state per pattern byte, each state a row of 4-byte
    // transitions over the byte classes (rarely more than 64); the estimate
    // avoids building a large DFA only to drop it.
    let pattern_bytes: usize = all().map(<[u8]>::len).sum();
    let ac = if pattern_bytes * 64 * 4 <= DFA_MAX_BYTES {
        match build(Some(AhoCorasickKind::DFA)) {
            Ok(dfa) if dfa.memory_usage() <= DFA_MAX_BYTES => dfa,
            _ => build(None)?,
        }
    } else {
        build(None)?
    };
    Ok(Some(ac))
}

impl Rulebook {
    /// The first `one` set, whose label gives a row its priority and action.
    pub fn primary_set(&self) -> Option<usize> {
        self.sets.iter().position(|s| s.mode == Mode::One)
    }

    /// Every phrase of the rulebook, normalised, one per pattern: for
    /// exporting to other tools (benchmarks against grep-like scanners).
    pub fn phrases(&self) -> impl Iterator<Item = &str> {
        self.matcher.patterns.iter().map(|p| p.text.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literals_of(src: &str) -> Vec<String> {
        let hir = regex_syntax::Parser::new().parse(src).unwrap();
        let mut lits: Vec<String> = required_literals(&hir)
            .unwrap_or_default()
            .into_iter()
            .map(|l| String::from_utf8(l).unwrap())
            .collect();
        lits.sort();
        lits
    }

    /// How many characters other than 0-9 `\d` matches, counted by the
    /// regex engine.
    fn non_ascii_digits() -> usize {
        let digit = regex::Regex::new(r"^\d$").unwrap();
        (0x80..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|c| digit.is_match(c.encode_utf8(&mut [0; 4])))
            .count()
    }

    #[test]
    fn set_frequency_ranks_common_letters_above_digits() {
        let set = |lits: &[&str]| {
            set_frequency(
                &lits
                    .iter()
                    .map(|l| l.as_bytes().to_vec())
                    .collect::<Vec<_>>(),
            )
        };
        let digits: Vec<String> = (0..10).map(|d| d.to_string()).collect();
        let digits: Vec<&str> = digits.iter().map(String::as_str).collect();
        assert!(set(&["h"]) > set(&digits));
        assert!(set(&digits) > set(&["tried", "looked"]));
        assert!(set(&["?"]) < set(&["?", "!"]));
        assert!(set(&["é"]) < set(&["e"]));
    }

    #[test]
    fn required_literals_prefer_the_rarest_part() {
        assert_eq!(
            literals_of(r"\b(i|we)\s+(already\s+)?(tried|looked)\b"),
            vec!["looked", "tried"]
        );
        // Both branches hold a `?`, rarer than `!`.
        assert_eq!(literals_of(r"\?+\s*!|!\s*\?"), vec!["?"]);
        assert_eq!(literals_of(r"(^|\s)#[a-c]"), vec!["#a", "#b", "#c"]);
        assert_eq!(
            literals_of(r"\bdays? (to go|left)\b"),
            vec!["day left", "day to go", "days left", "days to go"]
        );
        // The digits of `\d`, every one of them, rather than the units
        // after them, whose `h` is in nearly every post.
        let digits = literals_of(r"\b(\d+|two)\s*(h|hours?)\b");
        assert!(!digits.contains(&"h".to_string()), "{digits:?}");
        for lit in ["0", "7", "9", "two", "٣", "७"] {
            assert!(digits.contains(&lit.to_string()), "{lit} not in {digits:?}");
        }
        assert_eq!(digits.len(), 1 + "0123456789".len() + non_ascii_digits());
        // The same with a class of bytes.
        assert_eq!(
            literals_of(r"(?-u:\d)+\s*(h|hours?)"),
            (0..10).map(|d| d.to_string()).collect::<Vec<_>>()
        );
        // A class too large to list is no use.
        assert_eq!(literals_of(r"\b\w+\s*(h|hours?)\b"), vec!["h", "hour"]);
        // Nothing every match must contain.
        assert!(literals_of(r"(^|\s)\w+").is_empty());
        assert!(literals_of(r"(a|\w)x?").is_empty());
    }

    fn exact_of(src: &str) -> Option<Vec<String>> {
        let hir = regex_syntax::Parser::new().parse(src).unwrap();
        exact_literals(&hir).map(|set| {
            let mut set: Vec<String> = set
                .into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect();
            set.sort();
            set
        })
    }

    #[test]
    fn exact_literals_only_for_plain_alternatives() {
        assert_eq!(exact_of(r"\?"), Some(vec!["?".to_string()]));
        assert_eq!(
            exact_of(r"https?://"),
            Some(vec!["http://".to_string(), "https://".to_string()])
        );
        assert_eq!(
            exact_of(r"(?i)ab"),
            Some(
                vec!["AB", "Ab", "aB", "ab"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            )
        );
        // Boundaries, anchors, repetition and optional matches are more
        // than the literals say.
        assert_eq!(exact_of(r"\bok\b"), None);
        assert_eq!(exact_of(r"^ok"), None);
        assert_eq!(exact_of(r"o+k"), None);
        assert_eq!(exact_of(r"(ok)?"), None);
        assert_eq!(exact_of(r"ok\w"), None);
    }

    /// A regex written twice is compiled once, and both rules use it.
    #[test]
    fn the_same_regex_is_compiled_once() {
        let text = "[rulebook]\nname = \"t\"\nversion = \"1\"\n\n[[set]]\nid = \"s\"\nmode = \"many\"\n\
            [[set.label]]\nid = \"a\"\n[[set.label.rule]]\nid = \"a1\"\nregex = ['\\bx+\\b']\n\
            [[set.label]]\nid = \"b\"\n[[set.label.rule]]\nid = \"b1\"\nregex = ['\\bx+\\b', 'y']\n";
        let book = crate::rulebook::from_str("t.toml", text).unwrap();
        assert_eq!(book.matcher.regexes.len(), 2);
        let v = book.classify("a xxx here");
        assert_eq!(v.fired, vec![0, 1]);
    }

    /// The prefilter may only skip a regex on a post it cannot match: on
    /// every text at hand, a regex of the default rulebook that matches has
    /// one of its literals in the text.
    #[test]
    fn the_prefilter_never_skips_a_match() {
        let book = crate::rulebook::default_rulebook();
        let m = &book.matcher;
        let pre = m
            .regex_prefilter
            .as_ref()
            .expect("the default has literals");
        let mut texts: Vec<String> = book
            .sets
            .iter()
            .flat_map(|s| &s.labels)
            .flat_map(|l| l.examples.iter().chain(&l.counter_examples))
            .cloned()
            .collect();
        for case in [
            include_str!("../../tests/cases/default.csv"),
            include_str!("../../tests/cases/french.csv"),
        ] {
            texts.extend(case.lines().map(str::to_string));
        }
        let regexes: Vec<regex::Regex> = (0..m.regexes.len())
            .map(|i| regex::Regex::new(m.regexes.source(i)).unwrap())
            .collect();
        let (mut checked, mut exact, mut anchored, mut gated) = (0, 0, 0, 0);
        for text in &texts {
            let text = book.normalizer.normalize(text);
            let mut present = vec![false; m.regexes.len()];
            let mut gate = vec![false; m.regexes.len()];
            let mut starts = vec![Vec::new(); m.regexes.len()];
            let ac = m.automaton.as_ref().unwrap();
            for hit in ac.find_overlapping_iter(&text) {
                let Some(j) = hit.pattern().as_usize().checked_sub(m.patterns.len()) else {
                    continue;
                };
                for &r in &pre.literal_regexes[j] {
                    present[r as usize] = true;
                    starts[r as usize].push(hit.start());
                }
                for &r in &pre.literal_gates[j] {
                    gate[r as usize] = true;
                }
            }
            for (i, &filtered) in pre.filtered.iter().enumerate() {
                let matched = regexes[i].is_match(&text);
                if filtered && matched {
                    checked += 1;
                    assert!(present[i], "{} matches {text:?}", m.regexes.source(i));
                }
                // A regex tried only where its literals start: its first
                // match starts at one of them.
                if pre.anchored[i] && matched {
                    anchored += 1;
                    let at = regexes[i].find(&text).unwrap().start();
                    assert!(
                        starts[i].contains(&at),
                        "{} at {at} in {text:?}",
                        m.regexes.source(i)
                    );
                }
                if pre.gated[i] && matched {
                    gated += 1;
                    assert!(gate[i], "{} matches {text:?}", m.regexes.source(i));
                }
                if pre.exact[i] {
                    exact += 1;
                    assert_eq!(present[i], matched, "{} on {text:?}", m.regexes.source(i));
                }
            }
        }
        assert!(checked > 100, "only {checked} matches checked");
        assert!(exact > 100, "only {exact} exact regexes checked");
        assert!(anchored > 100, "only {anchored} anchored matches checked");
        assert!(gated > 20, "only {gated} gated matches checked");
    }
}
