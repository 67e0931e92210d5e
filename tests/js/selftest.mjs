// Self-test of the verification harness (run with `npm test` in tests/js).
// Offline: contexts come from the project's contexts/, the official OB 3.0 test
// vector from tests/vectors/.

import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';
import {SignJWT, generateKeyPair, exportJWK, base64url} from 'jose';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createDocumentLoader, DID_V1, MULTIKEY_V1} from './lib/loader.mjs';
import {keyPairFromJwk, signCredential, verifyLdp} from './lib/ldp.mjs';
import {verifyJwt} from './lib/jwt.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// The project's own copies (contexts/, tests/vectors/, schemas/), so the self-test
// needs nothing outside the repository.
const REPO = path.resolve(HERE, '../..');
const CONTEXTS = path.join(REPO, 'contexts');
const VECTOR = JSON.parse(readFileSync(
  path.join(REPO, 'tests/vectors/ob3-eddsa-rdfc-2022.json'), 'utf8'));
const OB3_SCHEMA = path.join(REPO, 'schemas/ob_v3p0_achievementcredential_schema.json');
const NOW = '2025-06-01T00:00:00Z';

let tmp;
const file = (name, content) => {
  const p = path.join(tmp, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
};

/** Runs a harness script; returns {code, lines (parsed JSON), stdout, stderr}. */
function run(script, args, {input} = {}) {
  const r = spawnSync(process.execPath, [path.join(HERE, script), ...args],
    {input, encoding: 'utf8', timeout: 120_000});
  const lines = r.stdout.split('\n').filter(Boolean).map(l => {
    try {
      return JSON.parse(l);
    } catch {
      return l;
    }
  });
  return {code: r.status, lines, stdout: r.stdout, stderr: r.stderr};
}

const verifyCli = (args, opts) => run('verify.mjs', ['--contexts', CONTEXTS, '--now', NOW, ...args], opts);

// --- fixtures built in before() -------------------------------------------
const vectorJwk = {
  kty: 'OKP', crv: 'Ed25519',
  x: Buffer.from(VECTOR.public_key_hex, 'hex').toString('base64url'),
  d: Buffer.from(VECTOR.private_key_seed_hex, 'hex').toString('base64url')
};
const VM = VECTOR.verification_method;
const vectorController = {
  '@context': [DID_V1, MULTIKEY_V1],
  id: VM.controller,
  verificationMethod: [VM],
  assertionMethod: [VM.id]
};
// Loader extended with a small map: the vector's https controller document
// and verification method.
const vectorLoader = createDocumentLoader({
  contextsDir: CONTEXTS,
  extraDocuments: {
    [VM.controller]: vectorController,
    [VM.id]: {'@context': MULTIKEY_V1, ...VM}
  }
});

let signedVector; // vector credential signed by us
let didKey; // {did, vmId, jwk (private), keyPair}
let obCredential; // minimal VC 2.0 + OB 3.0.3 credential (unsigned), did:key issuer

function minimalCredential(issuerId, extra = {}) {
  return {
    '@context': [
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'
    ],
    id: 'urn:uuid:2f0b6a3e-6b4e-4f43-9a55-1c0c5b2d7a10',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: {id: issuerId, type: ['Profile'], name: 'Harness Test Issuer'},
    validFrom: '2025-01-01T00:00:00Z',
    validUntil: '2030-01-01T00:00:00Z',
    name: 'Harness Test Badge',
    credentialSubject: {
      id: 'did:example:learner-1',
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://example.org/achievements/harness-1',
        type: ['Achievement'],
        name: 'Harness Achievement',
        description: 'Awarded for testing the verification harness.',
        criteria: {narrative: 'Run the self-test.'}
      }
    },
    ...extra
  };
}

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ob3-harness-'));
  // Key generated with jose (standard RFC 8037 JWK, 32-byte d), then turned
  // into a Multikey / did:key with @digitalbazaar/ed25519-multikey.
  // (Ed25519Multikey.toJwk({secretKey: true}) would write the 64-byte
  // seed+public secret key into "d", which fromJwk itself rejects.)
  const {privateKey} = await generateKeyPair('EdDSA', {extractable: true});
  const jwk = await exportJWK(privateKey);
  const {publicKeyMultibase} = await Ed25519Multikey.fromJwk({jwk});
  const did = `did:key:${publicKeyMultibase}`;
  const vmId = `${did}#${publicKeyMultibase}`;
  didKey = {did, vmId, jwk, keyPair: await keyPairFromJwk(jwk, vmId)};
  obCredential = minimalCredential(did);
});

after(() => {
  if(tmp) {
    rmSync(tmp, {recursive: true, force: true});
  }
});

// --- test vector ----------------------------------------------------------

test('canonical N-Quads of the vector document match ob3-document-canon.txt', async () => {
  const expected = readFileSync(path.join(REPO, 'tests/vectors/ob3-document-canon.txt'), 'utf8');
  const got = await eddsaRdfc2022.canonize(VECTOR.credential, {documentLoader: vectorLoader});
  assert.equal(got.trim(), expected.trim());
});

test('signing the OB 3.0 vector gives expected_proof_value (library path)', async () => {
  const keyPair = await keyPairFromJwk(vectorJwk, VM.id);
  signedVector = await signCredential({credential: VECTOR.credential, keyPair,
    documentLoader: vectorLoader, created: VECTOR.proof_created});
  assert.equal(signedVector.proof.proofValue, VECTOR.expected_proof_value);
  assert.equal(signedVector.proof.created, VECTOR.proof_created);
  assert.equal(signedVector.proof.verificationMethod, VM.id);
});

test('sign.mjs CLI gives expected_proof_value for the vector', () => {
  const r = run('sign.mjs', ['--contexts', CONTEXTS, '--key', file('vector-key.json', vectorJwk),
    '--vm', VM.id, '--created', VECTOR.proof_created, file('vector-unsigned.json', VECTOR.credential)]);
  assert.equal(r.code, 0, r.stderr);
  const signed = JSON.parse(r.stdout);
  assert.equal(signed.proof.proofValue, VECTOR.expected_proof_value);
  assert.deepEqual(signed, signedVector);
});

test('the signed vector verifies (proof object and one-element proof array)', async () => {
  const r1 = await verifyLdp({credential: signedVector, documentLoader: vectorLoader, now: new Date(NOW)});
  assert.equal(r1.error, null);
  assert.equal(r1.verified, true);
  const asArray = {...signedVector, proof: [signedVector.proof]};
  const r2 = await verifyLdp({credential: asArray, documentLoader: vectorLoader, now: new Date(NOW)});
  assert.equal(r2.error, null);
  assert.equal(r2.verified, true);
});

test('verify.mjs verifies the vector given its https controller document via --did-doc', () => {
  const r = verifyCli(['--did-doc', file('vector-controller.json', vectorController),
    file('vector-signed.json', signedVector)]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.lines, [{source: path.join(tmp, 'vector-signed.json'), index: 0,
    format: 'ldp', verified: true, error: null}]);
});

test('one flipped character in proofValue fails', async () => {
  const pv = signedVector.proof.proofValue;
  const i = 20;
  const tampered = structuredClone(signedVector);
  tampered.proof.proofValue = pv.slice(0, i) + (pv[i] === 'A' ? 'B' : 'A') + pv.slice(i + 1);
  const r = await verifyLdp({credential: tampered, documentLoader: vectorLoader, now: new Date(NOW)});
  assert.equal(r.verified, false);
  assert.match(r.error, /Invalid signature/);
});

test('a changed claim fails', async () => {
  const tampered = structuredClone(signedVector);
  tampered.credentialSubject.achievement.name = 'Teamwork!';
  const r = await verifyLdp({credential: tampered, documentLoader: vectorLoader, now: new Date(NOW)});
  assert.equal(r.verified, false);
  assert.match(r.error, /Invalid signature/);
});

test('safe mode: signing with an undefined property fails', async () => {
  const bad = structuredClone(VECTOR.credential);
  bad.credentialSubject.foo = 'bar';
  const keyPair = await keyPairFromJwk(vectorJwk, VM.id);
  await assert.rejects(
    signCredential({credential: bad, keyPair, documentLoader: vectorLoader,
      created: VECTOR.proof_created}),
    e => /Safe mode validation error/.test(e.message) &&
      e.details?.event?.details?.property === 'foo');
});

test('safe mode: an undefined property added after signing fails verification', async () => {
  // Without safe mode "foo" would be dropped by JSON-LD expansion and the
  // signature would still match; so this failing proves safe mode is on.
  const bad = structuredClone(signedVector);
  bad.credentialSubject.foo = 'bar';
  const r = await verifyLdp({credential: bad, documentLoader: vectorLoader, now: new Date(NOW)});
  assert.equal(r.verified, false);
  assert.match(r.error, /Safe mode validation error.*"foo"/);
});

test('the loader refuses URLs that are not in index.json', async () => {
  await assert.rejects(vectorLoader('https://example.com/unknown-context.jsonld'),
    /refused "https:\/\/example.com\/unknown-context.jsonld"/);
  const bad = structuredClone(signedVector);
  bad['@context'].push('https://example.com/unknown-context.jsonld');
  const r = await verifyLdp({credential: bad, documentLoader: vectorLoader, now: new Date(NOW)});
  assert.equal(r.verified, false);
  assert.match(r.error, /refused/);
});

// --- did:key, VC 2.0 + OB 3.0.3 -----------------------------------------

function signCli(credential, {jwk = didKey.jwk, vm = didKey.vmId, name = 'cred'} = {}) {
  const r = run('sign.mjs', ['--contexts', CONTEXTS, '--key', file(`${name}-key.json`, jwk),
    '--vm', vm, '--created', '2025-01-01T00:00:00Z', file(`${name}-unsigned.json`, credential)]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('did:key: sign.mjs + verify.mjs on a minimal VC 2.0 / OB 3.0.3 credential', () => {
  const signed = signCli(obCredential);
  assert.equal(signed.proof.verificationMethod, didKey.vmId);
  const ok = verifyCli([file('didkey-signed.json', signed)]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.equal(ok.lines[0].verified, true);
  // the same through stdin, as a one-element-proof-array, in a JSON array
  const arr = JSON.stringify([signed, {...signed, proof: [signed.proof]}]);
  const viaStdin = verifyCli(['-'], {input: arr});
  assert.equal(viaStdin.code, 0, viaStdin.stdout + viaStdin.stderr);
  assert.deepEqual(viaStdin.lines.map(l => [l.source, l.index, l.verified]),
    [['-', 0, true], ['-', 1, true]]);
});

test('did:key: validity window is checked against --now', () => {
  const signed = signCli(obCredential, {name: 'window'});
  const f = file('window-signed.json', signed);
  const early = run('verify.mjs', ['--contexts', CONTEXTS, '--now', '2024-12-31T23:59:59Z', f]);
  assert.equal(early.code, 1);
  assert.match(early.lines[0].error, /before "validFrom"/);
  const late = run('verify.mjs', ['--contexts', CONTEXTS, '--now', '2030-01-01T00:00:01Z', f]);
  assert.equal(late.code, 1);
  assert.match(late.lines[0].error, /after "validUntil"/);
});

test('did:key: a credential whose issuer is not the key controller fails', () => {
  const cred = minimalCredential('https://example.edu/issuers/someone-else');
  const signed = signCli(cred, {name: 'wrong-issuer'});
  const r = verifyCli([file('wrong-issuer-signed.json', signed)]);
  assert.equal(r.code, 1);
  assert.match(r.lines[0].error, /issuer must match the verification method controller/);
});

// --- did:web from --did-doc ---------------------------------------------

test('did:web: resolved only from --did-doc (Multikey and JsonWebKey methods)', async () => {
  const did = 'did:web:issuer.example.org';
  const pub = await Ed25519Multikey.toJwk({keyPair: didKey.keyPair});
  const didDoc = {
    '@context': [DID_V1, MULTIKEY_V1, 'https://w3id.org/security/jwk/v1'],
    id: did,
    verificationMethod: [
      {id: '#key-1', type: 'Multikey', controller: did,
        publicKeyMultibase: didKey.keyPair.publicKeyMultibase},
      {id: `${did}#key-2`, type: 'JsonWebKey', controller: did, publicKeyJwk: pub}
    ],
    assertionMethod: ['#key-1', `${did}#key-2`]
  };
  const docFile = file('did-web.json', didDoc);
  for(const frag of ['key-1', 'key-2']) {
    const signed = signCli(minimalCredential(did), {vm: `${did}#${frag}`, name: `web-${frag}`});
    const f = file(`web-${frag}-signed.json`, signed);
    const ok = verifyCli(['--did-doc', docFile, f]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const missing = verifyCli([f]);
    assert.equal(missing.code, 1);
    assert.match(missing.lines[0].error, /no DID document for "did:web:issuer.example.org" was given with --did-doc/);
  }
  // a key that is not an assertionMethod is refused
  const notAuthorized = {...didDoc, assertionMethod: [`${did}#key-2`]};
  const signed = signCli(minimalCredential(did), {vm: `${did}#key-1`, name: 'web-unauth'});
  const r = verifyCli(['--did-doc', file('did-web-unauth.json', notAuthorized),
    file('web-unauth-signed.json', signed)]);
  assert.equal(r.code, 1);
  assert.match(r.lines[0].error, /not authorized by controller for proof purpose "assertionMethod"/);
});

// --- status list --------------------------------------------------------

test('BitstringStatusListEntry: revoked / not revoked / unchecked', () => {
  const listUrl = 'https://issuer.example.org/status/1';
  const makeList = revokedIndex => {
    const bits = Buffer.alloc(16384); // 131072 entries
    if(revokedIndex !== undefined) {
      bits[revokedIndex >> 3] |= 0x80 >> (revokedIndex & 7);
    }
    return {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: listUrl,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: didKey.did,
      validFrom: '2025-01-01T00:00:00Z',
      credentialSubject: {
        id: `${listUrl}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation',
        encodedList: `u${gzipSync(bits).toString('base64url')}`
      }
    };
  };
  const cred = minimalCredential(didKey.did, {credentialStatus: {
    id: `${listUrl}#42`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation',
    statusListIndex: '42', statusListCredential: listUrl
  }});
  const f = file('status-cred.json', signCli(cred, {name: 'status-cred'}));
  const revoked = file('list-revoked.json', signCli(makeList(42), {name: 'list-revoked'}));
  const clear = file('list-clear.json', signCli(makeList(41), {name: 'list-clear'}));

  const r1 = verifyCli(['--status-list', revoked, f]);
  assert.equal(r1.code, 1);
  assert.match(r1.lines[0].error, /credential is revoked .*index 42/);
  const r2 = verifyCli(['--status-list', clear, f]);
  assert.equal(r2.code, 0, r2.stdout + r2.stderr);
  const r3 = verifyCli([f]);
  assert.equal(r3.code, 0, r3.stdout + r3.stderr);
  assert.match(r3.stderr, /not checked: no --status-list given/);
  // a tampered status list is not trusted
  const forged = JSON.parse(readFileSync(clear, 'utf8'));
  forged.credentialSubject.encodedList = makeList().credentialSubject.encodedList;
  const r4 = verifyCli(['--status-list', file('list-forged.json', forged), f]);
  assert.equal(r4.code, 1);
  assert.match(r4.lines[0].error, /does not verify: Invalid signature/);
});

// --- VC-JWT ------------------------------------------------------------

function ob3JwtPayload(credential) {
  return {
    ...credential,
    iss: typeof credential.issuer === 'string' ? credential.issuer : credential.issuer.id,
    jti: credential.id,
    nbf: Math.floor(Date.parse(credential.validFrom) / 1000),
    ...(credential.validUntil ? {exp: Math.floor(Date.parse(credential.validUntil) / 1000)} : {}),
    sub: credential.credentialSubject.id
  };
}

async function makeJwt(payload, header, key) {
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

function tamperPayload(token, mutate) {
  const [h, p, s] = token.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  mutate(payload);
  return [h, base64url.encode(JSON.stringify(payload)), s].join('.');
}

test('VC-JWT EdDSA (did:key kid) and RS256 (--key JWK file): accepted; tampered, alg none and others rejected', async () => {
  // EdDSA, kid = did:key DID URL, resolved through did-method-key.
  const edPriv = {...didKey.jwk};
  const {importJWK} = await import('jose');
  const edKey = await importJWK(edPriv, 'EdDSA');
  const edToken = await makeJwt(ob3JwtPayload(obCredential),
    {alg: 'EdDSA', typ: 'JWT', kid: didKey.vmId}, edKey);

  // RS256, https issuer, key from a private JWK file with matching kid.
  const rsIssuer = 'https://example.edu/issuers/565049';
  const rsKid = `${rsIssuer}#rsa-key-1`;
  const {privateKey: rsPriv} = await generateKeyPair('RS256', {extractable: true});
  const rsJwk = {...await exportJWK(rsPriv), kid: rsKid, alg: 'RS256'};
  const rsKeyFile = file('rsa-private.jwk', rsJwk);
  const rsCred = minimalCredential(rsIssuer);
  const rsToken = await makeJwt(ob3JwtPayload(rsCred),
    {alg: 'RS256', typ: 'JWT', kid: rsKid}, rsPriv);
  // a kid-less JWK file (public part only) also works
  const {kid: _kid, d, p, q, dp, dq, qi, ...rsPub} = rsJwk;
  const rsPubNoKid = file('rsa-public-nokid.jwk', rsPub);

  const good = file('jwts.txt', `${edToken}\n${rsToken}\n`);
  const ok = verifyCli(['--key', rsKeyFile, good]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.deepEqual(ok.lines.map(l => [l.format, l.verified]), [['jwt', true], ['jwt', true]]);
  const okNoKid = verifyCli(['--key', rsPubNoKid, file('rs.txt', rsToken)]);
  assert.equal(okNoKid.code, 0, okNoKid.stdout + okNoKid.stderr);

  // without the RSA key the RS256 token has no key
  const noKey = verifyCli([file('rs-only.txt', rsToken)]);
  assert.equal(noKey.code, 1);
  assert.match(noKey.lines[0].error, /no key for kid/);

  const unsignedHeader = base64url.encode(JSON.stringify({alg: 'none', typ: 'JWT', kid: didKey.vmId}));
  const unsignedPayload = edToken.split('.')[1];
  const hs = await makeJwt(ob3JwtPayload(obCredential), {alg: 'HS256', typ: 'JWT', kid: didKey.vmId},
    new Uint8Array(32));
  const bad = {
    tampered: tamperPayload(edToken, p => {
      p.name = 'Forged';
    }),
    algNone: `${unsignedHeader}.${unsignedPayload}.`,
    algNoneWithSig: `${unsignedHeader}.${unsignedPayload}.${edToken.split('.')[2]}`,
    hs256: hs,
    wrongTyp: await makeJwt(ob3JwtPayload(obCredential), {alg: 'EdDSA', typ: 'vc+jwt', kid: didKey.vmId}, edKey),
    noKid: await makeJwt(ob3JwtPayload(obCredential), {alg: 'EdDSA', typ: 'JWT'}, edKey),
    wrongJti: await makeJwt({...ob3JwtPayload(obCredential), jti: 'urn:uuid:other'},
      {alg: 'EdDSA', typ: 'JWT', kid: didKey.vmId}, edKey),
    wrongNbf: await makeJwt({...ob3JwtPayload(obCredential), nbf: 1},
      {alg: 'EdDSA', typ: 'JWT', kid: didKey.vmId}, edKey),
    wrongIss: await makeJwt({...ob3JwtPayload(obCredential), iss: 'did:example:other'},
      {alg: 'EdDSA', typ: 'JWT', kid: didKey.vmId}, edKey)
  };
  const expected = {
    tampered: /signature verification failed/,
    algNone: /alg "none" is not allowed/,
    algNoneWithSig: /alg "none" is not allowed/,
    hs256: /alg "HS256" is not allowed/,
    wrongTyp: /typ must be "JWT"/,
    noKid: /no "kid"/,
    wrongJti: /jti "urn:uuid:other" != credential id/,
    wrongNbf: /nbf 1 != validFrom/,
    wrongIss: /iss "did:example:other" != issuer id/
  };
  const names = Object.keys(bad);
  const r = verifyCli(['--key', rsKeyFile, file('bad-jwts.txt', names.map(n => bad[n]).join('\n'))]);
  assert.equal(r.code, 1);
  assert.equal(r.lines.length, names.length);
  names.forEach((n, i) => {
    assert.equal(r.lines[i].verified, false, n);
    assert.match(r.lines[i].error, expected[n], `${n}: ${r.lines[i].error}`);
  });

  // expiry against --now
  const late = run('verify.mjs', ['--contexts', CONTEXTS, '--now', '2031-01-01T00:00:00Z',
    file('ed.txt', edToken)]);
  assert.equal(late.code, 1);
  assert.match(late.lines[0].error, /expired: exp/);

  // library path: the same token
  const lib = await verifyJwt({token: edToken, documentLoader: vectorLoader, now: new Date(NOW)});
  assert.deepEqual(lib, {verified: true, error: null});
});

test('mixed JSON-lines input: one result per line, exit 1 when one fails', () => {
  const signed = JSON.parse(readFileSync(path.join(tmp, 'didkey-signed.json'), 'utf8'));
  const broken = structuredClone(signed);
  broken.name = 'changed';
  const f = file('mixed.jsonl', `${JSON.stringify(signed)}\n\n${JSON.stringify(broken)}\nnot a credential\n`);
  const r = verifyCli([f]);
  assert.equal(r.code, 1);
  assert.deepEqual(r.lines.map(l => [l.index, l.format, l.verified]),
    [[0, 'ldp', true], [1, 'ldp', false], [2, 'ldp', false]]);
  assert.match(r.lines[2].error, /neither a JSON object nor a compact JWT/);
});

test('usage errors exit 2', () => {
  assert.equal(run('verify.mjs', []).code, 2);
  assert.equal(run('verify.mjs', ['--nope', 'x']).code, 2);
  assert.equal(run('verify.mjs', ['--contexts', tmp, path.join(tmp, 'didkey-signed.json')]).code, 2);
  assert.equal(verifyCli([path.join(tmp, 'does-not-exist.json')]).code, 2);
  assert.equal(run('schema.mjs', ['x.json']).code, 2);
  assert.equal(run('sign.mjs', ['--key', 'k.json', 'x.json']).code, 2);
});

// --- JSON Schema ------------------------------------------------------------

test('schema.mjs: OB 3.0 AchievementCredential schema compiles offline and validates', async () => {
  const signedWithArray = {...signedVector, proof: [signedVector.proof]};
  const good = run('schema.mjs', ['--schema', OB3_SCHEMA, file('schema-good.json', signedWithArray)]);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.deepEqual(good.lines[0], {source: path.join(tmp, 'schema-good.json'), index: 0,
    valid: true, errors: []});

  const {validFrom: _vf, ...noValidFrom} = VECTOR.credential;
  const bad = run('schema.mjs', ['--schema', OB3_SCHEMA, file('schema-bad.json', noValidFrom)]);
  assert.equal(bad.code, 1);
  assert.ok(bad.lines[0].errors.some(e => e.keyword === 'required' &&
    e.params.missingProperty === 'validFrom'), JSON.stringify(bad.lines[0]));

  // VC-JWT: the decoded payload is validated (with and without --strip-jwt)
  const edKey = await (await import('jose')).importJWK(didKey.jwk, 'EdDSA');
  const token = await makeJwt(ob3JwtPayload(obCredential),
    {alg: 'EdDSA', typ: 'JWT', kid: didKey.vmId}, edKey);
  const jf = file('schema-jwt.txt', token);
  for(const extra of [[], ['--strip-jwt']]) {
    const r = run('schema.mjs', ['--schema', OB3_SCHEMA, ...extra, jf]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
});
