#!/usr/bin/env python3
"""Writes the phrase list of the ripgrep scan that postclass is measured
against on real posts: the N phrases of a rulebook (default 176) found most
often in a corpus, one per line, most frequent first (ties in alphabetical
order). The same phrases and corpus give the same list.

The phrases come from `target/release/examples/phrases [RULEBOOK]` (every
phrase of the rulebook, normalised); their frequency from ripgrep itself
(`rg -o -i -w -F`, every match in the first 100,000 lines of the corpus,
case-folded), so the scan is
a plain multi-phrase search for the words that real posts actually contain,
not for the thousands of rare ones.

    bench/rg_phrases.py --phrases bench/data/phrases.txt \
        --corpus bench/data/real-1m.csv -o bench/data/phrases-real.txt
"""

import argparse
import collections
import subprocess


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--phrases", required=True, help="every phrase of the rulebook, one per line")
    p.add_argument("--corpus", required=True, help="the posts to count them in")
    p.add_argument("--top", type=int, default=176, help="how many phrases to keep (default 176)")
    p.add_argument("--sample", type=int, default=100_000,
                   help="count them in the first N lines of the corpus (default 100,000)")
    p.add_argument("-o", "--out", required=True)
    a = p.parse_args()
    with open(a.phrases, encoding="utf-8") as fh:
        phrases = {line.rstrip("\n") for line in fh if line.strip()}
    # ripgrep exits with 1 when nothing matches: an empty count, not a failure.
    with open(a.corpus, "rb") as fh:
        head = b"".join(line for _, line in zip(range(a.sample + 1), fh))
    found = subprocess.run(["rg", "-o", "-i", "-w", "-F", "--no-line-number", "-f", a.phrases],
                           input=head, capture_output=True, check=False).stdout.decode("utf-8", "replace")
    counts = collections.Counter(m.lower() for m in found.splitlines())
    ranked = sorted((p for p in counts if p in phrases), key=lambda p: (-counts[p], p))
    with open(a.out, "w", encoding="utf-8") as fh:
        for phrase in ranked[: a.top]:
            fh.write(phrase + "\n")
    kept = ranked[: a.top]
    print(f"{a.out}: {len(kept)} of {len(phrases)} phrases, "
          f"{sum(counts[p] for p in kept):,} of {sum(counts[p] for p in ranked):,} matches")


if __name__ == "__main__":
    main()
