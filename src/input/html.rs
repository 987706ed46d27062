//! Plain text out of the HTML that platforms put in post content (Mastodon
//! statuses) and the HTML entities they escape text with (tweets, Reddit):
//! tags dropped, line and paragraph breaks kept, entities decoded, so that
//! the words a rulebook looks for are the words the author wrote.

/// Named entities decoded besides numeric ones: the escapes platforms use,
/// typographic punctuation, and the accented letters of French.
const NAMED: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("hellip", '…'),
    ("mdash", '—'),
    ("ndash", '–'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("euro", '€'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("agrave", 'à'),
    ("acirc", 'â'),
    ("ccedil", 'ç'),
    ("eacute", 'é'),
    ("egrave", 'è'),
    ("ecirc", 'ê'),
    ("euml", 'ë'),
    ("icirc", 'î'),
    ("iuml", 'ï'),
    ("ocirc", 'ô'),
    ("ugrave", 'ù'),
    ("ucirc", 'û'),
    ("uuml", 'ü'),
    ("oelig", 'œ'),
    ("Agrave", 'À'),
    ("Ccedil", 'Ç'),
    ("Eacute", 'É'),
    ("Egrave", 'È'),
    ("Ecirc", 'Ê'),
    ("OElig", 'Œ'),
];

/// Decodes the entity that `s` starts with (just after its `&`): the
/// character and the bytes consumed, `;` included. `None` when `s` does not
/// start with a known, `;`-terminated entity; the `&` is then literal.
fn entity(s: &str) -> Option<(char, usize)> {
    let end = s.bytes().take(32).position(|b| b == b';')?;
    let name = &s[..end];
    let c = if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        // HTML maps NUL, surrogates and out-of-range code points to U+FFFD.
        char::from_u32(code)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{fffd}')
    } else {
        NAMED.iter().find(|(n, _)| *n == name)?.1
    };
    Some((c, end + 1))
}

/// Appends `s` to `out` with HTML entities decoded (`&amp;`, `&#233;`,
/// `&#xe9;`, and the named ones above); anything else is kept as is.
pub fn decode_entities_into(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        match entity(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => out.push('&'),
        }
    }
    out.push_str(rest);
}

/// Elements whose start and end are paragraph breaks.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
];

/// Builds the text, collapsing HTML whitespace and placing breaks only
/// between pieces of text, never at the start or the end.
struct TextBuilder<'o> {
    out: &'o mut String,
    start: usize,
    /// Newlines owed before the next text: 1 for a line break, 2 for a
    /// paragraph break.
    owed: usize,
    /// A space is owed before the next text.
    space: bool,
    /// Inside `<pre>`: whitespace is kept.
    pre: usize,
}

impl TextBuilder<'_> {
    fn has_text(&self) -> bool {
        self.out.len() > self.start
    }

    fn line_break(&mut self) {
        if self.has_text() {
            self.owed += 1;
        }
        self.space = false;
    }

    fn paragraph_break(&mut self) {
        if self.has_text() {
            self.owed = self.owed.max(2);
        }
        self.space = false;
    }

    fn push_char(&mut self, c: char) {
        if self.pre == 0 && c.is_ascii_whitespace() {
            // HTML collapses runs of spaces, tabs and newlines.
            if self.has_text() && self.owed == 0 {
                self.space = true;
            }
            return;
        }
        if self.owed > 0 {
            for _ in 0..self.owed {
                self.out.push('\n');
            }
            self.owed = 0;
        } else if self.space {
            self.out.push(' ');
        }
        self.space = false;
        self.out.push(c);
    }

    fn push_text(&mut self, text: &str) {
        let mut rest = text;
        while let Some(i) = rest.find('&') {
            rest[..i].chars().for_each(|c| self.push_char(c));
            rest = &rest[i + 1..];
            match entity(rest) {
                Some((c, len)) => {
                    self.push_char(c);
                    rest = &rest[len..];
                }
                None => self.push_char('&'),
            }
        }
        rest.chars().for_each(|c| self.push_char(c));
    }
}

/// Appends the text of the HTML fragment `html` to `out`: tags removed,
/// `<br>` as a line break, paragraphs (`<p>`, `<blockquote>`…) separated
/// by a blank line, list items on their own lines, whitespace collapsed as
/// a browser would (kept inside `<pre>`), entities decoded, comments and
/// `<script>`/`<style>` content dropped. A `<` that opens no tag is text.
pub fn html_to_text_into(html: &str, out: &mut String) {
    let mut b = TextBuilder {
        start: out.len(),
        out,
        owed: 0,
        space: false,
        pre: 0,
    };
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let next = bytes.get(i + 1).copied().unwrap_or(b' ');
        if !(next.is_ascii_alphabetic() || next == b'/' || next == b'!' || next == b'?') {
            i += 1;
            continue;
        }
        b.push_text(&html[text_start..i]);
        if html[i..].starts_with("<!--") {
            i = html[i + 4..]
                .find("-->")
                .map_or(bytes.len(), |e| i + 4 + e + 3);
            text_start = i;
            continue;
        }
        let end = tag_end(bytes, i + 1);
        let tag = &html[i + 1..end.min(bytes.len())];
        i = (end + 1).min(bytes.len());
        text_start = i;
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match name.as_str() {
            "br" => b.line_break(),
            "li" | "tr" if !closing && b.has_text() => {
                b.owed = b.owed.max(1);
                b.space = false;
            }
            "script" | "style" if !closing => {
                let close = format!("</{name}");
                i = find_ignore_case(&html[i..], &close).map_or(bytes.len(), |e| i + e);
                text_start = i;
            }
            n if BLOCKS.contains(&n) => {
                b.paragraph_break();
                if n == "pre" {
                    if closing {
                        b.pre = b.pre.saturating_sub(1);
                    } else {
                        b.pre += 1;
                    }
                }
            }
            _ => {}
        }
    }
    b.push_text(&html[text_start..]);
}

/// The index of the `>` closing the tag whose name starts at `from`,
/// skipping quoted attribute values; the input's length if there is none.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (k, &c) in bytes.iter().enumerate().skip(from) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => return k,
            None => {}
        }
    }
    bytes.len()
}

fn find_ignore_case(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    hay.as_bytes()
        .windows(n)
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        let mut s = String::new();
        html_to_text_into(html, &mut s);
        s
    }

    fn decoded(s: &str) -> String {
        let mut out = String::new();
        decode_entities_into(s, &mut out);
        out
    }

    #[test]
    fn paragraphs_and_line_breaks_are_kept() {
        assert_eq!(
            text("<p>Première ligne<br>deuxième<br />troisième</p><p>Autre paragraphe</p>"),
            "Première ligne\ndeuxième\ntroisième\n\nAutre paragraphe"
        );
    }

    #[test]
    fn mentions_hashtags_and_links_read_as_words() {
        let html = r#"<p><span class="h-card"><a href="https://ex.social/@sam" class="u-url mention">@<span>sam</span></a></span> merci ! <a href="https://ex.social/tags/Fibre" class="mention hashtag" rel="tag">#<span>Fibre</span></a> <a href="https://example.org/a" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span><span class="">example.org/a</span><span class="invisible"></span></a></p>"#;
        assert_eq!(text(html), "@sam merci ! #Fibre https://example.org/a");
    }

    #[test]
    fn entities_are_decoded_in_text() {
        assert_eq!(
            text("<p>AT&amp;T &lt;3 l&#39;appli &#x27;ok&#x27; &eacute;t&#233; &#128512; &bogus; &amp</p>"),
            "AT&T <3 l'appli 'ok' été 😀 &bogus; &amp"
        );
        assert_eq!(text("a &#0; b &#xD800; c"), "a \u{fffd} b \u{fffd} c");
    }

    #[test]
    fn whitespace_collapses_outside_pre() {
        assert_eq!(
            text("<p>  un\n   deux\t trois  </p>\n<p>\n quatre </p>"),
            "un deux trois\n\nquatre"
        );
        assert_eq!(text("<pre>a\n  b</pre>"), "a\n  b");
    }

    #[test]
    fn lists_quotes_comments_and_scripts() {
        assert_eq!(
            text("<p>Liste :</p><ul><li>un</li><li>deux</li></ul><blockquote><p>cité</p></blockquote>"),
            "Liste :\n\nun\ndeux\n\ncité"
        );
        assert_eq!(text("a<!-- <p>caché</p> -->b<script>x<y</script>c"), "abc");
        assert_eq!(text(r#"<a title="x>y">lien</a>"#), "lien");
    }

    #[test]
    fn stray_angle_brackets_are_text() {
        assert_eq!(text("1 < 2 et 3 > 2"), "1 < 2 et 3 > 2");
        assert_eq!(text("plain text, no tags"), "plain text, no tags");
        assert_eq!(text(""), "");
        assert_eq!(text("<p></p><br>"), "");
    }

    #[test]
    fn entity_decoding_alone_keeps_tags_and_spaces() {
        assert_eq!(decoded("Q&amp;A &lt;b&gt;  ok"), "Q&A <b>  ok");
        assert_eq!(decoded("fish & chips &"), "fish & chips &");
        assert_eq!(
            decoded("&laquo;&nbsp;oui&nbsp;&raquo;"),
            "«\u{a0}oui\u{a0}»"
        );
    }
}
