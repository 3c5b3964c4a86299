// Load generator for bench/refresh.ts, in its own thread: each of `tokens.length` loops posts
// its session's current refresh token and continues with the one it gets back, for `seconds`.
import { Buffer } from 'node:buffer';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { url, seconds } = workerData;
const tokens = [...workerData.tokens];
const target = new URL(url);
const agent = new Agent({ keepAlive: true, maxSockets: tokens.length });

function refresh(token) {
  const body = JSON.stringify({ grant_type: 'refresh_token', refresh_token: token });
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) return resolve({ ok: false, status: res.statusCode });
          try {
            resolve({ ok: true, token: JSON.parse(text).refresh_token });
          } catch {
            resolve({ ok: false, status: 'bad body' });
          }
        });
      },
    );
    req.on('error', (error) => resolve({ ok: false, status: error.code ?? 'error' }));
    req.end(body);
  });
}

const deadline = performance.now() + seconds * 1000;
let done = 0;
const failures = {};
const latencies = [];
await Promise.all(
  tokens.map(async (_, i) => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const result = await refresh(tokens[i]);
      latencies.push(performance.now() - started);
      if (result.ok) {
        tokens[i] = result.token;
        done += 1;
      } else {
        failures[result.status] = (failures[result.status] ?? 0) + 1;
        return;
      }
    }
  }),
);
agent.destroy();
parentPort.postMessage({ done, failures, tokens, latencies });
