import { describe, expect, it } from '@jest/globals';
import { KeyRing } from '../tokens/key-ring.js';

const SECRET = 'a-jwt-secret-that-is-long-enough-0123456789';
const MESSAGE = JSON.stringify({ link: 'https://tower.example.com/auth?uid=1&token=abc' });

describe('OutboxCipher', () => {
  const cipher = new KeyRing({ jwtSecret: SECRET }).outbox;

  it('opens what it sealed, and the sealed bytes hold nothing readable', () => {
    const sealed = cipher.seal(MESSAGE, 'ada@example.com');
    expect(sealed.toString('latin1')).not.toContain('token');
    expect(cipher.open(sealed, 'ada@example.com')).toBe(MESSAGE);
  });

  it('uses a fresh nonce each time', () => {
    const a = cipher.seal(MESSAGE, 'ada@example.com');
    const b = cipher.seal(MESSAGE, 'ada@example.com');
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a payload moved to another recipient, altered, or sealed under another secret', () => {
    const sealed = cipher.seal(MESSAGE, 'ada@example.com');
    expect(() => cipher.open(sealed, 'eve@example.com')).toThrow();
    const altered = Buffer.from(sealed);
    altered[20] ^= 1;
    expect(() => cipher.open(altered, 'ada@example.com')).toThrow();
    expect(() =>
      new KeyRing({ jwtSecret: `${SECRET}-rotated` }).outbox.open(sealed, 'ada@example.com'),
    ).toThrow();
    expect(() => cipher.open(Buffer.alloc(0), 'ada@example.com')).toThrow();
  });
});
