import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Headers, Inject, NotFoundException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from 'tower-auth';
import { ApiContent, ApiErrors } from 'tower-auth/openapi';
import { PromMetrics } from './prom-metrics.js';

/** The bearer secret that opens /metrics on the public port; null: it is not served there. */
export const METRICS_TOKEN = Symbol('METRICS_TOKEN');

/**
 * `GET /metrics` on the main port, only for a scraper holding TOWER_METRICS_TOKEN; anyone
 * else, and everyone when no token is set, gets the 404 of a route that does not exist.
 */
@Controller('metrics')
@ApiTags('service')
export class MetricsController {
  private readonly expected: Buffer | null;

  constructor(
    private readonly metrics: PromMetrics,
    @Inject(METRICS_TOKEN) token: string | null,
  ) {
    this.expected = token ? digest(token) : null;
  }

  @Get()
  @Public()
  @ApiOperation({
    summary: 'Prometheus metrics, for a scraper holding TOWER_METRICS_TOKEN',
    description:
      'Served here only when TOWER_METRICS_TOKEN is set, to `Authorization: Bearer <token>`; ' +
      'TOWER_METRICS_PORT serves it on a port of its own instead. Not under /api.',
  })
  @ApiContent(200, 'The metrics in the Prometheus text format', ['text/plain'])
  @ApiErrors({ 404: 'No token configured, or not the token' })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async scrape(@Headers('authorization') authorization?: string): Promise<string> {
    if (!this.expected || !this.allowed(authorization)) throw new NotFoundException();
    return this.metrics.registry.metrics();
  }

  private allowed(authorization: string | undefined): boolean {
    const match = /^Bearer ([^\s]+)$/i.exec(authorization ?? '');
    return match !== null && timingSafeEqual(digest(match[1]), this.expected as Buffer);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
