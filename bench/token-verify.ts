/**
 * Micro-benchmark of access-token verification: TokenService.verify (HS256 key imported once
 * as a KeyObject) against jsonwebtoken.verify given the plain string secret, which re-imports
 * the key on every call. jsonwebtoken.verify with the KeyObject is measured too, to show the
 * difference is the key import and not TokenService's own checks.
 */
import { createSecretKey, randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import { CLOCK, systemClock } from '../packages/tower-auth/src/common/clock.js';
import { loadTowerConfigOrThrow } from '../packages/tower-auth/src/config/config.loader.js';
import {
  TOWER_CONFIG,
  type TowerConfig,
} from '../packages/tower-auth/src/config/tower-config.types.js';
import { KeyRing } from '../packages/tower-auth/src/tokens/key-ring.js';
import { TokenService } from '../packages/tower-auth/src/tokens/token.service.js';
import { formatInt, type BenchReport, type BenchRow } from './table.js';

export interface TokenBenchOptions {
  readonly iterations: number;
  readonly warmupIterations: number;
}

export const DEFAULT_TOKEN_OPTIONS: TokenBenchOptions = {
  iterations: Number(process.env.BENCH_VERIFY_ITERATIONS ?? 20_000),
  warmupIterations: 2_000,
};

const SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789abcdef';
/** The options TokenService passes to jsonwebtoken (its clock tolerance is 30 s). */
const CLOCK_SKEW_S = 30;

interface Measured {
  readonly opsPerSecond: number;
  readonly microsPerOp: number;
}

export async function runTokenVerifyBenchmark(
  options: TokenBenchOptions = DEFAULT_TOKEN_OPTIONS,
): Promise<BenchReport> {
  const config = loadTowerConfigOrThrow({
    env: { TOWER_JWT_SECRET: SECRET },
    cwd: os.tmpdir(),
  });
  // Built by Nest's injector, as in the app, so it follows TokenService's constructor.
  const context = await NestFactory.createApplicationContext(tokenModule(config), {
    logger: false,
  });
  try {
    return measureAll(context.get(TokenService), config, options);
  } finally {
    await context.close();
  }
}

function tokenModule(config: TowerConfig): new () => object {
  @Module({
    providers: [
      TokenService,
      KeyRing,
      { provide: TOWER_CONFIG, useValue: config },
      { provide: CLOCK, useValue: systemClock },
    ],
  })
  class TokenBenchModule {}
  return TokenBenchModule;
}

function measureAll(
  service: TokenService,
  config: TowerConfig,
  options: TokenBenchOptions,
): BenchReport {
  const token = service.sign({ userId: '42', sessionId: randomUUID(), roles: ['user'] });
  const verifyOptions: jwt.VerifyOptions = {
    algorithms: ['HS256'],
    issuer: config.appName,
    audience: config.serverUrl,
    clockTolerance: CLOCK_SKEW_S,
  };
  const key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));

  const viaService = (): unknown => service.verify(token).sub;
  const viaStringSecret = (): unknown =>
    (jwt.verify(token, config.jwtSecret, verifyOptions) as jwt.JwtPayload).sub;
  const viaKeyObject = (): unknown => (jwt.verify(token, key, verifyOptions) as jwt.JwtPayload).sub;
  for (const verify of [viaService, viaStringSecret, viaKeyObject]) {
    if (verify() !== '42') throw new Error('token verification returned the wrong subject');
  }

  const withService = measure(viaService, options);
  const withString = measure(viaStringSecret, options);
  const withKeyObject = measure(viaKeyObject, options);
  const n = `${formatInt(options.iterations)} iterations`;
  const rows: BenchRow[] = [
    row(
      'TokenService.verify, a token seen before',
      withService,
      `${n}; the signature check is remembered per token, expiry checked each time`,
    ),
    row('jsonwebtoken.verify (plain string secret)', withString, `${n}; same HS256 options`),
    row('jsonwebtoken.verify (KeyObject secret)', withKeyObject, `${n}; for reference`),
    {
      benchmark: 'jsonwebtoken.verify: KeyObject / string secret',
      result: `${(withKeyObject.opsPerSecond / withString.opsPerSecond).toFixed(1)}×`,
      detail: 'speed-up from importing the HS256 key once (what a first sight of a token costs)',
    },
  ];
  return { rows, problems: [] };
}

function measure(verify: () => unknown, options: TokenBenchOptions): Measured {
  let sink = 0;
  for (let i = 0; i < options.warmupIterations; i += 1) sink += verify() === '42' ? 1 : 0;
  const start = performance.now();
  for (let i = 0; i < options.iterations; i += 1) sink += verify() === '42' ? 1 : 0;
  const elapsedMs = performance.now() - start;
  if (sink !== options.warmupIterations + options.iterations)
    throw new Error('a verification failed');
  return {
    opsPerSecond: (options.iterations / elapsedMs) * 1000,
    microsPerOp: (elapsedMs * 1000) / options.iterations,
  };
}

function row(benchmark: string, measured: Measured, detail: string): BenchRow {
  return {
    benchmark,
    result: `${formatInt(measured.opsPerSecond)} ops/s`,
    detail: `${measured.microsPerOp.toFixed(1)} µs/op; ${detail}`,
  };
}
