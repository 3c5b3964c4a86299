import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** One message the server accepted, parsed as a mail client would show it. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: Map<string, unknown>;
  /** How the client talked to the server. */
  readonly session: { readonly secure: boolean; readonly user: string | null };
}

export interface TestSmtpOptions {
  /** A fixed port (e.g. one reserved while the server was "down"); default any free port. */
  readonly port?: number;
  /** Require AUTH with these credentials (PLAIN or LOGIN). */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Offer STARTTLS with this certificate and refuse AUTH and MAIL FROM before it. */
  readonly starttls?: TestCertificate;
  /** With `starttls`: still accept AUTH and mail on a session that did not upgrade. */
  readonly plaintextAllowed?: boolean;
  /** TLS from the first byte (SMTPS, what port 465 speaks) with this certificate. */
  readonly implicitTls?: TestCertificate;
  /** Milliseconds the server takes to accept each message (after the data arrived). */
  readonly delayMs?: number;
}

export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
  /** The certificate as a PEM file: what TOWER_SMTP_CA_FILE points at. */
  readonly caFile: string;
  remove(): void;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that collects messages parsed with mailparser.
 * It can require AUTH and STARTTLS (or speak TLS from the first byte), be slowed down, and be
 * stopped and restarted on its port.
 */
export class TestSmtpServer {
  readonly messages: ReceivedMail[] = [];
  /** Failed AUTH attempts the server saw (proves the client's credentials reached it). */
  authFailures = 0;
  /** Every AUTH the server saw, and whether its session was encrypted at that point. */
  readonly authAttempts: { readonly secure: boolean }[] = [];
  delayMs: number;
  /** While true, every message is refused with a temporary error (451), as a sick relay does. */
  refusing = false;
  /** Messages refused while `refusing` was on. */
  refused = 0;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    options: TestSmtpOptions,
  ) {
    this.delayMs = options.delayMs ?? 0;
  }

  static async start(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
    let self: TestSmtpServer | null = null;
    const tls = options.starttls;
    const implicit = options.implicitTls;
    const mustUpgrade = tls !== undefined && !options.plaintextAllowed;
    const server = new SMTPServer({
      logger: false,
      disableReverseLookup: true,
      closeTimeout: 200,
      secure: implicit !== undefined,
      ...(implicit
        ? { key: implicit.key, cert: implicit.cert, disabledCommands: ['STARTTLS'] }
        : tls
          ? { key: tls.key, cert: tls.cert }
          : { disabledCommands: ['STARTTLS'] }),
      authOptional: !options.auth,
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: !mustUpgrade,
      onAuth(auth, session, callback) {
        self?.authAttempts.push({ secure: session.secure });
        const ok =
          options.auth !== undefined &&
          auth.username === options.auth.user &&
          auth.password === options.auth.pass;
        if (ok) return callback(null, { user: auth.username });
        if (self) self.authFailures += 1;
        return callback(new Error('Invalid username or password'));
      },
      onMailFrom(_address, session, callback) {
        if (mustUpgrade && !session.secure)
          return callback(new Error('Must issue a STARTTLS command first'));
        if (self?.refusing) {
          self.refused += 1;
          const error = Object.assign(new Error('Service temporarily unavailable'), {
            responseCode: 451,
          });
          return callback(error);
        }
        return callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const delay = self?.delayMs ?? 0;
          setTimeout(() => {
            self?.accept(Buffer.concat(chunks), session).then(() => callback(), callback);
          }, delay).unref();
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        resolve((server.server.address() as AddressInfo).port);
      });
    });
    self = new TestSmtpServer(server, port, options);
    return self;
  }

  /** Resolves once `count` messages have arrived (in total); rejects after `timeoutMs`. */
  async waitForMessages(count: number, timeoutMs = 15_000): Promise<ReceivedMail[]> {
    await this.waitUntil(() => this.messages.length >= count, timeoutMs, `${count} e-mail(s)`);
    return this.messages.slice(0, count);
  }

  /** The `count`-th message to `address` (1 = the first), once it has arrived. */
  async waitForMailTo(address: string, count = 1, timeoutMs = 15_000): Promise<ReceivedMail> {
    const to = (): ReceivedMail[] => this.messages.filter((m) => m.to.includes(address));
    await this.waitUntil(() => to().length >= count, timeoutMs, `e-mail ${count} to ${address}`);
    return to()[count - 1];
  }

  private async waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`expected ${what}; received ${this.messages.length} e-mail(s) in all`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async accept(raw: Buffer, session: SMTPServerSession): Promise<void> {
    const parsed = await simpleParser(raw);
    const to = [parsed.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''));
    this.messages.push({
      from: parsed.from?.value[0]?.address ?? '',
      to,
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      headers: parsed.headers,
      session: { secure: session.secure, user: (session.user as string | undefined) ?? null },
    });
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** A port nothing listens on right now (for an SMTP server that is "down", started later). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl. */
export function selfSignedCertificate(): TestCertificate {
  const dir = mkdtempSync(join(os.tmpdir(), 'tower-smtp-cert-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
      ...['-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ],
    { stdio: 'ignore' },
  );
  return {
    key: readFileSync(key, 'utf8'),
    cert: readFileSync(cert, 'utf8'),
    caFile: cert,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The sign-in link of a magic-link e-mail, from its plain-text part. */
export function linkFrom(mail: ReceivedMail): { url: URL; uid: string; token: string } {
  const match = /https?:\/\/\S+\/auth\?uid=\S+/.exec(mail.text);
  if (!match) throw new Error(`no sign-in link in: ${mail.text}`);
  const url = new URL(match[0]);
  return {
    url,
    uid: url.searchParams.get('uid') ?? '',
    token: url.searchParams.get('token') ?? '',
  };
}
