#!/usr/bin/env python3
"""Check `kubeward lint --fix` over a corpus, on a copy (the corpus is never touched).

    scripts/fix-corpus.py KUBEWARD DIR [--unsafe] [--keep]

1. The copy is linted (JSON, with the fixes built: `--sarif-file /dev/null`), then fixed with
   `--fix` (and `--unsafe-fixes` with --unsafe).
2. Every YAML file that parsed before still parses (PyYAML, an independent parser), and each of
   its documents decodes to the original plus exactly the changes of the fixes that were made:
   the intended changes are read from the JSON report, a change counts as made when the fixed
   document holds its value, and applying exactly the made changes to the original must give
   the fixed document (compared as decoded trees, not text).
3. The fixed findings are gone and no finding is new: the findings after, as (rule, path,
   message), are a sub-multiset of those before, and no finding whose fix was made remains.
4. A second `--diff` is empty: fixing again changes nothing.
5. `kubectl kustomize` still builds every kustomization that built before.

Prints the numbers; exits 1 on any violation.
"""

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

try:
    Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    Loader = yaml.SafeLoader

YAML_EXT = (".yaml", ".yml")


def lint_json(kw, root):
    p = subprocess.run(
        [kw, "lint", root, "--format", "json", "--sarif-file", os.devnull, "--no-progress",
         "--fail-on", "never"],
        capture_output=True, text=True, check=False)
    if p.returncode not in (0, 1):
        sys.exit(f"kubeward failed: {p.stderr}")
    return json.loads(p.stdout)


def decode(path):
    try:
        with open(path, "rb") as f:
            return list(yaml.load_all(f.read().decode("utf-8"), Loader=Loader))
    except Exception:  # noqa: BLE001 -- any failure means "does not parse"
        return None


TOKEN = re.compile(r'\.?([A-Za-z0-9_-]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def parse_route(route):
    out, pos = [], 0
    while pos < len(route):
        m = TOKEN.match(route, pos)
        if not m:
            raise ValueError(f"bad route {route!r}")
        if m.group(1) is not None:
            out.append(m.group(1))
        elif m.group(2) is not None:
            out.append(int(m.group(2)))
        else:
            out.append(json.loads('"' + m.group(3) + '"'))
        pos = m.end()
    return out


def get(doc, route):
    node = doc
    for seg in route:
        if isinstance(seg, int):
            if not isinstance(node, list) or seg >= len(node):
                return None, False
        elif not isinstance(node, dict) or seg not in node:
            return None, False
        node = node[seg]
    return node, True


def holds(doc, change):
    value, found = get(doc, change["route"])
    if not found:
        return False
    if change["op"] == "set":
        return value == change["value"] and type(value) is type(change["value"])
    return isinstance(value, list) and change["value"] in value


def apply(doc, change):
    route = change["route"]
    if not route:
        return change["value"]
    node = doc
    for seg in route[:-1]:
        if isinstance(seg, int):
            node = node[seg]
        else:
            if node.get(seg) is None:
                node[seg] = {}
            node = node[seg]
    last = route[-1]
    if change["op"] == "set":
        node[last] = change["value"]
    else:
        if node.get(last) is None:
            node[last] = []
        if change["value"] not in node[last]:
            node[last].append(change["value"])
    return doc


def key(f):
    """A finding as told apart across a fix (its route may move when a fix adds the mapping it
    was anchored beside)."""
    return (f["rule"], f["path"], f["message"])


def kustomizations(root):
    for d, _, files in os.walk(root):
        if any(f in files for f in ("kustomization.yaml", "kustomization.yml", "Kustomization")):
            yield os.path.relpath(d, root)


def builds(d):
    p = subprocess.run(["kubectl", "kustomize", d], capture_output=True, text=True, check=False)
    return p.returncode == 0


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    unsafe = "--unsafe" in sys.argv
    keep = "--keep" in sys.argv
    kw, src = os.path.abspath(args[0]), args[1]
    tmp = tempfile.mkdtemp(prefix="kubeward-fix-")
    root = os.path.join(tmp, "corpus")
    shutil.copytree(src, root, symlinks=True)
    os.chdir(tmp)
    problems = []
    before = lint_json(kw, "corpus")
    files = sorted(
        os.path.join(d, f) for d, _, fs in os.walk("corpus") for f in fs if f.endswith(YAML_EXT))
    decoded = {p: decode(p) for p in files}
    kust = [d for d in kustomizations("corpus")] if shutil.which("kubectl") else []
    built = {d for d in kust if builds(os.path.join("corpus", d))}

    wanted = collections.defaultdict(list)  # (path, doc) -> [(finding, change)]
    kinds = collections.Counter()
    not_here = 0
    for f in before["findings"]:
        fix = f.get("fix")
        if not fix or f.get("suppressed"):
            continue
        if not fix["editable"]:
            not_here += 1
            continue
        if fix["kind"] == "unsafe" and not unsafe:
            continue
        kinds[(f["rule"], fix["kind"])] += 1
        for c in fix["changes"]:
            wanted[(fix.get("path", f["path"]), fix["document"])].append(
                (f, {"op": c["op"], "route": parse_route(c["route"]), "value": c["value"]}))

    cmd = [kw, "lint", "corpus", "--fix", "--no-progress", "--format", "json", "--fail-on", "never"]
    if unsafe:
        cmd.append("--unsafe-fixes")
    fixed_run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    note = [l for l in fixed_run.stderr.splitlines() if l.startswith("fixed ")]
    after = json.loads(fixed_run.stdout)

    changed_files = changed_docs = made = refused = 0
    parse_lost = 0
    made_keys = collections.Counter()
    made_fps = set()
    for p in files:
        old, new = decoded[p], decode(p)
        if old is None:
            continue
        if new is None:
            parse_lost += 1
            problems.append(f"{p}: no longer parses")
            continue
        if len(old) != len(new):
            problems.append(f"{p}: {len(old)} documents before, {len(new)} after")
            continue
        if old != new:
            changed_files += 1
        for i, (o, n) in enumerate(zip(old, new)):
            # A finding's fix was made when every change of it holds in the fixed document.
            by_finding = collections.OrderedDict()
            for f, c in wanted.get((p, i), []):
                by_finding.setdefault(id(f), (f, []))[1].append(c)
            exp = json.loads(json.dumps(o, default=str))
            for f, changes in by_finding.values():
                if all(holds(n, c) for c in changes):
                    made += 1
                    made_keys[key(f)] += 1
                    made_fps.add(f["fingerprint"])
                    for c in changes:
                        if not holds(exp, c):
                            exp = apply(exp, c)
                else:
                    refused += 1
            if json.loads(json.dumps(n, default=str)) != exp:
                problems.append(f"{p} document {i}: decodes to more than the original plus the fixes")
            elif o != n:
                changed_docs += 1

    # Fixed findings gone, none new: what remains is what was there less what was fixed.
    left = collections.Counter(key(f) for f in before["findings"])
    left.subtract(made_keys)
    kept_fps = {f["fingerprint"] for f in before["findings"]} - made_fps
    reworded = 0
    for f in after["findings"]:
        if left[key(f)] > 0:
            left[key(f)] -= 1
        elif f["fingerprint"] in kept_fps:
            # The same finding (rule, file, object, route), its message changed by a fix.
            reworded += 1
        else:
            problems.append(f"{f['path']}: {f['rule']} is new or was fixed: {f['message']}")

    # A second run makes no change.
    cmd = [kw, "lint", "corpus", "--diff", "--no-progress", "-q"]
    if unsafe:
        cmd.append("--unsafe-fixes")
    second = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if second.stdout or second.returncode != 0:
        problems.append(f"a second --fix would change {second.stdout.count('+++ ')} files")

    broken = [d for d in sorted(built) if not builds(os.path.join("corpus", d))]
    problems.extend(f"{d}: kubectl kustomize no longer builds" for d in broken)

    print(f"corpus {src} ({'safe and unsafe' if unsafe else 'safe'} fixes)")
    print(f"  yaml files {len(files)}, parsed before {sum(1 for v in decoded.values() if v is not None)}, "
          f"still parse {len(files) - parse_lost - sum(1 for v in decoded.values() if v is None)}")
    print(f"  findings before {len(before['findings'])}, after {len(after['findings'])}; "
          f"with a fix not made here (rendered output) {not_here}")
    print(f"  fixes wanted {sum(kinds.values())}: " + ", ".join(
        f"{r} ({k}) {n}" for (r, k), n in sorted(kinds.items())))
    print(f"  changes made {made}, refused {refused}; files changed {changed_files}, "
          f"documents changed {changed_docs}; {note[0] if note else ''}")
    print(f"  kustomizations {len(kust)}, built before {len(built)}, broken after {len(broken)}")
    print(f"  findings whose message a fix changed: {reworded}")
    print(f"  second run: {'no change' if not second.stdout else 'CHANGES'}")
    for p in problems[:40]:
        print("  PROBLEM", p)
    if keep:
        print(f"  kept {tmp}")
    else:
        shutil.rmtree(tmp)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
