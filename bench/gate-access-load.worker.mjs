// Load generator for bench/gate-access.ts, in its own thread: `connections` loops post
// POST /gate/access back to back for `seconds`, each with the next address of its scenario, and
// record every answer's latency (ms, from just before the request to the end of the body).
import { Buffer } from 'node:buffer';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { url, seconds, connections, scenario, runId } = workerData;
const target = new URL(url);
const agent = new Agent({ keepAlive: true, maxSockets: connections });

/** The address of request `n` of loop `loop`. */
function address(loop, n) {
  switch (scenario) {
    case 'new':
      return `bench-${runId}-${loop}-${n}@example.com`;
    case 'known':
      return `known-${(loop * 7 + n) % 50}@example.com`;
    default:
      return `refused-${runId}-${loop}-${n}@other.com`;
  }
}

function post(email) {
  const body = JSON.stringify({ email });
  return new Promise((resolve) => {
    const started = performance.now();
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
const deadline = performance.now() + seconds * 1000;

async function loop(index) {
  for (let n = 0; performance.now() < deadline; n++) {
    const answer = await post(address(index, n));
    latencies.push(answer.ms);
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    if (answer.status === 200 && answer.text !== '{"state":0}') wrongBodies++;
  }
}

await Promise.all(Array.from({ length: connections }, (_, i) => loop(i)));
agent.destroy();
parentPort.postMessage({ latencies, statuses, wrongBodies });
