import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app/create-app.js';
import { createRootLogger, formatLine } from '../../src/observability/logging.js';
import { PinoNestLogger } from '../../src/observability/nest-logger.js';
import { runWithRequestId } from '../../packages/tower-auth/src/observability/request-context.js';
import { startMetricsServer } from '../../src/observability/metrics-server.js';
import { PromMetrics } from '../../src/observability/prom-metrics.js';
import { PLATFORMS, testConfig } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { DEMO_HOST } from '../harness/demo.module.js';
import { linkFrom, TestSmtpServer } from '../harness/smtp.js';
import { auditTypes, eventually, smtpEnv } from '../mail/mail-kit.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every byte the process would have written to stdout, one JSON object per line. */
class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
  get entries(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

interface ObservedApp {
  server: Server;
  dataSource: DataSource;
  metrics: PromMetrics;
  close(): Promise<void>;
}

async function startObservedApp(
  platform: (typeof PLATFORMS)[number],
  env: Record<string, string>,
  out: Captured,
  metricsToken: string | null,
): Promise<ObservedApp> {
  const metrics = new PromMetrics();
  const log = createRootLogger({ logFormat: 'json', logLevel: 'trace' }, out);
  const app = await createApp(testConfig(env), {
    platform,
    observability: { log, metrics, metricsToken },
    ...DEMO_HOST,
  });
  await app.init();
  if (platform === 'fastify')
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  return {
    server: app.getHttpServer() as Server,
    dataSource: app.get(DataSource),
    metrics,
    close: () => app.close(),
  };
}

/** The value of one series in Prometheus' text format (undefined when absent). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(PLATFORMS)('logs, request ids and metrics on %s', (platform) => {
  let db: TestDatabase;
  let smtp: TestSmtpServer;
  let t: ObservedApp;
  const out = new Captured();
  /** Everything secret the flow handles: none of it may reach a log line. */
  const secrets: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await TestSmtpServer.start();
    t = await startObservedApp(
      platform,
      { DATABASE_URL: db.url, ...smtpEnv(smtp.port) },
      out,
      METRICS_TOKEN,
    );
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    await db?.drop();
  });

  it('runs a whole flow: ids kept or made, in error bodies and audit rows; no secret logged; counted', async () => {
    const server = t.server;
    // A magic-link login, with a sane request id of the caller's.
    const asked = await request(server)
      .post('/gate/access')
      .set('X-Request-Id', 'client-req.1:a_b')
      .send({ email: 'ada@example.com' })
      .expect(200);
    expect(asked.headers['x-request-id']).toBe('client-req.1:a_b');
    const { uid, token: linkToken, url } = linkFrom(await smtp.waitForMailTo('ada@example.com'));
    secrets.push(linkToken, url.href);
    const [requested] = (await auditTypes(t.dataSource, 'magic_link_requested')) as {
      requestId?: string;
    }[];
    expect(requested.requestId).toBe('client-req.1:a_b');

    const login = await request(server)
      .post('/login')
      .set('Accept', 'application/json')
      .send({ username: uid, password: linkToken })
      .expect(200);
    const { access_token: accessToken, refresh_token: refresh } = login.body as Record<
      string,
      string
    >;
    secrets.push(accessToken, refresh);
    expect(login.headers['x-request-id']).toMatch(UUID);
    const [success] = (await auditTypes(t.dataSource, 'login_success')) as {
      requestId?: string;
    }[];
    expect(success.requestId).toBe(login.headers['x-request-id']);

    // A cookie login of the same link is refused; a refresh rotates; the old one replayed
    // after the grace is a reuse.
    const rotated = await request(server)
      .post('/oauth/access_token')
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: refresh })
      .expect(200);
    secrets.push(rotated.body.access_token, rotated.body.refresh_token);
    await request(server)
      .get('/user-info')
      .set('Cookie', `JWT=${rotated.body.access_token as string}`)
      .expect(200);
    await request(server)
      .post('/oauth/access_token')
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token' })
      .expect(400);

    // An ephemeral endpoint: created, read once, refused after.
    const created = await request(server)
      .post('/ephemeral')
      .set('Authorization', `Bearer ${rotated.body.access_token as string}`)
      .send({ content: '{"secret":"params"}', extension: 'json' })
      .expect(201);
    const ephemeralId = created.body.id as string;
    secrets.push(ephemeralId, '"secret"');
    await request(server).get(`/ephemeral/${ephemeralId}.json`).expect(200);
    await request(server).get(`/ephemeral/${ephemeralId}.json`).expect(403);

    // Hostile requests: an insane request id is replaced, and the error body names the new one.
    const password = 'hunter2-password-in-a-form';
    const forged = 'forged-bearer-0123456789.abcdef.ghijkl';
    secrets.push(password, forged);
    const refused = await request(server)
      .get('/user-info')
      .set('X-Request-Id', 'bad id\twith "quotes" and <tags>')
      .set('Authorization', `Bearer ${forged}`)
      .expect(401);
    expect(refused.headers['x-request-id']).toMatch(UUID);
    expect(refused.body.requestId).toBe(refused.headers['x-request-id']);
    const tooLong = await request(server)
      .get('/user-info')
      .set('X-Request-Id', 'a'.repeat(129))
      .expect(401);
    expect(tooLong.headers['x-request-id']).toMatch(UUID);
    await request(server).post('/login').type('form').send({ username: uid, password }).expect(303);
    await request(server).get(`/no/such/${ephemeralId}`).expect(404);

    // The access lines: one per request, by route pattern, with the id the client saw.
    await eventually(
      () => out.entries.some((e) => e.route === '/no/such' || e.route === 'unmatched'),
      'access lines',
    );
    const access = out.entries.filter((e) => e.msg === 'request');
    const fetches = access.filter(
      (e) => e.method === 'GET' && String(e.route).includes('ephemeral'),
    );
    expect(fetches.map((e) => e.route)).toEqual(['/ephemeral/:name', '/ephemeral/:name']);
    expect(fetches.map((e) => e.status)).toEqual([200, 403]);
    const line = access.find((e) => e.requestId === refused.headers['x-request-id']);
    expect(line).toMatchObject({ method: 'GET', route: '/user-info', status: 401 });
    expect(typeof line?.durationMs).toBe('number');
    expect(access.find((e) => e.requestId === 'client-req.1:a_b')).toMatchObject({
      route: '/gate/access',
      status: 200,
    });
    expect(access.some((e) => e.route === 'unmatched' && e.status === 404)).toBe(true);
    // Nest's own lines are JSON too, with a level and a context.
    expect(out.entries.filter((e) => e.context).map((e) => e.context)).toContain('RoutesResolver');

    // The metrics, read by a scraper holding the token.
    const scraped = await request(server)
      .get('/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN}`)
      .expect(200);
    const text = scraped.text;
    expect(sample(text, 'tower_auth_logins_total{provider="email",result="success"}')).toBe(1);
    expect(sample(text, 'tower_auth_refreshes_total{result="rotated"}')).toBe(1);
    expect(sample(text, 'tower_auth_refreshes_total{result="invalid"}')).toBe(1);
    expect(sample(text, 'tower_auth_guard_refusals_total{reason="invalid"}')).toBe(1);
    expect(sample(text, 'tower_auth_guard_refusals_total{reason="missing"}')).toBe(1);
    expect(sample(text, 'tower_auth_magic_links_total{event="requested"}')).toBe(1);
    await eventually(async () => {
      const now = (
        await request(server).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`)
      ).text;
      return sample(now, 'tower_auth_magic_links_total{event="sent"}') === 1;
    }, 'the sent mail counted');
    expect(sample(text, 'tower_auth_ephemeral_total{event="created"}')).toBe(1);
    expect(sample(text, 'tower_auth_ephemeral_total{event="consumed"}')).toBe(1);
    expect(sample(text, 'tower_auth_ephemeral_total{event="refused"}')).toBe(1);
    expect(
      sample(
        text,
        'tower_http_request_duration_seconds_count{method="GET",route="/ephemeral/:name",status="200"}',
      ),
    ).toBe(1);
    expect(sample(text, 'tower_auth_revocation_listener_connected')).toBe(1);
    expect(sample(text, 'tower_auth_mail_outbox_backlog')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'tower_db_pool_waiting')).toBe(0);
    expect(sample(text, 'tower_db_pool_in_use')).toBeGreaterThanOrEqual(0);
    // Label values are bounded: no id, address or path of a request in any series.
    expect(text).not.toContain(ephemeralId);
    expect(text).not.toContain('ada@example.com');
    expect(text).not.toContain('/no/such');

    // Nothing secret in any line the process wrote, the metrics token included.
    secrets.push(METRICS_TOKEN);
    expect(out.text.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(out.text.includes(secret) ? secret : null).toBeNull();
    for (const entry of out.entries) {
      expect(entry.time).toEqual(expect.any(String));
      expect(entry.level).toEqual(expect.any(String));
    }
  });

  it('serves /metrics only with the token: anyone else gets a 404', async () => {
    await request(t.server).get('/metrics').expect(404);
    await request(t.server)
      .get('/metrics')
      .set('Authorization', 'Bearer wrong-token-0123456789')
      .expect(404);
    await request(t.server)
      .get('/api/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN}`)
      .expect(404);
  });
});

describe('metrics off the public port', () => {
  let db: TestDatabase;
  let t: ObservedApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startObservedApp('fastify', { DATABASE_URL: db.url }, new Captured(), null);
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('without a token the public port has no /metrics; the metrics port serves it and nothing else', async () => {
    await request(t.server)
      .get('/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN}`)
      .expect(404);
    const port = await startMetricsServer(t.metrics, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${port.port}`;
      const res = await request(base).get('/metrics').expect(200);
      expect(res.text).toContain('# TYPE tower_auth_logins_total counter');
      expect(res.text).toContain('tower_auth_revocation_listener_connected 1');
      await request(base).get('/').expect(404);
      await request(base).post('/metrics').expect(404);
    } finally {
      await port.close();
    }
  });
});

describe('log lines', () => {
  it('carry the id of the request they are written for, and Nest context and stack fields', () => {
    const out = new Captured();
    const nest = new PinoNestLogger(createRootLogger({ logFormat: 'json', logLevel: 'info' }, out));
    runWithRequestId('req-42', () => nest.warn('inside', 'Audit'));
    nest.error('outside', 'Error: boom\n    at x', 'Errors');
    nest.debug('below the level', 'Audit');
    expect(out.entries).toEqual([
      expect.objectContaining({
        level: 'warn',
        context: 'Audit',
        msg: 'inside',
        requestId: 'req-42',
      }),
      expect.objectContaining({
        level: 'error',
        context: 'Errors',
        msg: 'outside',
        stack: expect.stringContaining('boom'),
      }),
    ]);
    expect(out.entries[1].requestId).toBeUndefined();
  });

  it('read as text on a terminal', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2026-12-04T10:11:12.345Z',
      context: 'Main',
      msg: 'hello',
      requestId: 'r1',
      route: '/x',
    });
    expect(formatLine(line, false)).toBe('10:11:12.345 INFO  [Main] hello route=/x (r1)\n');
  });
});

describe('docs/grafana-dashboard.json', () => {
  it('parses, and every query names series the service exports', async () => {
    const dashboard = JSON.parse(readFileSync('docs/grafana-dashboard.json', 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exported = new Set(
      (await new PromMetrics().registry.getMetricsAsJSON()).map((metric) => metric.name),
    );
    const unknown: string[] = [];
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        for (const [name] of expr.matchAll(/\btower_[a-z0-9_]+/g)) {
          const base = name.replace(/_(bucket|count|sum)$/, '');
          used.add(base);
          if (!exported.has(name) && !exported.has(base)) unknown.push(`${panel.title}: ${name}`);
        }
      }
    }
    expect(unknown).toEqual([]);
    // Every series of the service has a panel.
    const own = [...exported].filter((name) => /^tower_(auth|http|db)_/.test(name));
    expect(own.filter((name) => !used.has(name))).toEqual([]);
  });
});
