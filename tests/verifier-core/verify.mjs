#!/usr/bin/env node
// Verifies credentials with @digitalcredentials/verifier-core exactly as the Learner
// Credential Wallet and VerifierPlus do: its own document loader (remote contexts on),
// did:web resolved over HTTPS, status lists fetched, nothing mapped by hand. The only
// help it gets is the environment: NODE_EXTRA_CA_CERTS naming the test CA.
//
// usage: node tests/verifier-core/verify.mjs FILE...   (one JSON credential per file)
// Prints one JSON line per file: {file, signature, status, expiration, schemas, errors}.

import {readFile} from 'node:fs/promises';

// The library logs to stdout (schema fetch errors…): keep stdout for our JSON lines.
console.log = (...args) => console.error(...args);
const {verifyCredential} = await import('@digitalcredentials/verifier-core');
// Its schema check, unmodified, run once per credentialSchema entry as well: inside
// verifyCredential one unreachable schema (purl.imsglobal.org offline) hides the others.
// A fresh module instance (its own ajv) each time: verifyCredential gives up on the
// first failed schema while another is still loading, and that load would race ours.
const SCHEMA_CHECK = new URL(
  './node_modules/@digitalcredentials/verifier-core/dist/schemaCheck.js', import.meta.url);
let instances = 0;
const freshCheckSchemas = async () =>
  (await import(`${SCHEMA_CHECK.href}?instance=${++instances}`)).checkSchemas;

const step = (log, id) => {
  const s = (log ?? []).find(e => e.id === id);
  if(!s) {
    return null;
  }
  return s.valid === undefined ? (s.error ? 'error' : null) : s.valid;
};

for(const file of process.argv.slice(2)) {
  const credential = JSON.parse(await readFile(file, 'utf8'));
  const r = await verifyCredential({credential, knownDIDRegistries: []});
  const schemas = (r.additionalInformation ?? [])
    .filter(a => a.id === 'schema_check')
    .flatMap(a => Array.isArray(a.results) ? a.results : [])
    .map(s => ({schema: s.schema, valid: s.result?.valid ?? null}));
  const each = [];
  for(const entry of [].concat(credential.credentialSchema ?? [])) {
    const checkSchemas = await freshCheckSchemas();
    const {results} = await checkSchemas({...credential, credentialSchema: [entry]});
    each.push({schema: entry.id,
      valid: Array.isArray(results) ? results[0]?.result?.valid ?? null : String(results)});
  }
  const out = {
    file,
    signature: step(r.log, 'valid_signature'),
    status: step(r.log, 'revocation_status'),
    expiration: step(r.log, 'expiration'),
    schemas,
    schemas_each: each,
    errors: (r.errors ?? []).map(e => ({name: e.name, message: e.message,
      cause: e.stackTrace?.message ?? (typeof e.stackTrace === 'string' ? e.stackTrace : undefined)})),
    log: r.log
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}
