//! The language of a post: read from the export's own field when there is
//! one, else detected from the text; `und` when neither can tell.
//!
//! Detection uses `whichlang` (16 languages, a linear model over hashed
//! letter n-grams, no model file to load), after a pass over the post's
//! short common words that settles most English and French posts at a
//! fraction of the cost. The model gives no confidence, so the
//! evidence is measured instead: a post with fewer than [`MIN_LETTERS`]
//! letters outside its @mentions, #hashtags and links is `und`. The cut-off
//! comes from the French and English posts of `../shared/data` (figures in
//! bench/RESULTS.md).

use std::fmt;

/// Letters a post needs (outside mentions, hashtags and links) before its
/// language is detected; below, it is `und`. A CJK ideograph, kana or
/// hangul syllable counts as [`DENSE_LETTER`] letters.
pub const MIN_LETTERS: usize = 25;

/// What one character of the scripts that write a word in a few
/// characters (CJK ideographs, kana, hangul) counts for.
pub const DENSE_LETTER: usize = 3;

/// A post's language: an ISO 639-1 code, or `und` (undetermined).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lang([u8; 3]);

impl Lang {
    /// Undetermined: the export did not say and the text is too short, or
    /// in no language the detector knows.
    pub const UND: Lang = Lang(*b"und");

    /// A code as a rulebook writes it: an ISO 639-1 code in lower case, or
    /// `und`.
    pub fn parse(code: &str) -> Option<Lang> {
        if code == "und" {
            return Some(Lang::UND);
        }
        let b = code.as_bytes();
        (b.len() == 2 && ISO_639_1.binary_search(&code).is_ok()).then(|| Lang([b[0], b[1], 0]))
    }

    /// The language an export's field names: `fr`, `FR`, `fr-CA`, `pt_BR`
    /// (the primary subtag counts), the old codes Twitter still writes
    /// (`in`, `iw`, `ji`). `None` for an empty value, `und`, or anything
    /// that is not an ISO 639-1 code (Twitter's `zxx`, `qme`…): such a post
    /// is detected instead.
    pub fn from_field(value: &str) -> Option<Lang> {
        let primary = value.trim().split(['-', '_']).next().unwrap_or("");
        if primary.len() != 2 {
            return None;
        }
        let lower = primary.to_ascii_lowercase();
        let code = match lower.as_str() {
            "in" => "id",
            "iw" => "he",
            "ji" => "yi",
            "jw" => "jv",
            other => other,
        };
        Lang::parse(code).filter(|l| !l.is_und())
    }

    /// The code of a language written another way, to suggest it: a
    /// three-letter code (`fra`, `fre`) or an English or native name
    /// (`French`, `français`) of a common language.
    pub fn from_name(name: &str) -> Option<Lang> {
        let lower = name.trim().to_lowercase();
        let code = NAMES
            .iter()
            .find(|(_, names)| names.contains(&lower.as_str()))?
            .0;
        Lang::parse(code)
    }

    pub fn is_und(self) -> bool {
        self == Lang::UND
    }

    pub fn as_str(&self) -> &str {
        let n = if self.0[2] == 0 { 2 } else { 3 };
        std::str::from_utf8(&self.0[..n]).expect("codes are ASCII")
    }
}

impl Default for Lang {
    fn default() -> Self {
        Lang::UND
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lang({})", self.as_str())
    }
}

/// Where a post's language came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum LangSource {
    /// The export's own field (a preset's, or `--lang-field`).
    Field,
    /// Detected from the text (`und` included).
    #[default]
    Detected,
}

impl LangSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LangSource::Field => "field",
            LangSource::Detected => "detected",
        }
    }
}

/// A post's language and where it came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PostLang {
    pub lang: Lang,
    pub source: LangSource,
}

impl PostLang {
    /// The language read from an export's field value, else detected.
    pub fn of(field: Option<&str>, text: &str) -> PostLang {
        match field.and_then(Lang::from_field) {
            Some(lang) => PostLang {
                lang,
                source: LangSource::Field,
            },
            None => PostLang {
                lang: detect(text),
                source: LangSource::Detected,
            },
        }
    }
}

/// Bytes of a post given to the detector at most: enough to tell a
/// language, and a bound on the cost of long posts.
pub const DETECT_BYTES: usize = 64;

/// The language of `text`: `und` below [`MIN_LETTERS`] letters.
pub fn detect(text: &str) -> Lang {
    detect_with(text, &mut String::new())
}

/// [`detect`], reusing `buf` for the words the detector reads: the text
/// without its @mentions, #hashtags and links, cut after [`DETECT_BYTES`].
pub fn detect_with(text: &str, buf: &mut String) -> Lang {
    buf.clear();
    let mut letters = 0;
    for word in text.split_ascii_whitespace() {
        let b = word.as_bytes();
        if b[0] == b'@' || b[0] == b'#' || is_link(b) {
            continue;
        }
        if !buf.is_empty() {
            buf.push(' ');
        }
        buf.push_str(word);
        if letters < MIN_LETTERS {
            letters += word_letters(word);
        }
        if buf.len() >= DETECT_BYTES {
            break;
        }
    }
    if letters < MIN_LETTERS {
        return Lang::UND;
    }
    if let Some(lang) = by_function_words(buf) {
        return lang;
    }
    use whichlang::Lang as W;
    let code = match whichlang::detect_language(buf) {
        W::Ara => *b"ar",
        W::Cmn => *b"zh",
        W::Deu => *b"de",
        W::Eng => *b"en",
        W::Fra => *b"fr",
        W::Hin => *b"hi",
        W::Ita => *b"it",
        W::Jpn => *b"ja",
        W::Kor => *b"ko",
        W::Nld => *b"nl",
        W::Por => *b"pt",
        W::Rus => *b"ru",
        W::Spa => *b"es",
        W::Swe => *b"sv",
        W::Tur => *b"tr",
        W::Vie => *b"vi",
    };
    Lang([code[0], code[1], 0])
}

/// English or French when the post's short common words say so beyond
/// doubt: at least three of one language's, none of the other's, and none
/// of the words that mark the other languages of Latin script. Most English
/// and French posts are decided here, at a tenth of the model's cost; the
/// others go to the model.
fn by_function_words(text: &str) -> Option<Lang> {
    let (mut en, mut fr) = (0u32, 0u32);
    let bytes = text.as_bytes();
    let is_part = |b: u8| b.is_ascii_alphanumeric() || b == b'\'' || b >= 0x80;
    let mut lower = [0u8; 8];
    let mut i = 0;
    while i < bytes.len() {
        if !is_part(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_part(bytes[i]) {
            i += 1;
        }
        // Words with digits or letters beyond ASCII are no function word.
        let w = &bytes[start..i];
        if w.len() > lower.len() || !w.iter().all(|&b| b.is_ascii_alphabetic() || b == b'\'') {
            continue;
        }
        let w = &mut lower[..w.len()];
        w.copy_from_slice(&bytes[start..i]);
        w.make_ascii_lowercase();
        match function_word(w) {
            Some(Common::En) => en += 1,
            Some(Common::Fr) => fr += 1,
            Some(Common::Other) => return None,
            None => {}
        }
    }
    match (en, fr) {
        (3.., 0) => Some(Lang([b'e', b'n', 0])),
        (0, 3..) => Some(Lang([b'f', b'r', 0])),
        _ => None,
    }
}

enum Common {
    En,
    Fr,
    /// A common word of Spanish, Italian, Portuguese, German, Dutch,
    /// Swedish or Turkish that is neither English nor French.
    Other,
}

/// Short words frequent in one language and rare in the others, ASCII and
/// lower case (French words with accents are left out: `ça`, `été`).
fn function_word(w: &[u8]) -> Option<Common> {
    Some(match w {
        b"the" | b"to" | b"and" | b"is" | b"my" | b"you" | b"for" | b"it" | b"of" | b"this"
        | b"that" | b"with" | b"was" | b"have" | b"not" | b"are" | b"your" | b"be" | b"we"
        | b"can" | b"just" | b"but" | b"what" | b"get" | b"been" | b"will" | b"why" | b"has"
        | b"they" | b"there" | b"would" | b"at" | b"from" | b"about" | b"now" | b"do" | b"so"
        | b"our" | b"when" | b"how" | b"it's" | b"i'm" | b"don't" | b"can't" | b"thanks"
        | b"please" => Common::En,
        b"le" | b"les" | b"des" | b"est" | b"et" | b"un" | b"une" | b"pas" | b"je" | b"que"
        | b"pour" | b"du" | b"qui" | b"dans" | b"ce" | b"sur" | b"avec" | b"mais" | b"ne"
        | b"vous" | b"il" | b"plus" | b"au" | b"sont" | b"ai" | b"mon" | b"ma" | b"mes"
        | b"nous" | b"c'est" | b"j'ai" | b"tout" | b"fait" | b"faire" | b"bien" | b"aussi"
        | b"depuis" | b"merci" | b"encore" | b"quand" | b"comme" | b"par" | b"de" | b"la" => {
            Common::Fr
        }
        b"el" | b"los" | b"las" | b"y" | b"por" | b"para" | b"una" | b"con" | b"del" | b"es"
        | b"der" | b"die" | b"das" | b"und" | b"ist" | b"nicht" | b"ich" | b"mit" | b"den"
        | b"di" | b"che" | b"non" | b"per" | b"sono" | b"della" | b"um" | b"com" | b"uma"
        | b"os" | b"het" | b"een" | b"van" | b"ik" | b"niet" | b"och" | b"att" | b"jag"
        | b"bir" | b"ve" | b"bu" | b"da" | b"nao" | b"muy" | b"pero" | b"como" | b"mas"
        | b"auf" | b"ein" | b"eine" | b"zu" | b"sie" | b"wir" | b"nel" | b"sei" | b"voor" => {
            Common::Other
        }
        _ => return None,
    })
}

/// The letters of one word (a CJK character, kana or hangul counting
/// [`DENSE_LETTER`]).
fn word_letters(word: &str) -> usize {
    if word.is_ascii() {
        return word.bytes().filter(u8::is_ascii_alphabetic).count();
    }
    word.chars()
        .filter(|c| c.is_alphabetic())
        .map(|c| if is_dense(c) { DENSE_LETTER } else { 1 })
        .sum()
}

/// Whether `text` has at least [`MIN_LETTERS`] letters outside its
/// @mentions, #hashtags and links. Stops counting once it has.
pub fn enough_letters(text: &str) -> bool {
    letters_upto(text, MIN_LETTERS) >= MIN_LETTERS
}

/// The letters of `text` outside @mentions, #hashtags and links, counted
/// up to `cap`.
pub fn letters_upto(text: &str, cap: usize) -> usize {
    let bytes = text.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() && n < cap {
        let b = bytes[i];
        let starts_token = i == 0 || bytes[i - 1].is_ascii_whitespace();
        if starts_token && (b == b'@' || b == b'#' || is_link(&bytes[i..])) {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            continue;
        }
        if b.is_ascii() {
            n += b.is_ascii_alphabetic() as usize;
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().expect("i is on a char boundary");
        if c.is_alphabetic() {
            n += if is_dense(c) { DENSE_LETTER } else { 1 };
        }
        i += c.len_utf8();
    }
    n
}

fn is_link(rest: &[u8]) -> bool {
    let starts = |p: &[u8]| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p);
    starts(b"http://") || starts(b"https://") || starts(b"www.")
}

/// Scripts that write a word in one to three characters.
fn is_dense(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30ff      // hiragana, katakana
        | 0x3400..=0x4dbf    // CJK extension A
        | 0x4e00..=0x9fff    // CJK unified ideographs
        | 0xac00..=0xd7af    // hangul syllables
        | 0xff66..=0xff9d) // half-width katakana
}

/// Other ways to write common languages, for suggestions.
const NAMES: &[(&str, &[&str])] = &[
    ("ar", &["ara", "arabic"]),
    ("de", &["deu", "ger", "german", "deutsch"]),
    ("en", &["eng", "english"]),
    ("es", &["spa", "spanish", "español", "espanol"]),
    ("fr", &["fra", "fre", "french", "français", "francais"]),
    ("hi", &["hin", "hindi"]),
    ("it", &["ita", "italian", "italiano"]),
    ("ja", &["jpn", "japanese"]),
    ("ko", &["kor", "korean"]),
    ("nl", &["nld", "dut", "dutch", "nederlands"]),
    ("pt", &["por", "portuguese", "português", "portugues"]),
    ("ru", &["rus", "russian"]),
    ("sv", &["swe", "swedish", "svenska"]),
    ("tr", &["tur", "turkish"]),
    ("vi", &["vie", "vietnamese"]),
    ("zh", &["zho", "chi", "chinese"]),
];

/// ISO 639-1: every two-letter language code, sorted.
pub const ISO_639_1: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi",
    "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de",
    "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy",
    "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia",
    "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj", "kk",
    "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln", "lo",
    "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd",
    "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl",
    "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl",
    "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk",
    "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa",
    "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_list_is_sorted_and_complete() {
        assert!(ISO_639_1.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ISO_639_1.len(), 183);
    }

    #[test]
    fn codes_parse_strictly() {
        assert_eq!(Lang::parse("fr").unwrap().as_str(), "fr");
        assert_eq!(Lang::parse("und"), Some(Lang::UND));
        for bad in ["FR", "fra", "xx", "f", "", "fr-CA", "en "] {
            assert_eq!(Lang::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn export_values_are_read_leniently() {
        let l = |s| Lang::from_field(s).map(|l| l.to_string());
        assert_eq!(l("fr").as_deref(), Some("fr"));
        assert_eq!(l(" EN ").as_deref(), Some("en"));
        assert_eq!(l("pt-BR").as_deref(), Some("pt"));
        assert_eq!(l("zh_TW").as_deref(), Some("zh"));
        assert_eq!(l("in").as_deref(), Some("id"));
        assert_eq!(l("iw").as_deref(), Some("he"));
        for none in ["", "und", "zxx", "qme", "xx", "english"] {
            assert_eq!(l(none), None, "{none}");
        }
    }

    #[test]
    fn letters_leave_out_mentions_hashtags_and_links() {
        assert_eq!(
            letters_upto("@VirginAmerica #fail https://t.co/abc ok", 99),
            2
        );
        assert_eq!(letters_upto("www.example.com est en panne", 99), 10);
        assert_eq!(letters_upto("déçu, 100%!", 99), 4);
        assert_eq!(letters_upto("返金まだ", 99), 12);
        assert_eq!(letters_upto("a b c d e f", 3), 3);
        // A sigil inside a word does not start a mention.
        assert_eq!(letters_upto("me@home", 99), 6);
    }

    #[test]
    fn short_posts_are_und_and_long_ones_detected() {
        assert_eq!(detect("Merci !"), Lang::UND);
        assert_eq!(detect("@united thanks #great https://t.co/x"), Lang::UND);
        let cases = [
            (
                "Mon internet vient encore de couper ce matin, j'en ai vraiment marre",
                "fr",
            ),
            (
                "My flight was cancelled again and nobody answers the phone",
                "en",
            ),
            (
                "Me habéis cancelado el vuelo otra vez y nadie contesta al teléfono",
                "es",
            ),
            (
                "Mein Flug wurde schon wieder gestrichen und niemand hilft mir",
                "de",
            ),
            (
                "Il mio volo è stato cancellato di nuovo e nessuno risponde al telefono",
                "it",
            ),
            ("予約した便が欠航になったのに、何の連絡もありません", "ja"),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text).as_str(), want, "{text}");
        }
    }

    #[test]
    fn the_field_wins_over_detection() {
        let text = "Mon internet vient encore de couper ce matin, j'en ai vraiment marre";
        let given = PostLang::of(Some("es"), text);
        assert_eq!(
            (given.lang.as_str(), given.source),
            ("es", LangSource::Field)
        );
        let und = PostLang::of(Some("und"), text);
        assert_eq!(
            (und.lang.as_str(), und.source),
            ("fr", LangSource::Detected)
        );
        let none = PostLang::of(None, "ok");
        assert_eq!((none.lang, none.source), (Lang::UND, LangSource::Detected));
    }
}
