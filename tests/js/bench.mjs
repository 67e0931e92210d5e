#!/usr/bin/env node
// The JavaScript reference for benchmarks: signs and verifies one credential with
// DataIntegrityProof / eddsa-rdfc-2022 through the Digital Bazaar stack (the libraries
// behind the Digital Credentials Consortium's signing service and verifier), single
// thread, and prints {"sign_per_s", "verify_per_s", ...} as one JSON line.
//
//   node tests/js/bench.mjs --credential UNSIGNED.json --key ED25519.jwk [--seconds 5]
//
// The key signs as its did:key, resolved locally by @digitalbazaar/did-method-key.

import {readFile} from 'node:fs/promises';
import {performance} from 'node:perf_hooks';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {UsageError, parseCli, runMain} from './lib/cli.mjs';
import {createDocumentLoader} from './lib/loader.mjs';
import {signCredential, verifyLdp} from './lib/ldp.mjs';

const USAGE = 'usage: node tests/js/bench.mjs --credential FILE --key JWKFILE [--seconds N]';

async function timed(seconds, fn) {
  // Warm up (JIT, context caches), then count completed operations.
  for(let i = 0; i < 20; i++) {
    await fn();
  }
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while(performance.now() < end) {
    await fn();
    n++;
  }
  const elapsed = (performance.now() - start) / 1000;
  return {ops: n, seconds: elapsed, per_s: n / elapsed};
}

async function main() {
  const {values} = parseCli(process.argv.slice(2), {
    credential: {type: 'string'}, key: {type: 'string'}, seconds: {type: 'string'}
  }, USAGE);
  if(!values.credential || !values.key) {
    throw new UsageError(USAGE);
  }
  const seconds = Number(values.seconds ?? 5);
  const credential = JSON.parse(await readFile(values.credential, 'utf8'));
  delete credential.proof;
  const jwk = JSON.parse(await readFile(values.key, 'utf8'));
  const keyPair = await Ed25519Multikey.fromJwk({jwk, secretKey: true});
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  credential.issuer = typeof credential.issuer === 'object' ? {...credential.issuer, id: did} : did;
  const documentLoader = createDocumentLoader({});
  const created = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const signed = await signCredential({credential, keyPair, documentLoader, created});
  const check = await verifyLdp({credential: signed, documentLoader});
  if(!check.verified) {
    throw new Error(`the reference cannot verify its own signature: ${check.error}`);
  }
  const sign = await timed(seconds, () => signCredential({credential, keyPair, documentLoader, created}));
  const verify = await timed(seconds, async () => {
    const r = await verifyLdp({credential: signed, documentLoader});
    if(!r.verified) {
      throw new Error(r.error);
    }
  });
  process.stdout.write(JSON.stringify({
    stack: 'Digital Bazaar @digitalbazaar/vc + data-integrity + eddsa-rdfc-2022-cryptosuite (jsonld.js, rdf-canonize)',
    node: process.version,
    credential_bytes: JSON.stringify(signed).length,
    sign_per_s: sign.per_s, verify_per_s: verify.per_s,
    sign_ops: sign.ops, verify_ops: verify.ops
  }) + '\n');
}

runMain(main);
