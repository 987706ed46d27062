#!/usr/bin/env bash
# The speed and memory benchmark: installs what it needs, builds postclass in
# release mode, writes the corpus once, then times postclass against cat,
# ripgrep and the Python baseline (bench/measure.py). See bench/README.md.
#
#   bench/run.sh                       # the embedded default rulebook
#   bench/run.sh --rules other.toml    # another base rulebook
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v rg >/dev/null || missing+=(ripgrep)
command -v hyperfine >/dev/null || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
if ((${#missing[@]})); then
    echo "installing ${missing[*]}..." >&2
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cargo build --release --locked --bin postclass --example phrases

data=bench/data
mkdir -p "$data"
# The corpus is written once, and again when its generator changes.
if [ ! -f "$data/posts-1m.jsonl" ] || [ bench/gen_corpus.py -nt "$data/posts-1m.jsonl" ]; then
    echo "writing the 1M-post corpus..." >&2
    python3 bench/gen_corpus.py --rows 1000000 --out "$data/posts-1m"
fi
if [ ! -f "$data/posts-100k.csv" ] || [ bench/gen_corpus.py -nt "$data/posts-100k.csv" ]; then
    python3 bench/gen_corpus.py --rows 100000 --out "$data/posts-100k" --no-jsonl
fi
if [ ! -f "$data/posts-4m.csv" ] || [ bench/gen_corpus.py -nt "$data/posts-4m.csv" ]; then
    echo "writing the 4M-post corpus..." >&2
    python3 bench/gen_corpus.py --rows 4000000 --out "$data/posts-4m" --no-jsonl
fi

base=rules/default.toml
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[$i]}" = --rules ] && base=${args[$((i + 1))]}
done
python3 bench/gen_rules.py "$base" -o "$data/rules-10x.toml"
python3 bench/gen_rules.py "$base" --absent -o "$data/rules-10x-absent.toml"

python3 bench/measure.py "$@"
