//! `extends`: a rulebook and the rulebooks it builds on, merged into one
//! file model before it is checked and compiled.
//!
//! Every file of a chain is parsed as if it sat at its own place in one long
//! text (the rulebook given first, then its bases in the order they are
//! found), so that every span of the merged model says both which file it is
//! in and where. [`Chain`] turns such a span back into a file and a place in
//! it. Reading a base is left to the caller: this module does no I/O.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use super::chain::Chain;
use super::diagnostic::{Diagnostic, Source};
use super::model::{parse_entry, LabelDef, OverrideDef, RuleDef, RulebookFile, SetDef, Spanned};
use super::validate::{self, did_you_mean};

/// The name that stands for the embedded default rulebook in `extends`.
pub const DEFAULT_BASE: &str = "default";

/// Reads a base rulebook by path; the error says why it could not be read.
pub type ReadBase<'a> = dyn FnMut(&Path) -> Result<String, String> + 'a;

/// What resolving a rulebook gave: the merged model when nothing stopped
/// it, the chain's files, and the findings so far (spans in the long text).
pub struct Resolved {
    pub file: Option<RulebookFile>,
    pub chain: Chain,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads every rulebook `top` extends, in order, and merges them.
pub fn resolve(top: Source, read: &mut ReadBase) -> Resolved {
    let mut loader = Loader {
        chain: Chain {
            files: Vec::new(),
            combined: Source::new(top.name.clone(), String::new()),
            cases: Vec::new(),
        },
        read,
        stack: Vec::new(),
        seen: HashSet::new(),
        order: Vec::new(),
        diagnostics: Vec::new(),
    };
    let key = lexical(Path::new(&top.name)).display().to_string();
    let parsed = loader.visit(key, top);
    let Loader {
        chain,
        order,
        mut diagnostics,
        ..
    } = loader;
    if !parsed || diagnostics.iter().any(Diagnostic::is_error) {
        return Resolved {
            file: None,
            chain,
            diagnostics,
        };
    }
    let plain = order.len() == 1
        && order[0].1.overrides.is_empty()
        && order[0].1.rulebook.disable.is_empty();
    let file = if plain {
        order.into_iter().next().map(|(_, f)| f)
    } else {
        let mut merger = Merger {
            chain: &chain,
            out: &mut diagnostics,
            rules: HashMap::new(),
            disabled: HashMap::new(),
            removed_labels: Vec::new(),
        };
        Some(merger.merge(order))
    };
    Resolved {
        file,
        chain,
        diagnostics,
    }
}

struct Loader<'r, 'a> {
    chain: Chain,
    read: &'r mut ReadBase<'a>,
    /// Keys of the files being read, for finding cycles.
    stack: Vec<(String, String)>,
    seen: HashSet<String>,
    /// Parsed files, bases before the files that extend them; with their
    /// index in the chain.
    order: Vec<(usize, RulebookFile)>,
    diagnostics: Vec<Diagnostic>,
}

impl Loader<'_, '_> {
    /// Parses one file and, first, the files it extends. False when the
    /// file itself could not be parsed.
    fn visit(&mut self, key: String, source: Source) -> bool {
        let index = self.chain.files.len();
        let name = source.name.clone();
        let text = source.text.clone();
        let offset = self.chain.push(source);
        // Parsed at its place in the long text, so that its spans are too.
        // (Padded by hand: a format width is at most 65,535.)
        let mut padded_text = " ".repeat(offset);
        padded_text.push_str(&text);
        let padded = Source::new(name.clone(), padded_text);
        let file = match validate::parse_all_at(&padded, offset) {
            Ok(file) => file,
            Err(ds) => {
                self.diagnostics.extend(ds);
                return false;
            }
        };
        self.stack.push((key.clone(), name.clone()));
        let dir = Path::new(&name).parent().unwrap_or(Path::new(""));
        for entry in &file.rulebook.extends {
            let at = entry.span();
            let (base_key, base) = if entry.get_ref() == DEFAULT_BASE {
                (
                    DEFAULT_BASE.to_string(),
                    Source::new(super::DEFAULT_NAME, super::DEFAULT_TEXT),
                )
            } else {
                let path = lexical(&dir.join(entry.get_ref()));
                let shown = path.display().to_string();
                if self.stack.iter().any(|(k, _)| *k == shown) {
                    self.cycle(&shown, at);
                    continue;
                }
                if self.seen.contains(&shown) {
                    continue;
                }
                match (self.read)(&path) {
                    Ok(text) => (shown.clone(), Source::new(shown, text)),
                    Err(why) => {
                        self.diagnostics.push(
                            Diagnostic::error(
                                "E026",
                                format!("cannot read base rulebook `{}`: {why}", entry.get_ref()),
                            )
                            .at(at)
                            .with_help(format!(
                                "paths in `extends` are relative to the file that names them; this one is {shown}; `default` is the embedded rulebook"
                            )),
                        );
                        continue;
                    }
                }
            };
            if self.stack.iter().any(|(k, _)| *k == base_key) {
                self.cycle(&base_key, at);
                continue;
            }
            if self.seen.contains(&base_key) {
                continue;
            }
            self.visit(base_key, base);
        }
        self.stack.pop();
        for case in &file.rulebook.cases {
            let path = lexical(&dir.join(case.get_ref()));
            self.chain.cases.push((path, name.clone()));
        }
        self.seen.insert(key);
        self.order.push((index, file));
        true
    }

    fn cycle(&mut self, key: &str, at: Range<usize>) {
        let from = self.stack.iter().position(|(k, _)| k == key).unwrap_or(0);
        let mut names: Vec<&str> = self.stack[from..].iter().map(|(_, n)| n.as_str()).collect();
        names.push(&self.stack[from].1);
        self.diagnostics.push(
            Diagnostic::error(
                "E027",
                format!("`extends` goes round in a circle: {}", names.join(" → ")),
            )
            .at(at)
            .with_help("a rulebook cannot build on itself; take this entry out"),
        );
    }
}

/// A path with `.` and `name/..` taken out, without touching the disk, so
/// that two ways of naming a file are one key.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

struct Merger<'c, 'o> {
    chain: &'c Chain,
    out: &'o mut Vec<Diagnostic>,
    /// Where each rule id was first defined.
    rules: HashMap<String, Range<usize>>,
    /// Rules and labels left out, and where that was said.
    disabled: HashMap<String, Range<usize>>,
    /// Labels left out, by set id: lexicons lose their weights for them.
    removed_labels: Vec<(String, String)>,
}

/// What an `[[override]]` or a `disable` entry changes.
enum Target {
    Rule(usize, usize, usize),
    Label(usize, usize),
    Set(usize),
}

impl Merger<'_, '_> {
    fn file_of(&self, at: &Range<usize>) -> usize {
        self.chain.locate(at.start).0
    }

    fn merge(&mut self, order: Vec<(usize, RulebookFile)>) -> RulebookFile {
        let top = order
            .iter()
            .find(|(i, _)| *i == 0)
            .map(|(_, f)| f.rulebook.clone())
            .expect("the rulebook given is in the chain");
        let mut merged = RulebookFile {
            rulebook: top,
            normalize: Default::default(),
            set: Vec::new(),
            overrides: Vec::new(),
            lexicon: Vec::new(),
        };
        let mut languages: Vec<Spanned<String>> = Vec::new();
        for (n, (_, file)) in order.into_iter().enumerate() {
            for l in &file.rulebook.languages {
                if !languages.iter().any(|k| k.get_ref() == l.get_ref()) {
                    languages.push(l.clone());
                }
            }
            if n == 0 {
                merged.normalize = file.normalize.clone();
            } else {
                self.normalize(&mut merged, &file);
            }
            for set in file.set {
                self.add_set(&mut merged, set);
            }
            // A lexicon of a later file replaces the one of the same id.
            for lexicon in file.lexicon {
                match merged
                    .lexicon
                    .iter()
                    .position(|l| l.id.get_ref() == lexicon.id.get_ref())
                {
                    Some(i) => merged.lexicon[i] = lexicon,
                    None => merged.lexicon.push(lexicon),
                }
            }
            for o in &file.overrides {
                self.apply(&mut merged, o);
            }
            for id in &file.rulebook.disable {
                self.disable(&mut merged, id);
            }
        }
        merged.rulebook.languages = languages;
        self.drop_removed_labels(&mut merged);
        merged
    }

    /// A lexicon's weights for labels the chain left out go with them; an
    /// entry left with no weight goes too.
    fn drop_removed_labels(&self, merged: &mut RulebookFile) {
        if self.removed_labels.is_empty() {
            return;
        }
        for lexicon in &mut merged.lexicon {
            let set = lexicon.set.get_ref().clone();
            let gone = |label: &str| {
                self.removed_labels
                    .iter()
                    .any(|(s, l)| *s == set && l == label)
            };
            lexicon.words.retain_mut(|entry| {
                let Ok(parsed) = parse_entry(entry.get_ref()) else {
                    return true;
                };
                if !parsed.weights.iter().any(|(l, _)| gone(l)) {
                    return true;
                }
                let kept: Vec<String> = parsed
                    .weights
                    .iter()
                    .filter(|(l, _)| !gone(l))
                    .map(|(l, w)| format!("{l} {w}"))
                    .collect();
                if kept.is_empty() {
                    return false;
                }
                let text = format!("{}: {}", parsed.phrase, kept.join(", "));
                *entry = Spanned::new(entry.span(), text);
                true
            });
        }
    }

    fn normalize(&mut self, merged: &mut RulebookFile, file: &RulebookFile) {
        let before = merged.normalize.clone();
        let steps = file.normalize.steps();
        for ((name, was), (into, (_, step))) in before
            .steps()
            .into_iter()
            .zip(merged.normalize.steps_mut().into_iter().zip(steps))
        {
            let Some(step) = step else { continue };
            let on_before = was.is_none_or_true();
            if !*step.get_ref() && on_before {
                let what = match was {
                    Some(w) => format!("{} sets it", self.chain.place(&w.span())),
                    None => "it is on by default".to_string(),
                };
                self.out.push(
                    Diagnostic::error(
                        "E029",
                        format!("`{name} = false` turns off a step the extended rulebooks use ({what})"),
                    )
                    .at(step.span())
                    .with_help("an extending rulebook may turn normalisation steps on, never off: the phrases of its bases are written for them"),
                );
            } else if *step.get_ref() {
                *into = Some(step.clone());
            }
        }
    }

    /// A rule defined before, unless it was defined in the same file (the
    /// checks report that one as a duplicate id) or identically.
    fn redefines(&mut self, rule: &RuleDef, existing: Option<&RuleDef>) -> bool {
        let id = rule.id.get_ref();
        let Some(first) = self.rules.get(id).cloned() else {
            self.rules.insert(id.clone(), rule.id.span());
            return false;
        };
        if self.file_of(&first) == self.file_of(&rule.id.span()) {
            return false;
        }
        if existing == Some(rule) {
            return true;
        }
        self.out.push(
            Diagnostic::error(
                "E028",
                format!("rule `{id}` is already defined, differently, at {}", self.chain.place(&first)),
            )
            .at(rule.id.span())
            .with_help(format!(
                "a rule id is defined once in a chain: to change the rule, write an [[override]] with rule = \"{id}\"; to replace it, disable it and give the new rule another id"
            )),
        );
        true
    }

    fn find_rule<'m>(merged: &'m RulebookFile, id: &str) -> Option<&'m RuleDef> {
        merged
            .set
            .iter()
            .flat_map(|s| &s.label)
            .flat_map(|l| &l.rule)
            .find(|r| r.id.get_ref() == id)
    }

    fn add_set(&mut self, merged: &mut RulebookFile, mut set: SetDef) {
        let this_file = self.file_of(&set.id.span());
        let open = merged.set.iter().position(|s| {
            s.id.get_ref() == set.id.get_ref() && self.file_of(&s.id.span()) != this_file
        });
        let labels = std::mem::take(&mut set.label);
        let si = match open {
            Some(si) => {
                let base = &merged.set[si];
                let mut differs = Vec::new();
                if base.mode != set.mode {
                    differs.push(("mode", set.id.span()));
                }
                if !set.description.is_empty() && set.description != base.description {
                    differs.push(("description", set.id.span()));
                }
                if set.threshold.span() != (0..0) && set.threshold != base.threshold {
                    differs.push(("threshold", set.threshold.span()));
                }
                if let Some(f) = set
                    .fallback
                    .as_ref()
                    .filter(|f| Some(*f) != base.fallback.as_ref())
                {
                    differs.push(("fallback", f.span()));
                }
                if !set.tie_break.is_empty() && set.tie_break != base.tie_break {
                    differs.push(("tie_break", set.tie_break[0].span()));
                }
                let first = base.id.span();
                for (field, at) in differs {
                    self.differs("set", set.id.get_ref(), field, at, &first, "set");
                }
                si
            }
            None => {
                merged.set.push(set);
                merged.set.len() - 1
            }
        };
        for label in labels {
            self.add_label(merged, si, label);
        }
    }

    fn differs(
        &mut self,
        what: &str,
        id: &str,
        field: &str,
        at: Range<usize>,
        first: &Range<usize>,
        key: &str,
    ) {
        let help = if field == "mode" {
            "a set keeps the mode it was defined with; write the same `mode`".to_string()
        } else {
            format!(
                "leave `{field}` out here, or change it with an [[override]] with {key} = \"{id}\""
            )
        };
        self.out.push(
            Diagnostic::error(
                "E028",
                format!(
                    "{what} `{id}` is defined at {} with another `{field}`",
                    self.chain.place(first)
                ),
            )
            .at(at)
            .with_help(help),
        );
    }

    fn add_label(&mut self, merged: &mut RulebookFile, si: usize, mut label: LabelDef) {
        let this_file = self.file_of(&label.id.span());
        let open = merged.set[si].label.iter().position(|l| {
            l.id.get_ref() == label.id.get_ref() && self.file_of(&l.id.span()) != this_file
        });
        let rules = std::mem::take(&mut label.rule);
        let li = match open {
            Some(li) => {
                let base = &merged.set[si].label[li];
                let at = label.id.span();
                let mut differs: Vec<(&str, Range<usize>)> = Vec::new();
                let text_differs =
                    |mine: &String, theirs: &String| !mine.is_empty() && mine != theirs;
                if text_differs(&label.title, &base.title) {
                    differs.push(("title", at.clone()));
                }
                if text_differs(&label.description, &base.description) {
                    differs.push(("description", at.clone()));
                }
                if label.priority.is_some() && label.priority != base.priority {
                    differs.push(("priority", at.clone()));
                }
                if label.priority_name.is_some() && label.priority_name != base.priority_name {
                    differs.push(("priority_name", at.clone()));
                }
                if label.action.is_some() && label.action != base.action {
                    differs.push(("action", at.clone()));
                }
                if let Some(t) = label
                    .threshold
                    .as_ref()
                    .filter(|t| Some(*t) != base.threshold.as_ref())
                {
                    differs.push(("threshold", t.span()));
                }
                if label.fixed && !base.fixed {
                    differs.push(("fixed", at.clone()));
                }
                let first = base.id.span();
                for (field, at) in differs {
                    self.differs("label", label.id.get_ref(), field, at, &first, "label");
                }
                let base = &mut merged.set[si].label[li];
                base.examples.append(&mut label.examples);
                base.counter_examples.append(&mut label.counter_examples);
                li
            }
            None => {
                merged.set[si].label.push(label);
                merged.set[si].label.len() - 1
            }
        };
        for rule in rules {
            let existing = Self::find_rule(merged, rule.id.get_ref()).cloned();
            if !self.redefines(&rule, existing.as_ref()) {
                merged.set[si].label[li].rule.push(rule);
            }
        }
    }

    /// Finds what an override names, or says why not.
    fn target(&mut self, merged: &RulebookFile, o: &OverrideDef) -> Option<Target> {
        match (&o.rule, &o.label, &o.set) {
            (Some(rule), None, None) => self.find(merged, rule, "rule", None),
            (None, Some(label), set) => self.find(merged, label, "label", set.as_ref()),
            (None, None, Some(set)) => self.find(merged, set, "set", None),
            (rule, label, set) => {
                let at = rule
                    .as_ref()
                    .or(label.as_ref())
                    .or(set.as_ref())
                    .map(Spanned::span);
                let mut d = Diagnostic::error(
                    "E030",
                    "an [[override]] names one rule, one label or one set",
                )
                .with_help("write `rule = \"id\"`, `label = \"id\"` (with `set = \"id\"` when two sets have that label) or `set = \"id\"` alone");
                if let Some(at) = at {
                    d = d.at(at);
                }
                self.out.push(d);
                None
            }
        }
    }

    fn find(
        &mut self,
        merged: &RulebookFile,
        id: &Spanned<String>,
        what: &str,
        in_set: Option<&Spanned<String>>,
    ) -> Option<Target> {
        let name = id.get_ref();
        let mut found = Vec::new();
        let mut known = Vec::new();
        for (si, set) in merged.set.iter().enumerate() {
            if what == "set" {
                known.push(set.id.get_ref().clone());
                if set.id.get_ref() == name {
                    found.push(Target::Set(si));
                }
                continue;
            }
            if in_set.is_some_and(|s| s.get_ref() != set.id.get_ref()) {
                continue;
            }
            for (li, label) in set.label.iter().enumerate() {
                if what == "label" {
                    known.push(label.id.get_ref().clone());
                    if label.id.get_ref() == name {
                        found.push(Target::Label(si, li));
                    }
                    continue;
                }
                for (ri, rule) in label.rule.iter().enumerate() {
                    known.push(rule.id.get_ref().clone());
                    if rule.id.get_ref() == name {
                        found.push(Target::Rule(si, li, ri));
                    }
                }
            }
        }
        if found.len() > 1 {
            self.out.push(
                Diagnostic::error("E030", format!("label `{name}` is in more than one set"))
                    .at(id.span())
                    .with_help("add `set = \"id\"` to say which"),
            );
            return None;
        }
        if let Some(t) = found.pop() {
            return Some(t);
        }
        let mut d = Diagnostic::error(
            "E026",
            match self.disabled.get(name) {
                Some(at) => format!("{what} `{name}` is disabled (at {})", self.chain.place(at)),
                None => format!("no rulebook of the chain defines a {what} `{name}`"),
            },
        )
        .at(id.span());
        d = match did_you_mean(name, &known) {
            Some(best) => d.with_help(format!("did you mean `{best}`?")),
            None => d.with_help(format!(
                "an override changes a {what} of a rulebook named in `extends` (or defined above it); to add one, define it"
            )),
        };
        self.out.push(d);
        None
    }

    fn apply(&mut self, merged: &mut RulebookFile, o: &OverrideDef) {
        let Some(target) = self.target(merged, o) else {
            return;
        };
        let kind = match target {
            Target::Rule(..) => "rule",
            Target::Label(..) => "label",
            Target::Set(_) => "set",
        };
        let allowed: &[&str] = match target {
            Target::Rule(..) => &[
                "disabled",
                "weight",
                "fixed",
                "description",
                "any",
                "all",
                "none",
                "regex",
                "hashtags",
                "mentions",
                "emoji",
                "add_any",
                "add_all",
                "add_none",
                "add_regex",
                "add_hashtags",
                "add_mentions",
                "add_emoji",
            ],
            Target::Label(..) => &[
                "disabled",
                "threshold",
                "fixed",
                "description",
                "title",
                "priority",
                "priority_name",
                "action",
            ],
            Target::Set(_) => &["threshold", "description", "fallback", "tie_break"],
        };
        let mut wrong = false;
        for (field, at) in given(o) {
            if !allowed.contains(&field) {
                wrong = true;
                self.out.push(
                    Diagnostic::error(
                        "E030",
                        format!("`{field}` cannot be overridden on a {kind}"),
                    )
                    .at(at)
                    .with_help(format!("a {kind} override takes {}", allowed.join(", "))),
                );
            }
        }
        if wrong {
            return;
        }
        if o.disabled.as_ref().is_some_and(|d| *d.get_ref()) {
            let id = o
                .rule
                .as_ref()
                .or(o.label.as_ref())
                .expect("a rule or label");
            self.remove(merged, target, id);
            return;
        }
        match target {
            Target::Rule(si, li, ri) => {
                let rule = &mut merged.set[si].label[li].rule[ri];
                set(&mut rule.weight, &o.weight);
                if let Some(f) = &o.fixed {
                    rule.fixed = *f.get_ref();
                }
                if let Some(d) = &o.description {
                    rule.description = d.get_ref().clone();
                }
                for (list, replace, add) in [
                    (&mut rule.any, &o.any, &o.add_any),
                    (&mut rule.all, &o.all, &o.add_all),
                    (&mut rule.none, &o.none, &o.add_none),
                    (&mut rule.regex, &o.regex, &o.add_regex),
                    (&mut rule.hashtags, &o.hashtags, &o.add_hashtags),
                    (&mut rule.mentions, &o.mentions, &o.add_mentions),
                    (&mut rule.emoji, &o.emoji, &o.add_emoji),
                ] {
                    if replace.is_some() {
                        list.clone_from(replace);
                    }
                    if let Some(add) = add {
                        let mut items = list.take().map(Spanned::into_inner).unwrap_or_default();
                        items.extend(add.get_ref().iter().cloned());
                        *list = Some(Spanned::new(add.span(), items));
                    }
                }
            }
            Target::Label(si, li) => {
                let label = &mut merged.set[si].label[li];
                if o.threshold.is_some() {
                    label.threshold.clone_from(&o.threshold);
                }
                if let Some(f) = &o.fixed {
                    label.fixed = *f.get_ref();
                }
                for (field, value) in [
                    (&mut label.description, &o.description),
                    (&mut label.title, &o.title),
                ] {
                    if let Some(v) = value {
                        *field = v.get_ref().clone();
                    }
                }
                if let Some(p) = &o.priority {
                    label.priority = Some(*p.get_ref());
                }
                if let Some(p) = &o.priority_name {
                    label.priority_name = Some(p.get_ref().clone());
                }
                if let Some(a) = &o.action {
                    label.action = Some(a.get_ref().clone());
                }
            }
            Target::Set(si) => {
                let s = &mut merged.set[si];
                set(&mut s.threshold, &o.threshold);
                if let Some(d) = &o.description {
                    s.description = d.get_ref().clone();
                }
                if o.fallback.is_some() {
                    s.fallback.clone_from(&o.fallback);
                }
                if let Some(t) = &o.tie_break {
                    s.tie_break = t.get_ref().clone();
                }
            }
        }
    }

    fn disable(&mut self, merged: &mut RulebookFile, id: &Spanned<String>) {
        let name = id.get_ref();
        if let Some(i) = merged.lexicon.iter().position(|l| l.id.get_ref() == name) {
            merged.lexicon.remove(i);
            self.disabled.insert(name.clone(), id.span());
            return;
        }
        let target = if Self::find_rule(merged, name).is_some() {
            self.find(merged, id, "rule", None)
        } else {
            let labels = merged
                .set
                .iter()
                .flat_map(|s| &s.label)
                .filter(|l| l.id.get_ref() == name)
                .count();
            if labels == 0 {
                let known: Vec<String> = merged
                    .set
                    .iter()
                    .flat_map(|s| &s.label)
                    .flat_map(|l| {
                        std::iter::once(l.id.get_ref().clone())
                            .chain(l.rule.iter().map(|r| r.id.get_ref().clone()))
                    })
                    .collect();
                let mut d = Diagnostic::error(
                    "E026",
                    match self.disabled.get(name) {
                        Some(at) => {
                            format!("`{name}` is disabled already (at {})", self.chain.place(at))
                        }
                        None => {
                            format!("no rulebook of the chain defines a rule, label or lexicon `{name}`")
                        }
                    },
                )
                .at(id.span());
                if let Some(best) = did_you_mean(name, &known) {
                    d = d.with_help(format!("did you mean `{best}`?"));
                }
                self.out.push(d);
                return;
            }
            self.find(merged, id, "label", None)
        };
        if let Some(t) = target {
            self.remove(merged, t, id);
        }
    }

    fn remove(&mut self, merged: &mut RulebookFile, target: Target, id: &Spanned<String>) {
        self.disabled.insert(id.get_ref().clone(), id.span());
        match target {
            Target::Rule(si, li, ri) => {
                let rule = merged.set[si].label[li].rule.remove(ri);
                self.rules.remove(rule.id.get_ref());
            }
            Target::Label(si, li) => {
                let label = merged.set[si].label.remove(li);
                self.removed_labels.push((
                    merged.set[si].id.get_ref().clone(),
                    label.id.get_ref().clone(),
                ));
                for r in &label.rule {
                    self.rules.remove(r.id.get_ref());
                }
                merged.set[si]
                    .tie_break
                    .retain(|t| t.get_ref() != label.id.get_ref());
            }
            Target::Set(_) => {}
        }
    }
}

/// A value replaced by an override's, which then carries the override's span.
fn set<T: Clone>(field: &mut Spanned<T>, value: &Option<Spanned<T>>) {
    if let Some(v) = value {
        *field = v.clone();
    }
}

/// Each field an override writes (besides what it names), with its span.
fn given(o: &OverrideDef) -> Vec<(&'static str, Range<usize>)> {
    fn at<T>(v: &Option<Spanned<T>>) -> Option<Range<usize>> {
        v.as_ref().map(Spanned::span)
    }
    [
        ("disabled", at(&o.disabled)),
        ("weight", at(&o.weight)),
        ("threshold", at(&o.threshold)),
        ("fixed", at(&o.fixed)),
        ("description", at(&o.description)),
        ("title", at(&o.title)),
        ("priority", at(&o.priority)),
        ("priority_name", at(&o.priority_name)),
        ("action", at(&o.action)),
        ("fallback", at(&o.fallback)),
        ("tie_break", at(&o.tie_break)),
        ("any", at(&o.any)),
        ("all", at(&o.all)),
        ("none", at(&o.none)),
        ("regex", at(&o.regex)),
        ("hashtags", at(&o.hashtags)),
        ("mentions", at(&o.mentions)),
        ("emoji", at(&o.emoji)),
        ("add_any", at(&o.add_any)),
        ("add_all", at(&o.add_all)),
        ("add_none", at(&o.add_none)),
        ("add_regex", at(&o.add_regex)),
        ("add_hashtags", at(&o.add_hashtags)),
        ("add_mentions", at(&o.add_mentions)),
        ("add_emoji", at(&o.add_emoji)),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect()
}

/// Whether a normalisation step, as written, is on.
trait StepOn {
    fn is_none_or_true(&self) -> bool;
}

impl StepOn for Option<&Spanned<bool>> {
    fn is_none_or_true(&self) -> bool {
        !matches!(self, Some(s) if !*s.get_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "[rulebook]\nname = \"b\"\nversion = \"1\"\n\n[[set]]\nid = \"s\"\nmode = \"many\"\n\n[[set.label]]\nid = \"l\"\n\n[[set.label.rule]]\nid = \"r\"\nany = [\"x\"]\n";

    /// Resolves `top` with bases read from `files`, by path.
    fn resolve_with(top: &str, files: &[(&str, &str)]) -> Resolved {
        let mut read = |p: &Path| {
            files
                .iter()
                .find(|(name, _)| Path::new(name) == p)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| "no such file".to_string())
        };
        resolve(Source::new("dir/top.toml", top), &mut read)
    }

    fn codes(r: &Resolved) -> Vec<&'static str> {
        r.diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn lexical_paths_drop_dots() {
        assert_eq!(
            lexical(Path::new("a/./b/../c.toml")),
            PathBuf::from("a/c.toml")
        );
        assert_eq!(lexical(Path::new("../x.toml")), PathBuf::from("../x.toml"));
        assert_eq!(
            lexical(Path::new("a/../../x.toml")),
            PathBuf::from("../x.toml")
        );
    }

    #[test]
    fn spans_point_into_the_file_that_holds_them() {
        let top = "[rulebook]\nname = \"t\"\nversion = \"1\"\nextends = [\"b.toml\"]\n";
        let r = resolve_with(top, &[("dir/b.toml", BASE)]);
        assert_eq!(codes(&r), Vec::<&str>::new());
        let file = r.file.unwrap();
        let rule = &file.set[0].label[0].rule[0];
        assert_eq!(r.chain.name_at(rule.id.span().start), "dir/b.toml");
        let d = r
            .chain
            .localize(Diagnostic::error("E028", "x").at(rule.id.span()));
        assert_eq!(d.file.as_ref().unwrap().name, "dir/b.toml");
        let local = d.span.unwrap();
        assert_eq!(&BASE[local], "\"r\"");
        assert_eq!(r.chain.origin(&rule.id.span()), "dir/b.toml:13:6");
    }

    #[test]
    fn a_base_reached_twice_is_applied_once() {
        let side = |name: &str| {
            format!("[rulebook]\nname = \"{name}\"\nversion = \"1\"\nextends = [\"b.toml\"]\n")
        };
        let (left, right) = (side("left"), side("right"));
        let top = "[rulebook]\nname = \"t\"\nversion = \"1\"\nextends = [\"left.toml\", \"./right.toml\"]\n";
        let r = resolve_with(
            top,
            &[
                ("dir/b.toml", BASE),
                ("dir/left.toml", &left),
                ("dir/right.toml", &right),
            ],
        );
        assert_eq!(codes(&r), Vec::<&str>::new());
        assert_eq!(r.chain.sources().count(), 4);
        assert_eq!(r.file.unwrap().set[0].label[0].rule.len(), 1);
    }

    #[test]
    fn a_cycle_and_a_missing_base_are_reported_at_the_entry() {
        let top = "[rulebook]\nname = \"t\"\nversion = \"1\"\nextends = [\"top.toml\", \"nowhere.toml\"]\n";
        let r = resolve_with(top, &[]);
        assert_eq!(codes(&r), vec!["E027", "E026"]);
        assert!(r.file.is_none());
        let at = |i: usize| &top[r.diagnostics[i].span.clone().unwrap()];
        assert_eq!(at(0), "\"top.toml\"");
        assert_eq!(at(1), "\"nowhere.toml\"");
    }

    #[test]
    fn overrides_replace_append_and_disable() {
        let top = "[rulebook]\nname = \"t\"\nversion = \"1\"\nextends = [\"b.toml\"]\n\n[[override]]\nrule = \"r\"\nweight = 2.5\nadd_any = [\"y\"]\nnone = [\"z\"]\n\n[[set]]\nid = \"s\"\nmode = \"many\"\n\n[[set.label]]\nid = \"l\"\n\n[[set.label.rule]]\nid = \"gone\"\nany = [\"q\"]\n\n[[override]]\nrule = \"gone\"\ndisabled = true\n";
        let r = resolve_with(top, &[("dir/b.toml", BASE)]);
        assert_eq!(codes(&r), Vec::<&str>::new());
        let file = r.file.unwrap();
        let rules = &file.set[0].label[0].rule;
        assert_eq!(rules.len(), 1);
        let rule = &rules[0];
        assert_eq!(*rule.weight.get_ref(), 2.5);
        // The new weight points at the override, in the extending file.
        assert_eq!(r.chain.name_at(rule.weight.span().start), "dir/top.toml");
        let words = |l: &List| -> Vec<String> {
            l.as_ref()
                .unwrap()
                .get_ref()
                .iter()
                .map(|s| s.get_ref().clone())
                .collect()
        };
        assert_eq!(words(&rule.any), ["x", "y"]);
        assert_eq!(words(&rule.none), ["z"]);
    }

    type List = Option<Spanned<Vec<Spanned<String>>>>;

    #[test]
    fn normalisation_steps_go_on_not_off() {
        let base = BASE.replace("[[set]]", "[normalize]\ncase_fold = false\n\n[[set]]");
        let on = "[rulebook]\nname = \"t\"\nversion = \"1\"\nextends = [\"b.toml\"]\n\n[normalize]\ncase_fold = true\n";
        let r = resolve_with(on, &[("dir/b.toml", &base)]);
        assert_eq!(codes(&r), Vec::<&str>::new());
        assert_eq!(
            r.file.unwrap().normalize.case_fold.map(|s| *s.get_ref()),
            Some(true)
        );
        let off = on.replace(
            "[normalize]\ncase_fold = true",
            "[normalize]\naccent_fold = false",
        );
        let r = resolve_with(&off, &[("dir/b.toml", &base)]);
        assert_eq!(codes(&r), vec!["E029"]);
    }
}
