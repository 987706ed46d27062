//! Rulebook checks: everything that can be said about a rulebook without
//! classifying a post. Each finding has a stable code, documented in
//! `docs/diagnostics.md`.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use regex::RegexBuilder;

use super::compile::{normalize_options, normalized_phrase, REGEX_SIZE_LIMIT};
use super::diagnostic::{Diagnostic, Source};
use super::model::{LabelDef, Mode, RuleDef, RulebookFile, SetDef, Spanned};
use crate::normalize::Normalizer;

/// A rulebook file larger than this is refused before parsing.
pub const MAX_RULEBOOK_BYTES: usize = 8 << 20;
/// At most this many phrases, hashtags, mentions, emoji and regexes in all.
pub const MAX_PATTERNS: usize = 200_000;
/// A single phrase or regex longer than this is refused.
pub const MAX_PATTERN_BYTES: usize = 1_000;

/// Parses the TOML text of a rulebook into its model, or says why not.
pub fn parse(source: &Source) -> Result<RulebookFile, Diagnostic> {
    if source.text.len() > MAX_RULEBOOK_BYTES {
        return Err(Diagnostic::error(
            "E020",
            format!(
                "rulebook is {} bytes, over the limit of {} bytes",
                source.text.len(),
                MAX_RULEBOOK_BYTES
            ),
        ));
    }
    // A first pass as a plain table tells syntax errors from schema errors.
    if let Err(e) = source.text.parse::<toml::Table>() {
        let d = Diagnostic::error("E001", format!("invalid TOML: {}", first_line(e.message())));
        return Err(match e.span() {
            Some(s) => d.at(s),
            None => d,
        });
    }
    toml::from_str::<RulebookFile>(&source.text).map_err(|e| schema_diagnostic(&e))
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

fn schema_diagnostic(e: &toml::de::Error) -> Diagnostic {
    let msg = first_line(e.message()).to_string();
    let mut d = if let Some(rest) = msg.strip_prefix("unknown field ") {
        let (key, expected) = split_unknown(rest);
        let mut d = Diagnostic::error("E002", format!("unknown key `{key}`"));
        if let Some(best) = did_you_mean(&key, &expected) {
            d = d.with_help(format!("did you mean `{best}`?"));
        } else if !expected.is_empty() {
            d = d.with_help(format!("expected one of {}", expected.join(", ")));
        }
        d
    } else if let Some(rest) = msg.strip_prefix("missing field ") {
        Diagnostic::error("E004", format!("missing required key {rest}"))
    } else {
        let d = Diagnostic::error("E003", msg.clone());
        if msg.contains("unknown variant") {
            d.with_help("`mode` is either \"one\" or \"many\"")
        } else {
            d
        }
    };
    if let Some(span) = e.span() {
        d = d.at(span);
    }
    d
}

/// Splits "`wieght`, expected one of `id`, `weight`" into the key and the
/// expected names.
fn split_unknown(rest: &str) -> (String, Vec<String>) {
    let mut parts = rest.splitn(2, ", expected ");
    let key = parts.next().unwrap_or("").trim_matches('`').to_string();
    let expected = parts
        .next()
        .map(|e| {
            e.split('`')
                .enumerate()
                .filter(|(i, _)| i % 2 == 1)
                .map(|(_, s)| s.to_string())
                .collect()
        })
        .unwrap_or_default();
    (key, expected)
}

fn did_you_mean(key: &str, candidates: &[String]) -> Option<String> {
    candidates
        .iter()
        .map(|c| (edit_distance(key, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.clone())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Every semantic check of a parsed rulebook. Errors make the rulebook
/// unusable; warnings point at something that is probably a mistake.
pub fn validate(file: &RulebookFile) -> Vec<Diagnostic> {
    let mut v = Validator {
        out: Vec::new(),
        normalizer: Normalizer::new(normalize_options(&file.normalize)),
        case_fold: file.normalize.case_fold,
        accent_fold: file.normalize.accent_fold,
        patterns: 0,
    };
    v.check(file);
    v.out
}

struct Validator {
    out: Vec<Diagnostic>,
    normalizer: Normalizer,
    case_fold: bool,
    accent_fold: bool,
    patterns: usize,
}

fn span<T>(s: &Spanned<T>) -> Range<usize> {
    s.span()
}

impl Validator {
    fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    fn check(&mut self, file: &RulebookFile) {
        if file.set.is_empty() {
            self.push(
                Diagnostic::error("E013", "the rulebook defines no label set")
                    .with_help("add a `[[set]]` table with `id`, `mode` and labels"),
            );
        }
        let mut set_ids: HashMap<&str, Range<usize>> = HashMap::new();
        let mut rule_ids: HashMap<&str, Range<usize>> = HashMap::new();
        for set in &file.set {
            let id = set.id.get_ref().as_str();
            self.check_id(&set.id, "set");
            if let Some(first) = set_ids.insert(id, span(&set.id)) {
                self.duplicate("E005", "set", id, span(&set.id), first);
            }
            self.check_set(set, &mut rule_ids);
        }
        if self.patterns > MAX_PATTERNS {
            self.push(Diagnostic::error(
                "E020",
                format!(
                    "the rulebook has {} patterns, over the limit of {MAX_PATTERNS}",
                    self.patterns
                ),
            ));
        }
    }

    fn duplicate(
        &mut self,
        code: &'static str,
        what: &str,
        id: &str,
        at: Range<usize>,
        first: Range<usize>,
    ) {
        let mut d = Diagnostic::error(code, format!("duplicate {what} id `{id}`")).at(at);
        if first != (0..0) {
            d = d.with_help(format!(
                "first defined at byte {}; ids must be unique",
                first.start
            ));
        }
        self.push(d);
    }

    fn check_id(&mut self, id: &Spanned<String>, what: &str) {
        let s = id.get_ref();
        let ok = !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !ok {
            self.push(
                Diagnostic::error("E021", format!("invalid {what} id `{s}`"))
                    .at(span(id))
                    .with_help("ids use ASCII letters, digits, `_`, `-` and `.`, since they become field names and values"),
            );
        }
    }

    fn check_set<'a>(&mut self, set: &'a SetDef, rule_ids: &mut HashMap<&'a str, Range<usize>>) {
        let threshold = *set.threshold.get_ref();
        if threshold.is_nan() || threshold <= 0.0 {
            self.push(
                Diagnostic::error(
                    "E016",
                    format!("threshold must be above 0, found {threshold}"),
                )
                .at(span(&set.threshold)),
            );
        }
        if set.label.is_empty() {
            self.push(
                Diagnostic::error("E014", format!("set `{}` has no labels", set.id.get_ref()))
                    .at(span(&set.id)),
            );
        }
        let fallback = set.fallback.as_ref().map(|f| f.get_ref().as_str());
        if set.mode == Mode::Many {
            if let Some(f) = &set.fallback {
                self.push(
                    Diagnostic::error(
                        "E011",
                        "`fallback` only applies to sets with mode = \"one\"",
                    )
                    .at(span(f)),
                );
            }
            if let Some(t) = set.tie_break.first() {
                self.push(
                    Diagnostic::error(
                        "E011",
                        "`tie_break` only applies to sets with mode = \"one\"",
                    )
                    .at(span(t)),
                );
            }
        }
        let mut label_ids: HashMap<&str, Range<usize>> = HashMap::new();
        for label in &set.label {
            let id = label.id.get_ref().as_str();
            self.check_id(&label.id, "label");
            if let Some(first) = label_ids.insert(id, span(&label.id)) {
                self.duplicate("E006", "label", id, span(&label.id), first);
            }
            self.check_label(label, Some(id) == fallback, threshold, rule_ids);
        }
        if let Some(f) = &set.fallback {
            self.check_id(f, "fallback label");
        }
        for t in &set.tie_break {
            if !label_ids.contains_key(t.get_ref().as_str()) {
                let mut d = Diagnostic::error(
                    "E010",
                    format!(
                        "`tie_break` names `{}`, which is not a label of set `{}`",
                        t.get_ref(),
                        set.id.get_ref()
                    ),
                )
                .at(span(t));
                let names: Vec<String> = label_ids.keys().map(|k| k.to_string()).collect();
                if let Some(best) = did_you_mean(t.get_ref(), &names) {
                    d = d.with_help(format!("did you mean `{best}`?"));
                }
                self.push(d);
            }
        }
        if set.mode == Mode::One {
            self.check_conflicts(set);
        }
    }

    fn check_label<'a>(
        &mut self,
        label: &'a LabelDef,
        is_fallback: bool,
        set_threshold: f64,
        rule_ids: &mut HashMap<&'a str, Range<usize>>,
    ) {
        if label.rule.is_empty() && !is_fallback {
            self.push(
                Diagnostic::error(
                    "E014",
                    format!("label `{}` has no rules", label.id.get_ref()),
                )
                .at(span(&label.id))
                .with_help("add a `[[set.label.rule]]`, or make it the set's `fallback`"),
            );
        }
        if is_fallback && !label.rule.is_empty() {
            self.push(
                Diagnostic::warning(
                    "W004",
                    format!(
                        "fallback label `{}` has rules; they can still pick it",
                        label.id.get_ref()
                    ),
                )
                .at(span(&label.id)),
            );
        }
        let threshold = match &label.threshold {
            Some(t) => {
                if t.get_ref().is_nan() || *t.get_ref() <= 0.0 {
                    self.push(
                        Diagnostic::error(
                            "E016",
                            format!("threshold must be above 0, found {}", t.get_ref()),
                        )
                        .at(span(t)),
                    );
                }
                (*t.get_ref(), span(t))
            }
            None => (set_threshold, span(&label.id)),
        };
        if !label.rule.is_empty() {
            let reachable: f64 = label.rule.iter().map(|r| r.weight.get_ref().max(0.0)).sum();
            if reachable + 1e-9 < threshold.0 && threshold.0 > 0.0 {
                self.push(
                    Diagnostic::error(
                        "E015",
                        format!(
                            "label `{}` can never be given: its threshold is {} but all its positive rule weights add up to {}",
                            label.id.get_ref(),
                            threshold.0,
                            reachable
                        ),
                    )
                    .at(threshold.1)
                    .with_help("lower the threshold or raise rule weights"),
                );
            }
        }
        for rule in &label.rule {
            let id = rule.id.get_ref().as_str();
            self.check_id(&rule.id, "rule");
            if let Some(first) = rule_ids.insert(id, span(&rule.id)) {
                self.duplicate("E007", "rule", id, span(&rule.id), first);
            }
            self.check_rule(rule);
        }
        self.check_examples(&label.examples, "examples");
        self.check_examples(&label.counter_examples, "counter_examples");
    }

    fn check_examples(&mut self, list: &[Spanned<String>], key: &str) {
        let mut seen: HashSet<&str> = HashSet::new();
        for e in list {
            let text = e.get_ref().as_str();
            if text.trim().is_empty() {
                self.push(Diagnostic::error("E019", format!("empty entry in `{key}`")).at(span(e)));
            } else if !seen.insert(text) {
                self.push(
                    Diagnostic::warning("W005", format!("duplicated entry in `{key}`")).at(span(e)),
                );
            }
        }
    }

    fn check_rule(&mut self, rule: &RuleDef) {
        let w = *rule.weight.get_ref();
        if !w.is_finite() {
            self.push(
                Diagnostic::error("E003", format!("weight must be a finite number, found {w}"))
                    .at(span(&rule.weight)),
            );
        } else if w == 0.0 {
            self.push(
                Diagnostic::warning("W006", "a rule of weight 0 never changes a score")
                    .at(span(&rule.weight)),
            );
        }
        let lists = [
            ("any", &rule.any),
            ("all", &rule.all),
            ("none", &rule.none),
            ("hashtags", &rule.hashtags),
            ("mentions", &rule.mentions),
            ("emoji", &rule.emoji),
        ];
        let mut positive = false;
        for (key, list) in lists {
            let Some(list) = list else { continue };
            if key != "none" {
                positive = true;
            }
            if list.get_ref().is_empty() {
                self.push(
                    Diagnostic::error("E012", format!("`{key}` is an empty list"))
                        .at(span(list))
                        .with_help("give at least one entry or remove the key"),
                );
            }
            for p in list.get_ref() {
                self.check_phrase(p, key);
            }
        }
        if let Some(list) = &rule.regex {
            positive = true;
            if list.get_ref().is_empty() {
                self.push(Diagnostic::error("E012", "`regex` is an empty list").at(span(list)));
            }
            for re in list.get_ref() {
                self.check_regex(re);
            }
        }
        if let Some(near) = &rule.near {
            positive = true;
            let n = near.get_ref();
            if *n.within.get_ref() == 0 {
                self.push(
                    Diagnostic::error("E018", "`near.within` must be at least 1 word")
                        .at(span(&n.within))
                        .with_help("to require both phrases, use `all`"),
                );
            }
            for (key, side) in [("near.left", &n.left), ("near.right", &n.right)] {
                if side.is_empty() {
                    self.push(
                        Diagnostic::error("E012", format!("`{key}` is an empty list"))
                            .at(span(near)),
                    );
                }
                for p in side {
                    self.check_phrase(p, key);
                }
            }
        }
        if let Some(r) = &rule.caps_ratio {
            positive = true;
            let v = *r.get_ref();
            if !(v > 0.0 && v <= 1.0) {
                self.push(
                    Diagnostic::error(
                        "E003",
                        format!("`caps_ratio` is a share between 0 and 1, found {v}"),
                    )
                    .at(span(r)),
                );
            }
        }
        if rule.min_letters.is_some() && rule.caps_ratio.is_none() {
            if let Some(m) = &rule.min_letters {
                self.push(
                    Diagnostic::warning("W007", "`min_letters` has no effect without `caps_ratio`")
                        .at(span(m)),
                );
            }
        }
        for (key, v) in [
            ("min_mentions", &rule.min_mentions),
            ("min_hashtags", &rule.min_hashtags),
            ("exclaim", &rule.exclaim),
            ("question", &rule.question),
        ] {
            if let Some(v) = v {
                positive = true;
                if *v.get_ref() == 0 {
                    self.push(
                        Diagnostic::error("E018", format!("`{key}` must be at least 1"))
                            .at(span(v)),
                    );
                }
            }
        }
        if !positive {
            self.push(
                Diagnostic::error("E013", format!("rule `{}` has no matcher that can make it fire", rule.id.get_ref()))
                    .at(span(&rule.id))
                    .with_help("add `any`, `all`, `regex`, `hashtags`, `mentions`, `emoji`, `near` or a signal such as `caps_ratio`"),
            );
        }
    }

    fn check_phrase(&mut self, p: &Spanned<String>, key: &str) {
        self.patterns += 1;
        let raw = p.get_ref();
        if raw.len() > MAX_PATTERN_BYTES {
            self.push(
                Diagnostic::error(
                    "E020",
                    format!(
                        "entry in `{key}` is {} bytes, over the limit of {MAX_PATTERN_BYTES}",
                        raw.len()
                    ),
                )
                .at(span(p)),
            );
            return;
        }
        let body = raw
            .trim()
            .trim_end_matches('*')
            .trim_start_matches(['#', '@']);
        if self.normalizer.normalize(body).is_empty() {
            self.push(Diagnostic::error("E017", format!("empty phrase in `{key}`")).at(span(p)));
            return;
        }
        if key == "emoji" {
            return;
        }
        let has_upper = raw.chars().any(|c| c.is_uppercase());
        let folded_accent = raw.chars().any(|c| !c.is_ascii() && c.is_alphabetic())
            && normalized_phrase(&self.normalizer, raw) != raw.trim().trim_end_matches('*');
        if self.case_fold && has_upper || self.accent_fold && folded_accent {
            let shown = normalized_phrase(&self.normalizer, raw);
            self.push(
                Diagnostic::warning("W002", format!("`{raw}` is matched as `{shown}`"))
                    .at(span(p))
                    .with_help("posts and patterns are both folded; write patterns in lower case without accents to say what is matched"),
            );
        }
    }

    fn check_regex(&mut self, re: &Spanned<String>) {
        self.patterns += 1;
        let src = re.get_ref();
        if src.len() > MAX_PATTERN_BYTES {
            self.push(
                Diagnostic::error(
                    "E020",
                    format!(
                        "regex is {} bytes, over the limit of {MAX_PATTERN_BYTES}",
                        src.len()
                    ),
                )
                .at(span(re)),
            );
            return;
        }
        match RegexBuilder::new(src).size_limit(REGEX_SIZE_LIMIT).build() {
            Ok(_) => {
                if self.case_fold && regex_has_upper_literal(src) {
                    self.push(
                        Diagnostic::warning(
                            "W002",
                            "regex has upper-case letters but posts are case-folded first",
                        )
                        .at(span(re))
                        .with_help("write the regex in lower case, or use (?i)"),
                    );
                }
            }
            Err(regex::Error::CompiledTooBig(limit)) => self.push(
                Diagnostic::error("E009", format!("regex compiles to more than {limit} bytes"))
                    .at(span(re))
                    .with_help("split it, or use phrases in `any`"),
            ),
            Err(e) => self.push(
                Diagnostic::error("E008", format!("invalid regex: {}", regex_message(&e)))
                    .at(span(re)),
            ),
        }
    }

    fn check_conflicts(&mut self, set: &SetDef) {
        let mut owner: HashMap<String, &str> = HashMap::new();
        for label in &set.label {
            let mut mine: HashSet<String> = HashSet::new();
            for rule in &label.rule {
                // Only phrases that count for the label: `none` lists exclude.
                for list in [&rule.any, &rule.all].into_iter().flatten() {
                    for p in list.get_ref() {
                        let n = normalized_phrase(&self.normalizer, p.get_ref());
                        if n.is_empty() || !mine.insert(n.clone()) {
                            continue;
                        }
                        match owner.get(&n) {
                            Some(other) if *other != label.id.get_ref() => {
                                self.push(
                                    Diagnostic::warning(
                                        "W001",
                                        format!(
                                            "phrase `{n}` votes for both `{other}` and `{}` in set `{}`",
                                            label.id.get_ref(),
                                            set.id.get_ref()
                                        ),
                                    )
                                    .at(span(p))
                                    .with_help("a post saying it scores for both; give one label the phrase, or use `none` to separate them"),
                                );
                            }
                            Some(_) => {}
                            None => {
                                owner.insert(n, label.id.get_ref());
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The regex engine's message, on one line.
fn regex_message(e: &regex::Error) -> String {
    let text = e.to_string();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    // The engine's message ends with "error: <what>"; keep that part.
    lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .map_or_else(|| lines.join(" "), str::to_string)
}

/// Whether a regex has an upper-case letter outside escapes and classes
/// like `\P{Lu}`, which case-folded text can never match.
fn regex_has_upper_literal(src: &str) -> bool {
    if src.contains("(?i") {
        return false;
    }
    let mut chars = src.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            // Skip the escaped char and a following {…} group.
            if let Some(n) = chars.next() {
                if matches!(n, 'p' | 'P') {
                    let rest: String = chars.clone().take(1).collect();
                    if rest == "{" {
                        for x in chars.by_ref() {
                            if x == '}' {
                                break;
                            }
                        }
                    } else {
                        chars.next();
                    }
                }
            }
            continue;
        }
        if c == '[' {
            // Character classes like [:upper:] are named, skip them.
            let peek: String = chars.clone().take(1).collect();
            if peek == ":" {
                for x in chars.by_ref() {
                    if x == ']' {
                        break;
                    }
                }
                continue;
            }
        }
        if c.is_uppercase() {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("wieght", "weight"), 2);
        assert_eq!(edit_distance("any", "any"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn suggests_close_keys_only() {
        let keys: Vec<String> = ["id", "weight", "any", "all"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(did_you_mean("wieght", &keys).as_deref(), Some("weight"));
        assert_eq!(did_you_mean("zzzzzzzz", &keys), None);
    }

    #[test]
    fn upper_case_regex_literals_are_found() {
        assert!(regex_has_upper_literal("Fail"));
        assert!(!regex_has_upper_literal(r"\p{Lu}+ fail"));
        assert!(!regex_has_upper_literal("(?i)Fail"));
        assert!(!regex_has_upper_literal(r"\bfail\b\W"));
        assert!(!regex_has_upper_literal("[[:upper:]]x"));
    }
}
