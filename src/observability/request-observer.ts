import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { REQUEST_ID_HEADER, saneRequestId } from 'tower-auth';
import type { HttpHistogram, HttpSeries } from './http-histogram.js';

const BATCH_CHARS = 65536;
const FLUSH_MS = 1000;

/**
 * A new request id: a random prefix drawn once per process and a counter, in the shape of a
 * UUID. Unique without drawing random bytes per request; an id only correlates lines, rows
 * and answers, it opens nothing.
 */
export const nextRequestId: () => string = (() => {
  const hex = randomBytes(10).toString('hex');
  const prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16)}-`;
  let counter = 0;
  return () => {
    counter += 1;
    return prefix + counter.toString(16).padStart(12, '0');
  };
})();

/** What a finished request adds to: its series, and the fixed middle of its access line. */
interface Outcome {
  readonly series: HttpSeries;
  readonly line: string;
}

/** One route pattern: what its requests end in, by method and status, resolved once each. */
export class ObservedRoute {
  private readonly byMethod = new Map<string, Map<number, Outcome>>();

  constructor(
    readonly pattern: string,
    private readonly histogram: HttpHistogram,
  ) {}

  outcome(method: string, status: number): Outcome {
    let byStatus = this.byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      this.byMethod.set(method, byStatus);
    }
    let found = byStatus.get(status);
    if (!found) {
      const route = this.pattern;
      found = {
        series: this.histogram.labels({ method, route, status }),
        line: `,"method":${JSON.stringify(method)},"route":${JSON.stringify(route)},"status":${status},"durationMs":`,
      };
      byStatus.set(status, found);
    }
    return found;
  }
}

/**
 * Gives each request its id (a sane incoming X-Request-Id, else a new one) and, once it is
 * answered, writes the one access line and adds to the duration histogram. The line holds the
 * method, the route's pattern (the path itself may hold an ephemeral id, a code or a link
 * token), the status, the duration and the id: no header, no query, no body. The platform
 * glue (observability.ts) calls it.
 */
export class RequestObserver {
  /** Where the access lines go: the logger's own destination, or nowhere below `info`. */
  private readonly out: DestinationStream | null;
  /** Access lines not written yet: written by the 64 KiB (a write costs a thread hop), or after a second at the latest. */
  private pending = '';
  private readonly flush = (): void => {
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.out?.write(text);
  };
  /** The ISO time of the last line, reused within the same millisecond. */
  private lastMs = -1;
  private lastIso = '';
  private lastSecond = -1;
  private secondPrefix = '';
  private readonly routes = new Map<string, ObservedRoute>();
  /** Requests no route matched: a bounded label, never the path someone sent. */
  readonly unmatched: ObservedRoute;

  constructor(
    log: PinoLogger,
    private readonly histogram: HttpHistogram,
  ) {
    this.unmatched = new ObservedRoute('unmatched', histogram);
    this.out = log.isLevelEnabled('info')
      ? ((log as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym] ?? null)
      : null;
    if (this.out) {
      setInterval(this.flush, FLUSH_MS).unref();
      atExit(this);
    }
  }

  /** The request's id; every later reader (error bodies, audit rows) finds it in the header. */
  assignId(req: IncomingMessage): string {
    const id = saneRequestId(req.headers[REQUEST_ID_HEADER]) ?? nextRequestId();
    req.headers[REQUEST_ID_HEADER] = id;
    return id;
  }

  route(pattern: string): ObservedRoute {
    let found = this.routes.get(pattern);
    if (!found) {
      found = new ObservedRoute(pattern, this.histogram);
      this.routes.set(pattern, found);
    }
    return found;
  }

  /** A request answered (or given up: 499), `ms` after it arrived. */
  finished(id: string, method: string, route: ObservedRoute, status: number, ms: number): void {
    const outcome = route.outcome(method, status);
    outcome.series.observe(ms / 1000);
    if (!this.out) return;
    // Written as pino would write it, without its generic serializer (the access line is the
    // one written per request): every field is known and safe as is, the route quoted.
    this.pending += `{"level":"info","time":"${this.isoNow()}","requestId":"${id}"${outcome.line}${Math.round(ms * 10) / 10},"msg":"request"}\n`;
    if (this.pending.length >= BATCH_CHARS) this.flush();
  }

  /** What is still held is written now (the process is exiting: synchronously if possible). */
  flushNow(): void {
    this.flush();
    try {
      (this.out as { flushSync?: () => void } | null)?.flushSync?.();
    } catch {
      // a write is in flight: pino's own exit handler finishes it
    }
  }

  /** `Date#toISOString()` once a second (it showed in profiles), the milliseconds appended. */
  private isoNow(): string {
    const now = Date.now();
    if (now !== this.lastMs) {
      this.lastMs = now;
      const ms = now % 1000;
      if (now - ms !== this.lastSecond) {
        this.lastSecond = now - ms;
        this.secondPrefix = new Date(this.lastSecond).toISOString().slice(0, 20);
      }
      this.lastIso = `${this.secondPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
    }
    return this.lastIso;
  }
}

/** One exit handler for every observer of the process (tests build many apps). */
const observers = new Set<WeakRef<RequestObserver>>();
function atExit(observer: RequestObserver): void {
  if (observers.size === 0) {
    process.once('exit', () => {
      for (const ref of observers) ref.deref()?.flushNow();
    });
  }
  observers.add(new WeakRef(observer));
}
