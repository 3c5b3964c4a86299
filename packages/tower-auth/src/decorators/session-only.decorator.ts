import { SetMetadata } from '@nestjs/common';

export const CREDENTIAL_RULE = 'tower:credential';
/** Which credentials a route accepts: any (the default) or a browser session only. */
export type CredentialRule = 'any' | 'session';

/**
 * The route refuses personal access tokens (403): only a session's access token (Bearer or
 * cookie) gets through. Token management is such a route, so a leaked token cannot mint more.
 */
export const SessionOnly = (): MethodDecorator & ClassDecorator =>
  SetMetadata(CREDENTIAL_RULE, 'session');
