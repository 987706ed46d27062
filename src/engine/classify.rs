//! Classifying one post: its phrases and rules matched (`matching`), then
//! each label set decided (`decision`). Pure functions over a compiled
//! [`Rulebook`].

use super::compile::Rulebook;
use super::decision::Verdict;
use super::matching::{fires, Scratch};
use crate::lang::{self, Lang, LangSource, PostLang};

impl Rulebook {
    /// Classifies `text`, allocating fresh buffers. For many posts, prefer
    /// [`Rulebook::classify_into`].
    pub fn classify(&self, text: &str) -> Verdict {
        let mut scratch = Scratch::default();
        let mut verdict = Verdict::default();
        self.classify_into(text, &mut scratch, &mut verdict);
        verdict
    }

    /// Classifies `text` into `verdict`, reusing `scratch` and `verdict`'s
    /// buffers. After the call, `scratch.normalized` holds the normalised text
    /// and `scratch.hits` every phrase found in it. The post's language is
    /// detected when the rulebook needs it (see [`Rulebook::needs_lang`]),
    /// else it is `und`.
    pub fn classify_into(&self, text: &str, scratch: &mut Scratch, verdict: &mut Verdict) {
        let lang = if self.needs_lang() {
            self.detect_lang(text, scratch)
        } else {
            PostLang::default()
        };
        self.classify_as(text, lang, scratch, verdict);
    }

    /// Whether the language of a post changes its labels: the rulebook
    /// lists the languages it covers, or scopes rules to languages.
    pub fn needs_lang(&self) -> bool {
        !self.languages.is_empty() || self.lang_scoped
    }

    /// Whether the rulebook covers posts in `lang`: it lists it, or lists
    /// none. Posts of unknown language (`und`) are always covered.
    pub fn covers(&self, lang: Lang) -> bool {
        lang.is_und() || self.languages.is_empty() || self.languages.binary_search(&lang).is_ok()
    }

    /// The detected language of `text`, reusing `scratch`'s buffer.
    pub fn detect_lang(&self, text: &str, scratch: &mut Scratch) -> PostLang {
        PostLang {
            lang: lang::detect_with(text, &mut scratch.lang_words),
            source: LangSource::Detected,
        }
    }

    /// [`Rulebook::classify_into`] for a post whose language is known. A
    /// post in a language the rulebook does not cover gets the fallback of
    /// every `one` set and no label of the others; a rule with `lang` fires
    /// only on posts in one of its languages.
    pub fn classify_as(
        &self,
        text: &str,
        lang: PostLang,
        scratch: &mut Scratch,
        verdict: &mut Verdict,
    ) {
        verdict.lang = lang;
        verdict.uncovered = !self.covers(lang.lang);
        if verdict.uncovered {
            self.normalizer
                .normalize_into(text, &mut scratch.normalized);
            scratch.hits.clear();
            verdict.fired.clear();
            verdict.words.clear();
            self.decide(verdict, scratch);
            return;
        }
        let m = &self.matcher;
        self.normalizer
            .normalize_into(text, &mut scratch.normalized);
        scratch.next_post(m.patterns.len(), self.rules.len());
        scratch.regexes.next_post(m, scratch.post);
        self.find_phrases(scratch);
        let needs = self.gather_candidates(scratch);
        self.compute(text, needs, scratch);
        // Only candidates can fire; every other rule lacks a phrase it needs
        // or has one of its `none` list.
        verdict.fired.clear();
        let (candidates, found, mut later) = scratch.for_checks(m);
        for &r in candidates {
            let r = r as usize;
            let rule = &self.rules[r];
            if self.lang_scoped && !rule.lang.is_empty() && !rule.lang.contains(&lang.lang) {
                continue;
            }
            if m.on_trigger[r] || fires(&rule.cond, m.checks[r], &found, &mut later) {
                verdict.fired.push(r);
            }
        }
        verdict.words.clear();
        for (xi, lexicon) in self.lexicons.iter().enumerate() {
            if !lexicon.weighs(lang.lang) {
                continue;
            }
            scratch.lexicon_hits.clear();
            lexicon.find(
                &scratch.normalized,
                &mut scratch.lexicon_hits,
                &mut scratch.lexicon_probes,
            );
            verdict
                .words
                .extend(scratch.lexicon_hits.iter().map(|&e| (xi as u32, e)));
        }
        self.decide(verdict, scratch);
    }

    /// The label id a set gave, or its fallback (empty when it has none).
    pub fn label_of<'a>(&'a self, verdict: &Verdict, set: usize) -> &'a str {
        let s = &self.sets[set];
        match verdict.sets[set].labels.first() {
            Some(&li) => &s.labels[li].id,
            None => s.fallback.as_deref().unwrap_or(""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine;
    use crate::engine::regexes::Regexes;

    fn book(rules: &str) -> Rulebook {
        let text = format!(
            "[rulebook]\nname = \"t\"\nversion = \"1\"\n\n[[set]]\nid = \"type\"\nmode = \"one\"\nthreshold = 1\nfallback = \"none_of_them\"\n{rules}"
        );
        match engine::from_str("t.toml", &text) {
            Ok(r) => r,
            Err(report) => panic!("{report}"),
        }
    }

    fn label(r: &Rulebook, text: &str) -> String {
        r.label_of(&r.classify(text), 0).to_string()
    }

    fn one_rule(matcher: &str) -> Rulebook {
        book(&format!(
            "[[set.label]]\nid = \"x\"\n[[set.label.rule]]\nid = \"r\"\n{matcher}\n"
        ))
    }

    const FR: &str = "Encore une panne de la box ce matin, le service client ne répond pas";
    const EN: &str = "Another outage of the box this morning, customer service is not answering";
    const ES: &str = "Otra vez una avería de la caja esta mañana y nadie contesta en el servicio";

    fn in_lang(r: &Rulebook, text: &str, code: &str) -> Verdict {
        let lang = PostLang {
            lang: Lang::parse(code).unwrap(),
            source: LangSource::Field,
        };
        let mut v = Verdict::default();
        r.classify_as(text, lang, &mut Scratch::default(), &mut v);
        v
    }

    #[test]
    fn scoped_rules_fire_only_on_their_languages() {
        let r = book(
            "[[set.label]]\nid = \"x\"\n[[set.label.rule]]\nid = \"fr\"\nlang = [\"fr\"]\nany = [\"box\"]\n\
             [[set.label.rule]]\nid = \"any\"\nany = [\"box\"]\nweight = 0.5\n",
        );
        assert!(r.lang_scoped && r.needs_lang());
        let fired = |v: &Verdict| -> Vec<&str> {
            v.fired.iter().map(|&i| r.rules[i].id.as_str()).collect()
        };
        assert_eq!(fired(&in_lang(&r, FR, "fr")), ["fr", "any"]);
        assert_eq!(fired(&in_lang(&r, FR, "en")), ["any"]);
        assert_eq!(fired(&in_lang(&r, FR, "und")), ["any"]);
        // Detected: the French post is French, the English one English.
        assert_eq!(fired(&r.classify(FR)), ["fr", "any"]);
        assert_eq!(fired(&r.classify(EN)), ["any"]);
        let und = book("[[set.label]]\nid = \"x\"\n[[set.label.rule]]\nid = \"r\"\nlang = [\"fr\", \"und\"]\nany = [\"box\"]\n");
        assert_eq!(und.label_of(&in_lang(&und, FR, "und"), 0), "x");
        assert_eq!(und.label_of(&in_lang(&und, FR, "en"), 0), "none_of_them");
    }

    #[test]
    fn uncovered_languages_get_the_fallback_without_rules() {
        let text = "[rulebook]\nname = \"t\"\nversion = \"1\"\nlanguages = [\"fr\", \"en\"]\n\
            [[set]]\nid = \"type\"\nmode = \"one\"\nfallback = \"none_of_them\"\n\
            [[set.label]]\nid = \"x\"\n[[set.label.rule]]\nid = \"r\"\nany = [\"box\", \"caja\"]\n\
            [[set]]\nid = \"tags\"\nmode = \"many\"\n[[set.label]]\nid = \"t\"\n[[set.label.rule]]\nid = \"t\"\nany = [\"caja\"]\n";
        let r = engine::from_str("t.toml", text).unwrap();
        assert!(r.needs_lang());
        assert!(r.covers(Lang::UND) && r.covers(Lang::parse("fr").unwrap()));
        assert!(!r.covers(Lang::parse("es").unwrap()));
        let es = r.classify(ES);
        assert_eq!(es.lang.lang.as_str(), "es");
        assert!(es.uncovered && es.fired.is_empty());
        assert_eq!(r.label_of(&es, 0), "none_of_them");
        assert!(es.sets[0].fallback && es.sets[1].labels.is_empty());
        let fr = r.classify(FR);
        assert!(!fr.uncovered);
        assert_eq!(r.label_of(&fr, 0), "x");
        // The same Spanish post, of unknown language, is classified.
        let und = in_lang(&r, ES, "und");
        assert!(!und.uncovered);
        assert_eq!(r.label_of(&und, 0), "x");
        assert_eq!(und.sets[1].labels, [0]);
    }

    #[test]
    fn any_matches_whole_words_on_normalised_text() {
        let r = one_rule(r#"any = ["déçu", "fed up"]"#);
        assert_eq!(label(&r, "Très DECU"), "x");
        assert_eq!(label(&r, "I am FED   UP!"), "x");
        assert_eq!(label(&r, "decus"), "none_of_them");
        assert_eq!(label(&r, "unfed up"), "none_of_them");
    }

    #[test]
    fn trailing_star_is_a_prefix() {
        let r = one_rule(r#"any = ["rembours*"]"#);
        assert_eq!(label(&r, "je veux un remboursement"), "x");
        assert_eq!(label(&r, "non rembourse"), "x");
        assert_eq!(label(&r, "prembourse"), "none_of_them");
    }

    #[test]
    fn all_needs_every_phrase() {
        let r = one_rule(r#"all = ["love", "but"]"#);
        assert_eq!(label(&r, "I love it but it's heavy"), "x");
        assert_eq!(label(&r, "I love it"), "none_of_them");
    }

    #[test]
    fn none_excludes() {
        let r = one_rule("any = [\"love\"]\nnone = [\"don't\"]");
        assert_eq!(label(&r, "I love it"), "x");
        assert_eq!(label(&r, "I don’t love it"), "none_of_them");
    }

    /// A `none` phrase rules out only the rules that list it, only on the
    /// post it is found in: the buffers reused from post to post forget it.
    #[test]
    fn none_rules_out_on_its_own_post_only() {
        let r = book(
            "[[set.label]]\nid = \"x\"\n[[set.label.rule]]\nid = \"a\"\nany = [\"love\"]\nnone = [\"don't\", \"never\"]\n\
             [[set.label.rule]]\nid = \"b\"\nany = [\"love\", \"never\"]\nweight = 0.5\n\
             [[set.label.rule]]\nid = \"c\"\nall = [\"love\", \"it\"]\nnone = [\"never\"]\nweight = 0.25\n",
        );
        let mut scratch = Scratch::default();
        let mut fired = |text: &str| -> Vec<&str> {
            let mut v = Verdict::default();
            r.classify_into(text, &mut scratch, &mut v);
            v.fired.iter().map(|&i| r.rules[i].id.as_str()).collect()
        };
        assert_eq!(fired("I love it"), ["a", "b", "c"]);
        assert_eq!(fired("I don't love it"), ["b", "c"]);
        assert_eq!(fired("I love it"), ["a", "b", "c"]);
        assert_eq!(fired("never love it"), ["b"]);
        assert_eq!(fired("I love it, donte"), ["a", "b", "c"]);
        assert_eq!(fired("never"), ["b"]);
        assert_eq!(fired("love it"), ["a", "b", "c"]);
    }

    /// The ids of the rules that fire on `text`, after checking that they
    /// are those a full check of every rule finds.
    fn fired_as_in_full<'r>(r: &'r Rulebook, scratch: &mut Scratch, text: &str) -> Vec<&'r str> {
        let mut v = Verdict::default();
        r.classify_as(text, PostLang::default(), scratch, &mut v);
        assert_eq!(v.fired, fired_by_checking_every_rule(r, text), "{text:?}");
        v.fired.iter().map(|&i| r.rules[i].id.as_str()).collect()
    }

    /// The rules that fire, found by checking every rule of `r` on `text`
    /// in full (every condition, its `none` list phrase by phrase), without
    /// candidates: what [`Rulebook::classify_as`] must find, for a post of
    /// unknown language.
    fn fired_by_checking_every_rule(r: &Rulebook, text: &str) -> Vec<usize> {
        use crate::engine::compile::{Checks, Needs};
        use crate::engine::matching::fires;
        let m = &r.matcher;
        let mut s = Scratch::default();
        r.normalizer.normalize_into(text, &mut s.normalized);
        s.next_post(m.patterns.len(), r.rules.len());
        s.regexes.next_post(m, s.post);
        r.find_phrases(&mut s);
        let every = Needs {
            mention_count: true,
            hashtag_count: true,
            caps: true,
            runs: true,
        };
        r.compute(text, every, &mut s);
        let (_, found, mut later) = s.for_checks(m);
        (0..r.rules.len())
            .filter(|&i| {
                let rule = &r.rules[i];
                let c = &rule.cond;
                (rule.lang.is_empty() || rule.lang.contains(&Lang::UND))
                    && !c.none.iter().any(|&p| found.present.contains(p))
                    && fires(c, Checks::of(c), &found, &mut later)
            })
            .collect()
    }

    /// Rules ruled out by their `none` list are no candidates, and a regex
    /// whose rules are all candidates or ruled out is not tried for them:
    /// the same rules fire as when every rule is checked in full.
    #[test]
    fn rules_ruled_out_are_no_candidates() {
        let r = book(
            "[[set.label]]\nid = \"x\"\n\
             [[set.label.rule]]\nid = \"a\"\nregex = ['\\bwait\\w*']\nnone = [\"never\"]\n\
             [[set.label.rule]]\nid = \"b\"\nregex = ['\\bwait\\w*']\nweight = 0.5\n\
             [[set.label.rule]]\nid = \"c\"\nregex = ['\\d+ hours']\nnone = [\"never\", \"wait\"]\nweight = 0.25\n\
             [[set.label.rule]]\nid = \"d\"\nany = [\"late\"]\nnone = [\"never\"]\nweight = 0.125\n",
        );
        let mut scratch = Scratch::default();
        let mut fired = |text: &str| fired_as_in_full(&r, &mut scratch, text);
        assert_eq!(fired("waited 3 hours, late"), ["a", "b", "c", "d"]);
        assert_eq!(fired("never waited 3 hours, late"), ["b"]);
        assert_eq!(fired("wait 3 hours"), ["a", "b"]);
        assert_eq!(fired("never 3 hours"), Vec::<&str>::new());
        assert_eq!(fired("3 hours"), ["c"]);
        assert_eq!(fired("waited 3 hours, late"), ["a", "b", "c", "d"]);
    }

    /// Rules made of regexes alone, from a regex the phrase search found a
    /// literal of and from one without literals (tried on every post), over
    /// posts in turn with one scratch: the rules that fire are those a full
    /// check of every rule finds.
    #[test]
    fn regex_rules_fire_from_literals_and_without() {
        let r = book(
            "[[set.label]]\nid = \"x\"\n\
             [[set.label.rule]]\nid = \"lit\"\nregex = ['\\bdelay\\w*']\n\
             [[set.label.rule]]\nid = \"bare\"\nregex = ['^.{1,3}$']\nweight = 0.5\n\
             [[set.label.rule]]\nid = \"both\"\nregex = ['\\bdelay\\w*', '^.{1,3}$']\nweight = 0.25\n",
        );
        let mut scratch = Scratch::default();
        let mut fired = |text: &str| fired_as_in_full(&r, &mut scratch, text);
        for _ in 0..2 {
            assert_eq!(fired("delayed again"), ["lit", "both"]);
            assert_eq!(fired("ok"), ["bare", "both"]);
            assert_eq!(fired("abcd"), Vec::<&str>::new());
            assert_eq!(fired("delay"), ["lit", "both"]);
            assert_eq!(fired(""), Vec::<&str>::new());
        }
    }

    /// On the default rulebook's examples and test cases, the rules that
    /// fire are those a full check of every rule finds.
    #[test]
    fn candidates_fire_as_a_check_of_every_rule() {
        let r = crate::engine::default_rulebook();
        let texts = crate::engine::default_sample_texts(&r);
        let (mut scratch, mut v) = (Scratch::default(), Verdict::default());
        let mut fired = 0;
        for text in &texts {
            r.classify_as(text, PostLang::default(), &mut scratch, &mut v);
            assert_eq!(v.fired, fired_by_checking_every_rule(&r, text), "{text:?}");
            fired += v.fired.len();
        }
        assert!(fired > 500, "only {fired} rules fired");
    }

    #[test]
    fn regex_runs_on_normalised_text() {
        let r = one_rule(r#"regex = ['\b\d+(e|eme) fois\b']"#);
        assert_eq!(label(&r, "C'est la 2ème fois"), "x");
        assert_eq!(label(&r, "une fois"), "none_of_them");
    }

    #[test]
    fn regexes_with_and_without_required_literals() {
        let r = one_rule(r#"regex = ['\b(switch|buy)\b[^?.!]*\?', '(^|\s)#[a-z]', '^\.@']"#);
        assert_eq!(label(&r, "Should I BUY the red one ?"), "x");
        assert_eq!(label(&r, "should I buy the red one."), "none_of_them");
        assert_eq!(label(&r, "nothing to see"), "none_of_them");
        assert_eq!(label(&r, "so #tired"), "x");
        assert_eq!(label(&r, ".@delta hi"), "x");
        assert_eq!(label(&r, "hi .@delta"), "none_of_them");
    }

    /// A regex whose rarest required part is a class of digits runs on the
    /// posts with a digit of any script, or one of the words beside it.
    #[test]
    fn regexes_filtered_on_digits_find_every_script() {
        let r = one_rule(r#"regex = ['\b(\d+|two)\s*(h|hours?)\b']"#);
        // Every match starts with a digit or `two`: tried only there.
        assert!(r.matcher.regex_prefilter.as_ref().unwrap().anchored[0]);
        assert_eq!(label(&r, "waited 3h already"), "x");
        assert_eq!(label(&r, "x3h, b12 hours, atwo h"), "none_of_them");
        assert_eq!(label(&r, "x3h, b12 hours, then 12 hours"), "x");
        assert_eq!(label(&r, "waited ٣ hours"), "x");
        assert_eq!(label(&r, "two hours!"), "x");
        assert_eq!(label(&r, "hours and hours, h"), "none_of_them");
        assert_eq!(label(&r, "h2 and 12ah"), "none_of_them");
    }

    /// A regex whose literals start every match is tried at each place one
    /// of them starts, with the text before it seen by `\b`.
    #[test]
    fn regexes_are_tried_where_their_literals_start() {
        let r = one_rule(r#"regex = ['\b(foo|bar)\w* (again|\d+)\b']"#);
        let pre = r.matcher.regex_prefilter.as_ref().unwrap();
        assert!(pre.anchored[0] && pre.boundary_start[0]);
        assert_eq!(label(&r, "foo again"), "x");
        // Literals inside words start no match, before or after others.
        assert_eq!(label(&r, "_foo again, 3bar 2"), "none_of_them");
        assert_eq!(label(&r, "xfoo 1 xbar 2 foo 3"), "x");
        assert_eq!(label(&r, "xfoo again"), "none_of_them");
        assert_eq!(label(&r, "xfoo again, barre 12"), "x");
        assert_eq!(label(&r, "foo, then bar 3x and foobar 7"), "x");
        assert_eq!(label(&r, "foo bar foo bar"), "none_of_them");
        assert_eq!(label(&r, "été foo 2"), "x");
        assert_eq!(label(&r, "étéfoo 2"), "none_of_them");
        // A digit outside ASCII: the regex's Unicode form runs, anchored too.
        assert_eq!(label(&r, "foo ٣"), "x");
    }

    /// A regex whose rarest literals are not those its matches start with
    /// runs only on posts with both, tried where the starting ones start.
    #[test]
    fn gated_regexes_need_both_literal_sets() {
        let r = one_rule(r#"regex = ['\b(love|like|fun)\b.{0,12}\b(however|except)\b']"#);
        let pre = r.matcher.regex_prefilter.as_ref().unwrap();
        assert!(pre.anchored[0] && pre.gated[0]);
        assert_eq!(label(&r, "love it however"), "x");
        assert_eq!(label(&r, "i like it, except"), "x");
        assert_eq!(label(&r, "love it, really"), "none_of_them");
        assert_eq!(label(&r, "however i do"), "none_of_them");
        // The gate is found, but too far from the start, or before it.
        assert_eq!(label(&r, "love it a lot, truly, however"), "none_of_them");
        assert_eq!(label(&r, "however love it"), "none_of_them");
        // Several starts: the second one is close enough.
        assert_eq!(label(&r, "love it a lot, i like it except"), "x");
        assert_eq!(label(&r, "glove it however"), "none_of_them");
        assert_eq!(label(&r, "été fun é however"), "x");
    }

    #[test]
    fn very_many_regexes_run_as_one_set() {
        let rules: String = (0..=crate::engine::regexes::MAX_SEPARATE_REGEXES)
            .map(|i| format!("[[set.label.rule]]\nid = \"r{i}\"\nregex = ['\\bw{i}x\\b']\n"))
            .collect();
        let r = book(&format!("[[set.label]]\nid = \"x\"\n{rules}"));
        assert!(matches!(r.matcher.regexes, Regexes::Set(_)));
        let v = r.classify("a w7x and w299x, not w99999x");
        assert_eq!(v.fired, vec![7, 299]);
        let last = crate::engine::regexes::MAX_SEPARATE_REGEXES;
        assert_eq!(r.classify(&format!("w{last}x")).fired, vec![last]);
        assert_eq!(label(&r, "nothing"), "none_of_them");
    }

    #[test]
    fn hashtags_match_whole_tags() {
        let r = one_rule(r##"hashtags = ["#fail", "VDM"]"##);
        assert_eq!(label(&r, "encore un #FAIL"), "x");
        assert_eq!(label(&r, "#vdm"), "x");
        assert_eq!(label(&r, "#failure"), "none_of_them");
        assert_eq!(label(&r, "page#fail"), "none_of_them");
        assert_eq!(label(&r, "fail"), "none_of_them");
    }

    #[test]
    fn mentions_by_handle_and_by_count() {
        let r = one_rule(r#"mentions = ["@Delta"]"#);
        assert_eq!(label(&r, "hey @delta"), "x");
        assert_eq!(label(&r, "hey @deltaNews"), "none_of_them");
        assert_eq!(label(&r, "write to a@delta.com"), "none_of_them");
        let r = one_rule("min_mentions = 2");
        assert_eq!(label(&r, "@united or @Delta?"), "x");
        assert_eq!(label(&r, "@united @UNITED"), "none_of_them");
        assert_eq!(label(&r, "mail me at a@b.c @united"), "none_of_them");
    }

    #[test]
    fn emoji_match_anywhere() {
        let r = one_rule(r#"emoji = ["😡", "❤️"]"#);
        assert_eq!(label(&r, "so mad😡"), "x");
        assert_eq!(label(&r, "love it ❤"), "x");
        assert_eq!(label(&r, "ok 🙂"), "none_of_them");
    }

    #[test]
    fn near_counts_words_between() {
        let r = one_rule(
            "near = { left = [\"flight\"], right = [\"cancelled\", \"annule\"], within = 2 }",
        );
        assert_eq!(label(&r, "flight was cancelled"), "x");
        assert_eq!(label(&r, "cancelled my flight"), "x");
        assert_eq!(label(&r, "flight to NYC was cancelled"), "none_of_them");
        assert_eq!(label(&r, "vol annulé, flight"), "x");
    }

    #[test]
    fn near_looks_at_every_hit_of_its_phrases() {
        let r = one_rule(
            "near = { left = [\"flight\"], right = [\"cancelled\", \"delayed\"], within = 1 }",
        );
        // The pair that qualifies may use any hit of a phrase, the first
        // one or a later one, on either side.
        assert_eq!(label(&r, "flight a b c flight cancelled"), "x");
        assert_eq!(label(&r, "flight cancelled a b c flight"), "x");
        assert_eq!(label(&r, "cancelled flight a b c cancelled"), "x");
        assert_eq!(label(&r, "delayed a b flight cancelled x y delayed"), "x");
        assert_eq!(
            label(&r, "flight a cancelled b flight c delayed"),
            "none_of_them"
        );
    }

    /// Word positions are found again for every post that needs them: a
    /// post without a `near` candidate in between does not leave the next
    /// one reading stale positions.
    #[test]
    fn near_reads_the_positions_of_its_own_post() {
        let r = one_rule("near = { left = [\"flight\"], right = [\"cancelled\"], within = 1 }");
        let (mut scratch, mut verdict) = (Scratch::default(), Verdict::default());
        let posts = [
            ("supercalifragilisticexpialidocious flight cancelled", true),
            ("nothing to see here", false),
            ("flight a b cancelled", false),
            ("a b c d e f g flight cancelled", true),
            ("flight a cancelled", false),
        ];
        for (text, fires) in posts {
            r.classify_into(text, &mut scratch, &mut verdict);
            assert_eq!(!verdict.fired.is_empty(), fires, "{text:?}");
        }
    }

    /// Buffers reused from post to post give what fresh ones give: no score,
    /// label, stamp or regex result leaks into the next post.
    #[test]
    fn reused_buffers_give_the_same_verdicts() {
        let r = crate::engine::default_rulebook();
        let posts = [
            "@United worst service ever, 3 hours on hold!!",
            "Thanks @Delta, the crew was amazing",
            "",
            "Which is better, @Fnac or @Darty? #help",
            "just landed https://t.co/x",
            "WHY IS MY BAG LOST AGAIN???",
            "Thanks @Delta, the crew was amazing",
        ];
        let (mut scratch, mut verdict) = (Scratch::default(), Verdict::default());
        let mut labelled = 0;
        for text in posts.iter().chain(posts.iter().rev()) {
            r.classify_into(text, &mut scratch, &mut verdict);
            assert_eq!(verdict, r.classify(text), "{text:?}");
            labelled += !verdict.fired.is_empty() as usize;
        }
        assert!(labelled >= 8, "only {labelled} posts fired a rule");
    }

    /// One scratch used with two rulebooks in turn, with as many regexes
    /// each, gives what fresh buffers give.
    #[test]
    fn a_scratch_follows_the_rulebook_it_is_used_with() {
        let a = one_rule("regex = ['\\bfoo\\w*\\b']");
        let b = one_rule("regex = ['(bar|baz)+\\d']");
        let (mut scratch, mut verdict) = (Scratch::default(), Verdict::default());
        for _ in 0..3 {
            for (book, text, fired) in [
                (&a, "foobar here", true),
                (&b, "a bazbar9 b", true),
                (&a, "a bazbar9 b", false),
                (&b, "foobar here", false),
            ] {
                book.classify_into(text, &mut scratch, &mut verdict);
                assert_eq!(!verdict.fired.is_empty(), fired, "{text:?}");
                assert_eq!(verdict, book.classify(text));
            }
        }
    }

    #[test]
    fn caps_and_punctuation_signals_read_raw_text() {
        let r = one_rule("caps_ratio = 0.8");
        assert_eq!(label(&r, "@United THIS IS UNACCEPTABLE"), "x");
        assert_eq!(label(&r, "This is fine, thanks @UNITED"), "none_of_them");
        assert_eq!(label(&r, "OK NO"), "none_of_them"); // too few letters
        let r = one_rule("exclaim = 3");
        assert_eq!(label(&r, "What!!!"), "x");
        assert_eq!(label(&r, "What!! no!"), "none_of_them");
        let r = one_rule("question = 2");
        assert_eq!(label(&r, "Why ??"), "x");
        assert_eq!(label(&r, "Why?"), "none_of_them");
    }

    #[test]
    fn matchers_of_a_rule_must_all_hold() {
        let r = one_rule("any = [\"again\"]\nexclaim = 2");
        assert_eq!(label(&r, "down again!!"), "x");
        assert_eq!(label(&r, "down again"), "none_of_them");
        // Phrase lists of several kinds: the shortest makes the rule a
        // candidate, and every other one is still checked.
        let r = one_rule(
            "any = [\"down\", \"out\"]\nhashtags = [\"fail\"]\nemoji = [\"😡\", \"🤬\", \"👎\"]\nmentions = [\"acme\", \"acme_help\"]",
        );
        assert_eq!(label(&r, "@acme down #fail 👎"), "x");
        assert_eq!(label(&r, "@acme down #fine 👎"), "none_of_them");
        assert_eq!(label(&r, "@acme up #fail 👎"), "none_of_them");
        assert_eq!(label(&r, "@acme down #fail 😊"), "none_of_them");
        assert_eq!(label(&r, "@other down #fail 👎"), "none_of_them");
    }

    const TWO_LABELS: &str = r#"
[[set.label]]
id = "a"
[[set.label.rule]]
id = "a1"
weight = 1
any = ["alpha", "both"]
[[set.label]]
id = "b"
[[set.label.rule]]
id = "b1"
weight = 1
any = ["beta", "both"]
[[set.label.rule]]
id = "b2"
weight = 0.5
any = ["extra"]
"#;

    #[test]
    fn scores_add_up_and_highest_wins() {
        let r = book(TWO_LABELS);
        let v = r.classify("alpha beta extra");
        assert_eq!(v.sets[0].scores, vec![1.0, 1.5]);
        assert_eq!(r.label_of(&v, 0), "b");
        assert_eq!(v.fired, vec![0, 1, 2]);
        assert!(v.sets[0].tied.is_empty());
    }

    #[test]
    fn ties_go_to_file_order_unless_tie_break_says_otherwise() {
        let r = book(TWO_LABELS);
        let v = r.classify("both");
        assert_eq!(r.label_of(&v, 0), "a");
        assert_eq!(v.sets[0].tied, vec![0, 1]);
        let r = book(&format!("tie_break = [\"b\"]\n{TWO_LABELS}"));
        assert_eq!(label(&r, "both"), "b");
    }

    #[test]
    fn below_threshold_gives_the_fallback() {
        let r = book(&TWO_LABELS.replace("id = \"b\"", "id = \"b\"\nthreshold = 1.5"));
        let v = r.classify("beta");
        assert_eq!(r.label_of(&v, 0), "none_of_them");
        assert!(v.sets[0].fallback);
        assert_eq!(label(&r, "beta extra"), "b");
    }

    #[test]
    fn many_sets_take_every_label_at_threshold() {
        let r = book(&format!(
            "{TWO_LABELS}\n[[set]]\nid = \"traits\"\nmode = \"many\"\n[[set.label]]\nid = \"t1\"\n[[set.label.rule]]\nid = \"t1r\"\nany = [\"alpha\"]\n[[set.label]]\nid = \"t2\"\n[[set.label.rule]]\nid = \"t2r\"\nany = [\"beta\"]\n"
        ));
        let v = r.classify("beta and alpha");
        assert_eq!(v.sets[1].labels, vec![0, 1]);
        let v = r.classify("nothing");
        assert!(v.sets[1].labels.is_empty());
        assert!(!v.sets[1].fallback);
    }

    #[test]
    fn negative_weights_lower_a_score() {
        let r = book(
            "[[set.label]]\nid = \"fan\"\n[[set.label.rule]]\nid = \"love\"\nany = [\"love\"]\n[[set.label.rule]]\nid = \"but\"\nweight = -1\nany = [\"but\"]\n",
        );
        assert_eq!(label(&r, "love it"), "fan");
        assert_eq!(label(&r, "love it but heavy"), "none_of_them");
    }
}

/// The literal prefilter, the tries where literals start and the gates
/// only spare work: on any post, every regex of the default rulebook gets
/// the answer it gets when run alone over the whole post.
#[cfg(test)]
mod regex_prefilter_tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    struct Fixture {
        book: Rulebook,
        plain: Vec<regex::Regex>,
        /// Pieces posts are made of: the regexes' literals, words of the
        /// rulebook's examples, and separators.
        pieces: Vec<String>,
    }

    fn fixture() -> &'static Fixture {
        static F: OnceLock<Fixture> = OnceLock::new();
        F.get_or_init(|| {
            let book = crate::engine::default_rulebook();
            let m = &book.matcher;
            let plain = (0..m.regexes.len())
                .map(|i| regex::Regex::new(m.regexes.source(i)).unwrap())
                .collect();
            let mut pieces: Vec<String> = m
                .regex_prefilter
                .as_ref()
                .unwrap()
                .literals
                .iter()
                .filter_map(|l| String::from_utf8(l.clone()).ok())
                .collect();
            pieces.extend(
                book.sets
                    .iter()
                    .flat_map(|s| &s.labels)
                    .flat_map(|l| &l.examples)
                    .flat_map(|e| e.split_whitespace())
                    .map(str::to_string),
            );
            for sep in [
                " ", " ", " ", ", ", "! ", "? ", "'", "\n", "-", "12", "é", "😡 ", ".", "_", "٣",
                "\u{301}",
            ] {
                pieces.push(sep.to_string());
            }
            pieces.sort();
            pieces.dedup();
            Fixture {
                book,
                plain,
                pieces,
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn every_regex_answers_as_if_run_alone(picks in prop::collection::vec(any::<prop::sample::Index>(), 1..24)) {
            let f = fixture();
            let text: String = picks.iter().map(|i| i.get(&f.pieces).as_str()).collect();
            let (book, m) = (&f.book, &f.book.matcher);
            let mut s = Scratch::default();
            book.normalizer.normalize_into(&text, &mut s.normalized);
            s.next_post(m.patterns.len(), book.rules.len());
            s.regexes.next_post(m, s.post);
            book.find_phrases(&mut s);
            let normalized = s.normalized.clone();
            for (i, plain) in f.plain.iter().enumerate() {
                prop_assert_eq!(
                    s.regexes.is_match(m, i as u32, &normalized),
                    plain.is_match(&normalized),
                    "{} on {:?}", m.regexes.source(i), normalized
                );
            }
        }
    }
}
