// Self-test (node:test): runs wallet.mjs (as a CLI, the way the Rust tests
// will) against mock-issuer.mjs on a free port, every scenario, for Ed25519
// and P-256 holder keys and did:key, did:jwk and jwk bindings.

import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';
import {decodeJwt, decodeProtectedHeader} from 'jose';
import {CONFIG_JWT, CONFIG_LDP, PRE_AUTH_GRANT, startMockIssuer} from './mock-issuer.mjs';
import {didJwkFromJwk, didKeyFromJwk, resolveDidUrl} from './lib/did.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const WALLET = join(here, 'wallet.mjs');

function wallet(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [WALLET, ...args], {timeout: 60_000},
      (error, stdout, stderr) => {
        const code = error ? error.code : 0;
        if(typeof code !== 'number') {
          reject(error);
          return;
        }
        const lines = stdout.trim().split('\n');
        let out;
        try {
          assert.equal(lines.length, 1, 'exactly one line on stdout');
          out = JSON.parse(lines[0]);
        } catch (e) {
          reject(new Error(`bad wallet stdout (${e.message}):\n${stdout}\nstderr:\n${stderr}`));
          return;
        }
        resolve({code, out, stderr});
      });
  });
}

let mock;
before(async () => {
  mock = await startMockIssuer({port: 0});
});
after(async () => {
  await mock?.close();
});

function offer(configId, txCode) {
  return mock.createOffer({credentialConfigurationId: configId, txCode});
}

function assertFailure({code, out}, {step, status, error, attempt}) {
  assert.equal(out.ok, false, JSON.stringify(out));
  assert.equal(code, 1);
  assert.equal(out.step, step, JSON.stringify(out));
  assert.equal(out.error, error, JSON.stringify(out));
  assert.equal(out.status, status, JSON.stringify(out));
  if(attempt) {
    assert.equal(out.attempt, attempt);
  }
  assert.ok(!out.client_side, 'the failure must come from the server');
}

const KEY_TYPES = ['ed25519', 'p256'];
const BINDINGS = ['did:key', 'did:jwk', 'jwk'];

for(const keyType of KEY_TYPES) {
  for(const binding of BINDINGS) {
    describe(`${keyType} / ${binding}`, {concurrency: true}, () => {
      const base = ['--key-type', keyType, '--binding', binding];

      test('normal, ldp_vc, no PIN', async () => {
        const o = offer(CONFIG_LDP, false);
        const {code, out} = await wallet(['--offer-uri', o.offerUri, ...base]);
        assert.equal(out.ok, true, JSON.stringify(out));
        assert.equal(code, 0);
        assert.equal(out.format, 'ldp_vc');
        assert.equal(out.metadata_version, 'V1');
        assert.equal(out.credential_configuration_id, CONFIG_LDP);
        assert.equal(typeof out.credential, 'object');
        assert.equal(out.credential.credentialSubject.id, out.holder_did);
        assert.equal(out.subject_is_holder, true);
        if(binding === 'did:key') {
          assert.ok(out.holder_did.startsWith(keyType === 'ed25519' ? 'did:key:z6Mk' : 'did:key:zDn'),
            out.holder_did);
        } else {
          assert.ok(out.holder_did.startsWith('did:jwk:'), out.holder_did);
        }
        assert.deepEqual(out.steps.map(s => s.step),
          ['offer', 'metadata', 'metadata', 'token', 'nonce', 'credential']);
      });

      test('normal, jwt_vc_json, with PIN (and --out)', async () => {
        const o = offer(CONFIG_JWT, true);
        const dir = mkdtempSync(join(tmpdir(), 'oid4vci-'));
        try {
          const file = join(dir, 'cred.jwt');
          const {code, out} = await wallet(['--offer-uri', o.offerUri, '--tx-code', o.txCode,
            '--out', file, ...base]);
          assert.equal(out.ok, true, JSON.stringify(out));
          assert.equal(code, 0);
          assert.equal(out.format, 'jwt_vc_json');
          assert.equal(typeof out.credential, 'string');
          assert.equal(decodeJwt(out.credential).vc.credentialSubject.id, out.holder_did);
          assert.equal(out.subject_is_holder, true);
          assert.equal(readFileSync(file, 'utf8'), out.credential + '\n');
        } finally {
          rmSync(dir, {recursive: true, force: true});
        }
      });

      test('wrong PIN → invalid_grant', async () => {
        const o = offer(CONFIG_LDP, '123456');
        const r = await wallet(['--offer-uri', o.offerUri, '--tx-code', '654321', ...base]);
        assertFailure(r, {step: 'token', status: 400, error: 'invalid_grant'});
      });

      test('omit-tx-code (PIN required, none sent) → invalid_request', async () => {
        const o = offer(CONFIG_LDP, true);
        const r = await wallet(['--offer-uri', o.offerUri, '--scenario', 'omit-tx-code', ...base]);
        assertFailure(r, {step: 'token', status: 400, error: 'invalid_request'});
      });

      test('replay-code → invalid_grant on the second token request', async () => {
        const o = offer(CONFIG_LDP, true);
        const r = await wallet(['--offer-uri', o.offerUri, '--tx-code', o.txCode,
          '--scenario', 'replay-code', ...base]);
        assertFailure(r, {step: 'token', status: 400, error: 'invalid_grant', attempt: 2});
        assert.deepEqual(r.out.steps.filter(s => s.step === 'token').map(s => s.status), [200, 400]);
      });

      test('reuse-nonce → invalid_nonce on the second credential request', async () => {
        const o = offer(CONFIG_LDP, false);
        const r = await wallet(['--offer-uri', o.offerUri, '--scenario', 'reuse-nonce', ...base]);
        assertFailure(r, {step: 'credential', status: 400, error: 'invalid_nonce', attempt: 2});
        assert.deepEqual(r.out.steps.filter(s => s.step === 'credential').map(s => s.status),
          [200, 400]);
      });

      for(const [scenario, status, error] of [
        ['stale-nonce', 400, 'invalid_nonce'],
        ['no-proof', 400, 'invalid_proof'],
        ['bad-proof-signature', 400, 'invalid_proof'],
        ['other-key', 400, 'invalid_proof'],
        ['wrong-audience', 400, 'invalid_proof'],
        ['no-token', 401, 'invalid_token']
      ]) {
        test(`${scenario} → ${error}`, async () => {
          const o = offer(CONFIG_JWT, false);
          const r = await wallet(['--offer-uri', o.offerUri, '--scenario', scenario, ...base]);
          assertFailure(r, {step: 'credential', status, error});
        });
      }
    });
  }
}

describe('wire shapes the library sends (what the Rust issuer must accept)', () => {
  test('token, nonce and credential requests', async () => {
    const m = await startMockIssuer({port: 0});
    try {
      const o = m.createOffer({credentialConfigurationId: CONFIG_LDP, txCode: '246810'});
      const {out} = await wallet(['--offer-uri', o.offerUri, '--tx-code', '246810',
        '--key-type', 'p256', '--binding', 'did:jwk']);
      assert.equal(out.ok, true, JSON.stringify(out));
      const log = m.state.log;
      assert.deepEqual(log.map(e => `${e.method} ${e.path} ${e.status}`), [
        `GET /oid4vci/offers/${o.id} 200`,
        'GET /.well-known/openid-credential-issuer 200',
        'GET /.well-known/oauth-authorization-server 200',
        'POST /oid4vci/token 200',
        'POST /oid4vci/nonce 200',
        'POST /oid4vci/credential 200'
      ]);
      // Token request: form-encoded; the library also sends `resource` (RFC
      // 8707) and repeats tx_code as the pre-draft-13 `user_pin`.
      const tokenReq = log[3];
      assert.equal(tokenReq.contentType, 'application/x-www-form-urlencoded');
      assert.equal(tokenReq.authorization, null);
      const form = Object.fromEntries(new URLSearchParams(tokenReq.body));
      assert.deepEqual(form, {
        grant_type: PRE_AUTH_GRANT,
        'pre-authorized_code': o.preAuthorizedCode,
        tx_code: '246810',
        user_pin: '246810',
        resource: m.base
      });
      // Nonce request: POST, no body, no Content-Type.
      assert.equal(log[4].contentType, null);
      assert.equal(log[4].body, '');
      // Credential request: JSON, Bearer, credential_configuration_id + proofs.jwt[1].
      const credReq = log[5];
      assert.equal(credReq.contentType, 'application/json');
      assert.match(credReq.authorization, /^Bearer \S+$/);
      const body = JSON.parse(credReq.body);
      assert.deepEqual(Object.keys(body).sort(), ['credential_configuration_id', 'proofs']);
      assert.equal(body.credential_configuration_id, CONFIG_LDP);
      assert.deepEqual(Object.keys(body.proofs), ['jwt']);
      assert.equal(body.proofs.jwt.length, 1);
      const header = decodeProtectedHeader(body.proofs.jwt[0]);
      const payload = decodeJwt(body.proofs.jwt[0]);
      assert.deepEqual(Object.keys(header).sort(), ['alg', 'kid', 'typ']);
      assert.equal(header.typ, 'openid4vci-proof+jwt');
      assert.equal(header.alg, 'ES256');
      assert.equal(header.kid, `${out.holder_did}#0`);
      assert.deepEqual(Object.keys(payload).sort(), ['aud', 'iat', 'nonce']);
      assert.equal(payload.aud, m.base);
    } finally {
      await m.close();
    }
  });

  test('jwk binding puts the key in the proof header', async () => {
    const m = await startMockIssuer({port: 0});
    try {
      const o = m.createOffer({credentialConfigurationId: CONFIG_LDP});
      const {out} = await wallet(['--offer-uri', o.offerUri, '--binding', 'jwk']);
      assert.equal(out.ok, true, JSON.stringify(out));
      const body = JSON.parse(m.state.log.at(-1).body);
      const header = decodeProtectedHeader(body.proofs.jwt[0]);
      assert.deepEqual(Object.keys(header).sort(), ['alg', 'jwk', 'typ']);
      assert.equal(header.jwk.d, undefined);
      assert.equal(didJwkFromJwk(header.jwk).did, out.holder_did);
    } finally {
      await m.close();
    }
  });
});

describe('DIDs', () => {
  test('did:key vectors (Ed25519 z6Mk…, P-256 zDn…) round-trip', () => {
    const p256 = {kty: 'EC', crv: 'P-256', x: 'igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns',
      y: 'efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM'};
    const ed = {kty: 'OKP', crv: 'Ed25519', x: 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik'};
    const dp = didKeyFromJwk(p256);
    const de = didKeyFromJwk(ed);
    assert.equal(dp.did, 'did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv');
    assert.equal(de.did, 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp');
    assert.deepEqual(resolveDidUrl(dp.didUrl).jwk, p256);
    assert.deepEqual(resolveDidUrl(de.didUrl).jwk, ed);
  });

  test('did:jwk vector (did:jwk spec example) round-trips', () => {
    const jwk = {kty: 'EC', crv: 'P-256', x: 'acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0',
      y: '_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE'};
    const d = didJwkFromJwk(jwk);
    assert.equal(d.did, 'did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9');
    assert.deepEqual(resolveDidUrl(d.didUrl).jwk, jwk);
    assert.throws(() => resolveDidUrl(`${d.did}#1`));
    assert.throws(() => resolveDidUrl(d.did));
  });
});

describe('CLI', () => {
  test('usage errors exit 2', async () => {
    for(const args of [[], ['--offer-uri', 'x', '--scenario', 'nope'],
      ['--offer-uri', 'openid-credential-offer://?credential_offer_uri=x', '--key-type', 'rsa'],
      ['--bogus']]) {
      const {code, out} = await wallet(args);
      assert.equal(code, 2, JSON.stringify(args));
      assert.equal(out.ok, false);
      assert.equal(out.step, 'usage');
    }
  });

  test('plain http to a non-loopback host is refused without --allow-http', async () => {
    const {code, out} = await wallet(['--offer-uri',
      'openid-credential-offer://?credential_offer_uri=' +
      encodeURIComponent('http://issuer.example.org/oid4vci/offers/1')]);
    assert.equal(code, 2);
    assert.equal(out.step, 'usage');
  });

  test('a bare offer URL is accepted as credential_offer_uri', async () => {
    const o = offer(CONFIG_LDP, false);
    const {code, out} = await wallet(['--offer-uri', o.offerUrl]);
    assert.equal(code, 0, JSON.stringify(out));
    assert.equal(out.ok, true);
  });

  test('pre-1.0 metadata (no credential_metadata) is refused before any token request', async () => {
    const m = await startMockIssuer({port: 0, draftMetadata: true});
    try {
      const o = m.createOffer({credentialConfigurationId: CONFIG_LDP});
      const {code, out} = await wallet(['--offer-uri', o.offerUri]);
      assert.equal(code, 1);
      assert.equal(out.step, 'metadata');
      assert.equal(out.client_side, true);
      assert.equal(out.metadata_version, 'Draft14');
      assert.ok(!m.state.log.some(e => e.path === '/oid4vci/token'));
    } finally {
      await m.close();
    }
  });

  test('an unknown offer is reported as the server answered', async () => {
    const {code, out} = await wallet(['--offer-uri', `${mock.base}/oid4vci/offers/nope`]);
    assert.equal(code, 1);
    assert.equal(out.step, 'offer');
    assert.equal(out.status, 404);
    assert.equal(out.error, 'not_found');
  });
});
