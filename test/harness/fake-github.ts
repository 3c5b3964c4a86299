import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
  visibility?: 'public' | 'private' | null;
}

export interface GithubUser {
  id: number;
  login: string;
  name: string | null;
  /** The public profile e-mail; null when the user keeps it private. */
  email: string | null;
  avatar_url: string;
  emails: GithubEmail[];
}

interface PendingCode {
  user: GithubUser;
  challenge: string;
  redirectUri: string;
}

/**
 * A small stand-in for GitHub (no real one can run here): the OAuth app endpoints
 * (`/login/oauth/authorize`, `/login/oauth/access_token`) and the REST API (`/api/v3/user`,
 * `/api/v3/user/emails`), at a base URL shaped like a GitHub Enterprise Server. It behaves like
 * GitHub where a client could get it wrong: PKCE S256 checked, single-use codes, token errors
 * answered 200 with an `error` field, JSON only with `Accept: application/json`, the API
 * refusing requests without a User-Agent.
 */
export class FakeGithub {
  readonly clientId = 'gh-client-id';
  readonly clientSecret = randomBytes(20).toString('hex');
  /** Who signs in at the next authorization; set by the test. */
  user: GithubUser | null = null;
  /** The user presses "Cancel" on the authorization page. */
  deny = false;
  /** Every request, as `METHOD /path?query`, with its headers. */
  readonly requests: { line: string; headers: IncomingMessage['headers'] }[] = [];
  private readonly codes = new Map<string, PendingCode>();
  private readonly tokens = new Map<string, GithubUser>();
  private nextId = 1000;

  private constructor(
    private readonly server: Server,
    /** The server URL (TOWER_GITHUB_SERVER_URL). */
    readonly url: string,
    private readonly basePath: string,
    private readonly redirectUri: string,
  ) {}

  static async start(options: { basePath?: string; redirectUri: string }): Promise<FakeGithub> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const base = options.basePath ?? '';
    const fake = new FakeGithub(
      server,
      `http://127.0.0.1:${port}${base}`,
      base,
      options.redirectUri,
    );
    server.on('request', (req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    return fake;
  }

  /** A GitHub user with these e-mails (the first is primary unless said otherwise). */
  newUser(emails: GithubEmail[], fields: Partial<GithubUser> = {}): GithubUser {
    const id = ++this.nextId;
    return {
      id,
      login: `octo-${id}`,
      name: 'Mona Lisa Octocat',
      email: null,
      avatar_url: `https://avatars.example.com/u/${id}`,
      emails,
      ...fields,
    };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push({ line: `${req.method} ${req.url}`, headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://github.test');
    const path = url.pathname.startsWith(this.basePath)
      ? url.pathname.slice(this.basePath.length)
      : '';
    if (req.method === 'GET' && path === '/login/oauth/authorize') return this.authorize(url, res);
    if (req.method === 'POST' && path === '/login/oauth/access_token') {
      return this.accessToken(req, res);
    }
    if (req.method === 'GET' && (path === '/api/v3/user' || path === '/api/v3/user/emails')) {
      return this.api(req, res, path);
    }
    send(res, 404, { message: 'Not Found' });
  }

  private authorize(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri') ?? '';
    if (q.get('client_id') !== this.clientId || redirectUri !== this.redirectUri) {
      send(res, 400, { message: 'The redirect_uri MUST match the registered callback URL' });
      return;
    }
    const target = new URL(redirectUri);
    target.searchParams.set('state', q.get('state') ?? '');
    if (this.deny || !this.user) {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user has denied your application access.');
    } else {
      const code = randomBytes(10).toString('hex');
      this.codes.set(code, {
        user: this.user,
        challenge: q.get('code_challenge_method') === 'S256' ? (q.get('code_challenge') ?? '') : '',
        redirectUri,
      });
      target.searchParams.set('code', code);
    }
    res.statusCode = 302;
    res.setHeader('location', target.href);
    res.end();
  }

  private async accessToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const code = form.get('code') ?? '';
    const pending = this.codes.get(code);
    this.codes.delete(code);
    const verifier = form.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const valid =
      pending !== undefined &&
      form.get('client_id') === this.clientId &&
      form.get('client_secret') === this.clientSecret &&
      form.get('redirect_uri') === pending.redirectUri &&
      pending.challenge !== '' &&
      challenge === pending.challenge;
    const json = /application\/json/.test(req.headers.accept ?? '');
    if (!valid) {
      // GitHub answers a bad code with 200 and an error body.
      const body = {
        error: 'bad_verification_code',
        error_description: 'The code passed is incorrect or expired.',
      };
      sendToken(res, json, body);
      return;
    }
    const user = pending.user;
    const token = `gho_${randomBytes(16).toString('hex')}`;
    this.tokens.set(token, user);
    sendToken(res, json, {
      access_token: token,
      token_type: 'bearer',
      scope: 'read:user,user:email',
    });
  }

  private api(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (!req.headers['user-agent']) {
      send(res, 403, {
        message:
          'Request forbidden by administrative rules. Please make sure your request has a User-Agent header',
      });
      return;
    }
    const match = /^(?:Bearer|token) (\S+)$/i.exec(req.headers.authorization ?? '');
    const user = match ? this.tokens.get(match[1]) : undefined;
    if (!user) {
      send(res, 401, { message: 'Bad credentials' });
      return;
    }
    if (path === '/api/v3/user/emails') {
      send(
        res,
        200,
        user.emails.map((e) => ({ visibility: null, ...e })),
      );
      return;
    }
    send(res, 200, {
      id: user.id,
      login: user.login,
      name: user.name,
      email: user.email,
      avatar_url: user.avatar_url,
    });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

function sendToken(res: ServerResponse, json: boolean, body: Record<string, string>): void {
  if (json) {
    send(res, 200, body);
    return;
  }
  res.setHeader('content-type', 'application/x-www-form-urlencoded; charset=utf-8');
  res.end(new URLSearchParams(body).toString());
}
