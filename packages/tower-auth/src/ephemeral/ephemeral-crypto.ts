import { createHash, randomBytes } from 'node:crypto';
import { GCM_TAG_BYTES, deriveKey, gcmOpen, gcmSeal } from '../common/aes-gcm.js';

/**
 * The capability is the id: 16 random bytes, base64url (22 characters). The database keeps
 * only SHA-256 of those bytes (the lookup key) and the content sealed with AES-256-GCM under
 * HKDF-SHA256(id, per-row salt): without the id, a dump of the table reveals neither.
 */
const ID_BYTES = 16;
const SALT_BYTES = 16;
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
  const { nonce, sealed: ciphertext } = gcmSeal(
    contentKey(id, salt),
    content,
    additionalData(idHash, contentType),
  );
  return { salt, nonce, ciphertext };
}

/** The content, or null when the row does not open with this id (tampered or wrong). */
export function open(
  id: string,
  idHash: Buffer,
  contentType: string,
  sealed: SealedContent,
): Buffer | null {
  return gcmOpen(
    contentKey(id, sealed.salt),
    sealed.nonce,
    sealed.ciphertext,
    additionalData(idHash, contentType),
  );
}

/** Plaintext length of a sealed content of this size (HEAD answers it without decrypting). */
export function plaintextLength(ciphertextLength: number): number {
  return Math.max(0, ciphertextLength - GCM_TAG_BYTES);
}

function contentKey(id: string, salt: Buffer): Buffer {
  return deriveKey(Buffer.from(id, 'base64url'), salt, KEY_INFO);
}

function additionalData(idHash: Buffer, contentType: string): Buffer {
  return Buffer.concat([idHash, Buffer.from(contentType, 'utf8')]);
}
