import { NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import { BIGINT_ID } from '../common/ids.js';
import { dateTime, optional, positiveDuration } from '../http/fields.js';
import { named } from '../http/shapes.js';

/** The shapes of the personal access token routes. */

/** Letters, digits, `.`, `_` and `-`: a name that reads well in a shell and in a list. */
export const TOKEN_NAME = /^[A-Za-z0-9._-]{1,50}$/;

/** A token id in a path; one that cannot exist is as unknown as another's. */
export const TokenId = z.string().regex(BIGINT_ID);
export const noSuchToken = (): Error => new NotFoundException('No such token');

const BAD_NAME = 'name must be 1 to 50 letters, digits, dots, underscores or hyphens';
const ISO_DATE_TIME = 'expiresAt must be an ISO 8601 date-time';

export const AccessTokenCreate = named(
  'AccessTokenCreate',
  z.object(
    {
      name: z
        .string({ error: BAD_NAME })
        .regex(TOKEN_NAME, { error: BAD_NAME })
        .describe('Unique among your tokens, case-insensitively'),
      expiresAt: optional(
        z
          .string({ error: ISO_DATE_TIME })
          .regex(/^\d{4}-\d\d-\d\d/, { error: ISO_DATE_TIME })
          .refine((text) => Number.isFinite(Date.parse(text)), { error: ISO_DATE_TIME })
          .transform((text) => Date.parse(text))
          .meta({ format: 'date-time' })
          .describe('When it stops working (default: never)'),
      ),
      duration: optional(positiveDuration).describe(
        'Or how long it works: `30d`, `12h`, `PT1H` or seconds',
      ),
    },
    { error: 'The body must be a JSON object or a form' },
  ),
);
export type TokenRequest = z.output<typeof AccessTokenCreate>;

export const AccessToken = named(
  'AccessToken',
  z.object({
    id: z.int().describe('The token id (`tokenId`)'),
    name: z.string(),
    dateCreated: dateTime,
    lastUsed: dateTime.nullable().describe('Recorded at most once a minute per instance'),
  }),
);

export const AccessTokenList = named('AccessTokenList', z.object({ tokens: z.array(AccessToken) }));

export const AccessTokenCreated = named(
  'AccessTokenCreated',
  z.object({
    accessKey: z
      .string()
      .regex(/^tat_[1-9][0-9]*_[A-Za-z0-9_-]{43}$/)
      .describe('The token: shown this once, never again'),
    token: AccessToken,
  }),
);
