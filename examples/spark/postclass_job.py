#!/usr/bin/env python3
"""Classify posts with postclass inside Apache Spark.

Every executor runs the unchanged `postclass classify` binary over its
partitions, fed on stdin and read back on stdout, one JSON object per line.
The binary and the rulebook are shipped to the executors like `--files`
(SparkContext.addFile, found again with SparkFiles). The labelled rows are
written as JSONL text; the summary counts of the whole dataset come from a
Spark aggregation over those rows, in the same JSON shape as
`postclass classify --summary`.

Two engines:
  pipe  PySpark, JSONL input: each partition of lines is piped through
        postclass by a Python worker. Rows come out byte for byte as
        `postclass classify` writes them.
  sql   Spark SQL `SELECT TRANSFORM(...) USING 'postclass classify ...'`: the
        executor JVM pipes rows straight to postclass, no Python on the data
        path. Over JSONL the raw lines go through; over a table (parquet, orc,
        json, csv) each row goes as `to_json(struct(*))`.

Local mode:
    spark-submit --master 'local[2]' postclass_job.py \
        --input 'data/*.jsonl' --text text --output out/ --summary summary.json
"""

import argparse
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

TABLE_FORMATS = ["parquet", "orc", "json", "csv"]


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="postclass_job.py",
        description="Classify posts with postclass on Spark executors.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    ap.add_argument("--input", required=True, nargs="+", metavar="PATH",
                    help="input files, directories or globs (anything Spark reads)")
    ap.add_argument("--input-format", default="jsonl", choices=["jsonl"] + TABLE_FORMATS,
                    help="jsonl (default): one JSON object per line; the others are "
                         "tables, read by Spark and sent to postclass as JSON (sql engine)")
    ap.add_argument("--output", required=True, metavar="DIR",
                    help="directory for the labelled rows (JSONL part files); must not exist")
    ap.add_argument("--summary", metavar="FILE",
                    help="write the summary counts of the whole dataset to this local "
                         "file, as JSON")
    ap.add_argument("--engine", default="pipe", choices=["pipe", "sql"],
                    help="pipe (PySpark, default) or sql (SELECT TRANSFORM)")
    ap.add_argument("--text", metavar="FIELD",
                    help="field holding the post text (postclass --text); strongly advised: "
                         "without it each partition detects the field on its own")
    ap.add_argument("--rules", metavar="FILE",
                    help="rulebook to ship to the executors (default: the embedded one)")
    ap.add_argument("--postclass", default="postclass", metavar="PATH",
                    help="postclass binary to ship to the executors (default: `postclass` "
                         "on the driver's PATH)")
    ap.add_argument("--installed", action="store_true",
                    help="--postclass names a binary already installed at that path on "
                         "every executor: run it there, ship nothing")
    ap.add_argument("--partitions", type=int, metavar="N",
                    help="suggested minimum number of input partitions: files are split "
                         "finer, never shuffled (default: Spark's choice)")
    args = ap.parse_args(argv)
    if args.engine == "pipe" and args.input_format != "jsonl":
        ap.error("the pipe engine reads JSONL; use --engine sql for --input-format "
                 + args.input_format)
    if args.partitions is not None and args.partitions < 1:
        ap.error("--partitions must be 1 or more")
    return args


def say(msg):
    print(f"postclass-spark: {msg}", file=sys.stderr, flush=True)


class Shipped:
    """Where a file given on the driver is found on the executors."""

    def __init__(self, sc, path, installed=False):
        self.installed = installed
        if installed:
            self.name = path
            return
        self.name = os.path.basename(path)
        # A file given to spark-submit with --files is already shipped under
        # the same name; registering it twice from another path is an error.
        already = [f for f in sc.getConf().get("spark.files", "").split(",") if f]
        if not any(os.path.basename(f.rstrip("/")) == self.name for f in already):
            sc.addFile(os.path.abspath(path))

    def on_executor(self):
        """Path of the file, called on an executor (Python worker)."""
        if self.installed:
            return self.name
        from pyspark import SparkFiles
        return SparkFiles.get(self.name)

    def for_transform(self, sc):
        """Path of the file as seen by a TRANSFORM script on an executor.

        Executors fetch shipped files into their working directory, where
        TRANSFORM starts its script; in local mode the driver is the executor
        and keeps them in its own files directory."""
        if self.installed:
            return self.name
        from pyspark import SparkFiles
        if sc.master.startswith("local"):
            return SparkFiles.get(self.name)
        return "./" + self.name


def postclass_args(text, rules_path, threads):
    cmd = ["classify", "--input-format", "jsonl", "--quiet", "--threads", str(threads)]
    if text:
        cmd += ["--text", text]
    if rules_path:
        cmd += ["--rules", rules_path]
    return cmd


def pipe_partition(binary, rules, text, threads):
    """A mapPartitionsWithIndex function: lines (bytes) in, labelled lines out."""

    def run(index, lines):
        exe = binary.on_executor()
        cmd = [exe] + postclass_args(text, rules.on_executor() if rules else None, threads)
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=err, bufsize=1 << 20)
            failure = []

            def feed():
                try:
                    for line in lines:
                        proc.stdin.write(line)
                        proc.stdin.write(b"\n")
                except BrokenPipeError:
                    pass  # postclass stopped early; its status says why
                except BaseException as e:  # noqa: BLE001 - reported below
                    failure.append(e)
                finally:
                    try:
                        proc.stdin.close()
                    except BrokenPipeError:
                        pass

            feeder = threading.Thread(target=feed, daemon=True)
            feeder.start()
            read_all = False
            try:
                for out in proc.stdout:
                    yield out.rstrip(b"\n")
                read_all = True
            finally:
                if not read_all:
                    # The consumer stopped early (e.g. take()): end the run.
                    proc.kill()
                    proc.wait()
            feeder.join()
            status = proc.wait()
            if failure:
                raise RuntimeError(f"partition {index}: feeding postclass failed") from failure[0]
            if status != 0:
                err.seek(0)
                msg = err.read().decode("utf-8", "replace").strip()
                raise RuntimeError(
                    f"postclass failed on partition {index} (exit status {status}); "
                    f"line numbers count from the start of the partition: {msg}")

    return run


def rulebook_skeleton(sc, binary, rules, text):
    """The rulebook's empty summary (every set, label and rule at zero), from
    the executors' own binary and rulebook so that names match the rows."""

    def run(_):
        exe = binary.on_executor()
        cmd = [exe] + postclass_args(text, rules.on_executor() if rules else None, 1)
        cmd += ["--summary-only"]
        done = subprocess.run(cmd, input=b"", capture_output=True)
        if done.returncode != 0:
            raise RuntimeError("postclass failed reading the rulebook (exit status "
                               f"{done.returncode}): "
                               + done.stderr.decode("utf-8", "replace").strip())
        return [done.stdout.decode("utf-8")]

    return json.loads(sc.parallelize([0], 1).mapPartitions(run).collect()[0])


def run_pipe(spark, args, binary, rules, threads):
    sc = spark.sparkContext
    paths = ",".join(args.input)
    if args.partitions:
        lines = sc.textFile(paths, minPartitions=args.partitions, use_unicode=False)
    else:
        lines = sc.textFile(paths, use_unicode=False)
    say(f"pipe engine: {lines.getNumPartitions()} partitions")
    labelled = lines.mapPartitionsWithIndex(pipe_partition(binary, rules, args.text, threads))
    labelled.saveAsTextFile(args.output)


def transform_sql(view, column, binary_path, rules_path, text, threads):
    """The SELECT TRANSFORM statement that labels `column` of `view`."""
    command = " ".join(shlex.quote(a) for a in
                       [binary_path] + postclass_args(text, rules_path, threads))
    # When postclass stops on a bad record, read the rest of the partition
    # before exiting with its status: Spark then fails the task with
    # postclass's message, not with a broken pipe. (Spark runs it with bash.)
    command += " || { s=$?; cat >/dev/null; exit $s; }"
    # Rows are framed by newlines (JSON escapes its own); the output field
    # separator is one JSON never holds raw, so a line comes back whole.
    return (f"SELECT TRANSFORM({column}) "
            f"USING '{sql_string(command)}' "
            f"AS (line STRING) "
            f"ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\u0001' "
            f"FROM {view}")


def sql_string(s):
    return s.replace("\\", "\\\\").replace("'", "\\'")


def run_sql(spark, args, binary, rules, threads):
    sc = spark.sparkContext
    if args.partitions:
        # Split the files finer instead of shuffling rows into partitions.
        spark.conf.set("spark.sql.files.minPartitionNum", str(args.partitions))
    if args.input_format == "jsonl":
        posts = spark.read.text(args.input)
        column = "value"
    else:
        reader = spark.read.format(args.input_format)
        if args.input_format == "csv":
            reader = reader.option("header", True).option("multiLine", True)
        posts = reader.load(args.input)
        column = "to_json(struct(*))"
    say(f"sql engine: {posts.rdd.getNumPartitions()} partitions")
    posts.createOrReplaceTempView("postclass_posts")
    query = transform_sql("postclass_posts", column, binary.for_transform(sc),
                          rules.for_transform(sc) if rules else None, args.text, threads)
    say(f"query: {query}")
    spark.sql(query).write.text(args.output)


def label_schema(skeleton):
    """Spark schema of the fields postclass adds, from the rulebook's sets."""
    from pyspark.sql.types import ArrayType, DoubleType, StringType, StructField, StructType
    fields = []
    for s in skeleton["sets"]:
        if s["mode"] == "one":
            fields.append(StructField(s["id"], StringType()))
            fields.append(StructField(s["id"] + "_score", DoubleType()))
        else:
            fields.append(StructField(s["id"], ArrayType(StringType())))
    fields += [StructField("priority", StringType()),
               StructField("action", StringType()),
               StructField("matched_rules", ArrayType(StringType())),
               StructField("lang", StringType()),
               StructField("lang_source", StringType())]
    return StructType(fields)


SEP = "\u001f"


def count_keys(spark, output, skeleton):
    """One pass over the labelled rows: how many rows carry each key.

    Keys: `rows`; `label SEP set SEP id` for every label given (the fallback
    included); `unlabelled SEP set`; `rule SEP id` for every rule that fired.
    A `one` set gave its fallback when its label is the fallback with score 0
    (a label picked by rules scores at least its threshold, which is above 0)."""
    from pyspark.sql import functions as F

    rows = spark.read.text(output).select(
        F.from_json("value", label_schema(skeleton)).alias("r"))
    none = F.array().cast("array<string>")
    keys = [F.array(F.lit("rows"))]
    for s in skeleton["sets"]:
        col = F.col("r").getField(s["id"])
        if s["mode"] == "one":
            keys.append(F.array(F.concat(F.lit(f"label{SEP}{s['id']}{SEP}"), col)))
            if s.get("fallback") is not None:
                score = F.col("r").getField(s["id"] + "_score")
                fell_back = (col == F.lit(s["fallback"])) & (score == 0)
                keys.append(F.when(fell_back, F.array(F.lit(f"unlabelled{SEP}{s['id']}")))
                            .otherwise(none))
        else:
            keys.append(F.transform(col, prefixed(f"label{SEP}{s['id']}{SEP}")))
            keys.append(F.when(F.size(col) == 0, F.array(F.lit(f"unlabelled{SEP}{s['id']}")))
                        .otherwise(none))
    keys.append(F.transform(F.col("r").getField("matched_rules"), prefixed(f"rule{SEP}")))
    if skeleton.get("languages") is not None:
        # Each row's language and where it came from (the export's own
        # `lang`, when it had one, is the language postclass read).
        for field in ("lang", "lang_source"):
            keys.append(F.array(F.concat(F.lit(f"{field}{SEP}"), F.col("r").getField(field))))
    # A row that is not a labelled object yields null keys: counted, then refused.
    exploded = rows.select(F.explode(F.concat(*keys)).alias("key"))
    return {r["key"]: r["count"] for r in exploded.groupBy("key").count().collect()}


def prefixed(prefix):
    from pyspark.sql import functions as F
    return lambda x: F.concat(F.lit(prefix), x)


def round_share(count, total):
    """Rust's `(count / total * 1e4).round() / 1e4` (halves away from zero)."""
    if total == 0:
        return 0.0
    x = count / total * 1e4
    whole = math.floor(x)
    if x - whole >= 0.5:
        whole += 1
    return whole / 1e4


def fill_languages(langs, counts, total):
    """The summary's language counts from the `lang` and `lang_source` keys,
    as postclass counts them: `und` is covered, and a rulebook that lists no
    language covers every one."""
    covered = set(langs["covered"])
    per_lang = {}
    for key in [k for k in counts if k.startswith(f"lang{SEP}")]:
        per_lang[key.split(SEP, 1)[1]] = counts.pop(key)
    langs["from_field"] = counts.pop(f"lang_source{SEP}field", 0)
    langs["detected"] = counts.pop(f"lang_source{SEP}detected", 0)
    entries = []
    for lang, n in per_lang.items():
        is_covered = lang == "und" or not covered or lang in covered
        entries.append({"lang": lang, "count": n, "share": round_share(n, total),
                        "covered": is_covered})
    entries.sort(key=lambda e: (-e["count"], e["lang"]))
    langs["counts"] = entries
    langs["undetermined"] = per_lang.get("und", 0)
    langs["uncovered"] = sum(e["count"] for e in entries if not e["covered"])
    langs["in_covered"] = total - langs["undetermined"] - langs["uncovered"]
    langs["covered_share"] = round_share(langs["in_covered"], total)


def build_summary(skeleton, counts):
    """Fills the rulebook's empty summary with the counted keys."""
    counts = dict(counts)
    if None in counts:
        raise RuntimeError(f"{counts[None]} labelled rows lack a label field: "
                           "are they postclass output for this rulebook?")
    total = counts.pop("rows", 0)
    summary = json.loads(json.dumps(skeleton))
    summary["rows"] = {"read": total, "labelled": total, "rejected": 0}
    for s in summary["sets"]:
        if s["mode"] == "many" or s.get("fallback") is not None:
            s["unlabelled"] = counts.pop(f"unlabelled{SEP}{s['id']}", 0)
        for label in s["labels"]:
            label["count"] = counts.pop(f"label{SEP}{s['id']}{SEP}{label['id']}", 0)
            label["share"] = round_share(label["count"], total)
    for rule in summary["rules"]:
        rule["hits"] = counts.pop(f"rule{SEP}{rule['id']}", 0)
    if summary.get("languages") is not None:
        fill_languages(summary["languages"], counts, total)
    if counts:
        unknown = ", ".join(sorted(k.replace(SEP, " ") for k in counts))
        raise RuntimeError("the labelled rows name labels or rules the rulebook does not "
                           f"have: {unknown}")
    return summary


def executor_error(e):
    """The line of a failed Spark job that says why postclass stopped."""
    text = str(e)
    # The message runs until the Java or Python stack trace that follows it.
    found = re.search(r"(?:RuntimeError|SparkException): "
                      r"((?:postclass failed|Subprocess exited with status).*?)"
                      r"(?:\n\s*\n|\n\s+at |\n\S+Exception|\Z)", text, re.DOTALL)
    if found:
        return found.group(1).strip()
    return text.strip().splitlines()[0] if text.strip() else type(e).__name__


def main(argv):
    args = parse_args(argv)
    from pyspark.sql import SparkSession

    if args.installed:
        binary_path = args.postclass
    else:
        binary_path = args.postclass if os.sep in args.postclass else shutil.which(args.postclass)
        if not binary_path or not os.path.isfile(binary_path):
            say(f"cannot find the postclass binary `{args.postclass}`: pass --postclass PATH")
            return 2
    if args.rules and not os.path.isfile(args.rules):
        say(f"cannot find the rulebook {args.rules}")
        return 2
    if args.summary and not os.path.isdir(os.path.dirname(os.path.abspath(args.summary))):
        say(f"cannot write the summary {args.summary}: its directory does not exist")
        return 2
    if os.path.exists(args.output):
        say(f"the output directory {args.output} already exists; remove it or pick another")
        return 2

    spark = SparkSession.builder.appName("postclass").getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel(os.environ.get("POSTCLASS_SPARK_LOG", "WARN"))
    try:
        binary = Shipped(sc, binary_path, installed=args.installed)
        rules = Shipped(sc, args.rules) if args.rules else None
        threads = int(sc.getConf().get("spark.task.cpus", "1"))
        try:
            skeleton = rulebook_skeleton(sc, binary, rules, args.text)
            say(f"rulebook {skeleton['rulebook']['name']} {skeleton['rulebook']['version']}")
            start = time.monotonic()
            if args.engine == "pipe":
                run_pipe(spark, args, binary, rules, threads)
            else:
                run_sql(spark, args, binary, rules, threads)
        except Exception as e:  # noqa: BLE001 - Spark wraps the executor's error
            say(f"error: {executor_error(e)}")
            say(f"no rows were committed to {args.output}")
            return 2
        classified = time.monotonic()

        try:
            summary = build_summary(skeleton, count_keys(spark, args.output, skeleton))
        except RuntimeError as e:
            say(f"error: the rows are in {args.output}, but counting them failed: {e}")
            return 2
        counted = time.monotonic()
        say(f"{summary['rows']['labelled']} rows labelled into {args.output} in "
            f"{classified - start:.1f} s, counted in {counted - classified:.1f} s")
        if args.summary:
            # Written whole under a temporary name, then moved into place.
            tmp = args.summary + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
            os.replace(tmp, args.summary)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
