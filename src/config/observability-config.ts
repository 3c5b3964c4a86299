import { ConfigValidationError } from 'tower-auth';

export type LogFormat = 'json' | 'text';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Settings of the standalone service's logs and metrics (not of the module: a host has its own). */
export interface ObservabilityConfig {
  /** JSON lines, or readable text (TOWER_LOG_FORMAT; default: text on a terminal, else JSON). */
  logFormat: LogFormat;
  logLevel: LogLevel;
  /** A separate port that serves only GET /metrics (TOWER_METRICS_PORT); null: none. */
  metricsPort: number | null;
  /** Bearer secret that opens GET /metrics on the main port (TOWER_METRICS_TOKEN). */
  metricsToken: string | null;
}

/** The variables read here: environment only (no tower.yml key), as PORT and HOST. */
export const OBSERVABILITY_VARIABLES = [
  'TOWER_LOG_FORMAT',
  'TOWER_LOG_LEVEL',
  'TOWER_METRICS_PORT',
  'TOWER_METRICS_TOKEN',
] as const;

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIN_TOKEN_LENGTH = 16;

/**
 * TOWER_LOG_FORMAT (json | text | auto), TOWER_LOG_LEVEL (pino's levels; `log` = info),
 * TOWER_METRICS_PORT, TOWER_METRICS_TOKEN. Throws ConfigValidationError listing every problem.
 */
export function loadObservabilityConfig(
  env: Record<string, string | undefined>,
  isTerminal: boolean,
): ObservabilityConfig {
  const problems: string[] = [];
  const format = (env.TOWER_LOG_FORMAT ?? 'auto').trim().toLowerCase();
  if (!['json', 'text', 'auto', ''].includes(format))
    problems.push('TOWER_LOG_FORMAT must be json, text or auto');
  const level = (env.TOWER_LOG_LEVEL ?? 'info').trim().toLowerCase();
  const logLevel = (level === 'log' || level === '' ? 'info' : level) as LogLevel;
  if (!LEVELS.includes(logLevel))
    problems.push(`TOWER_LOG_LEVEL must be one of ${LEVELS.join(', ')}`);
  let metricsPort: number | null = null;
  const port = env.TOWER_METRICS_PORT?.trim();
  if (port) {
    metricsPort = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(metricsPort >= 0 && metricsPort <= 65535))
      problems.push('TOWER_METRICS_PORT must be a port number (0 to 65535)');
  }
  const token = env.TOWER_METRICS_TOKEN?.trim() || null;
  // The value itself is never shown: it is a secret.
  if (token !== null && token.length < MIN_TOKEN_LENGTH)
    problems.push(`TOWER_METRICS_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters`);
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return {
    logFormat: format === 'json' || format === 'text' ? format : isTerminal ? 'text' : 'json',
    logLevel,
    metricsPort,
    metricsToken: token,
  };
}
