import { Inject, Injectable } from '@nestjs/common';
import * as client from 'openid-client';
import { CLOCK, type Clock } from '../common/clock.js';
import { TOWER_CONFIG, type ProviderId, type TowerConfig } from '../config/tower-config.types.js';
import { cookieRootPath, cookieValues } from '../http/cookies.js';
import { KeyRing } from '../tokens/key-ring.js';
import type { CookieSealer } from './cookie-sealer.js';
import type { LoginFlow } from './provider.js';

/** The flow cookie every browser gets (SameSite=Lax); `__Host-` prefixed on https. */
export const FLOW_COOKIE = 'TOWER_OAUTH_FLOW';
/** Its SameSite=None copy for providers that answer with a cross-site form POST (https only). */
export const FLOW_COOKIE_CROSS_SITE = 'TOWER_OAUTH_FLOW_FP';
/**
 * Browsers accept a cookie with this prefix only from a secure origin with Secure, Path=/ and
 * no Domain: a sibling subdomain can set a plain cookie for the parent domain, never this one.
 */
export const HOST_PREFIX = '__Host-';
/** Seconds a browser has to come back from the provider. */
export const FLOW_LIFETIME = 600;

const PURPOSE = 'oauth-flow';
const PROVIDERS: readonly string[] = ['github', 'google', 'oidc'];

interface SealedFlow {
  p: ProviderId;
  s: string;
  n: string;
  v: string;
  r: string | null;
  e: number;
}

/**
 * The login flow (state, nonce, PKCE verifier, provider, return path) lives in the browser,
 * sealed by CookieSealer (AES-256-GCM, key derived from the JWT secret): any instance can read
 * it, nobody else can read or forge it, and nothing is stored server-side. HttpOnly, 10
 * minutes, on the server URL's path (`/`, or `/v1` under a prefix: the callback is also served
 * under `/api`).
 *
 * Form-POST callbacks: a provider that answers with `response_mode=form_post` makes the
 * browser POST cross-site to the callback, and browsers do not send SameSite=Lax cookies with
 * a cross-site POST. When the server URL is https a second copy is set with SameSite=None
 * (which browsers accept only with Secure); the callback reads either and clears both. The
 * copy grants nothing by itself: it only completes a flow this browser started, and the state
 * it holds must match the provider's answer.
 *
 * On https both names carry the `__Host-` prefix and only prefixed cookies are read, so a
 * sibling subdomain cannot plant a flow of its own (the attacker's sealed flow, which would
 * finish the attacker's login in the victim's browser). On http (localhost development)
 * browsers refuse the prefix, so the plain name stays.
 */
@Injectable()
export class FlowCookies {
  private readonly sealer: CookieSealer;
  /** The SameSite=Lax cookie's name, and the SameSite=None copy's (https only). */
  private readonly names: { readonly lax: string; readonly crossSite: string | null };

  constructor(
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    keys: KeyRing,
  ) {
    this.sealer = keys.cookies;
    this.names = config.secureCookies
      ? { lax: HOST_PREFIX + FLOW_COOKIE, crossSite: HOST_PREFIX + FLOW_COOKIE_CROSS_SITE }
      : { lax: FLOW_COOKIE, crossSite: null };
  }

  /** A new flow for `provider` with fresh state, nonce and PKCE verifier. */
  create(provider: ProviderId, next: string | null): LoginFlow {
    return {
      provider,
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
      next,
      expiresAt: this.clock.now() + FLOW_LIFETIME * 1000,
    };
  }

  /** Set-Cookie values carrying the flow. */
  seal(flow: LoginFlow): string[] {
    const sealed: SealedFlow = {
      p: flow.provider,
      s: flow.state,
      n: flow.nonce,
      v: flow.codeVerifier,
      r: flow.next,
      e: flow.expiresAt,
    };
    const value = this.sealer.seal(PURPOSE, JSON.stringify(sealed));
    return this.cookies(value, FLOW_LIFETIME);
  }

  /** Set-Cookie values that remove the flow cookies. */
  cleared(): string[] {
    return this.cookies('', 0);
  }

  /** The flow the browser carries, or null when absent, tampered with or expired. */
  open(cookieHeader: string | string[] | undefined): LoginFlow | null {
    const { lax, crossSite } = this.names;
    const values = [
      ...cookieValues(cookieHeader, lax),
      ...(crossSite ? cookieValues(cookieHeader, crossSite) : []),
    ];
    for (const value of values) {
      const flow = this.unseal(value);
      if (flow && flow.expiresAt > this.clock.now()) return flow;
    }
    return null;
  }

  private unseal(value: string): LoginFlow | null {
    const text = this.sealer.open(PURPOSE, value);
    if (text === null) return null;
    try {
      return toFlow(JSON.parse(text) as Partial<SealedFlow>);
    } catch {
      return null;
    }
  }

  private cookies(value: string, maxAge: number): string[] {
    const { lax, crossSite } = this.names;
    const secure = this.config.secureCookies ? '; Secure' : '';
    // On https the names carry the `__Host-` prefix, which requires Path=/ and no Domain;
    // on http the cookie is scoped to the server URL's path like the session cookies.
    const path = this.config.secureCookies ? '/' : cookieRootPath(this.config);
    const base = `Path=${path}; Max-Age=${maxAge}; HttpOnly`;
    const cookies = [`${lax}=${value}; ${base}; SameSite=Lax${secure}`];
    if (crossSite) cookies.push(`${crossSite}=${value}; ${base}; SameSite=None; Secure`);
    return cookies;
  }
}

function toFlow(s: Partial<SealedFlow>): LoginFlow | null {
  const strings = [s.s, s.n, s.v].every((x) => typeof x === 'string' && x.length > 0);
  if (!strings || typeof s.p !== 'string' || !PROVIDERS.includes(s.p)) return null;
  if (typeof s.e !== 'number' || (s.r !== null && typeof s.r !== 'string')) return null;
  return {
    provider: s.p,
    state: s.s!,
    nonce: s.n!,
    codeVerifier: s.v!,
    next: s.r,
    expiresAt: s.e,
  };
}
