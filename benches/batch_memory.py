#!/usr/bin/env python3
"""Peak memory of the service while N clients send large batch bodies at once.

Starts the release binary (SQLite, fresh directory), then N threads each POST a batch
body of `--mb` MB (whitespace: refused with 400 once read) to /api/v1/credentials/batch
at the same moment, and samples the server's RSS every 50 ms until all are answered.
Batch requests are admitted one at a time before their body is read, so the peak should
stay near one body, whatever N.

    cargo build --release && python3 benches/batch_memory.py --clients 4 --mb 200
"""
import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "target/release/microcred"))
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--mb", type=int, default=200)
    a = p.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, DATABASE_URL=f"sqlite://{d}/m.db", MICROCRED_SERVER__PORT=str(port),
                   MICROCRED_SERVER__BASE_URL=f"http://127.0.0.1:{port}", MICROCRED_KEYS__DIR=f"{d}/keys",
                   MICROCRED_KEYS__DEMO_KEY=os.path.join(ROOT, "keys-example/demo-issuer.jwk"),
                   MICROCRED_LOG__FILTER="warn")
        token = subprocess.run([a.binary, "apikeys", "create", "--institution", "demo", "--label", "m"], env=env,
                               capture_output=True, text=True, check=True).stdout.strip().split()[-1]
        srv = subprocess.Popen([a.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                    c.request("GET", "/readyz")
                    if c.getresponse().status == 200:
                        break
                except OSError:
                    time.sleep(0.05)
            idle = rss_mb(srv.pid)
            size = a.mb * 1_000_000
            chunk = b" " * (1 << 20)
            answers = []

            def send():
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                c.putrequest("POST", "/api/v1/credentials/batch")
                c.putheader("Authorization", f"Bearer {token}")
                c.putheader("Content-Type", "application/json")
                c.putheader("Content-Length", str(size))
                c.endheaders()
                left = size
                while left:
                    n = min(left, len(chunk))
                    c.send(chunk[:n])
                    left -= n
                answers.append(c.getresponse().status)

            threads = [threading.Thread(target=send) for _ in range(a.clients)]
            started = time.time()
            for t in threads:
                t.start()
            peak = idle
            while any(t.is_alive() for t in threads):
                peak = max(peak, rss_mb(srv.pid))
                time.sleep(0.05)
            took = time.time() - started
            print(f"{a.clients} concurrent batch bodies of {a.mb} MB: answers {sorted(answers)}, "
                  f"RSS idle {idle:.0f} MB, peak {peak:.0f} MB, {took:.1f} s")
        finally:
            srv.terminate()
            srv.wait()


if __name__ == "__main__":
    sys.exit(main())
