import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isDatabaseUnavailable } from '../database/unavailable.js';
import { requestIdOf } from '../observability/request-context.js';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  [extra: string]: unknown;
}

const logger = new Logger('Errors');

/** Seconds a client is asked to wait when the database is unreachable. */
export const DATABASE_RETRY_AFTER_S = 5;

/**
 * Every error leaves as JSON `{statusCode, error, message}`. An HttpException keeps its own
 * fields (an OAuth error adds `error_description`); an unreachable database is a 503 with
 * `Retry-After`; anything else is a 500 that shows nothing of its cause, which is logged by
 * class name and message only.
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    const body = toErrorBody(exception);
    // The id the request's log lines carry, so a user's report leads to them.
    const requestId = requestIdOf(host.switchToHttp().getRequest());
    if (requestId) body.requestId = requestId;
    if (body.statusCode === 503 && !(exception instanceof HttpException)) {
      logger.warn(`Database unavailable: ${describe(exception)}`);
      httpAdapter.setHeader(response, 'Retry-After', String(DATABASE_RETRY_AFTER_S));
    } else if (body.statusCode >= 500 && !(exception instanceof HttpException)) {
      const name = exception instanceof Error ? exception.name : typeof exception;
      logger.error(`Unhandled ${name}`, exception instanceof Error ? exception.stack : undefined);
    }
    // Clients (Nextflow among them) refresh on 401; the header says which scheme to use.
    if (body.statusCode === 401) httpAdapter.setHeader(response, 'WWW-Authenticate', 'Bearer');
    httpAdapter.reply(response, body, body.statusCode);
  }
}

export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const base: ErrorBody = {
      statusCode: status,
      error: reason(status),
      message: exception.message,
    };
    if (typeof response === 'string') return { ...base, message: response };
    const fields = response as Record<string, unknown>;
    const message = Array.isArray(fields.message) ? fields.message.join('; ') : fields.message;
    return {
      ...fields,
      ...base,
      error: typeof fields.error === 'string' ? fields.error : base.error,
      message: typeof message === 'string' ? message : base.message,
    };
  }
  const parserStatus = bodyParserStatus(exception);
  if (parserStatus) {
    return {
      statusCode: parserStatus,
      error: reason(parserStatus),
      message: 'Malformed request body',
    };
  }
  if (isDatabaseUnavailable(exception)) {
    const status = HttpStatus.SERVICE_UNAVAILABLE;
    return {
      statusCode: status,
      error: reason(status),
      message: 'The database is unavailable; please retry shortly',
    };
  }
  const status = HttpStatus.INTERNAL_SERVER_ERROR;
  return { statusCode: status, error: reason(status), message: 'Internal server error' };
}

/** pg error codes and messages carry no credentials or query parameters. */
function describe(exception: unknown): string {
  if (!(exception instanceof Error)) return typeof exception;
  const code = (exception as { code?: unknown }).code;
  return `${exception.name}${typeof code === 'string' ? ` ${code}` : ''}: ${exception.message}`;
}

/** Body parsers (Express's and Fastify's) throw plain errors carrying a 4xx status. */
function bodyParserStatus(exception: unknown): number | null {
  if (typeof exception !== 'object' || exception === null) return null;
  const { status, statusCode } = exception as { status?: unknown; statusCode?: unknown };
  const code = typeof statusCode === 'number' ? statusCode : status;
  return typeof code === 'number' && code >= 400 && code < 500 ? code : null;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function reason(status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Server Error' : 'Error');
}
