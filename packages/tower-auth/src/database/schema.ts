import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { EphemeralEndpointEntity } from '../ephemeral/ephemeral-endpoint.entity.js';
import { MagicLinkTokenEntity } from '../mail/magic-link-token.entity.js';
import { MailOutboxEntity } from '../mail/mail-outbox.entity.js';
import { RateLimitBucketEntity } from '../rate-limit/rate-limit-bucket.entity.js';
import { SessionEntity } from '../sessions/session.entity.js';
import { IdentityEntity } from '../users/identity.entity.js';
import { UserEntity } from '../users/user.entity.js';
import { InitialSchema1764300000000 } from './migrations/1764300000000-initial-schema.js';
import { SessionRevocationNotify1764300000001 } from './migrations/1764300000001-session-revocation-notify.js';
import { UserEmailVerified1764300000002 } from './migrations/1764300000002-user-email-verified.js';
import { PurgeQuietSessionDelete1764300000003 } from './migrations/1764300000003-purge-quiet-session-delete.js';
import { TowerAuthSchema1764300000004 } from './migrations/1764300000004-tower-auth-schema.js';
import { UserEmailClaimed1764300000007 } from './migrations/1764300000007-user-email-claimed.js';
import { AccessTokens1764300000008 } from './migrations/1764300000008-access-tokens.js';
import { SessionKind1764300000009 } from './migrations/1764300000009-session-kind.js';

/** Classes, not globs: globs and ESM do not mix. */
export const AUTH_ENTITIES = [
  UserEntity,
  IdentityEntity,
  SessionEntity,
  MagicLinkTokenEntity,
  MailOutboxEntity,
  EphemeralEndpointEntity,
  AuditEventEntity,
  RateLimitBucketEntity,
];

/** In order; a new migration is appended here. */
export const AUTH_MIGRATIONS = [
  InitialSchema1764300000000,
  SessionRevocationNotify1764300000001,
  UserEmailVerified1764300000002,
  PurgeQuietSessionDelete1764300000003,
  TowerAuthSchema1764300000004,
  UserEmailClaimed1764300000007,
  AccessTokens1764300000008,
  SessionKind1764300000009,
];
