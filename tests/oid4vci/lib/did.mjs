// did:key (Ed25519 "z6Mk…", P-256 "zDn…") and did:jwk for holder keys:
// creation from a public JWK, and resolution of a DID URL back to a public JWK.
// Dependency-free apart from node:crypto (P-256 point decompression).

import {ECDH} from 'node:crypto';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58btcEncode(bytes) {
  let zeros = 0;
  while(zeros < bytes.length && bytes[zeros] === 0) {
    zeros++;
  }
  let n = 0n;
  for(const b of bytes) {
    n = (n << 8n) | BigInt(b);
  }
  let out = '';
  while(n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

export function base58btcDecode(str) {
  let zeros = 0;
  while(zeros < str.length && str[zeros] === '1') {
    zeros++;
  }
  let n = 0n;
  for(const ch of str) {
    const v = B58.indexOf(ch);
    if(v < 0) {
      throw new Error(`invalid base58btc character ${JSON.stringify(ch)}`);
    }
    n = n * 58n + BigInt(v);
  }
  const bytes = [];
  while(n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Uint8Array.from([...new Array(zeros).fill(0), ...bytes]);
}

// Multicodec varint prefixes.
const ED25519_PUB = [0xed, 0x01]; // 0xed
const P256_PUB = [0x80, 0x24]; // 0x1200

const b64u = s => Buffer.from(s, 'base64url');

/** Public members only (never leaks `d`). */
export function publicJwk(jwk) {
  if(jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    return {kty: 'OKP', crv: 'Ed25519', x: jwk.x};
  }
  if(jwk.kty === 'EC' && jwk.crv === 'P-256') {
    return {kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y};
  }
  throw new Error(`unsupported key: kty ${jwk.kty} crv ${jwk.crv}`);
}

/** did:key for an Ed25519 or P-256 public JWK; returns {did, didUrl}. */
export function didKeyFromJwk(jwk) {
  let bytes;
  if(jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    const x = b64u(jwk.x);
    if(x.length !== 32) {
      throw new Error('Ed25519 x must be 32 bytes');
    }
    bytes = Uint8Array.from([...ED25519_PUB, ...x]);
  } else if(jwk.kty === 'EC' && jwk.crv === 'P-256') {
    const x = b64u(jwk.x);
    const y = b64u(jwk.y);
    if(x.length !== 32 || y.length !== 32) {
      throw new Error('P-256 x and y must be 32 bytes');
    }
    const compressed = [(y[31] & 1) ? 0x03 : 0x02, ...x];
    bytes = Uint8Array.from([...P256_PUB, ...compressed]);
  } else {
    throw new Error(`did:key: unsupported key kty ${jwk.kty} crv ${jwk.crv}`);
  }
  const id = 'z' + base58btcEncode(bytes);
  return {did: `did:key:${id}`, didUrl: `did:key:${id}#${id}`};
}

/**
 * did:jwk for a public JWK; returns {did, didUrl} (fragment "#0"). The JWK's
 * public members are serialized in lexicographic order (crv, kty, x[, y]), as
 * in the did:jwk spec's examples, so that two parties deriving the did:jwk of
 * the same key get the same string.
 */
export function didJwkFromJwk(jwk) {
  const pub = publicJwk(jwk);
  const sorted = Object.fromEntries(Object.keys(pub).sort().map(k => [k, pub[k]]));
  const id = Buffer.from(JSON.stringify(sorted), 'utf8').toString('base64url');
  return {did: `did:jwk:${id}`, didUrl: `did:jwk:${id}#0`};
}

/** Public JWK for a did:key method-specific id ("z…"). */
export function jwkFromDidKeyId(id) {
  if(!id.startsWith('z')) {
    throw new Error('did:key id must be base58btc multibase ("z…")');
  }
  const bytes = base58btcDecode(id.slice(1));
  if(bytes[0] === ED25519_PUB[0] && bytes[1] === ED25519_PUB[1]) {
    const raw = bytes.slice(2);
    if(raw.length !== 32) {
      throw new Error('did:key Ed25519 key must be 32 bytes');
    }
    return {kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url')};
  }
  if(bytes[0] === P256_PUB[0] && bytes[1] === P256_PUB[1]) {
    const raw = bytes.slice(2);
    if(raw.length !== 33 || (raw[0] !== 2 && raw[0] !== 3)) {
      throw new Error('did:key P-256 key must be a 33-byte compressed point');
    }
    const full = ECDH.convertKey(Buffer.from(raw), 'prime256v1', undefined,
      undefined, 'uncompressed');
    return {
      kty: 'EC', crv: 'P-256',
      x: full.subarray(1, 33).toString('base64url'),
      y: full.subarray(33, 65).toString('base64url')
    };
  }
  throw new Error('did:key: unsupported multicodec (only Ed25519 0xed and P-256 0x1200)');
}

/**
 * Resolves a DID URL (did:key:z…#z…, did:jwk:…#0) to {did, jwk}. The fragment
 * must name the DID's single verification method.
 */
export function resolveDidUrl(didUrl) {
  if(typeof didUrl !== 'string') {
    throw new Error('kid must be a string');
  }
  const hash = didUrl.indexOf('#');
  if(hash < 0) {
    throw new Error('kid must be a DID URL with a fragment');
  }
  const did = didUrl.slice(0, hash);
  const fragment = didUrl.slice(hash + 1);
  if(did.startsWith('did:key:')) {
    const id = did.slice('did:key:'.length);
    if(fragment !== id) {
      throw new Error('did:key fragment must equal the method-specific id');
    }
    return {did, jwk: jwkFromDidKeyId(id)};
  }
  if(did.startsWith('did:jwk:')) {
    if(fragment !== '0') {
      throw new Error('did:jwk fragment must be "0"');
    }
    let jwk;
    try {
      jwk = JSON.parse(Buffer.from(did.slice('did:jwk:'.length), 'base64url').toString('utf8'));
    } catch {
      throw new Error('did:jwk: method-specific id is not base64url JSON');
    }
    if(!jwk || typeof jwk !== 'object' || 'd' in jwk) {
      throw new Error('did:jwk must hold a public JWK');
    }
    return {did, jwk: publicJwk(jwk)};
  }
  throw new Error(`unsupported DID method in ${JSON.stringify(did)}`);
}
