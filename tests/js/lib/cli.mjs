// Shared CLI plumbing: argument parsing, usage errors, loading inputs.

import {parseArgs} from 'node:util';
import {readFile} from 'node:fs/promises';
import {readSource, parseItems, decodeJwt, credentialFromJwtPayload} from './input.mjs';
import {jwksFromJson} from './jwt.mjs';
import {loadControllerDocumentFile} from './loader.mjs';

export class UsageError extends Error {}

/** parseArgs wrapper that turns its errors into UsageErrors. */
export function parseCli(argv, options, usage) {
  let parsed;
  try {
    parsed = parseArgs({args: argv, options: {
      help: {type: 'boolean', short: 'h'}, ...options
    }, allowPositionals: true, strict: true});
  } catch(e) {
    throw new UsageError(`${e.message}\n${usage}`);
  }
  if(parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return parsed;
}

/** Runs main(); exit 2 on UsageError, 1 on anything unexpected. */
export function runMain(main) {
  // A closed stdout (e.g. piped into `head`) is not a crash.
  process.stdout.on('error', e => {
    if(e.code === 'EPIPE') {
      process.exit(process.exitCode ?? 1);
    }
    throw e;
  });
  process.on('unhandledRejection', e => {
    process.stderr.write(`error: unhandled rejection: ${e?.stack ?? e}\n`);
    process.exitCode = 1;
  });
  main().then(code => {
    process.exitCode = code;
  }, e => {
    if(e instanceof UsageError) {
      process.stderr.write(`usage error: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`error: ${e?.stack ?? e}\n`);
      process.exitCode = 1;
    }
  });
}

/**
 * Reads every input source into items
 * {source, index, format, value?, parseError?, credential?}.
 * A source that cannot be read is a UsageError.
 */
export async function loadItems(files, {stripJwt = false} = {}) {
  const all = [];
  for(const file of files) {
    let text;
    try {
      text = await readSource(file);
    } catch(e) {
      throw new UsageError(`cannot read "${file}": ${e.message}`);
    }
    parseItems(text).forEach((item, index) => {
      const out = {source: file, index, ...item};
      if(!out.parseError) {
        if(out.format === 'jwt') {
          try {
            out.jwt = decodeJwt(out.value);
            out.credential = credentialFromJwtPayload(out.jwt.payload, {strip: stripJwt});
          } catch(e) {
            out.decodeError = e.message;
          }
        } else {
          out.credential = out.value;
        }
      }
      all.push(out);
    });
  }
  return all;
}

export async function loadKeys(files = []) {
  const keys = [];
  for(const file of files) {
    let json;
    try {
      json = JSON.parse(await readFile(file, 'utf8'));
    } catch(e) {
      throw new UsageError(`cannot read JWK file "${file}": ${e.message}`);
    }
    try {
      keys.push(...jwksFromJson(json, file));
    } catch(e) {
      throw new UsageError(e.message);
    }
  }
  return keys;
}

export async function loadDidDocs(files = []) {
  const docs = [];
  for(const file of files) {
    try {
      docs.push(await loadControllerDocumentFile(file));
    } catch(e) {
      throw new UsageError(e.message);
    }
  }
  return docs;
}

export function parseNow(value) {
  if(value === undefined) {
    return new Date();
  }
  const d = new Date(value);
  if(Number.isNaN(d.getTime())) {
    throw new UsageError(`--now: not an ISO date-time: ${JSON.stringify(value)}`);
  }
  return d;
}

export function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}
