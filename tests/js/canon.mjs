// Prints the RDFC-1.0 canonical N-Quads (jsonld.js, safe mode) of the first JSON
// document in FILE, with its proof removed. Used to diff against the Rust canonicaliser.
// With `--all FILE` (JSON lines): a JSON array of the canonical N-Quads of every line.
import {readFile} from 'node:fs/promises';
import jsonld from 'jsonld';
import {createDocumentLoader} from './lib/loader.mjs';

const all = process.argv[2] === '--all';
const file = process.argv[all ? 3 : 2];
const text = await readFile(file === '-' ? 0 : file, 'utf8');
const documentLoader = createDocumentLoader({});
const canonize = doc => {
  delete doc.proof;
  return jsonld.canonize(doc, {algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true});
};
if (all) {
  const lines = text.split('\n').filter(l => l.trim() !== '');
  const out = [];
  for (const l of lines) out.push(await canonize(JSON.parse(l)));
  process.stdout.write(JSON.stringify(out));
} else {
  process.stdout.write(await canonize(JSON.parse(text.split('\n')[0])));
}
