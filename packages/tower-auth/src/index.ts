/** The public surface of tower-auth: nothing else is imported from outside the package. */
import * as values from './config/config.values.js';

export {
  AuthModule,
  type AuthModuleOptions,
  type AuthModuleAsyncOptions,
  type AuthRouteOptions,
} from './auth.module.js';
export { AUTH_ENTITIES, AUTH_MIGRATIONS } from './database/schema.js';
export {
  resolveModuleConfig,
  type AuthModuleConfigOptions,
  type AuthConfigOptions,
  type SmtpConfigOptions,
  type TokenConfigOptions,
  type EphemeralConfigOptions,
  type DatabaseConfigOptions,
  type GithubConfigOptions,
  type GoogleConfigOptions,
  type OidcConfigOptions,
  type RateLimitConfigOptions,
  type DurationOption,
  type ListOption,
  type FlagOption,
  type NumberOption,
} from './config/module-options.js';
export {
  loadTowerConfig,
  loadTowerConfigOrThrow,
  type FallbackSecret,
  type LoadTowerConfigOptions,
} from './config/config.loader.js';
export { set as setting, type Setting, type SettingTable } from './config/config.keys.js';
export type { Kind } from './config/config.values.js';
/** The kinds of value a setting holds, for settings of one's own: `setting(kinds.flag, …)`. */
export const kinds = {
  text: values.text,
  secret: values.secret,
  longSecret: values.longSecret,
  path: values.path,
  flag: values.flag,
  count: values.count,
  port: values.port,
  proxyHops: values.proxyHops,
  oneOf: values.oneOf,
  databaseUrl: values.databaseUrl,
  duration: values.duration,
  httpUrl: values.httpUrl,
  allowList: values.allowList,
};
export {
  TOWER_CONFIG,
  ConfigValidationError,
  type ConfigReport,
  type ConfigEntry,
  type TowerConfig,
  type ConfigWith,
  type AuthType,
  type ProviderId,
} from './config/tower-config.types.js';
export { Public, Authenticated, RootOnly } from './decorators/access.decorator.js';
export { SameOriginOnly, CrossSiteAllowed } from './decorators/same-origin.decorator.js';
export { SessionOnly } from './decorators/session-only.decorator.js';
export {
  CurrentUser,
  type AuthPrincipal,
  type SessionPrincipal,
  type TokenPrincipal,
} from './decorators/current-user.decorator.js';
export {
  AccessTokenService,
  type AccessTokenInfo,
  type CreatedAccessToken,
} from './access-tokens/access-token.service.js';
export {
  type ContextCredential,
  type ContextCredentialExtractor,
} from './guards/context-credential.js';
export { SessionGuard } from './guards/session.guard.js';
export { JsonExceptionFilter, type ErrorBody } from './http/json-exception.filter.js';
export {
  AuthError,
  isLoginError,
  type AuthErrorCode,
  type LoginErrorCode,
  type OAuthErrorCode,
} from './common/auth-error.js';
export { describeError } from './common/describe-error.js';
export { type HttpRequest } from './common/http-request.js';
export { TokenService, type Role, type AccessClaims } from './tokens/token.service.js';
export { KeyRing } from './tokens/key-ring.js';
export { SessionService, type IssuedTokens } from './sessions/session.service.js';
export { RevocationService } from './sessions/revocation.service.js';
export { UserDirectory, type DirectoryUser } from './users/user-directory.service.js';
export { CLOCK, systemClock, type Clock } from './common/clock.js';
export { AllowListService } from './allow-list/allow-list.service.js';
export { ProviderRegistry } from './providers/provider-registry.js';
export {
  type LoginProvider,
  type LoginFlow,
  type CallbackParams,
  type ProviderIdentity,
} from './providers/provider.js';
export {
  EphemeralService,
  type EphemeralEndpoint,
  type EphemeralOptions,
} from './ephemeral/ephemeral.service.js';
export {
  LaunchCredentialsService,
  type LaunchCredentials,
  type LaunchOptions,
} from './launch/launch-credentials.service.js';
export { type SessionKind } from './sessions/session.entity.js';
export { isDatabaseUnavailable } from './database/unavailable.js';
export {
  AUTH_METRICS,
  NO_METRICS,
  type AuthMetrics,
  type RefreshResult,
  type GuardRefusal,
  type MagicLinkEvent,
  type EphemeralEvent,
  type ListenerEvent,
} from './observability/auth-metrics.js';
export {
  REQUEST_ID_HEADER,
  saneRequestId,
  requestIdOf,
  runWithRequestId,
  currentRequestId,
} from './observability/request-context.js';
