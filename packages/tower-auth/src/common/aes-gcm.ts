import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The one AES-256-GCM seal/open pair behind sealed cookies, the mail outbox and ephemeral
 * content. Each caller derives its own key (HKDF-SHA256 with its own `info`) and binds what the
 * ciphertext belongs to as associated data; the formats around it are the callers'.
 */
export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;

export interface Sealed {
  /** 12 random bytes, new for every seal. */
  readonly nonce: Buffer;
  /** The ciphertext followed by the 16-byte tag. */
  readonly sealed: Buffer;
}

/** A 32-byte key: HKDF-SHA256(secret, salt, info). */
export function deriveKey(
  secret: string | Buffer,
  salt: string | Buffer,
  info: string | Buffer,
): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, salt, info, 32));
}

export function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  const nonce = randomBytes(GCM_NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, sealed };
}

/** The plaintext, or null when the key, nonce, associated data or any byte is not the sealer's. */
export function gcmOpen(key: Buffer, nonce: Buffer, sealed: Buffer, aad: Buffer): Buffer | null {
  if (nonce.length !== GCM_NONCE_BYTES || sealed.length < GCM_TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce)
      .setAAD(aad)
      .setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    return null;
  }
}
