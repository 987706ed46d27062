#!/usr/bin/env bash
# Renders the HTML report in a real browser (headless Chromium) and checks
# that the counts a reader sees are the counts of the summary of the same
# run. Installs Debian's chromium when it is missing (needs root and apt).
# Leaves screenshots at desktop and phone widths, light and dark, in
# $REPORT_SHOTS (default: a temporary folder) for a person to look at.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium >/dev/null 2>&1; then
    echo "== installing chromium"
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "chromium is missing and cannot be installed here (needs root and apt-get)" >&2
        exit 2
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 is required" >&2; exit 2; }

cargo build --quiet --locked
bin=target/debug/postclass
work=$(mktemp -d)
shots=${REPORT_SHOTS:-$work/shots}
mkdir -p "$shots"
trap 'rm -rf "$work"' EXIT

fixtures=tests/fixtures/weekly
"$bin" classify "$fixtures/posts.csv" --rules "$fixtures/rules.toml" -q \
    --by mentions --by created_at:day \
    --summary "$work/summary.json" --report "$work/report.html" -o /dev/null

browse() {
    # Each run gets its own profile; nothing is fetched from the network.
    timeout 120 chromium --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update --disable-sync \
        --no-first-run --hide-scrollbars --user-data-dir="$(mktemp -d -p "$work")" \
        "$@" 2>/dev/null
}

echo "== rendering the report"
browse --dump-dom "file://$work/report.html" > "$work/dom.html"
for width in 1280 390; do
    browse --window-size="$width,2400" --screenshot="$shots/report-$width-light.png" \
        "file://$work/report.html" >/dev/null
    browse --window-size="$width,2400" --force-dark-mode \
        --blink-settings=preferredColorScheme=0 \
        --screenshot="$shots/report-$width-dark.png" "file://$work/report.html" >/dev/null
done

python3 - "$work/summary.json" "$work/dom.html" "$shots" <<'PY'
import html.parser, json, os, re, struct, sys

summary = json.load(open(sys.argv[1]))
dom = open(sys.argv[2], encoding="utf-8").read()
shots = sys.argv[3]
failures = []

class Texts(html.parser.HTMLParser):
    """The text of elements that carry an id or a data-count/hits/rows."""
    def __init__(self):
        super().__init__()
        self.stack, self.found = [], {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        key = None
        for name in ("id", "data-count", "data-hits", "data-rows"):
            if name in a and a[name] is not None:
                key = (name, a[name])
                break
        self.stack.append(key)
        if key is not None:
            self.found.setdefault(key, "")
    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()
    def handle_data(self, data):
        for key in self.stack:
            if key is not None:
                self.found[key] = self.found.get(key, "") + data

p = Texts()
p.feed(dom)
seen = p.found

def number(key):
    text = seen.get(key)
    if text is None:
        failures.append(f"the rendered page has no element {key}")
        return None
    return int(text.replace(",", "").strip())

def check(key, expected):
    got = number(key)
    if got is not None and got != expected:
        failures.append(f"{key}: the page shows {got}, the summary says {expected}")

rows = summary["rows"]
check(("id", "rows-read"), rows["read"])
check(("id", "rows-labelled"), rows["labelled"])
check(("id", "rows-rejected"), rows["rejected"])
for s in summary["sets"]:
    for label in s["labels"]:
        check(("data-count", f"{s['id']}.{label['id']}"), label["count"])
fired = [r for r in summary["rules"] if r["hits"] > 0]
for r in fired:
    check(("data-hits", r["id"]), r["hits"])
for b in summary["breakdowns"]:
    for g in b["groups"]:
        check(("data-rows", g["key"]), g["rows"])

# Post text is shown, escaped: the fixture's <script> is text, not a tag.
if "<script" in dom.lower():
    failures.append("the rendered page contains a <script> element")
if "&lt;script&gt;alert(1)&lt;/script&gt;" not in dom:
    failures.append("the post holding <script> is not shown as text")
if "<mark>" not in dom:
    failures.append("no matched word is highlighted")
if re.search(r'(src|href)="(https?:)?//', dom):
    failures.append("the page refers to something on the network")

for name in sorted(os.listdir(shots)):
    with open(os.path.join(shots, name), "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        failures.append(f"{name} is not a PNG")
        continue
    w, h = struct.unpack(">II", head[16:24])
    if w == 0 or h == 0:
        failures.append(f"{name} is empty")

checked = 3 + sum(len(s["labels"]) for s in summary["sets"]) + len(fired) \
    + sum(len(b["groups"]) for b in summary["breakdowns"])
if failures:
    print("\n".join(failures), file=sys.stderr)
    print(f"report: {checked - len(failures)} passed, {len(failures)} failed")
    sys.exit(1)
print(f"report: {checked} passed, 0 failed")
PY
echo "screenshots: $shots"
