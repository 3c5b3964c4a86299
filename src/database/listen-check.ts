import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { TOWER_CONFIG } from 'tower-auth';
import type { ServiceConfig } from '../config/service-settings.js';
import { directUrl } from './data-source.js';

const CHANNEL = 'tower_auth_listen_check';
/** A notification crosses one server in milliseconds; this is generous. */
const DELIVERY_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 5000;

const logger = new Logger('Database');

/**
 * Revocations reach other instances by NOTIFY from the pool (the sessions triggers) to a
 * listener on a connection of its own. Behind a transaction-mode pooler (PgBouncer) a LISTEN
 * on a pooled connection is accepted and then lost with its server connection, so nothing
 * would arrive, silently. At boot this sends one notification through the pool to a listener
 * connected as the revocation listener connects (DATABASE_DIRECT_URL, else DATABASE_URL) and
 * says loudly when it does not arrive; readiness stays 503 then.
 */
@Injectable()
export class ListenCheck implements OnApplicationBootstrap {
  /** null until checked (or when the check could not run: the database was away). */
  delivered: boolean | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TOWER_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const pool = (this.dataSource.options as { url?: string }).url;
    if (!pool) return;
    const url = directUrl(this.config, pool);
    try {
      this.delivered = await notificationArrives(this.dataSource, url);
    } catch (error) {
      logger.warn(`Could not check LISTEN/NOTIFY at boot (${(error as Error).message})`);
      return;
    }
    if (!this.delivered) {
      logger.error(
        `A NOTIFY sent through DATABASE_URL did not reach a LISTEN on ${
          this.config.database.directUrl ? 'DATABASE_DIRECT_URL' : 'DATABASE_URL'
        } within ${DELIVERY_TIMEOUT_MS} ms: revocations would not reach other instances. ` +
          'Behind PgBouncer in transaction mode set DATABASE_DIRECT_URL to Postgres itself. ' +
          'Readiness (/health/ready) answers 503 until this is fixed.',
      );
    }
  }
}

/** LISTEN on a connection of its own, NOTIFY a random payload through the pool, wait for it. */
async function notificationArrives(dataSource: DataSource, url: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: url,
    application_name: 'tower-auth-listen-check',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  const payload = randomUUID();
  try {
    await client.connect();
    const arrived = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), DELIVERY_TIMEOUT_MS);
      client.on('notification', (msg) => {
        if (msg.channel === CHANNEL && msg.payload === payload) {
          clearTimeout(timer);
          resolve(true);
        }
      });
    });
    await client.query(`LISTEN ${CHANNEL}`);
    await dataSource.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
    return await arrived;
  } finally {
    await client.end().catch(() => undefined);
  }
}
