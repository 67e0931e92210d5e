#!/usr/bin/env node
// Verifies credentials with an Ed25519Signature2020 proof (the Digital Credentials
// Consortium's suite, VC 1.1 or 2.0) with the Digital Bazaar stack:
// @digitalbazaar/vc + @digitalbazaar/ed25519-signature-2020, contexts offline from
// contexts/ (lib/loader.mjs). The issuer is a did:key; its DID document is made here with
// the key as an Ed25519VerificationKey2020, as that suite wants it. No status check.
//
// node verify2020.mjs [--now RFC3339] FILE...
// stdout: one JSON line per file {file, verified, error}. Exit 0 if all verified.

import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {createDocumentLoader} from './lib/loader.mjs';
import {errorMessages, resultMessages} from './lib/errors.mjs';

const SUITE_2020_V1 = 'https://w3id.org/security/suites/ed25519-2020/v1';

/** DID document and verification method of an Ed25519 did:key, 2020 style. */
function didKeyDocuments(vmId) {
  const [did, fragment] = vmId.split('#');
  const fingerprint = did.slice('did:key:'.length);
  if(!did.startsWith('did:key:z6Mk') || fragment !== fingerprint) {
    throw new Error(`not an Ed25519 did:key verification method: ${vmId}`);
  }
  const method = {
    id: vmId,
    type: 'Ed25519VerificationKey2020',
    controller: did,
    publicKeyMultibase: fingerprint
  };
  const doc = {
    '@context': ['https://www.w3.org/ns/did/v1', SUITE_2020_V1],
    id: did,
    verificationMethod: [method],
    assertionMethod: [vmId],
    authentication: [vmId]
  };
  return {[did]: doc, [vmId]: {'@context': SUITE_2020_V1, ...method}};
}

const {values, positionals} = parseArgs({
  options: {now: {type: 'string'}},
  allowPositionals: true
});
const now = values.now ? new Date(values.now) : new Date();
let allVerified = true;
for(const file of positionals) {
  let out;
  try {
    const credential = JSON.parse(readFileSync(file, 'utf8'));
    const proofs = [].concat(credential.proof ?? []);
    const extraDocuments = Object.assign({}, ...proofs.map(p => didKeyDocuments(p.verificationMethod)));
    const documentLoader = createDocumentLoader({extraDocuments});
    const result = await vc.verifyCredential({
      credential,
      suite: new Ed25519Signature2020(),
      documentLoader,
      now,
      checkStatus: () => ({verified: true})
    });
    out = {file, verified: result.verified, error: result.verified ? null : resultMessages(result).join('; ')};
  } catch(e) {
    out = {file, verified: false, error: errorMessages(e).join('; ') || String(e)};
  }
  allVerified &&= out.verified;
  process.stdout.write(JSON.stringify(out) + '\n');
}
process.exit(allVerified ? 0 : 1);
