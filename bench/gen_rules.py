#!/usr/bin/env python3
"""Grows a rulebook with synthetic labels, to measure how cost scales with rules.

Keeps the input rulebook as it is and appends one `many` set, `bench_extraN`,
whose labels carry phrases made from the benchmark corpus vocabulary: a few
whole words, prefixes (`word*`) and word pairs that occur in posts, and a
majority of word pairs that rarely do (as in a real rulebook, where most
phrases are specific), plus a few hashtag, regex and `near` rules. The result has about
`--phrases` patterns in all (default: ten times the input's, and at least
3,000). Deterministic for a given input and seed.

With `--absent`, the same rules are made of invented words and hashtags that
no post of the corpus contains: the rulebook is as large, but adds no match,
which measures what the size of a rulebook costs apart from its matches.

    python3 bench/gen_rules.py rules/default.toml -o bench/data/rules-10x.toml
    python3 bench/gen_rules.py rules/default.toml --absent -o bench/data/rules-10x-absent.toml
"""

import argparse
import os
import random
import re
import sys
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_corpus  # noqa: E402

LISTS = ("any", "all", "none", "hashtags", "mentions", "emoji")


def count_patterns(book):
    n = 0
    for s in book.get("set", []):
        for label in s.get("label", []):
            for rule in label.get("rule", []):
                for key in LISTS + ("regex",):
                    n += len(rule.get(key, []))
                near = rule.get("near")
                if near:
                    n += len(near["left"]) + len(near["right"])
    return n


def vocabulary():
    words, pairs = set(), set()
    for table in (gen_corpus.EN, gen_corpus.FR):
        for frags in table.values():
            for frag in frags:
                toks = re.findall(r"[a-zà-ÿœ']+", frag.lower())
                toks = [t.strip("'") for t in toks if len(t.strip("'")) > 2]
                words.update(toks)
                pairs.update(f"{a} {b}" for a, b in zip(toks, toks[1:]))
    for p in gen_corpus.PRODUCTS_EN + gen_corpus.PRODUCTS_FR:
        words.add(p.lower())
    return sorted(words), sorted(pairs)


def invented(words, rng):
    """As many made-up words as `words`, of the same lengths (3 at least):
    consonant-vowel syllables ending in `q`, none of them equal to a word of
    `words`."""
    taken = set(words)
    out = []
    for w in words:
        while True:
            n = max(len(w), 3)
            made = "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(n // 2 + 1))[: n - 1] + "q"
            if made not in taken:
                taken.add(made)
                out.append(made)
                break
    return out


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_list(items):
    return "[" + ", ".join(toml_str(i) for i in items) + "]"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rulebook", help="the rulebook to grow (TOML)")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--phrases", type=int, help="patterns wanted in all")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--absent", action="store_true",
                    help="invented words and hashtags only: rules that never match the corpus")
    args = ap.parse_args()

    with open(args.rulebook, encoding="utf-8") as f:
        text = f.read()
    book = tomllib.loads(text)
    base = count_patterns(book)
    # A set id and a rule id prefix the input does not use yet.
    taken = {st["id"] for st in book.get("set", [])}
    rule_ids = {r["id"] for st in book.get("set", []) for lab in st.get("label", []) for r in lab.get("rule", [])}
    n = 1
    while f"bench_extra{n}" in taken or any(r.startswith(f"extra{n}_") for r in rule_ids):
        n += 1
    set_id, prefix = f"bench_extra{n}", f"extra{n}"
    want = args.phrases or max(10 * base, 3000)
    rng = random.Random(args.seed)
    words, pairs = vocabulary()
    hashtags = gen_corpus.HASHTAGS
    if args.absent:
        made = dict(zip(words, invented(words, random.Random(args.seed + 1))))
        words = [made[w] for w in words]
        pairs = [" ".join(made.get(t, t) for t in p.split(" ")) for p in pairs]
        hashtags = invented(hashtags, random.Random(args.seed + 2))
    content = [w for w in words if len(w) >= 6 and "'" not in w]
    used = set()

    def fresh(make):
        for _ in range(50):
            p = make()
            if p not in used:
                used.add(p)
                return p
        return None

    def phrase():
        # As in a real rulebook, a few phrases are common words and phrases
        # of the posts; most are specific and occur rarely.
        # Single words are content words (6 letters or more), not the
        # function words every post has.
        r = rng.random()
        if r < 0.04:
            return rng.choice(pairs)
        if r < 0.07:
            return rng.choice(content)
        if r < 0.09:
            w = rng.choice(content)
            return w[:-2] + "*"
        return f"{rng.choice(words)} {rng.choice(words)}"

    out = [text.rstrip("\n"), "", "[[set]]", f'id = "{set_id}"', 'mode = "many"',
           'description = "Synthetic labels added by bench/gen_rules.py"']
    total, li = base, 0
    while total < want:
        li += 1
        out += ["", "[[set.label]]", f'id = "{prefix}_{li:04d}"']
        for ri in range(3):
            kind = rng.random()
            out += ["[[set.label.rule]]", f'id = "{prefix}_{li:04d}_{ri}"', f"weight = {rng.choice([0.5, 1, 1, 2])}"]
            if kind < 0.7:
                items = [p for p in (fresh(phrase) for _ in range(rng.randint(4, 12))) if p]
                out.append(f"any = {toml_list(items)}")
                total += len(items)
                if rng.random() < 0.2:
                    out.append(f"none = {toml_list([rng.choice(words)])}")
                    total += 1
            elif kind < 0.8:
                items = [rng.choice(words), rng.choice(words)]
                out.append(f"all = {toml_list(items)}")
                total += 2
            elif kind < 0.88:
                tags = rng.sample(hashtags, 2)
                out.append(f"hashtags = {toml_list(tags)}")
                total += 2
                if rng.random() < 0.5:
                    out.append("exclaim = 2")
            elif kind < 0.94:
                left, right = rng.choice(words), rng.choice(words)
                out.append(f"near = {{ left = {toml_list([left])}, right = {toml_list([right])}, within = 3 }}")
                total += 2
            else:
                w = re.escape(rng.choice([w for w in words if "'" not in w]))
                out.append(f"regex = ['\\b{w}\\w* (?:encore|again|\\d+)\\b']")
                total += 1
    with open(args.output, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print(f"{args.output}: {total} patterns ({base} in {args.rulebook})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
