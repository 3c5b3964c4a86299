/** A connection string may carry a password: it never reaches a log line. */
const CONNECTION_URL = /postgres(ql)?:\/\/\S+/g;

/**
 * An unknown error as a log line or a stored failure may show it: its class name, its code
 * (a pg SQLSTATE, a Node or SMTP errno) and its message, with any connection URL masked.
 * Nothing else of it (a query's parameters, a request, a token) is ever read.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `unknown error (${typeof error})`;
  const code = (error as { code?: unknown }).code;
  const coded = typeof code === 'string' && !error.message.includes(code);
  const message = error.message.replace(CONNECTION_URL, 'postgres://…');
  return `${error.name}${coded ? ` ${code}` : ''}: ${message}`;
}
