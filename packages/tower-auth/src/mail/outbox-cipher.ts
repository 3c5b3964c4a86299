import { GCM_NONCE_BYTES, GCM_TAG_BYTES, gcmOpen, gcmSeal } from '../common/aes-gcm.js';

const VERSION = 1;

/**
 * Seals outbox payloads: until it is sent, a row holds a live sign-in link, so a database dump
 * or a backup must not reveal it. AES-256-GCM under a key derived (HKDF-SHA256) from the JWT
 * secret; the recipient is authenticated data, so a payload cannot be moved to another row.
 * Layout: version (1 byte) | nonce (12) | ciphertext | tag (16). A changed secret makes old
 * rows unreadable, like it ends every session.
 */
export class OutboxCipher {
  /** The KeyRing's outbox key. */
  constructor(private readonly key: Buffer) {}

  seal(plaintext: string, recipient: string): Buffer {
    const { nonce, sealed } = gcmSeal(
      this.key,
      Buffer.from(plaintext, 'utf8'),
      Buffer.from(recipient, 'utf8'),
    );
    return Buffer.concat([Buffer.from([VERSION]), nonce, sealed]);
  }

  /** Throws when the payload was not sealed with this key for this recipient. */
  open(sealed: Buffer, recipient: string): string {
    if (sealed.length < 1 + GCM_NONCE_BYTES + GCM_TAG_BYTES || sealed[0] !== VERSION) {
      throw new Error('unknown outbox payload format');
    }
    const plaintext = gcmOpen(
      this.key,
      sealed.subarray(1, 1 + GCM_NONCE_BYTES),
      sealed.subarray(1 + GCM_NONCE_BYTES),
      Buffer.from(recipient, 'utf8'),
    );
    if (plaintext === null) throw new Error('outbox payload does not open with this key');
    return plaintext.toString('utf8');
  }
}
