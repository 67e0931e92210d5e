#!/usr/bin/env python3
"""Batch issuance benchmark: N awards (1k, 10k, 100k by default) issued by the CLI from a
JSON-lines file, and by the service in one `POST /api/v1/credentials/batch` request;
prints wall time, credentials per second and peak memory (RSS; for the API, the server's).

    cargo build --release
    python3 benches/batch.py                 # CLI and API, 1000 10000 100000
    python3 benches/batch.py 1000 --format jwt --mode cli
    python3 benches/batch.py --quick         # 1000 only (CI)

Records cycle through tests/fixtures/valid.json with a distinct learner for every
award (name, e-mail, learner id), as a cohort export from a student system would be.

    python3 benches/batch.py --fixtures 1000 --format jwt   # per shared fixture, one core

`--fixtures` issues N copies (distinct learners) of every shared valid fixture
(/work/shared/fixtures/microcredentials-valid.json, or --fixtures-file) with the CLI pinned
to one core (`taskset -c 0`), best of --repeat runs, and prints the rate per fixture, the
worst, the median and the best.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def records(n, base=None):
    if base is None:
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


def run_fixture(record, n, fmt, binary, key, workdir, repeat):
    """Best of `repeat` runs of the CLI on one core, N copies of one record:
    (wall seconds, CPU seconds (user + system) of that run)."""
    src = os.path.join(workdir, "awards.jsonl")
    with open(src, "w") as f:
        for r in records(n, [record]):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    out = os.path.join(workdir, "credentials.out")
    cmd = ["taskset", "-c", "0", binary, "issue", src, "--key", key, "--format", fmt,
           "--today", "2025-09-01", "--out", out]
    best = None
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if p.returncode != 0:
            sys.exit(f"microcred issue failed ({p.returncode}) on {record['record_id']}:\n{p.stderr[-2000:]}")
        with open(out) as f:
            issued = sum(1 for _ in f)
        if issued != n:
            sys.exit(f"expected {n} credentials, got {issued}")
        best = (wall, cpu) if best is None or wall < best[0] else best
    return best


def fixtures(a):
    with open(a.fixtures_file) as f:
        base = json.load(f)
    n = a.counts[0] if a.counts else (200 if a.quick else 1000)
    key = os.path.join(ROOT, "keys-example/demo-issuer.jwk")
    formats = ["ldp", "jwt"] if a.format_given is None else [a.format_given]
    print(f"CLI on one core (taskset -c 0), {n} copies of each fixture, best of {a.repeat} by wall time;")
    print("µs per credential, wall and CPU (user + system: what one quiet core would take)")
    rates = {f: [] for f in formats}
    print(f"{'fixture':<12}" + "".join(f" {f + ' wall':>9} {f + ' cpu':>8} {f + ' /s':>8}" for f in formats))
    for rec in base:
        row = f"{rec['record_id']:<12}"
        for fmt in formats:
            with tempfile.TemporaryDirectory() as d:
                wall, cpu = run_fixture(rec, n, fmt, a.binary, key, d, a.repeat)
            rates[fmt].append((n / wall, n / cpu, rec["record_id"]))
            row += f" {wall / n * 1e6:>9.1f} {cpu / n * 1e6:>8.1f} {n / wall:>8.0f}"
        print(row, flush=True)
    for fmt in formats:
        for what, i in (("wall", 0), ("cpu", 1)):
            r = sorted(rates[fmt], key=lambda x: x[i])
            median = (r[(len(r) - 1) // 2][i] + r[len(r) // 2][i]) / 2
            print(f"{fmt} ({what}): worst {r[0][i]:.0f}/s ({r[0][2]}), median {median:.0f}/s, "
                  f"best {r[-1][i]:.0f}/s ({r[-1][2]}); best/worst {r[-1][i] / r[0][i]:.2f}×")


def run_api(n, fmt, binary, workdir, database_url):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from load import Server, request  # noqa: E402
    srv = Server(binary, workdir, database_url)
    try:
        token = srv.cli("apikeys", "create", "--institution", "demo", "--label", "batch").strip().split()[-1]
        with open(os.path.join(ROOT, "tests/fixtures/valid.json")) as f:
            record = json.load(f)[0]
        _, ach = request("POST", srv.base + "/api/v1/achievements", {"microcredential": record["microcredential"]}, token)
        awards = []
        for i in range(n):
            award = json.loads(json.dumps(record["award"]))
            award["learner"].update({"family_name": f"Nummer {i}", "email": f"learner.{i}@student.example.org",
                                     "learner_id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, str(i))}"})
            awards.append(award)
        body = json.dumps({"achievement_id": ach["id"], "awards": awards, "format": fmt}).encode()
        del awards
        start = time.perf_counter()
        status, out = request("POST", srv.base + "/api/v1/credentials/batch", body, token, timeout=900)
        wall = time.perf_counter() - start
        if status != 201 or out["count"] != n:
            sys.exit(f"batch failed: {status} {str(out)[:500]}")
        with open(f"/proc/{srv.proc.pid}/status") as f:
            rss_kb = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1))
        return wall, rss_kb / 1024, len(body) / 1e6
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("counts", nargs="*", type=int)
    ap.add_argument("--format", dest="format_given", choices=["ldp", "jwt"])
    ap.add_argument("--fixtures", action="store_true", help="per shared fixture, CLI on one core")
    ap.add_argument("--fixtures-file", default="/work/shared/fixtures/microcredentials-valid.json")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--mode", choices=["cli", "api", "both"], default="both")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/microcred"))
    a = ap.parse_args()
    a.format = a.format_given or "ldp"
    if a.fixtures:
        if not os.path.exists(a.binary):
            sys.exit(f"{a.binary} is missing: run `cargo build --release` first")
        if not os.path.exists(a.fixtures_file):
            print(f"SKIP: {a.fixtures_file} is absent")
            return
        fixtures(a)
        return
    counts = a.counts or ([1000] if a.quick else [1000, 10000, 100000])
    if not os.path.exists(a.binary):
        sys.exit(f"{a.binary} is missing: run `cargo build --release` first")
    key = os.path.join(ROOT, "keys-example/demo-issuer.jwk")
    modes = ["cli", "api"] if a.mode == "both" else [a.mode]
    print(f"Batch issuance ({a.format}), {os.cpu_count()} cores; API: one request, SQLite, server RSS")
    print(f"{'mode':<4} {'awards':>8} {'input MB':>9} {'seconds':>8} {'per s':>8} {'us/award':>9} {'peak RSS MB':>12}")
    for mode in modes:
        for n in counts:
            with tempfile.TemporaryDirectory() as d:
                if mode == "cli":
                    wall, rss, size = run(n, a.format, a.binary, key, d)
                else:
                    wall, rss, size = run_api(n, a.format, a.binary, d, f"sqlite://{d}/batch.db")
            print(f"{mode:<4} {n:>8} {size:>9.1f} {wall:>8.2f} {n / wall:>8.0f} {wall / n * 1e6:>9.0f} {rss:>12.1f}")


if __name__ == "__main__":
    main()
