import { BadRequestException, Body, Controller, Get, Post, Req } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { CurrentUser, Public, RootOnly, UserDirectory, type AuthPrincipal } from 'tower-auth';
import { DataSource } from 'typeorm';
import { Note } from './note.entity.js';

/** The host's own routes: guarded by the module's global guard unless marked otherwise. */
@Controller()
export class NotesController {
  constructor(
    private readonly users: UserDirectory,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get('hello')
  @Public()
  hello(): { hello: string } {
    return { hello: 'world' };
  }

  @Get('me')
  async me(@CurrentUser() principal: AuthPrincipal): Promise<Record<string, unknown>> {
    const user = await this.users.findById(principal.userId);
    return {
      userId: principal.userId,
      email: principal.email,
      roles: principal.roles,
      sessionId: principal.sessionId,
      userName: user?.userName ?? null,
    };
  }

  @Get('admin/stats')
  @RootOnly()
  async stats(): Promise<{ notes: number }> {
    return { notes: await this.dataSource.getRepository(Note).count() };
  }

  /** Errors keep the host's own format: Nest's, with the validation messages as an array. */
  @Post('notes')
  async create(
    @CurrentUser() principal: AuthPrincipal,
    @Body() body: { text?: unknown } | undefined,
  ): Promise<Note> {
    const text = body?.text;
    if (typeof text !== 'string' || text.trim() === '') {
      throw new BadRequestException(['text must be a string', 'text should not be empty']);
    }
    const notes = this.dataSource.getRepository(Note);
    return notes.save(notes.create({ authorId: principal.userId, text }));
  }

  /** A raw-body route with the host's own parser (application/octet-stream). */
  @Post('webhook')
  @Public()
  webhook(@Req() request: { body?: unknown }): { bytes: number; sha256: string } {
    if (!Buffer.isBuffer(request.body)) throw new BadRequestException('Expected raw bytes');
    return {
      bytes: request.body.length,
      sha256: createHash('sha256').update(request.body).digest('hex'),
    };
  }
}
