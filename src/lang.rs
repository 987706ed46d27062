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
        // The codes of most posts without a check of their bytes: every
        // post's code is written and counted.
        match &self.0 {
            b"en\0" => "en",
            b"fr\0" => "fr",
            b"und" => "und",
            code => {
                let n = if code[2] == 0 { 2 } else { 3 };
                std::str::from_utf8(&code[..n]).expect("codes are ASCII")
            }
        }
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

/// Letters a post needs before the model's guess of a Latin-script
/// language other than English or French is taken when none of the post's
/// words is a common word of any language: such a guess rests on the
/// letters of a few names and abbreviations ("RUDE RUDE RUDE service!
/// Awful." reads as Portuguese), and the post is `und`. Scripts of their
/// own (Arabic, Cyrillic, CJK, Devanagari, hangul) are told apart by their
/// letters and keep the model's answer.
pub const LATIN_GUESS_LETTERS: usize = 40;

/// Letters [`scan`] counts exactly, the larger of the two cut-offs.
const COUNTED_LETTERS: usize = if MIN_LETTERS > LATIN_GUESS_LETTERS {
    MIN_LETTERS
} else {
    LATIN_GUESS_LETTERS
};

/// Bytes of a post given to the detector at most: enough to tell a
/// language, and a bound on the cost of long posts.
pub const DETECT_BYTES: usize = 64;

/// The language of `text`: `und` below [`MIN_LETTERS`] letters.
pub fn detect(text: &str) -> Lang {
    detect_with(text, &mut String::new())
}

/// [`detect`], reusing `buf` for the words the model reads: the text
/// without its @mentions, #hashtags and links, cut after [`DETECT_BYTES`].
///
/// One pass over those words counts their letters and their short common
/// words; `buf` is filled only for the posts that pass leaves to the model.
pub fn detect_with(text: &str, buf: &mut String) -> Lang {
    let (letters, tally) = scan(text);
    if letters < MIN_LETTERS {
        return Lang::UND;
    }
    if let Some(lang) = tally.verdict() {
        return lang;
    }
    buf.clear();
    for word in kept_words(text) {
        if !buf.is_empty() {
            buf.push(' ');
        }
        buf.push_str(word);
    }
    use whichlang::Lang as W;
    let guess = whichlang::detect_language(buf);
    let latin = matches!(
        guess,
        W::Deu | W::Ita | W::Nld | W::Por | W::Spa | W::Swe | W::Tur | W::Vie
    );
    if latin && tally.is_empty() && letters < LATIN_GUESS_LETTERS {
        return Lang::UND;
    }
    let code = match guess {
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

/// The words of `text` the detector reads, in order: those that are no
/// @mention, #hashtag or link, until they fill [`DETECT_BYTES`] (joined by
/// one space).
fn kept_words(text: &str) -> KeptWords<'_> {
    KeptWords {
        text,
        at: 0,
        len: 0,
    }
}

struct KeptWords<'a> {
    text: &'a str,
    at: usize,
    len: usize,
}

impl<'a> Iterator for KeptWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        while self.len < DETECT_BYTES {
            let mut i = self.at;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i == bytes.len() {
                self.at = i;
                return None;
            }
            let start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            self.at = i;
            let word = &bytes[start..i];
            if is_skipped(word) {
                continue;
            }
            self.len += word.len() + usize::from(self.len > 0);
            // Both ends are at ASCII whitespace or the text's ends.
            return Some(&self.text[start..i]);
        }
        None
    }
}

/// One pass over the words the detector reads (see [`kept_words`]): their
/// letters, and their short common words counted by language.
fn scan(text: &str) -> (usize, Tally) {
    let bytes = text.as_bytes();
    let mut tally = Tally::default();
    let (mut letters, mut kept, mut i) = (0, 0, 0);
    while i < bytes.len() && kept < DETECT_BYTES {
        let class = CLASS[usize::from(bytes[i])];
        if class == SPACE {
            i += 1;
            continue;
        }
        let rest = &bytes[i..];
        // Only a word that starts with `@`, `#`, `h` or `w` can be left out.
        if class & SKIP_START != 0 && is_skipped(rest) {
            i += rest
                .iter()
                .position(|&b| CLASS[usize::from(b)] == SPACE)
                .unwrap_or(rest.len());
            continue;
        }
        let word = tally.add(rest);
        kept += word.len + usize::from(kept > 0);
        // Letters are only compared with MIN_LETTERS and
        // LATIN_GUESS_LETTERS: once there are as many as the larger, the
        // characters of a word that is not ASCII are not looked up.
        letters += if word.ascii {
            word.letters
        } else if letters < COUNTED_LETTERS {
            word_letters(&text[i..i + word.len])
        } else {
            0
        };
        i += word.len;
    }
    (letters, tally)
}

/// What [`Tally::add`] read of one word.
struct Word {
    /// Its length in bytes.
    len: usize,
    /// Its ASCII letters.
    letters: usize,
    /// Whether it is all ASCII.
    ascii: bool,
}

/// What [`scan`] makes of a byte: bits, so that a run's kinds are one `|`.
const LETTER: u8 = 1;
const APOSTROPHE: u8 = 2;
const DIGIT: u8 = 4;
const HIGH: u8 = 8;
/// Bytes that make up words: the four above.
const PART: u8 = LETTER | APOSTROPHE | DIGIT | HIGH;
const SPACE: u8 = 16;
/// Bytes that start the words left out ([`is_skipped`]): `@`, `#`, and
/// the `h` and `w` of links.
const SKIP_START: u8 = 32;
static CLASS: [u8; 256] = byte_classes();

const fn byte_classes() -> [u8; 256] {
    let mut classes = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        classes[b] = if byte.is_ascii_whitespace() {
            SPACE
        } else if byte.is_ascii_alphabetic() {
            LETTER
        } else if byte == b'\'' {
            APOSTROPHE
        } else if byte.is_ascii_digit() {
            DIGIT
        } else if byte >= 0x80 {
            HIGH
        } else {
            0
        } | if matches!(byte, b'@' | b'#' | b'h' | b'H' | b'w' | b'W') {
            SKIP_START
        } else {
            0
        };
        b += 1;
    }
    classes
}

/// The short common words of a post, counted by language.
#[derive(Default)]
struct Tally {
    en: u32,
    fr: u32,
    other: bool,
    /// Whether a word common in English and in another language of Latin
    /// script was seen ([`SHARED_EN_WORDS`]).
    shared_en: bool,
    /// The same for French ([`SHARED_FR_WORDS`]).
    shared_fr: bool,
}

impl Tally {
    /// Counts the common words of the word that starts `text` (up to ASCII
    /// whitespace): its runs of letters and apostrophes of at most
    /// [`WORD_BYTES`] bytes, looked up in lower case; runs with digits or
    /// non-ASCII bytes are no common word.
    fn add(&mut self, text: &[u8]) -> Word {
        let (mut i, mut letters, mut seen) = (0, 0, 0);
        loop {
            // A run of letters, apostrophes, digits and non-ASCII bytes.
            let (run, mut kinds) = (i, 0);
            while i < text.len() {
                let class = CLASS[usize::from(text[i])];
                if class & PART == 0 {
                    break;
                }
                letters += usize::from(class & LETTER);
                kinds |= class;
                i += 1;
            }
            if kinds & (DIGIT | HIGH) == 0 {
                self.count_run(text, run, i);
            } else if kinds & DIGIT == 0 && i - run <= WORD_BYTES + 2 * CURLY.len() {
                self.count_curly(&text[run..i]);
            }
            seen |= kinds;
            if i == text.len() || CLASS[usize::from(text[i])] == SPACE {
                return Word {
                    len: i,
                    letters,
                    ascii: seen & HIGH == 0,
                };
            }
            i += 1;
        }
    }

    /// Counts the run of ASCII letters and apostrophes `text[run..end]` if it
    /// is a common word.
    #[inline]
    fn count_run(&mut self, text: &[u8], run: usize, end: usize) {
        let len = end - run;
        if len == 0 || len > WORD_BYTES {
            return;
        }
        // The run's bytes in the low bytes of a `u64`, read at once when
        // the text has eight bytes from there on.
        let key = match text.get(run..run + WORD_BYTES) {
            Some(eight) => {
                let eight = u64::from_le_bytes(eight.try_into().expect("eight bytes"));
                eight & (u64::MAX >> (8 * (WORD_BYTES - len)))
            }
            None => text[run..end]
                .iter()
                .rev()
                .fold(0, |key, &b| key << 8 | u64::from(b)),
        };
        self.count_packed(key, len);
    }

    /// Counts a run whose only bytes outside ASCII are typographic
    /// apostrophes, read as `'`: phones write `c’est`, `j’ai`, `it’s`
    /// (a third of the French posts of `../shared/data` have one).
    fn count_curly(&mut self, run: &[u8]) {
        let (mut key, mut len, mut i) = (0u64, 0, 0);
        while i < run.len() {
            let b = if run[i..].starts_with(CURLY) {
                i += CURLY.len();
                b'\''
            } else if run[i].is_ascii() {
                i += 1;
                run[i - 1]
            } else {
                return;
            };
            if len == WORD_BYTES {
                return;
            }
            key |= u64::from(b) << (8 * len);
            len += 1;
        }
        self.count_packed(key, len);
    }

    /// Counts the word of `len` bytes packed in `key` (see [`pack`]) if it
    /// is a common word, in lower case: an ASCII letter with 0x20 set (the
    /// apostrophe has it).
    fn count_packed(&mut self, key: u64, len: usize) {
        self.count(lookup(key | (LOWER >> (8 * (WORD_BYTES - len)))));
    }

    fn count(&mut self, word: Option<Common>) {
        match word {
            Some(Common::En) => self.en += 1,
            Some(Common::Fr) => self.fr += 1,
            Some(Common::Other) => self.other = true,
            Some(Common::SharedEn) => self.shared_en = true,
            Some(Common::SharedFr) => self.shared_fr = true,
            None => {}
        }
    }

    /// English or French when the common words say so: at least one of
    /// one language's, none of the other's, none of the words that mark
    /// the other languages of Latin script, and none that the other one
    /// shares with them ("la", "de" hold back English; "in", "so" French).
    /// Most English and French posts are decided here, at a small part of
    /// the model's cost; the others go to the model. One word is enough:
    /// the model, on a short post, reads "FIND A WAY TO Cancelled Flight"
    /// as French and "Flight 136 departed Phoenix at 1:30 am" as Swedish.
    /// The shared words decide nothing, so that "la app de iberia no
    /// funciona" or "o que fazer" is not taken for French.
    fn verdict(&self) -> Option<Lang> {
        if self.other {
            return None;
        }
        match (self.en, self.fr) {
            (1.., 0) if !self.shared_fr => Some(Lang([b'e', b'n', 0])),
            (0, 1..) if !self.shared_en => Some(Lang([b'f', b'r', 0])),
            _ => None,
        }
    }

    /// Whether no common word of any language was seen.
    fn is_empty(&self) -> bool {
        self.en == 0 && self.fr == 0 && !self.other && !self.shared_en && !self.shared_fr
    }
}

#[derive(Clone, Copy)]
enum Common {
    En,
    Fr,
    /// A common word of Spanish, Italian, Portuguese, German, Dutch,
    /// Swedish or Turkish that is neither English nor French.
    Other,
    /// A common word of English that is as common in one of those
    /// languages ([`SHARED_EN_WORDS`]): it tells no language.
    SharedEn,
    /// The same for French ([`SHARED_FR_WORDS`]).
    SharedFr,
}

/// Short words frequent in one language and rare in the others, ASCII and
/// lower case (French words with accents are left out: `ça`, `été`).
const EN_WORDS: &[&str] = &[
    "the", "to", "and", "my", "you", "it", "this", "that", "with", "have", "not", "are", "your",
    "be", "can", "but", "what", "get", "been", "why", "has", "they", "there", "would", "at",
    "from", "about", "now", "our", "when", "how", "it's", "i'm", "don't", "can't", "thanks",
    "please", "up", "out", "by", "all", "any", "if", "had", "did", "were", "got", "after", "still",
    "again", "today", "us", "one", "help", "more", "like", "love", "great", "new", "already",
    "before", "then", "first", "going", "off", "need", "into", "than", "wait", "its", "cant",
    "didnt", "thank",
];
const FR_WORDS: &[&str] = &[
    "les", "est", "et", "une", "pas", "pour", "dans", "ce", "sur", "avec", "vous", "au", "sont",
    "mon", "nous", "c'est", "j'ai", "tout", "fait", "faire", "aussi", "depuis", "merci", "encore",
    "quand", "comme", "par", "sans", "ont", "chez", "toujours", "votre", "quoi", "aux", "peut",
    "pourquoi", "faut", "cette", "moi", "trop", "bonjour", "salut", "svp", "vraiment", "rien",
    "jamais", "leur", "suis", "avez", "ils", "elle", "ces", "notre", "avoir", "alors", "mois",
    "jours", "nouveau", "fais", "donc", "bon", "peux", "veux", "toi", "tous", "fois", "deux",
    "quelle",
];
/// Common words of English that are as common in Spanish, Portuguese,
/// Italian, German, Dutch or Swedish (`in`, `was`, `do`; `just`, and `for`,
/// Swedish `för` without its diacritics): they make no post English, and a
/// post with one of them is not taken for French without the model.
const SHARED_EN_WORDS: &[&str] = &[
    "in", "is", "i", "of", "we", "was", "will", "an", "so", "do", "for", "just",
];
/// The same for French (`de`, `la`, `que`, `il`…), and `plus`, as common
/// in English.
const SHARED_FR_WORDS: &[&str] = &[
    "de", "la", "le", "des", "du", "je", "que", "qui", "un", "il", "ma", "mes", "mais", "ne", "ai",
    "bien", "plus",
];
/// Common words of the other languages of Latin script, rare in English
/// and French posts. Left out: words as common in French (`y`, `non`,
/// `dit`, `mal`, `foi`, `ya`) or in English posts (`las`, `den`, `com`,
/// `per`, `um`, `dia`, `bin`, `met`: cities, sites, units, codes).
#[rustfmt::skip]
const OTHER_WORDS: &[&str] = &[
    // Spanish
    "el", "los", "por", "para", "una", "con", "del", "es", "muy", "pero", "como", "mas", "lo",
    "hay", "esta", "estoy", "desde", "nadie", "todo", "otra", "vez", "hace", "tengo", "porque",
    "cuando", "gracias", "hola", "nada", "sin", "mi", "pues", "llevo",
    // Portuguese
    "uma", "os", "nao", "meu", "minha", "voce", "vc", "muito", "tem", "isso", "ainda", "agora",
    "estou", "aqui", "nem", "seu", "sua", "pelo", "pela", "obrigado", "pra", "tambem",
    // Italian
    "di", "che", "sono", "della", "nel", "ho", "anche", "ancora", "questo", "questa", "molto",
    "tutto", "gia", "cosa", "perche", "sempre", "dopo", "alla", "dei", "gli", "nella", "mio",
    "grazie", "ciao", "stato", "sei",
    // German
    "der", "das", "und", "ist", "nicht", "ich", "mit", "auf", "ein", "eine", "zu", "sie", "wir",
    "die", "von", "dem", "auch", "noch", "schon", "wieder", "seit", "mein", "kein", "keine",
    "nur", "aber", "oder", "wird", "habe", "heute", "immer", "mehr", "jetzt", "bitte", "danke",
    "warum", "geht", "kann",
    // Dutch
    "het", "een", "ik", "niet", "voor", "van", "dat", "zijn", "maar", "ook", "nog", "weer",
    "echt", "geen", "bij", "naar", "heb", "heeft", "mijn", "deze", "jullie", "moet", "waarom",
    "bedankt", "wanneer",
    // Swedish, Turkish
    "och", "att", "jag", "bir", "ve", "bu", "da",
];

/// The typographic apostrophe (U+2019) in UTF-8.
const CURLY: &[u8] = "\u{2019}".as_bytes();

/// Bytes a common word has at most: each is looked up as one `u64`.
const WORD_BYTES: usize = 8;

/// The bit that makes an ASCII letter lower case, in every byte.
const LOWER: u64 = 0x2020_2020_2020_2020;

/// The common words in an open-addressing table keyed by their bytes
/// packed in a `u64`, built at compile time: the keys, then each one's
/// list (apart, so that the keys probed lie close). A power of two, about
/// three times the words, so that a word not listed (most of them) is
/// told after one or two probes.
const TABLE_SIZE: usize = 1024;
static COMMON: ([u64; TABLE_SIZE], [Common; TABLE_SIZE]) = common_table();

/// A word's bytes packed into a `u64`, little end first (none are 0).
const fn pack(w: &[u8]) -> u64 {
    let mut key = 0u64;
    let mut i = 0;
    while i < w.len() {
        key |= (w[i] as u64) << (8 * i);
        i += 1;
    }
    key
}

const fn slot(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - TABLE_SIZE.trailing_zeros())) as usize
}

const fn common_table() -> ([u64; TABLE_SIZE], [Common; TABLE_SIZE]) {
    // An empty slot's list is never read: its key is 0.
    let (mut keys, mut classes) = ([0u64; TABLE_SIZE], [Common::Other; TABLE_SIZE]);
    let lists: [(&[&str], Common); 5] = [
        (EN_WORDS, Common::En),
        (FR_WORDS, Common::Fr),
        (OTHER_WORDS, Common::Other),
        (SHARED_EN_WORDS, Common::SharedEn),
        (SHARED_FR_WORDS, Common::SharedFr),
    ];
    let mut l = 0;
    while l < lists.len() {
        let (words, class) = lists[l];
        let mut i = 0;
        while i < words.len() {
            let w = words[i].as_bytes();
            assert!(w.len() <= WORD_BYTES, "a common word is 8 bytes at most");
            let key = pack(w);
            let mut s = slot(key);
            while keys[s] != 0 {
                assert!(keys[s] != key, "a common word is listed twice");
                s = (s + 1) % TABLE_SIZE;
            }
            keys[s] = key;
            classes[s] = class;
            i += 1;
        }
        l += 1;
    }
    (keys, classes)
}

/// The common word packed in `key` (lower case), if it is one.
fn lookup(key: u64) -> Option<Common> {
    if key == 0 {
        return None;
    }
    let (keys, classes) = &COMMON;
    let mut s = slot(key);
    loop {
        match keys[s] {
            0 => return None,
            k if k == key => return Some(classes[s]),
            _ => s = (s + 1) % TABLE_SIZE,
        }
    }
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
        if starts_token && is_skipped(&bytes[i..]) {
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

/// Whether the word that starts `rest` is left out of detection: an
/// @mention, a #hashtag or a link.
#[inline]
fn is_skipped(rest: &[u8]) -> bool {
    match rest.first() {
        Some(b'@' | b'#') => true,
        // Only a word starting with h or w can be a link.
        Some(&b) if matches!(b | 0x20, b'h' | b'w') => is_link(rest),
        _ => false,
    }
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
    fn every_code_is_written_as_parsed() {
        for code in ISO_639_1.iter().copied().chain(["und"]) {
            let lang = Lang::parse(code).unwrap();
            assert_eq!(lang.as_str(), code);
            assert_eq!(lang.to_string(), code);
        }
        for code in ["en", "fr", "und"] {
            assert_eq!(Lang::parse(code).unwrap().as_str(), code);
        }
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
    fn short_posts_without_common_words_are_not_guessed_a_latin_language() {
        let cases = [
            // Read as Portuguese by the model alone.
            (
                "@USAirways flight 850. RUDE RUDE RUDE service! Awful.",
                "und",
            ),
            // One English common word, none of another language: read as
            // French and Swedish by the model alone.
            (
                "@SouthwestAir FIND A WAY TO Cancelled Flight FLIGHT 310!!!!!!!",
                "en",
            ),
            ("@JetBlue Flight 136 departed Phoenix at 1:30 am", "en"),
            // One French common word: read as Swedish by the model alone.
            ("idem. site inaccessible et 3244 injoignable.", "fr"),
            // A script of its own keeps the model's answer, short or not.
            ("Мой рейс снова отменили, никто не отвечает", "ru"),
            // A common word of another language leaves it to the model.
            ("Pésimo servicio, nunca más vuelo con ellos, muy mal", "es"),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text).as_str(), want, "{text}");
        }
    }

    /// What the word pass counts in `text`, one word of it at a time:
    /// English and French words, and whether a word of another language
    /// and words shared with English and with French were seen.
    fn tally(text: &str) -> (u32, u32, bool, bool, bool) {
        let mut t = Tally::default();
        for word in text.split_ascii_whitespace() {
            assert_eq!(t.add(word.as_bytes()).len, word.len(), "{word}");
        }
        (t.en, t.fr, t.other, t.shared_en, t.shared_fr)
    }

    const NONE: (u32, u32, bool, bool, bool) = (0, 0, false, false, false);

    #[test]
    fn every_listed_word_is_found_in_any_case_and_no_other() {
        for (words, want) in [
            (EN_WORDS, (1, 0, false, false, false)),
            (FR_WORDS, (0, 1, false, false, false)),
            (OTHER_WORDS, (0, 0, true, false, false)),
            (SHARED_EN_WORDS, (0, 0, false, true, false)),
            (SHARED_FR_WORDS, (0, 0, false, false, true)),
        ] {
            for w in words {
                assert_eq!(tally(w), want, "{w}");
                assert_eq!(tally(&w.to_uppercase()), want, "{w}");
                // At the end of a text, where fewer than eight bytes follow.
                assert_eq!(tally(&format!("x {w}")), want, "{w}");
                assert_eq!(tally(&format!("({w})!")), want, "{w}");
                // With the typographic apostrophe of phones.
                let curly = w.replace('\'', "\u{2019}");
                assert_eq!(tally(&curly), want, "{curly}");
                assert_eq!(
                    tally(&format!("{}?", curly.to_uppercase())),
                    want,
                    "{curly}"
                );
                // Longer or glued to a digit, it is another word.
                assert_eq!(tally(&format!("{w}xq")), NONE, "{w}xq");
                assert_eq!(tally(&format!("{w}2")), NONE, "{w}2");
            }
        }
        // Words are cut at punctuation, not at apostrophes; accented and
        // long words are no common word.
        assert_eq!(tally("the,to;and..my"), (4, 0, false, false, false));
        assert_eq!(tally("c'est j'ai it's"), (1, 2, false, false, false));
        assert_eq!(tally("c’est j’ai it’s"), (1, 2, false, false, false));
        assert_eq!(tally("thé là où théâtre l’été aujourd’hui"), NONE);
        assert_eq!(tally("therefore everything"), NONE);
    }

    #[test]
    fn the_word_pass_reads_what_the_model_would_read() {
        // Mentions, hashtags and links are left out, and the words stop
        // once they fill DETECT_BYTES.
        assert_eq!(tally_of("@the #the https://the.com www.the.fr the"), (1, 0));
        let long = format!("{} the and is", "x".repeat(DETECT_BYTES));
        assert_eq!(tally_of(&long), (0, 0));
        let kept: Vec<&str> = kept_words(&long).collect();
        assert_eq!(kept, [&long[..DETECT_BYTES]]);
        let (letters, _) = scan("déçu, 100% ! mais bon");
        assert_eq!(letters, 4 + 4 + 3);
    }

    #[test]
    fn words_left_out_start_with_a_byte_marked_so() {
        for b in 0..=u8::MAX {
            for rest in ["", "x", "ttp://x", "ttps://x", "TTPS://x", "ww.x", "WW.x"] {
                let word = [&[b], rest.as_bytes()].concat();
                if is_skipped(&word) {
                    assert_ne!(CLASS[usize::from(b)] & SKIP_START, 0, "{word:?}");
                }
            }
        }
    }

    #[test]
    fn letters_of_words_not_ascii_count_up_to_the_latin_cut_off() {
        // 34 ASCII letters, then 15 in words with accents: no common word,
        // 49 letters, so the model's guess stands.
        let text = "servicio retrasos constantes equipaje pésimo aerolínea";
        let (letters, tally) = scan(text);
        assert!(tally.is_empty());
        assert!(letters >= LATIN_GUESS_LETTERS, "{letters}");
        assert_ne!(detect(text), Lang::UND);
    }

    #[test]
    fn letters_past_the_cut_off_decide_as_counted() {
        // Words that are not ASCII after MIN_LETTERS letters are not
        // counted; the language is as it was.
        let text = "the flight and the crew were late again, déjà été déçu";
        let (letters, _) = scan(text);
        assert!(letters >= MIN_LETTERS);
        assert_eq!(detect(text).as_str(), "en");
        assert_eq!(
            detect("déjà été déçu, ça c'est vraiment la fin des haricots").as_str(),
            "fr"
        );
    }

    fn tally_of(text: &str) -> (u32, u32) {
        let (_, t) = scan(text);
        (t.en, t.fr)
    }

    #[test]
    fn words_of_french_do_not_hold_a_french_post_back() {
        // "y" and "non" are French as much as Spanish or Italian.
        let text = "Non mais il y a encore une panne depuis ce matin chez vous";
        assert!(!tally(text).2);
        assert_eq!(detect(text).as_str(), "fr");
    }

    #[test]
    fn a_word_shared_with_another_language_decides_nothing() {
        let verdict = |text: &str| {
            let (_, t) = scan(text);
            t.verdict().map(|l| l.as_str().to_owned())
        };
        // One English or French word decides, as before.
        assert_eq!(verdict("the box").as_deref(), Some("en"));
        assert_eq!(verdict("avec la box").as_deref(), Some("fr"));
        // Words as common in Spanish, Italian, Portuguese, German or Dutch
        // decide nothing alone ...
        assert_eq!(verdict("la app de iberia"), None);
        assert_eq!(verdict("il treno in ritardo"), None);
        // ... and hold back a verdict for the other language: "by" in a
        // French post, "so" in a French one, "plus" in an English one.
        assert_eq!(verdict("de la nouvelle offre family by canal"), None);
        assert_eq!(verdict("merci pour le retour, so cool"), None);
        assert_eq!(verdict("flight plus hotel with the app"), None);
    }

    #[test]
    fn posts_of_other_latin_languages_are_not_taken_for_english_or_french() {
        // Posts with words shared with French or English (`de`, `la`,
        // `que`, `il`, `ma`, `in`, `was`, `do`); the first seven were
        // French before those words were told apart.
        for (text, want) in [
            ("@Iberia la app de iberia no funciona desde ayer", "es"),
            ("@Renfe dicen que mi tren sale tarde otra vez", "es"),
            (
                "@TAP o meu voo foi cancelado, alguém sabe o que fazer?",
                "pt",
            ),
            ("@vivo a internet caiu de novo, que vergonha", "pt"),
            ("@nubank o app não abre desde ontem, alguém mais?", "pt"),
            (
                "@Claro_Brasil estou sem sinal a dois dias, que absurdo",
                "pt",
            ),
            ("@Alitalia ma perché il mio volo è stato cancellato?", "it"),
            (
                "@Trenitalia il treno è in ritardo di nuovo, che vergogna",
                "it",
            ),
            (
                "@Lufthansa mein Flug wurde gestrichen, was soll ich tun?",
                "de",
            ),
            (
                "@NS_online de trein is weer te laat, dit is echt niet normaal",
                "nl",
            ),
        ] {
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
