import {
  Controller,
  Get,
  HttpCode,
  Inject,
  Optional,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { isDatabaseUnavailable, Public, RevocationService, TOWER_CONFIG } from 'tower-auth';
import type { TowerConfig } from 'tower-auth';
import { ApiErrors, ApiJson } from 'tower-auth/openapi';
import { DatabaseHealthRepository } from '../database/database-health.repository.js';
import { ListenCheck } from '../database/listen-check.js';

const ROUND_TRIP_TIMEOUT_MS = 2000;

export interface HealthBody {
  status: 'ok';
  database: 'up';
}

/** What readiness looked at; each value other than the first of its list makes it 503. */
export interface ReadinessChecks {
  database: 'up' | 'down';
  migrations: 'applied' | 'pending' | 'unknown';
  /** `not-delivered`: the listener's connection cannot LISTEN (a transaction-mode pooler). */
  revocations: 'listening' | 'disconnected' | 'not-delivered';
  config: 'loaded' | 'missing';
}

const READY: ReadinessChecks = {
  database: 'up',
  migrations: 'applied',
  revocations: 'listening',
  config: 'loaded',
};

const checksSchema = {
  type: 'object',
  properties: {
    database: { type: 'string', enum: ['up', 'down'] },
    migrations: { type: 'string', enum: ['applied', 'pending', 'unknown'] },
    revocations: {
      type: 'string',
      enum: ['listening', 'disconnected', 'not-delivered'],
      description:
        '`not-delivered`: notifications do not reach the listener (PgBouncer in transaction mode without DATABASE_DIRECT_URL)',
    },
    config: { type: 'string', enum: ['loaded', 'missing'] },
  },
  required: ['database', 'migrations', 'revocations', 'config'],
};

/**
 * Probes: `/health` (kept: one database round trip), `/health/live` (the process answers,
 * nothing else: a database outage must not get the process restarted) and `/health/ready`
 * (every dependency a request needs, so a balancer sends traffic only to an instance that can
 * serve it and stops while the database is away).
 */
@Controller('health')
@ApiTags('service')
export class HealthController {
  constructor(
    private readonly database: DatabaseHealthRepository,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(TOWER_CONFIG) private readonly config?: TowerConfig,
    @Optional() private readonly listenCheck?: ListenCheck,
  ) {}

  @Get()
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness and database readiness' })
  @ApiJson(200, 'Up, and the database answers', 'Health')
  @ApiErrors({ 503: 'The database did not answer within 2 seconds' })
  async health(): Promise<HealthBody> {
    try {
      await withTimeout(this.database.ping(), ROUND_TRIP_TIMEOUT_MS);
    } catch {
      throw new ServiceUnavailableException('The database is unavailable');
    }
    return { status: 'ok', database: 'up' };
  }

  @Get('live')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: the process answers (no database)' })
  @ApiJson(200, 'The process answers', {
    type: 'object',
    properties: { status: { type: 'string', enum: ['ok'] } },
    required: ['status'],
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Readiness: a database round trip, every migration applied, the revocation listener connected, the configuration loaded',
  })
  @ApiJson(200, 'Ready to serve', {
    type: 'object',
    properties: { status: { type: 'string', enum: ['ok'] }, checks: checksSchema },
    required: ['status', 'checks'],
  })
  @ApiJson(503, 'Not ready: `message` names what failed, `checks` holds every check', {
    allOf: [
      { $ref: '#/components/schemas/Error' },
      { type: 'object', properties: { checks: checksSchema }, required: ['checks'] },
    ],
  })
  async ready(): Promise<{ status: 'ok'; checks: ReadinessChecks }> {
    const checks: ReadinessChecks = {
      ...(await this.databaseChecks()),
      revocations: this.revocationCheck(),
      config: this.config ? 'loaded' : 'missing',
    };
    const failed = (Object.keys(READY) as (keyof ReadinessChecks)[]).filter(
      (name) => checks[name] !== READY[name],
    );
    if (failed.length > 0) {
      throw new ServiceUnavailableException({ message: `Not ready: ${failed.join(', ')}`, checks });
    }
    return { status: 'ok', checks };
  }

  /** One round trip, then the applied migrations against the ones this build carries. */
  private async databaseChecks(): Promise<Pick<ReadinessChecks, 'database' | 'migrations'>> {
    try {
      await withTimeout(this.database.ping(), ROUND_TRIP_TIMEOUT_MS);
    } catch {
      return { database: 'down', migrations: 'unknown' };
    }
    try {
      const applied = await withTimeout(this.database.migrationsApplied(), ROUND_TRIP_TIMEOUT_MS);
      return { database: 'up', migrations: applied ? 'applied' : 'pending' };
    } catch (error) {
      // No migrations table yet is "pending"; a database gone since the round trip is "down".
      if (isDatabaseUnavailable(error) || (error as Error).message === 'timeout') {
        return { database: 'down', migrations: 'unknown' };
      }
      return { database: 'up', migrations: 'pending' };
    }
  }

  private revocationCheck(): ReadinessChecks['revocations'] {
    const revocations = this.moduleRef.get(RevocationService, { strict: false });
    if (!revocations.connected) return 'disconnected';
    if (this.listenCheck?.delivered === false) return 'not-delivered';
    return 'listening';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
