import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { AccessTokenRepository } from './access-token.repository.js';

/** Uses are written in one statement this long after the first of a batch (ms). */
const FLUSH_DELAY_MS = 500;

const logger = new Logger('AccessTokens');

/**
 * `lastUsed` of personal access tokens, written off the request path: uses are queued and
 * written together shortly after, in one statement, which also tells whether a token was used
 * from a new address (audited).
 */
@Injectable()
export class TokenUseRecorder implements OnModuleDestroy {
  /** Uses waiting to be written, by token id: the last one of each wins. */
  private readonly pending = new Map<string, { at: Date; ipAddress: string | null }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly tokens: AccessTokenRepository,
    private readonly audit: AuditService,
  ) {}

  note(tokenId: string, at: Date, ipAddress: string | null): void {
    this.pending.set(tokenId, { at, ipAddress });
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, FLUSH_DELAY_MS);
    this.timer.unref();
  }

  /** The uses not written yet are written before the database goes. */
  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** Never rejects; one batch at a time. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writePending());
    return this.flushing;
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const uses = [...this.pending].map(([id, use]) => ({ id, ...use }));
    this.pending.clear();
    try {
      for (const row of await this.tokens.recordUses(uses)) {
        if (row.ip === null || row.previousIp === row.ip) continue;
        this.audit.record({
          type: 'token_first_use_from_new_address',
          userId: row.userId,
          ipAddress: row.ip,
          detail: { tokenId: row.id, previousAddress: row.previousIp },
        });
      }
    } catch (error) {
      logger.warn(
        `Could not record the use of ${uses.length} token(s): ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    }
  }
}
