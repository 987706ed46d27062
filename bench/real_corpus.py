#!/usr/bin/env python3
"""Writes a corpus of N real posts (default 100,000) resampled with
replacement from ../shared/data/airline_tweets.csv (English) and
free_fr_tweets.csv (French), as CSV with columns id,text. Seeded: the same
arguments give the same file. Used to measure what a rulebook costs per post
on real posts, which are longer and hit more phrases than the synthetic ones.

    bench/real_corpus.py                          # bench/data/real-100k.csv
    bench/real_corpus.py --posts 10000 --out bench/data/real-10k.csv
"""

import argparse
import csv
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "shared", "data")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--posts", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--data", default=DATA, help="folder of airline_tweets.csv and free_fr_tweets.csv")
    p.add_argument("--out", default=None)
    a = p.parse_args()
    out = a.out or os.path.join(HERE, "data", f"real-{a.posts // 1000}k.csv")
    texts = []
    for name in ("airline_tweets.csv", "free_fr_tweets.csv"):
        with open(os.path.join(a.data, name), encoding="utf-8", newline="") as fh:
            texts.extend(row["text"] for row in csv.DictReader(fh))
    rng = random.Random(a.seed)
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        for i in range(a.posts):
            w.writerow([i, rng.choice(texts)])
    print(f"{out}: {a.posts} posts from {len(texts)} real ones")


if __name__ == "__main__":
    main()
