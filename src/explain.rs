//! Why a post got its labels: the normalised text, every rule that fired
//! with what it matched where in the original text, and every label's score
//! against its threshold. Slower than classifying (it locates every match),
//! so it is for one post at a time.

use std::ops::Range;

use regex::Regex;
use serde::Serialize;

use crate::lang::PostLang;

use crate::engine::compile::Rule;
use crate::engine::decision::SCORE_EPSILON;
use crate::engine::signals::sigil_tokens;
use crate::engine::Rulebook;
use crate::engine::{Scratch, Verdict};
use crate::rulebook::Mode;

/// Everything `postclass explain` shows about one post.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub text: String,
    pub normalized: String,
    /// The post's language (`und` when unknown).
    pub lang: String,
    /// Where it came from: `field` or `detected`.
    pub lang_source: &'static str,
    /// `language:xx` when the rulebook does not cover the post's language:
    /// no rule was checked and every `one` set gave its fallback.
    pub reason: Option<String>,
    /// The rules that fired, in rulebook order.
    pub rules: Vec<FiredRule>,
    /// The lexicon words found, in lexicon and word order.
    pub words: Vec<FoundWord>,
    pub sets: Vec<SetExplanation>,
}

/// A lexicon entry found in the post and what it adds.
#[derive(Debug, Clone, Serialize)]
pub struct FoundWord {
    pub lexicon: String,
    /// The word, or two words in a row.
    pub word: String,
    pub set: String,
    /// (label, weight) for each label the entry weighs.
    pub weights: Vec<(String, f64)>,
}

/// A rule that fired and why.
#[derive(Debug, Clone, Serialize)]
pub struct FiredRule {
    pub rule: String,
    pub set: String,
    pub label: String,
    pub weight: f64,
    /// The file the rule is defined in, when the rulebook extends others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub evidence: Vec<Evidence>,
}

/// One matcher of a fired rule and what it found.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// The rulebook key: `any`, `all`, `hashtags`, `mentions`, `emoji`,
    /// `regex`, `near`, `caps_ratio`, `exclaim`, `question`, `min_mentions`,
    /// `min_hashtags`.
    pub matcher: &'static str,
    /// The phrase as matched (normalised) or the regex; empty for signals.
    pub pattern: String,
    /// Where it matched in the original text.
    pub spans: Vec<Span>,
    /// What a signal measured, in words.
    pub detail: Option<String>,
}

/// A byte range of the original text, and the text there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// How a label fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The post got this label.
    Given,
    /// Reached its threshold, but another label of the `one` set scored more.
    Outscored,
    /// Tied for the best score and lost the tie-break.
    LostTie,
    /// Rules fired for it but its score stayed under the threshold: a near miss.
    BelowThreshold,
    /// No rule fired for it.
    NoScore,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Given => "given",
            Status::Outscored => "outscored",
            Status::LostTie => "lost tie",
            Status::BelowThreshold => "below threshold",
            Status::NoScore => "-",
        }
    }
}

/// One label's score.
#[derive(Debug, Clone, Serialize)]
pub struct LabelScore {
    pub label: String,
    pub score: f64,
    pub threshold: f64,
    pub status: Status,
    /// The rules that fired for it.
    pub rules: Vec<String>,
    /// What lexicon words added to its score, when any did.
    pub words: f64,
    /// Whether a lexicon word weighs it.
    pub worded: bool,
}

/// Labels tied for the best score of a `one` set, and how one was chosen.
#[derive(Debug, Clone, Serialize)]
pub struct Tie {
    pub labels: Vec<String>,
    pub winner: String,
    /// `tie_break` when the set's `tie_break` list decided, else `file order`.
    pub by: &'static str,
}

/// The decision of one label set.
#[derive(Debug, Clone, Serialize)]
pub struct SetExplanation {
    pub set: String,
    pub mode: &'static str,
    pub threshold: f64,
    pub labels: Vec<LabelScore>,
    /// The labels given: one (or the fallback) for a `one` set.
    pub decision: Vec<String>,
    /// Whether a `one` set gave its fallback, no label having qualified.
    pub fallback: bool,
    pub tie: Option<Tie>,
    /// Labels that scored but stayed under their threshold.
    pub near_misses: Vec<String>,
}

impl Rulebook {
    /// Classifies `text` and explains the result; its language is
    /// detected when the rulebook needs it.
    pub fn explain(&self, text: &str) -> Explanation {
        let mut scratch = Scratch::default();
        let lang = if self.needs_lang() {
            self.detect_lang(text, &mut scratch)
        } else {
            PostLang::default()
        };
        self.explain_as(text, lang)
    }

    /// [`Rulebook::explain`] for a post whose language is known.
    pub fn explain_as(&self, text: &str, lang: PostLang) -> Explanation {
        let mut scratch = Scratch::default();
        let mut verdict = Verdict::default();
        self.classify_as(text, lang, &mut scratch, &mut verdict);
        let mut normalized = String::new();
        let mut offsets = Vec::new();
        self.normalizer
            .normalize_with_offsets(text, &mut normalized, &mut offsets);
        debug_assert_eq!(normalized, scratch.normalized);
        let map = OffsetMap {
            text,
            offsets: &offsets,
        };
        let rules = verdict
            .fired
            .iter()
            .map(|&r| {
                let rule = &self.rules[r];
                FiredRule {
                    rule: rule.id.clone(),
                    set: self.sets[rule.set].id.clone(),
                    label: self.sets[rule.set].labels[rule.label].id.clone(),
                    weight: rule.weight,
                    file: rule.file.clone(),
                    evidence: self.evidence(rule, &scratch, &map),
                }
            })
            .collect();
        let words = verdict
            .words
            .iter()
            .map(|&(xi, e)| {
                let lexicon = &self.lexicons[xi as usize];
                let set = &self.sets[lexicon.set];
                FoundWord {
                    lexicon: lexicon.id.clone(),
                    word: lexicon.phrase(e as usize).to_string(),
                    set: set.id.clone(),
                    weights: lexicon
                        .weights(e as usize)
                        .map(|(li, w)| (set.labels[li].id.clone(), w))
                        .collect(),
                }
            })
            .collect();
        let sets = (0..self.sets.len())
            .map(|s| self.explain_set(s, &verdict))
            .collect();
        let mut reason = String::new();
        crate::output::labels::reason(&verdict, &mut reason);
        Explanation {
            text: text.to_string(),
            normalized,
            lang: lang.lang.to_string(),
            lang_source: lang.source.as_str(),
            reason: (!reason.is_empty()).then_some(reason),
            rules,
            words,
            sets,
        }
    }

    fn explain_set(&self, si: usize, verdict: &Verdict) -> SetExplanation {
        let set = &self.sets[si];
        let sv = &verdict.sets[si];
        let labels: Vec<LabelScore> = set
            .labels
            .iter()
            .enumerate()
            .map(|(li, label)| {
                let rules: Vec<String> = verdict
                    .fired
                    .iter()
                    .map(|&r| &self.rules[r])
                    .filter(|r| r.set == si && r.label == li)
                    .map(|r| r.id.clone())
                    .collect();
                let score = sv.scores[li];
                let (mut words, mut worded) = (0.0, false);
                for &(xi, e) in &verdict.words {
                    let lexicon = &self.lexicons[xi as usize];
                    if lexicon.set != si {
                        continue;
                    }
                    for (l, w) in lexicon.weights(e as usize) {
                        if l == li {
                            words += w;
                            worded = true;
                        }
                    }
                }
                let scored = !rules.is_empty() || worded;
                let given =
                    sv.labels.contains(&li) || (sv.fallback && set.fallback_label == Some(li));
                let qualified = scored && score + SCORE_EPSILON >= label.threshold;
                let status = if given {
                    Status::Given
                } else if qualified && sv.tied.contains(&li) {
                    Status::LostTie
                } else if qualified {
                    Status::Outscored
                } else if scored {
                    Status::BelowThreshold
                } else {
                    Status::NoScore
                };
                LabelScore {
                    label: label.id.clone(),
                    score,
                    threshold: label.threshold,
                    status,
                    rules,
                    words,
                    worded,
                }
            })
            .collect();
        let decision = match set.mode {
            Mode::One => {
                let l = self.label_of(verdict, si);
                if l.is_empty() {
                    Vec::new()
                } else {
                    vec![l.to_string()]
                }
            }
            Mode::Many => sv
                .labels
                .iter()
                .map(|&i| set.labels[i].id.clone())
                .collect(),
        };
        let tie = match (sv.tied.is_empty(), sv.labels.first()) {
            (false, Some(&winner)) => Some(Tie {
                labels: sv.tied.iter().map(|&i| set.labels[i].id.clone()).collect(),
                winner: set.labels[winner].id.clone(),
                // Labels not listed in `tie_break` rank after all listed ones.
                by: if set.tie_rank[winner] < set.labels.len() {
                    "tie_break"
                } else {
                    "file order"
                },
            }),
            _ => None,
        };
        let near_misses = labels
            .iter()
            .filter(|l| l.status == Status::BelowThreshold)
            .map(|l| l.label.clone())
            .collect();
        SetExplanation {
            set: set.id.clone(),
            mode: match set.mode {
                Mode::One => "one",
                Mode::Many => "many",
            },
            threshold: set.threshold,
            labels,
            decision,
            fallback: sv.fallback,
            tie,
            near_misses,
        }
    }

    fn evidence(&self, rule: &Rule, s: &Scratch, map: &OffsetMap) -> Vec<Evidence> {
        let c = &rule.cond;
        let m = &self.matcher;
        let mut out = Vec::new();
        let phrase_lists: [(&'static str, &[u32]); 5] = [
            ("any", &c.any),
            ("all", &c.all),
            ("hashtags", &c.hashtags),
            ("mentions", &c.mentions),
            ("emoji", &c.emoji),
        ];
        let phrases = |matcher: &'static str, list: &[u32], out: &mut Vec<Evidence>| {
            for &p in list {
                let spans: Vec<Span> = s
                    .hits
                    .iter()
                    .filter(|h| h.pattern == p)
                    .map(|h| map.span(h.start..h.end))
                    .collect();
                if !spans.is_empty() {
                    out.push(Evidence {
                        matcher,
                        pattern: m.patterns[p as usize].text.clone(),
                        spans,
                        detail: None,
                    });
                }
            }
        };
        for (matcher, list) in phrase_lists {
            phrases(matcher, list, &mut out);
        }
        if let Some(near) = &c.near {
            let before = out.len();
            phrases("near", &near.left, &mut out);
            phrases("near", &near.right, &mut out);
            for e in &mut out[before..] {
                e.detail = Some(format!("within {} words", near.within));
            }
        }
        for &r in &c.regex {
            // Rules stop at their first matching regex: ask each again. It
            // compiled with the rulebook, so it compiles alone.
            let Ok(re) = Regex::new(m.regexes.source(r as usize)) else {
                continue;
            };
            if !re.is_match(&s.normalized) {
                continue;
            }
            let spans = re
                .find_iter(&s.normalized)
                .filter(|x| !x.is_empty())
                .map(|x| map.span(x.range()))
                .collect();
            out.push(Evidence {
                matcher: "regex",
                pattern: re.as_str().to_string(),
                spans,
                detail: None,
            });
        }
        let sig = s.signals;
        if let Some((ratio, min_letters)) = c.caps {
            out.push(Evidence {
                matcher: "caps_ratio",
                pattern: String::new(),
                spans: Vec::new(),
                detail: Some(format!(
                    "{} of {} letters are upper case ({}%); needs {}% of at least {} letters",
                    sig.upper,
                    sig.letters,
                    percent(sig.upper as f64 / sig.letters.max(1) as f64),
                    percent(ratio),
                    min_letters
                )),
            });
        }
        for (matcher, need, got, chars) in [
            ("exclaim", c.exclaim, sig.exclaim_run, ['!', '！']),
            ("question", c.question, sig.question_run, ['?', '？']),
        ] {
            if let Some(need) = need {
                out.push(Evidence {
                    matcher,
                    pattern: String::new(),
                    spans: runs(map.text, &chars, need),
                    detail: Some(format!("a run of {got} `{}` (needs {need})", chars[0])),
                });
            }
        }
        for (matcher, need, got, sigil, what) in [
            (
                "min_mentions",
                c.min_mentions,
                sig.mentions,
                '@',
                "distinct @mentions",
            ),
            (
                "min_hashtags",
                c.min_hashtags,
                sig.hashtags,
                '#',
                "hashtags",
            ),
        ] {
            if let Some(need) = need {
                let spans = sigil_tokens(map.text, sigil)
                    .map(|tag| {
                        // `tag` borrows from the text: its offset is exact.
                        let end = tag.as_ptr() as usize - map.text.as_ptr() as usize + tag.len();
                        let start = end - tag.len() - sigil.len_utf8();
                        Span {
                            start,
                            end,
                            text: map.text[start..end].to_string(),
                        }
                    })
                    .collect();
                out.push(Evidence {
                    matcher,
                    pattern: String::new(),
                    spans,
                    detail: Some(format!("{got} {what} (needs {need})")),
                });
            }
        }
        out
    }
}

fn percent(share: f64) -> String {
    let p = (share * 1000.0).round() / 10.0;
    format!("{p}")
}

/// Runs of `chars` at least `need` long in the raw text; white space inside a
/// run does not break it, as for the `exclaim` and `question` signals.
fn runs(text: &str, chars: &[char], need: u32) -> Vec<Span> {
    let mut out = Vec::new();
    let mut run: Option<(usize, usize, u32)> = None;
    let close = |run: &mut Option<(usize, usize, u32)>, out: &mut Vec<Span>| {
        if let Some((start, end, n)) = run.take() {
            if n >= need {
                out.push(Span {
                    start,
                    end,
                    text: text[start..end].to_string(),
                });
            }
        }
    };
    for (i, c) in text.char_indices() {
        if chars.contains(&c) {
            let end = i + c.len_utf8();
            run = Some(match run {
                Some((start, _, n)) => (start, end, n + 1),
                None => (i, end, 1),
            });
        } else if !c.is_whitespace() {
            close(&mut run, &mut out);
        }
    }
    close(&mut run, &mut out);
    out
}

/// Maps byte ranges of normalised text back to the original.
struct OffsetMap<'a> {
    text: &'a str,
    /// For every byte of the normalised text, the offset in `text` of the
    /// character it came from.
    offsets: &'a [usize],
}

impl OffsetMap<'_> {
    fn span(&self, r: Range<usize>) -> Span {
        let start = self
            .offsets
            .get(r.start)
            .copied()
            .unwrap_or(self.text.len());
        let last = self
            .offsets
            .get(r.end.saturating_sub(1).max(r.start))
            .copied()
            .unwrap_or(start);
        let end = last + self.text[last..].chars().next().map_or(0, char::len_utf8);
        let end = end.max(start);
        Span {
            start,
            end,
            text: self.text[start..end].to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine;

    const BOOK: &str = r#"
[rulebook]
name = "t"
version = "1"

[[set]]
id = "type"
mode = "one"
fallback = "other"
tie_break = ["b"]

[[set.label]]
id = "a"
[[set.label.rule]]
id = "a-tired"
any = ["fed up", "decu"]
[[set.label.rule]]
id = "a-shout"
weight = 0.5
exclaim = 2

[[set.label]]
id = "b"
[[set.label.rule]]
id = "b-regex"
regex = ['\b\d+e fois\b']
[[set.label.rule]]
id = "b-tags"
weight = 0.25
min_hashtags = 2

[[set.label]]
id = "c"
threshold = 2
[[set.label.rule]]
id = "c-near"
near = { left = ["vol"], right = ["annule"], within = 2 }
[[set.label.rule]]
id = "c-refund"
any = ["remboursement"]

[[set.label]]
id = "other"
"#;

    fn explain(text: &str) -> super::Explanation {
        engine::from_str("t.toml", BOOK).unwrap().explain(text)
    }

    #[test]
    fn spans_point_into_the_original_text() {
        let e = explain("Très DÉÇU, vraiment fed   up !!");
        assert_eq!(e.normalized, "tres decu, vraiment fed up !!");
        assert_eq!(e.rules[0].rule, "a-tired");
        let spans: Vec<&str> = e.rules[0]
            .evidence
            .iter()
            .flat_map(|ev| ev.spans.iter().map(|s| s.text.as_str()))
            .collect();
        assert_eq!(spans, vec!["fed   up", "DÉÇU"]);
        assert_eq!(e.rules[1].rule, "a-shout");
        assert_eq!(e.rules[1].evidence[0].spans[0].text, "!!");
        assert_eq!(
            e.rules[1].evidence[0].detail.as_deref(),
            Some("a run of 2 `!` (needs 2)")
        );
        assert_eq!(e.sets[0].decision, vec!["a"]);
        assert_eq!(e.sets[0].labels[0].score, 1.5);
    }

    #[test]
    fn regex_and_signal_matches_are_located() {
        let e = explain("C'est la 2e FOIS #panne #vdm");
        let regex = &e.rules[0];
        assert_eq!(regex.rule, "b-regex");
        assert_eq!(regex.evidence[0].spans[0].text, "2e FOIS");
        let tags = &e.rules[1];
        assert_eq!(tags.rule, "b-tags");
        let tag_texts: Vec<&str> = tags.evidence[0]
            .spans
            .iter()
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(tag_texts, vec!["#panne", "#vdm"]);
    }

    #[test]
    fn near_misses_ties_and_fallback_are_reported() {
        // `c` scores 1 of the 2 it needs: a near miss; the fallback is given.
        let e = explain("mon vol est annulé");
        let set = &e.sets[0];
        assert_eq!(set.near_misses, vec!["c"]);
        assert!(set.fallback);
        assert_eq!(set.decision, vec!["other"]);
        assert_eq!(set.labels[3].status, super::Status::Given);
        assert_eq!(e.rules[0].evidence.len(), 2);
        // `a` and `b` tie at 1; `tie_break` prefers `b`.
        let e = explain("fed up, 3e fois");
        let tie = e.sets[0].tie.as_ref().unwrap();
        assert_eq!(tie.labels, vec!["a", "b"]);
        assert_eq!(tie.winner, "b");
        assert_eq!(tie.by, "tie_break");
        assert_eq!(e.sets[0].labels[0].status, super::Status::LostTie);
    }
}
