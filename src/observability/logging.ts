import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger } from 'pino';
import { currentRequestId } from 'tower-auth';
import type { ObservabilityConfig } from '../config/observability-config.js';

/**
 * The process's pino logger. JSON lines go through an asynchronous destination (the request
 * path never waits on stdout); on a terminal the same lines are turned into readable text.
 * Every line written while a request is served carries its id.
 */
export function createRootLogger(
  config: Pick<ObservabilityConfig, 'logFormat' | 'logLevel'>,
  destination?: DestinationStream,
): Logger {
  const out =
    destination ??
    (config.logFormat === 'text' ? textDestination(process.stdout) : jsonDestination(1));
  return pino(
    {
      level: config.logLevel,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: requestIdMixin,
    },
    out,
  );
}

/** Lines are written in batches of this many bytes, or after FLUSH_MS at the latest. */
const BATCH_BYTES = 4096;
const FLUSH_MS = 1000;

/**
 * Asynchronous and batched: one write per few dozen access lines instead of one per line (a
 * profile under load showed per-line writes at ~8% of the CPU), and a line waits at most a
 * second. pino writes what is left synchronously when the process exits.
 */
export function jsonDestination(fd: number | string): DestinationStream {
  const destination = pino.destination({ dest: fd, sync: false, minLength: BATCH_BYTES });
  const timer = setInterval(() => {
    try {
      destination.flush();
    } catch {
      // destroyed: nothing left to write
    }
  }, FLUSH_MS);
  timer.unref();
  return destination;
}

const NONE = {};
function requestIdMixin(): object {
  const requestId = currentRequestId();
  return requestId ? { requestId } : NONE;
}

const COLOURS: Record<string, string> = {
  fatal: '\x1b[35m',
  error: '\x1b[31m',
  warn: '\x1b[33m',
  info: '\x1b[32m',
  debug: '\x1b[36m',
  trace: '\x1b[90m',
};
const RESET = '\x1b[0m';
const SHOWN_FIRST = new Set(['level', 'time', 'context', 'msg', 'requestId']);

/** `12:03:04.567 INFO  [Context] message key=value … (request-id)`: for people, not machines. */
export function formatLine(line: string, colour: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const text = (value: unknown): string =>
    typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  const level = typeof entry.level === 'string' ? entry.level : 'info';
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const tag = level.toUpperCase().padEnd(5);
  const context = entry.context ? ` [${text(entry.context)}]` : '';
  const rest = Object.entries(entry)
    .filter(([key]) => !SHOWN_FIRST.has(key))
    .map(([key, value]) => ` ${key}=${text(value)}`)
    .join('');
  const id = entry.requestId ? ` (${text(entry.requestId)})` : '';
  const shown = colour ? `${COLOURS[level] ?? ''}${tag}${RESET}` : tag;
  return `${time} ${shown}${context} ${text(entry.msg)}${rest}${id}\n`;
}

function textDestination(stream: NodeJS.WriteStream): Writable {
  const colour = stream.isTTY === true;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString('utf8');
      stream.write(
        text
          .split('\n')
          .filter((line) => line.length > 0)
          .map((line) => formatLine(line, colour))
          .join(''),
      );
      done();
    },
  });
}

/** Before the process exits: what the asynchronous destination still holds is written. */
export function flushLogs(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // a text destination has nothing buffered
  }
}
