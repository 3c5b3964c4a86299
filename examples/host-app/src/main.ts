import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';

/** HTTP_PLATFORM=express runs the same application on Express; Fastify otherwise. */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  if (process.env.HTTP_PLATFORM === 'express') {
    const app = await NestFactory.create<NestExpressApplication>(AppModule, new ExpressAdapter());
    app.useBodyParser('raw', { type: 'application/octet-stream' });
    app.setGlobalPrefix('v1');
    await app.listen(port, '127.0.0.1');
  } else {
    const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter());
    app
      .getHttpAdapter()
      .getInstance()
      .addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) =>
        done(null, body),
      );
    app.setGlobalPrefix('v1');
    await app.listen(port, '127.0.0.1');
  }
  process.stdout.write(`host app listening on ${port}\n`);
}

void main();
