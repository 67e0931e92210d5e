// Data Integrity (eddsa-rdfc-2022) signing and verification with the
// Digital Bazaar stack.
//
// JSON-LD safe mode: @digitalbazaar/data-integrity (>= 2.0) calls
// `canonize(..., {safe: true})` for both the document and the proof
// configuration, and @digitalbazaar/eddsa-rdfc-2022-cryptosuite's canonize()
// defaults to `safe: true` as well. Nothing here turns it off; the
// self-test proves it (an undefined term must make signing AND verifying
// fail).

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {resultMessages, errorMessages} from './errors.mjs';

export const CRYPTOSUITE = 'eddsa-rdfc-2022';

/** Controller (DID) of a verification method id: the part before '#'. */
export function controllerOf(vmId) {
  const i = vmId.indexOf('#');
  return i === -1 ? vmId : vmId.slice(0, i);
}

/**
 * Key pair (with signer) from an Ed25519 private JWK.
 */
export async function keyPairFromJwk(jwk, vmId) {
  if(!jwk || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') {
    throw new Error('key must be an Ed25519 JWK ({kty: "OKP", crv: "Ed25519"})');
  }
  if(typeof jwk.x !== 'string' || typeof jwk.d !== 'string') {
    throw new Error('Ed25519 private JWK must have "x" and "d"');
  }
  const keyPair = await Ed25519Multikey.fromJwk({
    jwk, secretKey: true, id: vmId, controller: controllerOf(vmId)
  });
  // Make sure x belongs to d: sign and verify a probe.
  const probe = new TextEncoder().encode('ob3-harness key check');
  const sig = await keyPair.signer().sign({data: probe});
  if(!await keyPair.verifier().verify({data: probe, signature: sig})) {
    throw new Error('JWK "x" does not match "d"');
  }
  return keyPair;
}

/**
 * Signs an unsigned credential (deep-copied) with DataIntegrityProof /
 * eddsa-rdfc-2022, proof purpose assertionMethod.
 */
export async function signCredential({
  credential, keyPair, documentLoader, created
}) {
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    date: created,
    cryptosuite: eddsaRdfc2022
  });
  return vc.issue({
    credential: structuredClone(credential),
    suite,
    documentLoader,
    // Signing time checks are not our business (the credential may be
    // backdated, e.g. the 2010 test vector); keep now = created.
    now: created ? new Date(created) : undefined
  });
}

/**
 * Builds a checkStatus function for vc.verifyCredential (see status.mjs).
 */
function defaultCheckStatus() {
  return {verified: true};
}

/**
 * Verifies one Data Integrity credential.
 *
 * @returns {Promise<{verified: boolean, error: string|null, result?: object}>}
 */
export async function verifyLdp({
  credential, documentLoader, now = new Date(), maxClockSkew = 0,
  checkStatus = defaultCheckStatus
}) {
  try {
    if(!credential || typeof credential !== 'object') {
      throw new Error('credential must be a JSON object');
    }
    const ctx = credential['@context'];
    if(!(typeof ctx === 'string' || (Array.isArray(ctx) && ctx.length))) {
      throw new Error('credential has no "@context"');
    }
    if(credential.proof === undefined) {
      throw new Error('credential has no "proof"');
    }
    const proofs = [].concat(credential.proof);
    if(proofs.length === 0) {
      throw new Error('credential "proof" is an empty array');
    }
    for(const p of proofs) {
      if(!p || typeof p !== 'object') {
        throw new Error('"proof" must be an object or an array of objects');
      }
      if(p.type !== 'DataIntegrityProof' || p.cryptosuite !== CRYPTOSUITE) {
        throw new Error(`unsupported proof: type ${JSON.stringify(p.type)}, ` +
          `cryptosuite ${JSON.stringify(p.cryptosuite)} (only ` +
          `DataIntegrityProof / ${CRYPTOSUITE} is accepted)`);
      }
      if(p.proofPurpose !== 'assertionMethod') {
        throw new Error(`proofPurpose must be "assertionMethod", got ` +
          JSON.stringify(p.proofPurpose));
      }
    }
    const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
    const result = await vc.verifyCredential({
      credential,
      suite,
      documentLoader,
      now,
      maxClockSkew,
      checkStatus
      // purpose: default CredentialIssuancePurpose (assertionMethod, and the
      // verification method's controller must be the issuer).
    });
    if(result.verified) {
      return {verified: true, error: null, result};
    }
    return {verified: false, error: resultMessages(result).join('; '), result};
  } catch(e) {
    return {verified: false, error: errorMessages(e).join('; ') || String(e)};
  }
}
