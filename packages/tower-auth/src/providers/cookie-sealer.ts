import { GCM_NONCE_BYTES, GCM_TAG_BYTES, gcmOpen, gcmSeal } from '../common/aes-gcm.js';

const VERSION = 'v1';
/** Browsers keep about 4 KB per cookie; anything longer was not made here. */
export const MAX_SEALED = 4000;

/**
 * Cookie values only this service can read or make: AES-256-GCM under a key derived from the
 * JWT secret with HKDF-SHA256 (info `tower-oauth-flow`), the purpose bound in as associated
 * data so a value sealed for one cookie never opens as another. Any instance with the same
 * secret opens them; changing the secret voids them, like every session.
 */
export class CookieSealer {
  /** The KeyRing's cookie key. */
  constructor(private readonly key: Buffer) {}

  seal(purpose: string, text: string): string {
    const { nonce, sealed } = gcmSeal(this.key, Buffer.from(text), aad(purpose));
    return `${VERSION}.${Buffer.concat([nonce, sealed]).toString('base64url')}`;
  }

  /** The text, or null when the value is not one this sealer made for `purpose`. */
  open(purpose: string, value: string): string | null {
    if (value.length > MAX_SEALED || !value.startsWith(`${VERSION}.`)) return null;
    const raw = Buffer.from(value.slice(VERSION.length + 1), 'base64url');
    if (raw.length <= GCM_NONCE_BYTES + GCM_TAG_BYTES) return null;
    const opened = gcmOpen(
      this.key,
      raw.subarray(0, GCM_NONCE_BYTES),
      raw.subarray(GCM_NONCE_BYTES),
      aad(purpose),
    );
    return opened === null ? null : opened.toString();
  }
}

function aad(purpose: string): Buffer {
  return Buffer.from(`tower/${purpose}/${VERSION}`);
}
