#!/usr/bin/env bash
# Checks every relative link in the tracked Markdown files, offline: each
# `[text](path)`, `[text](path#anchor)` and `[label]: path` must name a file
# or directory that exists, and an anchor into a Markdown file must match
# one of its headings (GitHub's slugs). A file named in a code span
# (`ci/loom.sh`, `BENCHMARKS.md`) must exist too, relative to the Markdown
# file or to the root. Links with a scheme (https:, mailto:, ...) are not
# followed. Exits non-zero, listing every dead link.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -z -- '*.md' | python3 -c '
import os, re, sys

files = [f for f in sys.stdin.read().split("\0") if f]

INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
# A file named in code spans, as in `ci/loom.sh` or `BENCHMARKS.md`: one
# with a directory part, or a Markdown file. A bare `cancel.rs` is too
# ambiguous to check.
CODE_PATH = re.compile(r"`([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*\.(?:md|sh|rs|toml|py|txt|json|ya?ml))`")


def prose_lines(path, keep_code=False):
    """(line number, text) of the lines outside fenced code, inline code
    removed unless keep_code."""
    fence = None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = FENCE.match(line)
            if m:
                mark = m.group(1)
                if fence is None:
                    fence = mark
                elif mark[0] == fence[0] and len(mark) >= len(fence):
                    fence = None
                continue
            if fence is None:
                line = line.rstrip("\n")
                yield n, line if keep_code else re.sub(r"(`+).*?\1", "", line)


def slug(text):
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


anchors_cache = {}


def anchors(path):
    if path not in anchors_cache:
        seen, out = {}, set()
        for _, line in prose_lines(path):
            m = HEADING.match(line)
            if m:
                s = slug(m.group(1))
                k = seen.get(s, 0)
                seen[s] = k + 1
                out.add(s if k == 0 else f"{s}-{k}")
        anchors_cache[path] = out
    return anchors_cache[path]


dead = []
checked = 0
for md in files:
    if not os.path.isfile(md):
        continue
    base = os.path.dirname(md)
    for n, line in prose_lines(md):
        targets = [m.group(1) for m in INLINE.finditer(line)]
        m = REFDEF.match(line)
        if m:
            targets.append(m.group(1))
        for target in targets:
            if SCHEME.match(target) or target.startswith("//"):
                continue
            checked += 1
            path, _, anchor = target.partition("#")
            if path:
                full = os.path.normpath(path.lstrip("/") if path.startswith("/") else os.path.join(base, path))
            else:
                full = md
            if not os.path.exists(full):
                dead.append(f"{md}:{n}: {target}: no such file {full}")
            elif anchor and full.endswith(".md") and os.path.isfile(full) and anchor.lower() not in anchors(full):
                dead.append(f"{md}:{n}: {target}: no heading #{anchor} in {full}")

    # Files named in code spans: relative to the Markdown file or to the
    # repository root, as prose uses both.
    for n, line in prose_lines(md, keep_code=True):
        for m in CODE_PATH.finditer(line):
            target = m.group(1)
            if "/" not in target and not target.endswith(".md"):
                continue
            checked += 1
            if not (os.path.exists(os.path.join(base, target)) or os.path.exists(target)):
                dead.append(f"{md}:{n}: `{target}`: no such file (from {base or os.curdir} or the root)")

for d in dead:
    print(d)
print(f"links: {checked} relative links and file names in {len(files)} Markdown files, {len(dead)} dead")
sys.exit(1 if dead else 0)
'
