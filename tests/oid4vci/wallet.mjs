#!/usr/bin/env node
// Independent OID4VCI 1.0 test wallet: pre-authorized code flow with
// @openid4vc/openid4vci (Animo) for every protocol step, jose + node:crypto for
// the callbacks. See README.md beside this file.
//
// node wallet.mjs --offer-uri URI [--tx-code PIN] [--key-type ed25519|p256]
//   [--binding did:key|did:jwk|jwk] [--scenario NAME] [--out FILE]
//   [--credential-configuration-id ID] [--allow-http] [--timeout-ms N] [--verbose]
//
// stdout: exactly one JSON object. Exit 0 = every server response succeeded,
// 1 = a step failed (the first failing server response is reported), 2 = usage.

import {parseArgs} from 'node:util';
import {createHash, randomBytes} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import {pathToFileURL} from 'node:url';
import {CompactSign, exportJWK, generateKeyPair, decodeJwt} from 'jose';
import {
  Openid4vciClient,
  Openid4vciVersion,
  determineAuthorizationServerForCredentialOffer,
  setGlobalConfig
} from '@openid4vc/openid4vci';
import {
  HashAlgorithm,
  Oauth2Client,
  clientAuthenticationAnonymous,
  getAuthorizationServerMetadataFromList,
  preAuthorizedCodeGrantIdentifier
} from '@openid4vc/oauth2';
import {didJwkFromJwk, didKeyFromJwk, publicJwk} from './lib/did.mjs';

export const SCENARIOS = [
  'normal',
  'replay-code',
  'reuse-nonce',
  'no-proof',
  'bad-proof-signature',
  'other-key',
  'wrong-audience',
  'stale-nonce',
  'no-token',
  'omit-tx-code'
];
export const KEY_TYPES = {ed25519: 'EdDSA', p256: 'ES256'};
export const BINDINGS = ['did:key', 'did:jwk', 'jwk'];
export const WRONG_AUDIENCE = 'https://wrong-audience.example.org';

const USAGE = `usage: node wallet.mjs --offer-uri URI [--tx-code PIN]
  [--key-type ed25519|p256] [--binding did:key|did:jwk|jwk]
  [--scenario ${SCENARIOS.join('|')}]
  [--out FILE] [--credential-configuration-id ID] [--allow-http]
  [--timeout-ms N] [--verbose]`;

class UsageError extends Error {}

/** A step failed; `fields` is the failure report (minus ok/steps). */
class StepFailure extends Error {
  constructor(fields) {
    super(fields.error_description ?? fields.error);
    this.fields = fields;
  }
}

function isLoopbackHost(hostname) {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function parseCli(argv) {
  let values;
  try {
    ({values} = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'offer-uri': {type: 'string'},
        'tx-code': {type: 'string'},
        'key-type': {type: 'string', default: 'ed25519'},
        binding: {type: 'string', default: 'did:key'},
        scenario: {type: 'string', default: 'normal'},
        out: {type: 'string'},
        'credential-configuration-id': {type: 'string'},
        'allow-http': {type: 'boolean', default: false},
        'timeout-ms': {type: 'string', default: '15000'},
        verbose: {type: 'boolean', default: false},
        help: {type: 'boolean', short: 'h', default: false}
      }
    }));
  } catch (e) {
    throw new UsageError(e.message);
  }
  if(values.help) {
    throw new UsageError('help');
  }
  if(!values['offer-uri']) {
    throw new UsageError('--offer-uri is required');
  }
  if(!(values['key-type'] in KEY_TYPES)) {
    throw new UsageError(`--key-type must be one of ${Object.keys(KEY_TYPES).join(', ')}`);
  }
  if(!BINDINGS.includes(values.binding)) {
    throw new UsageError(`--binding must be one of ${BINDINGS.join(', ')}`);
  }
  if(!SCENARIOS.includes(values.scenario)) {
    throw new UsageError(`--scenario must be one of ${SCENARIOS.join(', ')}`);
  }
  const timeoutMs = Number(values['timeout-ms']);
  if(!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new UsageError('--timeout-ms must be a positive integer');
  }
  let offerUri = values['offer-uri'];
  let parsed;
  try {
    parsed = new URL(offerUri);
  } catch {
    throw new UsageError('--offer-uri is not a URI');
  }
  // Convenience: a bare http(s) URL of the offer object is taken as the
  // credential_offer_uri of a by-reference offer.
  if((parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
    !parsed.searchParams.has('credential_offer_uri') &&
    !parsed.searchParams.has('credential_offer')) {
    offerUri = 'openid-credential-offer://?credential_offer_uri=' +
      encodeURIComponent(offerUri);
  }
  return {
    offerUri,
    txCode: values['tx-code'],
    keyType: values['key-type'],
    binding: values.binding,
    scenario: values.scenario,
    out: values.out,
    credentialConfigurationId: values['credential-configuration-id'],
    allowHttp: values['allow-http'],
    timeoutMs,
    verbose: values.verbose
  };
}

/** Holder key pair + its DID / signer for the chosen binding. */
export async function makeHolder(keyType, binding) {
  const alg = KEY_TYPES[keyType];
  const {privateKey, publicKey} = await generateKeyPair(
    alg === 'EdDSA' ? 'Ed25519' : 'ES256');
  const jwk = publicJwk(await exportJWK(publicKey));
  let did;
  let signer;
  if(binding === 'did:key') {
    const d = didKeyFromJwk(jwk);
    did = d.did;
    signer = {method: 'did', didUrl: d.didUrl, alg};
  } else if(binding === 'did:jwk') {
    const d = didJwkFromJwk(jwk);
    did = d.did;
    signer = {method: 'did', didUrl: d.didUrl, alg};
  } else {
    // `jwk` binding: the proof carries the key in the `jwk` header; the
    // holder's DID for the credential subject is its did:jwk equivalent.
    did = didJwkFromJwk(jwk).did;
    signer = {method: 'jwk', publicJwk: jwk, alg};
  }
  return {alg, privateKey, publicJwk: jwk, did, signer};
}

/** Offer's credential_offer_uri (or the offer itself) → does it need plain http? */
function offerNeedsHttp(offerUri) {
  const u = new URL(offerUri);
  const ref = u.searchParams.get('credential_offer_uri');
  if(ref) {
    return new URL(ref).protocol === 'http:' ? new URL(ref) : null;
  }
  const byValue = u.searchParams.get('credential_offer');
  if(byValue) {
    try {
      const iss = new URL(JSON.parse(byValue).credential_issuer);
      return iss.protocol === 'http:' ? iss : null;
    } catch {
      return null;
    }
  }
  return null;
}

function parseJsonOrNull(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Error params from a WWW-Authenticate header (RFC 6750 §3). */
function wwwAuthenticateParams(value) {
  if(!value) {
    return {};
  }
  const out = {};
  for(const m of value.matchAll(/(error|error_description)="((?:[^"\\]|\\.)*)"/g)) {
    out[m[1]] = m[2].replace(/\\(.)/g, '$1');
  }
  return out;
}

export async function runWallet(opts) {
  const steps = [];
  const ctx = {
    step: 'offer',
    attempt: 1,
    lastResponse: null, // {step, attempt, status, text, wwwAuthenticate}
    signWith: null, // override signing key (other-key scenario)
    tamperPayload: null // override proof payload (wrong-audience scenario)
  };
  const log = opts.verbose ? (...a) => console.error(...a) : () => {};

  const insecure = offerNeedsHttp(opts.offerUri);
  if(insecure) {
    if(!opts.allowHttp && !isLoopbackHost(insecure.hostname)) {
      throw new UsageError(
        `plain http is only accepted for loopback hosts (got ${insecure.host}); pass --allow-http`);
    }
    // The library validates every issuer/endpoint URL as https:// unless
    // this global switch is on (@openid4vc/utils zHttpsUrl).
    setGlobalConfig({allowInsecureUrls: true});
  }

  // fetch callback: records each exchange (for `steps` and error reports),
  // refuses plain http to anything but loopback (unless --allow-http), and can
  // drop the Authorization header (no-token scenario).
  const makeFetch = ({stripAuthorization = false} = {}) => async (input, init = {}) => {
    const url = typeof input === 'string' ? input : (input.url ?? String(input));
    const u = new URL(url);
    if(u.protocol === 'http:' && !opts.allowHttp && !isLoopbackHost(u.hostname)) {
      throw new Error(`refusing plain http to non-loopback host ${u.host}`);
    }
    const headers = new Headers(init.headers);
    if(stripAuthorization) {
      headers.delete('authorization');
    }
    const method = (init.method ?? 'GET').toUpperCase();
    log(`> ${method} ${url}`);
    for(const [k, v] of headers) {
      log(`>   ${k}: ${k === 'authorization' ? v.replace(/ .*/, ' …') : v}`);
    }
    if(init.body !== undefined) {
      log(`>   body: ${String(init.body)}`);
    }
    const response = await fetch(url, {
      ...init,
      headers,
      signal: AbortSignal.timeout(opts.timeoutMs)
    });
    const text = await response.clone().text();
    log(`< ${response.status} ${response.headers.get('content-type') ?? ''}`);
    log(`<   ${text.length > 2000 ? text.slice(0, 2000) + '…' : text}`);
    steps.push({step: ctx.step, attempt: ctx.attempt, method, url, status: response.status});
    ctx.lastResponse = {
      step: ctx.step,
      attempt: ctx.attempt,
      status: response.status,
      ok: response.ok,
      text,
      wwwAuthenticate: response.headers.get('www-authenticate')
    };
    return response;
  };

  const holder = await makeHolder(opts.keyType, opts.binding);

  const callbacks = {
    fetch: makeFetch(),
    hash: (data, alg) => {
      const name = {[HashAlgorithm.Sha256]: 'sha256', [HashAlgorithm.Sha384]: 'sha384',
        [HashAlgorithm.Sha512]: 'sha512'}[alg];
      if(!name) {
        throw new Error(`unsupported hash ${alg}`);
      }
      return new Uint8Array(createHash(name).update(data).digest());
    },
    generateRandom: n => new Uint8Array(randomBytes(n)),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, {header, payload}) => {
      const finalPayload = ctx.tamperPayload ? ctx.tamperPayload(payload) : payload;
      const jwt = await new CompactSign(
        new TextEncoder().encode(JSON.stringify(finalPayload)))
        .setProtectedHeader(header)
        .sign(ctx.signWith ?? holder.privateKey);
      return {jwt, signerJwk: holder.publicJwk};
    }
  };
  const client = new Openid4vciClient({callbacks});

  // Runs one step; on any error, turns it into the failure report: the
  // server's own error when the step's last HTTP response was unsuccessful,
  // else a client-side error (the library refused a request or a response).
  async function step(name, fn, {attempt = 1} = {}) {
    ctx.step = name;
    ctx.attempt = attempt;
    ctx.lastResponse = null;
    try {
      return await fn();
    } catch (e) {
      const r = ctx.lastResponse;
      const fields = {step: name};
      if(attempt > 1) {
        fields.attempt = attempt;
      }
      if(r && !r.ok) {
        const body = parseJsonOrNull(r.text);
        const www = wwwAuthenticateParams(r.wwwAuthenticate);
        fields.status = r.status;
        fields.error = (body && typeof body.error === 'string') ? body.error :
          (www.error ?? null);
        fields.error_description = (body && typeof body.error_description === 'string') ?
          body.error_description : (www.error_description ?? null);
        if(!body) {
          fields.body = r.text.slice(0, 1000);
        }
        if(r.wwwAuthenticate) {
          fields.www_authenticate = r.wwwAuthenticate;
        }
      } else {
        fields.status = r ? r.status : null;
        fields.error = 'client_error';
        fields.client_side = true;
        fields.error_description = String(e?.message ?? e);
        if(r) {
          fields.body = r.text.slice(0, 1000);
        }
      }
      throw new StepFailure(fields);
    }
  }

  const result = {
    scenario: opts.scenario,
    holder_did: holder.did,
    key_type: opts.keyType,
    binding: opts.binding
  };

  try {
    // 1. Credential offer (by reference: GET credential_offer_uri).
    const credentialOffer = await step('offer',
      () => client.resolveCredentialOffer(opts.offerUri));

    // 2. Credential issuer metadata + authorization server metadata.
    const issuerMetadata = await step('metadata',
      () => client.resolveIssuerMetadata(credentialOffer.credential_issuer));
    result.credential_issuer = issuerMetadata.credentialIssuer.credential_issuer;
    result.metadata_version = issuerMetadata.originalDraftVersion;
    // The library guesses the spec version from the metadata: "V1" (1.0)
    // only when a configuration has `credential_metadata`. Otherwise it
    // would send a draft-14 request (`format` + `credential_definition`
    // instead of `credential_configuration_id`), which is not 1.0: refuse.
    await step('metadata', async () => {
      if(issuerMetadata.originalDraftVersion !== Openid4vciVersion.V1) {
        throw new Error('credential issuer metadata was not recognised as OID4VCI 1.0 ' +
          `(library says ${issuerMetadata.originalDraftVersion}); 1.0 metadata puts display ` +
          'under credential_configurations_supported.*.credential_metadata');
      }
    });

    const configurationId = opts.credentialConfigurationId ??
      credentialOffer.credential_configuration_ids[0];
    const configuration = await step('metadata', async () => {
      const c = issuerMetadata.credentialIssuer
        .credential_configurations_supported[configurationId];
      if(!c) {
        throw new Error(`credential configuration ${JSON.stringify(configurationId)} ` +
          'is not in credential_configurations_supported');
      }
      return c;
    });
    result.credential_configuration_id = configurationId;
    result.format = configuration.format;

    // 3. Token request (pre-authorized code grant).
    let accessToken;
    if(opts.scenario === 'omit-tx-code') {
      // The high-level client refuses to omit a required tx_code, so use the
      // library's lower-level OAuth2 client with the same parameters.
      const grant = credentialOffer.grants?.[preAuthorizedCodeGrantIdentifier];
      const {accessTokenResponse} = await step('token', () =>
        new Oauth2Client({callbacks}).retrievePreAuthorizedCodeAccessToken({
          authorizationServerMetadata: getAuthorizationServerMetadataFromList(
            issuerMetadata.authorizationServers,
            determineAuthorizationServerForCredentialOffer({
              issuerMetadata,
              grantAuthorizationServer: grant?.authorization_server
            })),
          preAuthorizedCode: grant?.['pre-authorized_code'],
          resource: issuerMetadata.credentialIssuer.credential_issuer
        }));
      accessToken = accessTokenResponse.access_token;
    } else {
      const tokenOnce = () => client.retrievePreAuthorizedCodeAccessTokenFromOffer({
        credentialOffer,
        issuerMetadata,
        txCode: opts.txCode
      });
      const {accessTokenResponse} = await step('token', tokenOnce);
      accessToken = accessTokenResponse.access_token;
      if(opts.scenario === 'replay-code') {
        await step('token', tokenOnce, {attempt: 2});
      }
    }

    // 4.–6. Nonce, proof, credential request.
    const credentialRequest = async ({attempt = 1, nonce, issuedAt, noAuth = false,
      withProof = true} = {}) => {
      let proofs;
      if(withProof) {
        const {jwt} = await step('proof', () => client.createCredentialRequestJwtProof({
          issuerMetadata,
          credentialConfigurationId: configurationId,
          signer: holder.signer,
          nonce,
          issuedAt
        }), {attempt});
        let proofJwt = jwt;
        if(opts.scenario === 'bad-proof-signature') {
          // Flip one character in the middle of the signature (a middle
          // base64url character carries 6 real bits; the last one may not).
          const [h, p, s] = jwt.split('.');
          const i = Math.floor(s.length / 2);
          const flipped = s[i] === 'A' ? 'B' : 'A';
          proofJwt = `${h}.${p}.${s.slice(0, i)}${flipped}${s.slice(i + 1)}`;
        }
        proofs = {jwt: [proofJwt]};
      }
      const c = noAuth ? new Openid4vciClient({
        callbacks: {...callbacks, fetch: makeFetch({stripAuthorization: true})}
      }) : client;
      return step('credential', () => c.retrieveCredentials({
        issuerMetadata,
        credentialConfigurationId: configurationId,
        accessToken,
        proofs
      }), {attempt});
    };

    let credentialResponse;
    if(opts.scenario === 'no-proof') {
      ({credentialResponse} = await credentialRequest({withProof: false}));
    } else {
      const {c_nonce: cNonce} = await step('nonce',
        () => client.requestNonce({issuerMetadata}));
      let nonce = cNonce;
      if(opts.scenario === 'stale-nonce') {
        nonce = randomBytes(32).toString('base64url');
      }
      if(opts.scenario === 'other-key') {
        // Same kid/jwk header (the holder key), signature by another key.
        const other = await generateKeyPair(holder.alg === 'EdDSA' ? 'Ed25519' : 'ES256');
        ctx.signWith = other.privateKey;
      }
      if(opts.scenario === 'wrong-audience') {
        ctx.tamperPayload = payload => ({...payload, aud: WRONG_AUDIENCE});
      }
      const issuedAt = new Date();
      ({credentialResponse} = await credentialRequest({
        nonce, issuedAt, noAuth: opts.scenario === 'no-token'
      }));
      if(opts.scenario === 'reuse-nonce') {
        // Same access token, same c_nonce, a new proof (iat one second
        // earlier, so the JWT differs even with deterministic EdDSA).
        ({credentialResponse} = await credentialRequest({
          attempt: 2, nonce, issuedAt: new Date(issuedAt.getTime() - 1000)
        }));
      }
    }

    // 7. The credential as received.
    const entry = await step('credential', async () => {
      const list = credentialResponse.credentials;
      if(!Array.isArray(list) || list.length === 0) {
        throw new Error('credential response has no `credentials` array');
      }
      const first = list[0];
      if(!first || typeof first !== 'object' || !('credential' in first)) {
        throw new Error('credentials[0] is not an object with a `credential` member');
      }
      return first.credential;
    });
    result.credential = entry;
    result.credential_subject_id = credentialSubjectId(entry);
    result.subject_is_holder = result.credential_subject_id === holder.did;
    if(opts.out) {
      writeFileSync(opts.out, typeof entry === 'string' ? entry + '\n' :
        JSON.stringify(entry, null, 2) + '\n');
    }
    return {ok: true, ...result, steps};
  } catch (e) {
    if(e instanceof StepFailure) {
      return {ok: false, ...result, ...e.fields, steps};
    }
    throw e;
  }
}

/** credentialSubject.id of an ldp_vc object or a VC-JWT (vc claim, VCDM 2.0 claims or sub). */
export function credentialSubjectId(credential) {
  let vc = credential;
  if(typeof credential === 'string') {
    let payload;
    try {
      payload = decodeJwt(credential);
    } catch {
      return null;
    }
    vc = (payload.vc && typeof payload.vc === 'object') ? payload.vc : payload;
    const subject = Array.isArray(vc.credentialSubject) ? vc.credentialSubject[0] : vc.credentialSubject;
    return subject?.id ?? payload.sub ?? null;
  }
  const subject = Array.isArray(vc?.credentialSubject) ? vc.credentialSubject[0] : vc?.credentialSubject;
  return subject?.id ?? null;
}

async function main() {
  let opts;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (e) {
    if(e instanceof UsageError) {
      if(e.message === 'help') {
        console.log(USAGE);
        process.exit(0);
      }
      console.error(`${e.message}\n${USAGE}`);
      console.log(JSON.stringify({ok: false, step: 'usage', status: null,
        error: 'usage', error_description: e.message}));
      process.exit(2);
    }
    throw e;
  }
  let out;
  try {
    out = await runWallet(opts);
  } catch (e) {
    if(e instanceof UsageError) {
      console.error(`${e.message}\n${USAGE}`);
      console.log(JSON.stringify({ok: false, step: 'usage', status: null,
        error: 'usage', error_description: e.message}));
      process.exit(2);
    }
    out = {ok: false, step: 'internal', status: null, error: 'client_error',
      client_side: true, error_description: String(e?.stack ?? e)};
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exitCode = out.ok ? 0 : 1;
}

if(import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
