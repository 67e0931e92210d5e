// Turns the nested errors of jsonld-signatures / @digitalbazaar/vc results
// into one informative message.

function describe(err) {
  if(err === null || err === undefined) {
    return null;
  }
  if(typeof err === 'string') {
    return err;
  }
  let msg = err.message || String(err);
  if(err.name && err.name !== 'Error' && !msg.startsWith(err.name)) {
    msg = `${err.name}: ${msg}`;
  }
  // jsonld safe-mode / validation errors carry the offending term here.
  const ev = err.details?.event;
  if(ev) {
    const d = ev.details || {};
    const bits = [ev.code, d.property && `property "${d.property}"`,
      d.type && `type ${JSON.stringify(d.type)}`,
      d.relativeIri && `relative IRI ${JSON.stringify(d.relativeIri)}`,
      d.iri && `IRI ${JSON.stringify(d.iri)}`]
      .filter(Boolean);
    if(bits.length) {
      msg += ` (${bits.join(', ')})`;
    }
  } else if(err.details?.url) {
    msg += ` (url ${err.details.url})`;
  }
  const cause = err.cause || err.details?.cause;
  if(cause && cause !== err) {
    const c = describe(cause);
    if(c && !msg.includes(c)) {
      msg += ` [cause: ${c}]`;
    }
  }
  return msg;
}

/** Flattens an error (and its `.errors` children) into messages. */
export function errorMessages(err, out = []) {
  if(!err) {
    return out;
  }
  if(Array.isArray(err)) {
    err.forEach(e => errorMessages(e, out));
    return out;
  }
  if(Array.isArray(err.errors) && err.errors.length) {
    err.errors.forEach(e => errorMessages(e, out));
    return out;
  }
  const m = describe(err);
  if(m) {
    out.push(m);
  }
  return out;
}

/** All messages from a verifyCredential() result, de-duplicated. */
export function resultMessages(result) {
  const msgs = [];
  if(!result) {
    return ['no verification result'];
  }
  errorMessages(result.error, msgs);
  for(const r of result.results ?? []) {
    errorMessages(r.error, msgs);
    if(r.purposeResult && r.purposeResult.valid === false) {
      errorMessages(r.purposeResult.error, msgs);
    }
  }
  if(result.statusResult && result.statusResult.verified === false) {
    errorMessages(result.statusResult.error, msgs);
  }
  const uniq = [...new Set(msgs)];
  return uniq.length ? uniq : ['verification failed (no error detail given)'];
}
