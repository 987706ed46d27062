//! Rulebook checks: everything that can be said about a rulebook without
//! classifying a post. Each finding has a stable code, documented in
//! `docs/diagnostics.md`.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::chain::Chain;
use super::diagnostic::{Diagnostic, Source};
use super::model::{
    parse_entry, LabelDef, LexiconDef, Mode, RuleDef, RulebookFile, SetDef, Spanned,
};
use super::patterns::{normalize_options, normalized_phrase, regex_builder};
use crate::lang::Lang;
use crate::normalize::Normalizer;
use crate::parallel::map_in_order;

/// A rulebook file larger than this is refused before parsing.
pub const MAX_RULEBOOK_BYTES: usize = 8 << 20;
/// At most this many phrases, hashtags, mentions, emoji and regexes in all.
pub const MAX_PATTERNS: usize = 200_000;
/// A single phrase or regex longer than this is refused.
pub const MAX_PATTERN_BYTES: usize = 1_000;

/// Parses the TOML text of a rulebook into its model, or says why not (the
/// first problem; see [`parse_all`] for all of them).
pub fn parse(source: &Source) -> Result<RulebookFile, Diagnostic> {
    parse_all(source).map_err(|mut ds| ds.swap_remove(0))
}

/// Parses the TOML text of a rulebook into its model, or gives every unknown
/// key it has and then the first other problem. The schema reader stops at
/// the first problem, so each unknown key that sits alone on its line (or
/// heads a table) is blanked out in a copy of the text, keeping every byte
/// offset, and the copy is read again.
pub fn parse_all(source: &Source) -> Result<RulebookFile, Vec<Diagnostic>> {
    parse_all_at(source, 0)
}

/// [`parse_all`] of a text whose first `offset` bytes are padding that
/// puts the file at its place in a chain (see `resolve`).
pub(crate) fn parse_all_at(
    source: &Source,
    offset: usize,
) -> Result<RulebookFile, Vec<Diagnostic>> {
    let first = match parse_one(source, offset) {
        Ok(file) => return Ok(file),
        Err(d) => d,
    };
    let mut found = vec![first];
    let mut text = source.text.clone();
    while found.len() < 100 {
        let last = found.last().expect("not empty");
        let Some(span) = last.span.clone().filter(|_| last.code == "E002") else {
            break;
        };
        if !blank_unknown_key(&mut text, span) {
            break;
        }
        match toml::from_str::<RulebookFile>(&text) {
            Ok(_) => break,
            Err(e) => {
                let d = schema_diagnostic(source, &e);
                if found.contains(&d) {
                    break;
                }
                found.push(d);
            }
        }
    }
    Err(found)
}

/// Replaces with spaces the line `key = value` whose key is at `span`, or a
/// whole table whose header names it; false when the key is inside an
/// inline table or its value spans several lines.
fn blank_unknown_key(text: &mut String, span: Range<usize>) -> bool {
    let start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    if !text[start..span.start].trim().is_empty()
        && !text[start..span.start].trim().starts_with('[')
    {
        return false;
    }
    let line_end = |from: usize| text[from..].find('\n').map_or(text.len(), |i| from + i);
    let end = if text[start..].trim_start().starts_with('[') {
        // A table: its header and every line up to the next header.
        let mut end = line_end(start);
        while end < text.len() {
            let next = end + 1;
            if text[next..].trim_start().starts_with('[') {
                break;
            }
            end = line_end(next);
        }
        end
    } else {
        let end = line_end(start);
        if text[start..end].parse::<toml::Table>().is_err() {
            return false;
        }
        end
    };
    let blank: String = text[start..end]
        .bytes()
        .map(|b| {
            if b == b'\n' || b == b'\r' {
                b as char
            } else {
                ' '
            }
        })
        .collect();
    text.replace_range(start..end, &blank);
    true
}

fn parse_one(source: &Source, offset: usize) -> Result<RulebookFile, Diagnostic> {
    let len = source.text.len() - offset;
    if len > MAX_RULEBOOK_BYTES {
        return Err(Diagnostic::error(
            "E020",
            format!(
                "rulebook is {} bytes, over the limit of {} bytes",
                len, MAX_RULEBOOK_BYTES
            ),
        ));
    }
    // A first pass as a plain table tells syntax errors from schema errors.
    if let Err(e) = source.text.parse::<toml::Table>() {
        return Err(syntax_diagnostic(source, &e));
    }
    toml::from_str::<RulebookFile>(&source.text).map_err(|e| schema_diagnostic(source, &e))
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

fn syntax_diagnostic(source: &Source, e: &toml::de::Error) -> Diagnostic {
    // The parser's message is a headline and details on further lines
    // ("invalid array" / "expected `]`"); one line reads better.
    let parts: Vec<&str> = e
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let what = if !parts.is_empty() {
        parts.join(": ")
    } else if e.span().is_some_and(|s| s.start >= source.text.len()) {
        "unexpected end of file".to_string()
    } else {
        "unexpected character".to_string()
    };
    let mut d = Diagnostic::error("E001", format!("invalid TOML: {what}"));
    if what.contains("escape") {
        d = d.with_help(
            "in a \"…\" string a backslash starts an escape; write regexes in '…' strings, where it does not",
        );
    }
    match e.span() {
        // An error at the end of the file ("expected `]`") is shown just
        // after its last character rather than on a blank last line.
        Some(s) if s.start >= source.text.trim_end().len() => {
            let end = source.text.trim_end().len();
            d.at(end..end)
        }
        Some(s) => d.at(s),
        None => d,
    }
}

fn schema_diagnostic(source: &Source, e: &toml::de::Error) -> Diagnostic {
    let msg = first_line(e.message()).to_string();
    let key = e.span().and_then(|s| key_before(&source.text, s.start));
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
        let key = rest.trim_matches('`');
        let table = e
            .span()
            .and_then(|s| source.text.get(s))
            .and_then(|t| t.lines().next())
            .filter(|t| t.starts_with('['))
            .map(|t| format!("every `{t}` table needs"))
            .unwrap_or_else(|| "this table needs".to_string());
        Diagnostic::error("E004", format!("missing required key `{key}`"))
            .with_help(format!("{table} `{key}`"))
    } else if msg.contains("unknown variant") {
        Diagnostic::error("E003", msg.clone()).with_help("`mode` is either \"one\" or \"many\"")
    } else {
        Diagnostic::error("E003", type_message(&msg, key.as_deref()))
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

/// Rewrites serde's "invalid type: string \"x\", expected f64" in the words
/// of a rulebook author: "wrong type for `weight`: expected a number, found
/// string \"x\"".
fn type_message(msg: &str, key: Option<&str>) -> String {
    let (what, rest) = if let Some(r) = msg.strip_prefix("invalid type: ") {
        ("wrong type", r)
    } else if let Some(r) = msg.strip_prefix("invalid value: ") {
        ("invalid value", r)
    } else {
        return msg.to_string();
    };
    let Some((found, expected)) = rest.rsplit_once(", expected ") else {
        return msg.to_string();
    };
    let expected = match expected {
        "f64" => "a number",
        "u32" => "a whole number from 0 to 4294967295",
        "a sequence" => "an array",
        e if e.starts_with("struct ") => "a table",
        e => e,
    };
    let found = match found {
        "map" => "a table".to_string(),
        "sequence" => "an array".to_string(),
        f => f.replace("floating point", "number"),
    };
    match key {
        Some(k) => format!("{what} for `{k}`: expected {expected}, found {found}"),
        None => format!("{what}: expected {expected}, found {found}"),
    }
}

/// The key whose value starts at byte `at`: the nearest `key =` before it on
/// its line, or on the lines above when the value is an array spread over
/// several lines. For a table header (`[set]`) the last part of its name.
fn key_before(text: &str, at: usize) -> Option<String> {
    let at = at.min(text.len());
    if !text.is_char_boundary(at) {
        return None;
    }
    let line_rest = text[at..].lines().next().unwrap_or("").trim();
    let header = line_rest.trim_matches(|c| c == '[' || c == ']');
    if line_rest.starts_with('[')
        && line_rest.ends_with(']')
        && text[..at].rsplit('\n').next()?.trim().is_empty()
        && !header.is_empty()
        && header
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
    {
        return header.rsplit('.').next().map(|k| k.trim().to_string());
    }
    // The value's own line up to the value, then whole lines above it.
    for (i, line) in text[..at].rsplit('\n').take(50).enumerate() {
        if i > 0 && line.trim_start().starts_with('[') {
            return None;
        }
        if let Some(k) = last_key(line) {
            return Some(k);
        }
    }
    None
}

/// The last `key =` of a line fragment, outside strings.
fn last_key(line: &str) -> Option<String> {
    let mut in_str: Option<char> = None;
    let mut found = None;
    let bytes: Vec<char> = line.chars().collect();
    for (i, &c) in bytes.iter().enumerate() {
        match in_str {
            Some(q) if c == q => in_str = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => in_str = Some(c),
            None if c == '#' => break,
            None if c == '=' => {
                let before: String = bytes[..i].iter().collect();
                let key: String = before
                    .trim_end()
                    .chars()
                    .rev()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                if !key.is_empty() {
                    found = Some(key);
                }
            }
            None => {}
        }
    }
    found
}

/// The candidate closest to `key`, when it is close enough to be a typo.
pub fn did_you_mean(key: &str, candidates: &[String]) -> Option<String> {
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
/// `source` is the text `file` was parsed from, for messages that point at a
/// second place ("first defined at line 3, column 6"). Findings come back in
/// file order.
pub fn validate(file: &RulebookFile, source: &Source) -> Vec<Diagnostic> {
    validate_on(file, &Chain::single(source.clone()), 0)
}

/// [`validate`] of a merged chain, building the regexes on `threads`
/// threads, four at most (0: every core). Spans stay in the chain's long
/// text.
pub(crate) fn validate_on(file: &RulebookFile, chain: &Chain, threads: usize) -> Vec<Diagnostic> {
    let mut v = Validator {
        out: Vec::new(),
        source: chain.combined(),
        chain,
        normalizer: Normalizer::new(normalize_options(&file.normalize)),
        patterns: 0,
        regexes: build_regexes(file, chain, threads),
    };
    v.check(file);
    // Findings about the whole file (no span) first, then by position.
    v.out
        .sort_by_key(|d| d.span.as_ref().map_or((0, 0), |s| (1, s.start)));
    v.out
}

struct Validator<'s> {
    out: Vec<Diagnostic>,
    source: &'s Source,
    chain: &'s Chain,
    normalizer: Normalizer,
    patterns: usize,
    /// What building each regex of the file gave, by source.
    regexes: HashMap<String, Built>,
}

/// What building a regex gave: all the checks need of it.
#[derive(Debug, Clone)]
enum Built {
    /// It compiled; whether it matches empty text.
    Compiled {
        matches_empty: bool,
    },
    Failed(regex::Error),
}

impl Built {
    /// Builds `src` as the `regex` crate does, with the same size limit and
    /// the same errors, but without the engines that only speed searches up
    /// and cannot fail to build (one-pass DFA, backtracker, full DFA). The
    /// forward and reverse NFAs are still built within the limit: the
    /// compiled rulebook builds both, and must not fail where this did not.
    fn of(src: &str) -> Built {
        let built = regex_builder(|c| c.onepass(false).backtrack(false).dfa(false)).build(src);
        match built {
            Ok(compiled) => Built::Compiled {
                matches_empty: ["", "a", " ", "0", "!", "é"]
                    .iter()
                    .all(|t| compiled.is_match(t)),
            },
            Err(e) => Built::Failed(match (e.size_limit(), e.syntax_error()) {
                (Some(limit), _) => regex::Error::CompiledTooBig(limit),
                (None, Some(syntax)) => regex::Error::Syntax(syntax.to_string()),
                (None, None) => regex::Error::Syntax(e.to_string()),
            }),
        }
    }
}

/// Builds every distinct regex of the file not over [`MAX_PATTERN_BYTES`],
/// on up to `threads` threads: the costliest part of the checks. Only what
/// the checks need is kept of each.
///
/// Regexes written only in the embedded default rulebook are not built:
/// that text is part of the program, and the test suite checks that each of
/// its regexes builds within the limit and never matches empty text (what
/// [`Built::of`] would find). Every rulebook that extends the default would
/// otherwise pay for building them again at each start.
fn build_regexes(file: &RulebookFile, chain: &Chain, threads: usize) -> HashMap<String, Built> {
    let mut sources: Vec<&str> = Vec::new();
    let mut embedded: Vec<&str> = Vec::new();
    let default_files = chain.embedded_default_files();
    let regexes = regexes_of(file).filter(|re| re.get_ref().len() <= MAX_PATTERN_BYTES);
    for re in regexes {
        if default_files[chain.locate(re.span().start).0] {
            embedded.push(re.get_ref());
        } else {
            sources.push(re.get_ref());
        }
    }
    sources.sort_unstable();
    sources.dedup();
    let built = map_in_order(&sources, threads, |src| Built::of(src));
    let mut out: HashMap<String, Built> =
        sources.into_iter().map(str::to_string).zip(built).collect();
    for src in embedded {
        out.entry(src.to_string()).or_insert(Built::Compiled {
            matches_empty: false,
        });
    }
    out
}

/// Every regex written in the file, where it is written.
fn regexes_of(file: &RulebookFile) -> impl Iterator<Item = &Spanned<String>> {
    file.set
        .iter()
        .flat_map(|set| &set.label)
        .flat_map(|label| &label.rule)
        .filter_map(|rule| rule.regex.as_ref())
        .flat_map(|list| list.get_ref())
}

fn span<T>(s: &Spanned<T>) -> Range<usize> {
    s.span()
}

impl Validator<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    /// "line 3, column 6", for pointing at a second place in a message.
    fn place(&self, at: &Range<usize>) -> String {
        self.chain.place(at)
    }

    fn check(&mut self, file: &RulebookFile) {
        if file.set.is_empty() {
            self.push(
                Diagnostic::error("E023", "the rulebook defines no label set")
                    .with_help("add a `[[set]]` table with `id`, `mode` and labels"),
            );
        }
        for code in &file.rulebook.languages {
            self.check_lang(code, "languages");
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
        let mut lexicon_ids: HashMap<&str, Range<usize>> = HashMap::new();
        for lexicon in &file.lexicon {
            let id = lexicon.id.get_ref().as_str();
            self.check_id(&lexicon.id, "lexicon");
            if let Some(first) = lexicon_ids.insert(id, span(&lexicon.id)) {
                self.duplicate("E032", "lexicon", id, span(&lexicon.id), first);
            }
            self.check_lexicon(file, lexicon);
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
        let help = format!(
            "first defined at {}; {what} ids must be unique{}",
            self.place(&first),
            if what == "rule" {
                " in the whole rulebook"
            } else {
                ""
            }
        );
        self.push(
            Diagnostic::error(code, format!("duplicate {what} id `{id}`"))
                .at(at)
                .with_help(help),
        );
    }

    /// A lexicon names a `one` set, and each of its entries is one word or
    /// two as normalised text, with finite weights for labels of that set.
    fn check_lexicon(&mut self, file: &RulebookFile, lexicon: &LexiconDef) {
        if let Some(list) = &lexicon.lang {
            self.check_lang_list(
                list,
                "list the languages of the posts the lexicon weighs, or remove `lang` to let it weigh every post",
            );
        }
        let name = lexicon.set.get_ref();
        let Some(set) = file.set.iter().find(|s| s.id.get_ref() == name) else {
            let known: Vec<String> = file.set.iter().map(|s| s.id.get_ref().clone()).collect();
            let mut d = Diagnostic::error(
                "E033",
                format!("lexicon `{}` names no set `{name}`", lexicon.id.get_ref()),
            )
            .at(span(&lexicon.set));
            if let Some(best) = did_you_mean(name, &known) {
                d = d.with_help(format!("did you mean `{best}`?"));
            }
            self.push(d);
            return;
        };
        if set.mode != Mode::One {
            self.push(
                Diagnostic::error(
                    "E033",
                    format!(
                        "lexicon `{}` names set `{name}`, whose mode is `many`",
                        lexicon.id.get_ref()
                    ),
                )
                .at(span(&lexicon.set))
                .with_help(
                    "a lexicon adds to the scores of a `one` set, where the best label wins",
                ),
            );
            return;
        }
        let labels: Vec<String> = set.label.iter().map(|l| l.id.get_ref().clone()).collect();
        let mut seen: HashMap<&str, Range<usize>> = HashMap::new();
        for entry in &lexicon.words {
            let parsed = match parse_entry(entry.get_ref()) {
                Ok(p) => p,
                Err(why) => {
                    self.push(
                        Diagnostic::error(
                            "E035",
                            format!("lexicon entry `{}`: {why}", entry.get_ref()),
                        )
                        .at(span(entry)),
                    );
                    continue;
                }
            };
            let phrase = parsed.phrase;
            let words: Vec<&str> = crate::normalize::words(phrase).collect();
            let normal = self.normalizer.normalize(phrase) == phrase && words.join(" ") == phrase;
            if !normal || words.is_empty() || words.len() > 2 {
                self.push(
                    Diagnostic::error(
                        "E034",
                        format!("lexicon entry `{phrase}` is not one word or two words of normalised text"),
                    )
                    .at(span(entry))
                    .with_help("write one word, or two separated by one space, in lower case and without accents; punctuation and symbols separate words and are never part of one"),
                );
            } else if let Some(first) = seen.insert(phrase, span(entry)) {
                self.push(
                    Diagnostic::error("E034", format!("lexicon entry `{phrase}` is written twice"))
                        .at(span(entry))
                        .with_help(format!("first written at {}", self.place(&first))),
                );
            }
            for (label, _) in &parsed.weights {
                if !labels.iter().any(|l| l == label) {
                    let mut d = Diagnostic::error(
                        "E035",
                        format!("lexicon entry `{phrase}` weighs `{label}`, which is no label of set `{name}`"),
                    )
                    .at(span(entry));
                    if let Some(best) = did_you_mean(label, &labels) {
                        d = d.with_help(format!("did you mean `{best}`?"));
                    }
                    self.push(d);
                }
            }
        }
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
                .at(span(&set.threshold))
                .with_help("a label is given when its score reaches the threshold; use a positive number such as 1"),
            );
        }
        if set.label.is_empty() {
            self.push(
                Diagnostic::error("E022", format!("set `{}` has no labels", set.id.get_ref()))
                    .at(span(&set.id))
                    .with_help("add `[[set.label]]` tables after this `[[set]]`"),
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
                    .at(span(f))
                    .with_help(
                        "a `many` set gives no label at all when none reaches its threshold",
                    ),
                );
            }
            if let Some(t) = set.tie_break.first() {
                self.push(
                    Diagnostic::error(
                        "E011",
                        "`tie_break` only applies to sets with mode = \"one\"",
                    )
                    .at(span(t))
                    .with_help("a `many` set gives every label that reaches its threshold"),
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
        let names: Vec<String> = set.label.iter().map(|l| l.id.get_ref().clone()).collect();
        if let (Some(f), Mode::One) = (&set.fallback, set.mode) {
            self.check_id(f, "fallback label");
            if !label_ids.contains_key(f.get_ref().as_str()) {
                self.undeclared_fallback(set, f, &names);
            }
        }
        let mut ranked: HashSet<&str> = HashSet::new();
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
                if let Some(best) = did_you_mean(t.get_ref(), &names) {
                    d = d.with_help(format!("did you mean `{best}`?"));
                } else {
                    d = d.with_help(format!("the labels are: {}", names.join(", ")));
                }
                self.push(d);
            } else if !ranked.insert(t.get_ref()) {
                self.push(
                    Diagnostic::warning(
                        "W010",
                        format!("`{}` is listed twice in `tie_break`", t.get_ref()),
                    )
                    .at(span(t))
                    .with_help("only its first place counts"),
                );
            }
        }
        if set.mode == Mode::One {
            self.check_conflicts(set);
            self.check_shared_examples(set);
        }
    }

    /// A `fallback` that is not one of the set's labels: a typo when it is
    /// close to a label id, else a label given without being declared.
    fn undeclared_fallback(&mut self, set: &SetDef, f: &Spanned<String>, names: &[String]) {
        let name = f.get_ref();
        if let Some(best) = did_you_mean(name, names) {
            self.push(
                Diagnostic::error(
                    "E010",
                    format!(
                        "`fallback` names `{name}`, which is not a label of set `{}`",
                        set.id.get_ref()
                    ),
                )
                .at(span(f))
                .with_help(format!("did you mean `{best}`?")),
            );
        } else {
            self.push(
                Diagnostic::warning(
                    "W008",
                    format!(
                        "fallback `{name}` is not declared as a label of set `{}`",
                        set.id.get_ref()
                    ),
                )
                .at(span(f))
                .with_help(format!(
                    "declare it as a label without rules (`[[set.label]]` with `id = \"{name}\"`) to give it a title, an action and examples"
                )),
            );
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
                .at(span(&label.id))
                .with_help("a fallback is usually given only when no other label qualifies; remove its rules"),
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
                        .at(span(t))
                        .with_help("a label is given when its score reaches the threshold; use a positive number such as 1"),
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
        let examples: HashMap<&str, Range<usize>> = label
            .examples
            .iter()
            .map(|e| (e.get_ref().as_str(), span(e)))
            .collect();
        for c in &label.counter_examples {
            if let Some(at) = examples.get(c.get_ref().as_str()) {
                if c.get_ref().trim().is_empty() {
                    continue;
                }
                let help = format!("it is an example at {}", self.place(at));
                self.push(
                    Diagnostic::error(
                        "E024",
                        format!(
                            "this text is both an example and a counter-example of label `{}`",
                            label.id.get_ref()
                        ),
                    )
                    .at(span(c))
                    .with_help(help),
                );
            }
        }
    }

    fn check_examples(&mut self, list: &[Spanned<String>], key: &str) {
        let mut seen: HashMap<&str, Range<usize>> = HashMap::new();
        for e in list {
            let text = e.get_ref().as_str();
            if text.trim().is_empty() {
                self.push(
                    Diagnostic::error("E019", format!("empty entry in `{key}`"))
                        .at(span(e))
                        .with_help("give the text of a post, or remove the entry"),
                );
            } else if let Some(first) = seen.get(text) {
                let help = format!("first given at {}", self.place(first));
                self.push(
                    Diagnostic::warning("W005", format!("duplicated entry in `{key}`"))
                        .at(span(e))
                        .with_help(help),
                );
            } else {
                seen.insert(text, span(e));
            }
        }
    }

    /// In a `one` set a post gets a single label, so a text cannot be an
    /// example of two labels.
    fn check_shared_examples(&mut self, set: &SetDef) {
        let mut owner: HashMap<&str, (&str, Range<usize>)> = HashMap::new();
        for label in &set.label {
            for e in &label.examples {
                let text = e.get_ref().as_str();
                if text.trim().is_empty() {
                    continue;
                }
                match owner.get(text) {
                    Some((other, at)) if *other != label.id.get_ref() => {
                        let help = format!(
                            "it is an example of `{other}` at {}; a post gets one label of set `{}`",
                            self.place(at),
                            set.id.get_ref()
                        );
                        self.push(
                            Diagnostic::error(
                                "E025",
                                format!(
                                    "this text is an example of both `{other}` and `{}`",
                                    label.id.get_ref()
                                ),
                            )
                            .at(span(e))
                            .with_help(help),
                        );
                    }
                    Some(_) => {}
                    None => {
                        owner.insert(text, (label.id.get_ref(), span(e)));
                    }
                }
            }
        }
    }

    /// A language code of `languages` or a rule's `lang`: ISO 639-1 in
    /// lower case, or `und`.
    fn check_lang(&mut self, code: &Spanned<String>, key: &str) {
        let c = code.get_ref();
        if Lang::parse(c).is_some() {
            return;
        }
        let help = match Lang::from_field(c).or_else(|| Lang::from_name(c)) {
            Some(l) => format!("write `{l}`"),
            None => "use ISO 639-1 codes in lower case (`fr`, `en`, `es`, `de`), or `und` for posts whose language is unknown".to_string(),
        };
        self.push(
            Diagnostic::error("E031", format!("unknown language code `{c}` in `{key}`"))
                .at(span(code))
                .with_help(help),
        );
    }

    /// A rule's or a lexicon's `lang`: a list of known codes, not empty.
    fn check_lang_list(&mut self, list: &Spanned<Vec<Spanned<String>>>, help: &str) {
        if list.get_ref().is_empty() {
            self.push(
                Diagnostic::error("E012", "`lang` is an empty list")
                    .at(span(list))
                    .with_help(help),
            );
        }
        for code in list.get_ref() {
            self.check_lang(code, "lang");
        }
    }

    fn check_rule(&mut self, rule: &RuleDef) {
        if let Some(list) = &rule.lang {
            self.check_lang_list(
                list,
                "list the languages the rule is for, or remove `lang` to let it fire on every post",
            );
        }
        let w = *rule.weight.get_ref();
        if !w.is_finite() {
            self.push(
                Diagnostic::error(
                    "E003",
                    format!("`weight` must be a finite number, found {w}"),
                )
                .at(span(&rule.weight)),
            );
        } else if w == 0.0 {
            self.push(
                Diagnostic::warning("W006", "a rule of weight 0 never changes a score")
                    .at(span(&rule.weight))
                    .with_help("give it a weight, or remove the rule"),
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
                self.push(
                    Diagnostic::error("E012", "`regex` is an empty list")
                        .at(span(list))
                        .with_help("give at least one entry or remove the key"),
                );
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
                        .with_help("`within = 1` means the phrases are next to each other; to require both anywhere, use `all`"),
                );
            }
            for (key, side) in [("near.left", &n.left), ("near.right", &n.right)] {
                if side.is_empty() {
                    self.push(
                        Diagnostic::error("E012", format!("`{key}` is an empty list"))
                            .at(span(near))
                            .with_help("give at least one phrase on each side"),
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
                        format!("`caps_ratio` is a share above 0 and at most 1, found {v}"),
                    )
                    .at(span(r))
                    .with_help("0.7 means at least 70% of the letters are upper case"),
                );
            }
        }
        if let (Some(m), None) = (&rule.min_letters, &rule.caps_ratio) {
            self.push(
                Diagnostic::warning("W007", "`min_letters` has no effect without `caps_ratio`")
                    .at(span(m))
                    .with_help("add `caps_ratio`, or remove `min_letters`"),
            );
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
                            .at(span(v))
                            .with_help("0 holds for every post; remove the key instead"),
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
            self.push(
                Diagnostic::error("E017", format!("empty phrase in `{key}`"))
                    .at(span(p))
                    .with_help("a phrase needs something left after normalisation"),
            );
            return;
        }
        // Hashtags and handles are often written in camel case to be read,
        // and emoji have no case: only word phrases are worth a remark.
        if matches!(key, "emoji" | "hashtags" | "mentions") {
            return;
        }
        let opts = self.normalizer.options();
        let written = raw.trim().trim_end_matches('*');
        let shown = normalized_phrase(&self.normalizer, raw);
        let has_upper = opts.case_fold && written.chars().any(char::is_uppercase);
        let has_accent = opts.accent_fold
            && written
                .chars()
                .any(|c| !c.is_ascii() && c.is_alphabetic() && self.folds(c));
        if has_upper || has_accent {
            self.push(
                Diagnostic::warning("W002", format!("`{raw}` is matched as `{shown}`"))
                    .at(span(p))
                    .with_help("posts and phrases are both folded before matching; write phrases folded to show what is matched"),
            );
        }
    }

    /// Whether normalisation changes a character (ignoring case).
    fn folds(&self, c: char) -> bool {
        let lower: String = c.to_lowercase().collect();
        self.normalizer.normalize(&lower) != lower
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
        let built = match self.regexes.get(src) {
            Some(built) => built.clone(),
            None => Built::of(src),
        };
        match built {
            Built::Compiled { matches_empty } => {
                if let Some((at, c, folded)) = unmatchable_literal(src, &self.normalizer) {
                    let help = if folded.is_empty() {
                        "posts are normalised before regexes run; remove it".to_string()
                    } else {
                        format!("posts are normalised before regexes run; write `{folded}` instead")
                    };
                    self.push(
                        Diagnostic::warning(
                            "W003",
                            format!("`{c}` never occurs in normalised posts, so the part of this regex that needs it cannot match"),
                        )
                        .at(self.regex_part(src, span(re), at, 1))
                        .with_help(help),
                    );
                }
                if matches_empty {
                    self.push(
                        Diagnostic::warning(
                            "W009",
                            "this regex matches empty text, so it matches every post",
                        )
                        .at(span(re))
                        .with_help("use `+` instead of `*`, or make a part of it required"),
                    );
                }
            }
            Built::Failed(regex::Error::CompiledTooBig(limit)) => self.push(
                Diagnostic::error("E009", format!("regex compiles to more than {limit} bytes"))
                    .at(span(re))
                    .with_help("split it, or use phrases in `any`"),
            ),
            Built::Failed(e) => {
                let at = self.regex_error_span(&e, src, span(re));
                self.push(
                    Diagnostic::error("E008", format!("invalid regex: {}", regex_message(&e)))
                        .at(at),
                )
            }
        }
    }

    /// The part of a regex's TOML string that the engine's error points at,
    /// or the whole string.
    fn regex_error_span(&self, e: &regex::Error, src: &str, whole: Range<usize>) -> Range<usize> {
        match regex_error_position(e) {
            Some((start, width)) => self.regex_part(src, whole, start, width),
            None => whole,
        }
    }

    /// The characters `start..start + width` of a regex, as a span in the
    /// file, when its TOML string holds the regex as written (no escapes);
    /// else the whole string.
    fn regex_part(
        &self,
        src: &str,
        whole: Range<usize>,
        start: usize,
        width: usize,
    ) -> Range<usize> {
        let Some(raw) = self.source.text.get(whole.clone()) else {
            return whole;
        };
        let verbatim = (raw.starts_with('\'') && !raw.starts_with("'''"))
            || (raw.starts_with('"') && !raw.starts_with("\"\"\"") && !raw.contains('\\'));
        if !verbatim || raw.get(1..raw.len().saturating_sub(1)) != Some(src) {
            return whole;
        }
        let byte_at = |chars: usize| src.char_indices().nth(chars).map_or(src.len(), |(i, _)| i);
        let from = whole.start + 1 + byte_at(start);
        let to = whole.start + 1 + byte_at(start + width);
        from..to.max(from + 1)
    }

    fn check_conflicts(&mut self, set: &SetDef) {
        let mut owner: HashMap<String, (&str, Range<usize>)> = HashMap::new();
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
                            Some((other, at)) if *other != label.id.get_ref() => {
                                let help = format!(
                                    "`{other}` has it at {}; a post saying it scores for both. Keep it in one label, or use `none` to tell them apart",
                                    self.place(at)
                                );
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
                                    .with_help(help),
                                );
                            }
                            Some(_) => {}
                            None => {
                                owner.insert(n, (label.id.get_ref(), span(p)));
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

/// Where the engine's message points in the regex: a character offset and
/// a width, from the caret line it draws under the pattern (the last caret
/// group, which for "duplicate name" errors is the duplicate).
fn regex_error_position(e: &regex::Error) -> Option<(usize, usize)> {
    let text = e.to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() != 4 || lines[0] != "regex parse error:" {
        return None;
    }
    let carets = lines[2].strip_prefix("    ")?;
    let end = carets.rfind('^')? + 1;
    let start = carets[..end].trim_end_matches('^').len();
    Some((start, end - start))
}

/// The first character a regex writes literally (outside escapes, classes
/// and group syntax) that normalisation changes, so that normalised posts
/// never contain it: its index (in characters), itself and what it becomes. Classes are not looked into:
/// `[A-Za-z]` can still match, and a warning must not be a false alarm.
fn unmatchable_literal(src: &str, normalizer: &Normalizer) -> Option<(usize, char, String)> {
    let chars: Vec<char> = src.chars().collect();
    let len = chars.len();
    let (mut case_insensitive, mut verbose) = (false, false);
    for (i, w) in chars.windows(2).enumerate() {
        if w == ['(', '?'] && !matches!(chars.get(i + 2), Some('P' | '<')) {
            let flags: String = chars[i + 2..]
                .iter()
                .take_while(|c| !matches!(c, ':' | ')'))
                .collect();
            let on = flags.split('-').next().unwrap_or("");
            case_insensitive |= on.contains('i');
            verbose |= on.contains('x');
        }
    }
    let collapse = normalizer.options().collapse_whitespace;
    let mut i = 0;
    while i < len {
        let c = chars[i];
        match c {
            '\\' => {
                let e = chars.get(i + 1).copied().unwrap_or(' ');
                i += 2;
                if matches!(e, 'p' | 'P' | 'x' | 'u' | 'U') {
                    if chars.get(i) == Some(&'{') {
                        while i < len && chars[i] != '}' {
                            i += 1;
                        }
                        i += 1;
                    } else {
                        i += match e {
                            'p' | 'P' => 1,
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                    }
                }
                continue;
            }
            '[' => {
                i += 1;
                if chars.get(i) == Some(&'^') {
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    i += 1;
                }
                let mut depth = 1;
                while i < len && depth > 0 {
                    match chars[i] {
                        '\\' => i += 1,
                        '[' => depth += 1,
                        ']' => depth -= 1,
                        _ => {}
                    }
                    i += 1;
                }
                continue;
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                i += 2;
                if chars.get(i) == Some(&'P') {
                    i += 1;
                }
                let end = if chars.get(i) == Some(&'<') { '>' } else { ':' };
                while i < len && chars[i] != end && chars[i] != ')' {
                    i += 1;
                }
                i += 1;
                continue;
            }
            '{' => {
                // A repetition such as {2,3}; a `{` not followed by one is literal.
                let body: String = chars[i + 1..].iter().take_while(|&&c| c != '}').collect();
                if body
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ',' || c == ' ')
                    && i + 1 + body.chars().count() < len
                {
                    i += body.chars().count() + 2;
                    continue;
                }
            }
            '#' if verbose => {
                while i < len && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '.' | '^' | '$' | '|' | '?' | '*' | '+' | '(' | ')' | ' ' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        i += 1;
        if c.is_whitespace() {
            if verbose || !collapse {
                continue;
            }
            return Some((i - 1, c, " ".to_string()));
        }
        let written: String = if case_insensitive {
            c.to_lowercase().collect()
        } else {
            c.to_string()
        };
        if normalizer.normalize(&written) != written {
            return Some((i - 1, c, normalizer.normalize(&c.to_string())));
        }
    }
    None
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
    fn the_key_of_a_value_is_found_on_its_line_or_above() {
        let text = "[[set.label.rule]]\nid = \"r\"\nnear = { left = [\"a\"], within = \"x\" }\nany = [\n  \"a = b\",\n  3,\n]\nlist = [\n  [\"x\"],\n]\n";
        let at = |s: &str| text.find(s).unwrap();
        assert_eq!(key_before(text, 0).as_deref(), Some("rule"));
        assert_eq!(key_before(text, at("\"x\" }")).as_deref(), Some("within"));
        assert_eq!(key_before(text, at("3,")).as_deref(), Some("any"));
        assert_eq!(key_before(text, at("[\"x\"]")).as_deref(), Some("list"));
    }

    /// The checks build regexes without some search engines; what they
    /// find is what the `regex` crate finds with the same size limit.
    #[test]
    fn regex_checks_agree_with_the_regex_crate() {
        use crate::rulebook::patterns::REGEX_SIZE_LIMIT;
        for src in [
            "(x",
            "[z-a]",
            "a{5",
            r"\p{Nope}",
            r"\bx{1000}{1000}",
            "(?P<n>a)(?P<n>b)",
            "a{,3}",
            "y*",
            "a|",
            r"\bok\b",
            "(?i)été+",
            r"(^|\s)#[a-z]",
        ] {
            let want = regex::RegexBuilder::new(src)
                .size_limit(REGEX_SIZE_LIMIT)
                .build();
            match (Built::of(src), want) {
                (Built::Compiled { matches_empty }, Ok(re)) => assert_eq!(
                    matches_empty,
                    ["", "a", " ", "0", "!", "é"].iter().all(|t| re.is_match(t)),
                    "{src}"
                ),
                (Built::Failed(got), Err(want)) => {
                    assert_eq!(got.to_string(), want.to_string(), "{src}");
                    assert_eq!(
                        matches!(got, regex::Error::CompiledTooBig(_)),
                        matches!(want, regex::Error::CompiledTooBig(_)),
                        "{src}"
                    );
                }
                (got, want) => panic!("{src}: {got:?} against {want:?}"),
            }
        }
    }

    /// What the checks take for granted of the embedded default rulebook's
    /// regexes, without building them at each start (see
    /// [`build_regexes`]): each builds within the limit and never matches
    /// empty text.
    #[test]
    fn every_regex_of_the_embedded_default_builds_and_never_matches_empty() {
        let source = Source::new(crate::rulebook::DEFAULT_NAME, crate::rulebook::DEFAULT_TEXT);
        let file = parse(&source).expect("the default parses");
        let sources: Vec<&str> = regexes_of(&file).map(|re| re.get_ref().as_str()).collect();
        assert!(sources.len() > 20, "{} regexes", sources.len());
        for src in sources {
            assert!(src.len() <= MAX_PATTERN_BYTES, "{src}");
            match Built::of(src) {
                Built::Compiled { matches_empty } => assert!(!matches_empty, "{src}"),
                Built::Failed(e) => panic!("{src}: {e}"),
            }
        }
    }

    /// Only the embedded text is taken for granted, not a file that has its
    /// name: a copy of the default with a broken regex is reported.
    #[test]
    fn a_file_named_like_the_default_has_its_regexes_built() {
        let text = crate::rulebook::DEFAULT_TEXT.replacen("regex = ['", "regex = ['(", 1);
        assert_ne!(text, crate::rulebook::DEFAULT_TEXT);
        let source = Source::new(crate::rulebook::DEFAULT_NAME, &text);
        let file = parse(&source).expect("still parses");
        let codes: Vec<&str> = validate(&file, &source).iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E008"]);
    }

    /// Each regex is built once, but every place it is written gets its
    /// own finding.
    #[test]
    fn a_regex_written_twice_is_reported_at_both_places() {
        let text = "[rulebook]\nname='t'\nversion='1'\n[[set]]\nid='s'\nmode='one'\n\
                    [[set.label]]\nid='a'\n\
                    [[set.label.rule]]\nid='r1'\nregex=['(x', 'y*']\n\
                    [[set.label.rule]]\nid='r2'\nregex=['y*', '(x']\n";
        let source = Source::new("t.toml", text);
        let file = parse_all(&source).expect("the TOML parses");
        let found: Vec<(&str, usize)> = validate(&file, &source)
            .iter()
            .map(|d| (d.code, source.line_col(d.span.as_ref().unwrap().start).line))
            .collect();
        assert_eq!(
            found,
            [("E008", 11), ("W009", 11), ("W009", 14), ("E008", 14)]
        );
    }

    fn unmatchable(src: &str) -> Option<(char, String)> {
        unmatchable_literal(src, &Normalizer::default()).map(|(i, c, f)| {
            assert_eq!(src.chars().nth(i), Some(c));
            (c, f)
        })
    }

    #[test]
    fn literals_that_normalisation_removes_are_found() {
        assert_eq!(unmatchable("Fail"), Some(('F', "f".to_string())));
        assert_eq!(unmatchable("deçu"), Some(('ç', "c".to_string())));
        assert_eq!(unmatchable("j’en"), Some(('’', "'".to_string())));
        assert_eq!(unmatchable("a\tb"), Some(('\t', " ".to_string())));
        assert_eq!(unmatchable("(?i)déçu"), Some(('é', "e".to_string())));
    }

    #[test]
    fn escapes_classes_and_group_syntax_are_not_literals() {
        for ok in [
            r"\p{Lu}+ fail",
            r"\pL fail",
            "(?i)Fail",
            "(?mi:Fail)",
            r"\bfail\b\W\S\D\B",
            "[[:upper:]]x",
            "[A-Za-z]+",
            "[^A-Z]",
            r"\x{C9}\u00C9",
            "(?P<Name>x)(?<Other>y)",
            "(?U)a+",
            "a{2,3} b",
            "(?x) a b # Comment",
        ] {
            assert_eq!(unmatchable(ok), None, "{ok}");
        }
    }
}
