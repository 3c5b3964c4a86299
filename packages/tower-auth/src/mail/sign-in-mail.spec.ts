import { describe, expect, it } from '@jest/globals';
import { redact } from './outbox-worker.service.js';
import { signInMail } from './sign-in-mail.js';

const TOKEN = 'A'.repeat(43);

describe('signInMail', () => {
  const mail = signInMail({
    appName: 'Acme <Labs>',
    serverUrl: 'https://tower.example.com',
    to: 'ada@example.com',
    userId: '42',
    token: TOKEN,
    validity: 1800,
  });

  it('has the subject, the link, its validity and the ignore-it line in both parts', () => {
    expect(mail.subject).toBe('Acme <Labs> Sign in');
    expect(mail.link).toBe(`https://tower.example.com/auth?uid=42&token=${TOKEN}`);
    expect(mail.text).toContain(mail.link);
    expect(mail.text).toContain('valid for 30 minutes');
    expect(mail.text).toContain('If you did not request this e-mail');
    expect(mail.html).toContain(`href="https://tower.example.com/auth?uid=42&amp;token=${TOKEN}"`);
    expect(mail.html).toContain('If you did not request this e-mail');
  });

  it('escapes the application name in the HTML part', () => {
    expect(mail.html).toContain('Acme &lt;Labs&gt;');
    expect(mail.html).not.toContain('<Labs>');
  });
});

describe('redact', () => {
  it('keeps the link and token of the mail out of an error message', () => {
    const mail = signInMail({
      appName: 'A',
      serverUrl: 'https://t.example.com',
      to: 'a@example.com',
      userId: '1',
      token: TOKEN,
      validity: 60,
    });
    const message = redact(`550 rejected: ${mail.link} and token=${TOKEN}\r\nmore`, mail);
    expect(message).not.toContain(TOKEN);
    expect(message).toBe('550 rejected: [link] and token=[redacted] more');
    expect(redact('x'.repeat(1000), mail)).toHaveLength(300);
  });
});
