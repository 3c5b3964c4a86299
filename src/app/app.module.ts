import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AuthModule, JsonExceptionFilter, type Clock } from 'tower-auth';
import type { ServiceConfig } from '../config/service-settings.js';
import { withApiAlias } from 'tower-auth/openapi';
import { DatabaseModule } from '../database/database.module.js';
import { HealthController } from './health.controller.js';
import { RootController } from './root.controller.js';
import { OpenApiController } from './openapi/openapi.controller.js';
import { OPENAPI_DOCUMENT } from './openapi/openapi.document.js';
import { MetricsController, METRICS_TOKEN } from '../observability/metrics.controller.js';
import type { Observability } from '../observability/observability.js';
import { PromMetrics } from '../observability/prom-metrics.js';

/**
 * The runnable service: the auth module on its database, plus health and the OpenAPI page.
 * It is the module's first user: it takes tower-auth as a package, serves every route under
 * `/api` too (Nextflow's endpoint) and answers every error, its own routes' too, in the
 * module's JSON format.
 */
@Module({})
export class AppModule {
  static forRoot(
    config: ServiceConfig,
    observability: Observability,
    openApiDocument: () => OpenAPIObject,
    options: { clock?: Clock; modules?: (Type | DynamicModule)[] } = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot(config),
        AuthModule.forRoot({
          config,
          clock: options.clock,
          apiAlias: true,
          metrics: observability.metrics,
        }),
        // A host application's own modules, next to the service's (none in main.ts).
        ...(options.modules ?? []),
      ],
      // `/` sends a browser to the login page; `/api` itself is nothing.
      controllers: [
        ...withApiAlias([HealthController, OpenApiController]),
        RootController,
        MetricsController,
      ],
      providers: [
        { provide: OPENAPI_DOCUMENT, useValue: openApiDocument },
        { provide: APP_FILTER, useClass: JsonExceptionFilter },
        { provide: PromMetrics, useValue: observability.metrics },
        { provide: METRICS_TOKEN, useValue: observability.metricsToken },
      ],
    };
  }
}
