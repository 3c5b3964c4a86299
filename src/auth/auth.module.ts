import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AllowListService } from './allow-list/allow-list.service.js';
import { AuditService } from './audit/audit.service.js';
import { CLOCK, systemClock, type Clock } from './common/clock.js';
import { EPHEMERAL } from './ephemeral/ephemeral.feature.js';
import { SessionGuard } from './guards/session.guard.js';
import { AdminController } from './http/admin.controller.js';
import { JsonExceptionFilter } from './http/json-exception.filter.js';
import { LoginResponder } from './http/login-response.js';
import { LogoutController } from './http/logout.controller.js';
import { MAIL_LOGIN } from './mail/mail.feature.js';
import { PAGES } from './pages/pages.feature.js';
import { PROVIDER_LOGIN } from './providers/providers.feature.js';
import { PURGE } from './purge/purge.feature.js';
import { ServiceInfoController } from './http/service-info.controller.js';
import { TokenController } from './http/token.controller.js';
import { UserInfoController } from './http/user-info.controller.js';
import { RevocationService } from './sessions/revocation.service.js';
import { SessionRepository } from './sessions/session.repository.js';
import { SessionService } from './sessions/session.service.js';
import { TokenService } from './tokens/token.service.js';
import { AccountService } from './users/account.service.js';
import { RootUsersService } from './users/root-users.service.js';
import { UserRepository } from './users/user.repository.js';

export interface AuthModuleOptions {
  /** Time source of the session rules (tests move it). */
  clock?: Clock;
}

export interface AuthModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: (string | symbol | (abstract new (...args: never[]) => unknown))[];
  useFactory: (...args: never[]) => AuthModuleOptions | Promise<AuthModuleOptions>;
}

const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

const SERVICES = [
  TokenService,
  SessionService,
  SessionRepository,
  UserRepository,
  AuditService,
  RevocationService,
  AccountService,
  RootUsersService,
  AllowListService,
  LoginResponder,
];

/** Each feature folder owns its wiring (`<feature>.feature.ts`). */
const FEATURES = [MAIL_LOGIN, PROVIDER_LOGIN, EPHEMERAL, PAGES, PURGE];

/**
 * The login stack for a Nest application. It expects the configuration (TowerConfigModule)
 * and a TypeORM DataSource (DatabaseModule) to be provided globally, and registers
 * SessionGuard for every route of the application: opt out with @Public().
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions = {}): DynamicModule {
    return AuthModule.build([{ provide: AUTH_OPTIONS, useValue: options }], []);
  }

  static forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    const provider: Provider = {
      provide: AUTH_OPTIONS,
      inject: options.inject ?? [],
      useFactory: options.useFactory as (...args: unknown[]) => AuthModuleOptions,
    };
    return AuthModule.build([provider], options.imports ?? []);
  }

  private static build(
    optionProviders: Provider[],
    imports: ModuleMetadata['imports'],
  ): DynamicModule {
    return {
      module: AuthModule,
      imports,
      controllers: [
        ServiceInfoController,
        TokenController,
        LogoutController,
        UserInfoController,
        AdminController,
        ...FEATURES.flatMap((feature) => feature.controllers),
      ],
      providers: [
        ...optionProviders,
        ...SERVICES,
        ...FEATURES.flatMap((feature) => feature.providers),
        {
          provide: CLOCK,
          inject: [AUTH_OPTIONS],
          useFactory: (options: AuthModuleOptions) => options.clock ?? systemClock,
        },
        { provide: APP_GUARD, useClass: SessionGuard },
        { provide: APP_FILTER, useClass: JsonExceptionFilter },
      ],
      exports: [
        TokenService,
        SessionService,
        AllowListService,
        CLOCK,
        ...FEATURES.flatMap((feature) => feature.exports),
      ],
    };
  }
}
