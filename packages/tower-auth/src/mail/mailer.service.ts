import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { TOWER_CONFIG, type TowerConfig } from '../config/tower-config.types.js';
import { maskEmail } from '../users/email.js';
import type { OutboundMail } from './sign-in-mail.js';

const logger = new Logger('Mail');

/** Bounds of one SMTP conversation; the outbox lease is longer than all of them together. */
export const SMTP_TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 20_000,
} as const;

/**
 * Hands e-mails to the SMTP server with nodemailer, configured from every `TOWER_SMTP_*`
 * setting (docs/configuration.md). In development mode (localhost server URL and no SMTP host) it
 * writes the link to the log instead, on one line marked as development only.
 */
@Injectable()
export class MailerService implements OnApplicationShutdown {
  /** Null in development mode. */
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo> | null;
  private readonly from: string;

  constructor(@Inject(TOWER_CONFIG) private readonly config: TowerConfig) {
    this.transport = config.smtp.host === null ? null : createTransport(smtpOptions(config));
    this.from = config.contactEmail ?? `noreply@${new URL(config.serverUrl).hostname}`;
    if (this.transport && config.contactEmail === null) {
      logger.warn(`TOWER_CONTACT_EMAIL is not set: sign-in e-mails are sent from ${this.from}`);
    }
  }

  /** An SMTP host is configured, or development mode logs the links. */
  get canSend(): boolean {
    return this.transport !== null || this.logsLinks;
  }

  /** Development mode (localhost server URL, no SMTP host): links go to the log. */
  get logsLinks(): boolean {
    return this.transport === null && this.config.serverUrlIsLocal;
  }

  /** Resolves once the server accepted the message; rejects with the SMTP error otherwise. */
  async send(mail: OutboundMail, signal?: AbortSignal): Promise<void> {
    if (this.transport === null) {
      if (!this.logsLinks) throw new Error('no SMTP host is configured (TOWER_SMTP_HOST)');
      logger.warn(
        `DEVELOPMENT ONLY (no TOWER_SMTP_HOST): sign-in link for ${maskEmail(mail.to)}: ${mail.link}`,
      );
      return;
    }
    await this.transport.sendMail({
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: { 'Auto-Submitted': 'auto-generated' },
      signal,
    });
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}

/**
 * nodemailer's options for the configured server; certificates are always verified. TLS from
 * the first byte on 465 (or with mail.smtp.ssl.enable); otherwise STARTTLS whenever the server
 * offers it, and mandatory when required. Only an explicit starttls.enable=false stays in clear.
 */
export function smtpOptions(config: TowerConfig): SMTPTransport.Options {
  const { smtp } = config;
  return {
    host: smtp.host ?? undefined,
    port: smtp.port,
    secure: smtp.port === 465 || smtp.sslEnabled,
    requireTLS: smtp.starttlsRequired,
    ignoreTLS: !smtp.starttlsEnabled && !smtp.starttlsRequired,
    auth: smtp.auth && smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
    tls: smtp.caFile ? { ca: readCa(smtp.caFile) } : undefined,
    ...SMTP_TIMEOUTS,
    logger: false,
  };
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`TOWER_SMTP_CA_FILE ${path} cannot be read (${code})`, { cause: error });
  }
}
