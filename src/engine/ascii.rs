//! ASCII forms of rule regexes, for posts whose words are all ASCII.
//!
//! Unicode word boundaries (`\b`) stop the regex engine's fast lazy DFA on
//! any non-ASCII byte, and posts keep emoji and other symbols after
//! normalisation, so most of them fell back to the slow engines. But `\b`,
//! `\w` and `\d` only differ from their ASCII forms next to a *non-ASCII
//! word character* (a letter, digit or mark outside ASCII). Normalisation
//! folds accents, so such characters are rare in posts (Greek, Cyrillic or
//! Arabic words, a few symbols); a post without any gets exactly the same
//! matches from the ASCII form, which the DFA runs at full speed on any
//! text. [`ascii_form`] writes that form and [`needs_unicode`] tells which
//! posts must keep the original.

use regex_syntax::ast::{self, AssertionKind, Ast, ClassPerlKind, ClassSetItem, Visitor};

/// Whether `text` holds a character that Unicode `\w` matches and ASCII
/// `\w` does not: only such a post needs the Unicode form of a regex.
pub fn needs_unicode(text: &str) -> bool {
    !text.is_ascii()
        && text
            .chars()
            .any(|c| !c.is_ascii() && regex_syntax::is_word_character(c))
}

/// The regex `source` with its Unicode word boundaries and `\w`, `\d`
/// classes (and their negations) written in ASCII form, or `None` when it
/// has none or does not parse. `\B` is kept: its ASCII form could match
/// inside a multi-byte character, which a text regex may not do.
pub fn ascii_form(source: &str) -> Option<String> {
    let ast = ast::parse::Parser::new().parse(source).ok()?;
    let edits = ast::visit(&ast, Edits::default()).ok()?;
    if edits.0.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(source.len() + 16 * edits.0.len());
    let mut at = 0;
    for (start, end, with) in edits.0 {
        out.push_str(&source[at..start]);
        out.push_str(with);
        at = end;
    }
    out.push_str(&source[at..]);
    Some(out)
}

/// Replacements as (start, end, text), in source order.
#[derive(Default)]
struct Edits(Vec<(usize, usize, &'static str)>);

impl Edits {
    fn push(&mut self, span: &ast::Span, with: &'static str) {
        self.0.push((span.start.offset, span.end.offset, with));
    }
}

impl Visitor for Edits {
    type Output = Edits;
    type Err = std::convert::Infallible;

    fn finish(mut self) -> Result<Edits, Self::Err> {
        self.0.sort_by_key(|e| e.0);
        Ok(self)
    }

    fn visit_pre(&mut self, ast: &Ast) -> Result<(), Self::Err> {
        match ast {
            Ast::Assertion(a) => {
                let with = match a.kind {
                    AssertionKind::WordBoundary => r"(?-u:\b)",
                    AssertionKind::WordBoundaryStart | AssertionKind::WordBoundaryStartAngle => {
                        r"(?-u:\b{start})"
                    }
                    AssertionKind::WordBoundaryEnd | AssertionKind::WordBoundaryEndAngle => {
                        r"(?-u:\b{end})"
                    }
                    AssertionKind::WordBoundaryStartHalf => r"(?-u:\b{start-half})",
                    AssertionKind::WordBoundaryEndHalf => r"(?-u:\b{end-half})",
                    _ => return Ok(()),
                };
                self.push(&a.span, with);
            }
            Ast::ClassPerl(c) => {
                if let Some(with) = ascii_class(c, false) {
                    self.push(&c.span, with);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), Self::Err> {
        if let ClassSetItem::Perl(c) = item {
            if let Some(with) = ascii_class(c, true) {
                self.push(&c.span, with);
            }
        }
        Ok(())
    }
}

/// The ASCII form of `\w`, `\d` or their negations; `None` for `\s`,
/// which is kept. Inside brackets a class becomes a range and its negation
/// a nested class.
fn ascii_class(c: &ast::ClassPerl, in_brackets: bool) -> Option<&'static str> {
    Some(match (&c.kind, c.negated, in_brackets) {
        (ClassPerlKind::Word, false, false) => "[0-9A-Za-z_]",
        (ClassPerlKind::Word, false, true) => "0-9A-Za-z_",
        (ClassPerlKind::Word, true, _) => "[^0-9A-Za-z_]",
        (ClassPerlKind::Digit, false, false) => "[0-9]",
        (ClassPerlKind::Digit, false, true) => "0-9",
        (ClassPerlKind::Digit, true, _) => "[^0-9]",
        (ClassPerlKind::Space, _, _) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    #[test]
    fn rewrites_boundaries_and_classes_only() {
        assert_eq!(
            ascii_form(r"\bgr{3,}\b").as_deref(),
            Some(r"(?-u:\b)gr{3,}(?-u:\b)")
        );
        assert_eq!(
            ascii_form(r"\d+\s*[\w']\W").as_deref(),
            Some(r"[0-9]+\s*[0-9A-Za-z_'][^0-9A-Za-z_]")
        );
        assert_eq!(ascii_form(r"[^\D\s]").as_deref(), Some(r"[^[^0-9]\s]"));
        // Escaped backslashes and `\B` stay as they are.
        assert_eq!(ascii_form(r"a\\b\Bc"), None);
        assert_eq!(ascii_form(r"https?://"), None);
        assert_eq!(ascii_form(r"(unbalanced"), None);
    }

    #[test]
    fn every_rewritten_form_compiles() {
        for src in [
            r"\b{start}x\b{end}",
            r"\<x\>",
            r"\b{start-half}x\b{end-half}",
            r"(?i)\bk\w+\b",
            r"(?x) \b a \d # comment \b",
        ] {
            let ascii = ascii_form(src).unwrap();
            Regex::new(&ascii).unwrap_or_else(|e| panic!("{src} -> {ascii}: {e}"));
        }
    }

    #[test]
    fn knows_which_texts_need_unicode() {
        assert!(!needs_unicode("plain ascii"));
        assert!(!needs_unicode("emoji 😡😡 and symbols ✈ — «»"));
        assert!(needs_unicode("ελληνικά"));
        assert!(needs_unicode("x ʖ y"));
        assert!(
            needs_unicode("a\u{200d}b"),
            "a zero-width joiner is a word character"
        );
    }

    /// The point of it all: where [`needs_unicode`] is false, both forms
    /// find the same matches, at the same places.
    #[test]
    fn both_forms_agree_on_texts_without_non_ascii_word_characters() {
        let regexes = [
            r"\b(\d+|two)\s*(hours?|h)\b",
            r"\b\w+ing\b",
            r"\B\w{2}\b",
            r"(^|\W)@\w+",
            r"\b{start}ok\b{end}",
            r"[^\w\s]+",
            r"(?i)\bKm\b",
        ];
        let texts = [
            "waited 3 hours 😡 at gate 12h",
            "booking✈working—fine… 2h",
            "@brand: ok!! «ok» ok-ok",
            "emoji-free 10km KM km",
            "",
            "🙂🙂 x",
        ];
        for src in regexes {
            let unicode = Regex::new(src).unwrap();
            let ascii = Regex::new(&ascii_form(src).unwrap()).unwrap();
            for text in texts {
                assert!(!needs_unicode(text), "{text}");
                let a: Vec<_> = unicode.find_iter(text).map(|m| m.range()).collect();
                let b: Vec<_> = ascii.find_iter(text).map(|m| m.range()).collect();
                assert_eq!(a, b, "{src} on {text:?}");
            }
        }
    }

    #[test]
    fn the_forms_differ_where_unicode_is_needed() {
        let unicode = Regex::new(r"\bcafe\b").unwrap();
        let ascii = Regex::new(&ascii_form(r"\bcafe\b").unwrap()).unwrap();
        let text = "cafeω";
        assert!(needs_unicode(text));
        assert_ne!(unicode.is_match(text), ascii.is_match(text));
    }
}
