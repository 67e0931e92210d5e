// Respelling corpus generator with jsonld.js as the oracle (issue 26).
//
//   node respell.mjs [--count N] [--seed S] [--kinds k1,k2,...] [--focus i,j,...]
//                    [--workers W] FILE
//
// FILE holds base documents, one JSON object a line: signed credentials (with `proof`),
// presentations, status list credentials. The script writes N (--count, default 100)
// respelt documents to stdout, one JSON line each:
//
//   {"base": i, "kind": "...", "detail": "...", "same_rdf": true|false|null, "doc": {...}}
//
// `base` is the 0-based line of the base document, `kind` names the respelling (the
// summary groups by it), `detail` says what was respelt where. `same_rdf` is the
// oracle's word: the RDFC-1.0 canonical N-Quads (jsonld.js, `safe: false`, the offline
// loader of lib/loader.mjs) of everything that is signed are those of the base:
//   - the document without its `proof`;
//   - each proof's configuration (without `proofValue`) under the document's
//     `@context`, as Data Integrity and jsonld-signatures canonicalise it;
//   - for a presentation, each embedded credential on its own (without its proof) and
//     its proofs' configurations, found by IRI (`cred:verifiableCredential`), as a
//     verifier checks them one by one.
// `null` when jsonld.js refuses the respelt document (a JSON-LD error).
//
// Respellings are drawn with a seeded PRNG (mulberry32; --seed, default 1): document
// number j has its own stream drawn from the seed and j, so a run is reproducible and
// the same whatever the number of worker threads (--workers, default 2). Bases are drawn
// a third of the time uniformly, a third by shape (contexts and types, so that rare
// shapes get their share), a third among the --focus bases. --kinds limits the kinds.
//
// Each respelling is applied to a member or type value found in the document by walking
// it with jsonld.js's own context processing (the active context at every node,
// type-scoped and property-scoped contexts included), so the new spelling carries the
// same term definition (coercion, container, scoped context) as the one it replaces.
// Some respellings are meant to keep the RDF (aliases, prefix chains, @vocab, keyword
// aliases, value objects, @nest, @included, embedded and type-scoped contexts, ...) and
// some to change it (another IRI, a dropped coercion, a changed or removed value, a
// second status entry); the oracle decides, not the intent.
import {readFile} from 'node:fs/promises';
import {availableParallelism} from 'node:os';
import {fileURLToPath} from 'node:url';
import {Worker, isMainThread, parentPort, workerData} from 'node:worker_threads';
import jsonld from 'jsonld';
import ctxApi from 'jsonld/lib/context.js';
import ContextResolver from 'jsonld/lib/ContextResolver.js';
import {createDocumentLoader} from './lib/loader.mjs';

const CRED = 'https://www.w3.org/2018/credentials#';
const SEC = 'https://w3id.org/security#';
const PROOF_IRI = SEC + 'proof';
const VC_IRI = CRED + 'verifiableCredential';

// ---------------------------------------------------------------------------------
// Command line.

function usage(msg) {
  process.stderr.write(`${msg}\nusage: node respell.mjs [--count N] [--seed S] [--kinds k1,k2] [--focus i,j] [--workers W] FILE\n`);
  process.exit(2);
}
const argv = isMainThread ? process.argv.slice(2) : workerData.argv;
let count = 100;
let seed = 1;
let onlyKinds = null;
let focus = [];
let workers = Math.min(2, availableParallelism());
let file = null;
for(let i = 0; i < argv.length; ++i) {
  const a = argv[i];
  if(a === '--count') {
    count = Number(argv[++i]);
  } else if(a === '--seed') {
    seed = Number(argv[++i]);
  } else if(a === '--kinds') {
    onlyKinds = new Set(argv[++i].split(','));
  } else if(a === '--focus') {
    focus = argv[++i].split(',').filter(x => x !== '').map(Number);
  } else if(a === '--workers') {
    workers = Number(argv[++i]);
  } else if(a.startsWith('--')) {
    usage(`unknown option ${a}`);
  } else {
    file = a;
  }
}
if(!file || !Number.isInteger(count) || count < 0 || !Number.isInteger(seed) ||
  !Number.isInteger(workers) || workers < 1) {
  usage('a FILE of base documents, an integer --count, --seed and --workers are needed');
}

// ---------------------------------------------------------------------------------
// Seeded randomness.

function mulberry32(a) {
  return () => {
    a |= 0;
    a = a + 0x6D2B79F5 | 0;
    let t = Math.imul(a ^ a >>> 15, 1 | a);
    t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t;
    return ((t ^ t >>> 14) >>> 0) / 4294967296;
  };
}
// Each document has its own stream, drawn from the seed and its number: the output does
// not depend on how many workers share the work.
let random = mulberry32(seed >>> 0);
const streamFor = j => {
  random = mulberry32(Math.imul(seed >>> 0, 0x9E3779B1) ^ Math.imul(j + 1, 0x85EBCA77));
  for(let k = 0; k < 4; ++k) {
    random();
  }
};
const int = n => Math.floor(random() * n);
const pick = a => a[int(a.length)];
const chance = p => random() < p;

// ---------------------------------------------------------------------------------
// JSON helpers. A path is a list of object keys and array indexes.

const isObject = v => v !== null && typeof v === 'object' && !Array.isArray(v);
const asArray = v => Array.isArray(v) ? v : [v];
const clone = v => structuredClone(v);

function at(doc, path) {
  let v = doc;
  for(const k of path) {
    if(v === null || typeof v !== 'object') {
      return undefined;
    }
    v = v[k];
  }
  return v;
}

/** Replaces key `from` of `obj` by `to` (with `value`), keeping the member order. */
function renameKey(obj, from, to, value) {
  const entries = Object.entries(obj);
  for(const k of Object.keys(obj)) {
    delete obj[k];
  }
  for(const [k, v] of entries) {
    if(k === from) {
      obj[to] = value;
    } else {
      obj[k] = v;
    }
  }
}

/** Base documents are frozen: a respelling that changed one in place would throw. */
function deepFreeze(v) {
  if(v !== null && typeof v === 'object') {
    Object.values(v).forEach(deepFreeze);
    Object.freeze(v);
  }
  return v;
}

const pathText = path => '/' + path.join('/');

// ---------------------------------------------------------------------------------
// JSON-LD processing: one loader and one context cache for the whole run.

const documentLoader = createDocumentLoader({});
const sharedCache = new Map();
const ctxOptions = () => ({
  documentLoader,
  contextResolver: new ContextResolver({sharedCache}),
  base: '',
  processingMode: 'json-ld-1.1',
  isFrame: false
});

async function canon(doc) {
  return jsonld.canonize(doc, {
    algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: false
  });
}

/**
 * jsonld.js's context processing, memoised by active context (identity) and local
 * context: contexts are never changed once made, and the analysis of a document meets
 * the same ones again and again.
 */
const processed = new WeakMap();
async function processContext({activeCtx, localCtx, propagate = true, overrideProtected = false, options}) {
  let memo = processed.get(activeCtx);
  if(!memo) {
    memo = new Map();
    processed.set(activeCtx, memo);
  }
  const key = `${propagate}|${overrideProtected}|${JSON.stringify(localCtx)}`;
  let ctx = memo.get(key);
  if(!ctx) {
    ctx = await ctxApi.process({activeCtx, localCtx, propagate, overrideProtected, options});
    memo.set(key, ctx);
  }
  return ctx;
}

/** The context a type-scoped context was applied to (jsonld.js clones it; we only read). */
const revert = ctx => ctx.previousContext || ctx;

const expandIri = (ctx, v, rel = {vocab: true}) => ctxApi.expandIri(ctx, v, rel, ctxOptions());
const contextValue = (ctx, key, what) => ctxApi.getContextValue(ctx, key, what);

/**
 * Walks a document as jsonld.js expands it (lib/expand.js) and records, with the active
 * context at each place: every node object, every member (its key, IRI and term
 * definition) and every type value.
 */
async function analyse(doc) {
  const out = {nodes: [], members: [], types: []};
  const options = ctxOptions();
  const initial = ctxApi.getInitialContext(options);
  await walk(doc, initial, null, [], out, options, {holder: null, inProof: false, inVc: false});
  return out;
}

async function walk(el, activeCtx, activeProperty, path, out, options, where) {
  if(Array.isArray(el)) {
    for(let i = 0; i < el.length; ++i) {
      await walk(el[i], activeCtx, activeProperty, [...path, i], out, options, where);
    }
    return;
  }
  if(!isObject(el)) {
    return;
  }
  const propertyScoped = contextValue(activeCtx, activeProperty, '@context');
  const typeScopedBefore = activeCtx.previousContext ? activeCtx : null;
  const keys = Object.keys(el).sort();
  let mustRevert = true;
  let ctx = activeCtx;
  if(typeScopedBefore && keys.length <= 2 && !keys.includes('@context')) {
    for(const key of keys) {
      const e = expandIri(typeScopedBefore, key);
      if(e === '@value') {
        mustRevert = false;
        ctx = typeScopedBefore;
        break;
      }
      if(e === '@id' && keys.length === 1) {
        mustRevert = false;
        break;
      }
    }
  }
  if(mustRevert) {
    ctx = revert(ctx);
  }
  if(propertyScoped !== undefined) {
    ctx = await processContext(
      {activeCtx: ctx, localCtx: propertyScoped, propagate: true, overrideProtected: true, options});
  }
  if('@context' in el) {
    ctx = await processContext({activeCtx: ctx, localCtx: el['@context'], options});
    where = {...where, holder: path};
  }
  const typeScoped = ctx;
  const types = [];
  for(const key of keys) {
    if(expandIri(ctx, key) !== '@type') {
      continue;
    }
    const value = el[key];
    const list = Array.isArray(value) ? (value.length > 1 ? value.slice().sort() : value) : [value];
    for(const t of list) {
      if(typeof t !== 'string') {
        continue;
      }
      const scoped = contextValue(typeScoped, t, '@context');
      if(scoped !== undefined) {
        ctx = await processContext({activeCtx: ctx, localCtx: scoped, options, propagate: false});
      }
    }
    asArray(value).forEach((t, idx) => {
      if(typeof t === 'string') {
        types.push({
          path, key, idx: Array.isArray(value) ? idx : -1, value: t,
          iri: expandIri(typeScoped, t, {vocab: true, base: true}),
          def: typeScoped.mappings.get(t) || null, ctx: typeScoped, ...where
        });
      }
    });
  }
  if(Object.keys(el).some(k => expandIri(ctx, k) === '@value')) {
    return;
  }
  out.types.push(...types);
  const node = {path, ctx, typeScoped, types: types.map(t => t.value), ...where};
  out.nodes.push(node);
  await walkMembers(el, ctx, path, out, options, where, node);
}

async function walkMembers(el, ctx, path, out, options, where, node) {
  for(const key of Object.keys(el)) {
    if(key === '@context') {
      continue;
    }
    const iri = expandIri(ctx, key);
    const def = ctx.mappings.get(key) || null;
    const value = el[key];
    out.members.push({path, key, iri, def, ctx, value, node, ...where});
    if(iri === '@nest') {
      for(const [i, v] of asArray(value).entries()) {
        if(isObject(v)) {
          const p = Array.isArray(value) ? [...path, key, i] : [...path, key];
          await walkMembers(v, ctx, p, out, options, where, node);
        }
      }
      continue;
    }
    if(iri === '@included' || iri === '@graph') {
      await walk(value, ctx, key, [...path, key], out, options, where);
      continue;
    }
    if(typeof iri !== 'string' || iri.startsWith('@')) {
      continue;
    }
    let termCtx = ctx;
    const scoped = contextValue(ctx, key, '@context');
    if(scoped !== undefined) {
      termCtx = await processContext(
        {activeCtx: ctx, localCtx: scoped, propagate: true, overrideProtected: true, options});
    }
    const inner = {
      ...where,
      inProof: where.inProof || iri === PROOF_IRI,
      inVc: where.inVc || iri === VC_IRI
    };
    const container = contextValue(ctx, key, '@container') || [];
    if(container.includes('@language')) {
      continue;
    }
    if(isObject(value) && (container.includes('@index') || container.includes('@id') ||
      container.includes('@type'))) {
      const mapCtx = container.includes('@type') ? revert(termCtx) : termCtx;
      for(const [k, v] of Object.entries(value)) {
        await walk(v, mapCtx, key, [...path, key, k], out, options, inner);
      }
      continue;
    }
    if(def && def['@type'] === '@json') {
      continue;
    }
    await walk(value, termCtx, key, [...path, key], out, options, inner);
  }
}

// ---------------------------------------------------------------------------------
// The oracle: what is signed, canonicalised.

function proofsOf(doc) {
  if(!isObject(doc) || doc.proof === undefined) {
    return [];
  }
  return asArray(doc.proof);
}

/**
 * The canonical N-Quads of what is signed in `doc`. `an` (its analysis) is needed only
 * for a presentation, to find its credentials by IRI; `base`, when given, is the base
 * document's parts, reused where nothing they come from changed.
 */
async function signedParts(doc, an, base = null) {
  const parts = [];
  const bare = {...doc};
  delete bare.proof;
  parts.push(await canon(bare));
  const sameProofs = base && JSON.stringify(doc['@context']) === JSON.stringify(base.doc['@context']) &&
    JSON.stringify(doc.proof) === JSON.stringify(base.doc.proof);
  if(sameProofs) {
    parts.push(...base.parts.slice(1, 1 + base.proofCount));
  } else {
    for(const p of proofsOf(doc)) {
      if(!isObject(p)) {
        parts.push('proof not an object');
        continue;
      }
      const config = {...p, '@context': doc['@context']};
      delete config.proofValue;
      delete config.jws;
      parts.push(await canon(config));
    }
  }
  // Embedded credentials of a presentation (found by IRI, in `@nest` objects too), each on its own.
  const root = an ? an.members.filter(m => m.node.path.length === 0 && m.iri === VC_IRI) : [];
  for(const m of root) {
    for(let vc of asArray(m.value)) {
      // A graph object (`@graph` written out, for a term without the container).
      if(isObject(vc) && Object.keys(vc).length === 1 && isObject(vc['@graph'])) {
        vc = vc['@graph'];
      }
      if(!isObject(vc)) {
        parts.push(`embedded ${JSON.stringify(vc)}`);
        continue;
      }
      parts.push(...await signedParts(vc, await analyse(vc)));
    }
  }
  return parts;
}

/** `true`/`false` when the respelt doc signs the same RDF; `null` when jsonld.js refuses it. */
async function sameRdf(base, doc) {
  try {
    // Only a presentation has credentials inside to find (no respelling adds one).
    const an = base.presentation ? await analyse(doc) : null;
    const parts = await signedParts(doc, an, base);
    return parts.length === base.parts.length && parts.every((p, i) => p === base.parts[i]);
  } catch(e) {
    return null;
  }
}

// ---------------------------------------------------------------------------------
// Respelling building blocks.

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** A term name defined nowhere in the document's contexts. */
function freshTerm(an, prefix = '') {
  prefix = prefix.toLowerCase().replace(/[^a-z]/g, '');
  for(;;) {
    let name = prefix || pick(['x', 'q', 'z', 'k', 'w', 'st', 'my', 't']);
    const n = 2 + int(4);
    for(let i = 0; i < n; ++i) {
      name += (i > 0 && chance(0.3)) ? String(int(10)) : LETTERS[int(26)];
    }
    if(!an.nodes.some(nd => nd.ctx.mappings.has(name) || nd.typeScoped.mappings.has(name)) &&
      !an.members.some(m => m.key === name)) {
      return name;
    }
  }
}

/** A term definition (as JSON) with the same coercion, container and scoped context as `def`. */
function definitionLike(def, id) {
  const d = {};
  if(def && def.reverse) {
    d['@reverse'] = id;
  } else {
    d['@id'] = id;
  }
  if(!def) {
    return d;
  }
  if(def['@type'] !== undefined) {
    d['@type'] = def['@type'];
  }
  if(def['@container'] && def['@container'].length > 0) {
    d['@container'] = def['@container'].length === 1 ? def['@container'][0] : def['@container'];
  }
  for(const k of ['@language', '@direction', '@context', '@index', '@nest']) {
    if(def[k] !== undefined) {
      d[k] = def[k];
    }
  }
  return d;
}

/** Where an IRI can be cut: after its scheme's `://` (or `:`), never before a `//`. */
function cutPoints(iri) {
  const colon = iri.indexOf(':');
  if(colon < 1) {
    return [];
  }
  const start = iri.startsWith('//', colon + 1) ? colon + 3 : colon + 1;
  const cuts = [];
  for(let c = start + 1; c < iri.length; ++c) {
    if(!iri.startsWith('//', c)) {
      cuts.push(c);
    }
  }
  return cuts;
}

/**
 * Term definitions for a chain of `depth` prefix terms reaching `iri`, the last term
 * `final` defined like `def`. Depth 0 is a plain alias.
 */
function prefixChain(an, iri, depth, def, final, defKeysOnly = false) {
  const cuts = cutPoints(iri);
  if(cuts.length < depth) {
    return null;
  }
  const chosen = new Set();
  while(chosen.size < depth) {
    chosen.add(pick(cuts));
  }
  const sorted = [...chosen].sort((a, b) => a - b);
  const defs = {};
  let prev = null;
  let from = 0;
  for(const c of sorted) {
    const name = freshTerm(an, final.slice(0, 2));
    defs[name] = {'@id': (prev ? prev + ':' : '') + iri.slice(from, c), '@prefix': true};
    prev = name;
    from = c;
  }
  const id = (prev ? prev + ':' : '') + iri.slice(from);
  defs[final] = defKeysOnly ? {'@id': id} : definitionLike(def, id);
  return defs;
}

/** Appends an inline context to the `@context` of the object at `holder`. */
function appendContext(doc, holder, defs) {
  const obj = holder ? at(doc, holder) : doc;
  if(!isObject(obj)) {
    return false;
  }
  const existing = obj['@context'];
  if(existing === undefined) {
    obj['@context'] = defs;
  } else {
    obj['@context'] = [...asArray(existing), defs];
  }
  return true;
}

/** Puts an inline context in the object at `path` (an embedded context), first. */
function embedContext(doc, path, defs) {
  const obj = at(doc, path);
  if(!isObject(obj)) {
    return false;
  }
  const entries = Object.entries(obj);
  for(const k of Object.keys(obj)) {
    delete obj[k];
  }
  obj['@context'] = entries.some(([k]) => k === '@context') ?
    [...asArray(entries.find(([k]) => k === '@context')[1]), defs] : defs;
  for(const [k, v] of entries) {
    if(k !== '@context') {
      obj[k] = v;
    }
  }
  return true;
}

/**
 * `value`, written so that it means the same without the term definition `def` (under
 * the active context `ctx`): coerced strings as value or node objects, language maps as
 * language-tagged values, graph containers as graph objects. `undefined` if it cannot.
 */
async function explicit(value, def, ctx) {
  value = clone(value);
  if(!def) {
    return value;
  }
  const container = def['@container'] || [];
  if(container.includes('@index') || container.includes('@id') || container.includes('@type')) {
    return undefined;
  }
  if(def['@context'] !== undefined && !['@id', '@vocab'].includes(def['@type'])) {
    // The value's nodes would lose the property-scoped context.
    if(asArray(value).some(isObject)) {
      return undefined;
    }
  }
  if(container.includes('@language')) {
    if(!isObject(value)) {
      return undefined;
    }
    const out = [];
    for(const [lang, vs] of Object.entries(value)) {
      for(const v of asArray(vs)) {
        out.push(lang === '@none' || expandIri(ctx, lang) === '@none' ?
          {'@value': v} : {'@value': v, '@language': lang});
      }
    }
    return out;
  }
  let termCtx = ctx;
  if(def['@context'] !== undefined) {
    termCtx = await processContext(
      {activeCtx: ctx, localCtx: def['@context'], propagate: true, overrideProtected: true, options: ctxOptions()});
  }
  const one = v => {
    if(Array.isArray(v)) {
      return undefined;
    }
    if(isObject(v)) {
      if(container.includes('@graph') && !('@graph' in v)) {
        return {'@graph': v};
      }
      return v;
    }
    if(v === null) {
      return v;
    }
    const type = def['@type'];
    if(type === '@id' && typeof v === 'string') {
      return {'@id': v};
    }
    if(type === '@vocab' && typeof v === 'string') {
      return {'@id': expandIri(termCtx, v, {vocab: true, base: true})};
    }
    if(type === '@json') {
      return undefined;
    }
    if(type !== undefined && type !== '@none') {
      return {'@value': v, '@type': type};
    }
    if(def['@language'] !== undefined && typeof v === 'string') {
      return def['@language'] === null ? {'@value': v} : {'@value': v, '@language': def['@language']};
    }
    return v;
  };
  if(Array.isArray(value)) {
    const out = value.map(one);
    if(out.some(x => x === undefined)) {
      return undefined;
    }
    return container.includes('@list') ? {'@list': out} : out;
  }
  const out = one(value);
  return container.includes('@list') && out !== undefined ? {'@list': [out]} : out;
}

// ---------------------------------------------------------------------------------
// Choosing what to respell.

const RELEVANT = new Set([
  'credentialStatus', 'validUntil', 'validFrom', 'issuanceDate', 'expirationDate', 'issuer', 'name',
  'url', 'statusPurpose', 'statusListIndex', 'statusListCredential', 'statusSize', 'credentialSubject',
  'achievement', 'verifiableCredential', 'holder', 'creator', 'encodedList', 'ttl', 'awardedDate',
  'credentialSchema', 'localizedName', 'description', 'criteria', 'id', 'type'
]);
const RELEVANT_TYPES = new Set([
  'OpenBadgeCredential', 'AchievementCredential', 'FlemishMicroCredential', 'VerifiableCredential',
  'VerifiablePresentation', 'BitstringStatusListEntry', 'BitstringStatusListCredential',
  'BitstringStatusList', 'StatusList2021Entry', 'StatusList2021Credential', 'StatusList2021',
  'Profile', 'Achievement', 'AchievementSubject'
]);

/** A member of the signed data (not `@context`, not `proof` nor anything in it). */
function choosable(m) {
  return !m.inProof && m.key !== 'proof' && m.iri !== PROOF_IRI && m.key !== '@context';
}

/** What the verdict turns on most: status, validity period, issuer, a presentation's credentials. */
const CRITICAL = new Set([
  'credentialStatus', 'validUntil', 'validFrom', 'issuanceDate', 'expirationDate', 'statusPurpose',
  'statusListIndex', 'statusListCredential', 'issuer', 'verifiableCredential', 'holder'
]);
/** The members whose loss alone would hide a revocation, an expiry, the issuer or the credentials. */
const TOP = new Set(['credentialStatus', 'validUntil', 'expirationDate', 'issuer', 'verifiableCredential']);
const critical = m => CRITICAL.has(m.key) ||
  ['name', 'url'].includes(m.key) && m.path.length > 0 && m.path[m.path.length - 1] === 'issuer';

/** A member satisfying `test`, drawn mostly among the verdict-critical and -relevant ones. */
function pickMember(an, test = () => true) {
  const all = an.members.filter(m => choosable(m) && test(m));
  if(all.length === 0) {
    return null;
  }
  const top = all.filter(m => TOP.has(m.key));
  if(top.length > 0 && chance(0.3)) {
    return pick(top);
  }
  const crit = all.filter(critical);
  if(crit.length > 0 && chance(0.5)) {
    return pick(crit);
  }
  const relevant = all.filter(m => RELEVANT.has(m.key));
  return relevant.length > 0 && chance(0.6) ? pick(relevant) : pick(all);
}
const hasIri = m => typeof m.iri === 'string' && !m.iri.startsWith('@') && m.iri.includes(':');

function pickType(an, test = () => true) {
  const all = an.types.filter(t => !t.inProof && test(t) && t.iri && t.iri.includes(':'));
  if(all.length === 0) {
    return null;
  }
  const relevant = all.filter(t => RELEVANT_TYPES.has(t.value));
  return relevant.length > 0 && chance(0.8) ? pick(relevant) : pick(all);
}

/**
 * Renames member `m` of the document to `to`, with `value` (by default its own). The
 * analysis's values are the base document's: they are copied, never put in a respelt one.
 */
function renameMember(doc, m, to, value) {
  const obj = at(doc, m.path);
  if(!isObject(obj) || !(m.key in obj)) {
    return false;
  }
  renameKey(obj, m.key, to, value === undefined ? obj[m.key] : clone(value));
  return true;
}

function setType(doc, t, to) {
  const obj = at(doc, t.path);
  if(!isObject(obj)) {
    return false;
  }
  if(t.idx < 0) {
    obj[t.key] = to;
  } else {
    obj[t.key][t.idx] = to;
  }
  return true;
}

const where = m => `${m.key} at ${pathText(m.path)}`;

// ---------------------------------------------------------------------------------
// The respellings. Each takes the document (changed in place) and its analysis, and
// returns a detail string, or null when it does not apply.

const OPS = {};

// The known attack, and its generalisation: a chain of compact IRIs in an appended
// inline context, the last term defined like the one it replaces.
for(const depth of [0, 1, 2, 3, 4]) {
  OPS[depth === 0 ? 'alias' : `prefix-chain-${depth}`] = (doc, an) => {
    const m = pickMember(an, m => hasIri(m) && m.def);
    if(!m) {
      return null;
    }
    const name = freshTerm(an, m.key.slice(0, 2).toLowerCase());
    const defs = prefixChain(an, m.iri, depth, m.def, name);
    if(!defs || !appendContext(doc, m.holder, defs) || !renameMember(doc, m, name)) {
      return null;
    }
    return `${where(m)} → ${name}: ${JSON.stringify(defs)}`;
  };
}

OPS['prefix-chain-type'] = (doc, an) => {
  const t = pickType(an);
  if(!t) {
    return null;
  }
  const depth = 1 + int(4);
  const name = freshTerm(an, t.value.slice(0, 2).toLowerCase());
  const defs = prefixChain(an, t.iri, depth, t.def, name, true);
  if(!defs) {
    return null;
  }
  if(t.def && t.def['@context'] !== undefined) {
    defs[name]['@context'] = t.def['@context'];
  }
  if(!appendContext(doc, t.holder, defs) || !setType(doc, t, name)) {
    return null;
  }
  return `type ${t.value} at ${pathText(t.path)} → ${name} (depth ${depth}): ${JSON.stringify(defs)}`;
};

OPS['vocab'] = async (doc, an) => {
  const m = pickMember(an, m => hasIri(m));
  if(!m) {
    return null;
  }
  const cuts = cutPoints(m.iri).filter(c => {
    const local = m.iri.slice(c);
    return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(local) && !m.ctx.mappings.has(local) &&
      !an.nodes.some(n => n.ctx.mappings.has(local));
  });
  if(cuts.length === 0) {
    return null;
  }
  const c = chance(0.7) ? cuts[0] : pick(cuts);
  const vocab = m.iri.slice(0, c);
  const local = m.iri.slice(c);
  const value = await explicit(m.value, m.def, m.ctx);
  if(value === undefined || !appendContext(doc, m.holder, {'@vocab': vocab}) ||
    !renameMember(doc, m, local, value)) {
    return null;
  }
  return `${where(m)} → ${local} with @vocab ${vocab}`;
};

OPS['vocab-type'] = (doc, an) => {
  const t = pickType(an, t => !(t.def && t.def['@context'] !== undefined));
  if(!t) {
    return null;
  }
  const cuts = cutPoints(t.iri).filter(c => /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(t.iri.slice(c)) &&
    !an.nodes.some(n => n.ctx.mappings.has(t.iri.slice(c)) || n.typeScoped.mappings.has(t.iri.slice(c))));
  if(cuts.length === 0) {
    return null;
  }
  const c = cuts[0];
  if(!appendContext(doc, t.holder, {'@vocab': t.iri.slice(0, c)}) || !setType(doc, t, t.iri.slice(c))) {
    return null;
  }
  return `type ${t.value} at ${pathText(t.path)} → ${t.iri.slice(c)} with @vocab ${t.iri.slice(0, c)}`;
};

OPS['full-iri'] = async (doc, an) => {
  const m = pickMember(an, m => hasIri(m) && m.key !== m.iri);
  if(!m) {
    return null;
  }
  const value = await explicit(m.value, m.def, m.ctx);
  if(value === undefined || !renameMember(doc, m, m.iri, value)) {
    return null;
  }
  return `${where(m)} → ${m.iri}`;
};

OPS['compact-iri'] = async (doc, an) => {
  const m = pickMember(an, hasIri);
  if(!m) {
    return null;
  }
  const prefixes = [];
  for(const [term, d] of m.ctx.mappings) {
    if(d && d._prefix && typeof d['@id'] === 'string' && !term.includes(':') &&
      m.iri.startsWith(d['@id']) && m.iri.length > d['@id'].length && !m.iri.startsWith('//', d['@id'].length)) {
      prefixes.push(term);
    }
  }
  if(prefixes.length === 0) {
    return null;
  }
  const p = pick(prefixes);
  const key = `${p}:${m.iri.slice(m.ctx.mappings.get(p)['@id'].length)}`;
  const value = await explicit(m.value, m.def, m.ctx);
  if(m.ctx.mappings.has(key) || value === undefined || !renameMember(doc, m, key, value)) {
    return null;
  }
  return `${where(m)} → ${key}`;
};

OPS['type-full-iri'] = (doc, an) => {
  const t = pickType(an, t => !(t.def && t.def['@context'] !== undefined));
  if(!t || !setType(doc, t, t.iri)) {
    return null;
  }
  return `type ${t.value} at ${pathText(t.path)} → ${t.iri}`;
};

/** Keyword aliases, defined in an appended context and used for every matching key. */
function keywordAlias(keyword, alias) {
  return (doc, an) => {
    const ms = an.members.filter(m => choosable(m) && m.iri === keyword && !m.inVc);
    if(ms.length === 0) {
      return null;
    }
    const name = freshTerm(an, alias);
    const chosen = chance(0.5) ? ms : [pick(ms)];
    // Deepest first, so that paths stay valid.
    for(const m of chosen.sort((a, b) => b.path.length - a.path.length)) {
      renameMember(doc, m, name);
    }
    appendContext(doc, null, {[name]: keyword});
    return `${chosen.length} × ${keyword} → ${name}`;
  };
}
OPS['kw-alias-id'] = keywordAlias('@id', 'myid');
OPS['kw-alias-type'] = keywordAlias('@type', 'mytype');

OPS['kw-alias-value'] = async (doc, an) => {
  const m = pickMember(an, m => hasIri(m) && !m.inVc && ['string', 'number', 'boolean'].includes(typeof m.value) &&
    !(m.def && ['@id', '@vocab', '@json'].includes(m.def['@type'])) && !(m.def && (m.def['@container'] || []).length));
  if(!m) {
    return null;
  }
  const v = freshTerm(an, 'v');
  const ty = freshTerm(an, 'ty');
  const defs = {[v]: '@value', [ty]: '@type'};
  const type = m.def && m.def['@type'];
  const value = type ? {[v]: m.value, [ty]: type} : {[v]: m.value};
  if(m.def && m.def['@language'] !== undefined && m.def['@language'] !== null) {
    value['@language'] = m.def['@language'];
  }
  if(!appendContext(doc, null, defs) || !renameMember(doc, m, m.key, value)) {
    return null;
  }
  return `${where(m)} as ${JSON.stringify(value)}`;
};

/** Members moved into a `@nest` object (or an alias of it). */
function nest(aliased) {
  return (doc, an) => {
    const m = pickMember(an, m => hasIri(m) && !(m.def && m.def['@nest'] !== undefined));
    if(!m) {
      return null;
    }
    const obj = at(doc, m.path);
    if(!isObject(obj) || !(m.key in obj)) {
      return null;
    }
    let key = '@nest';
    if(aliased) {
      key = freshTerm(an, 'n');
      if(m.inVc) {
        appendContext(doc, m.holder, {[key]: '@nest'});
      } else {
        appendContext(doc, null, {[key]: '@nest'});
      }
    }
    const value = obj[m.key];
    renameKey(obj, m.key, key, {[m.key]: value});
    return `${where(m)} moved into ${key}`;
  };
}
OPS['nest'] = nest(false);
OPS['kw-alias-nest'] = nest(true);

/**
 * A node object with an `id` moved to `@included` (or an alias) at the top, its place
 * taken by a reference: the same triples.
 */
function included(aliased) {
  return (doc, an) => {
    const candidates = an.members.filter(m => choosable(m) && hasIri(m) && !m.inVc && m.path.length === 0 &&
      isObject(m.value) && typeof (m.value.id ?? m.value['@id']) === 'string' &&
      !(m.def && (m.def['@container'] || []).length) && !(m.def && m.def['@context'] !== undefined));
    if(candidates.length === 0) {
      return null;
    }
    const m = pick(candidates);
    const id = m.value.id ?? m.value['@id'];
    const ref = m.def && m.def['@type'] === '@id' && chance(0.5) ? id : {'@id': id};
    let key = '@included';
    if(aliased) {
      key = freshTerm(an, 'inc');
      appendContext(doc, null, {[key]: '@included'});
    }
    if(!renameMember(doc, m, m.key, ref)) {
      return null;
    }
    doc[key] = [...asArray(doc[key] ?? []), clone(m.value)];
    return `${where(m)} moved to ${key}, referenced by ${JSON.stringify(ref)}`;
  };
}
OPS['included'] = included(false);
OPS['kw-alias-included'] = included(true);

OPS['value-object'] = async (doc, an) => {
  const m = pickMember(an, m => hasIri(m) && (typeof m.value !== 'object' || m.value === null));
  if(!m) {
    return null;
  }
  const value = await explicit(m.value, m.def, m.ctx);
  if(value === undefined || !isObject(value) && !Array.isArray(value)) {
    // Not coerced: a plain value object.
    if(typeof m.value === 'string' && !(m.def && (m.def['@container'] || []).length)) {
      renameMember(doc, m, m.key, {'@value': m.value});
      return `${where(m)} as a plain value object`;
    }
    return null;
  }
  if(!renameMember(doc, m, m.key, value)) {
    return null;
  }
  return `${where(m)} as ${JSON.stringify(value)}`;
};

OPS['array-of-one'] = (doc, an) => {
  const m = pickMember(an, m => m.key !== '@context' && !Array.isArray(m.value) &&
    !['@id', '@value', '@language', '@index', '@direction'].includes(m.iri) &&
    !(m.def && ((m.def['@container'] || []).includes('@list') || m.def['@type'] === '@json')));
  if(!m || !renameMember(doc, m, m.key, [m.value])) {
    return null;
  }
  return `${where(m)} wrapped in an array`;
};

OPS['embedded-context'] = (doc, an) => {
  const m = pickMember(an, m => hasIri(m) && m.def && m.path.length > 0);
  if(!m) {
    return null;
  }
  const depth = int(3);
  const name = freshTerm(an, m.key.slice(0, 2).toLowerCase());
  const defs = prefixChain(an, m.iri, depth, m.def, name);
  if(!defs || !renameMember(doc, m, name) || !embedContext(doc, m.path, defs)) {
    return null;
  }
  return `${where(m)} → ${name} defined in the node's own @context (depth ${depth}): ${JSON.stringify(defs)}`;
};

OPS['type-scoped'] = (doc, an) => {
  const t = pickType(an, t => {
    const node = at(doc, t.path);
    return isObject(node) && an.members.some(m => choosable(m) && hasIri(m) && m.def &&
      m.path.length === t.path.length && m.path.every((k, i) => k === t.path[i]));
  });
  if(!t) {
    return null;
  }
  const ms = an.members.filter(m => choosable(m) && hasIri(m) && m.def &&
    m.path.length === t.path.length && m.path.every((k, i) => k === t.path[i]));
  const m = ms.find(x => RELEVANT.has(x.key) && chance(0.7)) || pick(ms);
  const typeTerm = freshTerm(an, t.value.slice(0, 2).toLowerCase());
  const alias = freshTerm(an, m.key.slice(0, 2).toLowerCase());
  const depth = int(3);
  const inner = prefixChain(an, m.iri, depth, m.def, alias);
  if(!inner) {
    return null;
  }
  const own = t.def && t.def['@context'] !== undefined ? [...asArray(t.def['@context']), inner] : inner;
  const defs = {[typeTerm]: {'@id': t.iri, '@context': own}};
  if(!appendContext(doc, t.holder, defs) || !renameMember(doc, m, alias) || !setType(doc, t, typeTerm)) {
    return null;
  }
  return `type ${t.value} at ${pathText(t.path)} → ${typeTerm} whose scoped context defines ${alias} for ${m.key}: ${JSON.stringify(defs)}`;
};

/** A `name` (or any plain string) written as a language map with `@none`: the same literal. */
OPS['language-none'] = (doc, an) => {
  const m = pickMember(an, m => hasIri(m) && typeof m.value === 'string' &&
    !(m.def && (m.def['@type'] !== undefined || m.def['@language'] !== undefined ||
      (m.def['@container'] || []).length)));
  if(!m) {
    return null;
  }
  const name = freshTerm(an, 'lm');
  const defs = {[name]: {'@id': m.iri, '@container': '@language'}};
  if(!appendContext(doc, m.holder, defs) || !renameMember(doc, m, name, {'@none': m.value})) {
    return null;
  }
  return `${where(m)} → ${name}: {"@none": ...} (language map)`;
};

/** A language map written as language-tagged value objects under the full IRI. */
OPS['language-map-expanded'] = async (doc, an) => {
  const m = pickMember(an, m => hasIri(m) && m.def && (m.def['@container'] || []).includes('@language'));
  if(!m) {
    return null;
  }
  const value = await explicit(m.value, m.def, m.ctx);
  if(value === undefined || !renameMember(doc, m, m.iri, value)) {
    return null;
  }
  return `${where(m)} → ${m.iri} as language-tagged values`;
};

/** The same triple twice: a full-IRI member beside the term, with the same value. */
OPS['duplicate-same'] = async (doc, an) => {
  const m = pickMember(an, m => hasIri(m) && m.key !== m.iri && typeof m.value !== 'object');
  if(!m) {
    return null;
  }
  const value = await explicit(m.value, m.def, m.ctx);
  const obj = at(doc, m.path);
  if(value === undefined || !isObject(obj) || m.iri in obj) {
    return null;
  }
  obj[m.iri] = value;
  return `${where(m)} repeated as ${m.iri}`;
};

// Respellings inside a proof: its options are signed too (the proof configuration).
OPS['proof-respelt'] = async (doc, an) => {
  const ms = an.members.filter(m => m.inProof && hasIri(m) && m.key !== 'proofValue' &&
    m.path.length > 0 && !m.inVc);
  if(ms.length === 0) {
    return null;
  }
  const m = pick(ms);
  const how = int(3);
  if(how === 0) {
    const value = await explicit(m.value, m.def, m.ctx);
    if(value === undefined || !renameMember(doc, m, m.iri, value)) {
      return null;
    }
    return `proof ${where(m)} → ${m.iri}`;
  }
  if(how === 1) {
    const value = await explicit(m.value, m.def, m.ctx);
    if(value === undefined || !isObject(value) || !renameMember(doc, m, m.key, value)) {
      return null;
    }
    return `proof ${where(m)} as ${JSON.stringify(value)}`;
  }
  // An alias defined in the document's context, which the proof configuration shares.
  const name = freshTerm(an, m.key.slice(0, 2).toLowerCase());
  const defs = prefixChain(an, m.iri, int(3), m.def, name);
  if(!defs || !appendContext(doc, m.holder, defs) || !renameMember(doc, m, name)) {
    return null;
  }
  return `proof ${where(m)} → ${name}: ${JSON.stringify(defs)}`;
};

// --- RDF-changing respellings: each must make the credential fail.

OPS['remap'] = (doc, an) => {
  const m = pickMember(an, m => hasIri(m) && m.def);
  if(!m) {
    return null;
  }
  const other = chance(0.5) ? m.iri + pick(['x', 'Status', '2']) :
    pick([CRED + 'refreshService', CRED + 'termsOfUse', 'https://schema.org/alternateName',
      'https://www.w3.org/ns/credentials/status#statusMessage', CRED + 'evidence']);
  if(other === m.iri) {
    return null;
  }
  const name = freshTerm(an, m.key.slice(0, 2).toLowerCase());
  const defs = prefixChain(an, other, int(3), m.def, name);
  if(!defs || !appendContext(doc, m.holder, defs) || !renameMember(doc, m, name)) {
    return null;
  }
  return `${where(m)} → ${name} for another IRI: ${JSON.stringify(defs)}`;
};

OPS['type-remap'] = (doc, an) => {
  const t = pickType(an);
  if(!t) {
    return null;
  }
  const name = freshTerm(an, t.value.slice(0, 2).toLowerCase());
  const defs = {[name]: {'@id': t.iri + 'X'}};
  if(t.def && t.def['@context'] !== undefined) {
    defs[name]['@context'] = t.def['@context'];
  }
  if(!appendContext(doc, t.holder, defs) || !setType(doc, t, name)) {
    return null;
  }
  return `type ${t.value} at ${pathText(t.path)} → ${name} for ${t.iri}X`;
};

OPS['drop-coercion'] = (doc, an) => {
  const m = pickMember(an, m => hasIri(m) && m.def && (m.def['@type'] !== undefined ||
    (m.def['@container'] || []).length > 0) && typeof m.value !== 'object');
  if(!m) {
    return null;
  }
  const how = int(2);
  if(how === 0) {
    if(!renameMember(doc, m, m.iri)) {
      return null;
    }
    return `${where(m)} → ${m.iri}, value as is (coercion ${m.def['@type']} dropped)`;
  }
  const name = freshTerm(an, m.key.slice(0, 2).toLowerCase());
  const defs = prefixChain(an, m.iri, int(4), null, name);
  if(!defs || !appendContext(doc, m.holder, defs) || !renameMember(doc, m, name)) {
    return null;
  }
  return `${where(m)} → ${name} without coercion: ${JSON.stringify(defs)}`;
};

OPS['change-value'] = (doc, an) => {
  const m = pickMember(an, m => ['string', 'number', 'boolean'].includes(typeof m.value) && m.iri !== '@context');
  if(!m) {
    return null;
  }
  let v = m.value;
  if(typeof v === 'string') {
    v = /^\d{4}-\d\d-\d\dT/.test(v) ? v.replace(/^\d{4}/, y => String(Number(y) + 1)) : v + 'x';
  } else if(typeof v === 'number') {
    v += 1;
  } else {
    v = !v;
  }
  if(!renameMember(doc, m, m.key, v)) {
    return null;
  }
  return `${where(m)}: ${JSON.stringify(m.value)} → ${JSON.stringify(v)}`;
};

OPS['remove-member'] = (doc, an) => {
  const m = pickMember(an, m => m.key !== '@context');
  const obj = m && at(doc, m.path);
  if(!isObject(obj) || !(m.key in obj)) {
    return null;
  }
  delete obj[m.key];
  return `${where(m)} removed`;
};

OPS['language-tag'] = (doc, an) => {
  const m = pickMember(an, m => hasIri(m) && typeof m.value === 'string' &&
    !(m.def && (m.def['@type'] !== undefined || (m.def['@container'] || []).length)));
  if(!m || !renameMember(doc, m, m.key, {'@value': m.value, '@language': pick(['en', 'nl'])})) {
    return null;
  }
  return `${where(m)} given a language tag`;
};

/** A second value of a verdict-relevant member, under an alias, the full IRI or in an array. */
OPS['add-second'] = async (doc, an) => {
  const m = pickMember(an, m => hasIri(m) && ['credentialStatus', 'validUntil', 'validFrom', 'expirationDate',
    'issuanceDate', 'issuer', 'statusListIndex', 'statusPurpose', 'statusListCredential', 'name', 'holder',
    'verifiableCredential', 'credentialSubject'].includes(m.key));
  if(!m) {
    return null;
  }
  const second = JSON.parse(JSON.stringify(m.value), (k, v) => {
    if(typeof v !== 'string') {
      return v;
    }
    if(/^\d{4}-\d\d-\d\dT/.test(v)) {
      return k === '' ? (m.key.includes('From') || m.key.includes('issuance') ? '2000-01-01T00:00:00Z' :
        '2099-01-01T00:00:00Z') : v;
    }
    if(/^\d+$/.test(v)) {
      return String(Number(v) + 1);
    }
    return v;
  });
  const how = int(3);
  const obj = at(doc, m.path);
  if(!isObject(obj)) {
    return null;
  }
  if(how === 0) {
    renameKey(obj, m.key, m.key, [...asArray(clone(m.value)), ...asArray(second)]);
    return `${where(m)}: a second value in an array`;
  }
  if(how === 1) {
    const value = await explicit(second, m.def, m.ctx);
    if(value === undefined || m.iri in obj) {
      return null;
    }
    obj[m.iri] = value;
    return `${where(m)}: a second value under ${m.iri}`;
  }
  const name = freshTerm(an, m.key.slice(0, 2).toLowerCase());
  const defs = prefixChain(an, m.iri, 1 + int(3), m.def, name);
  if(!defs || !appendContext(doc, m.holder, defs)) {
    return null;
  }
  obj[name] = second;
  return `${where(m)}: a second value under ${name}: ${JSON.stringify(defs)}`;
};

/**
 * A term of the shipped contexts redefined (most are protected: jsonld.js refuses the
 * document), or the contexts nullified by an appended `null`.
 */
OPS['redefine-term'] = (doc, an) => {
  const m = pickMember(an, m => hasIri(m) && m.def && !m.key.includes(':'));
  if(!m) {
    return null;
  }
  if(chance(0.2)) {
    const obj = m.holder ? at(doc, m.holder) : doc;
    if(!isObject(obj)) {
      return null;
    }
    obj['@context'] = [...asArray(obj['@context'] ?? []), null, ...asArray(obj['@context'] ?? [])];
    return `the @context at ${pathText(m.holder ?? [])} nullified and given again`;
  }
  const defs = {[m.key]: definitionLike(m.def, m.iri + 'X')};
  if(!appendContext(doc, m.holder, defs)) {
    return null;
  }
  return `${where(m)}: ${m.key} redefined${m.def.protected ? ' (protected)' : ''}: ${JSON.stringify(defs)}`;
};

const PRESERVING = [
  'alias', 'prefix-chain-1', 'prefix-chain-2', 'prefix-chain-3', 'prefix-chain-4', 'prefix-chain-type',
  'vocab', 'vocab-type', 'full-iri', 'compact-iri', 'type-full-iri', 'kw-alias-id', 'kw-alias-type',
  'kw-alias-value', 'nest', 'kw-alias-nest', 'included', 'kw-alias-included', 'value-object', 'array-of-one',
  'embedded-context', 'type-scoped', 'language-none', 'language-map-expanded', 'duplicate-same', 'proof-respelt'
];
const CHANGING = [
  'remap', 'type-remap', 'drop-coercion', 'change-value', 'remove-member', 'language-tag', 'add-second',
  'redefine-term'
];

/** Kinds drawn, with their weights (the attack and its relatives are drawn most). */
const KINDS = [
  ...PRESERVING.map(k => [k, k.startsWith('prefix-chain') || k === 'alias' ? 4 : 2]),
  ...CHANGING.map(k => [k, 1]),
  ['combo-2', 4],
  ['combo-3', 3]
].filter(([k]) => !onlyKinds || onlyKinds.has(k));
if(KINDS.length === 0) {
  usage('--kinds names no known kind');
}
const TOTAL_WEIGHT = KINDS.reduce((s, [, w]) => s + w, 0);
function drawKind() {
  let r = random() * TOTAL_WEIGHT;
  for(const [k, w] of KINDS) {
    r -= w;
    if(r < 0) {
      return k;
    }
  }
  return KINDS[KINDS.length - 1][0];
}

/** One respelling of `base`: `{kind, detail, doc}` or null. */
async function respell(base) {
  const kind = drawKind();
  const doc = clone(base.doc);
  if(kind.startsWith('combo-')) {
    const n = Number(kind.slice(6));
    const steps = [];
    // Mostly respellings meant to keep the RDF, sometimes one that changes it.
    for(let i = 0; i < n; ++i) {
      const op = chance(0.85) ? pick(PRESERVING) : pick(CHANGING);
      const an = i === 0 ? base.an : await analyse(doc).catch(() => null);
      if(!an) {
        break;
      }
      const detail = await OPS[op](doc, an);
      if(detail) {
        steps.push(`${op}: ${detail}`);
      }
    }
    if(steps.length < 2) {
      return null;
    }
    return {kind, detail: steps.join(' | '), doc};
  }
  const detail = await OPS[kind](doc, base.an);
  return detail ? {kind, detail, doc} : null;
}

// ---------------------------------------------------------------------------------
// Main. Documents are numbered 0..count-1; worker w makes those with j % W == w, and the
// main thread prints them in order.

/**
 * A base: a third of the time any of them; a third of the time one of a shape (its
 * contexts and types) drawn first, so that the few presentations, plain badges or VC 1.1
 * credentials get their share beside the many microcredentials; a third of the time one
 * of the `--focus` bases (e.g. those invalid for one reason a respelling might hide).
 */
function drawBase(bases) {
  const r = random();
  if(r < 1 / 3 && focus.length > 0) {
    return pick(focus);
  }
  if(r < 2 / 3) {
    return pick(pick(bases.shapes));
  }
  return int(bases.length);
}

function shapeOf(doc) {
  const contexts = asArray(doc['@context'] ?? []).filter(c => typeof c === 'string');
  const types = asArray(doc.type ?? []).filter(t => typeof t === 'string').sort();
  return JSON.stringify([contexts, types, doc.credentialSubject?.achievement?.type ?? null]);
}

/** Respelt document number `j`: one line of output. */
async function generate(bases, j) {
  streamFor(j);
  for(let attempt = 0; attempt < 10000; ++attempt) {
    const i = drawBase(bases);
    const r = await respell(bases[i]);
    if(!r || JSON.stringify(r.doc) === JSON.stringify(bases[i].doc)) {
      continue;
    }
    const same = await sameRdf(bases[i], r.doc);
    return JSON.stringify({base: i, kind: r.kind, detail: r.detail, same_rdf: same, doc: r.doc}) + '\n';
  }
  throw new Error(`no respelling applied for document ${j}`);
}

async function loadBases() {
  const text = await readFile(file === '-' ? 0 : file, 'utf8');
  const bases = [];
  for(const line of text.split('\n')) {
    if(line.trim() === '') {
      continue;
    }
    const doc = deepFreeze(JSON.parse(line));
    const an = await analyse(doc);
    const presentation = an.members.some(m => m.node.path.length === 0 && m.iri === VC_IRI);
    bases.push({doc, an, presentation, proofCount: proofsOf(doc).length, parts: await signedParts(doc, an)});
  }
  const shapes = new Map();
  bases.forEach((b, i) => {
    const key = shapeOf(b.doc);
    shapes.set(key, [...(shapes.get(key) ?? []), i]);
  });
  bases.shapes = [...shapes.values()];
  if(focus.some(i => !Number.isInteger(i) || i < 0 || i >= bases.length)) {
    usage(`--focus names a base that ${file} does not have`);
  }
  return bases;
}

if(!isMainThread) {
  const bases = await loadBases();
  const {w, n} = workerData;
  const batch = [];
  for(let j = w; j < count; j += n) {
    batch.push([j, await generate(bases, j)]);
    if(batch.length >= 20) {
      parentPort.postMessage(batch.splice(0));
    }
  }
  parentPort.postMessage(batch.splice(0));
} else if(file === '-' || workers === 1 || count < 50) {
  const bases = await loadBases();
  if(bases.length === 0) {
    usage(`no base documents in ${file}`);
  }
  const out = [];
  for(let j = 0; j < count; ++j) {
    out.push(await generate(bases, j));
    if(out.length >= 100) {
      process.stdout.write(out.splice(0).join(''));
    }
  }
  process.stdout.write(out.join(''));
} else {
  const text = await readFile(file, 'utf8');
  if(text.trim() === '') {
    usage(`no base documents in ${file}`);
  }
  const lines = new Map();
  let next = 0;
  const self = fileURLToPath(import.meta.url);
  await Promise.all(Array.from({length: workers}, (_, w) => new Promise((resolve, reject) => {
    const worker = new Worker(self, {workerData: {argv, w, n: workers}});
    worker.on('message', batch => {
      for(const [j, line] of batch) {
        lines.set(j, line);
      }
      const ready = [];
      while(lines.has(next)) {
        ready.push(lines.get(next));
        lines.delete(next++);
      }
      if(ready.length > 0) {
        process.stdout.write(ready.join(''));
      }
    });
    worker.on('error', reject);
    worker.on('exit', code => code === 0 ? resolve() : reject(new Error(`worker ${w} exited with ${code}`)));
  })));
  if(next !== count) {
    process.stderr.write(`respell: ${count - next} documents missing\n`);
    process.exit(1);
  }
}
