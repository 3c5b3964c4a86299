import { Module } from '@nestjs/common';
import { withApiAlias } from 'tower-auth/openapi';
import { OpenApiController } from './openapi.controller.js';
import { OpenApiDocument } from './openapi.document.js';

/** The service's OpenAPI document and browsable page; createApp gives it the document. */
@Module({
  controllers: withApiAlias([OpenApiController]),
  providers: [OpenApiDocument],
  exports: [OpenApiDocument],
})
export class OpenApiModule {}
