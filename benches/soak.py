#!/usr/bin/env python3
"""Soak test: a mixed workload for N minutes against the release service, per store.

For each store (a fresh SQLite file; a fresh PostgreSQL database) it starts
`target/release/microcred serve` on a free port (the same way as benches/load.py),
registers an achievement and then drives, from `--workers` client threads at about
`--rate` requests per second in all:

  issue       POST /api/v1/credentials (ldp or jwt)                      201
  batch       POST /api/v1/credentials/batch (2-10 awards)               201
  get         GET  /api/v1/credentials/{id} (a batch credential)         200
  verify      POST /api/v1/verify (JSON or JWT; valid unless revoked)    200
  revoke      POST /api/v1/credentials/{id}/revoke                       200 (409 on re-revoke)
  status      GET  /issuers/{slug}/status/revocation/{n} (bits checked)  200
  offer       POST /api/v1/offers, GET /oid4vci/offers/{id}, POST /oid4vci/token,
              POST /oid4vci/nonce, POST /oid4vci/credential (holder key proof)

An answer is an error when its status is not the one the step expects (a 409 for a
credential revoked before is expected), when a verification report is wrong (a credential
never revoked must be valid; one whose revocation was acknowledged must not be), when a
status list lacks the bit of an acknowledged revocation, or on a timeout or a dropped
connection. The service's resident memory (VmRSS) is sampled every minute. Per store it
prints one line a minute: requests, errors, p50/p99 latency, RSS; then per operation.
Exit status 1 if there was any error.

    cargo build --release
    python3 benches/soak.py                     # 10 minutes on SQLite, then 10 on PostgreSQL
    python3 benches/soak.py --minutes 2 --store sqlite
    python3 benches/soak.py --quick             # CI: ~10 s per store

PostgreSQL: `--pg-url` (default $TEST_DATABASE_URL's server, else
postgres://postgres@127.0.0.1:5432); a database `microcred_soak` is dropped and created
there, so the tests' database is never touched. The OpenID4VCI key proof is signed with
the `cryptography` package (Ed25519); everything else is the standard library.
"""
import argparse
import base64
import gzip
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load import ROOT, Server, request  # noqa: E402  (the same server start-up as the load test)

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
except ImportError:  # pragma: no cover
    sys.exit("benches/soak.py needs the Python package 'cryptography' (pip install cryptography, "
             "or apt-get install python3-cryptography) to sign the OpenID4VCI key proofs")

# Share of each operation in the mix (an offer is five requests).
MIX = [("issue", 22), ("batch", 4), ("verify", 36), ("revoke", 10), ("status", 18), ("offer", 5), ("get", 5)]
PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class Failure(Exception):
    """An answer the workload did not expect."""


class Client:
    """One keep-alive HTTP connection per worker thread."""

    def __init__(self, base, timeout=30):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = u.hostname, u.port, timeout
        self.conn = None

    def call(self, method, path, body=None, token=None, ctype="application/json", expect=(200,)):
        headers = {}
        if body is not None:
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
            headers["Content-Type"] = ctype
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: one retry on a new one.
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        if r.status not in expect:
            raise Failure(f"{method} {path}: {r.status} {data[:300]!r}")
        if not data:
            return r.status, None
        try:
            return r.status, json.loads(data)
        except ValueError:
            return r.status, data


class Pool:
    """Credentials issued so far (bounded), and what was done to them."""

    def __init__(self, cap=3000):
        self.lock = threading.Lock()
        self.ids = set()
        self.revoked_ids = set()  # every revocation acknowledged, also of credentials left out of the pool
        self.items = []  # dicts: public_id, text, ctype, list_path, index, revoked (acknowledged at), revoking
        self.cap = cap

    def add(self, item):
        with self.lock:
            if item["public_id"] in self.ids:
                return  # a batch credential fetched again: one entry per credential
            self.ids.add(item["public_id"])
            if item["public_id"] in self.revoked_ids:
                item["revoked"] = 0.0
            self.items.append(item)
            if len(self.items) > self.cap:
                for old in self.items[: len(self.items) - self.cap]:
                    self.ids.discard(old["public_id"])
                del self.items[: len(self.items) - self.cap]

    def pick(self, rng, pred=lambda i: True, tries=8):
        with self.lock:
            if not self.items:
                return None
            for _ in range(tries):
                it = rng.choice(self.items)
                if pred(it):
                    return it
        return None


class Stats:
    def __init__(self, started, bucket_seconds):
        self.lock = threading.Lock()
        self.started, self.bucket = started, bucket_seconds
        self.by_bucket = {}  # bucket -> [latencies], errors
        self.by_op = {}
        self.errors = []

    def record(self, op, seconds, ok, why=None):
        b = int((time.monotonic() - self.started) // self.bucket)
        with self.lock:
            lat, err = self.by_bucket.setdefault(b, ([], [0]))
            lat.append(seconds)
            opl, ope = self.by_op.setdefault(op, ([], [0]))
            opl.append(seconds)
            if not ok:
                err[0] += 1
                ope[0] += 1
                if len(self.errors) < 50:
                    self.errors.append(f"{op}: {why}")


def pct(xs, p):
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Workload:
    def __init__(self, base, token, achievement_id, award, stats, seed):
        self.base, self.token, self.achievement_id, self.award = base, token, achievement_id, award
        self.stats, self.pool, self.seed = stats, Pool(), seed
        self.issuer = request("GET", base + "/.well-known/openid-credential-issuer")[1]["credential_issuer"]
        self.counter = 0
        self.clock_lock = threading.Lock()

    def next_learner(self):
        with self.clock_lock:
            self.counter += 1
            n = self.counter
        a = json.loads(json.dumps(self.award))
        a["learner"]["family_name"] = f"Soak {n}"
        a["learner"]["email"] = f"soak.{n}@student.example.org"
        a["learner"]["learner_id"] = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
        return a

    def timed(self, op, fn):
        t = time.monotonic()
        try:
            fn()
            self.stats.record(op, time.monotonic() - t, True)
        except Exception as e:  # noqa: BLE001  (every unexpected answer is counted and shown)
            self.stats.record(op, time.monotonic() - t, False, f"{type(e).__name__}: {e}"[:400])

    def remember(self, answer, ctype):
        cred = answer["credential"]
        if ctype == "application/jwt":
            payload = json.loads(b64u_decode(cred.split(".")[1]))
            status, text = payload["credentialStatus"], cred
        else:
            status, text = cred["credentialStatus"], json.dumps(cred)
        self.pool.add({
            "public_id": answer["public_id"], "text": text, "ctype": ctype,
            "list_path": urllib.parse.urlsplit(status["statusListCredential"]).path,
            "index": int(status["statusListIndex"]), "revoked": None, "revoking": False,
        })

    # The operations.
    def issue(self, c, rng):
        fmt = "jwt" if rng.random() < 0.3 else "ldp"
        body = {"achievement_id": self.achievement_id, "award": self.next_learner(), "format": fmt}
        _, a = c.call("POST", "/api/v1/credentials", body, self.token, expect=(201,))
        self.remember(a, "application/jwt" if fmt == "jwt" else "application/json")

    def batch(self, c, rng):
        n = rng.randint(2, 10)
        body = {"achievement_id": self.achievement_id, "awards": [self.next_learner() for _ in range(n)]}
        _, a = c.call("POST", "/api/v1/credentials/batch", body, self.token, expect=(201,))
        if a["count"] != n or len(a["credentials"]) != n:
            raise Failure(f"batch of {n} answered {a['count']} credentials")
        with self.pool.lock:
            self.batch_ids = getattr(self, "batch_ids", [])[-500:] + [x["public_id"] for x in a["credentials"]]

    def get(self, c, rng):
        ids = getattr(self, "batch_ids", None)
        if not ids:
            return self.issue(c, rng)
        _, a = c.call("GET", f"/api/v1/credentials/{rng.choice(ids)}", token=self.token)
        self.remember(a, "application/json")

    def verify(self, c, rng):
        it = self.pool.pick(rng, lambda i: not i["revoking"])
        if it is None:
            return self.issue(c, rng)
        revoked = it["revoked"]
        _, report = c.call("POST", "/api/v1/verify", it["text"].encode(), ctype=it["ctype"])
        if revoked is not None and report["valid"]:
            raise Failure(f"{it['public_id']} was revoked but verifies as valid")
        # Not revoked before, during or after the request: must be valid.
        if revoked is None and it["revoked"] is None and not it["revoking"] and not report["valid"]:
            raise Failure(f"{it['public_id']} verifies as invalid: {report['errors']}")

    def revoke(self, c, rng):
        again = rng.random() < 0.2
        it = self.pool.pick(rng, (lambda i: i["revoked"] is not None) if again else
                            (lambda i: i["revoked"] is None and not i["revoking"]))
        if it is None:
            return self.issue(c, rng)
        if again:
            c.call("POST", f"/api/v1/credentials/{it['public_id']}/revoke", {"reason": "soak"}, self.token,
                   expect=(409,))
            return
        with self.pool.lock:
            if it["revoking"] or it["revoked"] is not None:
                return
            it["revoking"] = True
        try:
            c.call("POST", f"/api/v1/credentials/{it['public_id']}/revoke", {"reason": "soak"}, self.token)
            with self.pool.lock:
                self.pool.revoked_ids.add(it["public_id"])
            it["revoked"] = time.monotonic()
        finally:
            it["revoking"] = False

    def status(self, c, rng):
        it = self.pool.pick(rng)
        if it is None:
            return self.issue(c, rng)
        # Revocations acknowledged before this request must show in the list.
        with self.pool.lock:
            revoked = [i["index"] for i in self.pool.items if i["list_path"] == it["list_path"] and i["revoked"] is not None]
        _, doc = c.call("GET", it["list_path"])
        bits = gzip.decompress(b64u_decode(doc["credentialSubject"]["encodedList"][1:]))
        missing = [i for i in revoked if not bits[i // 8] & (0x80 >> (i % 8))]
        if missing:
            raise Failure(f"{len(missing)} of {len(revoked)} acknowledged revocations missing from {it['list_path']}")

    def offer(self, c, rng):
        """The pre-authorized code flow as a wallet runs it; each request is timed alone."""
        fmt = "jwt" if rng.random() < 0.5 else "ldp"
        body = {"achievement_id": self.achievement_id, "award": self.next_learner(), "format": fmt, "tx_code": True}
        failed = []

        def step(name, *args, **kw):
            t = time.monotonic()
            try:
                answer = c.call(*args, **kw)[1]
                self.stats.record(name, time.monotonic() - t, True)
                return answer
            except Exception as e:  # noqa: BLE001
                self.stats.record(name, time.monotonic() - t, False, f"{type(e).__name__}: {e}"[:400])
                failed.append(name)
                raise

        try:
            o = step("offer", "POST", "/api/v1/offers", body, self.token, expect=(201,))
            offer_path = urllib.parse.urlsplit(
                urllib.parse.parse_qs(urllib.parse.urlsplit(o["credential_offer_uri"]).query)
                ["credential_offer_uri"][0]).path
            offer = step("offer-get", "GET", offer_path)
            code = offer["grants"][PRE_AUTH]["pre-authorized_code"]
            form = urllib.parse.urlencode({"grant_type": PRE_AUTH, "pre-authorized_code": code,
                                           "tx_code": o["tx_code"]}).encode()
            tok = step("token", "POST", "/oid4vci/token", form, ctype="application/x-www-form-urlencoded")
            nonce = step("nonce", "POST", "/oid4vci/nonce", b"", ctype="application/json")["c_nonce"]
            key = Ed25519PrivateKey.generate()
            x = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            header = {"alg": "EdDSA", "typ": "openid4vci-proof+jwt",
                      "jwk": {"kty": "OKP", "crv": "Ed25519", "x": b64u(x)}}
            claims = {"aud": self.issuer, "iat": int(time.time()), "nonce": nonce}
            signing_input = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())
            proof = signing_input + "." + b64u(key.sign(signing_input.encode()))
            req = {"credential_configuration_id": offer["credential_configuration_ids"][0],
                   "proofs": {"jwt": [proof]}}
            got = step("credential", "POST", "/oid4vci/credential", req, tok["access_token"])
            if not got.get("credentials"):
                raise Failure(f"the credential endpoint answered {str(got)[:200]}")
        except Exception as e:  # noqa: BLE001
            if not failed:  # an answer of the wrong shape, not yet counted
                self.stats.record("offer", 0.0, False, f"{type(e).__name__}: {e}"[:400])

    def run_worker(self, wid, deadline, interval):
        rng = random.Random(self.seed * 1000 + wid)
        c = Client(self.base)
        ops = [op for op, w in MIX for _ in range(w)]
        next_at = time.monotonic() + rng.random() * interval
        while True:
            now = time.monotonic()
            if now >= deadline:
                return
            if next_at > now:
                time.sleep(min(next_at - now, deadline - now))
                continue
            # Open loop at the offered rate; a worker that fell far behind does not burst.
            next_at = max(next_at + interval, now - 10 * interval)
            op = rng.choice(ops)
            if op == "offer":
                self.offer(c, rng)
            else:
                self.timed(op, lambda: getattr(self, op)(c, rng))


def db_size_mb(store, path_or_url):
    if store == "sqlite":
        return sum(os.path.getsize(p) for p in [path_or_url, path_or_url + "-wal"] if os.path.exists(p)) / 2**20
    out = subprocess.run(["psql", path_or_url, "-tAc", "SELECT pg_database_size(current_database())"],
                         capture_output=True, text=True)
    return int(out.stdout.strip() or 0) / 2**20


def soak(store, database_url, db_ref, a, workdir):
    srv = Server(a.binary, workdir, database_url)
    try:
        token = srv.cli("apikeys", "create", "--institution", "demo", "--label", "soak").strip().split()[-1]
        with open(os.path.join(ROOT, "tests/fixtures/valid.json")) as f:
            record = json.load(f)[0]
        _, ach = request("POST", srv.base + "/api/v1/achievements", {"microcredential": record["microcredential"]},
                         token)
        bucket = a.sample_seconds
        started = time.monotonic()
        stats = Stats(started, bucket)
        w = Workload(srv.base, token, ach["id"], record["award"], stats, a.seed)
        deadline = started + a.minutes * 60
        interval = a.workers / a.rate
        threads = [threading.Thread(target=w.run_worker, args=(i, deadline, interval), daemon=True)
                   for i in range(a.workers)]
        for t in threads:
            t.start()
        rss = {0: rss_mb(srv.proc.pid)}
        print(f"\n{store}: {a.minutes * 60:.0f} s, {a.workers} workers, ~{a.rate} req/s offered; RSS at start "
              f"{rss[0]:.1f} MB")
        print(f"{'minute' if bucket == 60 else 'period':>6} {'requests':>9} {'req/s':>6} {'errors':>6} "
              f"{'p50 ms':>7} {'p99 ms':>7} {'RSS MB':>7} {'DB MB':>7}")
        b = 0
        while time.monotonic() < deadline:
            time.sleep(max(0.0, min(started + (b + 1) * bucket, deadline) - time.monotonic()))
            b += 1
            rss[b] = rss_mb(srv.proc.pid)
            with stats.lock:
                lat, err = stats.by_bucket.get(b - 1, ([], [0]))
                lat = list(lat)
            print(f"{b:>6} {len(lat):>9} {len(lat) / bucket:>6.0f} {err[0]:>6} {pct(lat, 50):>7.1f} "
                  f"{pct(lat, 99):>7.1f} {rss[b]:>7.1f} {db_size_mb(store, db_ref):>7.0f}", flush=True)
        for t in threads:
            t.join(timeout=60)
        total = sum(len(v[0]) for v in stats.by_op.values())
        errors = sum(v[1][0] for v in stats.by_op.values())
        print(f"{store}: {total} requests, {errors} errors, RSS {min(rss.values()):.1f}-{max(rss.values()):.1f} MB")
        print(f"  {'operation':<10} {'requests':>9} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>8}")
        for op, (lat, err) in sorted(stats.by_op.items()):
            print(f"  {op:<10} {len(lat):>9} {err[0]:>6} {pct(lat, 50):>7.1f} {pct(lat, 99):>7.1f} "
                  f"{max(lat) * 1000:>8.1f}")
        revoked = sum(1 for i in w.pool.items if i["revoked"])
        print(f"  credentials in the client's pool: {len(w.pool.items)} ({revoked} revoked)")
        for e in stats.errors[:10]:
            print(f"  ERROR {e}")
        if srv.proc.poll() is not None:
            print(f"  ERROR the server exited with {srv.proc.returncode}; see {srv.log.name}")
            errors += 1
        return errors
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--rate", type=float, default=100, help="requests per second offered, all workers together")
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--quick", action="store_true", help="CI: 10 s per store, sampled every 2 s")
    ap.add_argument("--pg-url", default=None, help="a PostgreSQL server URL (its database part is ignored)")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/microcred"))
    a = ap.parse_args()
    a.sample_seconds = 60
    if a.quick:
        a.minutes, a.sample_seconds = 10 / 60, 2
    if not os.path.exists(a.binary):
        sys.exit(f"{a.binary} is missing: run `cargo build --release` first")
    pg = a.pg_url or os.environ.get("TEST_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    pg_server = pg.rsplit("/", 1)[0]
    stores = ["sqlite", "postgres"] if a.store == "both" else [a.store]
    print(f"Soak ({os.cpu_count()} cores shared with the client and PostgreSQL; mix "
          + ", ".join(f"{op} {w}%" for op, w in MIX) + ")")
    failed = 0
    for store in stores:
        with tempfile.TemporaryDirectory() as d:
            if store == "sqlite":
                db = os.path.join(d, "soak.db")
                url, ref = f"sqlite://{db}", db
            else:
                admin = pg_server + "/postgres"
                for sql in ["DROP DATABASE IF EXISTS microcred_soak", "CREATE DATABASE microcred_soak"]:
                    subprocess.run(["psql", admin, "-qc", sql], check=True, capture_output=True)
                url = ref = pg_server + "/microcred_soak"
            failed += soak(store, url, ref, a, d)
    if failed:
        sys.exit(f"soak: {failed} errors")


if __name__ == "__main__":
    main()
