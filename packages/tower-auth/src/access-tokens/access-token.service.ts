import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { AuthError } from '../common/auth-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import type { HttpRequest } from '../common/http-request.js';
import { clientAddress, type RequestInfo } from '../common/request-info.js';
import { hashToken } from '../common/token-hash.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import type { TokenPrincipal } from '../decorators/current-user.decorator.js';
import { SessionService } from '../sessions/session.service.js';
import { formatAccessKey, newAccessSecret, parseAccessKey, secretMatches } from './access-key.js';
import { AccessTokenCache, type CachedToken } from './access-token.cache.js';
import {
  AccessTokenRepository,
  isNameClash,
  type AccessTokenCredential,
  type AccessTokenRow,
} from './access-token.repository.js';
import { TokenUseRecorder } from './token-use.recorder.js';

/** A cached token is read again after this long, whatever the notifications said (ms). */
const CACHE_TTL_MS = 10 * 60_000;
/** `lastUsed` is written at most this often per token (ms). */
const LAST_USED_INTERVAL_MS = 60_000;

/** Seqera's shape of a token in the Tokens API. */
export interface AccessTokenInfo {
  id: number;
  name: string;
  dateCreated: string;
  lastUsed: string | null;
}

export interface CreatedAccessToken {
  /** Shown once: only a hash of its secret is kept. */
  accessKey: string;
  token: AccessTokenInfo;
}

export function toAccessTokenInfo(row: AccessTokenRow): AccessTokenInfo {
  return {
    id: Number(row.id),
    name: row.name,
    dateCreated: row.dateCreated.toISOString(),
    lastUsed: row.lastUsed?.toISOString() ?? null,
  };
}

/**
 * Personal access tokens: created and listed by their owner, verified by the guard. A token is
 * read from the database once per instance and then verified from memory (bounded, the one
 * read longest ago first out, read again after ten minutes, expiry checked on every use). The
 * database's notifications (a token deleted, its user deleted or disabled) evict it on every
 * instance; after the listener reconnects, everything is read again, since notifications may
 * have been missed meanwhile. `lastUsed` is written at most once a minute per token, in batches
 * after the answers.
 */
@Injectable()
export class AccessTokenService {
  /** Reads in flight, so that a burst of requests with a new token makes one query. */
  private readonly loading = new Map<
    string,
    { read: Promise<AccessTokenCredential | null>; generation: number }
  >();

  constructor(
    private readonly tokens: AccessTokenRepository,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly uses: TokenUseRecorder,
    private readonly cache: AccessTokenCache,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Tokens held in memory (metrics, tests). */
  get cachedCount(): number {
    return this.cache.size;
  }

  async create(
    userId: string,
    input: { name: string; expiresAt: Date | null },
    request: RequestInfo,
  ): Promise<CreatedAccessToken> {
    const secret = newAccessSecret();
    let row: AccessTokenRow;
    try {
      row = await this.tokens.insert({
        userId,
        name: input.name,
        tokenHash: hashToken(secret),
        expiresAt: input.expiresAt,
        at: new Date(this.clock.now()),
      });
    } catch (error) {
      if (isNameClash(error))
        throw new AuthError('token_name_taken', 'You already have a token with this name');
      throw error;
    }
    this.audit.record({
      type: 'token_created',
      userId,
      ipAddress: request.ipAddress,
      detail: { tokenId: row.id, name: row.name },
    });
    return { accessKey: formatAccessKey(row.id, secret), token: toAccessTokenInfo(row) };
  }

  async list(userId: string): Promise<AccessTokenInfo[]> {
    return (await this.tokens.listForUser(userId)).map(toAccessTokenInfo);
  }

  /** `ownerId` null: a root user deleting anyone's. False when there is no such token. */
  async delete(
    tokenId: string,
    ownerId: string | null,
    actor: { userId: string; ipAddress: string | null },
  ): Promise<boolean> {
    const deleted = await this.tokens.delete(tokenId, ownerId);
    if (!deleted) return false;
    this.cache.evict(deleted.id);
    this.audit.record({
      type: 'token_deleted',
      userId: deleted.userId,
      ipAddress: actor.ipAddress,
      detail: { tokenId: deleted.id, by: actor.userId },
    });
    return true;
  }

  async deleteAll(userId: string, request: RequestInfo): Promise<number> {
    const ids = await this.tokens.deleteAllForUser(userId);
    for (const id of ids) this.cache.evict(id);
    if (ids.length > 0)
      this.audit.record({
        type: 'token_deleted',
        userId,
        ipAddress: request.ipAddress,
        detail: { tokenIds: ids, by: userId },
      });
    return ids.length;
  }

  /**
   * The principal of a key that looks like one of ours. From memory when the token is known
   * (no promise, no I/O), else after one primary-key read. Any failure is a 401.
   */
  authenticate(key: string, request?: HttpRequest): TokenPrincipal | Promise<TokenPrincipal> {
    const now = this.clock.now();
    const known = this.cache.withKey(key);
    if (known && now - known.loadedAt < CACHE_TTL_MS) return this.admit(known, now, request);
    const parsed = parseAccessKey(key);
    if (!parsed) throw invalidToken();
    const cached = this.cache.withId(parsed.tokenId);
    if (cached && now - cached.loadedAt < CACHE_TTL_MS)
      return this.accept(cached, key, parsed.secret, now, request);
    return this.load(parsed.tokenId).then((entry) => {
      if (!entry) throw invalidToken();
      return this.accept(entry, key, parsed.secret, this.clock.now(), request);
    });
  }

  /** A key not verified yet: its secret against the stored hash, in constant time. */
  private accept(
    entry: CachedToken,
    key: string,
    secret: string,
    now: number,
    request: HttpRequest | undefined,
  ): TokenPrincipal {
    if (!secretMatches(secret, entry.hash)) throw invalidToken();
    this.cache.markVerified(entry, key);
    return this.admit(entry, now, request);
  }

  private admit(entry: CachedToken, now: number, request: HttpRequest | undefined): TokenPrincipal {
    if (entry.expiresAt !== null && entry.expiresAt <= now)
      throw new AuthError('token_expired', 'Access token expired');
    if (now - entry.lastWrite >= LAST_USED_INTERVAL_MS) {
      entry.lastWrite = now;
      this.noteUse(entry.tokenId, now, request);
    }
    return entry.principal;
  }

  /** Queued, and written with the others shortly after: never on the request's path. */
  private noteUse(tokenId: string, now: number, request: HttpRequest | undefined): void {
    const ipAddress = request ? clientAddress(request, this.config.trustProxy) : null;
    this.uses.note(tokenId, new Date(now), ipAddress);
  }

  private async load(tokenId: string): Promise<CachedToken | null> {
    let pending = this.loading.get(tokenId);
    if (!pending) {
      const read = this.tokens.credential(tokenId).finally(() => this.loading.delete(tokenId));
      pending = { read, generation: this.cache.generation };
      this.loading.set(tokenId, pending);
    }
    const row = await pending.read;
    if (!row || row.userStatus !== 'active') return null;
    const entry = this.entryOf(row);
    if (pending.generation === this.cache.generation) this.cache.remember(entry);
    return entry;
  }

  private entryOf(row: AccessTokenCredential): CachedToken {
    const roles = this.sessions.rolesFor({
      id: row.userId,
      email: row.email,
      emailVerified: row.emailVerified,
      emailClaimed: row.emailClaimed,
    });
    const principal: TokenPrincipal = Object.freeze({
      userId: row.userId,
      email: row.email,
      roles: Object.freeze([...roles]),
      isRoot: roles.includes('root'),
      via: 'bearer',
      credential: 'token',
      sessionId: null,
      tokenId: row.id,
    });
    return {
      tokenId: row.id,
      hash: row.tokenHash,
      userId: row.userId,
      expiresAt: row.expiresAt?.getTime() ?? null,
      loadedAt: this.clock.now(),
      principal,
      lastWrite: this.cache.withId(row.id)?.lastWrite ?? 0,
      verifiedKey: null,
    };
  }
}

function invalidToken(): AuthError {
  return new AuthError('token_invalid', 'Invalid access token');
}
