import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Public } from 'tower-auth';
import { ApiErrors, ApiJson, API_TAGS } from 'tower-auth/openapi';

const ROUND_TRIP_TIMEOUT_MS = 2000;

export interface HealthBody {
  status: 'ok';
  database: 'up';
}

/** Liveness plus one database round trip, bounded so a dead database answers 503 quickly. */
@Controller('health')
@ApiTags(API_TAGS.service)
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness and database readiness' })
  @ApiJson(200, 'Up, and the database answers', 'Health')
  @ApiErrors({ 503: 'The database did not answer within 2 seconds' })
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
