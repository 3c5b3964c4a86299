import type { ServiceConfig } from './service-settings.js';

export type LogFormat = 'json' | 'text';
export type LogLevel = Exclude<ServiceConfig['log']['level'], 'log'>;

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

/** TOWER_LOG_FORMAT `auto` is text on a terminal, else JSON; TOWER_LOG_LEVEL `log` is info. */
export function observabilityOf(config: ServiceConfig, isTerminal: boolean): ObservabilityConfig {
  const { format, level } = config.log;
  return {
    logFormat: format === 'auto' ? (isTerminal ? 'text' : 'json') : format,
    logLevel: level === 'log' ? 'info' : level,
    metricsPort: config.metrics.port,
    metricsToken: config.metrics.token,
  };
}
