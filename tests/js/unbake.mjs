#!/usr/bin/env node
// Reads the credential baked into Open Badges 3.0 badge images, independently of the
// Rust code, in the ways real importers do:
//   --method chunks   PNG: the first iTXt chunk with the keyword "openbadgecredential"
//                     (chunks split by png-chunks-extract, as the 1EdTech validator
//                     reads them); SVG: the first <credential> element in the
//                     https://purl.imsglobal.org/ob/v3p0 namespace (@xmldom/xmldom),
//                     its CDATA text or its `verify` attribute.
//   --method braces   PNG: the Learner Credential Wallet's way: find the keyword in
//                     the raw bytes, then count braces from the first "{" to the
//                     brace that closes it, without regard to JSON strings.
// Prints one credential per line (compact JSON or the JWS), ready for verify.mjs;
// exit 1 if an image holds none, 2 on usage errors.

import {readFile} from 'node:fs/promises';
import {parseArgs} from 'node:util';
import extractChunks from 'png-chunks-extract';
import {DOMParser} from '@xmldom/xmldom';

const KEYWORD = 'openbadgecredential';
const OB_NS = 'https://purl.imsglobal.org/ob/v3p0';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// iTXt: keyword NUL, compression flag, method, language NUL, translated keyword NUL,
// text (PNG 3rd edition §11.3.3.4).
function parseItxt(data) {
  const buf = Buffer.from(data);
  const k = buf.indexOf(0);
  const keyword = buf.subarray(0, k).toString('latin1');
  const compressed = buf[k + 1];
  let at = k + 3;
  at = buf.indexOf(0, at) + 1; // language tag
  at = buf.indexOf(0, at) + 1; // translated keyword
  if(compressed) {
    throw new Error('compressed iTXt (we never bake one)');
  }
  return {keyword, text: buf.subarray(at).toString('utf8')};
}

function pngByChunks(bytes) {
  for(const chunk of extractChunks(bytes)) {
    if(chunk.name === 'iTXt') {
      const {keyword, text} = parseItxt(chunk.data);
      if(keyword === KEYWORD) {
        return text;
      }
    }
  }
  return null;
}

function pngByBraces(bytes) {
  const at = bytes.indexOf(Buffer.from(KEYWORD, 'latin1'));
  if(at < 0) {
    return null;
  }
  const start = bytes.indexOf(0x7b, at); // {
  if(start < 0) {
    return null;
  }
  let depth = 0;
  for(let i = start; i < bytes.length; i++) {
    if(bytes[i] === 0x7b) {
      depth++;
    } else if(bytes[i] === 0x7d && --depth === 0) {
      return bytes.subarray(start, i + 1).toString('utf8');
    }
  }
  return null;
}

function svgByNamespace(text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const el = doc.getElementsByTagNameNS(OB_NS, 'credential')[0];
  if(!el) {
    return null;
  }
  return el.getAttribute('verify') || el.textContent.trim();
}

function oneLine(text) {
  const t = text.trim();
  return t.startsWith('{') ? JSON.stringify(JSON.parse(t)) : t;
}

async function main() {
  const {values, positionals} = parseArgs({
    options: {method: {type: 'string', default: 'chunks'}},
    allowPositionals: true
  });
  if(!['chunks', 'braces'].includes(values.method) || positionals.length === 0) {
    process.stderr.write('usage: node unbake.mjs [--method chunks|braces] IMAGE...\n');
    return 2;
  }
  let missing = 0;
  for(const file of positionals) {
    const bytes = await readFile(file);
    let found;
    if(bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
      found = values.method === 'braces' ? pngByBraces(bytes) : pngByChunks(bytes);
    } else {
      found = svgByNamespace(bytes.toString('utf8'));
    }
    if(found === null) {
      process.stderr.write(`${file}: no baked credential\n`);
      missing++;
      continue;
    }
    process.stdout.write(`${oneLine(found)}\n`);
  }
  return missing ? 1 : 0;
}

main().then(code => {
  process.exitCode = code;
}, e => {
  process.stderr.write(`error: ${e.stack || e}\n`);
  process.exitCode = 2;
});
