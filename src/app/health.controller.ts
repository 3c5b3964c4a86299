import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Public } from '../auth/decorators/access.decorator.js';
import { routes } from '../auth/http/routes.js';

const ROUND_TRIP_TIMEOUT_MS = 2000;

export interface HealthBody {
  status: 'ok';
  database: 'up';
}

/** Liveness plus one database round trip, bounded so a dead database answers 503 quickly. */
@Controller(routes('health'))
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @Public()
  @HttpCode(200)
  async health(): Promise<HealthBody> {
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), ROUND_TRIP_TIMEOUT_MS);
    } catch {
      throw new ServiceUnavailableException('The database is unavailable');
    }
    return { status: 'ok', database: 'up' };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
