import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  hashEphemeralId,
  isEphemeralId,
  newEphemeralId,
  open,
  plaintextLength,
  seal,
} from './ephemeral-crypto.js';

describe('ephemeral ids', () => {
  it('are 22 base64url characters of 16 random bytes, never repeated', () => {
    const ids = new Set(Array.from({ length: 2000 }, newEphemeralId));
    expect(ids.size).toBe(2000);
    for (const id of ids) {
      expect(isEphemeralId(id)).toBe(true);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
      expect(Buffer.from(id, 'base64url').toString('base64url')).toBe(id);
    }
  });

  it.each([
    ['', 'empty'],
    ['A'.repeat(21), 'too short'],
    ['A'.repeat(23), 'too long'],
    [`${'A'.repeat(21)}B`, 'a last character carrying bits beyond 16 bytes'],
    [`${'A'.repeat(20)}+A`, 'base64, not base64url'],
    [`${'A'.repeat(20)}=A`, 'padding'],
    [`${'A'.repeat(21)}A\n`, 'a trailing newline'],
  ])('%j is refused (%s)', (id) => {
    expect(isEphemeralId(id)).toBe(false);
  });
});

describe('sealed content', () => {
  const id = newEphemeralId();
  const idHash = hashEphemeralId(id);
  const type = 'application/json';

  it('opens with its id to exactly what was sealed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.string(), (bytes, text) => {
        for (const content of [Buffer.from(bytes), Buffer.from(text, 'utf8')]) {
          const sealed = seal(id, idHash, type, content);
          expect(plaintextLength(sealed.ciphertext.length)).toBe(content.length);
          expect(open(id, idHash, type, sealed)?.equals(content)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('uses a fresh salt and nonce per row: the same content never seals the same twice', () => {
    const content = Buffer.from('same content');
    const [a, b] = [seal(id, idHash, type, content), seal(id, idHash, type, content)];
    expect(a.salt.equals(b.salt) || a.nonce.equals(b.nonce)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it('does not open with another id, another type, or any altered byte', () => {
    const sealed = seal(id, idHash, type, Buffer.from('{"password":"hunter2"}'));
    const other = newEphemeralId();
    expect(open(other, hashEphemeralId(other), type, sealed)).toBeNull();
    expect(open(id, idHash, 'text/html', sealed)).toBeNull();
    for (const field of ['salt', 'nonce', 'ciphertext'] as const) {
      for (const index of [0, sealed[field].length - 1]) {
        const altered = Buffer.from(sealed[field]);
        altered[index] ^= 1;
        expect(open(id, idHash, type, { ...sealed, [field]: altered })).toBeNull();
      }
    }
    expect(open(id, idHash, type, { ...sealed, ciphertext: Buffer.alloc(3) })).toBeNull();
  });
});
