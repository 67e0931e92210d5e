#!/usr/bin/env python3
"""HTTP load test of the service with oha (https://github.com/hatoo/oha).

For each store (SQLite file, PostgreSQL database) it starts the release binary on a free
port with a fresh database, registers an achievement, then drives

  POST /api/v1/credentials   (institution API key; durable issuance, both formats signed)
  POST /api/v1/verify        (public; full verification incl. status list)

first flat out (`-c` connections) to find the throughput, then at 80% of that rate and at
80% of the issue's target rate (1,000 issuances/s, 2,000 verifications/s) with `-q` for
the latency percentiles (oha's latency correction on). Every issuance must answer 201 and every credential
the server acknowledged must be in the database afterwards.

    cargo build --release && cargo install oha --locked
    python3 benches/load.py                        # SQLite and PostgreSQL, 15 s per phase
    python3 benches/load.py --store sqlite --seconds 5
    python3 benches/load.py --quick                # CI: 2 s per phase, SQLite only (oha if
                                                   # installed, else a built-in Python client)

PostgreSQL: `--pg-url` (default postgres://postgres@127.0.0.1:5432/postgres); a database
`microcred_bench` is dropped and created there. The load generator runs on the same
machine and takes CPU from the server: figures are a lower bound.
"""
import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, body=None, token=None, ctype="application/json", timeout=30):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read() or b"null")


class Server:
    def __init__(self, binary, workdir, database_url):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            DATABASE_URL=database_url,
            MICROCRED_SERVER__PORT=str(self.port),
            MICROCRED_SERVER__BASE_URL=self.base,
            MICROCRED_KEYS__DIR=os.path.join(workdir, "keys"),
            MICROCRED_KEYS__DEMO_KEY=os.path.join(ROOT, "keys-example/demo-issuer.jwk"),
            MICROCRED_LOG__FILTER="warn",
        )
        self.env.pop("MICROCRED_CONFIG", None)
        self.binary = binary
        self.log = open(os.path.join(workdir, "server.log"), "w")
        self.proc = subprocess.Popen([binary, "serve"], env=self.env, stdout=self.log, stderr=self.log, cwd=workdir)
        for _ in range(300):
            try:
                if request("GET", self.base + "/readyz")[0] == 200:
                    return
            except Exception:
                time.sleep(0.1)
        self.stop()
        sys.exit(f"the server did not become ready; see {self.log.name}")

    def cli(self, *args):
        return subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True, check=True).stdout

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def oha(url, seconds, connections, body, token=None, rate=None):
    cmd = ["oha", "--no-tui", "--output-format", "json", "-z", f"{seconds}s", "-c", str(connections),
           "-m", "POST", "-T", "application/json", "-d", body, "-w"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    if rate:
        cmd += ["-q", str(rate), "--latency-correction"]
    cmd.append(url)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"oha failed: {p.stderr[-2000:]}")
    r = json.loads(p.stdout)
    codes = {int(k): v for k, v in r.get("statusCodeDistribution", {}).items()}
    lat = r["latencyPercentiles"]
    return {
        "rps": sum(codes.values()) / r["summary"]["total"] if codes else 0.0,
        "ok_rps": r["summary"]["requestsPerSec"],
        "codes": codes,
        "errors": r.get("errorDistribution", {}),
        "p50": (lat.get("p50") or 0) * 1000,
        "p99": (lat.get("p99") or 0) * 1000,
        "max": (r["summary"].get("slowest") or 0) * 1000,
    }


def builtin_load(url, seconds, connections, body, token=None, rate=None):
    """A plain-Python stand-in for oha (threads over keep-alive connections), used when oha
    is not installed (CI installs nothing it need not: the flow and the checks are the
    same; its figures are bound by the Python client, far below the server's)."""
    import http.client
    import threading
    from urllib.parse import urlsplit
    u = urlsplit(url)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = body.encode()
    codes, latencies, errors = {}, [], {}
    lock = threading.Lock()
    deadline = time.time() + seconds
    interval = connections / rate if rate else 0.0

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        next_at = time.time()
        while time.time() < deadline:
            if interval:
                next_at += interval
                pause = next_at - time.time()
                if pause > 0:
                    time.sleep(pause)
            started = time.time()
            try:
                conn.request("POST", u.path, body=data, headers=headers)
                r = conn.getresponse()
                r.read()
                code = r.status
            except Exception as e:  # noqa: BLE001 (counted, like oha's error distribution)
                with lock:
                    errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
                continue
            with lock:
                codes[code] = codes.get(code, 0) + 1
                latencies.append((time.time() - started) * 1000)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.time() - began
    latencies.sort()
    pct = (lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0)
    total = sum(codes.values())
    return {"rps": total / took, "ok_rps": total / took, "codes": codes, "errors": errors,
            "p50": pct(0.5), "p99": pct(0.99), "max": latencies[-1] if latencies else 0.0}


def run_store(name, database_url, a, workdir, count_rows):
    srv = Server(a.binary, workdir, database_url)
    try:
        token = srv.cli("apikeys", "create", "--institution", "demo", "--label", "load").strip().split()[-1]
        with open(os.path.join(ROOT, "tests/fixtures/valid.json")) as f:
            record = json.load(f)[0]
        _, ach = request("POST", srv.base + "/api/v1/achievements", {"microcredential": record["microcredential"]}, token)
        issue_body = json.dumps({"achievement_id": ach["id"], "award": record["award"]})
        status, first = request("POST", srv.base + "/api/v1/credentials", issue_body.encode(), token)
        assert status == 201, status
        verify_body = json.dumps(first["credential"])
        _, report = request("POST", srv.base + "/api/v1/verify", verify_body.encode())
        assert report["valid"], report
        rows = []
        for label, url, body, tok, ok, target in [
            ("issue", "/api/v1/credentials", issue_body, token, 201, 1000),
            ("verify", "/api/v1/verify", verify_body, None, 200, 2000),
        ]:
            def phase(rate=None):
                load = oha if shutil.which("oha") else builtin_load
                r = load(srv.base + url, a.seconds, a.connections, body, tok, rate=rate)
                bad = {c: n for c, n in r["codes"].items() if c != ok}
                if bad or r["errors"]:
                    sys.exit(f"{name} {label} at {rate or 'max'}/s: unexpected answers {bad} {r['errors']}; "
                             f"see {srv.log.name}")
                return r
            full = phase()
            rate = max(1, int(full["rps"] * 0.8))
            at_max = phase(rate)
            at_target = phase(int(target * 0.8)) if not a.quick else None
            rows.append((label, full, rate, at_max, at_target, int(target * 0.8)))
        issued = 1
        for label, full, _, at_max, at_target, _ in rows:
            if label == "issue":
                issued += sum(r["codes"].get(201, 0) for r in (full, at_max, at_target) if r)
        stored = count_rows()
        if stored != issued:
            sys.exit(f"{name}: {issued} issuances acknowledged but {stored} credentials stored")
        return rows, stored
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/microcred"))
    a = ap.parse_args()
    if a.quick:
        a.seconds, a.store = 2, "sqlite"
    if not os.path.exists(a.binary):
        sys.exit(f"{a.binary} is missing: run `cargo build --release` first")
    if not shutil.which("oha"):
        if not a.quick:
            sys.exit("oha is missing: cargo install oha --locked (or --quick, with a built-in Python client)")
        print("oha is not installed: the built-in Python client drives the load (figures are client-bound)")
    stores = ["sqlite", "postgres"] if a.store == "both" else [a.store]
    print(f"HTTP load ({os.cpu_count()} cores, {a.connections} connections, {a.seconds} s per phase, "
          f"oha on the same machine)")
    print(f"{'store':<9} {'endpoint':<8} {'max req/s':>10} {'p50 ms':>7} {'p99 ms':>7} | "
          f"{'80% max':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} | "
          f"{'80% target':>10} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for store in stores:
        with tempfile.TemporaryDirectory() as d:
            if store == "sqlite":
                db = os.path.join(d, "bench.db")
                url = f"sqlite://{db}"

                def count():
                    with sqlite3.connect(db) as c:
                        return c.execute("SELECT count(*) FROM credentials").fetchone()[0]
            else:
                admin = a.pg_url
                for sql in ["DROP DATABASE IF EXISTS microcred_bench", "CREATE DATABASE microcred_bench"]:
                    subprocess.run(["psql", admin, "-qc", sql], check=True, capture_output=True)
                url = admin.rsplit("/", 1)[0] + "/microcred_bench"

                def count():
                    out = subprocess.run(["psql", url, "-tAc", "SELECT count(*) FROM credentials"],
                                         check=True, capture_output=True, text=True).stdout
                    return int(out.strip())
            rows, stored = run_store(store, url, a, d, count)
            for label, full, rate, steady, at_target, target_rate in rows:
                line = (f"{store:<9} {label:<8} {full['rps']:>10.0f} {full['p50']:>7.1f} {full['p99']:>7.1f} | "
                        f"{rate:>8} {steady['p50']:>7.1f} {steady['p99']:>7.1f} {steady['max']:>7.1f}")
                if at_target:
                    line += (f" | {target_rate:>10} {at_target['p50']:>7.1f} {at_target['p99']:>7.1f} "
                             f"{at_target['max']:>7.1f}")
                print(line)
            print(f"{store:<9} {stored} credentials stored, each acknowledged with 201")


if __name__ == "__main__":
    main()
