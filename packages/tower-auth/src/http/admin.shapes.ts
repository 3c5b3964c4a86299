import { z } from 'zod';
import { SESSION_KINDS } from '../sessions/session.entity.js';
import { dateTime, optional, userId, wholeNumber } from './fields.js';
import { UserInfoBody } from './http.shapes.js';
import { named } from './shapes.js';

/** The shapes of the administration routes. */

export const MAX_PAGE = 100;

const page = {
  offset: wholeNumber('offset', 0, 0, 10_000_000),
  max: wholeNumber('max', 50, 1, MAX_PAGE),
};

/** A query string of at most `max` characters; empty is absent. */
const text = (name: string, max: number, description: string) =>
  optional(
    z.string({ error: `${name} must be one string of at most ${max} characters` }).max(max, {
      error: `${name} must be one string of at most ${max} characters`,
    }),
  ).describe(description);

export const UserQuery = z.object({
  ...page,
  email: text('email', 320, 'Only e-mails containing this'),
});

export const AuditQuery = z.object({
  ...page,
  type: text('type', 64, 'Only events of this type'),
  userId: optional(userId).describe('Only events of this user'),
});

export const UserPage = named(
  'UserPage',
  z.object({ users: z.array(UserInfoBody), total: z.int() }),
);

export const AuditEvent = named(
  'AuditEvent',
  z.object({
    id: z.string().describe('bigint, as a string'),
    type: z.string().describe('e.g. login_success, login_failure, refresh_token_reused'),
    userId: z.string().nullable(),
    provider: z.string().nullable(),
    ipAddress: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
    createdAt: dateTime,
  }),
);

export const AuditPage = named(
  'AuditPage',
  z.object({ events: z.array(AuditEvent), total: z.int() }),
);

export const SessionsRevoked = named(
  'SessionsRevoked',
  z.object({ revoked: z.int().describe('Sessions ended') }),
);

export const SessionList = z.object({
  sessions: z.array(
    z.object({
      id: z.uuid(),
      kind: z
        .enum(SESSION_KINDS)
        .describe('`browser`: a login; `job`: credentials handed to a launched job'),
      provider: z.string().describe('The login method, or `launch` for a job'),
      createdAt: dateTime,
      lastRefreshAt: dateTime.nullable(),
      expiresAt: dateTime.describe(
        'Ends unless refreshed before (idle timeout, or the absolute cap)',
      ),
      userAgent: z.string().nullable(),
      ipAddress: z.string().nullable(),
    }),
  ),
});

export const PurgeResultBody = named(
  'PurgeResult',
  z.object({
    ran: z.literal(true),
    counts: z.record(z.string(), z.int()).describe('Rows deleted per table'),
    total: z.int(),
    durationMs: z.int(),
    failed: z
      .array(z.string())
      .describe('Tables whose batch failed; the next run tries them again'),
  }),
);
