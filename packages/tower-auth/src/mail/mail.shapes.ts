import { z } from 'zod';
import { named } from '../http/shapes.js';
import { normaliseEmail } from '../users/email.js';

/** The shapes of the e-mail login routes: a form or a JSON object of single strings. */

const BODY = { error: 'The body must be a form or a JSON object' };
const single = (name: string) =>
  z.string({ error: `${name} is required and must be a single string` });

export const MagicLinkRequest = named(
  'MagicLinkRequest',
  z.object(
    {
      email: single('email')
        .transform((raw, context) => {
          const email = normaliseEmail(raw);
          if (email !== null) return email;
          context.addIssue({ code: 'custom', message: 'A valid e-mail address is required' });
          return z.NEVER;
        })
        .meta({ format: 'email', maxLength: 320 }),
    },
    BODY,
  ),
);

export const MagicLinkRequested = named(
  'MagicLinkRequested',
  z
    .object({ state: z.literal(0) })
    .describe('The same answer for known, new and refused addresses.'),
);

export const MagicLinkRedeem = named(
  'MagicLinkRedeem',
  z.object(
    {
      username: single('username').describe('The `uid` of the sign-in link'),
      password: single('password').describe('The `token` of the sign-in link'),
    },
    BODY,
  ),
);
