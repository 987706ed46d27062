#!/usr/bin/env python3
"""The classify job written the ordinary way in Python, as a speed baseline.

Reads the same TOML rulebook as postclass and applies the same semantics:
the same normalisation of posts and phrases, one alternation regex per label
over its phrases (labels whose regex finds nothing skip their phrase rules),
word boundaries (and one per rule over its `any` list), every matcher kind (any, all, none, regex, hashtags,
mentions, emoji, near, min_mentions, min_hashtags, caps_ratio, exclaim,
question), the same scores and decision, and the same CSV output: the input
row unchanged plus the label columns. Its output is compared byte for byte
with postclass's by bench/run.sh.

    python3 bench/baseline.py --rules rules/default.toml posts.csv -o out.csv
"""

import argparse
import bisect
import csv
import math
import re
import sys
import tomllib
import unicodedata
from decimal import Decimal

SCORE_EPSILON = 1e-9

# Unicode White_Space, plus the zero-width space, as postclass collapses them.
WS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u200b"
WS_RUN = re.compile(f"[{WS}]+")
PUNCT = str.maketrans({
    **{c: "'" for c in "\u2018\u2019\u201a\u201b\u02bc\u2032\u00b4\uff07"},
    **{c: '"' for c in "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\uff02"},
    **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"},
    "\uff01": "!", "\uff1f": "?",
})
LIGATURES = [("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss"), ("ẞ", "SS"),
             ("ø", "o"), ("Ø", "O"), ("ł", "l"), ("Ł", "L"), ("đ", "d"), ("Đ", "D"),
             ("ı", "i"), ("ﬁ", "fi"), ("ﬂ", "fl")]
LIGATURES_LOWER = str.maketrans({c: e.lower() for c, e in LIGATURES})
LIGATURES_CASED = str.maketrans(dict(LIGATURES))
SELECTORS = str.maketrans({"\ufe0f": None, "\ufe0e": None})
CASE_EXTRA = str.maketrans({"ß": "ss", "ẞ": "ss", "ς": "σ"})
MARKS = str.maketrans({chr(c): None for c in range(0x300, 0x110000)
                       if unicodedata.category(chr(c)).startswith("M")})


class Normalizer:
    def __init__(self, opts):
        self.case = opts.get("case_fold", True)
        self.accent = opts.get("accent_fold", True)
        self.punct = opts.get("unify_punctuation", True)
        self.space = opts.get("collapse_whitespace", True)

    def __call__(self, text):
        if self.punct:
            text = text.translate(PUNCT)
        text = text.translate(SELECTORS)
        if self.accent:
            text = text.translate(LIGATURES_LOWER if self.case else LIGATURES_CASED)
            if not text.isascii():
                text = unicodedata.normalize("NFD", text).translate(MARKS)
        if self.case:
            text = text.lower()
            if not text.isascii():
                text = text.translate(CASE_EXTRA)
        if self.space:
            text = WS_RUN.sub(" ", text).strip(" ")
        return text


def is_word(c):
    return c.isalnum() or c == "_"


class Pattern:
    """A phrase as matched: normalised text and its boundary checks."""

    def __init__(self, norm, raw, kind):
        raw = raw.strip()
        if kind == "word":
            prefix = raw.endswith("*")
            text = norm(raw[:-1] if prefix else raw)
            left = bool(text) and is_word(text[0])
            right = not prefix and bool(text) and is_word(text[-1])
        elif kind in ("hashtag", "mention"):
            sigil = "#" if kind == "hashtag" else "@"
            text = sigil + norm(raw.lstrip(sigil))
            # The sigil must start a token: `a@delta.com` does not cite @delta.
            left, right = True, True
        else:
            text, left, right = norm(raw), False, False
        self.text, self.left, self.right = text, left, right
        self.source = ("(?<!\\w)" if left else "") + re.escape(text) + ("(?!\\w)" if right else "")
        self.regex = re.compile(self.source)
        self.overlapping = re.compile("(?=" + self.source + ")")


def alternation_of(patterns):
    """One regex matching wherever any of `patterns` matches: phrases grouped
    by the boundaries they need, so each group checks them once."""
    groups = {}
    for p in patterns:
        groups.setdefault((p.left, p.right), set()).add(re.escape(p.text))
    parts = []
    for (left, right), texts in sorted(groups.items()):
        body = "|".join(sorted(texts, key=lambda t: (-len(t), t)))
        parts.append(("(?<!\\w)" if left else "") + f"(?:{body})" + ("(?!\\w)" if right else ""))
    return re.compile("|".join(parts)) if parts else None


class Rule:
    def __init__(self, rid, weight, set_index, label_index):
        self.id, self.weight, self.set, self.label = rid, weight, set_index, label_index
        self.any, self.all, self.none = [], [], []
        self.hashtags, self.mentions, self.emoji = [], [], []
        self.regex = []
        self.near = None
        self.min_mentions = self.min_hashtags = None
        self.caps = None
        self.exclaim = self.question = None

    def compile_lists(self):
        """One alternation regex per list that needs any one of its phrases."""
        self.any_re = alternation_of(set(self.any)) if self.any else None
        self.tag_res = [alternation_of(set(lst)) for lst in (self.hashtags, self.mentions, self.emoji) if lst]

    def positive(self):
        """Phrases of which at least one must be present for the rule to fire."""
        if self.any or self.all or self.hashtags or self.mentions or self.emoji:
            return self.any + self.all + self.hashtags + self.mentions + self.emoji
        if self.near:
            return self.near[0]
        return None


class Book:
    def __init__(self, path):
        with open(path, "rb") as f:
            data = tomllib.load(f)
        self.norm = Normalizer(data.get("normalize", {}))
        self.patterns = {}
        self.sets, self.rules = [], []
        # Per label: (alternation regex or None, phrase rules, always-checked rules).
        self.label_plans = []
        for si, s in enumerate(data["set"]):
            labels = []
            for li, label in enumerate(s.get("label", [])):
                rules = []
                for r in label.get("rule", []):
                    rule = Rule(r["id"], float(r.get("weight", 1.0)), si, li)
                    rule.any = self.pats(r.get("any", []), "word")
                    rule.all = self.pats(r.get("all", []), "word")
                    rule.none = self.pats(r.get("none", []), "word")
                    rule.hashtags = self.pats(r.get("hashtags", []), "hashtag")
                    rule.mentions = self.pats(r.get("mentions", []), "mention")
                    rule.emoji = self.pats(r.get("emoji", []), "symbol")
                    rule.regex = [re.compile(x) for x in r.get("regex", [])]
                    if "near" in r:
                        n = r["near"]
                        rule.near = (self.pats(n["left"], "word"), self.pats(n["right"], "word"), n["within"])
                    rule.min_mentions = r.get("min_mentions")
                    rule.min_hashtags = r.get("min_hashtags")
                    if "caps_ratio" in r:
                        rule.caps = (float(r["caps_ratio"]), r.get("min_letters", 8))
                    rule.exclaim = r.get("exclaim")
                    rule.question = r.get("question")
                    rule.compile_lists()
                    rule.index = len(self.rules)
                    self.rules.append(rule)
                    rules.append(rule)
                labels.append({
                    "id": label["id"],
                    "priority": label.get("priority"),
                    "priority_name": label.get("priority_name"),
                    "action": label.get("action"),
                    "threshold": float(label.get("threshold", s.get("threshold", 1.0))),
                    "rules": rules,
                })
                phrase_rules = [r for r in rules if r.positive() is not None]
                other_rules = [r for r in rules if r.positive() is None]
                alternation = alternation_of({p for r in phrase_rules for p in r.positive()})
                self.label_plans.append((alternation, phrase_rules, other_rules))
            tie_rank = [i + len(labels) for i in range(len(labels))]
            for rank, lid in enumerate(s.get("tie_break", [])):
                for i, lab in enumerate(labels):
                    if lab["id"] == lid:
                        tie_rank[i] = min(tie_rank[i], rank)
            fallback = s.get("fallback")
            self.sets.append({
                "id": s["id"], "mode": s["mode"], "labels": labels, "tie_rank": tie_rank,
                "fallback": fallback,
                "fallback_label": next((i for i, lab in enumerate(labels) if lab["id"] == fallback), None),
            })
        self.primary = next((i for i, s in enumerate(self.sets) if s["mode"] == "one"), None)
        self.needs_words = any(r.near for r in self.rules)

    def pats(self, raws, kind):
        out = []
        for raw in raws:
            key = (raw.strip(), kind)
            if key not in self.patterns:
                self.patterns[key] = Pattern(self.norm, raw, kind)
            out.append(self.patterns[key])
        return out

    def classify(self, raw):
        text = self.norm(raw)
        present = {}

        def has(p):
            v = present.get(p)
            if v is None:
                # A plain substring test first: most phrases are absent.
                v = present[p] = p.text in text and p.regex.search(text) is not None
            return v

        post = Post(raw, text)
        fired = []
        for alternation, phrase_rules, other_rules in self.label_plans:
            if alternation is not None and alternation.search(text):
                fired.extend(r for r in phrase_rules if fires(r, has, post))
            fired.extend(r for r in other_rules if fires(r, has, post))
        fired.sort(key=lambda r: r.index)
        return fired, self.decide(fired)

    def decide(self, fired):
        scores = [[0.0] * len(s["labels"]) for s in self.sets]
        fired_labels = set()
        for r in fired:
            scores[r.set][r.label] += r.weight
            fired_labels.add((r.set, r.label))
        out = []
        for si, s in enumerate(self.sets):
            sc = scores[si]

            def qualifies(li):
                return sc[li] + SCORE_EPSILON >= s["labels"][li]["threshold"] and (si, li) in fired_labels

            if s["mode"] == "many":
                out.append([li for li in range(len(sc)) if qualifies(li)])
                continue
            best = None
            for li in range(len(sc)):
                if not qualifies(li):
                    continue
                if best is None:
                    best = li
                elif sc[li] > sc[best] + SCORE_EPSILON:
                    best = li
                elif abs(sc[li] - sc[best]) <= SCORE_EPSILON and s["tie_rank"][li] < s["tie_rank"][best]:
                    best = li
            out.append([] if best is None else [best])
        return scores, out


class Post:
    """Signals computed from the raw and normalised text, on demand."""

    SIGIL = {"@": re.compile(r"(?<!\w)@(\w+)"), "#": re.compile(r"(?<!\w)#(\w+)")}

    def __init__(self, raw, text):
        self.raw, self.text = raw, text
        self._words = None

    def mentions(self):
        return len({m.encode().lower() for m in self.SIGIL["@"].findall(self.raw)})

    def hashtags(self):
        return len(self.SIGIL["#"].findall(self.raw))

    def caps(self):
        letters = upper = 0
        for tok in self.raw.split():
            if tok.startswith(("@", "#", "http", "www.")):
                continue
            for c in tok:
                if c.isalpha():
                    letters += 1
                    if c.isupper():
                        upper += 1
        return letters, upper

    def run(self, chars):
        best = cur = 0
        for c in self.raw:
            if c in chars:
                cur += 1
                best = max(best, cur)
            elif not c.isspace():
                cur = 0
        return best

    def word_starts(self):
        if self._words is None:
            self._words, prev = [], False
            for i, c in enumerate(self.text):
                w = is_word(c)
                if w and not prev:
                    self._words.append(i)
                prev = w
        return self._words

    def spans(self, pats):
        starts = self.word_starts()

        def word_at(i):
            return max(bisect.bisect_right(starts, i) - 1, 0)

        out = []
        for p in pats:
            for m in p.overlapping.finditer(self.text):
                s = m.start()
                e = s + len(p.text)
                out.append((word_at(s), word_at(max(e - 1, s))))
        return out


def fires(r, has, post):
    if r.any_re is not None and not r.any_re.search(post.text):
        return False
    if not all(has(p) for p in r.all):
        return False
    if any(has(p) for p in r.none):
        return False
    for alternation in r.tag_res:
        if not alternation.search(post.text):
            return False
    if r.regex and not any(x.search(post.text) for x in r.regex):
        return False
    if r.min_mentions is not None and post.mentions() < r.min_mentions:
        return False
    if r.min_hashtags is not None and post.hashtags() < r.min_hashtags:
        return False
    if r.caps is not None:
        letters, upper = post.caps()
        if letters < r.caps[1] or upper < r.caps[0] * letters:
            return False
    if r.exclaim is not None and post.run("!！") < r.exclaim:
        return False
    if r.question is not None and post.run("?？") < r.question:
        return False
    if r.near is not None:
        left, right, within = r.near
        if not any(has(p) for p in left) or not any(has(p) for p in right):
            return False
        ls, rs = post.spans(left), post.spans(right)
        if not any(max(r0 - l1, l0 - r1, 0) <= within for l0, l1 in ls for r0, r1 in rs):
            return False
    return True


def format_score(x):
    rounded = math.copysign(math.floor(abs(x) * 1e6 + 0.5), x) / 1e6
    if rounded == math.trunc(rounded) and abs(rounded) < 1e15:
        return str(int(rounded))
    s = repr(rounded)
    return format(Decimal(s), "f") if "e" in s else s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("--rules", required=True)
    ap.add_argument("--text", default="text", help="the text column (default: text)")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()

    book = Book(args.rules)
    with open(args.input, encoding="utf-8", newline="") as fin, \
            open(args.output, "w", encoding="utf-8", newline="") as fout:
        reader = csv.reader(fin)
        writer = csv.writer(fout, lineterminator="\n")
        header = next(reader)
        col = header.index(args.text)
        added = []
        for s in book.sets:
            added += [s["id"], s["id"] + "_score"] if s["mode"] == "one" else [s["id"]]
        writer.writerow(header + added + ["priority", "action", "matched_rules"])
        for row in reader:
            fired, (scores, given) = book.classify(row[col])
            cells = []
            for si, s in enumerate(book.sets):
                labels = s["labels"]
                if s["mode"] == "one":
                    if given[si]:
                        cells += [labels[given[si][0]]["id"], format_score(scores[si][given[si][0]])]
                    else:
                        cells += [s["fallback"] or "", "0"]
                else:
                    cells.append(";".join(labels[li]["id"] for li in given[si]))
            prio = action = ""
            if book.primary is not None:
                s = book.sets[book.primary]
                li = given[book.primary][0] if given[book.primary] else s["fallback_label"]
                if li is not None:
                    lab = s["labels"][li]
                    if lab["priority_name"] is not None:
                        prio = lab["priority_name"]
                    elif lab["priority"] is not None:
                        prio = str(lab["priority"])
                    action = lab["action"] or ""
            cells += [prio, action, ";".join(r.id for r in fired)]
            writer.writerow(row + cells)
    return 0


if __name__ == "__main__":
    sys.exit(main())
