// localConfig.cjs for the three W3C suites (copy it into each suite's root):
// only microcred on loopback, through the https auth proxy (docs/conformance.md).
const base = process.env.MC_BASE || 'https://localhost:40444';
const did = process.env.MC_ISSUER_DID;
if(!did) {
  throw new Error('set MC_ISSUER_DID to the institution\'s did:key');
}
const tags = ['vc2.0', 'eddsa-rdfc-2022', 'BitstringStatusList', 'Revocation',
  'localhost'];
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'microcred',
    implementation: 'microcred',
    issuers: [{
      id: did,
      endpoint: `${base}/credentials/issue`,
      supports: {vc: ['1.1', '2.0']},
      tags
    }],
    verifiers: [{
      id: 'https://localhost/microcred/verifier',
      endpoint: `${base}/credentials/verify`,
      supports: {vc: ['1.1', '2.0']},
      tags: [...tags, 'eddsa-jcs-2022']
    }],
    vpVerifiers: [{
      id: 'https://localhost/microcred/vp-verifier',
      endpoint: `${base}/presentations/verify`,
      supports: {vc: ['1.1', '2.0']},
      tags
    }]
  }]
};
