import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

/**
 * Nest's logger calls (`new Logger('Context').warn(...)`, the framework's own lines) written
 * as pino lines: `{level, time, context, msg}`, plus the request id inside a request. Built per
 * application, unlike nestjs-pino's process-wide root logger, so two apps in one process (the
 * tests run one per platform) each log where they were told.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    // Nest passes the context last, and for errors the stack before it.
    let params = rest;
    if (params.length > 0 && typeof params[params.length - 1] === 'string') {
      fields.context = params[params.length - 1];
      params = params.slice(0, -1);
    }
    if (level === 'error' && typeof params[0] === 'string') fields.stack = params[0];
    if (message instanceof Error) {
      fields.err = { type: message.name, message: message.message, stack: message.stack };
      this.pino[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, data: message }, '');
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
