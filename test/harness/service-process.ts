import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN = path.join(ROOT, 'dist/main.js');

export interface Running {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

/** The built service as `npm start` runs it, with only the environment given here. */
export function startService(env: Record<string, string>): Running {
  if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: run `npm run build` first');
  const child = spawn(process.execPath, [MAIN], {
    cwd: mkdtempSync(path.join(os.tmpdir(), 'tower-boot-cwd-')),
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

/** Milliseconds until `/health` answered 200; throws with the service's output otherwise. */
export async function waitForHealth(
  port: number,
  run: Running,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (run.child.exitCode !== null) throw new Error(`service exited early:\n${run.output()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no /health 200 within ${timeoutMs} ms:\n${run.output()}`);
}

export async function stopService(run: Running): Promise<number | null> {
  run.child.kill('SIGTERM');
  return run.exit;
}
