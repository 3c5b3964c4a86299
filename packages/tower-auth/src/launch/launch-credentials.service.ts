import { Injectable } from '@nestjs/common';
import { AuthError } from '../common/auth-error.js';
import type { RequestInfo } from '../common/request-info.js';
import { EphemeralService, type EphemeralExtension } from '../ephemeral/ephemeral.service.js';
import { SessionRepository } from '../sessions/session.repository.js';
import { SessionService } from '../sessions/session.service.js';
import { UserRepository } from '../users/user.repository.js';
import { BIGINT_ID, SESSION_ID } from '../common/ids.js';

/** The `provider` of a job session: it was started by a launch, not by a login. */
export const LAUNCH_PROVIDER = 'launch';

export interface LaunchOptions {
  /** The job's parameters: an object is sent as JSON, a string or bytes as given. */
  params: string | Buffer | Record<string, unknown>;
  /** Default: from the extension (`application/json`, `application/yaml`). */
  contentType?: string;
  /** Nextflow reads the params file's format from its name; default `json` for an object. */
  extension?: Extract<EphemeralExtension, 'json' | 'yml'>;
  /** Who asked for the launch (kept on the session, shown to admins). */
  requestInfo?: Partial<RequestInfo>;
  /** Build the params URL under `/api` (the host serves the module's routes there too). */
  apiPrefix?: boolean;
}

/** What a launched job needs, and until when each part works. */
export interface LaunchCredentials {
  /** Put these in the job's environment, as Nextflow reads them. */
  env: { TOWER_ACCESS_TOKEN: string; TOWER_REFRESH_TOKEN: string };
  /** Single use: `nextflow run … -params-file <paramsUrl>`. */
  paramsUrl: string;
  /** The job session; revoke it (`revoke`) when the run ends. */
  sessionId: string;
  accessTokenExpiresAt: Date;
  /** The refresh token stops working unless the job uses it before this (sliding). */
  refreshTokenIdleExpiresAt: Date;
  paramsExpiresAt: Date;
}

/**
 * Credentials for a job a host launches on a user's behalf: a session of kind `job` (its access
 * and refresh tokens) and an ephemeral endpoint holding the parameters. Both must outlive the
 * job's wait in the queue: the refresh token's idle expiry (refresh-token expiration) and the
 * endpoint's lifetime (`tower.ephemeral.duration`) bound how late the job may start.
 */
@Injectable()
export class LaunchCredentialsService {
  constructor(
    private readonly sessions: SessionService,
    private readonly sessionRows: SessionRepository,
    private readonly users: UserRepository,
    private readonly ephemeral: EphemeralService,
  ) {}

  /**
   * Refuses an unknown or disabled user (AuthError `unknown_user`, `user_disabled`) and
   * parameters the ephemeral endpoint refuses (`content_too_large`, `invalid_content_type`),
   * before any session exists.
   */
  async issue(userId: string | number, options: LaunchOptions): Promise<LaunchCredentials> {
    const id = String(userId);
    const user = BIGINT_ID.test(id) ? await this.users.findById(id) : null;
    if (!user) throw new AuthError('unknown_user', `No user has the id ${JSON.stringify(id)}`);
    if (user.status !== 'active') {
      throw new AuthError('user_disabled', `User ${id} is disabled: no job can run as them`);
    }
    const isObject =
      typeof options.params === 'object' &&
      options.params !== null &&
      !Buffer.isBuffer(options.params);
    const content = isObject ? JSON.stringify(options.params) : (options.params as string | Buffer);
    const endpoint = await this.ephemeral.create(content, {
      contentType: options.contentType,
      extension: options.extension ?? (isObject ? 'json' : undefined),
      createdBy: user.id,
      apiPrefix: options.apiPrefix,
    });
    const tokens = await this.sessions.startSession(
      user,
      LAUNCH_PROVIDER,
      {
        userAgent: options.requestInfo?.userAgent ?? null,
        ipAddress: options.requestInfo?.ipAddress ?? null,
      },
      { kind: 'job' },
    );
    const session = await this.sessionRows.findById(tokens.sessionId);
    if (!session) throw new Error('The job session ended as it was created');
    return {
      env: { TOWER_ACCESS_TOKEN: tokens.accessToken, TOWER_REFRESH_TOKEN: tokens.refreshToken },
      paramsUrl: endpoint.url,
      sessionId: tokens.sessionId,
      accessTokenExpiresAt: expiryOf(tokens.accessToken),
      refreshTokenIdleExpiresAt: session.idleExpiresAt,
      paramsExpiresAt: endpoint.expiresAt,
    };
  }

  /**
   * Ends a job session (the run finished or was cancelled): its tokens stop on every instance
   * within a second. False when it is not a live job session.
   */
  async revoke(sessionId: string): Promise<boolean> {
    const row = SESSION_ID.test(sessionId) ? await this.sessionRows.findById(sessionId) : null;
    if (row?.kind !== 'job') return false;
    return this.sessions.revokeById(sessionId, 'job_ended');
  }
}

/** The `exp` of a token just signed here. */
function expiryOf(accessToken: string): Date {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as {
    exp: number;
  };
  return new Date(payload.exp * 1000);
}
