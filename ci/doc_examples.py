#!/usr/bin/env python3
"""Counts the public items of the curio crates whose docs have no Rust example.

Input: the rustdoc JSON files (`cargo rustdoc -- -Z unstable-options
--output-format json`) named on the command line, one per crate.

What counts as a public item: everything reachable from the crate root
through public modules and public re-exports (`pub use`, glob ones
included), namely
  - modules, structs, unions, enums, traits, trait aliases, functions,
    `macro_rules!` macros, procedural macros (attributes, derives,
    function-like), consts, statics and type aliases;
  - the methods, associated functions and associated consts of the
    inherent impls (`impl Type { .. }`) of those structs, unions and
    enums, when they are `pub`;
  - the methods and associated consts declared in those public traits.
Not counted: struct fields, enum variants, associated types, the items of
trait impls (their docs come from the trait), `use` items themselves (the
item they name is counted), items of other crates (a re-export of another
crate's item is counted in that crate, or not at all when the crate is not
one of ours), and anything `#[doc(hidden)]` or under `__private` (rustdoc
drops hidden items from its JSON; the name check is a second guard).

An item has an example when its own docs hold a fenced code block
(``` or ~~~) that rustdoc runs or compiles as Rust: no info string, or an
info string whose words are all among `rust`, `no_run`, `should_panic`,
`edition20xx`, `test_harness`, `standalone_crate`. A block marked
`ignore`, `compile_fail`, `text`, `sh`, `console` or any other language
does not count, nor does an indented block. Every item is counted once,
under the shortest path that reaches it.

Prints every item without an example as `crate  path  (file:line)`, then
the count per crate and in all, and exits 1 when that count is above zero.
"""

import json
import re
import sys
from collections import deque

# The rustdoc JSON format versions this script reads. The walk uses only
# `index`, `root`, and each item's `name`, `span`, `visibility`, `docs`,
# `attrs` and `inner`; a newer rustdoc that keeps those may be added here
# after a check that the counts still match.
KNOWN_FORMATS = {57}

RUST_WORDS = {"rust", "no_run", "should_panic", "test_harness", "standalone_crate"}
FENCE = re.compile(r"^[ \t]{0,3}(```+|~~~+)\s*([^`]*)$")

# Item kinds counted when reached through a module or a re-export.
ITEM_KINDS = {
    "module",
    "struct",
    "union",
    "enum",
    "trait",
    "trait_alias",
    "function",
    "macro",
    "proc_macro",
    "constant",
    "static",
    "type_alias",
}
# Kinds of impl and trait members that are counted.
MEMBER_KINDS = {"function", "assoc_const"}


def is_rust_info(info):
    """Whether a fence's info string marks a block rustdoc tests as Rust."""
    words = [w for w in re.split(r"[\s,]+", info.strip()) if w]
    for w in words:
        if w in RUST_WORDS or re.fullmatch(r"edition\d{4}", w):
            continue
        return False
    return True


def has_example(docs):
    """Whether `docs` holds a fenced block that rustdoc treats as Rust."""
    if not docs:
        return False
    open_fence = None
    for line in docs.splitlines():
        m = FENCE.match(line)
        if open_fence is None:
            if m:
                if is_rust_info(m.group(2)):
                    return True
                open_fence = m.group(1)
        elif m and m.group(1)[0] == open_fence[0] and len(m.group(1)) >= len(open_fence):
            if not m.group(2).strip():
                open_fence = None
    return False


def kind_of(item):
    return next(iter(item["inner"]))


def hidden(item):
    if item.get("name") == "__private":
        return True
    for attr in item.get("attrs") or []:
        text = attr if isinstance(attr, str) else json.dumps(attr)
        if "doc(hidden)" in text.replace(" ", ""):
            return True
    return False


def location(item):
    span = item.get("span")
    if not span:
        return "?"
    return "%s:%d" % (span["filename"], span["begin"][0])


def walk(doc):
    """Yields (path, item) for every counted item of one crate, once each."""
    index = doc["index"]

    def get(item_id):
        return index.get(str(item_id))

    root = get(doc["root"])
    seen = set()
    queue = deque([(root["name"], root)])
    seen.add(root["id"])
    while queue:
        path, item = queue.popleft()
        kind = kind_of(item)
        yield path, item
        inner = item["inner"][kind]
        children = []
        if kind == "module":
            for child_id in inner["items"]:
                child = get(child_id)
                if child is None:
                    continue
                if kind_of(child) == "use":
                    use = child["inner"]["use"]
                    if child["visibility"] != "public" or use["id"] is None:
                        continue
                    target = get(use["id"])
                    if target is None or hidden(child):
                        # Another crate's item: counted in its own crate.
                        continue
                    if use["is_glob"]:
                        if kind_of(target) == "module":
                            for grand_id in target["inner"]["module"]["items"]:
                                grand = get(grand_id)
                                if grand is not None:
                                    children.append((grand.get("name"), grand))
                        continue
                    children.append((use["name"], target))
                else:
                    children.append((child.get("name"), child))
        elif kind in ("struct", "union", "enum"):
            for impl_id in inner.get("impls", []):
                impl = get(impl_id)
                if impl is None:
                    continue
                body = impl["inner"]["impl"]
                if body.get("trait") is not None or body.get("is_synthetic"):
                    continue
                for member_id in body["items"]:
                    member = get(member_id)
                    if member is not None and member["visibility"] == "public":
                        children.append((member.get("name"), member, "member"))
        elif kind == "trait":
            for member_id in inner["items"]:
                member = get(member_id)
                if member is not None:
                    children.append((member.get("name"), member, "member"))

        for entry in children:
            name, child = entry[0], entry[1]
            is_member = len(entry) == 3
            if child is None or child["id"] in seen or hidden(child):
                continue
            ckind = kind_of(child)
            if is_member:
                if ckind not in MEMBER_KINDS:
                    continue
            else:
                if ckind == "use":
                    # A re-export inside a glob-imported module: resolve it.
                    use = child["inner"]["use"]
                    target = get(use["id"]) if use["id"] is not None else None
                    if child["visibility"] != "public" or target is None:
                        continue
                    child, ckind = target, kind_of(target)
                    if child["id"] in seen or hidden(child):
                        continue
                if ckind not in ITEM_KINDS or child["visibility"] != "public":
                    continue
            seen.add(child["id"])
            sep = "::"
            queue.append(("%s%s%s" % (path, sep, name or "?"), child))


def main(argv):
    if len(argv) < 2:
        print("usage: doc_examples.py CRATE.json...", file=sys.stderr)
        return 2
    total = 0
    per_crate = []
    for file in argv[1:]:
        with open(file, encoding="utf-8") as f:
            doc = json.load(f)
        version = doc.get("format_version")
        if version not in KNOWN_FORMATS:
            print(
                "%s: rustdoc JSON format_version %s, this script reads %s"
                % (file, version, sorted(KNOWN_FORMATS)),
                file=sys.stderr,
            )
            return 2
        crate = doc["index"][str(doc["root"])]["name"]
        items = 0
        missing = []
        for path, item in walk(doc):
            items += 1
            if not has_example(item.get("docs")):
                missing.append((path, location(item), kind_of(item), item.get("span")))
        missing.sort(key=lambda m: (m[3]["filename"], m[3]["begin"][0]) if m[3] else ("", 0))
        for path, loc, kind, _ in missing:
            print("%-15s %-60s %-10s (%s)" % (crate, path, kind, loc))
        per_crate.append((crate, items, len(missing)))
        total += len(missing)
    print()
    for crate, items, count in per_crate:
        print("%-15s %4d public items, %4d without an example" % (crate, items, count))
    print("public items without an example: %d" % total)
    return 1 if total > 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
