import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/** An entity's columns in a raw SELECT, and the mapper back to the entity. */
export interface EntityColumns<T> {
  /** `alias.column AS "prefix.property", …` */
  readonly select: string;
  /** The entity held by a result row's prefixed fields. */
  read(row: Record<string, unknown>): T;
}

/**
 * Built from the entity's own metadata, so a column added to the entity is read without any
 * mapper to update. The values come as the pg driver parses them (bigint as text, timestamps
 * as Date), as in any TypeORM read.
 */
export function entityColumns<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  alias: string,
): EntityColumns<T> {
  const metadata = dataSource.getMetadata(entity);
  const fields = metadata.columns.map((column) => ({
    property: column.propertyName,
    key: `${alias}.${column.propertyName}`,
    sql: `${alias}.${quote(column.databaseName)} AS ${quote(`${alias}.${column.propertyName}`)}`,
  }));
  return {
    select: fields.map((field) => field.sql).join(', '),
    read(row) {
      const entity = metadata.create() as T;
      for (const field of fields)
        (entity as Record<string, unknown>)[field.property] = row[field.key];
      return entity;
    },
  };
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
