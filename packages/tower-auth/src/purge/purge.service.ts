import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { describeError } from '../common/describe-error.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { CLOCK_SKEW_S } from '../tokens/token.service.js';
import { AUTH_METRICS, NO_METRICS, type AuthMetrics } from '../observability/auth-metrics.js';
import {
  PURGE_TABLES,
  PurgeRepository,
  type PurgeCutoffs,
  type PurgeSession,
  type PurgeTable,
} from './purge.repository.js';

export type PurgeCounts = Record<PurgeTable, number>;

export type PurgeResult =
  | {
      readonly ran: true;
      readonly counts: PurgeCounts;
      readonly total: number;
      readonly durationMs: number;
      /** Tables whose batch failed (logged); the next run tries them again. */
      readonly failed: PurgeTable[];
    }
  /** Another run holds the lock, on this instance or another. */
  | { readonly ran: false };

export interface PurgeTrigger {
  readonly by: 'schedule' | 'admin';
  readonly userId?: string;
}

/** A consumed endpoint stays this long, so a response that fails late can still restore it. */
export const EPHEMERAL_RESTORE_WINDOW_S = 600;
/** setInterval's ceiling (a longer delay would fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The purge job: every `tower.auth.purge.interval` it deletes what no one will read
 * again, in batches of `tower.auth.purge.batch-size` rows, each its own short transaction,
 * until a batch comes back short. One instance at a time (advisory lock); one log line per
 * run; never throws out of the timer. A plain timer rather than @nestjs/schedule: a library must
 * not need the host to register ScheduleModule, nor bring a second copy of it.
 */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Purge');
  private running: Promise<PurgeResult> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(
    private readonly repository: PurgeRepository,
    private readonly audit: AuditService,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(AUTH_METRICS) private readonly metrics: AuthMetrics = NO_METRICS,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.min(this.config.auth.purgeInterval * 1000, MAX_TIMER_MS);
    this.timer = setInterval(() => void this.runScheduled(), every);
    this.timer.unref();
  }

  /** Stops between two batches and lets the current one finish before the pool closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * Purges now unless a run is going on anywhere. Rejects only when the database cannot be
   * reached at all; a failing table is logged and reported in `failed`.
   */
  runOnce(trigger: PurgeTrigger = { by: 'admin' }): Promise<PurgeResult> {
    if (this.running) return Promise.resolve({ ran: false });
    const run = this.run(trigger).finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  /** The cutoffs of a run starting at `now` (ms). */
  cutoffs(now: number): PurgeCutoffs {
    const auth = this.config.auth;
    // A session goes only once no access token of it can still be valid, so deleting it
    // needs no revocation notice.
    const sessionAge = Math.max(auth.sessionRetention, auth.accessTokenExpiration + CLOCK_SKEW_S);
    const ago = (seconds: number): Date => new Date(now - seconds * 1000);
    return {
      now: new Date(now),
      sessions: ago(sessionAge),
      ephemeralConsumed: ago(EPHEMERAL_RESTORE_WINDOW_S),
      outbox: ago(auth.outbox.retention),
      audit: ago(auth.auditRetention),
    };
  }

  private async runScheduled(): Promise<void> {
    try {
      await this.runOnce({ by: 'schedule' });
    } catch (error) {
      this.logger.error(`Purge failed, retrying in the next interval: ${describeError(error)}`);
    }
  }

  private async run(trigger: PurgeTrigger): Promise<PurgeResult> {
    const started = performance.now();
    const cutoffs = this.cutoffs(this.clock.now());
    const outcome = await this.repository.withPurgeLock((session) =>
      this.purgeAll(session, cutoffs),
    );
    if (!outcome) {
      this.logger.debug('Purge skipped: another run holds the lock');
      return { ran: false };
    }
    const durationMs = Math.round(performance.now() - started);
    const total = PURGE_TABLES.reduce((sum, table) => sum + outcome.counts[table], 0);
    const result: PurgeResult = { ran: true, ...outcome, total, durationMs };
    this.report(result, trigger);
    return result;
  }

  private async purgeAll(
    session: PurgeSession,
    cutoffs: PurgeCutoffs,
  ): Promise<{ counts: PurgeCounts; failed: PurgeTable[] }> {
    const counts = Object.fromEntries(PURGE_TABLES.map((t) => [t, 0])) as PurgeCounts;
    const failed: PurgeTable[] = [];
    const batch = this.config.auth.purgeBatchSize;
    for (const table of PURGE_TABLES) {
      try {
        for (let n = batch; n === batch && !this.stopping;) {
          n = await session.deleteBatch(table, cutoffs, batch);
          counts[table] += n;
        }
      } catch (error) {
        failed.push(table);
        this.logger.warn(`Purge of ${table} failed (next run retries): ${describeError(error)}`);
      }
    }
    return { counts, failed };
  }

  private report(result: Extract<PurgeResult, { ran: true }>, trigger: PurgeTrigger): void {
    const perTable = PURGE_TABLES.map((t) => `${t} ${result.counts[t]}`).join(', ');
    const failed = result.failed.length ? `; failed: ${result.failed.join(', ')}` : '';
    this.metrics.purge(result.counts, result.durationMs);
    this.logger.log(
      `Purged ${result.total} rows in ${result.durationMs} ms (${perTable})${failed} [${trigger.by}]`,
    );
    if (result.total > 0 || trigger.by === 'admin') {
      this.audit.record({
        type: 'purge',
        userId: trigger.userId ?? null,
        detail: { by: trigger.by, counts: result.counts, durationMs: result.durationMs },
      });
    }
  }
}
