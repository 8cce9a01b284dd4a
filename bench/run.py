#!/usr/bin/env python3
"""Whole-process benchmark of kubeward, side by side with reading the same files (and checkov
when it is installed).

Usage: bench/run.py [--sizes 1000,20000,200000] [--runs 5] [--out DIR] [--format sarif]
                    [--checkov-max 20000] [--jobs N]

For each corpus size it generates a corpus with ../shared/bench/gen_corpus.py (cached under
--out), warms the page cache, then runs each command --runs times and reports the median wall
time, MB/s, documents/s and the peak RSS. The timed runs are started directly and timed to the
microsecond: starting /usr/bin/time as well costs 1.5-5 ms here, a tenth of a run on the 1k
corpus. The peak RSS comes from /usr/bin/time -v, in the warm-up and in one more run after the
timed ones (a process spawned from Python would report Python's own RSS as its peak: Linux keeps
the high-water mark across exec). Baselines:
  read   - `cat` of every file (what reading the input alone costs)
  kubeward - `kubeward lint DIR --format sarif --output /dev/null --fail-on never`
  checkov  - `checkov -d DIR --framework kubernetes --quiet --compact -o sarif` (if on PATH; only
             up to --checkov-max documents, it is slow)
Prints a markdown table.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.join(ROOT, "..", "shared", "bench", "gen_corpus.py")


def corpus(out, n):
    d = os.path.join(out, f"corpus-{n}")
    stamp = os.path.join(d, ".done")
    if not os.path.exists(stamp):
        shutil.rmtree(d, ignore_errors=True)
        subprocess.run([sys.executable, GEN, d, str(n)], check=True, stdout=subprocess.DEVNULL)
        open(stamp, "w").close()
    files = []
    for dp, _, fs in os.walk(d):
        files += [os.path.join(dp, f) for f in fs if f.endswith((".yaml", ".yml", ".json"))]
    size = sum(os.path.getsize(f) for f in files)
    return d, files, size


def timed(cmd):
    """Run directly; return (wall seconds, exit code)."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        acts = [(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
        exe = shutil.which(cmd[0]) or cmd[0]
        t0 = time.perf_counter()
        pid = os.posix_spawn(exe, cmd, os.environ, file_actions=acts)
        _, status = os.waitpid(pid, 0)
        dt = time.perf_counter() - t0
    finally:
        os.close(null)
    return dt, os.waitstatus_to_exitcode(status)


def timed_gnu(cmd):
    """Run under /usr/bin/time -v; return (seconds, peak RSS in MB, exit code)."""
    full = ["/usr/bin/time", "-v"] + cmd
    t0 = time.perf_counter()
    p = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    rss = int(m.group(1)) / 1024 if m else float("nan")
    return dt, rss, p.returncode


def bench(name, cmd, runs, docs, size, rows, warm=True):
    if not warm:
        # One run under /usr/bin/time (checkov: its start-up cost is nothing next to its run).
        dt, rss, code = timed_gnu(cmd)
        if code not in (0, 1):
            print(f"warning: {name} exited {code}", file=sys.stderr)
        rows.append((name, docs, size, dt, size / dt / 1e6, docs / dt, rss))
        return dt
    rsss = [timed_gnu(cmd)[1]]  # warm-up
    times = []
    for _ in range(runs):
        dt, code = timed(cmd)
        if code not in (0, 1):
            print(f"warning: {name} exited {code}", file=sys.stderr)
        times.append(dt)
    rsss.append(timed_gnu(cmd)[1])
    med = statistics.median(times)
    rows.append((name, docs, size, med, size / med / 1e6, docs / med, max(rsss)))
    return med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,20000,200000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default="/tmp/kubeward-bench")
    ap.add_argument("--format", default="sarif")
    ap.add_argument("--checkov-max", type=int, default=20000)
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "kubeward"))
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    os.makedirs(args.out, exist_ok=True)
    checkov = shutil.which("checkov")
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        d, files, size = corpus(args.out, n)
        listing = os.path.join(args.out, f"files-{n}.txt")
        with open(listing, "w") as f:
            f.write("\0".join(files))
        read = ["sh", "-c", f"xargs -0 cat < {listing} > /dev/null"]
        bench("read files (cat)", read, args.runs, n, size, rows)
        kw = [args.bin, "lint", d, "--format", args.format, "--output", "/dev/null", "--fail-on", "never", "--quiet"]
        if args.jobs:
            kw += ["-j", str(args.jobs)]
        bench(f"kubeward ({args.format})", kw, args.runs, n, size, rows)
        if checkov and n <= args.checkov_max:
            ck = [checkov, "-d", d, "--framework", "kubernetes", "--quiet", "--compact", "-o", "sarif",
                  "--output-file-path", os.path.join(args.out, f"checkov-{n}")]
            # One run, no warm-up: checkov takes minutes per thousand documents here.
            bench("checkov", ck, 1, n, size, rows, warm=False)
    print("| tool | docs | MB | median s | MB/s | docs/s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, docs, size, med, mbs, dps, rss in rows:
        print(f"| {name} | {docs} | {size/1e6:.1f} | {med:.4f} | {mbs:.1f} | {dps:,.0f} | {rss:.1f} |")
    ratios = {}
    for name, docs, _, med, _, dps, _ in rows:
        ratios.setdefault(docs, {})[name.split(" ")[0]] = dps
    for docs, r in ratios.items():
        if "checkov" in r and "kubeward" in r:
            print(f"\n{docs} docs: kubeward is {r['kubeward'] / r['checkov']:.0f}x checkov's documents/s")


if __name__ == "__main__":
    main()
