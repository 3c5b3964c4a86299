import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AUTH_ENTITIES } from './schema.js';

/**
 * Stops the boot with one message that says what to add when the host's DataSource does not
 * list the module's entities: otherwise the application would start and its first login would
 * fail with TypeORM's EntityMetadataNotFoundError.
 */
@Injectable()
export class SchemaCheck implements OnModuleInit {
  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    const missing = AUTH_ENTITIES.filter((entity) => !this.dataSource.hasMetadata(entity));
    if (missing.length === 0) return;
    throw new Error(
      `tower-auth: the DataSource does not list ${missing.map((e) => e.name).join(', ')}. ` +
        "Add the module's entities and migrations to its options: " +
        '`entities: [...yourEntities, ...AUTH_ENTITIES], migrations: [...yourMigrations, ...AUTH_MIGRATIONS]` ' +
        "(both exported by 'tower-auth').",
    );
  }
}
