import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AUTH_ENTITIES, AUTH_MIGRATIONS, AuthModule } from 'tower-auth';
import { Notes1700000000000 } from './migrations/1700000000000-notes.js';
import { Note } from './note.entity.js';
import { NotesController } from './notes.controller.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        type: 'postgres' as const,
        host: config.get('DB_HOST', '127.0.0.1'),
        port: Number(config.get('DB_PORT', '5432')),
        username: config.get('DB_USER', 'postgres'),
        password: config.get<string>('DB_PASSWORD'),
        database: config.getOrThrow<string>('DB_NAME'),
        entities: [Note, ...AUTH_ENTITIES],
        migrations: [Notes1700000000000, ...AUTH_MIGRATIONS],
        migrationsRun: true,
      }),
    }),
    AuthModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        serverUrl: config.getOrThrow<string>('SERVER_URL'),
        jwtSecret: config.getOrThrow<string>('JWT_SECRET'),
        rootUsers: config.get<string>('ROOT_USERS', ''),
      }),
    }),
  ],
  controllers: [NotesController],
})
export class AppModule {}
