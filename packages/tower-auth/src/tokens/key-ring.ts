import { Inject, Injectable } from '@nestjs/common';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { deriveKey } from '../common/aes-gcm.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { OutboxCipher } from '../mail/outbox-cipher.js';
import { CookieSealer } from '../providers/cookie-sealer.js';
import { RefreshChain } from '../sessions/refresh-token.js';

/**
 * Every key this module uses, derived from the JWT secret once (HKDF-SHA256, one `info` per
 * purpose, so no two uses share a key) and each user built once around its key. Changing the
 * secret changes them all: sessions, sealed cookies and queued mail all end together.
 */
@Injectable()
export class KeyRing {
  /** HS256 key of access tokens: a KeyObject, so a verify does not re-import a string. */
  readonly accessTokens: KeyObject;
  /** Successor of each refresh token (grace replays, reuse detection) and its stored hash. */
  readonly refreshChain: RefreshChain;
  /** Cookies only this service makes or reads (the login flow, the logout hint). */
  readonly cookies: CookieSealer;
  /** Outbox payloads: the sign-in links waiting to be sent. */
  readonly outbox: OutboxCipher;

  constructor(@Inject(TOWER_CONFIG) config: Pick<TowerConfig, 'jwtSecret'>) {
    const secret = config.jwtSecret;
    this.accessTokens = createSecretKey(Buffer.from(secret, 'utf8'));
    this.refreshChain = new RefreshChain(
      deriveKey(secret, 'tower-auth', 'refresh-token-chain'),
      deriveKey(secret, 'tower-auth', 'refresh-token-hash'),
    );
    this.cookies = new CookieSealer(deriveKey(secret, '', 'tower-oauth-flow'));
    this.outbox = new OutboxCipher(deriveKey(secret, 'tower-auth', 'tower-mail-outbox'));
  }
}
