//! The regex prefilter: the literals one of which every match of a regex
//! contains (or starts with), searched for in the phrase automaton, so that
//! a regex runs only on the posts that hold one of them.

use std::collections::HashMap;

use crate::parallel::map_in_order;

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
    /// run. So it is for a regex that matches its literals between word
    /// boundaries (`\b(late|delayed) again\b`), where a literal found with
    /// the boundaries of [`RegexPrefilter::bounds`] around it is a match.
    pub exact: Vec<bool>,
    /// For each regex, the word boundaries its literals need around them to
    /// be a match (only for an exact regex).
    pub bounds: Vec<Bounds>,
    /// For each literal, whether one of its regexes needs a word boundary
    /// around it: its hits are then checked for them.
    pub literal_bounded: Vec<bool>,
    /// For each regex, whether its literals are those that start every
    /// match (`\b(love|like)\b.*`): the regex is then only tried, anchored,
    /// where one of them starts, not over the whole post.
    pub anchored: Vec<bool>,
    /// For each literal, the regexes it is one of the gate literals of.
    pub literal_gates: Vec<Vec<u32>>,
    /// For each literal, whether it starts with a word character.
    pub literal_word_start: Vec<bool>,
    /// For each regex tried where its literals start, whether every match
    /// starts with a word boundary (`\b(love|like)`): a literal that starts
    /// with a word character right after another one starts no match.
    pub boundary_start: Vec<bool>,
    /// For each regex, whether it has gate literals besides the literals
    /// that start its matches: a second set, one of which every match also
    /// contains (`(but|mais)` in `\b(love|like)\b.{0,60}\b(but|mais)\b`).
    /// The regex is tried only on posts with both.
    pub gated: Vec<bool>,
}

impl RegexPrefilter {
    /// Collects, for each regex that has one, a small set of literals one of
    /// which every match contains (see [`required_literals`]).
    pub(super) fn new(sources: &[String], threads: usize) -> Option<RegexPrefilter> {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut literal_regexes: Vec<Vec<u32>> = Vec::new();
        let mut literal_gates: Vec<Vec<u32>> = Vec::new();
        let mut filtered = vec![false; sources.len()];
        let mut exact = vec![false; sources.len()];
        let mut bounds = vec![Bounds::default(); sources.len()];
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
        let mut boundary_start = vec![false; sources.len()];
        let found = map_in_order(sources, threads, |src| {
            match regex_syntax::Parser::new().parse(src) {
                Ok(hir) => (RegexLiterals::of(&hir), starts_at_word_boundary(&hir)),
                Err(_) => (RegexLiterals::None, false),
            }
        });
        for (ri, (found, boundary)) in found.into_iter().enumerate() {
            let lits = match found {
                RegexLiterals::Exact(lits) => {
                    exact[ri] = true;
                    lits
                }
                RegexLiterals::Bounded(lits, b) => {
                    exact[ri] = true;
                    bounds[ri] = b;
                    lits
                }
                RegexLiterals::Starting(lits) => {
                    anchored[ri] = true;
                    boundary_start[ri] = boundary;
                    lits
                }
                RegexLiterals::Gated { starting, gate } => {
                    anchored[ri] = true;
                    boundary_start[ri] = boundary;
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
        let literal_word_start = literals
            .iter()
            .map(|l| {
                std::str::from_utf8(l).is_ok_and(|l| {
                    l.chars()
                        .next()
                        .is_some_and(regex_syntax::is_word_character)
                })
            })
            .collect();
        let literal_bounded = literal_regexes
            .iter()
            .map(|rs| rs.iter().any(|&r| bounds[r as usize].any()))
            .collect();
        Some(RegexPrefilter {
            literal_word_start,
            literal_bounded,
            bounds,
            boundary_start,
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
    /// Every string it matches, with the word boundaries it asks for around
    /// them (see [`bounded_literals`]).
    Bounded(Vec<Vec<u8>>, Bounds),
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
    /// What a regex, parsed as `hir`, offers to search for.
    fn of(hir: &regex_syntax::hir::Hir) -> RegexLiterals {
        // The regex's prefixes are extracted once, for each use below.
        let seq = regex_syntax::hir::literal::Extractor::new().extract(hir);
        let prefixes = prefixes_in(&seq);
        if is_exact(hir, &seq) {
            if let Some(lits) = prefixes {
                return RegexLiterals::Exact(lits);
            }
        }
        if let Some((lits, bounds)) = bounded_literals(hir) {
            return RegexLiterals::Bounded(lits, bounds);
        }
        let Some((_, lits)) = required_scored(hir, Some(&prefixes)) else {
            return RegexLiterals::None;
        };
        // The regex engine's prefixes, else the characters of a class that
        // starts every match (the digits of `\b(\d+|two)\s*h\b`, which the
        // engine leaves out: `\d` is hundreds of characters).
        match prefixes.or_else(|| starting_literals(hir)) {
            Some(p) if same_set(&p, &lits) => RegexLiterals::Starting(lits),
            // Starts worth finding: none so common that they are in most
            // posts (the `i` of `\b(i|we)\s+(tried|looked)\b`).
            Some(p) if p.iter().all(|l| rare_start(l)) => RegexLiterals::Gated {
                starting: p,
                gate: lits,
            },
            _ => RegexLiterals::Required(lits),
        }
    }
}

/// The Unicode word boundaries (`\b`) a regex asks for before and after
/// the strings it matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Bounds {
    pub before: bool,
    pub after: bool,
}

impl Bounds {
    pub fn any(self) -> bool {
        self.before || self.after
    }

    /// The word boundaries there are at the two ends of `start..end` in
    /// `text`: a Unicode word boundary is where a word character (as the
    /// regex engine reads `\b`) meets a character that is not one, or the
    /// text's start or end.
    pub fn around(text: &str, start: usize, end: usize) -> Bounds {
        let boundary = |at: usize| word_before(text, at) != word_at(text, at);
        Bounds {
            before: boundary(start),
            after: boundary(end),
        }
    }

    /// Whether the boundaries `found` include these.
    pub fn met_by(self, found: Bounds) -> bool {
        (!self.before || found.before) && (!self.after || found.after)
    }
}

/// Whether the character that ends right before byte `at` of `text` is a
/// word character, as the regex engine reads `\b` (ASCII decided from the
/// byte); false at the text's start.
#[inline]
pub(crate) fn word_before(text: &str, at: usize) -> bool {
    match text.as_bytes()[..at].last() {
        None => false,
        Some(&b) if b.is_ascii() => b.is_ascii_alphanumeric() || b == b'_',
        Some(_) => text[..at]
            .chars()
            .next_back()
            .is_some_and(regex_syntax::is_word_character),
    }
}

/// Whether the character that starts at byte `at` of `text` is a word
/// character, as [`word_before`] reads them; false at the text's end.
#[inline]
fn word_at(text: &str, at: usize) -> bool {
    match text.as_bytes().get(at) {
        None => false,
        Some(&b) if b.is_ascii() => b.is_ascii_alphanumeric() || b == b'_',
        Some(_) => text[at..]
            .chars()
            .next()
            .is_some_and(regex_syntax::is_word_character),
    }
}

/// Every string `hir` matches and the word boundaries around them, when it
/// is a `\b` (or two, one at each end) around a part without assertions
/// that matches a few strings only (`\b(late|delayed) again\b`): then the
/// regex matches a text exactly where one of them occurs with those
/// boundaries, and finding them is enough.
fn bounded_literals(hir: &regex_syntax::hir::Hir) -> Option<(Vec<Vec<u8>>, Bounds)> {
    use regex_syntax::hir::{Hir, HirKind, Look};

    let mut hir = hir;
    while let HirKind::Capture(c) = hir.kind() {
        hir = &c.sub;
    }
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let is_boundary = |h: &Hir| matches!(h.kind(), HirKind::Look(Look::WordUnicode));
    let before = parts.first().is_some_and(is_boundary);
    let after = parts.len() > 1 && parts.last().is_some_and(is_boundary);
    let body = &parts[usize::from(before)..parts.len() - usize::from(after)];
    if body.is_empty() || body.iter().any(|p| !p.properties().look_set().is_empty()) {
        return None;
    }
    let seq = regex_syntax::hir::literal::Extractor::new().extract(&Hir::concat(body.to_vec()));
    if !seq.is_exact() {
        return None;
    }
    let bounds = Bounds { before, after };
    prefixes_in(&seq)
        .filter(|_| bounds.any())
        .map(|lits| (lits, bounds))
}

/// Whether a literal that starts matches is rare enough to try a regex at
/// each place it is found: [`MIN_START_LITERAL`] bytes or more, or one
/// character no more frequent than a digit.
fn rare_start(lit: &[u8]) -> bool {
    let one_char = std::str::from_utf8(lit).is_ok_and(|s| s.chars().count() == 1);
    lit.len() >= MIN_START_LITERAL
        || (one_char && set_frequency(&[lit.to_vec()]) <= byte_frequency(b'0'))
}

/// The first bytes of the matches of a regex (see [`first_bytes`]).
pub(super) struct FirstBytes {
    /// Whether a match may start with each byte.
    pub bytes: [bool; 256],
    /// Whether every match starts with a word character.
    pub word: bool,
}

/// The bytes every match of `hir` starts with (the first bytes of
/// [`starting_literals`]); `None` when some match may start otherwise, or
/// be empty.
pub(super) fn first_bytes(hir: &regex_syntax::hir::Hir) -> Option<FirstBytes> {
    let lits = starting_literals(hir)?;
    let mut bytes = [false; 256];
    for lit in &lits {
        bytes[usize::from(lit[0])] = true;
    }
    let word = lits.iter().all(|l| {
        std::str::from_utf8(l)
            .ok()
            .and_then(|s| s.chars().next())
            .is_some_and(regex_syntax::is_word_character)
    });
    Some(FirstBytes { bytes, word })
}

/// Literals one of which every match of `hir` starts with, the characters
/// of small classes included (see [`class_literals`]); `None` when some
/// match may start otherwise, or be empty. Assertions before the first
/// part are skipped: they match no text, and a search started at a literal
/// still sees the text before it.
fn starting_literals(hir: &regex_syntax::hir::Hir) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::HirKind;

    let lits = match hir.kind() {
        HirKind::Literal(l) => vec![l.0.to_vec()],
        HirKind::Class(class) => class_literals(class)?,
        HirKind::Capture(c) => starting_literals(&c.sub)?,
        HirKind::Repetition(r) if r.min >= 1 => starting_literals(&r.sub)?,
        HirKind::Concat(parts) => {
            let first = parts
                .iter()
                .find(|p| !matches!(p.kind(), HirKind::Look(_)))?;
            starting_literals(first)?
        }
        HirKind::Alternation(branches) => union(branches.iter().map(starting_literals))?,
        _ => return None,
    };
    (!lits.is_empty() && lits.iter().all(|l| !l.is_empty())).then_some(lits)
}

/// Whether every match of `hir` starts with a Unicode word boundary
/// (`\b`, `\b{start}`, `\b{start-half}`): one that starts with a word
/// character then needs a character other than a word character before it.
fn starts_at_word_boundary(hir: &regex_syntax::hir::Hir) -> bool {
    starts_at_boundary(hir, false)
}

/// [`starts_at_word_boundary`], with ASCII word boundaries (`(?-u:\b)`)
/// taken too when `ascii`: for a text whose word characters are all ASCII,
/// where both kinds of boundary are at the same places.
pub(super) fn starts_at_boundary(hir: &regex_syntax::hir::Hir, ascii: bool) -> bool {
    use regex_syntax::hir::{HirKind, Look};

    match hir.kind() {
        HirKind::Look(look) => {
            matches!(
                look,
                Look::WordUnicode | Look::WordStartUnicode | Look::WordStartHalfUnicode
            ) || (ascii
                && matches!(
                    look,
                    Look::WordAscii | Look::WordStartAscii | Look::WordStartHalfAscii
                ))
        }
        HirKind::Capture(c) => starts_at_boundary(&c.sub, ascii),
        HirKind::Concat(parts) => parts.first().is_some_and(|p| starts_at_boundary(p, ascii)),
        HirKind::Alternation(branches) => branches.iter().all(|b| starts_at_boundary(b, ascii)),
        _ => false,
    }
}

/// The literals of every set, each once, sorted; `None` when one of the
/// sets is `None`. Sets can hold hundreds of literals (the characters of
/// `\d`): duplicates are found by sorting, not by comparing each literal
/// with all the others.
fn union(sets: impl Iterator<Item = Option<Vec<Vec<u8>>>>) -> Option<Vec<Vec<u8>>> {
    let mut all: Vec<Vec<u8>> = Vec::new();
    for set in sets {
        all.extend(set?);
    }
    all.sort_unstable();
    all.dedup();
    Some(all)
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
#[cfg(test)]
fn exact_literals(hir: &regex_syntax::hir::Hir) -> Option<Vec<Vec<u8>>> {
    let seq = regex_syntax::hir::literal::Extractor::new().extract(hir);
    if !is_exact(hir, &seq) {
        return None;
    }
    prefixes_in(&seq)
}

/// Whether `seq`, the prefixes of `hir`, are every string it matches (see
/// [`exact_literals`]).
fn is_exact(hir: &regex_syntax::hir::Hir, seq: &regex_syntax::hir::literal::Seq) -> bool {
    // The extractor takes an assertion for the empty string.
    hir.properties().look_set().is_empty() && seq.is_exact()
}

/// The literals that start every match of `hir`, as the regex engine itself
/// finds them; `None` when they are unknown or include the empty string.
fn prefixes_of(hir: &regex_syntax::hir::Hir) -> Option<Vec<Vec<u8>>> {
    prefixes_in(&regex_syntax::hir::literal::Extractor::new().extract(hir))
}

/// [`prefixes_of`], from the prefixes the extractor found.
fn prefixes_in(seq: &regex_syntax::hir::literal::Seq) -> Option<Vec<Vec<u8>>> {
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
    required_scored(hir, None).map(|(_, lits)| lits)
}

/// A set of literals with how often one of them is expected in text (see
/// [`set_frequency`]), worked out once per set.
type Scored = (f64, Vec<Vec<u8>>);

fn scored(lits: Option<Vec<Vec<u8>>>) -> Option<Scored> {
    lits.map(|l| (set_frequency(&l), l))
}

/// [`required_literals`], each set with its frequency; `own`, the prefixes
/// of `hir` when the caller has them already.
fn required_scored(
    hir: &regex_syntax::hir::Hir,
    own: Option<&Option<Vec<Vec<u8>>>>,
) -> Option<Scored> {
    use regex_syntax::hir::HirKind;

    // A set is better when its literals are expected less often in text.
    fn better(a: Option<Scored>, b: Option<Scored>) -> Option<Scored> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        }
    }
    let prefixes = || scored(own.map_or_else(|| prefixes_of(hir), Clone::clone));
    match hir.kind() {
        // A class of few characters: each of them (the ten ASCII digits and
        // the others of `\d`, rarer in posts than the `h` of a unit after it).
        HirKind::Class(class) => scored(class_literals(class)).or_else(prefixes),
        HirKind::Capture(c) => required_scored(&c.sub, None),
        HirKind::Repetition(r) if r.min >= 1 => required_scored(&r.sub, None),
        // Each part of a sequence must match, so each part's set will do,
        // and so will the prefixes of the sequence from any part on (longer
        // literals, when the parts after it are literal too). An assertion
        // (`\b`) matches no text and offers nothing: the sequence from it
        // on has the prefixes of the sequence after it, so it is skipped,
        // and the sequence from its first part that is not one is `hir`.
        HirKind::Concat(parts) => {
            let first = parts
                .iter()
                .position(|p| !matches!(p.kind(), HirKind::Look(_)));
            (0..parts.len())
                .filter(|&i| !matches!(parts[i].kind(), HirKind::Look(_)))
                .flat_map(|i| {
                    let rest = if Some(i) == first {
                        prefixes()
                    } else {
                        let rest = regex_syntax::hir::Hir::concat(parts[i..].to_vec());
                        scored(prefixes_of(&rest))
                    };
                    [required_scored(&parts[i], None), rest]
                })
                .fold(None, better)
        }
        // One branch matches: the union of every branch's set.
        HirKind::Alternation(branches) => better(
            prefixes(),
            scored(union(branches.iter().map(required_literals))),
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn literals_of(src: &str) -> Vec<String> {
        sorted_of(required_literals, src).unwrap_or_default()
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

    /// What `extract` gives for `src`, as sorted strings.
    fn sorted_of(
        extract: fn(&regex_syntax::hir::Hir) -> Option<Vec<Vec<u8>>>,
        src: &str,
    ) -> Option<Vec<String>> {
        let hir = regex_syntax::Parser::new().parse(src).unwrap();
        extract(&hir).map(|set| {
            let mut set: Vec<String> = set
                .into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect();
            set.sort();
            set
        })
    }

    fn starts_of(src: &str) -> Option<Vec<String>> {
        sorted_of(starting_literals, src)
    }

    #[test]
    fn starting_literals_take_the_characters_of_small_classes() {
        let digits = starts_of(r"\b(\d+|two)\s*(h|hours?)\b").unwrap();
        assert_eq!(digits.len(), 1 + 10 + non_ascii_digits());
        for lit in ["0", "9", "two", "٣"] {
            assert!(digits.contains(&lit.to_string()), "{lit} not in {digits:?}");
        }
        assert_eq!(
            starts_of(r"(?i:ab)|\bcd"),
            Some(vec!["A".into(), "a".into(), "cd".into()])
        );
        // A match may start elsewhere, or be empty.
        assert_eq!(starts_of(r"(^|\s)#x"), None);
        assert_eq!(starts_of(r"a?b"), None);
        assert_eq!(starts_of(r"\w+x"), None);
        assert_eq!(starts_of(r"(a|)b"), None);
    }

    #[test]
    fn regexes_start_at_digits_but_not_at_common_letters() {
        let kind =
            |src: &str| match RegexLiterals::of(&regex_syntax::Parser::new().parse(src).unwrap()) {
                RegexLiterals::Starting(_) => "starting",
                RegexLiterals::Gated { .. } => "gated",
                RegexLiterals::Required(_) => "required",
                RegexLiterals::Exact(_) => "exact",
                RegexLiterals::Bounded(..) => "bounded",
                RegexLiterals::None => "none",
            };
        assert_eq!(kind(r"\b(\d+|two)\s*(h|hours?)\b"), "starting");
        assert_eq!(kind(r"\b\d+\s*(fois|times)\b"), "gated");
        assert_eq!(kind(r"\b(i|we)\s+(tried|looked)\b"), "required");
        assert_eq!(kind(r"\b(le|au)\s+(10|3\d)\d\d\b"), "required");
        assert_eq!(kind(r"\b(two|three) (hours|days)\b"), "bounded");
        assert!(rare_start(b"7") && rare_start("٣".as_bytes()) && rare_start(b"two"));
        assert!(!rare_start(b"i") && !rare_start(b"le") && !rare_start(b"e"));
    }

    #[test]
    fn word_boundaries_that_start_every_match() {
        let bounded =
            |src: &str| starts_at_word_boundary(&regex_syntax::Parser::new().parse(src).unwrap());
        assert!(bounded(r"\b(love|like)\b.*"));
        assert!(bounded(r"(?:\bfoo)|(\b{start}bar|\b{start-half}baz)"));
        assert!(!bounded(r"(?:\bfoo)|bar"));
        assert!(!bounded(r"(?-u:\b)foo"));
        assert!(!bounded(r"\Bfoo"));
        assert!(!bounded(r"x\bfoo"));
    }

    fn bounded_of(src: &str) -> Option<(Vec<String>, bool, bool)> {
        let (lits, b) = bounded_literals(&regex_syntax::Parser::new().parse(src).unwrap())?;
        let mut lits: Vec<String> = lits
            .into_iter()
            .map(|l| String::from_utf8(l).unwrap())
            .collect();
        lits.sort();
        Some((lits, b.before, b.after))
    }

    /// A few strings between `\b`s are matched by finding them: the
    /// literals are every string of the part between, and the boundaries
    /// are those written.
    #[test]
    fn bounded_literals_of_phrase_like_regexes() {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            bounded_of(r"\b(late|delayed)( again)?\b"),
            Some((
                strings(&["delayed", "delayed again", "late", "late again"]),
                true,
                true
            ))
        );
        assert_eq!(
            bounded_of(r"\bthanks for"),
            Some((strings(&["thanks for"]), true, false))
        );
        assert_eq!(
            bounded_of(r"(?:#fail\b)"),
            Some((strings(&["#fail"]), false, true))
        );
        // Each case of `ok`, the Kelvin sign (a `k` in Unicode) among them.
        assert_eq!(bounded_of(r"\b(?i)ok\b").map(|b| b.0.len()), Some(6));
        // Not a few strings, or other assertions, or a boundary inside.
        assert_eq!(bounded_of(r"\b(i|we)\s+tried\b"), None);
        assert_eq!(bounded_of(r"\blate\b|\bdelayed\b"), None);
        assert_eq!(bounded_of(r"\blate\b again\b"), None);
        assert_eq!(bounded_of(r"^late\b"), None);
        assert_eq!(bounded_of(r"(?-u:\b)late(?-u:\b)"), None);
        assert_eq!(bounded_of(r"\b(late)?\b"), None);
        assert_eq!(bounded_of(r"late"), None);
    }

    /// Boundaries as `\b` reads them: between a word character and another
    /// character, or the text's ends; accented letters and digits of any
    /// script are word characters.
    #[test]
    fn boundaries_around_a_literal() {
        let around = |text: &str, lit: &str| {
            let start = text.find(lit).unwrap();
            let b = Bounds::around(text, start, start + lit.len());
            (b.before, b.after)
        };
        assert_eq!(around("late again", "late"), (true, true));
        assert_eq!(around("too late", "late"), (true, true));
        assert_eq!(around("lately", "late"), (true, false));
        assert_eq!(around("chocolate!", "late"), (false, true));
        assert_eq!(around("élate", "late"), (false, true));
        assert_eq!(around("late٣", "late"), (true, false));
        assert_eq!(around("_late", "late"), (false, true));
        // A literal that starts with a character other than a word one has
        // a boundary before it only after a word character.
        assert_eq!(around("so #fail", "#fail"), (false, true));
        assert_eq!(around("so#fail", "#fail"), (true, true));
        let both = Bounds {
            before: true,
            after: true,
        };
        assert!(both.met_by(both));
        assert!(!both.met_by(Bounds {
            before: true,
            after: false
        }));
        assert!(Bounds::default().met_by(Bounds::default()));
    }

    fn exact_of(src: &str) -> Option<Vec<String>> {
        sorted_of(exact_literals, src)
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
}
