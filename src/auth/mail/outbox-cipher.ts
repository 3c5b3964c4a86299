import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals outbox payloads: until it is sent, a row holds a live sign-in link, so a database dump
 * or a backup must not reveal it. AES-256-GCM under a key derived (HKDF-SHA256) from the JWT
 * secret; the recipient is authenticated data, so a payload cannot be moved to another row.
 * Layout: version (1 byte) | nonce (12) | ciphertext | tag (16). A changed secret makes old
 * rows unreadable, like it ends every session.
 */
export class OutboxCipher {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'tower-auth', 'tower-mail-outbox', 32));
  }

  seal(plaintext: string, recipient: string): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(recipient, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]);
  }

  /** Throws when the payload was not sealed with this key for this recipient. */
  open(sealed: Buffer, recipient: string): string {
    if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
      throw new Error('unknown outbox payload format');
    }
    const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
    const body = sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce);
    decipher.setAAD(Buffer.from(recipient, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }
}
