import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Browsers keep about 4 KB per cookie; anything longer was not made here. */
export const MAX_SEALED = 4000;

/**
 * Cookie values only this service can read or make: AES-256-GCM under a key derived from the
 * JWT secret with HKDF-SHA256 (info `tower-oauth-flow`), the purpose bound in as associated
 * data so a value sealed for one cookie never opens as another. Any instance with the same
 * secret opens them; changing the secret voids them, like every session.
 */
export class CookieSealer {
  private readonly key: Buffer;

  constructor(jwtSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', jwtSecret, '', 'tower-oauth-flow', 32));
  }

  seal(purpose: string, text: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(aad(purpose));
    const body = Buffer.concat([cipher.update(text), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** The text, or null when the value is not one this sealer made for `purpose`. */
  open(purpose: string, value: string): string | null {
    if (value.length > MAX_SEALED || !value.startsWith(`${VERSION}.`)) return null;
    const raw = Buffer.from(value.slice(VERSION.length + 1), 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES))
        .setAAD(aad(purpose))
        .setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]).toString();
    } catch {
      return null;
    }
  }
}

function aad(purpose: string): Buffer {
  return Buffer.from(`tower/${purpose}/${VERSION}`);
}
