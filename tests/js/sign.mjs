#!/usr/bin/env node
// Signs an unsigned credential with DataIntegrityProof / eddsa-rdfc-2022
// (Digital Bazaar stack, JSON-LD safe mode) and prints it. See README.md.

import path from 'node:path';
import {readFile} from 'node:fs/promises';
import {UsageError, parseCli, runMain} from './lib/cli.mjs';
import {readSource} from './lib/input.mjs';
import {createDocumentLoader, DEFAULT_CONTEXTS_DIR} from './lib/loader.mjs';
import {keyPairFromJwk, signCredential} from './lib/ldp.mjs';
import {errorMessages} from './lib/errors.mjs';

const USAGE = `usage: node tests/js/sign.mjs --key JWKFILE --vm VERIFICATION_METHOD_ID
         [--created ISO] [--contexts DIR] FILE
  --key JWKFILE  Ed25519 private JWK {kty: "OKP", crv: "Ed25519", x, d}
  --vm ID        verification method id (controller = the part before '#')
  --created ISO  proof "created" (default: now)
  --contexts DIR index.json + context files (default ${DEFAULT_CONTEXTS_DIR})
  FILE           unsigned credential JSON, "-" for standard input
Prints the signed credential JSON on standard output.`;

async function main() {
  const {values, positionals} = parseCli(process.argv.slice(2), {
    key: {type: 'string'},
    vm: {type: 'string'},
    created: {type: 'string'},
    contexts: {type: 'string'}
  }, USAGE);
  if(!values.key || !values.vm || positionals.length !== 1) {
    throw new UsageError(`--key, --vm and exactly one FILE are required\n${USAGE}`);
  }
  if(values.created !== undefined && Number.isNaN(Date.parse(values.created))) {
    throw new UsageError(`--created: not an ISO date-time: ${values.created}`);
  }
  let jwk;
  try {
    jwk = JSON.parse(await readFile(values.key, 'utf8'));
  } catch(e) {
    throw new UsageError(`cannot read JWK file "${values.key}": ${e.message}`);
  }
  let credential;
  try {
    credential = JSON.parse(await readSource(positionals[0]));
  } catch(e) {
    throw new UsageError(`cannot read credential "${positionals[0]}": ${e.message}`);
  }
  if(!credential || typeof credential !== 'object' || Array.isArray(credential)) {
    throw new UsageError('the credential must be one JSON object');
  }
  let documentLoader;
  try {
    documentLoader = createDocumentLoader({contextsDir: values.contexts ?
      path.resolve(values.contexts) : DEFAULT_CONTEXTS_DIR});
  } catch(e) {
    throw new UsageError(e.message);
  }
  try {
    const keyPair = await keyPairFromJwk(jwk, values.vm);
    const signed = await signCredential({credential, keyPair, documentLoader,
      created: values.created});
    process.stdout.write(`${JSON.stringify(signed, null, 2)}\n`);
    return 0;
  } catch(e) {
    process.stderr.write(`error: signing failed: ${errorMessages(e).join('; ')}\n`);
    return 1;
  }
}

runMain(main);
