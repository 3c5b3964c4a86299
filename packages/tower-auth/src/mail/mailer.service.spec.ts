import { describe, expect, it } from '@jest/globals';
import os from 'node:os';
import { loadTowerConfigOrThrow } from '../config/config.loader.js';
import { smtpOptions } from './mailer.service.js';

const SECRET = 'a-jwt-secret-that-is-long-enough-0123456789';

function options(env: Record<string, string>): ReturnType<typeof smtpOptions> {
  const config = loadTowerConfigOrThrow({
    env: { TOWER_JWT_SECRET: SECRET, TOWER_SMTP_HOST: 'smtp.example.com', ...env },
    cwd: os.tmpdir(),
  });
  return smtpOptions(config);
}

describe('smtpOptions', () => {
  it('defaults: port 587, STARTTLS whenever the server offers it, no credentials', () => {
    expect(options({})).toMatchObject({
      host: 'smtp.example.com',
      port: 587,
      secure: false,
      ignoreTLS: false,
      requireTLS: false,
      auth: undefined,
      tls: undefined,
    });
  });

  it('port 465, or mail.smtp.ssl.enable on any port, is TLS from the first byte', () => {
    expect(options({ TOWER_SMTP_PORT: '465' })).toMatchObject({ port: 465, secure: true });
    expect(options({ TOWER_SMTP_PORT: '465', TOWER_SMTP_STARTTLS_ENABLED: 'false' })).toMatchObject(
      { secure: true },
    );
    expect(options({ TOWER_SMTP_PORT: '2465', TOWER_SMTP_SSL_ENABLED: 'true' })).toMatchObject({
      port: 2465,
      secure: true,
    });
  });

  it('sends credentials only when auth is on and a user is set', () => {
    const env = { TOWER_SMTP_USER: 'u', TOWER_SMTP_PASSWORD: 'p' };
    expect(options(env).auth).toEqual({ user: 'u', pass: 'p' });
    expect(options({ ...env, TOWER_SMTP_AUTH: 'false' }).auth).toBeUndefined();
    expect(options({ TOWER_SMTP_PASSWORD: 'p' }).auth).toBeUndefined();
  });

  it('STARTTLS enabled upgrades when offered; required refuses to go without; false never upgrades', () => {
    expect(options({ TOWER_SMTP_STARTTLS_ENABLED: 'true' })).toMatchObject({
      ignoreTLS: false,
      requireTLS: false,
    });
    expect(options({ TOWER_SMTP_STARTTLS_REQUIRED: 'true' })).toMatchObject({
      ignoreTLS: false,
      requireTLS: true,
    });
    expect(options({ TOWER_SMTP_STARTTLS_ENABLED: 'false' })).toMatchObject({
      ignoreTLS: true,
      requireTLS: false,
    });
    // Required wins over a contradictory enable=false: never a silent fallback to clear text.
    expect(
      options({ TOWER_SMTP_STARTTLS_ENABLED: 'false', TOWER_SMTP_STARTTLS_REQUIRED: 'true' }),
    ).toMatchObject({ ignoreTLS: false, requireTLS: true });
  });

  it('names the CA file it cannot read, and never turns certificate checks off', () => {
    expect(() => options({ TOWER_SMTP_CA_FILE: '/no/such/ca.pem' })).toThrow(
      'TOWER_SMTP_CA_FILE /no/such/ca.pem cannot be read (ENOENT)',
    );
    expect(JSON.stringify(options({}))).not.toContain('rejectUnauthorized');
  });
});
