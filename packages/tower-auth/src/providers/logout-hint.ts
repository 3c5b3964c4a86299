import { Inject, Injectable } from '@nestjs/common';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { cookieValues } from '../http/cookies.js';
import { KeyRing } from '../tokens/key-ring.js';
import { MAX_SEALED, type CookieSealer } from './cookie-sealer.js';

export const LOGOUT_HINT_COOKIE = 'TOWER_OIDC_LOGOUT';
const PURPOSE = 'oidc-logout-hint';
/** Relative to the server URL's path. */
const PATH = '/oauth/logout';

/**
 * The id_token of an OIDC login, kept for `GET /oauth/logout` to send as `id_token_hint`:
 * several providers (Okta among them) honour `post_logout_redirect_uri` only with it. Sealed
 * (it holds the user's claims), HttpOnly, sent only to /oauth/logout, as long-lived as the
 * refresh cookie; left out when the sealed token would not fit in a cookie (the sign-out then
 * sends only `client_id`).
 */
@Injectable()
export class LogoutHintCookie {
  private readonly sealer: CookieSealer;

  constructor(
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
    keys: KeyRing,
  ) {
    this.sealer = keys.cookies;
  }

  /** Set-Cookie values keeping `idToken`; empty when it is too big for a cookie. */
  keep(idToken: string): string[] {
    const value = this.sealer.seal(PURPOSE, idToken);
    return value.length > MAX_SEALED
      ? []
      : [this.cookie(value, this.config.auth.refreshCookieMaxAge)];
  }

  read(cookieHeader: string | string[] | undefined): string | null {
    for (const value of cookieValues(cookieHeader, LOGOUT_HINT_COOKIE)) {
      const idToken = this.sealer.open(PURPOSE, value);
      if (idToken !== null) return idToken;
    }
    return null;
  }

  cleared(): string[] {
    return [this.cookie('', 0)];
  }

  private cookie(value: string, maxAge: number): string {
    const secure = this.config.secureCookies ? '; Secure' : '';
    return `${LOGOUT_HINT_COOKIE}=${value}; Path=${this.config.serverPath}${PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
  }
}
