// Load generator for bench/gate-access.ts, in its own thread. Open loop: it starts a request
// every 1/rate s for `seconds`, whether or not earlier ones have answered (so a slow answer cannot
// hold back the next ones and hide itself), each with the next address of its scenario, and
// records every answer's latency (ms, from the moment the request was due to the end of the body).
import { Buffer } from 'node:buffer';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { url, seconds, rate, scenario, runId } = workerData;
const target = new URL(url);
// LIFO reuse and a short idle timeout: a socket never sits idle until the server's keep-alive
// timeout closes it just as a request is written to it (which would be an ECONNRESET).
const agent = new Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo', timeout: 2000 });

/** The address of request `n`. */
function address(n) {
  switch (scenario) {
    case 'new':
      return `bench-${runId}-${n}@example.com`;
    case 'known':
      return `known-${n % 50}@example.com`;
    default:
      return `refused-${runId}-${n}@other.com`;
  }
}

function post(email, started) {
  const body = JSON.stringify({ email });
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
        res.on('end', () =>
          resolve({ ms: performance.now() - started, status: res.statusCode, text }),
        );
      },
    );
    req.on('error', (error) =>
      resolve({ ms: performance.now() - started, status: 0, text: error.message }),
    );
    req.end(body);
  });
}

const latencies = [];
const statuses = {};
let wrongBodies = 0;
const errors = [];
const interval = 1000 / rate;
const count = Math.floor(seconds * rate);
const begin = performance.now();
const answers = [];

for (let n = 0; n < count; n++) {
  const due = begin + n * interval;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
  answers.push(
    post(address(n), due).then((answer) => {
      latencies.push(answer.ms);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status === 200 && answer.text !== '{"state":0}') wrongBodies++;
      if (answer.status === 0 && errors.length < 5) errors.push(answer.text);
    }),
  );
}
await Promise.all(answers);
agent.destroy();
parentPort.postMessage({ latencies, statuses, wrongBodies, errors });
