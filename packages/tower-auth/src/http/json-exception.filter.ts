import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  Optional,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isAuthError, isLoginError } from '../common/auth-error.js';
import { describeError } from '../common/describe-error.js';
import { isDatabaseUnavailable } from '../database/unavailable.js';
import { requestIdOf } from '../observability/request-context.js';
import { authErrorBody, reason, type ErrorBody } from './error-responses.js';
import type { HttpRequest } from '../common/http-request.js';
import { LoginResponder } from './login-response.js';

export type { ErrorBody } from './error-responses.js';

const logger = new Logger('Errors');

/** Seconds a client is asked to wait when the database is unreachable. */
export const DATABASE_RETRY_AFTER_S = 5;

/**
 * Every error leaves as JSON `{statusCode, error, message}`. An AuthError is answered by its
 * code (`error-responses.ts`), and a refused login by LoginResponder (a browser is redirected to
 * the result page); an HttpException keeps its own fields; an unreachable database is a 503 with
 * `Retry-After`; anything else is a 500 that shows nothing of its cause, which is logged by
 * class name and message only.
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    /** Absent in a host's own filter: its routes end no login. */
    @Optional() private readonly logins?: LoginResponder,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    const request = host.switchToHttp().getRequest<HttpRequest>();
    if (isLoginError(exception) && this.logins) {
      this.logins.fail(request, response, exception.code);
      return;
    }
    const body = toErrorBody(exception);
    // The id the request's log lines carry, so a user's report leads to them.
    const requestId = requestIdOf(request);
    if (requestId) body.requestId = requestId;
    if (body.statusCode === 503 && !isAnswered(exception)) {
      logger.warn(`Database unavailable: ${describeError(exception)}`);
      httpAdapter.setHeader(response, 'Retry-After', String(DATABASE_RETRY_AFTER_S));
    } else if (body.statusCode >= 500 && !isAnswered(exception)) {
      const name = exception instanceof Error ? exception.name : typeof exception;
      logger.error(`Unhandled ${name}`, exception instanceof Error ? exception.stack : undefined);
    }
    // Clients (Nextflow among them) refresh on 401; the header says which scheme to use.
    if (body.statusCode === 401) httpAdapter.setHeader(response, 'WWW-Authenticate', 'Bearer');
    httpAdapter.reply(response, body, body.statusCode);
  }
}

/** Errors that carry their own answer: nothing about them needs logging. */
function isAnswered(exception: unknown): boolean {
  return exception instanceof HttpException || isAuthError(exception);
}

export function toErrorBody(exception: unknown): ErrorBody {
  if (isAuthError(exception)) return authErrorBody(exception);
  if (exception instanceof HttpException) return httpExceptionBody(exception);
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

function httpExceptionBody(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const base: ErrorBody = { statusCode: status, error: reason(status), message: exception.message };
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

/** Body parsers (Express's and Fastify's) throw plain errors carrying a 4xx status. */
function bodyParserStatus(exception: unknown): number | null {
  if (typeof exception !== 'object' || exception === null) return null;
  const { status, statusCode } = exception as { status?: unknown; statusCode?: unknown };
  const code = typeof statusCode === 'number' ? statusCode : status;
  return typeof code === 'number' && code >= 400 && code < 500 ? code : null;
}
