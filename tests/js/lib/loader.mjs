// Offline JSON-LD document loader.
//
// Serves ONLY:
//   1. the context URLs listed in <contextsDir>/index.json (URL -> file name),
//   2. did:key DIDs / DID URLs (resolved locally by @digitalbazaar/did-method-key),
//   3. controller documents given explicitly (did:web DID documents from
//      --did-doc, or any other controller document keyed by its `id`), and the
//      verification methods inside them (`<id>#fragment`),
//   4. an `extraDocuments` map {url: document} (used by the self-test).
// Everything else throws. It never touches the network.

import {readFile} from 'node:fs/promises';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as DidKey from '@digitalbazaar/did-method-key';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Default contexts directory: <repo>/contexts (this file is tests/js/lib/). */
export const DEFAULT_CONTEXTS_DIR = path.resolve(HERE, '..', '..', '..', 'contexts');

export const DID_V1 = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
export const JWK_V1 = 'https://w3id.org/security/jwk/v1';

const VERIFICATION_RELATIONSHIPS = [
  'verificationMethod', 'assertionMethod', 'authentication',
  'capabilityInvocation', 'capabilityDelegation', 'keyAgreement'
];

let _didKeyDriver;
/** A did:key driver that understands Ed25519 Multikeys (z6Mk...). */
export function didKeyDriver() {
  if(!_didKeyDriver) {
    _didKeyDriver = DidKey.driver();
    _didKeyDriver.use({
      multibaseMultikeyHeader: 'z6Mk',
      fromMultibase: Ed25519Multikey.from
    });
  }
  return _didKeyDriver;
}

/** Reads and checks <dir>/index.json. Returns Map(url -> absolute file). */
export function readContextIndex(contextsDir) {
  const indexFile = path.join(contextsDir, 'index.json');
  let index;
  try {
    index = JSON.parse(readFileSync(indexFile, 'utf8'));
  } catch(e) {
    throw new Error(`cannot read contexts index "${indexFile}": ${e.message}`);
  }
  if(!index || typeof index !== 'object' || Array.isArray(index)) {
    throw new Error(`contexts index "${indexFile}" must be a JSON object ` +
      'mapping context URL -> file name');
  }
  const map = new Map();
  for(const [url, file] of Object.entries(index)) {
    if(typeof file !== 'string') {
      throw new Error(`contexts index "${indexFile}": entry for "${url}" ` +
        'is not a file name');
    }
    map.set(url, path.resolve(contextsDir, file));
  }
  return map;
}

function absolutize(ref, base) {
  if(typeof ref !== 'string') {
    return ref;
  }
  if(ref.startsWith('#')) {
    return base + ref;
  }
  return ref;
}

/**
 * Normalises a controller (e.g. DID) document: relative `#frag` ids become
 * absolute, verification methods get a `controller` (default: the document
 * id), and relationship entries that are relative references are made
 * absolute, so the proof-purpose check (which compares ids as strings) works.
 */
export function normalizeControllerDocument(doc, source = 'controller document') {
  if(!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error(`${source}: must be a JSON object`);
  }
  if(typeof doc.id !== 'string' || !doc.id) {
    throw new Error(`${source}: missing string "id"`);
  }
  const base = doc.id;
  const out = structuredClone(doc);
  if(!out['@context']) {
    out['@context'] = [DID_V1, MULTIKEY_V1];
  }
  for(const rel of VERIFICATION_RELATIONSHIPS) {
    if(out[rel] === undefined) {
      continue;
    }
    const list = Array.isArray(out[rel]) ? out[rel] : [out[rel]];
    out[rel] = list.map(entry => {
      if(typeof entry === 'string') {
        return absolutize(entry, base);
      }
      if(entry && typeof entry === 'object') {
        const vm = {...entry, id: absolutize(entry.id, base)};
        if(vm.controller === undefined) {
          vm.controller = base;
        }
        return vm;
      }
      return entry;
    });
  }
  return out;
}

/** Finds a verification method object by absolute id in a normalised doc. */
export function findVerificationMethod(doc, vmId) {
  for(const rel of VERIFICATION_RELATIONSHIPS) {
    for(const entry of [].concat(doc[rel] ?? [])) {
      if(entry && typeof entry === 'object' && entry.id === vmId) {
        return entry;
      }
    }
  }
  return null;
}

/** Is `vmId` listed (by reference or embedded) under `relationship`? */
export function isAuthorized(doc, vmId, relationship = 'assertionMethod') {
  return [].concat(doc[relationship] ?? []).some(e =>
    e === vmId || (e && typeof e === 'object' && e.id === vmId));
}

/** A verification method as a stand-alone JSON-LD document. */
export function vmDocument(vm) {
  const out = structuredClone(vm);
  if(!out['@context']) {
    out['@context'] = (vm.type === 'JsonWebKey' || vm.type === 'JsonWebKey2020') ?
      JWK_V1 : MULTIKEY_V1;
  }
  return out;
}

/** Loads a --did-doc file. Returns the normalised document. */
export async function loadControllerDocumentFile(file) {
  let doc;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch(e) {
    throw new Error(`cannot read DID document "${file}": ${e.message}`);
  }
  return normalizeControllerDocument(doc, `DID document "${file}"`);
}

/**
 * Creates the document loader.
 *
 * @param {object} options
 * @param {string} [options.contextsDir] - directory with index.json.
 * @param {object[]} [options.controllerDocuments] - DID / controller
 *   documents (already normalised or raw; they are normalised here).
 * @param {object} [options.extraDocuments] - {url: document} served as-is.
 */
export function createDocumentLoader({
  contextsDir = DEFAULT_CONTEXTS_DIR,
  controllerDocuments = [],
  extraDocuments = {}
} = {}) {
  const index = readContextIndex(contextsDir);
  const contextCache = new Map();
  const controllers = new Map();
  for(const doc of controllerDocuments) {
    const norm = normalizeControllerDocument(doc);
    controllers.set(norm.id, norm);
  }
  const extras = new Map(Object.entries(extraDocuments));

  async function loadContext(url) {
    let doc = contextCache.get(url);
    if(doc === undefined) {
      const file = index.get(url);
      try {
        doc = JSON.parse(await readFile(file, 'utf8'));
      } catch(e) {
        throw new Error(`context "${url}" is listed in ` +
          `${path.join(contextsDir, 'index.json')} but its file "${file}" ` +
          `cannot be read: ${e.message}`);
      }
      contextCache.set(url, doc);
    }
    return doc;
  }

  async function resolve(url) {
    if(extras.has(url)) {
      return structuredClone(extras.get(url));
    }
    if(index.has(url)) {
      return loadContext(url);
    }
    if(url.startsWith('did:key:')) {
      // DID document for the DID, or the key node (with @context) for a
      // DID URL with a fragment.
      return didKeyDriver().get({url});
    }
    const hash = url.indexOf('#');
    const base = hash === -1 ? url : url.slice(0, hash);
    const controller = controllers.get(base);
    if(controller) {
      if(hash === -1) {
        return structuredClone(controller);
      }
      const vm = findVerificationMethod(controller, url);
      if(!vm) {
        throw new Error(`verification method "${url}" not found in the ` +
          `DID document given for "${base}"`);
      }
      return vmDocument(vm);
    }
    if(url.startsWith('did:web:')) {
      throw new Error(`cannot resolve "${url}": no DID document for ` +
        `"${base}" was given with --did-doc (did:web is never fetched)`);
    }
    throw new Error(`document loader refused "${url}": not in ` +
      `${path.join(contextsDir, 'index.json')}, not a did:key and not a ` +
      'document given with --did-doc (network access is disabled)');
  }

  const documentLoader = async url => {
    if(typeof url !== 'string') {
      throw new TypeError(`document loader: URL must be a string, got ${typeof url}`);
    }
    const document = await resolve(url);
    return {contextUrl: null, documentUrl: url, document};
  };
  documentLoader.controllers = controllers;
  documentLoader.contextsDir = contextsDir;
  return documentLoader;
}
