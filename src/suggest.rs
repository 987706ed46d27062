//! Mining new rules from posts labelled by hand: the phrases (one to three
//! words, normalised as the rulebook normalises), hashtags and emoji that
//! set a label's posts apart, with how often they are right and how many of
//! the posts the rulebook misses they would catch. Pure computation.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::engine::signals::sigil_tokens;
use crate::engine::Rulebook;
use crate::eval::GoldPost;
use crate::normalize::is_word_char;
use crate::rulebook::Mode;
use crate::{Scratch, Verdict};

/// The longest phrase suggested, in words.
pub const MAX_WORDS: usize = 3;

/// The z of the one-sided 95% Wilson lower bound on a phrase's precision.
const Z: f64 = 1.645;

/// How much a post the rulebook already gets right counts, next to a post
/// it misses, when phrases are ranked.
const CAUGHT_WEIGHT: f64 = 0.25;

/// Words that say nothing of a label on their own, French and English
/// (normalised: lower case, no accents). A phrase made only of these (or of
/// numbers) is never suggested.
const STOPWORDS: &[&str] = &[
    // French
    "a", "ai", "au", "aux", "avec", "c", "ca", "ce", "ces", "cette", "d", "dans", "de", "des", "du",
    "elle", "en", "est", "et", "etre", "eu", "il", "ils", "j", "je", "l", "la", "le", "les",
    "leur", "lui", "m", "ma", "mais", "me", "mes", "moi", "mon", "n", "ne", "nos", "notre", "nous",
    "on", "ou", "par", "pas", "pour", "qu", "que", "qui", "s", "sa", "se", "ses", "si", "son",
    "sur", "t", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "y",
    "cet", "comme", "ont", "plus", "sont", "suis", "tout", "tous", "tres", // English
    "am", "an", "and", "are", "as", "at", "be", "been", "but", "by", "do", "for", "from", "had",
    "has", "have", "he", "her", "his", "i", "im", "in", "is", "it", "its", "me", "my", "of", "on",
    "or", "our", "she", "so", "that", "the", "their", "them", "they", "this", "to", "u", "us",
    "was", "we", "were", "what", "with", "you", "your", "also", "if", "than", "then", "there",
    "these", "those", "rt", // HTML entities left in exported text
    "amp", "gt", "lt", "quot", "nbsp",
];

/// The endings of English contractions (`don't`, `it's`, `we'll`): no
/// phrase starts with one.
const CONTRACTION_ENDS: &[&str] = &["t", "s", "d", "m", "ll", "re", "ve"];

/// What kind of matcher a candidate becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A phrase of one to three words: `any`.
    Phrase,
    /// `#tag`: `hashtags`.
    Hashtag,
    /// One emoji: `emoji`.
    Emoji,
}

impl Kind {
    /// The rule key the candidate goes in.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Phrase => "any",
            Kind::Hashtag => "hashtags",
            Kind::Emoji => "emoji",
        }
    }
}

/// A label to find phrases for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub set: usize,
    pub label: usize,
}

/// What is asked of a suggestion.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// A suggestion occurs in at least this many posts of its label.
    pub min_support: u64,
    /// At most this many suggestions per label.
    pub top: usize,
    /// A suggestion is right at least this often (0 to 1).
    pub min_precision: f64,
}

/// One suggested rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// A rule id not used in the rulebook: `suggested-LABEL-N`.
    pub id: String,
    pub kind: Kind,
    /// The phrase, `#tag` or emoji, normalised.
    pub text: String,
    /// Labelled posts (with a reference for the set) it occurs in.
    pub support: u64,
    /// Of those, posts of the label.
    pub hits: u64,
    /// `hits / support`.
    pub precision: f64,
    /// The one-sided 95% Wilson lower bound of the precision.
    pub lower_bound: f64,
    /// Posts of the label that the rulebook does not give it and that the
    /// phrase occurs in.
    pub catches_missed: u64,
    /// The weight of the suggested rule: the label's threshold, so that the
    /// rule alone can give the label.
    pub weight: f64,
}

/// The suggestions for one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelSuggestions {
    pub set: String,
    pub label: String,
    /// Labelled posts with a reference for the set.
    pub posts: u64,
    /// Of those, posts of the label.
    pub label_posts: u64,
    /// Posts of the label the rulebook does not give it.
    pub missed: u64,
    pub suggestions: Vec<Suggestion>,
}

/// One candidate's figures for a target.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    support: u64,
    hits: u64,
    missed: u64,
}

/// A candidate that qualifies for a target, with what ranks it.
struct Ranked<'a> {
    gain: f64,
    candidate: &'a (Kind, String),
    counts: Counts,
    lower_bound: f64,
    /// The posts it occurs in, ascending.
    posts: &'a [u32],
}

/// The phrases, hashtags and emoji the rulebook already has.
struct Known {
    exact: HashSet<String>,
    prefixes: Vec<String>,
}

impl Known {
    fn of(rulebook: &Rulebook) -> Known {
        let mut exact = HashSet::new();
        let mut prefixes = Vec::new();
        for p in &rulebook.matcher.patterns {
            let prefix = p.left_boundary
                && !p.right_boundary
                && p.text.chars().last().is_some_and(is_word_char);
            if prefix {
                prefixes.push(p.text.clone());
            } else {
                exact.insert(p.text.clone());
            }
        }
        Known { exact, prefixes }
    }

    fn covers(&self, kind: Kind, text: &str) -> bool {
        self.exact.contains(text)
            || (kind == Kind::Phrase && self.prefixes.iter().any(|p| text.starts_with(p.as_str())))
    }
}

/// Whether `word` says nothing on its own: a stopword, a number, one letter.
fn is_empty_word(word: &str) -> bool {
    word.chars().count() < 2 || word.chars().all(|c| c.is_numeric()) || STOPWORDS.contains(&word)
}

/// Whether `c` is an emoji or a pictographic symbol (the blocks emoji come
/// from; skin tones and joiners are left out).
pub fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F300..=0x1F3FA | 0x1F400..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF
        | 0x1F000..=0x1F2FF | 0x2300..=0x23FF)
}

/// The candidates of one post, each once: phrases of one to three words of
/// the normalised text (words joined by one space, `'` or `-`, as the
/// phrase matcher finds them), hashtags and emoji. Words of @handles and
/// links are left out.
pub fn candidates(rulebook: &Rulebook, raw: &str, out: &mut Vec<(Kind, String)>) {
    out.clear();
    let text = rulebook.normalizer.normalize(raw);
    // Word spans, and whether each may be part of a phrase.
    let mut words: Vec<(usize, usize, bool)> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (start, is_word_char(c) && i < text.len()) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                let chunk_start = text[..s].rfind(' ').map_or(0, |p| p + 1);
                let chunk = &text[chunk_start..];
                let blocked = chunk.starts_with('@')
                    || chunk.starts_with("http")
                    || chunk.starts_with("www.");
                words.push((s, i, !blocked));
                start = None;
            }
            _ => {}
        }
    }
    for i in 0..words.len() {
        // Words are counted as written: `j'en` and `est-ce` are one.
        let mut spaces = 0;
        for n in 1.. {
            let Some(last) = words.get(i + n - 1) else {
                break;
            };
            let span = &words[i..i + n];
            if !span.iter().all(|w| w.2) {
                break;
            }
            if n > 1 {
                match &text[words[i + n - 2].1..last.0] {
                    " " => spaces += 1,
                    "'" | "-" => {}
                    _ => break,
                }
                if spaces >= MAX_WORDS {
                    break;
                }
            }
            if span.iter().all(|w| is_empty_word(&text[w.0..w.1])) {
                continue;
            }
            // Never half a word: not `don` nor `t` of `don't`, `aujourd`
            // of `aujourd'hui`, `peut` of `peut-etre`. A French elision
            // (`l'`, `j'`) may be left out.
            let glued_after = |end: usize| {
                let mut rest = text[end..].chars();
                matches!(rest.next(), Some('\'' | '-')) && rest.next().is_some_and(is_word_char)
            };
            let glued_before = |mark: char| {
                let before = &text[..words[i].0];
                before.ends_with(mark)
                    && before[..before.len() - 1]
                        .chars()
                        .next_back()
                        .is_some_and(is_word_char)
            };
            let first = &text[words[i].0..words[i].1];
            if glued_after(last.1)
                || glued_before('-')
                || (glued_before('\'') && CONTRACTION_ENDS.contains(&first))
            {
                continue;
            }
            out.push((Kind::Phrase, text[words[i].0..last.1].to_string()));
        }
    }
    for tag in sigil_tokens(raw, '#') {
        let tag = rulebook.normalizer.normalize(tag);
        if !is_empty_word(&tag) {
            out.push((Kind::Hashtag, format!("#{tag}")));
        }
    }
    for c in text.chars().filter(|&c| is_emoji(c)) {
        out.push((Kind::Emoji, c.to_string()));
    }
    out.sort();
    out.dedup();
}

/// The one-sided Wilson lower bound of `hits` successes in `n` trials.
pub fn wilson_lower_bound(hits: u64, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    let p = hits as f64 / n;
    let z2 = Z * Z;
    let centre = p + z2 / (2.0 * n);
    let spread = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - spread) / (1.0 + z2 / n)).max(0.0)
}

/// Whether post `labels` (its reference for the set) have the label.
fn has_label(labels: &[String], id: &str) -> bool {
    labels.iter().any(|l| l == id)
}

/// Finds, for each target, the candidates that set its posts apart, best
/// first. Posts without a reference for a target's set do not count for it.
pub fn suggest(
    rulebook: &Rulebook,
    posts: &[GoldPost],
    targets: &[Target],
    opts: Options,
) -> Vec<LabelSuggestions> {
    let known = Known::of(rulebook);
    // Every candidate with the posts it occurs in.
    let mut index: HashMap<(Kind, String), Vec<u32>> = HashMap::new();
    let mut verdicts: Vec<Verdict> = Vec::with_capacity(posts.len());
    let mut scratch = Scratch::default();
    let mut found = Vec::new();
    for (pi, post) in posts.iter().enumerate() {
        let mut v = Verdict::default();
        post.classify_into(rulebook, &mut scratch, &mut v);
        verdicts.push(v);
        candidates(rulebook, &post.text, &mut found);
        for c in found.drain(..) {
            if known.covers(c.0, &c.1) {
                continue;
            }
            index.entry(c).or_default().push(pi as u32);
        }
    }
    let mut used_ids: HashSet<String> = rulebook.rules.iter().map(|r| r.id.clone()).collect();
    targets
        .iter()
        .map(|t| {
            let set = &rulebook.sets[t.set];
            let label = &set.labels[t.label];
            // Per post: has a reference, has the label, is missed.
            let state: Vec<Option<(bool, bool)>> = posts
                .iter()
                .zip(&verdicts)
                .map(|(p, v)| {
                    let refs = p.labels.get(t.set)?.as_ref()?;
                    let is = has_label(refs, &label.id);
                    let given = match set.mode {
                        Mode::One => rulebook.label_of(v, t.set) == label.id,
                        Mode::Many => v.sets[t.set].labels.contains(&t.label),
                    };
                    Some((is, is && !given))
                })
                .collect();
            let n = state.iter().flatten().count() as u64;
            let label_posts = state.iter().flatten().filter(|s| s.0).count() as u64;
            let missed = state.iter().flatten().filter(|s| s.1).count() as u64;
            let base = if n == 0 {
                1.0
            } else {
                label_posts as f64 / n as f64
            };
            let mut ranked: Vec<Ranked> = index
                .iter()
                .filter_map(|(cand, in_posts)| {
                    let mut c = Counts::default();
                    for &pi in in_posts {
                        if let Some((is, miss)) = state[pi as usize] {
                            c.support += 1;
                            c.hits += u64::from(is);
                            c.missed += u64::from(miss);
                        }
                    }
                    if c.hits < opts.min_support.max(1) {
                        return None;
                    }
                    let lb = wilson_lower_bound(c.hits, c.support);
                    if lb <= base || (c.hits as f64) < opts.min_precision * c.support as f64 {
                        return None;
                    }
                    let gain = lb * (c.missed as f64 + CAUGHT_WEIGHT * (c.hits - c.missed) as f64);
                    Some(Ranked {
                        gain,
                        candidate: cand,
                        counts: c,
                        lower_bound: lb,
                        posts: in_posts,
                    })
                })
                .collect();
            // The best first; among equals the shortest, which occurs in
            // more posts than these show.
            let words = |t: &str| t.split(' ').count();
            ranked.sort_by(|a, b| {
                b.gain
                    .total_cmp(&a.gain)
                    .then(b.counts.hits.cmp(&a.counts.hits))
                    .then(words(&a.candidate.1).cmp(&words(&b.candidate.1)))
                    .then(a.candidate.cmp(b.candidate))
            });
            let weight = if label.threshold > 0.0 {
                label.threshold
            } else {
                1.0
            };
            let mut chosen: Vec<Suggestion> = Vec::new();
            let mut chosen_posts: Vec<&[u32]> = Vec::new();
            let of_label = |pi: &u32| state[*pi as usize].is_some_and(|s| s.0);
            for r in ranked {
                let ((kind, text), c, lb, in_posts) =
                    (r.candidate, r.counts, r.lower_bound, r.posts);
                if chosen.len() >= opts.top {
                    break;
                }
                // A candidate adds nothing when a chosen one occurs in every
                // post of the label it occurs in: a phrase around a chosen
                // one, the word of a chosen hashtag. Posting lists ascend.
                if chosen_posts.iter().any(|&had| {
                    in_posts
                        .iter()
                        .filter(|p| of_label(p))
                        .all(|p| had.binary_search(p).is_ok())
                }) {
                    continue;
                }
                chosen_posts.push(in_posts);
                let mut k = chosen.len() + 1;
                let id = loop {
                    let id = format!("suggested-{}-{k}", label.id);
                    if used_ids.insert(id.clone()) {
                        break id;
                    }
                    k += 1;
                };
                chosen.push(Suggestion {
                    id,
                    kind: *kind,
                    text: text.clone(),
                    support: c.support,
                    hits: c.hits,
                    precision: c.hits as f64 / c.support as f64,
                    lower_bound: lb,
                    catches_missed: c.missed,
                    weight,
                });
            }
            LabelSuggestions {
                set: set.id.clone(),
                label: label.id.clone(),
                posts: n,
                label_posts,
                missed,
                suggestions: chosen,
            }
        })
        .collect()
}

/// A TOML basic string holding `s`, escaped.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The suggestions as rules to paste, each under a comment with its
/// figures, grouped by label with a line saying where they go.
pub fn render_toml(groups: &[LabelSuggestions]) -> String {
    let mut out = String::new();
    for (gi, g) in groups.iter().enumerate() {
        if gi > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "# {}.{}: {} of {} labelled posts; the rulebook misses {} of them.",
            g.set, g.label, g.label_posts, g.posts, g.missed
        );
        let _ = writeln!(
            out,
            "# Paste under the [[set.label]] with id = {} of the set {}.",
            toml_string(&g.label),
            toml_string(&g.set)
        );
        if g.suggestions.is_empty() {
            let _ = writeln!(out, "# (nothing to suggest)");
        }
        for s in &g.suggestions {
            let _ = writeln!(
                out,
                "\n# in {} posts, {} of them {} (precision {:.2}, lower bound {:.2}); catches {} {} post(s) the rulebook misses",
                s.support, s.hits, g.label, s.precision, s.lower_bound, s.catches_missed, g.label
            );
            let _ = writeln!(out, "[[set.label.rule]]");
            let _ = writeln!(out, "id = {}", toml_string(&s.id));
            let _ = writeln!(out, "weight = {:?}", s.weight);
            let _ = writeln!(out, "{} = [{}]", s.kind.key(), toml_string(&s.text));
        }
    }
    out
}

/// The suggestions as a table, one line each.
pub fn render_table(groups: &[LabelSuggestions]) -> String {
    let mut out = String::new();
    for (gi, g) in groups.iter().enumerate() {
        if gi > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "{}.{}: {} of {} posts, {} missed by the rulebook",
            g.set, g.label, g.label_posts, g.posts, g.missed
        );
        let w = g
            .suggestions
            .iter()
            .map(|s| s.text.chars().count())
            .max()
            .unwrap_or(0)
            .max(6);
        let _ = writeln!(
            out,
            "  {:<8} {:<w$}  support  hits  precision  lower  catches",
            "kind", "phrase"
        );
        for s in &g.suggestions {
            let pad = w - s.text.chars().count();
            let _ = writeln!(
                out,
                "  {:<8} {}{}  {:>7}  {:>4}  {:>9.3}  {:>5.3}  {:>7}",
                s.kind.key(),
                s.text,
                " ".repeat(pad),
                s.support,
                s.hits,
                s.precision,
                s.lower_bound,
                s.catches_missed
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rb(rules: &str) -> Rulebook {
        crate::engine::from_str(
            "t",
            &format!("[rulebook]\nname='t'\nversion='1'\n[[set]]\nid='s'\nmode='one'\nfallback='other'\n[[set.label]]\nid='angry'\n{rules}\n[[set.label]]\nid='other'\n"),
        )
        .unwrap()
    }

    fn texts(rulebook: &Rulebook, raw: &str) -> Vec<String> {
        let mut out = Vec::new();
        candidates(rulebook, raw, &mut out);
        out.into_iter().map(|c| c.1).collect()
    }

    #[test]
    fn phrases_follow_the_rulebook_normalisation_and_skip_stopwords() {
        let r = rb("[[set.label.rule]]\nid='a'\nany=['zzz']");
        let got = texts(&r, "J'en ai MARRE, déçu");
        assert!(got.contains(&"marre".to_string()));
        assert!(got.contains(&"j'en ai marre".to_string()));
        assert!(got.contains(&"decu".to_string()));
        // Words apart from a comma do not make a phrase the matcher finds.
        assert!(!got.iter().any(|t| t.contains("marre decu")));
        // Only stopwords.
        assert!(!got.contains(&"j'en ai".to_string()));
        let got = texts(&r, "don't let me down aujourd'hui");
        assert!(got.contains(&"don't let".to_string()));
        assert!(got.contains(&"aujourd'hui".to_string()));
        assert!(!got
            .iter()
            .any(|t| t.starts_with("t ") || t == "don" || t == "aujourd"));
    }

    #[test]
    fn handles_and_links_are_not_phrases_but_hashtags_and_emoji_are_found() {
        let r = rb("[[set.label.rule]]\nid='a'\nany=['zzz']");
        let got = texts(&r, "@Orange panne https://t.co/abc #Colere 😡");
        assert!(got.contains(&"panne".to_string()));
        assert!(!got
            .iter()
            .any(|t| t.contains("orange") && !t.starts_with('#')));
        assert!(!got.iter().any(|t| t.contains("abc")));
        assert!(got.contains(&"#colere".to_string()));
        assert!(got.contains(&"😡".to_string()));
    }

    #[test]
    fn rulebook_phrases_and_prefixes_are_known() {
        let r = rb("[[set.label.rule]]\nid='a'\nany=['panne', 'rembours*']\nemoji=['😡']");
        let k = Known::of(&r);
        assert!(k.covers(Kind::Phrase, "panne"));
        assert!(k.covers(Kind::Phrase, "remboursement rapide"));
        assert!(k.covers(Kind::Emoji, "😡"));
        assert!(!k.covers(Kind::Phrase, "en panne"));
    }

    #[test]
    fn wilson_bound_is_below_the_precision_and_grows_with_evidence() {
        let small = wilson_lower_bound(3, 3);
        let large = wilson_lower_bound(30, 30);
        assert!(small < 1.0 && large < 1.0 && small < large);
        assert_eq!(wilson_lower_bound(0, 0), 0.0);
    }
}
