#!/usr/bin/env node
// A second, independent OID4VCI wallet: the Sphereon client as deployed wallets ship it,
// in two generations side by side (npm aliases):
//   --lib d13 → @sphereon/oid4vci-client 0.17.0 (OpenID4VCI draft 13: the credential
//               request is `format` + `credential_definition` + a singular `proof`)
//   --lib v1  → @sphereon/oid4vci-client 0.20.1 (draft 15 / 1.0 metadata; discovery asks
//               /.well-known/openid-configuration with Accept: application/json first)
// The holder is a fresh Ed25519 did:key; the flow is the pre-authorized code grant.
//
// node sphereon-wallet.mjs --lib d13|v1 --offer-uri URI [--tx-code PIN] [--verbose]
// stdout: one JSON object {ok, lib, holder_did, format, credential, requests} or
// {ok: false, lib, error, requests}. Exit 0 = credential received, 1 = failed, 2 = usage.

import http from 'node:http';
import https from 'node:https';
import {parseArgs} from 'node:util';
import {CompactSign, exportJWK, generateKeyPair} from 'jose';
import {didKeyFromJwk, publicJwk} from './lib/did.mjs';

const LIBS = {d13: 'sphereon-oid4vci-client-d13', v1: 'sphereon-oid4vci-client-v1'};

function usage(msg) {
  process.stdout.write(JSON.stringify({ok: false, error: 'usage', error_description: msg}) + '\n');
  process.exit(2);
}

let args;
try {
  ({values: args} = parseArgs({
    options: {
      lib: {type: 'string'},
      'offer-uri': {type: 'string'},
      'tx-code': {type: 'string'},
      verbose: {type: 'boolean', default: false}
    }
  }));
} catch (e) {
  usage(e.message);
}
if(!LIBS[args.lib]) {
  usage('--lib must be d13 or v1');
}
if(!args['offer-uri']) {
  usage('--offer-uri is required');
}

// Every HTTP exchange the library makes, for the calling test to assert on. The Sphereon
// clients fetch through cross-fetch (node-fetch over node:http), so the exchanges are
// recorded by wrapping http.request, request bodies included.
const requests = [];
for(const mod of [http, https]) {
  const original = mod.request;
  mod.request = (...callArgs) => {
    const request = original(...callArgs);
    const entry = {
      method: request.method,
      url: `${request.protocol}//${request.getHeader('host') ?? request.host}${request.path}`,
      accept: request.getHeader('accept') ?? null,
      status: null,
      content_type: null,
      request_body: ''
    };
    for(const name of ['write', 'end']) {
      const send = request[name].bind(request);
      request[name] = (chunk, ...rest) => {
        if(chunk && typeof chunk !== 'function') {
          entry.request_body += Buffer.from(chunk).toString('utf8');
        }
        return send(chunk, ...rest);
      };
    }
    request.on('response', response => {
      entry.status = response.statusCode;
      entry.content_type = response.headers['content-type'] ?? null;
      if(args.verbose) {
        process.stderr.write(`${entry.method} ${entry.url} (accept ${entry.accept}) → ${entry.status} ${entry.content_type}\n`);
      }
    });
    requests.push(entry);
    return request;
  };
}

const {OpenID4VCIClient} = await import(LIBS[args.lib]);

async function run() {
  const {privateKey, publicKey} = await generateKeyPair('Ed25519');
  const jwk = publicJwk(await exportJWK(publicKey));
  const {did, didUrl} = didKeyFromJwk(jwk);
  const client = await OpenID4VCIClient.fromURI({
    uri: args['offer-uri'],
    kid: didUrl,
    alg: 'EdDSA',
    retrieveServerMetadata: true
  });
  await client.acquireAccessToken(args['tx-code'] ? {pin: args['tx-code']} : {});
  const offered = client.credentialOffer?.credential_offer?.credential_configuration_ids ?? [];
  const supported = client.endpointMetadata?.credentialIssuerMetadata?.credential_configurations_supported ?? {};
  const config = supported[offered[0]];
  if(!config) {
    throw new Error(`the offer names ${JSON.stringify(offered)}, not in the metadata`);
  }
  const signCallback = async (jwt, kid) => {
    const header = {...jwt.header, alg: 'EdDSA', kid: kid ?? didUrl};
    return new CompactSign(new TextEncoder().encode(JSON.stringify(jwt.payload)))
      .setProtectedHeader(header)
      .sign(privateKey);
  };
  const response = await client.acquireCredentials({
    credentialTypes: args.lib === 'v1' ? offered[0] : config.credential_definition.type,
    context: config.credential_definition['@context'],
    format: config.format,
    proofCallbacks: {signCallback},
    kid: didUrl,
    alg: 'EdDSA'
  });
  const credential = response.credential ?? response.credentials?.[0]?.credential ?? response.credentials?.[0];
  if(!credential) {
    throw new Error(`no credential in the response: ${JSON.stringify(response).slice(0, 400)}`);
  }
  return {ok: true, lib: args.lib, holder_did: did, format: config.format, credential, requests};
}

try {
  const out = await run();
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
} catch (e) {
  process.stdout.write(JSON.stringify({ok: false, lib: args.lib, error: String(e?.message ?? e), requests}) + '\n');
  process.exit(1);
}
