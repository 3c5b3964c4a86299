import type { AuditEvent } from '../audit/audit.service.js';

export type RefreshResult =
  'rotated' | 'grace' | 'reuse_detected' | 'expired' | 'revoked' | 'user_inactive' | 'invalid';
export type GuardRefusal =
  | 'missing'
  | 'invalid'
  | 'expired'
  | 'revoked'
  | 'cross_site'
  | 'root_only'
  | 'session_only'
  | 'other';
export type MagicLinkEvent = 'requested' | 'refused' | 'rate_limited' | 'sent' | 'failed';
export type EphemeralEvent = 'created' | 'consumed' | 'refused';
export type ListenerEvent = 'lost' | 'reconnected';

/**
 * What the module counts, for a host to export (the service wires it to prom-client). Every
 * label value passed here comes from a small fixed set: never an e-mail, an id or a path.
 * Methods are called on the request path: an implementation must only bump counters.
 */
export interface AuthMetrics {
  login(provider: string, result: string): void;
  refresh(result: RefreshResult): void;
  revocation(reason: string, count: number): void;
  guardRefusal(reason: GuardRefusal): void;
  magicLink(event: MagicLinkEvent): void;
  ephemeral(event: EphemeralEvent): void;
  purge(counts: Readonly<Record<string, number>>, durationMs: number): void;
  revocationListener(event: ListenerEvent): void;
}

/** Injection token of the module's AuthMetrics; the default counts nothing. */
export const AUTH_METRICS = Symbol('AUTH_METRICS');

const ignore = (): void => undefined;
export const NO_METRICS: AuthMetrics = {
  login: ignore,
  refresh: ignore,
  revocation: ignore,
  guardRefusal: ignore,
  magicLink: ignore,
  ephemeral: ignore,
  purge: ignore,
  revocationListener: ignore,
};

const LABEL = /^[a-z][a-z0-9_]{0,39}$/;

/** A code or reason as a label value: the known shape, else `other`. */
export function boundedLabel(value: unknown): string {
  return typeof value === 'string' && LABEL.test(value) ? value : 'other';
}

/**
 * Most countable events are audited already: the audit trail feeds the counters, so a new
 * audited event path is counted without another call site.
 */
export function countAudited(metrics: AuthMetrics, event: AuditEvent): void {
  const detail = event.detail ?? {};
  switch (event.type) {
    case 'login_success':
      return metrics.login(boundedLabel(event.provider), 'success');
    case 'login_failure':
      return metrics.login(boundedLabel(event.provider), boundedLabel(detail.code ?? 'refused'));
    case 'refresh':
      return metrics.refresh('rotated');
    case 'refresh_token_reused':
      metrics.refresh('reuse_detected');
      return metrics.revocation('refresh_token_reused', 1);
    case 'logout':
      return metrics.revocation('logout', 1);
    case 'session_revoked':
      return metrics.revocation(
        boundedLabel(detail.reason),
        typeof detail.count === 'number' ? detail.count : 1,
      );
    case 'magic_link_requested':
      return metrics.magicLink('requested');
    case 'magic_link_refused':
      return metrics.magicLink('refused');
    case 'magic_link_rate_limited':
      return metrics.magicLink('rate_limited');
    case 'mail_sent':
      return metrics.magicLink('sent');
    case 'mail_failed':
      return metrics.magicLink('failed');
    case 'ephemeral_created':
      return metrics.ephemeral('created');
    default:
      return undefined;
  }
}
