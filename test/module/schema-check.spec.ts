import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from 'tower-auth';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { TEST_SECRET } from '../harness/app.js';

/**
 * A host whose DataSource does not list the module's entities would boot and fail at its first
 * login (EntityMetadataNotFoundError); the module stops the boot instead, saying what to add.
 */
describe('a host DataSource without the module entities', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('stops the boot with one message naming AUTH_ENTITIES and AUTH_MIGRATIONS', async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: db.url, entities: [] }),
        AuthModule.forRoot({ serverUrl: 'http://localhost:8000', jwtSecret: TEST_SECRET }),
      ],
    })
    class HostModule {}
    const app = await NestFactory.create(HostModule, new FastifyAdapter(), { logger: false });
    try {
      await expect(app.init()).rejects.toThrow(
        /does not list UserEntity, .*AUTH_ENTITIES.*AUTH_MIGRATIONS/,
      );
    } finally {
      await app.close().catch(() => undefined);
    }
  });
});
