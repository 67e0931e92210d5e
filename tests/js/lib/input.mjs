// Reads credential files: one JSON object, a JSON array of objects / compact
// JWT strings, or text with one item per line (a JSON object or a compact
// JWT). "-" means standard input.

import {readFile} from 'node:fs/promises';

export const JWT_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readSource(file) {
  return file === '-' ? readStdin() : readFile(file, 'utf8');
}

function classify(value, where) {
  if(typeof value === 'string') {
    const s = value.trim();
    if(JWT_RE.test(s)) {
      return {format: 'jwt', value: s};
    }
    return {format: 'jwt', parseError: `${where}: string is not a compact JWT`};
  }
  if(value && typeof value === 'object' && !Array.isArray(value)) {
    return {format: 'ldp', value};
  }
  return {format: 'ldp', parseError:
    `${where}: expected a JSON object or a compact JWT string`};
}

/**
 * Splits the text of one source into items.
 *
 * @returns {{format: 'ldp'|'jwt', value?: any, parseError?: string}[]}
 */
export function parseItems(text) {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if(!trimmed) {
    return [];
  }
  // Whole document as JSON first.
  let whole;
  let wholeOk = false;
  try {
    whole = JSON.parse(trimmed);
    wholeOk = true;
  } catch {}
  if(wholeOk) {
    if(Array.isArray(whole)) {
      return whole.map((v, i) => classify(v, `array element ${i}`));
    }
    return [classify(whole, 'document')];
  }
  // Otherwise: one item per non-empty line.
  const items = [];
  const lines = trimmed.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if(!line) {
      return;
    }
    if(line.startsWith('{') || line.startsWith('[') || line.startsWith('"')) {
      try {
        const v = JSON.parse(line);
        if(Array.isArray(v)) {
          v.forEach((e, j) =>
            items.push(classify(e, `line ${i + 1} element ${j}`)));
        } else {
          items.push(classify(v, `line ${i + 1}`));
        }
      } catch(e) {
        items.push({format: 'ldp',
          parseError: `line ${i + 1}: invalid JSON: ${e.message}`});
      }
      return;
    }
    if(JWT_RE.test(line)) {
      items.push({format: 'jwt', value: line});
      return;
    }
    items.push({format: line.includes('.') ? 'jwt' : 'ldp',
      parseError: `line ${i + 1}: neither a JSON object nor a compact JWT`});
  });
  return items;
}

/** Decodes a compact JWT without verifying it. */
export function decodeJwt(token) {
  const parts = token.split('.');
  if(parts.length !== 3) {
    throw new Error('a compact JWT has exactly three base64url parts');
  }
  const dec = (p, what) => {
    try {
      return JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch {
      throw new Error(`JWT ${what} is not base64url-encoded JSON`);
    }
  };
  const header = dec(parts[0], 'header');
  const payload = dec(parts[1], 'payload');
  if(!header || typeof header !== 'object' || Array.isArray(header)) {
    throw new Error('JWT header must be a JSON object');
  }
  if(!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new Error('JWT payload must be a JSON object');
  }
  return {header, payload};
}

/** JWT registered claim names (RFC 7519 section 4.1). */
export const JWT_REGISTERED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];

/**
 * The credential carried in a VC-JWT payload: `payload.vc` when that is an
 * object (VC-JWT 1.1 style), else the payload itself (OB 3.0 style).
 * With `strip`, registered JWT claims are removed from an OB 3.0 payload.
 */
export function credentialFromJwtPayload(payload, {strip = false} = {}) {
  if(payload.vc && typeof payload.vc === 'object' && !Array.isArray(payload.vc)) {
    return payload.vc;
  }
  if(!strip) {
    return payload;
  }
  const out = {...payload};
  for(const c of JWT_REGISTERED_CLAIMS) {
    delete out[c];
  }
  return out;
}
