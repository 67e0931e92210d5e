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
    cargo bench --no-run --bench fixtures
    python3 benches/batch.py --fixtures 1000 --stage target/release/deps/fixtures-<hash>

`--fixtures` issues N copies (distinct learners) of every shared valid fixture
(/work/shared/fixtures/microcredentials-valid.json, or --fixtures-file) with the CLI pinned
to one core (`taskset -c 0`), --repeat interleaved rounds (every fixture and format once
per round; each keeps its fastest), and prints the rate per fixture, the worst, the median
and the best. With `--stage`, each row also shows the CLI's time over the fixtures
bench's figure ("issue end to end") for that record and format. Each stage measurement
is taken right after the CLI run of the same fixture and format, over as many
credentials as the CLI run (`--stage-batch`, default N): the two sides are timed over
windows of the same length in the same minute, and each keeps its fastest of the same
number of windows. (A core whose speed drifts favours whichever side keeps the
fastest of many short windows.)
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


def expect_lines(path, n):
    """Stops the benchmark unless `path` holds exactly `n` credentials (one per line)."""
    with open(path) as f:
        issued = sum(1 for _ in f)
    if issued != n:
        sys.exit(f"expected {n} credentials, got {issued}")


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
    expect_lines(out, n)
    size_mb = os.path.getsize(src) / 1e6
    os.remove(out)
    os.remove(src)
    return wall, rss_kb / 1024, size_mb


def run_fixture(src, n, fmt, binary, key, workdir):
    """One run of the CLI on one core over `src` (N records): (wall seconds, CPU seconds
    (user + system) of that run)."""
    out = os.path.join(workdir, "credentials.out")
    # A new file each run: replacing the last run's output made the kernel free its pages
    # inside the timed run (the rename over it), ~2.5% of a run; that is not issuance.
    if os.path.exists(out):
        os.remove(out)
    cmd = ["taskset", "-c", "0", binary, "issue", src, "--key", key, "--format", fmt,
           "--today", "2025-09-01", "--out", out]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        sys.exit(f"microcred issue failed ({p.returncode}) on {src}:\n{p.stderr[-2000:]}")
    expect_lines(out, n)
    return wall, cpu


def stage_round(binary, formats, batch, only=None):
    """One round of the fixtures bench (`--stage`), `batch` credentials per fixture and
    format (of fixture `only`, or all): µs per credential by (fixture, format)."""
    env = dict(os.environ, ROUNDS="1", BATCH=str(batch), FORMATS=",".join(formats))
    if only:
        env["ONLY"] = only
    p = subprocess.run(["taskset", "-c", "0", binary, "--bench"], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"{binary} failed:\n{p.stderr[-2000:]}")
    found = {}
    for line in p.stdout.splitlines():
        m = re.match(r"(\S+)\s+([\d.]+)\s+\d+(?:\s+([\d.]+)\s+\d+)?$", line)
        if m and not line.startswith("fixture"):
            for fmt, v in zip(formats, (m.group(2), m.group(3))):
                if v is not None:
                    found[(m.group(1), fmt)] = float(v)
    return found


def fixtures(a):
    """The CLI on every shared fixture, interleaved: each round runs every fixture in every
    format once, and each keeps its fastest round. The speed of a core on a shared or
    virtual machine drifts by tens of percent over minutes; run one after the other, the
    fixtures measured in a slow minute would look slow."""
    with open(a.fixtures_file) as f:
        base = json.load(f)
    n = a.counts[0] if a.counts else (200 if a.quick else 1000)
    key = os.path.join(ROOT, "keys-example/demo-issuer.jwk")
    formats = ["ldp", "jwt"] if a.format_given is None else [a.format_given]
    ids = [rec["record_id"] for rec in base]
    best = {}
    stage = {}
    with tempfile.TemporaryDirectory() as d:
        sources = {}
        for rec in base:
            sources[rec["record_id"]] = os.path.join(d, f"{rec['record_id']}.jsonl")
            with open(sources[rec["record_id"]], "w") as f:
                for r in records(n, [rec]):
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        for _ in range(a.repeat):
            for rid in ids:
                for fmt in formats:
                    wall, cpu = run_fixture(sources[rid], n, fmt, a.binary, key, d)
                    w, c = best.get((rid, fmt), (wall, cpu))
                    best[(rid, fmt)] = (min(w, wall), min(c, cpu))
                    if a.stage:
                        for k, v in stage_round(a.stage, [fmt], a.stage_batch or n, rid).items():
                            stage[k] = min(stage.get(k, v), v)
    print(f"CLI on one core (taskset -c 0), {n} copies of each fixture (a distinct learner each), "
          f"{a.repeat} interleaved rounds, fastest round;")
    print("µs per credential, wall and CPU (user + system), start-up included"
          + (f"; stage: the fixtures bench's issue end to end over {a.stage_batch or n} credentials, "
             "right after each CLI run of the same fixture and format, fastest round" if a.stage else ""))
    head = f"{'fixture':<12}"
    for f in formats:
        head += f" {f + ' wall':>9} {f + ' cpu':>8} {f + ' /s':>8}"
        if a.stage:
            head += f" {f + ' stage':>9} {'cli/stage':>9}"
    print(head)
    for rid in ids:
        row = f"{rid:<12}"
        for fmt in formats:
            wall, cpu = best[(rid, fmt)]
            row += f" {wall / n * 1e6:>9.1f} {cpu / n * 1e6:>8.1f} {n / wall:>8.0f}"
            if a.stage:
                st = stage.get((rid, fmt))
                row += f" {st:>9.1f} {wall / n * 1e6 / st:>9.2f}" if st else f" {'-':>9} {'-':>9}"
        print(row)
    for fmt in formats:
        for what, i in (("wall", 0), ("cpu", 1)):
            r = sorted(((n / best[(rid, fmt)][i], rid) for rid in ids))
            median = (r[(len(r) - 1) // 2][0] + r[len(r) // 2][0]) / 2
            print(f"{fmt} ({what}): worst {r[0][0]:.0f}/s ({r[0][1]}), median {median:.0f}/s, "
                  f"best {r[-1][0]:.0f}/s ({r[-1][1]}); best/worst {r[-1][0] / r[0][0]:.2f}×")
        if a.stage:
            ratios = [best[(rid, fmt)][0] / n * 1e6 / stage[(rid, fmt)] for rid in ids if (rid, fmt) in stage]
            if ratios:
                print(f"{fmt}: CLI wall / stage, worst {max(ratios):.2f}×, median {sorted(ratios)[len(ratios) // 2]:.2f}×")


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
    ap.add_argument("--repeat", type=int, default=5, help="interleaved rounds (--fixtures)")
    ap.add_argument("--stage", help="the fixtures bench binary (target/release/deps/fixtures-*): "
                    "its figure for each fixture and format is taken right after the CLI's, for CLI/stage")
    ap.add_argument("--stage-batch", type=int, help="credentials per stage measurement (default: as many as the CLI run)")
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
