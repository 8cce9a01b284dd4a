#!/usr/bin/env python3
"""Import circles between the source files of src/ (ARCHITECTURE.md, "Layers").

Reads every `crate::…`, `super::…` and `self::…` path of each file (in `use` lines and
inline), resolves it to the file that defines the item (following a module's `pub use`
re-exports), and prints each group of files that reach one another (a strongly connected
component of more than one file) with the edges inside it. Test code (`#[cfg(test)]`
modules and files) is left out: it may reach anywhere. A file's own submodules declared
with `mod` are not edges; their re-exports are.

    scripts/import-cycles.py [SRC_DIR]   # exits 1 when there is a circle
"""

import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
SRC = os.path.normpath(SRC)


def module_of(rel):
    """src-relative file -> module path (tuple)."""
    parts = rel[:-3].split("/")
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


files = {}
for root, _, names in os.walk(SRC):
    for n in names:
        if n.endswith(".rs"):
            rel = os.path.relpath(os.path.join(root, n), SRC)
            files[module_of(rel)] = rel
files[()] = "lib.rs"

TEST_MOD = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+(\w+)\s*;")
COMMENT = re.compile(r"//[^\n]*")


def strip(text):
    """The text without comments and without the items marked `#[cfg(test)]`."""
    text = COMMENT.sub("", text)
    out, at = [], 0
    while (i := text.find("#[cfg(test)]", at)) >= 0:
        out.append(text[at:i])
        semi, brace = text.find(";", i), text.find("{", i)
        if brace < 0 or 0 <= semi < brace:
            at = semi + 1 if semi >= 0 else len(text)
            continue
        depth, j = 0, brace
        while j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
            if depth == 0:
                break
        at = j
    out.append(text[at:])
    return "".join(out)


# Files that are test code: declared `#[cfg(test)] mod x;` by their parent.
test_only = set()
for mod, rel in files.items():
    with open(os.path.join(SRC, rel), encoding="utf-8") as f:
        for name in TEST_MOD.findall(f.read()):
            test_only.add(mod + (name,))
test_only = {m for m in files if any(m[: len(t)] == t for t in test_only)}

sources = {}
for mod, rel in files.items():
    with open(os.path.join(SRC, rel), encoding="utf-8") as f:
        sources[mod] = strip(f.read())


def expand_use(body):
    """`a::{b, c::{d, e as f}}` -> ['a::b', 'a::c::d', 'a::c::e']"""
    body = re.sub(r"\s+as\s+", "@", body)
    body = re.sub(r"\s+", "", body)
    out = []

    def go(prefix, s):
        i = s.find("{")
        if i < 0:
            for part in split_top(s):
                out.append(prefix + part)
            return
        head, rest = s[:i], s[i + 1 : s.rfind("}")]
        for part in split_top(rest):
            go(prefix + head, part)

    def split_top(s):
        depth, cur, parts = 0, "", []
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            parts.append(cur)
        return parts

    go("", body)
    return out


USE = re.compile(r"\buse\s+([^;]+);")
REEXPORT = re.compile(r"\bpub(?:\([a-z]+\))?\s+use\s+([^;]+);")
INLINE = re.compile(r"\b(crate|super|self)((?:::\w+)+)")

# name -> file it is re-exported from, per module
reexports = {}
for mod, text in sources.items():
    for body in REEXPORT.findall(text):
        for p in expand_use(body):
            segs = [s for s in p.split("::") if s]
            if not segs:
                continue
            last = segs[-1].split("@")
            segs[-1] = last[0]
            reexports.setdefault(mod, {})[last[-1]] = segs


def absolute(mod, segs):
    if segs[0] == "crate":
        return tuple(segs[1:])
    base = list(mod)
    while segs and segs[0] in ("super", "self"):
        if segs[0] == "super":
            base = base[:-1]
        segs = segs[1:]
    if not segs:
        return tuple(base)
    # `use sub::x` inside a module: its own submodule, or an external crate.
    if tuple(base) + (segs[0],) in files:
        return tuple(base) + tuple(segs)
    return None


def resolve(path, depth=0):
    """Module path of an item -> the file defining it."""
    if path is None or depth > 8:
        return None
    for n in range(len(path), -1, -1):
        mod = path[:n]
        if mod in files:
            rest = path[n:]
            if rest and mod in reexports and rest[0] in reexports[mod]:
                target = absolute(mod, reexports[mod][rest[0]])
                if target is not None and target != mod + rest[:1]:
                    return resolve(target + rest[1:], depth + 1) or mod
            return mod
    return None


edges = {m: set() for m in files if m not in test_only}
why = {}
for mod in edges:
    text = sources[mod]
    paths = []
    for body in USE.findall(text):
        for p in expand_use(body):
            paths.append([s.split("@")[0] for s in p.split("::") if s])
    for kind, rest in INLINE.findall(USE.sub("", text)):
        paths.append([kind] + [s for s in rest.split("::") if s])
    for segs in paths:
        if segs and segs[-1] == "self":
            segs = segs[:-1]
        if not segs or segs[0] not in ("crate", "super", "self"):
            continue
        target = resolve(absolute(mod, segs))
        if target is None or target == mod or target in test_only:
            continue
        # A parent's declaration of its own submodules is not a use of them.
        edges[mod].add(target)
        why.setdefault((mod, target), "::".join(segs))

# Tarjan's strongly connected components.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges[v]:
        if w not in edges:
            continue
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        sccs.append(comp)


for v in sorted(edges):
    if v not in index:
        visit(v)

name = lambda m: files[m]
circles = sorted((sorted(c) for c in sccs if len(c) > 1), key=lambda c: [name(m) for m in c])
for comp in circles:
    members = set(comp)
    print("circle: " + ", ".join(name(m) for m in comp))
    for m in comp:
        for w in sorted(edges[m] & members):
            print(f"  {name(m)} -> {name(w)}  ({why[(m, w)]})")
print(f"{len(circles)} circle(s) among {len(edges)} files")
sys.exit(1 if circles else 0)
