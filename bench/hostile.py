#!/usr/bin/env python3
"""Wall time and peak memory of kubeward on the adversarial inputs of issue 20 ("Cost is not
bounded"), for one binary or two side by side.

Usage: bench/hostile.py --new BIN [--base BIN] [--runs 3] [--out DIR] [--only CASE,...]
                        [--timeout 150] [--mem-cap-gb 8] [--format human]

It generates each input once (cached under --out, default /tmp/kubeward-hostile) and runs
`kubeward lint <input> --format FORMAT --color never` on it, output discarded; with two
binaries the runs alternate (base first on even rounds, new first on odd ones), so that a
change in the machine's load falls on both. Each run goes through /usr/bin/time (wall time,
peak RSS, exit code); a run is killed when it passes --timeout seconds ("> N s") or its
resident memory passes --mem-cap-gb ("killed at N GB"), and a binary that was killed on an
input is not run on it again. Prints a markdown table: median wall time (min-max), median peak
RSS, exit codes.

The inputs (each in its own git repository, so that nothing around it is read as context,
except the last, which is about exactly that):
  merge-chain    1.2 MB of mappings each merging the one before (`<<: *a`): n^2/2 entries
  comment-docs   1,000,000 documents holding only a comment (`---` / `# comment`)
  nul-95mb       95 MB of NUL bytes (over the 64 MiB size cap)
  nul-60mb       60 MB of NUL bytes (under the cap: binary, recognised from the first block)
  long-line      a one-line flow document of 120 KB with findings past column 65,535
  over-cap       100 MB of ConfigMaps (over the 64 MiB size cap)
  directives     20,000 `ignore-file[host-pid]` lines over 20,000 privileged Pods (not in the
                 issue: each directive was tried against each of the 200,000 findings)
  tree-100k      one small file given explicitly, outside any git repository, at the top of
                 a tree of 100,000 Deployments, 130 MB (what is read around it as context)
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n"
    "  - name: c\n    image: nginx:1.27\n    securityContext:\n      privileged: true\n"
)


def git_init(d):
    subprocess.run(["git", "init", "-q", d], check=True)


def write(path, text, mode="w"):
    with open(path, mode) as f:
        f.write(text)


def gen_merge_chain(d):
    lines = ["a0: &a0 {k0: v}"]
    size, i = len(lines[0]), 1
    while size < 1_200_000:
        entry = f"a{i}: &a{i}\n  k{i}: v\n  <<: *a{i - 1}"
        lines.append(entry)
        size += len(entry) + 1
        i += 1
    write(os.path.join(d, "merge.yaml"), "\n".join(lines) + "\n")
    return ["merge.yaml"]


def gen_comment_docs(d):
    write(os.path.join(d, "comments.yaml"), "---\n# comment\n" * 1_000_000)
    return ["comments.yaml"]


def gen_nul(size):
    def gen(d):
        with open(os.path.join(d, "zeros.yaml"), "wb") as f:
            f.truncate(size)  # a hole: reads as NUL bytes, takes no disk space
        return ["zeros.yaml"]

    return gen


def gen_long_line(d):
    labels = ", ".join(f"k{i}: v{i}" for i in range(9000))
    doc = (
        "{apiVersion: v1, kind: Pod, metadata: {name: p, labels: {" + labels + "}}, "
        "spec: {containers: [{name: c, image: nginx, securityContext: {privileged: true}}]}}\n"
    )
    write(os.path.join(d, "long.yaml"), doc)
    return ["long.yaml"]


def gen_over_cap(d):
    cm = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\ndata:\n" + "".join(
        f"  key{k}: value-{k}-{{i}}\n" for k in range(20)
    )
    with open(os.path.join(d, "big.yaml"), "w") as f:
        size, i = 0, 0
        while size < 100_000_000:
            s = cm.format(i=i)
            f.write(s)
            size += len(s)
            i += 1
    return ["big.yaml"]


def gen_directives(d):
    pod = (
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        "  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n"
    )
    write(
        os.path.join(d, "wide.yaml"),
        "# kubeward: ignore-file[host-pid] generated\n" * 20_000 + pod * 20_000,
    )
    return ["wide.yaml"]


def gen_tree(d):
    tree = os.path.join(d, "tree")
    os.makedirs(tree, exist_ok=True)
    write(os.path.join(tree, "small.yaml"), POD.format(name="small"))
    # 100,000 Deployments of about 1.3 KB each (130 MB), in 100 directories.
    deploy = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{a}-{b}\n"
        "  namespace: team-{a}\n  labels: {{app: app-{a}-{b}, tier: backend}}\nspec:\n"
        "  replicas: 2\n  selector:\n    matchLabels: {{app: app-{a}-{b}}}\n  template:\n"
        "    metadata:\n      labels: {{app: app-{a}-{b}, tier: backend}}\n    spec:\n"
        "      serviceAccountName: app-{a}\n      containers:\n"
        + "".join(
            f"      - name: c{c}\n        image: registry.example.com/team-{{a}}/app{c}:1.{{b}}\n"
            "        ports: [{{containerPort: 8080}}]\n"
            "        env: [{{name: MODE, value: production}}, {{name: LEVEL, value: info}}]\n"
            "        resources:\n          requests: {{cpu: 100m, memory: 128Mi}}\n"
            "          limits: {{cpu: 500m, memory: 256Mi}}\n"
            "        securityContext: {{runAsNonRoot: true, readOnlyRootFilesystem: true}}\n"
            for c in range(3)
        )
    )
    for a in range(100):
        sub = os.path.join(tree, f"d{a:03}")
        os.makedirs(sub, exist_ok=True)
        for b in range(1000):
            write(os.path.join(sub, f"deploy{b:04}.yaml"), deploy.format(a=a, b=b))
    return ["tree/small.yaml"]


# name -> (generator, in a git repository)
CASES = {
    "merge-chain": (gen_merge_chain, True),
    "comment-docs": (gen_comment_docs, True),
    "nul-95mb": (gen_nul(95_000_000), True),
    "nul-60mb": (gen_nul(60_000_000), True),
    "long-line": (gen_long_line, True),
    "over-cap": (gen_over_cap, True),
    "directives": (gen_directives, True),
    "tree-100k": (gen_tree, False),
}


def prepare(out, name):
    d = os.path.join(out, name)
    stamp = os.path.join(d, ".done")
    gen, git = CASES[name]
    if not os.path.exists(stamp):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        if git:
            git_init(d)
        paths = gen(d)
        write(stamp, "\n".join(paths))
    with open(stamp) as f:
        return d, f.read().split("\n")


def child_of(pid):
    """The child of `pid` (the program /usr/bin/time runs), once it has started."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
        return int(kids[0]) if kids else None
    except (OSError, ValueError):
        pass
    # Without CONFIG_PROC_CHILDREN: look for the process whose parent it is.
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: the command name may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[1] == str(pid):
            return int(entry)
    return None


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_once(binary, args, cwd, timeout, cap_kb):
    """One run under /usr/bin/time: (wall s, peak RSS kB, exit code, why it was killed)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        cmd = ["/usr/bin/time", "-f", "%e %M %x", "-o", tf.name, binary] + args
        p = subprocess.Popen(
            cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        t0 = time.perf_counter()
        killed = None
        while p.poll() is None:
            kid = child_of(p.pid)
            elapsed = time.perf_counter() - t0
            if kid and killed is None:
                rss = rss_kb(kid)
                if rss > cap_kb:
                    killed = f"killed at {rss / 1024 / 1024:.1f} GB"
                elif elapsed > timeout:
                    killed = f"> {timeout:g} s"
                if killed:
                    try:
                        os.kill(kid, 9)
                    except OSError:
                        pass
            time.sleep(0.01)
        wall = time.perf_counter() - t0
        fields = (tf.read().strip().splitlines() or ["0 0 -1"])[-1].split()
    try:
        peak = int(fields[1])
        code = int(fields[2])
    except (IndexError, ValueError):
        peak, code = 0, -1
    return wall, peak, code, killed


def fmt_runs(runs):
    if not runs:
        return "-", "-", "-"
    killed = [r[3] for r in runs if r[3]]
    walls = [r[0] for r in runs]
    peaks = [r[1] for r in runs]
    if killed:
        wall = killed[0]
    else:
        wall = f"{statistics.median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f})"
    peak = f"{statistics.median(peaks) / 1024:.0f} MB"
    codes = ",".join(sorted({"killed" if r[3] else str(r[2]) for r in runs}))
    return wall, peak, codes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--new", required=True, help="the kubeward binary to measure")
    ap.add_argument("--base", help="a second binary, run alternately with --new")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "kubeward-hostile"))
    ap.add_argument("--only", help="comma-separated case names: " + ", ".join(CASES))
    ap.add_argument("--timeout", type=float, default=150.0, help="seconds before a run is killed")
    ap.add_argument("--mem-cap-gb", type=float, default=8.0, help="RSS at which a run is killed")
    ap.add_argument("--format", default="human", help="kubeward's --format (default human)")
    a = ap.parse_args()
    names = a.only.split(",") if a.only else list(CASES)
    for n in names:
        if n not in CASES:
            sys.exit(f"unknown case {n}; cases: {', '.join(CASES)}")
    bins = [("new", os.path.abspath(a.new))]
    if a.base:
        bins.insert(0, ("base", os.path.abspath(a.base)))
    os.makedirs(a.out, exist_ok=True)
    cap_kb = int(a.mem_cap_gb * 1024 * 1024)
    rows = []
    for name in names:
        print(f"preparing {name} ...", file=sys.stderr)
        d, paths = prepare(a.out, name)
        args = ["lint", "--format", a.format, "--color", "never", "--no-progress"] + paths
        results = {label: [] for label, _ in bins}
        for r in range(a.runs):
            order = bins if r % 2 == 0 else list(reversed(bins))
            for label, binary in order:
                if any(x[3] for x in results[label]):
                    continue  # killed once: not again
                res = run_once(binary, args, d, a.timeout, cap_kb)
                print(f"  {name} {label} run {r + 1}: {res[0]:.2f} s, {res[1] / 1024:.0f} MB,"
                      f" exit {res[2]}{', ' + res[3] if res[3] else ''}", file=sys.stderr)
                results[label].append(res)
        for label, _ in bins:
            rows.append((name, label) + fmt_runs(results[label]))
    print(f"\nkubeward lint <input> --format {a.format}; {a.runs} runs each"
          f" (alternating), {os.cpu_count()} CPUs\n")
    print("| input | binary | wall time, median (min-max) | peak RSS, median | exit |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
