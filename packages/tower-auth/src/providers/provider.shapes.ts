import { NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import { named } from '../http/shapes.js';

/** The shapes of the provider login routes: lenient, as a provider's redirect is not a form. */

/** Longer values are not a provider talking; they are dropped. */
const MAX_PARAM = 4096;
const param = z.string().max(MAX_PARAM).optional().catch(undefined);

/** Only single string values of the authorization response; anything else is dropped. */
export const ProviderCallback = named(
  'ProviderCallback',
  z
    .object({ code: param, state: param, iss: param, error: param, error_description: param })
    .catch({})
    .describe('The authorization response (RFC 6749 §4.1.2, RFC 9207 `iss`).'),
);

export const LoginQuery = z.object({
  next: z
    .string()
    .optional()
    .catch(undefined)
    .describe('A path on this server (or a URL of its origin) to return to after signing in'),
});

/** One that is off is as unknown as a made-up one (the registry decides). */
export const ProviderParam = z.enum(['github', 'google', 'oidc']);
export const noSuchProvider = (): Error => new NotFoundException('No such login provider');
