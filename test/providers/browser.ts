import type { Server } from 'node:http';
import request from 'supertest';

interface StoredCookie {
  value: string;
  path: string;
}

export interface Page {
  status: number;
  url: string;
  /** Absolute. */
  location: string | null;
  setCookies: string[];
  body: unknown;
}

/**
 * Just enough of a browser for the login tests: a cookie jar per origin (names, paths and
 * Max-Age honoured), manual redirects. Requests to the service's server URL go through
 * supertest to the Nest app's HTTP server; anything else (the OpenID provider, the fake
 * GitHub) goes over the network with fetch.
 */
export class Browser {
  private readonly jar = new Map<string, Map<string, StoredCookie>>();

  constructor(private readonly app: { server: Server; serverUrl: string }) {}

  /** The cookie value this browser holds for `name` at `url`'s origin. */
  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).origin)?.get(name)?.value;
  }

  setCookie(url: string, name: string, value: string, path = '/'): void {
    this.cookiesOf(new URL(url).origin).set(name, { value, path });
  }

  deleteCookie(url: string, name: string): void {
    this.jar.get(new URL(url).origin)?.delete(name);
  }

  get(url: string): Promise<Page> {
    return this.send('GET', url);
  }

  /** `headers`: what a real browser would add (Origin, Sec-Fetch-Site), to the service only. */
  post(
    url: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    return this.send('POST', url, form, headers);
  }

  async send(
    method: 'GET' | 'POST',
    url: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    const target = new URL(url);
    const cookie = this.cookieHeader(target);
    if (url.startsWith(`${this.app.serverUrl}/`)) {
      let req = request(this.app.server)
        [method === 'GET' ? 'get' : 'post'](`${target.pathname}${target.search}`)
        .set(headers);
      if (cookie) req = req.set('Cookie', cookie);
      const res = form ? await req.type('form').send(form) : await req;
      const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
      return this.page(target, res.status, res.headers.location, setCookies, res.body);
    }
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    const location = res.headers.get('location') ?? undefined;
    return this.page(target, res.status, location, res.headers.getSetCookie(), body);
  }

  private page(
    target: URL,
    status: number,
    location: string | undefined,
    setCookies: string[],
    body: unknown,
  ): Page {
    this.store(target, setCookies);
    return {
      status,
      url: target.href,
      location: location ? new URL(location, target).href : null,
      setCookies,
      body,
    };
  }

  private cookiesOf(origin: string): Map<string, StoredCookie> {
    let cookies = this.jar.get(origin);
    if (!cookies) {
      cookies = new Map();
      this.jar.set(origin, cookies);
    }
    return cookies;
  }

  private store(target: URL, setCookies: string[]): void {
    const cookies = this.cookiesOf(target.origin);
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = (key: string): string | undefined =>
        attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const maxAge = attr('max-age');
      const expires = attr('expires');
      const gone =
        (maxAge !== undefined && Number(maxAge) <= 0) ||
        (expires !== undefined && Date.parse(expires) < Date.now());
      if (gone) cookies.delete(name);
      else cookies.set(name, { value, path: attr('path') ?? defaultPath(target.pathname) });
    }
  }

  private cookieHeader(target: URL): string {
    const cookies = this.jar.get(target.origin);
    if (!cookies) return '';
    return [...cookies]
      .filter(
        ([, c]) => target.pathname === c.path || target.pathname.startsWith(withSlash(c.path)),
      )
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }
}

function withSlash(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

function defaultPath(pathname: string): string {
  const slash = pathname.lastIndexOf('/');
  return slash <= 0 ? '/' : pathname.slice(0, slash);
}
