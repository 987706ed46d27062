#!/usr/bin/env python3
"""Checks that a Spark run of postclass equals a single-process run.

    compare.py rows    SINGLE.jsonl SPARK_OUTPUT_DIR
        the same lines, byte for byte (in any order: Spark writes part files)
    compare.py labels  SINGLE.jsonl SPARK_OUTPUT_DIR SUMMARY.json [--id id]
        for rows re-encoded by Spark (tables): each id has the same text and
        the same added fields
    compare.py summary SINGLE_SUMMARY.json SPARK_SUMMARY.json
        the same counts, label for label and rule for rule

Prints what differs and exits 1 when anything does.
"""

import argparse
import glob
import json
import os
import sys


def part_lines(directory):
    """The lines of a Spark output directory's part files."""
    if not os.path.isfile(os.path.join(directory, "_SUCCESS")):
        sys.exit(f"{directory}: no _SUCCESS marker: the Spark job did not commit its output")
    lines = []
    for path in sorted(glob.glob(os.path.join(directory, "part-*"))):
        with open(path, "rb") as f:
            lines.extend(f.read().splitlines())
    return lines


def file_lines(path):
    with open(path, "rb") as f:
        return f.read().splitlines()


def show(line, width=160):
    text = line.decode("utf-8", "replace")
    return text if len(text) <= width else text[:width] + "…"


def rows(args):
    single = file_lines(args.single)
    spark = part_lines(args.spark)
    problems = []
    if len(single) != len(spark):
        problems.append(f"{len(single)} rows from the single process, {len(spark)} from Spark")
    a, b = sorted(single), sorted(spark)
    if a != b:
        only_single = sorted(set(a) - set(b))
        only_spark = sorted(set(b) - set(a))
        problems.append(f"{len(only_single)} rows only in the single-process output, "
                        f"{len(only_spark)} only in Spark's")
        problems += ["  single: " + show(x) for x in only_single[:3]]
        problems += ["  spark:  " + show(x) for x in only_spark[:3]]
    return problems, f"{len(spark)} rows identical, byte for byte"


def added_fields(summary):
    names = []
    for s in summary["sets"]:
        names.append(s["id"])
        if s["mode"] == "one":
            names.append(s["id"] + "_score")
    return names + ["priority", "action", "matched_rules"]


def by_id(lines, key, where, problems):
    out = {}
    for n, line in enumerate(lines, 1):
        obj = json.loads(line)
        k = obj.get(key)
        if k in out:
            problems.append(f"{where}: id {k!r} appears twice (line {n})")
        out[k] = obj
    return out


def labels(args):
    with open(args.summary, encoding="utf-8") as f:
        fields = added_fields(json.load(f))
    problems = []
    single = by_id(file_lines(args.single), args.id, "single", problems)
    spark = by_id(part_lines(args.spark), args.id, "spark", problems)
    if single.keys() != spark.keys():
        missing = sorted(single.keys() - spark.keys(), key=str)
        extra = sorted(spark.keys() - single.keys(), key=str)
        problems.append(f"ids missing from Spark's output: {len(missing)} {missing[:5]}; "
                        f"only in Spark's: {len(extra)} {extra[:5]}")
    differ = 0
    for k in sorted(single.keys() & spark.keys(), key=str):
        a, b = single[k], spark[k]
        for name in [args.text] + fields:
            if a.get(name) != b.get(name) or name not in b:
                differ += 1
                if differ <= 5:
                    problems.append(f"id {k!r}, field {name}: single {a.get(name)!r}, "
                                    f"spark {b.get(name)!r}")
    if differ:
        problems.append(f"{differ} fields differ in all")
    return problems, f"{len(spark)} rows with the same text and labels ({', '.join(fields)})"


def summary(args):
    with open(args.single, encoding="utf-8") as f:
        a = json.load(f)
    with open(args.spark, encoding="utf-8") as f:
        b = json.load(f)
    problems = []
    if a != b:
        for key in ("rulebook", "rows"):
            if a.get(key) != b.get(key):
                problems.append(f"{key}: single {a.get(key)}, spark {b.get(key)}")
        for sa, sb in zip(a.get("sets", []), b.get("sets", [])):
            if sa != sb:
                problems.append(f"set {sa['id']}: single {sa}, spark {sb}")
        for ra, rb in zip(a.get("rules", []), b.get("rules", [])):
            if ra != rb:
                problems.append(f"rule {ra['id']}: single {ra['hits']} hits, spark {rb['hits']}")
        if len(a.get("sets", [])) != len(b.get("sets", [])) or \
                len(a.get("rules", [])) != len(b.get("rules", [])):
            problems.append("the summaries list different sets or rules")
        if not problems:
            problems.append("the summaries differ")
    labelled = sum(l["count"] for s in a["sets"] for l in s["labels"])
    return problems, (f"summaries equal: {a['rows']['labelled']} rows, {labelled} labels, "
                      f"{sum(r['hits'] for r in a['rules'])} rule hits")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    sub = ap.add_subparsers(dest="check", required=True)
    p = sub.add_parser("rows")
    p.add_argument("single")
    p.add_argument("spark")
    p.set_defaults(run=rows)
    p = sub.add_parser("labels")
    p.add_argument("single")
    p.add_argument("spark")
    p.add_argument("summary", help="a summary of the run, for the names of the added fields")
    p.add_argument("--id", default="id", help="the field that identifies a row (default id)")
    p.add_argument("--text", default="text", help="the text field (default text)")
    p.set_defaults(run=labels)
    p = sub.add_parser("summary")
    p.add_argument("single")
    p.add_argument("spark")
    p.set_defaults(run=summary)
    args = ap.parse_args(argv)
    problems, ok = args.run(args)
    for line in problems:
        print(line)
    if not problems:
        print(ok)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
