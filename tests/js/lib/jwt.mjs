// OB 3.0 VC-JWT verification with `jose`.
//
// Header: typ "JWT", alg EdDSA or RS256 (anything else, "none" included, is
// rejected before any key is looked at), kid required.
// Key: a --key JWK whose kid equals the header kid; else the kid resolved as
// a DID URL (did:key locally, did:web / other controller documents only from
// --did-doc); else every --key JWK that has no kid.
// Claims: iss == issuer id, jti == credential id, nbf == validFrom,
// sub == credentialSubject.id, exp == validUntil, and the time window.

import {importJWK, compactVerify} from 'jose';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {_checkCredential} from '@digitalbazaar/vc';
import {decodeJwt, credentialFromJwtPayload} from './input.mjs';
import {didKeyDriver, findVerificationMethod, isAuthorized} from './loader.mjs';
import {controllerOf} from './ldp.mjs';
import {errorMessages} from './errors.mjs';

export const ALLOWED_ALGS = ['EdDSA', 'RS256'];

/** Public members only, per key type. */
export function publicJwk(jwk) {
  if(!jwk || typeof jwk !== 'object') {
    throw new Error('JWK must be an object');
  }
  switch(jwk.kty) {
    case 'OKP':
      return {kty: 'OKP', crv: jwk.crv, x: jwk.x};
    case 'RSA':
      return {kty: 'RSA', n: jwk.n, e: jwk.e};
    case 'EC':
      return {kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y};
    default:
      throw new Error(`unsupported JWK kty ${JSON.stringify(jwk.kty)}`);
  }
}

/** Reads JWK file contents: a JWK or a JWK Set {keys: [...]}. */
export function jwksFromJson(json, source) {
  const list = Array.isArray(json?.keys) ? json.keys : [json];
  return list.map((jwk, i) => {
    if(!jwk || typeof jwk !== 'object' || typeof jwk.kty !== 'string') {
      throw new Error(`${source}${list.length > 1 ? ` key ${i}` : ''}: ` +
        'not a JWK (missing "kty")');
    }
    return {jwk, kid: typeof jwk.kid === 'string' ? jwk.kid : null, source};
  });
}

async function multikeyToJwk(vm) {
  const keyPair = await Ed25519Multikey.from(vm);
  return Ed25519Multikey.toJwk({keyPair});
}

async function vmToJwk(vm) {
  if(vm.publicKeyJwk) {
    return vm.publicKeyJwk;
  }
  if(typeof vm.publicKeyMultibase === 'string') {
    if(!vm.publicKeyMultibase.startsWith('z6Mk')) {
      throw new Error(`verification method "${vm.id}": only Ed25519 ` +
        'Multikeys (z6Mk...) are supported');
    }
    return multikeyToJwk(vm);
  }
  throw new Error(`verification method "${vm.id}" has neither ` +
    'publicKeyJwk nor publicKeyMultibase');
}

/** Resolves the header kid as a DID URL. Returns [] when it cannot. */
async function resolveKid(kid, documentLoader) {
  const did = controllerOf(kid);
  if(kid.startsWith('did:key:')) {
    const doc = await didKeyDriver().get({did});
    const vmId = kid.includes('#') ? kid : [].concat(doc.assertionMethod)[0];
    const vm = findVerificationMethod(doc, vmId);
    if(!vm) {
      throw new Error(`kid "${kid}": no such key in the did:key document`);
    }
    if(!isAuthorized(doc, vmId, 'assertionMethod')) {
      throw new Error(`kid "${kid}" is not an assertionMethod of ${did}`);
    }
    return [{jwk: await vmToJwk(vm), source: `did:key ${vmId}`}];
  }
  const doc = documentLoader?.controllers?.get(did);
  if(!doc) {
    if(kid.startsWith('did:web:')) {
      throw new Error(`kid "${kid}": no DID document for "${did}" was given ` +
        'with --did-doc (did:web is never fetched)');
    }
    return [];
  }
  const vmId = kid.includes('#') ? kid : [].concat(doc.assertionMethod ?? [])[0];
  const vm = typeof vmId === 'string' ? findVerificationMethod(doc, vmId) : null;
  if(!vm) {
    throw new Error(`kid "${kid}": verification method not found in the DID ` +
      `document given for "${did}"`);
  }
  if(!isAuthorized(doc, vm.id, 'assertionMethod')) {
    throw new Error(`kid "${kid}" is not listed under assertionMethod in the ` +
      `DID document for "${did}"`);
  }
  return [{jwk: await vmToJwk(vm), source: `DID document ${vm.id}`}];
}

function issuerId(issuer) {
  if(typeof issuer === 'string') {
    return issuer;
  }
  if(issuer && typeof issuer === 'object' && typeof issuer.id === 'string') {
    return issuer.id;
  }
  return undefined;
}

function toSeconds(dateString, name) {
  const ms = Date.parse(dateString);
  if(Number.isNaN(ms)) {
    throw new Error(`credential "${name}" is not a date: ${JSON.stringify(dateString)}`);
  }
  return Math.floor(ms / 1000);
}

/** Claim checks; returns a list of problems. */
export function checkClaims({payload, credential, header, now, maxClockSkew}) {
  const problems = [];
  const nowS = Math.floor(now.getTime() / 1000);
  const iss = issuerId(credential.issuer);
  if(iss === undefined) {
    problems.push('credential has no issuer id');
  } else if(payload.iss !== iss) {
    problems.push(`iss ${JSON.stringify(payload.iss)} != issuer id ${JSON.stringify(iss)}`);
  }
  if(payload.jti !== credential.id) {
    problems.push(`jti ${JSON.stringify(payload.jti)} != credential id ${JSON.stringify(credential.id)}`);
  }
  for(const [claim, prop, required] of [['nbf', 'validFrom', true], ['exp', 'validUntil', false]]) {
    const has = credential[prop] !== undefined;
    if(payload[claim] !== undefined && !Number.isInteger(payload[claim])) {
      problems.push(`${claim} must be an integer NumericDate, got ${JSON.stringify(payload[claim])}`);
      continue;
    }
    if(has) {
      try {
        const s = toSeconds(credential[prop], prop);
        if(payload[claim] !== s) {
          problems.push(`${claim} ${JSON.stringify(payload[claim])} != ${prop} ` +
            `${credential[prop]} (${s})`);
        }
      } catch(e) {
        problems.push(e.message);
      }
    } else if(payload[claim] !== undefined) {
      problems.push(`${claim} is set but the credential has no ${prop}`);
    } else if(required) {
      problems.push(`credential has no ${prop} (and the JWT no ${claim})`);
    }
  }
  const subjects = [].concat(credential.credentialSubject ?? []);
  const subId = subjects.find(s => s && typeof s === 'object' && s.id)?.id;
  if(subId !== undefined && payload.sub !== subId) {
    problems.push(`sub ${JSON.stringify(payload.sub)} != credentialSubject.id ${JSON.stringify(subId)}`);
  }
  if(Number.isInteger(payload.nbf) && nowS + maxClockSkew < payload.nbf) {
    problems.push(`not yet valid: nbf ${new Date(payload.nbf * 1000).toISOString()} ` +
      `is after now ${now.toISOString()}`);
  }
  if(Number.isInteger(payload.exp) && nowS - maxClockSkew >= payload.exp) {
    problems.push(`expired: exp ${new Date(payload.exp * 1000).toISOString()} ` +
      `is not after now ${now.toISOString()}`);
  }
  // kid that names a controller (DID URL or URL#fragment) must be the issuer's.
  const kid = header.kid;
  if(iss !== undefined && (kid.startsWith('did:') || kid.includes('#'))) {
    if(controllerOf(kid) !== iss) {
      problems.push(`kid "${kid}" is not a key of the issuer "${iss}"`);
    }
  }
  return problems;
}

/**
 * Verifies one compact VC-JWT.
 *
 * @param {object} options
 * @param {string} options.token
 * @param {Function} [options.documentLoader] - from createDocumentLoader
 *   (its `.controllers` map serves did:web documents).
 * @param {{jwk, kid, source}[]} [options.keys] - --key JWKs.
 * @param {Date} [options.now]
 * @param {number} [options.maxClockSkew] - seconds.
 * @param {Function} [options.checkStatus] - ({credential}) => {verified, error}
 */
export async function verifyJwt({
  token, documentLoader, keys = [], now = new Date(), maxClockSkew = 0,
  checkStatus
}) {
  try {
    const {header, payload} = decodeJwt(token);
    if(header.alg === 'none' || header.alg === undefined) {
      throw new Error(`JWT alg ${JSON.stringify(header.alg)} is not allowed (unsecured JWT)`);
    }
    if(!ALLOWED_ALGS.includes(header.alg)) {
      throw new Error(`JWT alg ${JSON.stringify(header.alg)} is not allowed ` +
        `(only ${ALLOWED_ALGS.join(', ')})`);
    }
    if(header.typ !== 'JWT') {
      throw new Error(`JWT header typ must be "JWT", got ${JSON.stringify(header.typ)}`);
    }
    if(typeof header.kid !== 'string' || !header.kid) {
      throw new Error('JWT header has no "kid"');
    }
    const {kid, alg} = header;

    // Candidate keys.
    let candidates = keys.filter(k => k.kid === kid);
    const resolveErrors = [];
    if(candidates.length === 0) {
      try {
        candidates = await resolveKid(kid, documentLoader);
      } catch(e) {
        resolveErrors.push(e.message);
      }
    }
    if(candidates.length === 0) {
      candidates = keys.filter(k => k.kid === null);
    }
    if(candidates.length === 0) {
      throw new Error(`no key for kid "${kid}"` +
        (resolveErrors.length ? `: ${resolveErrors.join('; ')}` : ''));
    }

    // Signature.
    const sigErrors = [];
    let verifiedWith = null;
    for(const cand of candidates) {
      try {
        const pub = publicJwk(cand.jwk);
        if(alg === 'EdDSA' && !(pub.kty === 'OKP' && pub.crv === 'Ed25519')) {
          throw new Error('EdDSA needs an Ed25519 key (kty OKP, crv Ed25519)');
        }
        if(alg === 'RS256' && pub.kty !== 'RSA') {
          throw new Error('RS256 needs an RSA key');
        }
        const key = await importJWK(pub, alg);
        await compactVerify(token, key, {algorithms: [alg]});
        verifiedWith = cand;
        break;
      } catch(e) {
        sigErrors.push(`${cand.source ?? 'key'}: ${e.message}`);
      }
    }
    if(!verifiedWith) {
      throw new Error(`JWT signature not verified (${sigErrors.join('; ')})`);
    }

    // Claims.
    const credential = credentialFromJwtPayload(payload);
    const problems = checkClaims({payload, credential, header, now, maxClockSkew});
    try {
      // The VC data model checks of @digitalbazaar/vc (context, type,
      // subject, issuer URL, validFrom/validUntil against now).
      _checkCredential({credential, now, maxClockSkew, mode: 'verify'});
    } catch(e) {
      problems.push(`credential: ${e.message}`);
    }
    if(problems.length) {
      throw new Error(problems.join('; '));
    }
    if(credential.credentialStatus !== undefined && checkStatus) {
      const st = await checkStatus({credential});
      if(!st.verified) {
        throw st.error instanceof Error ? st.error : new Error(String(st.error));
      }
    }
    return {verified: true, error: null};
  } catch(e) {
    return {verified: false, error: errorMessages(e).join('; ') || String(e)};
  }
}
