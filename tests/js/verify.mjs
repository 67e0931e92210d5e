#!/usr/bin/env node
// Independent verifier for OB 3.0 / VC 2.0 credentials: Data Integrity
// (eddsa-rdfc-2022, Digital Bazaar stack, JSON-LD safe mode) and VC-JWT
// (jose). Fully offline. See README.md.

import path from 'node:path';
import {
  UsageError, parseCli, runMain, loadItems, loadKeys, loadDidDocs, parseNow, emit
} from './lib/cli.mjs';
import {createDocumentLoader, DEFAULT_CONTEXTS_DIR} from './lib/loader.mjs';
import {verifyLdp} from './lib/ldp.mjs';
import {verifyJwt} from './lib/jwt.mjs';
import {createStatusChecker} from './lib/status.mjs';

const USAGE = `usage: node tests/js/verify.mjs [--contexts DIR] [--did-doc FILE]...
         [--key JWKFILE]... [--status-list FILE]... [--now ISO]
         [--clock-skew SECONDS] FILE...
  FILE: a JSON credential, a JSON array, or one JSON object / compact JWT per
        line; "-" reads standard input.
  --contexts DIR     index.json + context files (default ${DEFAULT_CONTEXTS_DIR})
  --did-doc FILE     DID (or other controller) document; its "id" is the DID
  --key JWKFILE      JWK or JWK Set for VC-JWT verification (public parts used)
  --status-list FILE status list credential(s) for BitstringStatusListEntry
  --now ISO          the time to check validity against (default: now)
  --clock-skew S     allowed clock skew in seconds (default 0)
Prints one JSON line per credential; exit 0 if all verified, 1 if not, 2 on
usage errors.`;

async function main() {
  const {values, positionals} = parseCli(process.argv.slice(2), {
    contexts: {type: 'string'},
    'did-doc': {type: 'string', multiple: true},
    key: {type: 'string', multiple: true},
    'status-list': {type: 'string', multiple: true},
    now: {type: 'string'},
    'clock-skew': {type: 'string'}
  }, USAGE);
  if(positionals.length === 0) {
    throw new UsageError(`no input FILE given\n${USAGE}`);
  }
  const now = parseNow(values.now);
  const maxClockSkew = values['clock-skew'] === undefined ? 0 :
    Number(values['clock-skew']);
  if(!Number.isFinite(maxClockSkew) || maxClockSkew < 0) {
    throw new UsageError('--clock-skew must be a non-negative number of seconds');
  }
  const contextsDir = values.contexts ? path.resolve(values.contexts) :
    DEFAULT_CONTEXTS_DIR;
  const controllerDocuments = await loadDidDocs(values['did-doc']);
  let documentLoader;
  try {
    documentLoader = createDocumentLoader({contextsDir, controllerDocuments});
  } catch(e) {
    throw new UsageError(e.message);
  }
  const keys = await loadKeys(values.key);
  const items = await loadItems(positionals);
  const statusItems = await loadItems(values['status-list'] ?? []);

  let current = null;
  const warnings = new Set();
  const warn = msg => {
    const where = current ? `${current.source}#${current.index}: ` : '';
    const line = `warning: ${where}${msg}`;
    if(!warnings.has(line)) {
      warnings.add(line);
      process.stderr.write(`${line}\n`);
    }
  };

  const verifyOne = async (item, checkStatus) => {
    if(item.parseError) {
      return {verified: false, error: item.parseError};
    }
    if(item.format === 'jwt') {
      return verifyJwt({token: item.value, documentLoader, keys, now,
        maxClockSkew, checkStatus});
    }
    return verifyLdp({credential: item.value, documentLoader, now,
      maxClockSkew, checkStatus});
  };
  const noStatus = () => ({verified: true});
  const checkStatus = createStatusChecker({
    lists: statusItems.filter(i => i.credential),
    verifyItem: item => verifyOne(item, noStatus),
    warn
  });

  if(items.length === 0) {
    process.stderr.write('error: no credentials found in the input\n');
    return 1;
  }
  let allOk = true;
  for(const item of items) {
    current = item;
    let r;
    try {
      r = await verifyOne(item, checkStatus);
    } catch(e) {
      r = {verified: false, error: e?.message ?? String(e)};
    }
    allOk &&= r.verified;
    emit({source: item.source, index: item.index, format: item.format,
      verified: r.verified, error: r.verified ? null : r.error});
  }
  return allOk ? 0 : 1;
}

runMain(main);
