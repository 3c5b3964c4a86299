import type { Server } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { DataSource as DataSourceToken } from 'typeorm';
import { createApp } from '../../src/app/create-app.js';
import type { Clock } from '../../packages/tower-auth/src/common/clock.js';
import type { HttpPlatform } from '../../src/config/service-settings.js';
import { testConfig, type TestApp } from '../harness/app.js';

export const CONTACT = 'tower@example.com';

export interface MailApp extends TestApp {
  readonly dataSource: DataSource;
}

/** The settings of an app that sends through the test SMTP server on `port`, retrying fast. */
export function smtpEnv(port: number, env: Record<string, string> = {}): Record<string, string> {
  return {
    TOWER_SMTP_HOST: '127.0.0.1',
    TOWER_SMTP_PORT: String(port),
    TOWER_CONTACT_EMAIL: CONTACT,
    TOWER_APP_NAME: 'Tower Test',
    ...env,
  };
}

/** Collects what the app logs, to check what is (and is not) written there. */
export class LogCapture implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown, ...context: unknown[]): void {
    this.add('log', message, context);
  }
  warn(message: unknown, ...context: unknown[]): void {
    this.add('warn', message, context);
  }
  error(message: unknown, ...context: unknown[]): void {
    this.add('error', message, context);
  }
  private add(level: string, message: unknown, context: unknown[]): void {
    this.lines.push(`${level} ${[message, ...context].map((m) => String(m)).join(' ')}`);
  }
}

export async function startMailApp(
  platform: HttpPlatform,
  env: Record<string, string | undefined>,
  options: { clock?: Clock; logs?: LogCapture } = {},
): Promise<MailApp> {
  const config = testConfig(env);
  const app = await createApp(config, {
    platform,
    logger: options.logs ?? false,
    clock: options.clock,
  });
  await app.init();
  if (platform === 'fastify') {
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  }
  return {
    app,
    config,
    server: app.getHttpServer() as Server,
    dataSource: app.get(DataSourceToken),
    close: () => app.close(),
  };
}

/** Polls `check` until it returns a value other than undefined/false; fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface OutboxRow {
  id: string;
  recipient: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  payload: Buffer;
}

export async function outboxRows(ds: DataSource): Promise<OutboxRow[]> {
  return ds.query(
    `SELECT id, recipient, status, attempts, last_error, payload FROM tower_auth.mail_outbox ORDER BY id`,
  );
}

/** Audit rows are written after the request answers: wait for the ones expected. */
export async function auditTypes(ds: DataSource, type: string, count = 1): Promise<unknown[]> {
  return eventually(async () => {
    const rows: { detail: unknown }[] = await ds.query(
      `SELECT detail FROM tower_auth.audit_events WHERE type = $1 ORDER BY id`,
      [type],
    );
    return rows.length >= count ? rows.map((r) => r.detail) : undefined;
  }, `${count} ${type} audit event(s)`);
}
