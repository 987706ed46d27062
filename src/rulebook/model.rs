//! The rulebook file format: serde types that mirror the TOML exactly.
//!
//! Every table denies unknown keys so that a typo is a load error, never a
//! silently ignored setting. Values that diagnostics point at keep their
//! source span through [`Spanned`].

use serde::Deserialize;
pub use toml::Spanned;

/// A whole rulebook file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulebookFile {
    pub rulebook: Metadata,
    #[serde(default)]
    pub normalize: NormalizeSection,
    #[serde(default)]
    pub set: Vec<SetDef>,
    /// `[[override]]`: changes to sets, labels and rules of the rulebooks
    /// this one extends.
    #[serde(default, rename = "override")]
    pub overrides: Vec<OverrideDef>,
    /// `[[lexicon]]`: word weights added to the scores of a set's labels,
    /// as `postclass fit --lexicon` learns them from labelled posts.
    #[serde(default)]
    pub lexicon: Vec<LexiconDef>,
}

/// `[rulebook]`: what this rulebook is.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub description: String,
    /// The languages the rulebook covers (ISO 639-1 codes): a post in
    /// another language gets the fallback. Empty: every language.
    #[serde(default)]
    pub languages: Vec<Spanned<String>>,
    /// Rulebooks this one builds on, applied in order: `default` (the
    /// embedded rulebook) or paths relative to this file.
    #[serde(default)]
    pub extends: Vec<Spanned<String>>,
    /// Ids of rules or labels of the extended rulebooks to leave out.
    #[serde(default)]
    pub disable: Vec<Spanned<String>>,
    /// Case files (.csv, .tsv, .jsonl) that `postclass test` runs against
    /// this rulebook and every rulebook that extends it; paths relative to
    /// this file.
    #[serde(default)]
    pub cases: Vec<Spanned<String>>,
}

/// `[normalize]`: which folding steps apply to posts and patterns alike.
/// A step not written is on.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NormalizeSection {
    #[serde(default)]
    pub case_fold: Option<Spanned<bool>>,
    #[serde(default)]
    pub accent_fold: Option<Spanned<bool>>,
    #[serde(default)]
    pub unify_punctuation: Option<Spanned<bool>>,
    #[serde(default)]
    pub collapse_whitespace: Option<Spanned<bool>>,
}

impl NormalizeSection {
    /// Each step by name, as written (`None`: not written, so on).
    pub fn steps(&self) -> [(&'static str, Option<&Spanned<bool>>); 4] {
        [
            ("case_fold", self.case_fold.as_ref()),
            ("accent_fold", self.accent_fold.as_ref()),
            ("unify_punctuation", self.unify_punctuation.as_ref()),
            ("collapse_whitespace", self.collapse_whitespace.as_ref()),
        ]
    }

    /// Each step by name, mutably.
    pub fn steps_mut(&mut self) -> [&mut Option<Spanned<bool>>; 4] {
        [
            &mut self.case_fold,
            &mut self.accent_fold,
            &mut self.unify_punctuation,
            &mut self.collapse_whitespace,
        ]
    }
}

fn default_threshold() -> Spanned<f64> {
    Spanned::new(0..0, 1.0)
}

fn default_weight() -> Spanned<f64> {
    Spanned::new(0..0, 1.0)
}

/// How many labels of a set a post can get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Exactly one label: the best-scoring one at or above threshold, else the fallback.
    One,
    /// Every label at or above threshold.
    Many,
}

/// `[[set]]`: a label set, such as `customer_type` or `traits`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetDef {
    pub id: Spanned<String>,
    pub mode: Mode,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_threshold")]
    pub threshold: Spanned<f64>,
    /// `one` sets only: the label given when no label reaches its threshold.
    #[serde(default)]
    pub fallback: Option<Spanned<String>>,
    /// `one` sets only: preference order among tied labels; labels not listed
    /// come after, in file order.
    #[serde(default)]
    pub tie_break: Vec<Spanned<String>>,
    #[serde(default)]
    pub label: Vec<LabelDef>,
}

/// `[[set.label]]`: one label and the rules that vote for it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelDef {
    pub id: Spanned<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Handling order: 1 is handled first.
    #[serde(default)]
    pub priority: Option<u32>,
    /// Human name of the priority, written to the output (e.g. `highest`).
    #[serde(default)]
    pub priority_name: Option<String>,
    /// What the brand should do with such a post.
    #[serde(default)]
    pub action: Option<String>,
    /// Overrides the set's threshold for this label.
    #[serde(default)]
    pub threshold: Option<Spanned<f64>>,
    /// `postclass fit` leaves this label's threshold and the weights of
    /// its rules as they are.
    #[serde(default)]
    pub fixed: bool,
    /// Posts that must get this label.
    #[serde(default)]
    pub examples: Vec<Spanned<String>>,
    /// Posts that must not get this label.
    #[serde(default)]
    pub counter_examples: Vec<Spanned<String>>,
    #[serde(default)]
    pub rule: Vec<RuleDef>,
}

/// `[[set.label.rule]]`: matchers that must all hold for the rule to fire.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: Spanned<String>,
    #[serde(default = "default_weight")]
    pub weight: Spanned<f64>,
    /// `postclass fit` leaves this rule's weight as it is.
    #[serde(default)]
    pub fixed: bool,
    #[serde(default)]
    pub description: String,
    /// The languages of the posts the rule may fire on (ISO 639-1 codes,
    /// `und` for posts whose language is unknown). Absent: every post.
    #[serde(default)]
    pub lang: Option<Spanned<Vec<Spanned<String>>>>,
    /// At least one of these phrases (word-boundary match on normalised text).
    #[serde(default)]
    pub any: Option<Spanned<Vec<Spanned<String>>>>,
    /// Every one of these phrases.
    #[serde(default)]
    pub all: Option<Spanned<Vec<Spanned<String>>>>,
    /// None of these phrases.
    #[serde(default)]
    pub none: Option<Spanned<Vec<Spanned<String>>>>,
    /// At least one of these regular expressions, run on normalised text.
    #[serde(default)]
    pub regex: Option<Spanned<Vec<Spanned<String>>>>,
    /// At least one of these hashtags (with or without `#`).
    #[serde(default)]
    pub hashtags: Option<Spanned<Vec<Spanned<String>>>>,
    /// At least one of these handles (with or without `@`).
    #[serde(default)]
    pub mentions: Option<Spanned<Vec<Spanned<String>>>>,
    /// At least this many distinct @handles in the post.
    #[serde(default)]
    pub min_mentions: Option<Spanned<u32>>,
    /// At least this many hashtags in the post.
    #[serde(default)]
    pub min_hashtags: Option<Spanned<u32>>,
    /// At least one of these emoji (or any other symbols), matched anywhere.
    #[serde(default)]
    pub emoji: Option<Spanned<Vec<Spanned<String>>>>,
    /// A phrase of `left` within `within` words of a phrase of `right`.
    #[serde(default)]
    pub near: Option<Spanned<NearDef>>,
    /// Share of upper-case letters in the raw text (mentions, hashtags and
    /// links left out) at least this, over at least `min_letters` letters.
    #[serde(default)]
    pub caps_ratio: Option<Spanned<f64>>,
    /// Letters needed before `caps_ratio` is considered (default 8).
    #[serde(default)]
    pub min_letters: Option<Spanned<u32>>,
    /// A run of at least this many `!` in the raw text (spaces inside the run are allowed: `! !!` is 3).
    #[serde(default)]
    pub exclaim: Option<Spanned<u32>>,
    /// A run of at least this many `?` in the raw text (spaces inside the run are allowed).
    #[serde(default)]
    pub question: Option<Spanned<u32>>,
}

/// `[[lexicon]]`: weights of single words and pairs of adjacent words for
/// the labels of one set. A post that contains an entry's word (or its two
/// words in a row) adds each of the entry's weights to its label's score,
/// once however often the word occurs, before the set decides.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LexiconDef {
    pub id: Spanned<String>,
    /// The id of the set whose labels the weights go to.
    pub set: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// The languages of the posts the lexicon weighs (ISO 639-1 codes,
    /// `und` for posts whose language is unknown), as a rule's `lang`.
    /// Absent: every post.
    #[serde(default)]
    pub lang: Option<Spanned<Vec<Spanned<String>>>>,
    /// One entry a string: `"word: label weight, label weight"`, or
    /// `"two words: ..."` for a pair (see [`parse_entry`]).
    #[serde(default)]
    pub words: Vec<Spanned<String>>,
}

/// A lexicon entry read: its word (or two words) and its weights by label.
#[derive(Debug, Clone, PartialEq)]
pub struct LexiconEntry<'a> {
    pub phrase: &'a str,
    pub weights: Vec<(&'a str, f64)>,
}

/// Reads a lexicon entry, `"word: label weight, label weight"`; the error
/// says what is wrong with it.
pub fn parse_entry(entry: &str) -> Result<LexiconEntry<'_>, String> {
    let Some((phrase, rest)) = entry.split_once(':') else {
        return Err("expected `word: label weight, ...`, with a colon after the word".into());
    };
    let mut weights = Vec::new();
    for part in rest.split(',') {
        let mut it = part.split_whitespace();
        let (Some(label), Some(weight), None) = (it.next(), it.next(), it.next()) else {
            return Err(format!(
                "expected `label weight` after the colon, got `{}`",
                part.trim()
            ));
        };
        match weight.parse::<f64>() {
            Ok(w) if w.is_finite() => weights.push((label, w)),
            _ => {
                return Err(format!(
                    "the weight of `{label}` is `{weight}`, not a finite number"
                ))
            }
        }
    }
    Ok(LexiconEntry {
        phrase: phrase.trim(),
        weights,
    })
}

/// The `near` matcher: like social-listening `NEAR/n`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NearDef {
    pub left: Vec<Spanned<String>>,
    pub right: Vec<Spanned<String>>,
    pub within: Spanned<u32>,
}

/// `[[override]]`: changes one set, label or rule of an extended rulebook.
/// `rule` names a rule; `label` a label (with `set` when two sets have a
/// label of that id); `set` alone a set. Fields not written stay as they
/// are; `any` and the other lists replace, `add_any` and the like append.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideDef {
    #[serde(default)]
    pub rule: Option<Spanned<String>>,
    #[serde(default)]
    pub label: Option<Spanned<String>>,
    #[serde(default)]
    pub set: Option<Spanned<String>>,
    /// Leaves the rule or label out.
    #[serde(default)]
    pub disabled: Option<Spanned<bool>>,
    #[serde(default)]
    pub weight: Option<Spanned<f64>>,
    #[serde(default)]
    pub threshold: Option<Spanned<f64>>,
    #[serde(default)]
    pub fixed: Option<Spanned<bool>>,
    #[serde(default)]
    pub description: Option<Spanned<String>>,
    #[serde(default)]
    pub title: Option<Spanned<String>>,
    #[serde(default)]
    pub priority: Option<Spanned<u32>>,
    #[serde(default)]
    pub priority_name: Option<Spanned<String>>,
    #[serde(default)]
    pub action: Option<Spanned<String>>,
    #[serde(default)]
    pub fallback: Option<Spanned<String>>,
    #[serde(default)]
    pub tie_break: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub any: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub all: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub none: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub regex: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub hashtags: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub mentions: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub emoji: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub add_any: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub add_all: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub add_none: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub add_regex: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub add_hashtags: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub add_mentions: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub add_emoji: Option<Spanned<Vec<Spanned<String>>>>,
}
