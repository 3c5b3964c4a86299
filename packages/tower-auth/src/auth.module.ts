import {
  Logger,
  Module,
  UseFilters,
  type DynamicModule,
  type ModuleMetadata,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessTokenRepository } from './access-tokens/access-token.repository.js';
import { AccessTokenService } from './access-tokens/access-token.service.js';
import { AccessTokenCache } from './access-tokens/access-token.cache.js';
import { AccessTokensController } from './access-tokens/access-tokens.controller.js';
import { AdminTokensController } from './access-tokens/admin-tokens.controller.js';
import { TokenUseRecorder } from './access-tokens/token-use.recorder.js';
import { AllowListService } from './allow-list/allow-list.service.js';
import { AuditRepository } from './audit/audit.repository.js';
import { AuditService } from './audit/audit.service.js';
import { CLOCK, systemClock, type Clock } from './common/clock.js';
import { resolveModuleConfig, type AuthModuleConfigOptions } from './config/module-options.js';
import { TOWER_CONFIG, type TowerConfig } from './config/tower-config.types.js';
import { SchemaCheck } from './database/schema-check.js';
import { EPHEMERAL } from './ephemeral/ephemeral.feature.js';
import {
  CONTEXT_CREDENTIAL,
  type ContextCredentialExtractor,
} from './guards/context-credential.js';
import { SessionGuard } from './guards/session.guard.js';
import { AdminController } from './http/admin.controller.js';
import { JsonExceptionFilter } from './http/json-exception.filter.js';
import { LAUNCH } from './launch/launch.feature.js';
import { LoginResponder } from './http/login-response.js';
import { LogoutController } from './http/logout.controller.js';
import { withApiAlias } from './http/routes.js';
import { ServiceInfoController } from './http/service-info.controller.js';
import { TokenController } from './http/token.controller.js';
import { UserInfoController } from './http/user-info.controller.js';
import { MAIL_LOGIN } from './mail/mail.feature.js';
import { AUTH_METRICS, NO_METRICS, type AuthMetrics } from './observability/auth-metrics.js';
import { PAGES } from './pages/pages.feature.js';
import { PROVIDER_LOGIN } from './providers/providers.feature.js';
import { PURGE } from './purge/purge.feature.js';
import { RevocationService } from './sessions/revocation.service.js';
import { KeyRing } from './tokens/key-ring.js';
import { SessionRefresh } from './sessions/session-refresh.js';
import { SessionRepository } from './sessions/session.repository.js';
import { SessionService } from './sessions/session.service.js';
import { TokenService } from './tokens/token.service.js';
import { AccountRepository, PostgresAccountRepository } from './users/account.repository.js';
import { AccountService } from './users/account.service.js';
import { RootUsersService } from './users/root-users.service.js';
import { UserDirectory } from './users/user-directory.service.js';
import { UserRepository } from './users/user.repository.js';

/** What `forRoot` and the factory of `forRootAsync` return. */
export interface AuthModuleOptions extends AuthModuleConfigOptions {
  /** A configuration already loaded and validated (the service passes the one it booted with). */
  config?: TowerConfig;
  /** Time source of the session rules (tests move it). */
  clock?: Clock;
  /**
   * Where the credential of a GraphQL, WebSocket or RPC call sits. Without it such calls are
   * refused unless `@Public()`.
   */
  contextCredential?: ContextCredentialExtractor;
  /** Where the module's counters go (the service passes prom-client ones). Default: nowhere. */
  metrics?: AuthMetrics;
}

/** Settings that shape the routes: known when the module is built, before any factory runs. */
export interface AuthRouteOptions {
  /** Also serve every route of the module under `/api` (Nextflow's endpoint). Default false. */
  apiAlias?: boolean;
}

export interface AuthModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'>, AuthRouteOptions {
  inject?: (string | symbol | Type | (abstract new (...args: never[]) => unknown))[];
  useFactory: (...args: never[]) => AuthModuleOptions | Promise<AuthModuleOptions>;
}

const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
const logger = new Logger('AuthModule');

const SERVICES = [
  KeyRing,
  TokenService,
  SessionService,
  SessionRefresh,
  SessionRepository,
  UserRepository,
  UserDirectory,
  AuditRepository,
  AuditService,
  RevocationService,
  AccountService,
  { provide: AccountRepository, useClass: PostgresAccountRepository },
  RootUsersService,
  AllowListService,
  LoginResponder,
  SchemaCheck,
  AccessTokenRepository,
  AccessTokenService,
  AccessTokenCache,
  TokenUseRecorder,
];

/** Each feature folder owns its wiring (`<feature>.feature.ts`). */
const FEATURES = [MAIL_LOGIN, PROVIDER_LOGIN, EPHEMERAL, PAGES, PURGE, LAUNCH];

const CONTROLLERS: Type[] = [
  ServiceInfoController,
  TokenController,
  LogoutController,
  UserInfoController,
  AdminController,
  AccessTokensController,
  AdminTokensController,
  ...FEATURES.flatMap((feature) => feature.controllers),
];

// The JSON error format is the module's own: its routes get the filter, the host's keep theirs.
for (const controller of CONTROLLERS) UseFilters(JsonExceptionFilter)(controller);

/**
 * The login stack for a Nest application. It works on the application's TypeORM DataSource
 * (which must list AUTH_ENTITIES and run AUTH_MIGRATIONS) and registers SessionGuard for every
 * route of the application: opt out with @Public().
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions & AuthRouteOptions = {}): DynamicModule {
    return AuthModule.build({ provide: AUTH_OPTIONS, useValue: options }, [], options);
  }

  static forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    const provider: Provider = {
      provide: AUTH_OPTIONS,
      inject: options.inject ?? [],
      useFactory: options.useFactory as (...args: unknown[]) => AuthModuleOptions,
    };
    return AuthModule.build(provider, options.imports ?? [], options);
  }

  private static build(
    optionsProvider: Provider,
    imports: ModuleMetadata['imports'],
    routes: AuthRouteOptions,
  ): DynamicModule {
    return {
      module: AuthModule,
      imports,
      controllers: routes.apiAlias ? withApiAlias(CONTROLLERS) : CONTROLLERS,
      providers: [
        optionsProvider,
        ...SERVICES,
        ...FEATURES.flatMap((feature) => feature.providers),
        fromOptions(TOWER_CONFIG, configOf),
        fromOptions(CLOCK, (options) => options.clock ?? systemClock),
        fromOptions(CONTEXT_CREDENTIAL, (options) => options.contextCredential ?? null),
        fromOptions(AUTH_METRICS, (options) => options.metrics ?? NO_METRICS),
        { provide: APP_GUARD, useClass: SessionGuard },
      ],
      exports: [
        TOWER_CONFIG,
        TokenService,
        SessionService,
        AccessTokenService,
        AccessTokenCache,
        AllowListService,
        UserDirectory,
        CLOCK,
        ...FEATURES.flatMap((feature) => feature.exports),
      ],
    };
  }
}

/** A provider of what the module's options give for `token` (or its default). */
function fromOptions(
  token: symbol,
  pick: (options: AuthModuleOptions & AuthRouteOptions) => unknown,
): Provider {
  return { provide: token, inject: [AUTH_OPTIONS], useFactory: pick };
}

/** The service hands over the configuration it booted with; a host's options are validated here. */
function configOf(options: AuthModuleOptions & AuthRouteOptions): TowerConfig {
  const {
    config: loaded,
    clock: _clock,
    contextCredential: _extractor,
    apiAlias: _alias,
    metrics: _metrics,
    ...settings
  } = options;
  if (loaded) return loaded;
  const { config, warnings } = resolveModuleConfig(settings);
  for (const warning of warnings) logger.warn(warning);
  return config;
}
