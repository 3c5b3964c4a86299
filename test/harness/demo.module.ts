import { Module } from '@nestjs/common';
import type { CreateAppOptions } from '../../src/app/create-app.js';
import { DemoController } from './demo.controller.js';

@Module({ controllers: [DemoController] })
export class DemoModule {}

/**
 * What createApp needs to serve the example host routes next to the service's own, documented
 * in the OpenAPI document like every other route.
 */
export const DEMO_HOST = {
  modules: [DemoModule],
  openApiTags: {
    demo: 'A module of the host application protecting its routes with the auth decorators',
  },
} satisfies Pick<CreateAppOptions, 'modules' | 'openApiTags'>;
