// Closed-loop load generator for the benchmarks, in its own thread (so it does not share the
// server's event loop). Each of `concurrency` loops runs one scenario step after another for
// `seconds`:
//   refresh   - POST /oauth/access_token with the loop's current refresh token, keeping the new one
//   ephemeral - POST /ephemeral (Bearer) then GET the returned URL: create + consume
//   gate      - POST /gate/access with a new address each time
import { Buffer } from 'node:buffer';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { base, seconds, scenario, concurrency, bearer } = workerData;
const tokens = [...(workerData.tokens ?? [])];
const origin = new URL(base);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function call(method, path, body, headers = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: origin.hostname,
        port: origin.port,
        path,
        method,
        headers: {
          ...headers,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('error', (error) => resolve({ status: error.code ?? 'error', text: '' }));
    req.end(payload);
  });
}

let sequence = 0;
const steps = {
  async refresh(i) {
    const res = await call('POST', '/oauth/access_token', {
      grant_type: 'refresh_token',
      refresh_token: tokens[i],
    });
    if (res.status !== 200) return res.status;
    tokens[i] = JSON.parse(res.text).refresh_token;
    return null;
  },
  async ephemeral() {
    const content = `{"run":${sequence++},"params":{"input":"s3://bucket/data"}}`;
    const created = await call(
      'POST',
      '/ephemeral',
      { content, extension: 'json' },
      {
        authorization: `Bearer ${bearer}`,
      },
    );
    if (created.status !== 201) return created.status;
    const { url } = JSON.parse(created.text);
    const fetched = await call('GET', new URL(url).pathname);
    if (fetched.status !== 200 || fetched.text !== content) return `get ${fetched.status}`;
    return null;
  },
  async gate() {
    const res = await call('POST', '/gate/access', {
      email: `bench-${workerData.run}-${sequence++}@gate.example`,
    });
    return res.status === 200 ? null : res.status;
  },
};

const deadline = performance.now() + seconds * 1000;
let done = 0;
const failures = {};
const latencies = [];
await Promise.all(
  Array.from({ length: concurrency }, async (_, i) => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const failure = await steps[scenario](i);
      latencies.push(performance.now() - started);
      if (failure === null) {
        done += 1;
      } else {
        failures[failure] = (failures[failure] ?? 0) + 1;
        if (scenario === 'refresh') return;
      }
    }
  }),
);
agent.destroy();
parentPort.postMessage({ done, failures, tokens, latencies });
