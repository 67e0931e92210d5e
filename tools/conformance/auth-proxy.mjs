// Loopback proxy for the W3C suites (docs/conformance.md): adds the institution's bearer
// API key (MC_API_KEY) to every request and forwards it to the microcred service. It
// speaks https (a self-signed certificate in TLS_DIR) because the suites unwrap VC-API
// answers and load status lists only over https.
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
const [listen, target] = [Number(process.env.PROXY_PORT || 40444), new URL(process.env.TARGET || 'http://127.0.0.1:40443')];
const key = process.env.MC_API_KEY;
// LOG_BODIES=FILE appends every request and answer as a JSON line (for debugging).
if(!key) { console.error('set MC_API_KEY'); process.exit(2); }
const dir = process.env.TLS_DIR || '.';
const tls = {key: fs.readFileSync(`${dir}/proxy-key.pem`), cert: fs.readFileSync(`${dir}/proxy-cert.pem`)};
https.createServer(tls, (req, res) => {
  const headers = {...req.headers, host: target.host, authorization: `Bearer ${key}`};
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const up = http.request({host: target.hostname, port: target.port, method: req.method, path: req.url, headers}, r => {
      const out = [];
      r.on('data', c => out.push(c));
      r.on('end', () => {
        const answer = Buffer.concat(out);
        if(process.env.LOG_BODIES) {
          fs.appendFileSync(process.env.LOG_BODIES, JSON.stringify({method: req.method, url: req.url, status: r.statusCode, request: body.toString(), response: answer.toString()}) + '\n');
        }
        res.writeHead(r.statusCode, r.headers);
        res.end(answer);
      });
    });
    up.on('error', e => { res.writeHead(502); res.end(String(e)); });
    up.end(body);
  });
}).listen(listen, '127.0.0.1', () => console.log(`https proxy 127.0.0.1:${listen} -> ${target.href}`));
