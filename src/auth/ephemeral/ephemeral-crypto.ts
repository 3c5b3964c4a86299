import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The capability is the id: 16 random bytes, base64url (22 characters). The database keeps
 * only SHA-256 of those bytes (the lookup key) and the content sealed with AES-256-GCM under
 * HKDF-SHA256(id, per-row salt): without the id, a dump of the table reveals neither.
 */
const ID_BYTES = 16;
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_INFO = Buffer.from('tower-ephemeral', 'utf8');

/** 22 base64url characters whose last one carries only 4 bits (so 16 bytes round-trip). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;

export interface SealedContent {
  readonly salt: Buffer;
  readonly nonce: Buffer;
  /** Ciphertext followed by the 16-byte GCM tag. */
  readonly ciphertext: Buffer;
}

export function newEphemeralId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

export function isEphemeralId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export function hashEphemeralId(id: string): Buffer {
  return createHash('sha256').update(Buffer.from(id, 'base64url')).digest();
}

/** The content type is authenticated too: a row edited to serve another type fails to open. */
export function seal(
  id: string,
  idHash: Buffer,
  contentType: string,
  content: Buffer,
): SealedContent {
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', contentKey(id, salt), nonce);
  cipher.setAAD(additionalData(idHash, contentType));
  const ciphertext = Buffer.concat([cipher.update(content), cipher.final(), cipher.getAuthTag()]);
  return { salt, nonce, ciphertext };
}

/** The content, or null when the row does not open with this id (tampered or wrong). */
export function open(
  id: string,
  idHash: Buffer,
  contentType: string,
  sealed: SealedContent,
): Buffer | null {
  if (sealed.ciphertext.length < TAG_BYTES) return null;
  const body = sealed.ciphertext.subarray(0, sealed.ciphertext.length - TAG_BYTES);
  const tag = sealed.ciphertext.subarray(sealed.ciphertext.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', contentKey(id, sealed.salt), sealed.nonce);
    decipher.setAAD(additionalData(idHash, contentType));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return null;
  }
}

/** Plaintext length of a sealed content of this size (HEAD answers it without decrypting). */
export function plaintextLength(ciphertextLength: number): number {
  return Math.max(0, ciphertextLength - TAG_BYTES);
}

function contentKey(id: string, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(id, 'base64url'), salt, KEY_INFO, 32));
}

function additionalData(idHash: Buffer, contentType: string): Buffer {
  return Buffer.concat([idHash, Buffer.from(contentType, 'utf8')]);
}
