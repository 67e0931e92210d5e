#!/usr/bin/env python3
"""The Python peer: `openbadgeslib` 4.6.3 (`OB3Signer`, EdDSA) signing the same VC-JWT
payloads our CLI issues, one core, signing only (no validation, no mapping, no schema).

    python3 -m venv /tmp/obvenv && /tmp/obvenv/bin/pip install openbadgeslib==4.6.3
    taskset -c 0 target/release/microcred issue FILE --format jwt --key keys-example/demo-issuer.jwk --out tokens.jwt
    taskset -c 0 /tmp/obvenv/bin/python benches/python_peer.py tokens.jwt [--seconds 5]

Prints payloads signed per second with the key of keys-example/demo-issuer.jwk.
"""
import argparse
import base64
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tokens", help="compact JWTs, one per line (their payloads are re-signed)")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--key", default=os.path.join(ROOT, "keys-example/demo-issuer.jwk"))
    a = ap.parse_args()
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from openbadgeslib.ob3.signer import OB3Signer
        import openbadgeslib.util
    except ImportError as e:
        sys.exit(f"SKIP: {e} (pip install openbadgeslib==4.6.3)")
    with open(a.key) as f:
        jwk = json.load(f)
    key = Ed25519PrivateKey.from_private_bytes(b64d(jwk["d"]))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    signer = OB3Signer(pem, algorithm="EdDSA")
    with open(a.tokens) as f:
        payloads = [json.loads(b64d(line.split(".")[1])) for line in f if line.strip()]
    if not payloads:
        sys.exit("no tokens")
    signer.sign_payload(payloads[0])  # key parsing and the public JWK, once
    n, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < a.seconds:
        for p in payloads:
            signer.sign_payload(p)
        n += len(payloads)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(f"openbadgeslib {openbadgeslib.util.__version__} OB3Signer EdDSA: {n} payloads in {wall:.2f} s: "
          f"wall {n / wall:,.0f}/s ({wall / n * 1e6:.1f} µs each), CPU {n / cpu:,.0f}/s ({cpu / n * 1e6:.1f} µs each)")


if __name__ == "__main__":
    main()
