import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { AuthError } from '../common/auth-error.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { API_PREFIX } from '../http/routes.js';
import { AUTH_METRICS, NO_METRICS, type AuthMetrics } from '../observability/auth-metrics.js';
import { currentRequestId } from '../observability/request-context.js';
import {
  hashEphemeralId,
  isEphemeralId,
  newEphemeralId,
  open,
  plaintextLength,
  seal,
} from './ephemeral-crypto.js';
import { EphemeralRepository } from './ephemeral.repository.js';

export type EphemeralExtension = 'json' | 'yml' | 'yaml';
export const EPHEMERAL_EXTENSIONS: readonly EphemeralExtension[] = ['json', 'yml', 'yaml'];

export interface EphemeralOptions {
  /** Served as the Content-Type; defaults from the extension, else text or octet-stream. */
  contentType?: string;
  /** Appended to the URL (`/ephemeral/<id>.json`): Nextflow reads a file's format from it. */
  extension?: EphemeralExtension;
  /** Seconds; default `tower.ephemeral.duration`. */
  duration?: number;
  /** The user who created it (kept for the owner's cascade, never served). */
  createdBy?: string | null;
  /** Build the URL under `/api` (as the request that asked for it did). */
  apiPrefix?: boolean;
}

export interface EphemeralEndpoint {
  readonly id: string;
  readonly url: string;
  readonly expiresAt: Date;
}

/** One fetch's worth of content, and what to do when its response did not go through. */
export interface FetchedEphemeral {
  readonly content: Buffer;
  readonly contentType: string;
  /** Undoes the consumption: no byte of the response was written. */
  restore(): Promise<boolean>;
  /** The response broke off after bytes went out: it stays consumed, and this is audited. */
  partiallyRead(ipAddress: string | null): void;
}

/** Content above `tower.ephemeral.max-bytes` (answered 413), however it arrived. */
export function tooLarge(limit: number): AuthError {
  return new AuthError('content_too_large', `The content is larger than ${limit} bytes`);
}

/** Longest lifetime anyone may ask for, unless the configured default is longer. */
const MAX_DURATION_S = 7 * 86400;
const MAX_CONTENT_TYPE = 200;
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const CONTENT_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"[^"\\\\\\x00-\\x1f\\x7f]*"))*$`,
);
const DEFAULT_TYPES: Record<EphemeralExtension, string> = {
  json: 'application/json',
  yml: 'application/yaml',
  yaml: 'application/yaml',
};

/**
 * Single-use URLs that hand data (pipeline parameters, SCM credentials) to a job that starts
 * later. The id is the capability: it is never stored, logged or audited.
 */
@Injectable()
export class EphemeralService {
  private readonly logger = new Logger('Ephemeral');

  constructor(
    private readonly repository: EphemeralRepository,
    private readonly audit: AuditService,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(AUTH_METRICS) private readonly metrics: AuthMetrics = NO_METRICS,
  ) {}

  /** Largest content accepted, in bytes (`tower.ephemeral.max-bytes`). */
  get maxBytes(): number {
    return this.config.ephemeral.maxBytes;
  }

  async create(
    content: Buffer | string,
    options: EphemeralOptions = {},
  ): Promise<EphemeralEndpoint> {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    if (bytes.length > this.maxBytes) {
      throw tooLarge(this.maxBytes);
    }
    const contentType = this.contentTypeFor(content, options);
    const expiresAt = new Date(this.clock.now() + this.durationOf(options.duration) * 1000);
    const id = newEphemeralId();
    const idHash = hashEphemeralId(id);
    await this.repository.insert({
      idHash,
      ...seal(id, idHash, contentType, bytes),
      contentType,
      createdBy: options.createdBy ?? null,
      expiresAt,
    });
    this.audit.record({
      type: 'ephemeral_created',
      userId: options.createdBy ?? null,
      detail: { bytes: bytes.length, contentType, expiresAt: expiresAt.toISOString() },
    });
    return { id, url: this.urlOf(id, options), expiresAt };
  }

  /**
   * Consumes the endpoint: the content for the first caller, null for every other one, for an
   * expired or unknown id alike. A well-formed unknown id costs the same round trip as a
   * known one, so timing tells nothing.
   */
  async fetch(id: string): Promise<FetchedEphemeral | null> {
    const found = await this.consume(id);
    this.metrics.ephemeral(found ? 'consumed' : 'refused');
    return found;
  }

  private async consume(id: string): Promise<FetchedEphemeral | null> {
    if (!isEphemeralId(id)) return null;
    const idHash = hashEphemeralId(id);
    const row = await this.repository.consumeByHash(idHash, new Date(this.clock.now()));
    if (!row) return null;
    const content = open(id, idHash, row.contentType, row);
    if (!content) {
      this.logger.warn('An ephemeral endpoint did not decrypt (row altered?); refused');
      return null;
    }
    // The connection's close event may come outside the request's async context (it does on
    // Node 24): the request id is taken now, while the request is being served.
    const requestId = currentRequestId();
    return {
      content,
      contentType: row.contentType,
      restore: () => this.repository.restore(idHash, row.consumedAt),
      partiallyRead: (ipAddress) => {
        this.logger.warn(
          'An ephemeral endpoint was read in part, then the connection broke: it stays used',
        );
        this.audit.record({
          type: 'ephemeral_partial_read',
          ipAddress,
          detail: {
            bytes: content.length,
            contentType: row.contentType,
            ...(requestId ? { requestId } : {}),
          },
        });
      },
    };
  }

  /** What a HEAD needs; consumes nothing. */
  async peek(id: string): Promise<{ contentType: string; length: number } | null> {
    if (!isEphemeralId(id)) return null;
    const row = await this.repository.findLiveByHash(
      hashEphemeralId(id),
      new Date(this.clock.now()),
    );
    return row
      ? { contentType: row.contentType, length: plaintextLength(row.ciphertextLength) }
      : null;
  }

  private contentTypeFor(content: Buffer | string, options: EphemeralOptions): string {
    if (options.extension !== undefined && !EPHEMERAL_EXTENSIONS.includes(options.extension)) {
      throw new AuthError('invalid_content_type', 'The extension must be json, yml or yaml');
    }
    const given = options.contentType?.trim();
    if (given === undefined || given === '') {
      if (options.extension) return DEFAULT_TYPES[options.extension];
      return typeof content === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream';
    }
    if (given.length > MAX_CONTENT_TYPE || !CONTENT_TYPE.test(given)) {
      throw new AuthError('invalid_content_type', 'The content type is not a media type');
    }
    return given;
  }

  private durationOf(duration: number | undefined): number {
    const fallback = this.config.ephemeral.duration;
    if (duration === undefined) return fallback;
    const max = Math.max(fallback, MAX_DURATION_S);
    if (!Number.isInteger(duration) || duration < 1 || duration > max) {
      throw new AuthError(
        'invalid_duration',
        `The duration must be a whole number of seconds from 1 to ${max}`,
      );
    }
    return duration;
  }

  private urlOf(id: string, options: EphemeralOptions): string {
    const base = options.apiPrefix
      ? `${this.config.serverUrl}/${API_PREFIX}`
      : this.config.serverUrl;
    return `${base}/ephemeral/${id}${options.extension ? `.${options.extension}` : ''}`;
  }
}
