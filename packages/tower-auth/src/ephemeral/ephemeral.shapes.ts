import { z } from 'zod';
import { dateTime, optional, positiveDuration } from '../http/fields.js';
import { named } from '../http/shapes.js';
import { EPHEMERAL_EXTENSIONS } from './ephemeral.service.js';

/** The shapes of `POST /ephemeral`: its JSON body, the query of a raw body, the answer. */

const extension = optional(
  z.enum(EPHEMERAL_EXTENSIONS, { error: 'extension must be json, yml or yaml' }),
);
const duration = optional(positiveDuration).describe(
  'Seconds, or a duration like `30m`; default tower.ephemeral.duration',
);

export const EphemeralCreate = named(
  'EphemeralCreate',
  z.object(
    {
      content: z.string({ error: 'content is required and must be a string' }),
      contentType: z
        .string({ error: 'contentType must be a string' })
        .nullish()
        .transform((value) => value ?? undefined)
        .describe('Served with the content; default text/plain'),
      extension,
      duration,
    },
    { error: 'The JSON body must be an object with a content string' },
  ),
);

/** `<id>` or `<id>.json|.yml|.yaml`, read as its id; anything else is not a capability. */
const NAME = /^([A-Za-z0-9_-]{22})(?:\.(?:json|yml|yaml))?$/;
export const EphemeralName = z
  .string()
  .regex(NAME)
  .transform((name) => name.slice(0, 22));

/** With a raw body, `extension` and `duration` come from the query. */
export const EphemeralQuery = z.object({ extension, duration });

export const EphemeralEndpointBody = named(
  'EphemeralEndpoint',
  z.object({
    id: z.string().describe('22 base64url characters'),
    url: z.url().describe('Fetch it once; under /api when created there'),
    expiresAt: dateTime,
  }),
);
