#!/usr/bin/env python3
"""Batch issuance benchmark: the CLI issues N awards (1k, 10k, 100k by default) from a
JSON-lines file; prints wall time, credentials per second and peak memory (RSS).

    cargo build --release
    python3 benches/batch.py                 # 1000 10000 100000
    python3 benches/batch.py 1000 --format jwt
    python3 benches/batch.py --quick         # 1000 only (CI)

Records cycle through tests/fixtures/valid.json with a distinct learner for every
award (name, e-mail, learner id), as a cohort export from a student system would be.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def records(n):
    with open(os.path.join(ROOT, "tests/fixtures/valid.json")) as f:
        base = json.load(f)
    for i in range(n):
        r = json.loads(json.dumps(base[i % len(base)]))
        learner = r["award"]["learner"]
        learner["given_name"] = "Learner"
        learner["family_name"] = f"Nummer {i}"
        learner["email"] = f"learner.{i}@student.example.org"
        if learner.get("learner_id"):
            learner["learner_id"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, str(i))}"
        yield r


def run(n, fmt, binary, key, workdir):
    src = os.path.join(workdir, f"awards-{n}.jsonl")
    with open(src, "w") as f:
        for r in records(n):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    out = os.path.join(workdir, f"credentials-{n}.{fmt}.jsonl")
    cmd = ["/usr/bin/time", "-v", binary, "issue", src, "--key", key, "--format", fmt,
           "--today", "2025-09-01", "--out", out]
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"microcred issue failed ({p.returncode}):\n{p.stderr[-2000:]}")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    with open(out) as f:
        issued = sum(1 for _ in f)
    if issued != n:
        sys.exit(f"expected {n} credentials, got {issued}")
    size_mb = os.path.getsize(src) / 1e6
    os.remove(out)
    os.remove(src)
    return wall, rss_kb / 1024, size_mb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("counts", nargs="*", type=int)
    ap.add_argument("--format", default="ldp", choices=["ldp", "jwt"])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/microcred"))
    a = ap.parse_args()
    counts = a.counts or ([1000] if a.quick else [1000, 10000, 100000])
    if not os.path.exists(a.binary):
        sys.exit(f"{a.binary} is missing: run `cargo build --release` first")
    key = os.path.join(ROOT, "keys-example/demo-issuer.jwk")
    print(f"CLI batch issuance ({a.format}), {os.cpu_count()} cores")
    print(f"{'awards':>8} {'input MB':>9} {'seconds':>8} {'per s':>8} {'us/award':>9} {'peak RSS MB':>12}")
    with tempfile.TemporaryDirectory() as d:
        for n in counts:
            wall, rss, size = run(n, a.format, a.binary, key, d)
            print(f"{n:>8} {size:>9.1f} {wall:>8.2f} {n / wall:>8.0f} {wall / n * 1e6:>9.0f} {rss:>12.1f}")


if __name__ == "__main__":
    main()
