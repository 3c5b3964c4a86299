import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { describeError } from '../common/describe-error.js';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { maskEmail } from '../users/email.js';
import { MailOutboxRepository, type ClaimedMail } from './mail-outbox.repository.js';
import { MailerService } from './mailer.service.js';
import { KeyRing } from '../tokens/key-ring.js';
import type { OutboxCipher } from './outbox-cipher.js';
import type { OutboundMail } from './sign-in-mail.js';

/** What a row's sealed payload holds. */
export interface OutboxPayload {
  readonly mail: OutboundMail;
  /** For the audit log. */
  readonly userId: string | null;
}

/** Sends at most this many e-mails at once per instance. */
const MAX_IN_FLIGHT = 8;
/** One send is abandoned after this long; the lease outlasts it, so no other worker overlaps. */
const SEND_TIMEOUT_MS = 60_000;
const LEASE_SECONDS = 120;
/** Back-off doubles from the configured retry delay up to this. */
const MAX_BACKOFF_SECONDS = 3600;
/** On shutdown, sends in flight get this long to finish; the rest keep their lease. */
const DRAIN_TIMEOUT_MS = 5_000;
const MAX_ERROR_LENGTH = 300;

const logger = new Logger('MailOutbox');

/**
 * Delivers mail_outbox rows. Wakes at once when this instance enqueues a mail, and polls every
 * `pollInterval` for the rest (retries, rows of instances that stopped). Rows are claimed with
 * FOR UPDATE SKIP LOCKED and a lease, so several instances never send the same row twice; a
 * failure is retried with exponential back-off until `maxAttempts`, then the row is marked
 * failed (audit `mail_failed`). Nothing here throws into the process: every error is logged.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly cipher: OutboxCipher;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private claiming: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(
    private readonly outbox: MailOutboxRepository,
    private readonly mailer: MailerService,
    private readonly audit: AuditService,
    @Inject(TOWER_CONFIG) private readonly config: TowerConfig,
    keys: KeyRing,
  ) {
    this.cipher = keys.outbox;
  }

  onApplicationBootstrap(): void {
    // No SMTP host outside development: rows wait, untouched, until one is configured.
    if (!this.mailer.canSend) return;
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.config.auth.outbox.pollInterval * 1000);
    this.timer.unref();
    this.wake();
  }

  /** Look for due rows now (a mail was just enqueued, or a send slot came free). */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.fill().finally(() => {
      this.claiming = null;
    });
  }

  /** Stops claiming; sends in flight get DRAIN_TIMEOUT_MS, then are abandoned with their lease. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.claiming;
    const drained = Promise.allSettled([...this.inFlight]);
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), DRAIN_TIMEOUT_MS).unref(),
    );
    if ((await Promise.race([drained, timeout])) === 'timeout') {
      this.shutdown.abort();
      await drained;
    }
  }

  private async fill(): Promise<void> {
    try {
      do {
        this.again = false;
        const free = MAX_IN_FLIGHT - this.inFlight.size;
        if (free <= 0) return; // a finishing send wakes the worker again
        const claimed = await this.outbox.claimDue(LEASE_SECONDS, free);
        for (const mail of claimed) this.track(this.deliver(mail));
        if (claimed.length === free) this.again = true;
      } while (this.again && !this.stopped);
    } catch (error) {
      logger.warn(`Could not claim e-mails to send: ${describeError(error)}`);
    }
  }

  private track(delivery: Promise<void>): void {
    const tracked = delivery
      .catch((error: unknown) => logger.error(`E-mail delivery failed: ${describeError(error)}`))
      .finally(() => {
        this.inFlight.delete(tracked);
        this.wake();
      });
    this.inFlight.add(tracked);
  }

  private async deliver(row: ClaimedMail): Promise<void> {
    let payload: OutboxPayload;
    try {
      payload = JSON.parse(this.cipher.open(row.payload, row.recipient)) as OutboxPayload;
    } catch {
      // Sealed under another secret (TOWER_JWT_SECRET changed) or damaged: it can never be sent.
      await this.settleFailed(
        row,
        null,
        'the payload cannot be decrypted (TOWER_JWT_SECRET changed?)',
      );
      return;
    }
    try {
      const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]);
      await this.mailer.send(payload.mail, signal);
    } catch (error) {
      if (this.shutdown.signal.aborted) {
        // The server may have taken it anyway: keep the lease rather than retry at once.
        logger.warn(`E-mail ${row.id} abandoned at shutdown; retried when its lease ends`);
        return;
      }
      await this.settleError(row, payload, redact(describeError(error), payload.mail));
      return;
    }
    try {
      await this.outbox.markSent(row);
      this.audit.record({
        type: 'mail_sent',
        userId: payload.userId,
        detail: { outboxId: row.id },
      });
    } catch (error) {
      logger.error(
        `E-mail ${row.id} was sent but could not be marked sent: ${describeError(error)}`,
      );
    }
  }

  private async settleError(
    row: ClaimedMail,
    payload: OutboxPayload,
    reason: string,
  ): Promise<void> {
    const { maxAttempts, retryDelay } = this.config.auth.outbox;
    const to = maskEmail(row.recipient);
    if (row.attempts >= maxAttempts) {
      await this.settleFailed(row, payload.userId, reason);
      return;
    }
    const delay = Math.min(retryDelay * 2 ** (row.attempts - 1), MAX_BACKOFF_SECONDS);
    logger.warn(
      `E-mail ${row.id} to ${to} failed (attempt ${row.attempts} of ${maxAttempts}), retrying in ${delay} s: ${reason}`,
    );
    try {
      await this.outbox.reschedule(row, delay, reason);
    } catch (error) {
      // The lease ends on its own and the row is retried then.
      logger.warn(`Could not reschedule e-mail ${row.id}: ${describeError(error)}`);
    }
  }

  private async settleFailed(
    row: ClaimedMail,
    userId: string | null,
    reason: string,
  ): Promise<void> {
    logger.error(
      `E-mail ${row.id} to ${maskEmail(row.recipient)} failed after ${row.attempts} attempt(s), giving up: ${reason}`,
    );
    try {
      if (await this.outbox.markFailed(row, reason)) {
        this.audit.record({
          type: 'mail_failed',
          userId,
          detail: { outboxId: row.id, attempts: row.attempts, error: reason },
        });
      }
    } catch (error) {
      logger.warn(`Could not mark e-mail ${row.id} failed: ${describeError(error)}`);
    }
  }
}

/** An SMTP error may quote what it refused: never let the link or its token into a log or row. */
export function redact(message: string, mail: OutboundMail): string {
  return (
    message
      .split(mail.link)
      .join('[link]')
      .replace(/token=[^\s&"'<>]+/g, 'token=[redacted]')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .slice(0, MAX_ERROR_LENGTH)
  );
}
