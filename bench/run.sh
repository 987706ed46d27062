#!/usr/bin/env bash
# The speed and memory benchmark: installs what it needs, builds postclass in
# release mode, writes the corpus once, then times postclass against cat,
# ripgrep and the Python baseline (bench/measure.py). See bench/README.md.
#
#   bench/run.sh                       # the embedded default rulebook
#   bench/run.sh --rules other.toml    # another base rulebook
#   bench/run.sh --smoke               # every step on a few thousand posts
set -euo pipefail
cd "$(dirname "$0")/.."

# --smoke runs every step on a few thousand posts, one run each, in
# bench/data/smoke: it checks that the benchmark runs to its report, not how
# fast postclass is (CI runs it). Other arguments go to bench/measure.py.
data=bench/data
rows=(1000000 100000 4000000)
args=()
for a in "$@"; do
    if [ "$a" = --smoke ]; then
        data=bench/data/smoke
        rows=(3000 1000 4000)
        args+=(--runs 1 --rounds 1 --smoke)
    else
        args+=("$a")
    fi
done

missing=()
command -v rg >/dev/null || missing+=(ripgrep)
command -v hyperfine >/dev/null || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
if ((${#missing[@]})); then
    echo "installing ${missing[*]}..." >&2
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cargo build --release --locked --bin postclass --example phrases

mkdir -p "$data"
# The corpus is written once, and again when its generator changes. Each
# file holds the first posts of the next larger one (the same seed).
if [ ! -f "$data/posts-1m.jsonl" ] || [ bench/gen_corpus.py -nt "$data/posts-1m.jsonl" ]; then
    echo "writing the ${rows[0]}-post corpus..." >&2
    python3 bench/gen_corpus.py --rows "${rows[0]}" --out "$data/posts-1m"
fi
if [ ! -f "$data/posts-100k.csv" ] || [ bench/gen_corpus.py -nt "$data/posts-100k.csv" ]; then
    python3 bench/gen_corpus.py --rows "${rows[1]}" --out "$data/posts-100k" --no-jsonl
fi
if [ ! -f "$data/posts-4m.csv" ] || [ bench/gen_corpus.py -nt "$data/posts-4m.csv" ]; then
    echo "writing the ${rows[2]}-post corpus..." >&2
    python3 bench/gen_corpus.py --rows "${rows[2]}" --out "$data/posts-4m" --no-jsonl
fi

base=rules/default.toml
for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[$i]}" = --rules ] && base=${args[$((i + 1))]}
done
python3 bench/gen_rules.py "$base" -o "$data/rules-10x.toml"
python3 bench/gen_rules.py "$base" --absent -o "$data/rules-10x-absent.toml"

python3 bench/measure.py --data "$data" --rows "$(IFS=,; echo "${rows[*]}")" "${args[@]}"
