#!/usr/bin/env python3
"""Bulk verification from the CLI: N credentials (10,000 by default) issued with the demo
key, then verified by one `microcred verify` call (JSON lines, every core), compared with
the old way of one `microcred verify` process per credential (on a sample). Prints wall
time, credentials per second and peak memory (RSS).

    cargo build --release
    python3 benches/verify_bulk.py                # 10000, both formats
    python3 benches/verify_bulk.py 1000 --quick   # CI
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from batch import records  # noqa: E402  (the same cohort of distinct learners)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = os.path.join(ROOT, "keys-example/demo-issuer.jwk")
DID_DOC = os.path.join(ROOT, "keys-example/did.json")


def issue(binary, n, fmt, workdir):
    import json
    src = os.path.join(workdir, f"awards-{n}.jsonl")
    with open(src, "w") as f:
        for r in records(n):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    out = os.path.join(workdir, f"credentials-{n}.{fmt}.jsonl")
    subprocess.run([binary, "issue", src, "--key", KEY, "--format", fmt, "--today", "2025-09-01", "--out", out],
                   check=True, capture_output=True)
    return out


def bulk(binary, path, n):
    cmd = ["/usr/bin/time", "-v", binary, "verify", path, "--did-doc", DID_DOC, "--now", "2025-09-01T00:00:00Z"]
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    lines = p.stdout.splitlines()
    valid = sum(1 for line in lines if line.startswith('{"valid":true'))
    if p.returncode != 0 or len(lines) != n or valid != n:
        sys.exit(f"verify: exit {p.returncode}, {len(lines)} reports, {valid} valid of {n}\n{p.stderr[-2000:]}")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return wall, rss_kb


def one_by_one(binary, path, sample):
    with open(path) as f:
        lines = [next(f) for _ in range(sample)]
    start = time.perf_counter()
    for line in lines:
        p = subprocess.run([binary, "verify", "-", "--did-doc", DID_DOC, "--now", "2025-09-01T00:00:00Z"],
                           input=line, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"verify failed:\n{p.stdout[-2000:]}")
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("count", nargs="?", type=int, default=10000)
    ap.add_argument("--format", choices=["ldp", "jwt", "both"], default="both")
    ap.add_argument("--sample", type=int, default=200, help="credentials verified one process each")
    ap.add_argument("--quick", action="store_true", help="small sample (CI)")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/microcred"))
    a = ap.parse_args()
    if a.quick:
        a.sample = 20
    formats = ["ldp", "jwt"] if a.format == "both" else [a.format]
    print(f"| format | credentials | bulk wall s | bulk credentials/s | peak RSS MB | one process each: credentials/s (n={a.sample}) |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as workdir:
        for fmt in formats:
            path = issue(a.binary, a.count, fmt, workdir)
            wall, rss_kb = bulk(a.binary, path, a.count)
            single = one_by_one(a.binary, path, min(a.sample, a.count))
            print(f"| {fmt} | {a.count:,} | {wall:.2f} | {a.count / wall:,.0f} | {rss_kb / 1024:.0f} | "
                  f"{min(a.sample, a.count) / single:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
