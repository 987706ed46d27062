//! Turns a validated rulebook file into the form used to classify posts:
//! every phrase of every rule in one Aho-Corasick automaton, every regex
//! compiled on its own (in one `RegexSet` past a few thousand) behind a
//! literal prefilter, rules referring to them by index.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::RegexSetBuilder;

use super::literals::RegexPrefilter;
use super::regexes::{OneRegex, Regexes, MAX_SEPARATE_REGEXES};
use crate::lang::Lang;
use crate::normalize::Normalizer;
use crate::rulebook::model::{Mode, RulebookFile, Spanned};
use crate::rulebook::patterns::{normalize_options, pattern_text, PhraseKind, REGEX_SIZE_LIMIT};

/// The phrase automaton is a DFA when that takes at most this much memory.
const DFA_MAX_BYTES: usize = 4 << 20;

/// A compiled rulebook, ready to classify posts. Built by
/// [`crate::engine::load()`]; immutable and cheap to share between threads.
#[derive(Debug)]
pub struct Rulebook {
    pub name: String,
    pub version: String,
    pub description: String,
    /// The languages the rulebook covers; empty: every language.
    pub languages: Vec<Lang>,
    /// Whether some rule is scoped to languages (`lang`).
    pub lang_scoped: bool,
    pub normalizer: Normalizer,
    pub sets: Vec<LabelSet>,
    pub rules: Vec<Rule>,
    /// Word weights added to the scores of a set's labels (`[[lexicon]]`).
    pub lexicons: Vec<super::lexicon::Lexicon>,
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
    /// The languages of the posts it may fire on; empty: every post.
    pub lang: Vec<Lang>,
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
    /// The rules each phrase is a trigger of, then those it is in the
    /// `none` list of, phrase after phrase (see [`PhraseHit::rules`] and
    /// [`PhraseHit::vetoes`]).
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

/// What a hit of one phrase needs: the word boundaries to check, the rules
/// to make candidates and the rules it rules out. Sixteen bytes, where the
/// [`Pattern`] and lists of its own were more places in memory for each
/// hit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PhraseHit {
    /// Where its rules start in [`Matcher::triggered`].
    start: u32,
    /// How many rules it triggers.
    len: u32,
    /// How many rules have it in their `none` list (listed right after the
    /// rules it triggers).
    vetoes: u32,
    pub left_boundary: bool,
    pub right_boundary: bool,
}

impl PhraseHit {
    /// The range of [`Matcher::triggered`] that holds its rules.
    #[inline]
    pub fn rules(&self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }

    /// The range of [`Matcher::triggered`] that holds the rules whose
    /// `none` list has the phrase.
    #[inline]
    pub fn vetoes(&self) -> std::ops::Range<usize> {
        let end = self.start as usize + self.len as usize;
        end..end + self.vetoes as usize
    }
}

/// The set, label and weight of a rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub set: u32,
    pub label: u32,
    pub weight: f64,
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
    // A `none` list is not checked rule by rule: its phrases' hits rule
    // the rule out (see [`PhraseHit::vetoes`]).
    pub const HASHTAGS: u16 = 1 << 3;
    pub const MENTIONS: u16 = 1 << 4;
    pub const EMOJI: u16 = 1 << 5;
    pub const REGEX: u16 = 1 << 6;
    /// `min_mentions`, `min_hashtags`, `caps_ratio`, `exclaim`, `question`.
    pub const SIGNALS: u16 = 1 << 7;
    pub const NEAR: u16 = 1 << 8;

    pub(super) fn of(c: &Conditions) -> Checks {
        let bit = |set: bool, b: u16| if set { b } else { 0 };
        Checks(
            bit(!c.any.is_empty(), Self::ANY)
                | bit(!c.all.is_empty(), Self::ALL)
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
                    lang: codes(rule.lang.iter().flat_map(|l| l.get_ref())),
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
    // Past the limit a set bounds memory; a set too large to compile falls
    // back to separate regexes, each within its own limit.
    let set = (regex_sources.len() > MAX_SEPARATE_REGEXES)
        .then(|| {
            RegexSetBuilder::new(&regex_sources)
                .size_limit(REGEX_SIZE_LIMIT * 8)
                .build()
                .ok()
        })
        .flatten();
    let (regexes, regex_prefilter) = match set {
        Some(set) => (Regexes::Set(set), None),
        None => {
            let pre = RegexPrefilter::new(&regex_sources, threads);
            // Each regex compiles on first need (see [`OneRegex`]).
            let each = regex_sources
                .iter()
                .enumerate()
                .map(|(i, src)| OneRegex::new(src, pre.as_ref().is_some_and(|p| p.anchored[i])))
                .collect();
            (Regexes::Each(each), pre)
        }
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
    // The rules each phrase rules out: a hit marks them once, where a
    // check of each candidate rule went through its whole `none` list
    // (tens of phrases for some) on most posts.
    let mut pattern_vetoes = vec![Vec::new(); patterns.len()];
    for (i, rule) in rules.iter().enumerate() {
        for &p in &rule.cond.none {
            pattern_vetoes[p as usize].push(i as u32);
        }
    }
    for list in pattern_rules
        .iter_mut()
        .chain(&mut regex_rules)
        .chain(&mut pattern_vetoes)
    {
        list.dedup();
    }
    let mut triggered = Vec::with_capacity(
        pattern_rules
            .iter()
            .chain(&pattern_vetoes)
            .map(Vec::len)
            .sum(),
    );
    let phrase_hits = patterns
        .iter()
        .zip(pattern_rules.iter().zip(&pattern_vetoes))
        .map(|(p, (rules, vetoes))| {
            let start = triggered.len() as u32;
            triggered.extend_from_slice(rules);
            triggered.extend_from_slice(vetoes);
            PhraseHit {
                start,
                len: rules.len() as u32,
                vetoes: vetoes.len() as u32,
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

    let lexicons: Vec<super::lexicon::Lexicon> = file
        .lexicon
        .iter()
        .filter_map(|def| {
            let si = file
                .set
                .iter()
                .position(|s| s.id.get_ref() == def.set.get_ref())?;
            let labels: Vec<&str> = file.set[si]
                .label
                .iter()
                .map(|l| l.id.get_ref().as_str())
                .collect();
            let lang = def
                .lang
                .as_ref()
                .map(|l| codes(l.get_ref()))
                .unwrap_or_default();
            Some(super::lexicon::Lexicon::compile(def, si, &labels, lang))
        })
        .collect();
    Ok(Rulebook {
        name: file.rulebook.name.clone(),
        version: file.rulebook.version.clone(),
        description: file.rulebook.description.clone(),
        languages: codes(&file.rulebook.languages),
        lang_scoped: rules.iter().any(|r| !r.lang.is_empty())
            || lexicons.iter().any(|x| !x.lang.is_empty()),
        normalizer,
        sets,
        rules,
        lexicons,
        matcher,
    })
}

/// Language codes as written, parsed (validation has refused the others).
fn codes<'a>(list: impl IntoIterator<Item = &'a Spanned<String>>) -> Vec<Lang> {
    let mut out: Vec<Lang> = list
        .into_iter()
        .filter_map(|c| Lang::parse(c.get_ref()))
        .collect();
    out.sort();
    out.dedup();
    out
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
    /// A regex written twice is compiled once, and both rules use it.
    #[test]
    fn the_same_regex_is_compiled_once() {
        let text = "[rulebook]\nname = \"t\"\nversion = \"1\"\n\n[[set]]\nid = \"s\"\nmode = \"many\"\n\
            [[set.label]]\nid = \"a\"\n[[set.label.rule]]\nid = \"a1\"\nregex = ['\\bx+\\b']\n\
            [[set.label]]\nid = \"b\"\n[[set.label.rule]]\nid = \"b1\"\nregex = ['\\bx+\\b', 'y']\n";
        let book = crate::engine::from_str("t.toml", text).unwrap();
        assert_eq!(book.matcher.regexes.len(), 2);
        let v = book.classify("a xxx here");
        assert_eq!(v.fired, vec![0, 1]);
    }

    /// The prefilter may only skip a regex on a post it cannot match: on
    /// every text at hand, a regex of the default rulebook that matches has
    /// one of its literals in the text.
    #[test]
    fn the_prefilter_never_skips_a_match() {
        let book = crate::engine::default_rulebook();
        let m = &book.matcher;
        let pre = m
            .regex_prefilter
            .as_ref()
            .expect("the default has literals");
        let texts = crate::engine::default_sample_texts(&book);
        let regexes: Vec<regex::Regex> = (0..m.regexes.len())
            .map(|i| regex::Regex::new(m.regexes.source(i)).unwrap())
            .collect();
        let (mut checked, mut exact, mut anchored, mut gated, mut bounded) = (0, 0, 0, 0, 0);
        let mut exact_bounded = 0;
        for text in &texts {
            let text = book.normalizer.normalize(text);
            let mut present = vec![false; m.regexes.len()];
            let mut gate = vec![false; m.regexes.len()];
            let mut starts = vec![Vec::new(); m.regexes.len()];
            let mut with_bounds = vec![false; m.regexes.len()];
            let ac = m.automaton.as_ref().unwrap();
            for hit in ac.find_overlapping_iter(&text) {
                let Some(j) = hit.pattern().as_usize().checked_sub(m.patterns.len()) else {
                    continue;
                };
                let found = crate::engine::literals::Bounds::around(&text, hit.start(), hit.end());
                for &r in &pre.literal_regexes[j] {
                    present[r as usize] = true;
                    starts[r as usize].push(hit.start());
                    // Where the literal has the word boundaries its regex
                    // needs (every literal, for most regexes).
                    with_bounds[r as usize] |= pre.bounds[r as usize].met_by(found);
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
                // A regex whose matches start at a word boundary: its first
                // match does not start inside a word.
                if pre.boundary_start[i] && matched {
                    let at = regexes[i].find(&text).unwrap().start();
                    let inside = text[..at]
                        .chars()
                        .next_back()
                        .is_some_and(regex_syntax::is_word_character)
                        && text[at..]
                            .chars()
                            .next()
                            .is_some_and(regex_syntax::is_word_character);
                    assert!(!inside, "{} at {at} in {text:?}", m.regexes.source(i));
                    bounded += 1;
                }
                if pre.gated[i] && matched {
                    gated += 1;
                    assert!(gate[i], "{} matches {text:?}", m.regexes.source(i));
                }
                if pre.exact[i] {
                    exact += 1;
                    assert_eq!(
                        with_bounds[i],
                        matched,
                        "{} on {text:?}",
                        m.regexes.source(i)
                    );
                    if pre.bounds[i].any() && matched {
                        exact_bounded += 1;
                    }
                }
            }
        }
        assert!(checked > 100, "only {checked} matches checked");
        assert!(exact > 100, "only {exact} exact regexes checked");
        assert!(
            exact_bounded > 50,
            "only {exact_bounded} matches of exact regexes between word boundaries checked"
        );
        assert!(anchored > 100, "only {anchored} anchored matches checked");
        assert!(gated > 20, "only {gated} gated matches checked");
        assert!(
            bounded > 100,
            "only {bounded} matches at word boundaries checked"
        );
    }
}
