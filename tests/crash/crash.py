#!/usr/bin/env python3
"""Crash test: kill -9 the service at random points while it issues, and check that
nothing acknowledged is lost and nothing half-done is visible.

For each store (SQLite file; PostgreSQL when --pg-url is given) it starts the release
binary, then, `--points` times, alternately

  * sends one batch of `--batch` awards (`POST /api/v1/credentials/batch`, with an
    Idempotency-Key) and kills the process with SIGKILL at a random moment while the
    batch runs, or
  * issues single credentials on 4 connections (`POST /api/v1/credentials`) and kills
    the process at a random moment,

restarts it on the same database, and checks:

  1. every credential whose issuance was acknowledged (201) is there (all in the
     database, visible; a random sample of 40 through the API);
  2. no credential of a batch that did not commit is visible: every batch in the
     database is either committed and complete (`--batch` credentials), or pending and
     none of its credentials answers on the API or the share page; on SQLite no pending
     batch is left after the restart (removed at start-up);
  3. an unacknowledged batch, sent again with its Idempotency-Key (the first `--retries`
     of them), answers 201 (it had not committed) or 200 (it had; same batch), complete;
  4. no two credentials share a status list index.

    cargo build --release
    python3 tests/crash/crash.py                          # SQLite, 20 points
    python3 tests/crash/crash.py --pg-url postgres://postgres@127.0.0.1:5432/postgres

Exit status 1 with the first violation. Standard library only.
"""
import argparse
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, body=None, token=None, headers=None, timeout=120):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw.strip().startswith((b"{", b"[")) else raw)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw


class Server:
    def __init__(self, binary, workdir, database_url):
        self.binary, self.workdir, self.database_url = binary, workdir, database_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            DATABASE_URL=database_url,
            MICROCRED_SERVER__PORT=str(self.port),
            MICROCRED_SERVER__BASE_URL=self.base,
            MICROCRED_KEYS__DIR=os.path.join(workdir, "keys"),
            MICROCRED_KEYS__DEMO_KEY=os.path.join(ROOT, "keys-example/demo-issuer.jwk"),
            MICROCRED_LOG__FILTER="warn,microcred=info",
        )
        self.env.pop("MICROCRED_CONFIG", None)
        self.proc = None
        self.log = open(os.path.join(workdir, "server.log"), "a")

    def start(self):
        self.proc = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=self.log, stderr=self.log,
                                     cwd=self.workdir)
        for _ in range(600):
            try:
                if request("GET", self.base + "/readyz", timeout=2)[0] == 200:
                    return
            except Exception:
                time.sleep(0.05)
        sys.exit(f"the server did not become ready; see {self.log.name}")

    def kill(self):
        self.proc.kill()  # SIGKILL: no shutdown, no flush
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def cli(self, *args):
        return subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True, check=True).stdout


class Db:
    """Read-only look at the store, to find what no client was told of."""

    def __init__(self, url):
        self.url = url

    def query(self, sql):
        if self.url.startswith("sqlite://"):
            con = sqlite3.connect(self.url[len("sqlite://"):])
            try:
                return con.execute(sql).fetchall()
            finally:
                con.close()
        out = subprocess.run(["psql", self.url, "-At", "-F", "\t", "-c", sql], capture_output=True, text=True,
                             check=True).stdout
        rows = []
        for line in out.splitlines():
            rows.append(tuple(None if c == "" else c for c in line.split("\t")))
        return rows


SERVERS = []


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    for srv in SERVERS:
        srv.stop()
    sys.exit(1)


def run_store(name, database_url, a, workdir):
    srv = Server(a.binary, workdir, database_url)
    SERVERS.append(srv)
    db = Db(database_url)
    srv.start()
    token = srv.cli("apikeys", "create", "--institution", "demo", "--label", "crash").strip().split()[-1]
    with open(os.path.join(ROOT, "tests/fixtures/valid.json")) as f:
        record = json.load(f)[0]
    status, ach = request("POST", srv.base + "/api/v1/achievements", {"microcredential": record["microcredential"]},
                          token)
    assert status == 201, (status, ach)
    awards = []
    for i in range(a.batch):
        aw = json.loads(json.dumps(record["award"]))
        aw["learner"]["family_name"] = f"Crash {i}"
        awards.append(aw)
    batch_body = json.dumps({"achievement_id": ach["id"], "awards": awards}).encode()
    single_body = json.dumps({"achievement_id": ach["id"], "award": record["award"]}).encode()

    acknowledged = set()       # public ids the service answered 201/200 for
    batches_sent = {}          # idempotency key -> acknowledged answer or None
    rng = random.Random(a.seed)
    tally = {"batch kills": 0, "single kills": 0, "batches committed before the kill": 0,
             "batches not committed at the kill": 0, "singles acknowledged": 0, "retried batches": 0}
    for point in range(a.points):
        kind = "batch" if point % 2 == 0 else "single"
        results = []
        if kind == "batch":
            key = f"crash-{name}-{point}"
            batches_sent[key] = None

            def send():
                try:
                    results.append(request("POST", srv.base + "/api/v1/credentials/batch", batch_body, token,
                                           {"Idempotency-Key": key}))
                except Exception as e:  # the connection dies with the process
                    results.append((None, str(e)))
            t = threading.Thread(target=send)
            t.start()
            time.sleep(rng.uniform(0.05, a.batch_seconds))
            srv.kill()
            t.join()
            tally["batch kills"] += 1
            if results and results[0][0] == 201:
                batches_sent[key] = results[0][1]
                acknowledged.update(c["public_id"] for c in results[0][1]["credentials"])
        else:
            stop = threading.Event()

            def issue():
                while not stop.is_set():
                    try:
                        st, body = request("POST", srv.base + "/api/v1/credentials", single_body, token, timeout=10)
                    except Exception:
                        return
                    if st == 201:
                        results.append(body["public_id"])
            threads = [threading.Thread(target=issue) for _ in range(4)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.05, 1.0))
            srv.kill()
            stop.set()
            for t in threads:
                t.join()
            tally["single kills"] += 1
            tally["singles acknowledged"] += len(results)
            acknowledged.update(results)

        srv.start()
        check(name, srv, db, token, acknowledged, batches_sent, batch_body, tally, a.retries)
    srv.stop()
    return tally, len(acknowledged)


def check(name, srv, db, token, acknowledged, batches_sent, batch_body, tally, retries):
    # 1. Every acknowledged credential is there: all of them in the database (stored and
    #    visible), and a random sample of them through the API.
    visible = {r[0] for r in db.query(
        "SELECT public_id FROM credentials c WHERE c.batch_id IS NULL OR EXISTS "
        "(SELECT 1 FROM batches b WHERE b.id = c.batch_id AND b.state = 'committed')")}
    missing = acknowledged - visible
    if missing:
        fail(f"{name}: {len(missing)} acknowledged credentials are missing after the restart, e.g. {sorted(missing)[:3]}")
    for pid in random.sample(sorted(acknowledged), min(40, len(acknowledged))):
        st, _ = request("GET", srv.base + f"/api/v1/credentials/{pid}", token=token)
        if st != 200:
            fail(f"{name}: acknowledged credential {pid} answers {st} after the restart")
    # 2. No half batch visible.
    for bid, state, count in db.query("SELECT id, state, item_count FROM batches"):
        rows = db.query(f"SELECT public_id FROM credentials WHERE batch_id = '{bid}'")
        if state == "committed":
            if len(rows) != int(count):
                fail(f"{name}: committed batch {bid} has {len(rows)} of {count} credentials")
            continue
        if db.url.startswith("sqlite://"):
            fail(f"{name}: pending batch {bid} survived the restart on SQLite")
        for (pid,) in rows[:50]:
            for path in (f"/api/v1/credentials/{pid}", f"/credentials/{pid}"):
                st, _ = request("GET", srv.base + path, token=token)
                if st != 404:
                    fail(f"{name}: credential {pid} of uncommitted batch {bid} answers {st} on {path}")
    # 3. Unacknowledged batches, sent again with their key: issued exactly once.
    for key, answer in list(batches_sent.items()):
        if answer is not None or tally["retried batches"] >= retries:
            continue
        committed = db.query(f"SELECT id FROM batches WHERE idem_key = '{key}' AND state = 'committed'")
        # On PostgreSQL a killed batch stays pending until its heartbeat is 15 s old (another
        # node might be running it): the retry is told 409 "still being issued" until then.
        waited = 0
        while True:
            st, body = request("POST", srv.base + "/api/v1/credentials/batch", batch_body, token,
                               {"Idempotency-Key": key})
            if st != 409 or "still being issued" not in str(body) or waited >= 40:
                break
            time.sleep(2)
            waited += 2
        if waited:
            tally["seconds waited for a lease"] = tally.get("seconds waited for a lease", 0) + waited
        if committed and st != 200:
            fail(f"{name}: batch {key} had committed but its retry answered {st}")
        if not committed and st != 201:
            fail(f"{name}: batch {key} had not committed but its retry answered {st}: {body}")
        tally["batches committed before the kill" if committed else "batches not committed at the kill"] += 1
        tally["retried batches"] += 1
        batches_sent[key] = body
        acknowledged.update(c["public_id"] for c in body["credentials"])
    # 4. No status index given twice.
    dup = db.query("SELECT status_list, status_index, COUNT(*) FROM credentials WHERE status_index IS NOT NULL "
                   "GROUP BY status_list, status_index HAVING COUNT(*) > 1")
    if dup:
        fail(f"{name}: status indexes given twice: {dup[:5]}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "target/release/microcred"))
    p.add_argument("--points", type=int, default=20, help="kills per store (half during batches)")
    p.add_argument("--batch", type=int, default=10_000, help="awards per batch")
    p.add_argument("--batch-seconds", type=float, default=3.0, help="kill within this many seconds of a batch")
    p.add_argument("--retries", type=int, default=3,
                   help="unacknowledged batches sent again with their Idempotency-Key, per store")
    p.add_argument("--pg-url", help="also on PostgreSQL (a database microcred_crash is created there)")
    p.add_argument("--seed", type=int, default=int(time.time()))
    a = p.parse_args()
    if not os.path.exists(a.binary):
        sys.exit(f"{a.binary} is missing: cargo build --release")
    print(f"crash test: {a.points} kill points per store, batches of {a.batch}, seed {a.seed}", flush=True)
    stores = [("sqlite", None)]
    if a.pg_url:
        stores.append(("postgres", a.pg_url))
    for name, pg in stores:
        workdir = tempfile.mkdtemp(prefix=f"microcred-crash-{name}-")
        try:
            if pg:
                base = pg.rsplit("/", 1)[0]
                subprocess.run(["psql", pg, "-q", "-c", "DROP DATABASE IF EXISTS microcred_crash WITH (FORCE)"], check=True)
                subprocess.run(["psql", pg, "-q", "-c", "CREATE DATABASE microcred_crash"], check=True)
                url = f"{base}/microcred_crash"
            else:
                url = f"sqlite://{os.path.join(workdir, 'crash.db')}"
            started = time.time()
            tally, acked = run_store(name, url, a, workdir)
            print(f"{name}: {acked} acknowledged credentials, all present; 0 uncommitted batch credentials "
                  f"visible; 0 status indexes reused; {tally}; {time.time() - started:.0f} s", flush=True)
        finally:
            for srv in SERVERS:
                srv.stop()
            SERVERS.clear()
            shutil.rmtree(workdir, ignore_errors=True)
    print("crash test passed")


if __name__ == "__main__":
    main()
