import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DataSource } from 'typeorm';
import type {
  AuthMetrics,
  EphemeralEvent,
  GuardRefusal,
  ListenerEvent,
  MagicLinkEvent,
  RefreshResult,
} from 'tower-auth';
import { HttpHistogram } from './http-histogram.js';

/** What a scrape reads from the running service (cheap: one query, a few getters). */
export interface ScrapeSources {
  dataSource: DataSource;
  listenerConnected: () => boolean;
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}
const NO_POOL: PgPool = { totalCount: 0, idleCount: 0, waitingCount: 0 };
type OutboxState = { backlog: number; oldest: number };

const OUTBOX_QUERY = `SELECT count(*)::int AS backlog, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest FROM tower_auth.mail_outbox WHERE status = 'pending'`;

/**
 * The module's counters and the service's own series on one prom-client registry (not the
 * global one: two apps in a test process must not share series). Every label value comes
 * from a fixed set; the HTTP route label is the route's pattern, never the path.
 */
export class PromMetrics implements AuthMetrics {
  readonly registry = new Registry();
  private sources: ScrapeSources | null = null;
  private reading: Promise<OutboxState> | null = null;

  private readonly logins = new Counter({
    name: 'tower_auth_logins_total',
    help: 'Logins by provider and result (success, or the refusal code)',
    labelNames: ['provider', 'result'] as const,
    registers: [this.registry],
  });
  private readonly refreshes = new Counter({
    name: 'tower_auth_refreshes_total',
    help: 'Refresh-token grants by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly revocations = new Counter({
    name: 'tower_auth_revocations_total',
    help: 'Sessions ended before their time, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'tower_auth_guard_refusals_total',
    help: 'Requests the guard refused, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly magicLinks = new Counter({
    name: 'tower_auth_magic_links_total',
    help: 'Magic links requested, refused, rate limited, and sign-in mails sent or failed',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  private readonly ephemerals = new Counter({
    name: 'tower_auth_ephemeral_total',
    help: 'Ephemeral endpoints created, consumed, and fetches refused',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  private readonly purgedRows = new Counter({
    name: 'tower_auth_purge_rows_total',
    help: 'Rows deleted by the purge, by table',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  private readonly purgeRuns = new Histogram({
    name: 'tower_auth_purge_duration_seconds',
    help: 'Duration of purge runs',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [this.registry],
  });
  private readonly listenerEvents = new Counter({
    name: 'tower_auth_revocation_listener_events_total',
    help: 'Revocation listener connections lost and reconnects',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  readonly http = new HttpHistogram(
    'tower_http_request_duration_seconds',
    'HTTP requests by method, route pattern and status code',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    this.registry,
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tower_' });
    const pool = (): PgPool => poolOf(this.sources) ?? NO_POOL;
    this.gauge('tower_db_pool_in_use', 'Postgres pool connections checked out', () => {
      const { totalCount, idleCount } = pool();
      return totalCount - idleCount;
    });
    this.gauge('tower_db_pool_waiting', 'Queries waiting for a pool connection', () => {
      return pool().waitingCount;
    });
    this.gauge(
      'tower_auth_revocation_listener_connected',
      '1 while the revocation listener is connected',
      () => (this.sources?.listenerConnected() ? 1 : 0),
    );
    // One query for both outbox gauges: a scrape collects every metric at once, so the second
    // gauge shares the reading the first one started.
    this.gauge(
      'tower_auth_mail_outbox_backlog',
      'Sign-in mails waiting in the outbox',
      async () => {
        return (await this.outboxReading()).backlog;
      },
    );
    this.gauge(
      'tower_auth_mail_outbox_oldest_age_seconds',
      'Age of the oldest mail in the outbox (0 when empty)',
      async () => (await this.outboxReading()).oldest,
    );
  }

  /** A gauge read at scrape time. */
  private gauge(name: string, help: string, read: () => number | Promise<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  /** Called once the application is up: what the scrape-time gauges read. */
  attach(sources: ScrapeSources): void {
    this.sources = sources;
  }

  login(provider: string, result: string): void {
    this.logins.inc({ provider, result });
  }
  refresh(result: RefreshResult): void {
    this.refreshes.inc({ result });
  }
  revocation(reason: string, count: number): void {
    this.revocations.inc({ reason }, count);
  }
  guardRefusal(reason: GuardRefusal): void {
    this.refusals.inc({ reason });
  }
  magicLink(event: MagicLinkEvent): void {
    this.magicLinks.inc({ event });
  }
  ephemeral(event: EphemeralEvent): void {
    this.ephemerals.inc({ event });
  }
  purge(counts: Readonly<Record<string, number>>, durationMs: number): void {
    for (const [table, rows] of Object.entries(counts)) this.purgedRows.inc({ table }, rows);
    this.purgeRuns.observe(durationMs / 1000);
  }
  revocationListener(event: ListenerEvent): void {
    this.listenerEvents.inc({ event });
  }

  /** One cheap query per scrape; while the database is away the gauges read NaN (unknown). */
  /** The outbox query of the scrape under way, or a new one. */
  private outboxReading(): Promise<OutboxState> {
    this.reading ??= this.outbox().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async outbox(): Promise<OutboxState> {
    if (!this.sources) return { backlog: 0, oldest: 0 };
    try {
      const [row] =
        await this.sources.dataSource.query<{ backlog: number; oldest: number }[]>(OUTBOX_QUERY);
      return { backlog: Number(row.backlog), oldest: Number(row.oldest) };
    } catch {
      return { backlog: NaN, oldest: NaN };
    }
  }
}

/** TypeORM's Postgres driver keeps its pg.Pool as `driver.master`. */
function poolOf(sources: ScrapeSources | null): PgPool | null {
  const driver = sources?.dataSource.driver as { master?: PgPool } | undefined;
  return driver?.master ?? null;
}
