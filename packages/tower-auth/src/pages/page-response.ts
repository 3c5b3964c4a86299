import type { HttpServer } from '@nestjs/common';
import { randomBytes } from 'node:crypto';

/** A fresh CSP nonce for the page's one inline style element. */
export function styleNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The Content-Security-Policy of a page. Nothing loads from another site; the style is
 * inline under a nonce; forms post only to this server. A page with `scripts` may run only
 * same-origin script files (no inline script, no eval) under Trusted Types, and fetch only
 * from this origin; a page without (the magic-link confirmation, the results) runs none.
 */
export function pagePolicy(nonce: string, serverOrigin: string, scripts: boolean): string {
  const directives = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `form-action 'self' ${serverOrigin}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ];
  if (scripts) {
    directives.push(
      "script-src 'self'",
      "connect-src 'self'",
      "require-trusted-types-for 'script'",
      "trusted-types 'none'",
    );
  }
  return directives.join('; ');
}

/**
 * Answers with a page: never cached (it may show who is signed in), never framed, and no
 * Referer carries more than this origin (its URL may hold a magic-link token). `strict-origin`
 * rather than `no-referrer`: under `no-referrer` a browser sends `Origin: null` with the
 * page's own form posts, which the same-origin check must refuse.
 */
export function sendPage(
  httpAdapter: HttpServer,
  response: unknown,
  html: string,
  policy: string,
): void {
  const headers: Record<string, string> = {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'strict-origin',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': policy,
  };
  for (const [name, value] of Object.entries(headers)) {
    httpAdapter.setHeader(response, name, value);
  }
  httpAdapter.reply(response, html, 200);
}
