#!/usr/bin/env node
// Validates credentials (or decoded VC-JWT payloads) against a JSON Schema
// draft 2019-09 with ajv + ajv-formats. Offline. See README.md.

import {readFile} from 'node:fs/promises';
import {compileSchema} from './lib/schema.mjs';
import {UsageError, parseCli, runMain, loadItems, emit} from './lib/cli.mjs';

const USAGE = `usage: node tests/js/schema.mjs --schema FILE [--strip-jwt] FILE...
  --schema FILE  JSON Schema (draft 2019-09), e.g. the 1EdTech OB 3.0
                 AchievementCredential schema
  --strip-jwt    for VC-JWTs, drop the JWT registered claims (iss, sub, aud,
                 exp, nbf, iat, jti) from the payload before validating
  FILE           as for verify.mjs ("-" = standard input)
Prints one JSON line per item; exit 0 if all valid, 1 if not, 2 on usage errors.`;

async function main() {
  const {values, positionals} = parseCli(process.argv.slice(2), {
    schema: {type: 'string'},
    'strip-jwt': {type: 'boolean'}
  }, USAGE);
  if(!values.schema || positionals.length === 0) {
    throw new UsageError(`--schema and at least one FILE are required\n${USAGE}`);
  }
  let validate;
  try {
    validate = compileSchema(JSON.parse(await readFile(values.schema, 'utf8')));
  } catch(e) {
    throw new UsageError(`cannot compile schema "${values.schema}": ${e.message}`);
  }
  const items = await loadItems(positionals, {stripJwt: !!values['strip-jwt']});
  if(items.length === 0) {
    process.stderr.write('error: no credentials found in the input\n');
    return 1;
  }
  let allOk = true;
  for(const item of items) {
    let valid = false;
    let errors;
    if(item.parseError || item.decodeError) {
      errors = [{message: item.parseError || item.decodeError}];
    } else {
      valid = validate(item.credential);
      errors = valid ? [] : validate.errors.map(e => ({
        instancePath: e.instancePath,
        schemaPath: e.schemaPath,
        keyword: e.keyword,
        params: e.params,
        message: e.message
      }));
    }
    allOk &&= valid;
    emit({source: item.source, index: item.index, valid, errors});
  }
  return allOk ? 0 : 1;
}

runMain(main);
