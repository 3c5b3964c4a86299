import { jest } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { DataSource as DataSourceToken } from 'typeorm';
import {
  SessionService,
  type IssuedTokens,
} from '../../packages/tower-auth/src/sessions/session.service.js';
import type { UserEntity } from '../../packages/tower-auth/src/users/user.entity.js';
import type { Clock } from '../../packages/tower-auth/src/common/clock.js';
import type { HttpPlatform } from '../../src/config/service-settings.js';
import { createUser } from '../factories/users.js';
import { startTestApp, type TestApp } from './app.js';

/** A movable clock for idle-timeout, grace-window and absolute-cap tests. */
export class TestClock implements Clock {
  constructor(private current = Date.now()) {}
  now(): number {
    return this.current;
  }
  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}

/**
 * Fakes only `Date` (sockets, pg and supertest keep their real timers) and returns a clock set
 * to now: a test moves both with `clock.advance(s)` and `jest.setSystemTime(clock.now())`.
 * Undo with `jest.useRealTimers()`.
 */
export function fakeDateOnly(): TestClock {
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  const clock = new TestClock(Date.now());
  jest.setSystemTime(clock.now());
  return clock;
}

export interface SessionApp extends TestApp {
  dataSource: DataSource;
  sessions: SessionService;
  /** A new user with a fresh session, as a login would leave them. */
  login(
    fields?: Parameters<typeof createUser>[1],
  ): Promise<{ user: UserEntity; tokens: IssuedTokens }>;
}

export async function startSessionApp(
  platform: HttpPlatform,
  env: Record<string, string | undefined>,
  clock?: Clock,
): Promise<SessionApp> {
  const app = await startTestApp(platform, env, clock);
  const dataSource = app.app.get(DataSourceToken);
  const sessions = app.app.get(SessionService);
  return {
    ...app,
    dataSource,
    sessions,
    login: async (fields) => {
      const user = await createUser(dataSource, fields);
      const tokens = await sessions.startSession(user, 'email', {
        userAgent: 'jest',
        ipAddress: '127.0.0.1',
      });
      return { user, tokens };
    },
  };
}
