#!/bin/sh
# Starts a fresh microcred ($MC_BIN, default target/debug/microcred) with microcred.toml
# and the https auth proxy, both on loopback; prints the institution's did:key.
# Work files (database, keys, API key, logs, the proxy's self-signed certificate) go to
# /work/w3c/run. Stop both with: kill $(cat /work/w3c/run/serve.pid /work/w3c/run/proxy.pid)
set -e
here=$(cd "$(dirname "$0")" && pwd)
bin=${MC_BIN:-$here/../../target/debug/microcred}
run=/work/w3c/run
mkdir -p $run
cd $run
for p in serve.pid proxy.pid; do [ -f $p ] && kill "$(cat $p)" 2>/dev/null || true; rm -f $p; done
for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null http://127.0.0.1:40443/healthz || break; sleep 1; done
rm -rf data && mkdir data
[ -f proxy-key.pem ] || openssl req -x509 -newkey ed25519 -nodes -keyout proxy-key.pem -out proxy-cert.pem \
  -days 30 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
export MICROCRED_CONFIG=$here/microcred.toml
nohup "$bin" serve > serve.log 2>&1 &
echo $! > serve.pid
for i in 1 2 3 4 5 6 7 8 9 10; do curl -sf http://127.0.0.1:40443/readyz > /dev/null && break; sleep 1; done
"$bin" apikeys create --institution w3c 2>/dev/null | tail -1 > apikey
MC_API_KEY=$(cat apikey) TLS_DIR=$run nohup node "$here/auth-proxy.mjs" > proxy.log 2>&1 &
echo $! > proxy.pid
sleep 1
curl -sk https://localhost:40444/issuers/w3c | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' | tee issuer-did
