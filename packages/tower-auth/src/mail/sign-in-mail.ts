import { describeDuration, escapeHtml } from '../pages/html.js';

/** One e-mail as the outbox stores it (sealed) and the mailer sends it. */
export interface OutboundMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The sign-in link, kept for the development-mode log line only. */
  readonly link: string;
}

export interface SignInMailFields {
  readonly appName: string;
  readonly serverUrl: string;
  readonly to: string;
  readonly userId: string;
  readonly token: string;
  /** Seconds the link stays valid. */
  readonly validity: number;
}

/** `${serverUrl}/auth?uid=<uid>&token=<token>`: opens a confirmation page, never signs in by itself. */
export function signInLink(serverUrl: string, userId: string, token: string): string {
  return `${serverUrl}/auth?uid=${encodeURIComponent(userId)}&token=${encodeURIComponent(token)}`;
}

/** The magic-link e-mail: subject `<appName> Sign in`, plain text and HTML. */
export function signInMail(fields: SignInMailFields): OutboundMail {
  const link = signInLink(fields.serverUrl, fields.userId, fields.token);
  const validity = describeDuration(fields.validity);
  const app = fields.appName;
  const text = [
    'Hello,',
    '',
    `Use this link to sign in to ${app}:`,
    '',
    link,
    '',
    `The link is valid for ${validity} and can be used once.`,
    '',
    `If you did not request this e-mail, you can safely ignore it: nobody can sign in without the link.`,
    '',
    `— ${app}`,
    '',
  ].join('\n');
  const html = `<!doctype html>
<html lang="en"><body style="font-family: sans-serif; color: #222; line-height: 1.5">
<p>Hello,</p>
<p>Use this link to sign in to ${escapeHtml(app)}:</p>
<p><a href="${escapeHtml(link)}" style="display: inline-block; padding: 10px 18px; background: #1f6feb; color: #fff; text-decoration: none; border-radius: 6px">Sign in to ${escapeHtml(app)}</a></p>
<p style="font-size: 13px; color: #555">Or copy this address into your browser:<br>${escapeHtml(link)}</p>
<p>The link is valid for ${escapeHtml(validity)} and can be used once.</p>
<p style="font-size: 13px; color: #555">If you did not request this e-mail, you can safely ignore it: nobody can sign in without the link.</p>
</body></html>
`;
  return { to: fields.to, subject: `${app} Sign in`, text, html, link };
}
