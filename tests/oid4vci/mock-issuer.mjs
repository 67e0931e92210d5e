#!/usr/bin/env node
// Mock OID4VCI 1.0 issuer (pre-authorized code flow) implementing the
// microcred issuer contract, for the wallet's self-test. Plain node:http +
// jose; deliberately does NOT use @openid4vc/* so the wallet is checked
// against an independent server side.
//
// Real checks: single-use pre-authorized codes, tx_code (PIN), single-use
// c_nonce with expiry, proof JWT typ/alg/kid|jwk, signature (did:key, did:jwk,
// jwk), aud = credential issuer, iat window, bearer access token.
//
// CLI: node mock-issuer.mjs [--port N] [--host H]
//   prints {"base": ..., "offers": {...}} and serves until killed.
//   POST BASE/mock/offers {"credential_configuration_id": ID, "tx_code": bool}
//   creates another offer.

import http from 'node:http';
import {randomBytes, randomInt} from 'node:crypto';
import {parseArgs} from 'node:util';
import {pathToFileURL} from 'node:url';
import {
  CompactSign, compactVerify, decodeProtectedHeader, exportJWK,
  generateKeyPair, importJWK
} from 'jose';
import {didJwkFromJwk, didKeyFromJwk, resolveDidUrl} from './lib/did.mjs';

export const PRE_AUTH_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
export const CONFIG_LDP = 'OpenBadgeCredential_ldp_vc';
export const CONFIG_JWT = 'OpenBadgeCredential_jwt_vc_json';
const CONTEXTS = [
  'https://www.w3.org/ns/credentials/v2',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'
];
const TYPES = ['VerifiableCredential', 'OpenBadgeCredential'];
const PROOF_ALGS = ['EdDSA', 'ES256'];
const TOKEN_TTL = 300;
const NONCE_TTL = 300;
const IAT_PAST = 300;
const IAT_FUTURE = 60;
const MAX_PIN_ATTEMPTS = 5;

const rnd = (n = 32) => randomBytes(n).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

class HttpError extends Error {
  constructor(status, error, description, headers = {}) {
    super(description);
    this.status = status;
    this.error = error;
    this.headers = headers;
  }
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers
  });
  res.end(text);
}

function readBody(req) {
  if(req.bodyText !== undefined) {
    return Promise.resolve(req.bodyText);
  }
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', c => {
      size += c.length;
      if(size > 1 << 20) {
        reject(new HttpError(413, 'invalid_request', 'body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      req.bodyText = Buffer.concat(chunks).toString('utf8');
      resolve(req.bodyText);
    });
    req.on('error', reject);
  });
}

function configurations({draftMetadata = false} = {}) {
  const display = [
    {name: 'Microcredential (Open Badge)', locale: 'nl'},
    {name: 'Micro-credential (Open Badge)', locale: 'en'}
  ];
  const common = {
    cryptographic_binding_methods_supported: ['did:key', 'did:jwk', 'jwk'],
    proof_types_supported: {jwt: {proof_signing_alg_values_supported: PROOF_ALGS}},
    // draftMetadata: the pre-1.0 shape (display at the top of the
    // configuration), only to check that the wallet refuses it.
    ...(draftMetadata ? {display} : {credential_metadata: {display}})
  };
  return {
    [CONFIG_LDP]: {
      format: 'ldp_vc',
      credential_definition: {'@context': CONTEXTS, type: TYPES},
      credential_signing_alg_values_supported: ['eddsa-rdfc-2022'],
      ...common
    },
    [CONFIG_JWT]: {
      format: 'jwt_vc_json',
      credential_definition: {type: TYPES},
      credential_signing_alg_values_supported: ['EdDSA'],
      ...common
    }
  };
}

/**
 * Starts the mock on host:port (port 0 = any free port).
 * Returns {base, port, createOffer, close, state}.
 */
export async function startMockIssuer({port = 0, host = '127.0.0.1', draftMetadata = false} = {}) {
  const issuerKey = await generateKeyPair('Ed25519');
  const issuerJwk = await exportJWK(issuerKey.publicKey);
  const issuerDid = didKeyFromJwk(issuerJwk);

  const state = {
    offers: new Map(), // id -> {configurationIds, code, txCode}
    codes: new Map(), // pre-authorized code -> {offerId, used, pinAttempts}
    tokens: new Map(), // access token -> {configurationIds, exp}
    nonces: new Map(), // c_nonce -> {exp}
    log: [] // every request: {method, path, contentType, authorization, body, status}
  };
  let base = null;

  function createOffer({credentialConfigurationId = CONFIG_LDP, txCode = false} = {}) {
    if(!(credentialConfigurationId in configurations())) {
      throw new Error(`unknown credential configuration ${credentialConfigurationId}`);
    }
    const id = rnd(16);
    const code = rnd(32);
    const pin = txCode === true ? String(randomInt(0, 1e6)).padStart(6, '0') :
      (typeof txCode === 'string' ? txCode : null);
    state.offers.set(id, {configurationIds: [credentialConfigurationId], code, txCode: pin});
    state.codes.set(code, {offerId: id, used: false, pinAttempts: 0});
    const offerUrl = `${base}/oid4vci/offers/${id}`;
    return {
      id,
      offerUrl,
      offerUri: 'openid-credential-offer://?credential_offer_uri=' + encodeURIComponent(offerUrl),
      preAuthorizedCode: code,
      txCode: pin
    };
  }

  function offerObject(offer) {
    const grant = {'pre-authorized_code': offer.code};
    if(offer.txCode) {
      grant.tx_code = {
        length: offer.txCode.length,
        input_mode: 'numeric',
        description: 'Voer de pincode in / enter the PIN'
      };
    }
    return {
      credential_issuer: base,
      credential_configuration_ids: offer.configurationIds,
      grants: {[PRE_AUTH_GRANT]: grant}
    };
  }

  async function token(req, res) {
    const ct = req.headers['content-type'] ?? '';
    if(!ct.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new HttpError(400, 'invalid_request',
        'token request must be application/x-www-form-urlencoded');
    }
    const params = new URLSearchParams(await readBody(req));
    const grantType = params.get('grant_type');
    if(!grantType) {
      throw new HttpError(400, 'invalid_request', 'grant_type is missing');
    }
    if(grantType !== PRE_AUTH_GRANT) {
      throw new HttpError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
    const code = params.get('pre-authorized_code');
    if(!code) {
      throw new HttpError(400, 'invalid_request', 'pre-authorized_code is missing');
    }
    const entry = state.codes.get(code);
    if(!entry || entry.used) {
      throw new HttpError(400, 'invalid_grant',
        'pre-authorized code is unknown, expired or already used');
    }
    const offer = state.offers.get(entry.offerId);
    const given = params.get('tx_code');
    if(offer.txCode) {
      if(given === null) {
        throw new HttpError(400, 'invalid_request', 'tx_code is required for this offer');
      }
      if(given !== offer.txCode) {
        entry.pinAttempts++;
        if(entry.pinAttempts >= MAX_PIN_ATTEMPTS) {
          entry.used = true;
        }
        throw new HttpError(400, 'invalid_grant', 'tx_code is wrong');
      }
    } else if(given !== null) {
      throw new HttpError(400, 'invalid_request', 'tx_code was not expected for this offer');
    }
    entry.used = true;
    const accessToken = rnd(32);
    state.tokens.set(accessToken, {
      configurationIds: offer.configurationIds,
      exp: now() + TOKEN_TTL
    });
    send(res, 200, {access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_TTL},
      {'Cache-Control': 'no-store'});
  }

  async function nonce(req, res) {
    await readBody(req); // logged; the request body is expected to be empty
    const value = rnd(32);
    state.nonces.set(value, {exp: now() + NONCE_TTL});
    send(res, 200, {c_nonce: value}, {'Cache-Control': 'no-store'});
  }

  async function verifyProof(jwt) {
    const bad = msg => new HttpError(400, 'invalid_proof', msg);
    if(typeof jwt !== 'string' || jwt.split('.').length !== 3) {
      throw bad('proof is not a compact JWS');
    }
    let header;
    try {
      header = decodeProtectedHeader(jwt);
    } catch {
      throw bad('proof header is not decodable');
    }
    if(header.typ !== 'openid4vci-proof+jwt') {
      throw bad('proof typ must be openid4vci-proof+jwt');
    }
    if(!PROOF_ALGS.includes(header.alg)) {
      throw bad(`proof alg ${header.alg} is not supported`);
    }
    const keyRefs = ['kid', 'jwk', 'x5c'].filter(k => header[k] !== undefined);
    if(keyRefs.length !== 1 || keyRefs[0] === 'x5c') {
      throw bad('proof header must carry exactly one of kid (DID URL) or jwk');
    }
    let holderDid;
    let jwk;
    if(header.kid !== undefined) {
      try {
        ({did: holderDid, jwk} = resolveDidUrl(header.kid));
      } catch (e) {
        throw bad(`kid: ${e.message}`);
      }
    } else {
      if(typeof header.jwk !== 'object' || header.jwk === null || 'd' in header.jwk) {
        throw bad('jwk must be a public JWK');
      }
      try {
        ({did: holderDid} = didJwkFromJwk(header.jwk));
      } catch (e) {
        throw bad(`jwk: ${e.message}`);
      }
      jwk = header.jwk;
    }
    const keyMatchesAlg = header.alg === 'EdDSA' ?
      (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') :
      (jwk.kty === 'EC' && jwk.crv === 'P-256');
    if(!keyMatchesAlg) {
      throw bad(`proof alg ${header.alg} does not match the holder key`);
    }
    let payload;
    try {
      const key = await importJWK(jwk, header.alg);
      const verified = await compactVerify(jwt, key, {algorithms: [header.alg]});
      payload = JSON.parse(new TextDecoder().decode(verified.payload));
    } catch {
      throw bad('proof signature does not verify');
    }
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if(!aud.includes(base)) {
      throw bad(`proof aud must be the credential issuer ${base}`);
    }
    if(typeof payload.iat !== 'number') {
      throw bad('proof iat is missing');
    }
    const t = now();
    if(payload.iat < t - IAT_PAST || payload.iat > t + IAT_FUTURE) {
      throw bad('proof iat is outside the accepted window');
    }
    if(typeof payload.nonce !== 'string') {
      throw bad('proof nonce is missing (this issuer has a nonce endpoint)');
    }
    const n = state.nonces.get(payload.nonce);
    if(!n || n.exp < t) {
      state.nonces.delete(payload.nonce);
      throw new HttpError(400, 'invalid_nonce', 'c_nonce is unknown, expired or already used');
    }
    state.nonces.delete(payload.nonce); // single use
    return {holderDid};
  }

  async function credential(req, res) {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(auth);
    const tok = m ? state.tokens.get(m[1]) : undefined;
    if(!tok || tok.exp < now()) {
      throw new HttpError(401, 'invalid_token',
        m ? 'access token is unknown or expired' : 'Authorization: Bearer token is missing',
        {'WWW-Authenticate': 'Bearer error="invalid_token"'});
    }
    const ct = req.headers['content-type'] ?? '';
    if(!ct.toLowerCase().startsWith('application/json')) {
      throw new HttpError(400, 'invalid_credential_request', 'credential request must be application/json');
    }
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      throw new HttpError(400, 'invalid_credential_request', 'body is not JSON');
    }
    if(!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(400, 'invalid_credential_request', 'body must be a JSON object');
    }
    if(body.proof !== undefined) {
      throw new HttpError(400, 'invalid_credential_request',
        '`proof` is not part of OID4VCI 1.0; use `proofs`');
    }
    const id = body.credential_configuration_id;
    if(typeof id !== 'string') {
      throw new HttpError(400, 'invalid_credential_request', 'credential_configuration_id is missing');
    }
    const configuration = configurations()[id];
    if(!configuration) {
      throw new HttpError(400, 'unknown_credential_configuration', `unknown ${id}`);
    }
    if(!tok.configurationIds.includes(id)) {
      throw new HttpError(400, 'invalid_credential_request', `${id} was not offered with this token`);
    }
    const proofs = body.proofs;
    if(proofs === undefined) {
      throw new HttpError(400, 'invalid_proof', 'proofs is missing');
    }
    if(!proofs || typeof proofs !== 'object' || Object.keys(proofs).length !== 1 ||
      !Array.isArray(proofs.jwt) || proofs.jwt.length === 0) {
      throw new HttpError(400, 'invalid_proof', 'proofs must be {"jwt": [<proof JWT>]}');
    }
    if(proofs.jwt.length > 1) {
      throw new HttpError(400, 'invalid_credential_request', 'batch issuance is not supported');
    }
    const {holderDid} = await verifyProof(proofs.jwt[0]);
    const vc = {
      '@context': CONTEXTS,
      id: `urn:uuid:${crypto.randomUUID()}`,
      type: TYPES,
      issuer: {id: issuerDid.did, type: ['Profile'], name: 'Mock issuer'},
      validFrom: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      name: 'Mock badge',
      credentialSubject: {id: holderDid, type: ['AchievementSubject']}
    };
    let credentialValue = vc;
    if(configuration.format === 'jwt_vc_json') {
      const payload = {
        iss: issuerDid.did, sub: holderDid, jti: vc.id, nbf: now(), iat: now(), vc
      };
      credentialValue = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({alg: 'EdDSA', typ: 'JWT', kid: issuerDid.didUrl})
        .sign(issuerKey.privateKey);
    }
    send(res, 200, {credentials: [{credential: credentialValue}]}, {'Cache-Control': 'no-store'});
  }

  async function handle(req, res) {
    const url = new URL(req.url, base);
    const route = `${req.method} ${url.pathname}`;
    if(route === 'GET /.well-known/openid-credential-issuer') {
      return send(res, 200, {
        credential_issuer: base,
        credential_endpoint: `${base}/oid4vci/credential`,
        nonce_endpoint: `${base}/oid4vci/nonce`,
        display: [
          {name: 'Microcred (mock)', locale: 'nl'},
          {name: 'Microcred (mock)', locale: 'en'}
        ],
        credential_configurations_supported: configurations({draftMetadata})
      });
    }
    if(route === 'GET /.well-known/oauth-authorization-server') {
      return send(res, 200, {
        issuer: base,
        token_endpoint: `${base}/oid4vci/token`,
        grant_types_supported: [PRE_AUTH_GRANT],
        'pre-authorized_grant_anonymous_access_supported': true
      });
    }
    const offerMatch = /^GET \/oid4vci\/offers\/([A-Za-z0-9_-]+)$/.exec(route);
    if(offerMatch) {
      const offer = state.offers.get(offerMatch[1]);
      if(!offer) {
        throw new HttpError(404, 'not_found', 'no such offer');
      }
      return send(res, 200, offerObject(offer), {'Cache-Control': 'no-store'});
    }
    if(route === 'POST /oid4vci/token') {
      return token(req, res);
    }
    if(route === 'POST /oid4vci/nonce') {
      return nonce(req, res);
    }
    if(route === 'POST /oid4vci/credential') {
      return credential(req, res);
    }
    if(route === 'POST /mock/offers') {
      let body = {};
      const text = await readBody(req);
      if(text) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new HttpError(400, 'invalid_request', 'body is not JSON');
        }
      }
      try {
        const o = createOffer({
          credentialConfigurationId: body.credential_configuration_id ?? CONFIG_LDP,
          txCode: body.tx_code ?? false
        });
        return send(res, 201, {offer_uri: o.offerUri, offer_url: o.offerUrl, tx_code: o.txCode});
      } catch (e) {
        throw new HttpError(400, 'invalid_request', e.message);
      }
    }
    throw new HttpError(404, 'not_found', `no route ${route}`);
  }

  const server = http.createServer((req, res) => {
    res.on('finish', () => {
      state.log.push({
        method: req.method,
        path: new URL(req.url, base).pathname,
        contentType: req.headers['content-type'] ?? null,
        authorization: req.headers.authorization ?? null,
        body: req.bodyText ?? null,
        status: res.statusCode
      });
    });
    handle(req, res).catch(e => {
      if(e instanceof HttpError) {
        send(res, e.status, {error: e.error, error_description: e.message}, e.headers);
      } else {
        send(res, 500, {error: 'server_error', error_description: String(e?.message ?? e)});
      }
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  base = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  return {
    base,
    port: actualPort,
    createOffer,
    state,
    close: () => new Promise(resolve => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    })
  };
}

async function main() {
  const {values} = parseArgs({
    options: {port: {type: 'string', default: '0'}, host: {type: 'string', default: '127.0.0.1'}}
  });
  const mock = await startMockIssuer({port: Number(values.port), host: values.host});
  const ldp = mock.createOffer({credentialConfigurationId: CONFIG_LDP});
  const jwtPin = mock.createOffer({credentialConfigurationId: CONFIG_JWT, txCode: true});
  console.log(JSON.stringify({
    base: mock.base,
    offers: {
      [CONFIG_LDP]: {offer_uri: ldp.offerUri},
      [CONFIG_JWT]: {offer_uri: jwtPin.offerUri, tx_code: jwtPin.txCode}
    }
  }, null, 2));
  const stop = () => mock.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if(import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
