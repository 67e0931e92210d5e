// Bitstring Status List v1.0 checks (https://www.w3.org/TR/vc-bitstring-status-list/)
// against status list credentials given on the command line (--status-list);
// nothing is fetched. Without --status-list, status is reported as unchecked
// (a warning on stderr) and does not fail verification.

import {gunzipSync} from 'node:zlib';

function purposesOf(subject) {
  return [].concat(subject?.statusPurpose ?? []);
}

/** Decodes `encodedList` (multibase base64url, no padding, of GZIP bytes). */
export function decodeEncodedList(encodedList) {
  if(typeof encodedList !== 'string' || !encodedList.startsWith('u')) {
    throw new Error('encodedList must be a multibase base64url string (prefix "u")');
  }
  try {
    return gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'));
  } catch(e) {
    throw new Error(`encodedList is not GZIP data: ${e.message}`);
  }
}

/** Status value at `index` (statusSize bits, most significant bit first). */
export function statusValue(bytes, index, statusSize = 1) {
  let value = 0;
  for(let b = 0; b < statusSize; b++) {
    const bit = index * statusSize + b;
    const byte = bit >> 3;
    if(byte >= bytes.length) {
      throw new RangeError(`status index ${index} is outside the list ` +
        `(${bytes.length * 8 / statusSize} entries)`);
    }
    value = (value << 1) | ((bytes[byte] >> (7 - (bit & 7))) & 1);
  }
  return value;
}

/**
 * @param {object} options
 * @param {{source, index, format, value}[]} options.lists - status list
 *   credential items (parsed input items).
 * @param {Function} options.verifyItem - async item => {verified, error}
 *   (verifies the list credential itself, without status checking).
 * @param {Function} [options.warn] - warning sink.
 */
export function createStatusChecker({lists = [], verifyItem, warn = () => {}}) {
  const byId = new Map();
  for(const item of lists) {
    byId.set(item.credential?.id, item);
  }
  const verified = new Map();

  async function listFor(url) {
    const item = byId.get(url);
    if(!item) {
      throw new Error(`status list credential "${url}" was not given with --status-list`);
    }
    if(!verified.has(url)) {
      verified.set(url, verifyItem(item));
    }
    const r = await verified.get(url);
    if(!r.verified) {
      throw new Error(`status list credential "${url}" does not verify: ${r.error}`);
    }
    return item.credential;
  }

  return async function checkStatus({credential}) {
    try {
      const entries = [].concat(credential.credentialStatus ?? []);
      const problems = [];
      for(const entry of entries) {
        if(entry?.type !== 'BitstringStatusListEntry') {
          if(lists.length) {
            problems.push(`unsupported credentialStatus type ${JSON.stringify(entry?.type)}`);
          } else {
            warn(`credentialStatus of type ${JSON.stringify(entry?.type)} not checked`);
          }
          continue;
        }
        if(lists.length === 0) {
          warn(`credentialStatus (${entry.statusPurpose}) not checked: no --status-list given`);
          continue;
        }
        const list = await listFor(entry.statusListCredential);
        const types = [].concat(list.type ?? []);
        if(!types.includes('BitstringStatusListCredential')) {
          problems.push(`"${entry.statusListCredential}" is not a BitstringStatusListCredential`);
          continue;
        }
        const subject = [].concat(list.credentialSubject ?? [])[0];
        if(!purposesOf(subject).includes(entry.statusPurpose)) {
          problems.push(`status list "${entry.statusListCredential}" has statusPurpose ` +
            `${JSON.stringify(subject?.statusPurpose)}, entry wants ${JSON.stringify(entry.statusPurpose)}`);
          continue;
        }
        const index = Number(entry.statusListIndex);
        if(typeof entry.statusListIndex !== 'string' || !Number.isInteger(index) || index < 0) {
          problems.push(`statusListIndex must be a string holding a non-negative integer, got ` +
            JSON.stringify(entry.statusListIndex));
          continue;
        }
        const size = entry.statusSize === undefined ? 1 : Number(entry.statusSize);
        const value = statusValue(decodeEncodedList(subject.encodedList), index, size);
        if(value !== 0 && (entry.statusPurpose === 'revocation' ||
          entry.statusPurpose === 'suspension')) {
          problems.push(`credential is ${entry.statusPurpose === 'revocation' ?
            'revoked' : 'suspended'} (status list "${entry.statusListCredential}", ` +
            `index ${index})`);
        }
      }
      if(problems.length) {
        return {verified: false, error: new Error(problems.join('; '))};
      }
      return {verified: true};
    } catch(e) {
      return {verified: false, error: e};
    }
  };
}
