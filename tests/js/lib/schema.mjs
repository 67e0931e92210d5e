// JSON Schema (draft 2019-09) validation with ajv + ajv-formats, offline.

import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

/**
 * Compiles a schema. Nothing is fetched: ajv has no `loadSchema` here, and
 * references to the schema's own `$id` resolve locally.
 * Strict mode stays on except `strictTuples`: the 1EdTech OB 3.0 schema has a
 * 2-tuple `items` for `@context` with `minItems: 2` but an open
 * `additionalItems`, which strict mode would reject at compile time.
 */
export function compileSchema(schema) {
  const ajv = new Ajv2019({allErrors: true, strict: true, strictTuples: false});
  addFormats(ajv);
  return ajv.compile(schema);
}
