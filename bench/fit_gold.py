#!/usr/bin/env python3
"""Writes a gold file of N labelled posts (default 3,000) for timing
`postclass fit`, by resampling with replacement the `split=tune` rows of
../shared/data/train_en.csv and dev_fr.csv (the held-out rows are never
read). Seeded: the same arguments give the same file.

    bench/fit_gold.py                      # bench/data/fit-gold-3000.csv
    bench/fit_gold.py --posts 10000 --out bench/data/fit-gold-10000.csv
    target/release/postclass fit --gold bench/data/fit-gold-3000.csv --dry-run
"""

import argparse
import csv
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "shared", "data")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--posts", type=int, default=3000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", default=DATA, help="folder of train_en.csv and dev_fr.csv")
    p.add_argument("--out", default=None)
    a = p.parse_args()
    out = a.out or os.path.join(HERE, "data", f"fit-gold-{a.posts}.csv")
    rows = []
    for name in ("train_en.csv", "dev_fr.csv"):
        with open(os.path.join(a.data, name), newline="", encoding="utf-8") as f:
            rows.extend(r for r in csv.DictReader(f) if r["split"] == "tune")
    rng = random.Random(a.seed)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "customer_type", "traits"])
        for i in range(a.posts):
            r = rng.choice(rows)
            w.writerow([i, r["text"], r["customer_type"], r["traits"]])
    print(f"{out}: {a.posts} posts resampled from {len(rows)} tune rows")


if __name__ == "__main__":
    main()
