import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { TokenResponseBody } from './http.shapes.js';
import { HttpAdapterHost } from '@nestjs/core';
import { requestInfo } from '../common/request-info.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { SessionService, type IssuedTokens } from '../sessions/session.service.js';
import type { UserEntity } from '../users/user.entity.js';
import { sessionCookies } from './cookies.js';
import { AuthError, type LoginErrorCode } from '../common/auth-error.js';
import { authErrorBody } from './error-responses.js';
import type { HttpRequest } from '../common/http-request.js';
import { noStore, setCookies, wantsJson } from './http-response.js';

/** The token body Nextflow's token manager keeps; the refresh endpoint and every login send it. */
export type TokenResponse = z.input<typeof TokenResponseBody>;

export function tokenBody(issued: IssuedTokens): TokenResponse {
  return {
    access_token: issued.accessToken,
    token_type: 'Bearer',
    expires_in: issued.expiresIn,
    refresh_token: issued.refreshToken,
    username: issued.user.userName,
    roles: issued.roles,
  };
}

/**
 * How every login ends: a browser gets `303 ${serverUrl}/auth?success=...` (with
 * the session cookies on success), a JSON client (`Accept: application/json`) gets the token
 * body or a JSON 401. Locations are built from the configured server URL, never from request
 * headers. Platform-neutral: works on Fastify and Express.
 */
@Injectable()
export class LoginResponder {
  constructor(
    private readonly sessions: SessionService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
  ) {}

  /** Starts the session for `user` and answers. `next` is a same-origin path to return to. */
  async succeed(
    request: HttpRequest,
    response: unknown,
    user: UserEntity,
    provider: string,
    options: { next?: string | null } = {},
  ): Promise<void> {
    const issued = await this.sessions.startSession(
      user,
      provider,
      requestInfo(request, this.config.trustProxy),
    );
    setCookies(response, sessionCookies(this.config, issued.accessToken, issued.refreshToken));
    noStore(response);
    const { httpAdapter } = this.adapterHost;
    if (wantsJson(request.headers)) {
      httpAdapter.reply(response, tokenBody(issued), 200);
      return;
    }
    const next = safeReturnPath(options.next);
    const query = next ? `success=true&next=${encodeURIComponent(next)}` : 'success=true';
    httpAdapter.redirect(response, 303, `${this.config.serverUrl}/auth?${query}`);
  }

  /**
   * Answers a failed login (JsonExceptionFilter calls it for a login AuthError): the code only;
   * the reason and detail belong in the audit log, not here.
   */
  fail(request: HttpRequest, response: unknown, code: LoginErrorCode): void {
    noStore(response);
    const { httpAdapter } = this.adapterHost;
    if (wantsJson(request.headers)) {
      const body = authErrorBody(new AuthError(code));
      httpAdapter.reply(response, body, body.statusCode);
      return;
    }
    httpAdapter.redirect(
      response,
      303,
      `${this.config.serverUrl}/auth?success=false&error=${code}`,
    );
  }
}

/**
 * A path on this server to go back to after signing in, or null. Only `/`-rooted paths: no
 * scheme, no `//host` (protocol-relative), no backslash tricks, no control characters.
 */
export function safeReturnPath(path: string | null | undefined): string | null {
  if (typeof path !== 'string' || path.length === 0 || path.length > 1024) return null;
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return null;
  return path;
}
