#!/usr/bin/env python3
"""Writes a copy of a rulebook whose every regex is replaced by a literal no
post holds (`qqzx<n>qq`), so that no regex is ever built or run while every
rule, phrase and weight stays: timing the copy against the rulebook shows
what its regexes cost on real posts (bench/RESULTS.md, round 13).

    bench/dead_regexes.py rules/default.toml /tmp/dead.toml

Reads the `regex = [...]` arrays as the rulebooks of this project write them
(one key per line, the array on one line or over several, each regex a
TOML literal or basic string); prints how many regexes it replaced.
"""

import re
import sys

STRING = re.compile(r"""'[^'\n]*'|"(?:[^"\\\n]|\\.)*\"""")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    n = 0

    def dead(_match):
        nonlocal n
        n += 1
        return f"'qqzx{n}qq'"

    lines, inside = [], False
    for line in open(src, encoding="utf-8"):
        if not inside and re.match(r"\s*regex\s*=\s*\[", line):
            head, _, rest = line.partition("[")
            line = head + "[" + STRING.sub(dead, rest)
            inside = "]" not in STRING.sub("", rest)
        elif inside:
            inside = "]" not in STRING.sub("", line)
            line = STRING.sub(dead, line)
        lines.append(line)
    with open(out, "w", encoding="utf-8") as f:
        f.writelines(lines)
    print(f"{n} regexes replaced", file=sys.stderr)


if __name__ == "__main__":
    main()
