import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCode } from './config.sources.js';

export const DEV_SECRET_FILE = 'jwt-secret';

export type DevSecretResult =
  | {
      readonly ok: true;
      readonly secret: string;
      /** `preview`: generated in memory only, because writing was not allowed. */
      readonly state: 'read' | 'created' | 'preview';
      readonly file: string;
    }
  | { readonly ok: false; readonly error: string };

/**
 * The development JWT secret kept in the data folder, so that sessions survive restarts of a
 * local service. Created with mode 0600 and `wx`, so that two instances starting together agree.
 */
export function loadOrCreateDevSecret(dataDir: string, write = true): DevSecretResult {
  const file = join(dataDir, DEV_SECRET_FILE);
  const existing = readSecret(file);
  if (existing !== null) return existing;
  const secret = randomBytes(48).toString('base64url');
  if (!write) return { ok: true, secret, state: 'preview', file };
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return { ok: true, secret, state: 'created', file };
  } catch (error) {
    const code = errorCode(error);
    // Another instance created it first: use theirs.
    return code === 'EEXIST' ? (readSecret(file) ?? cannot(file, code)) : cannot(file, code);
  }
}

function readSecret(file: string): DevSecretResult | null {
  try {
    return { ok: true, secret: readFileSync(file, 'utf8').trim(), state: 'read', file };
  } catch (error) {
    return errorCode(error) === 'ENOENT' ? null : cannot(file, errorCode(error));
  }
}

function cannot(file: string, code: string): DevSecretResult {
  return {
    ok: false,
    error: `TOWER_JWT_SECRET is not set and the development secret ${file} cannot be used (${code}); set TOWER_JWT_SECRET`,
  };
}
