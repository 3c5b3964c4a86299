import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Notes1700000000000 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE TABLE notes (id serial PRIMARY KEY, author_id text NOT NULL, text text NOT NULL)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE notes`);
  }
}
