// Prints the RDFC-1.0 canonical N-Quads (jsonld.js, safe mode) of the first JSON
// document in FILE, with its proof removed. Used to diff against the Rust canonicaliser.
import {readFile} from 'node:fs/promises';
import jsonld from 'jsonld';
import {createDocumentLoader} from './lib/loader.mjs';

const file = process.argv[2];
const text = await readFile(file === '-' ? 0 : file, 'utf8');
const doc = JSON.parse(text.split('\n')[0]);
delete doc.proof;
const documentLoader = createDocumentLoader({});
const out = await jsonld.canonize(doc, {algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true});
process.stdout.write(out);
