#!/usr/bin/env node
// eddsa-jcs-2022 with the Digital Bazaar stack (@digitalbazaar/vc, data-integrity,
// eddsa-jcs-2022-cryptosuite), contexts offline (lib/loader.mjs), did:key issuers.
//
// node jcs.mjs sign SEED_HEX FILE [CREATED]  -> the credential in FILE signed by the
//     did:key of the 32-byte seed (stdout)
// node jcs.mjs verify [--now RFC3339] FILE... -> one JSON line per file
//     {file, verified, error}; exit 0 if all verified. No status check.

import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createSignCryptosuite, createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {createDocumentLoader} from './lib/loader.mjs';
import {errorMessages, resultMessages} from './lib/errors.mjs';

const documentLoader = createDocumentLoader({});
const [mode, ...rest] = process.argv.slice(2);
if(mode === 'sign') {
  const [seedHex, file, created] = rest;
  const seed = Uint8Array.from(Buffer.from(seedHex, 'hex'));
  const {publicKeyMultibase} = await Ed25519Multikey.generate({seed});
  const did = `did:key:${publicKeyMultibase}`;
  const keyPair = await Ed25519Multikey.generate({seed, controller: did, id: `${did}#${publicKeyMultibase}`});
  const credential = JSON.parse(readFileSync(file, 'utf8'));
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(), cryptosuite: createSignCryptosuite(),
    date: created ? new Date(created) : undefined
  });
  const signed = await vc.issue({credential, suite, documentLoader});
  process.stdout.write(JSON.stringify(signed));
} else if(mode === 'verify') {
  const {values, positionals} = parseArgs({
    args: rest, options: {now: {type: 'string'}}, allowPositionals: true
  });
  const now = values.now ? new Date(values.now) : new Date();
  let allVerified = true;
  for(const file of positionals) {
    let out;
    try {
      const credential = JSON.parse(readFileSync(file, 'utf8'));
      const result = await vc.verifyCredential({
        credential, documentLoader, now,
        suite: new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()}),
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
} else {
  console.error('usage: node jcs.mjs sign SEED_HEX FILE [CREATED] | verify [--now T] FILE...');
  process.exit(2);
}
