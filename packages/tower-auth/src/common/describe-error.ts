/** A connection string may carry a password: it never reaches a log line. */
const CONNECTION_URL = /postgres(ql)?:\/\/\S+/g;

interface ErrorLike {
  name?: unknown;
  message: string;
  code?: unknown;
}

/**
 * An unknown error as a log line or a stored failure may show it: its class name, its code
 * (a pg SQLSTATE, a Node or SMTP errno) and its message, with any connection URL masked.
 * Nothing else of it (a query's parameters, a request, a token) is ever read. Errors are
 * recognised by shape: one made in another realm (a VM context, a worker) is not `instanceof
 * Error` here.
 */
export function describeError(error: unknown): string {
  if (!isErrorLike(error)) return `unknown error (${typeof error})`;
  const { name, code } = error;
  const coded = typeof code === 'string' && !error.message.includes(code);
  const message = error.message.replace(CONNECTION_URL, 'postgres://…');
  return `${typeof name === 'string' ? name : 'Error'}${coded ? ` ${code}` : ''}: ${message}`;
}

function isErrorLike(error: unknown): error is ErrorLike {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
