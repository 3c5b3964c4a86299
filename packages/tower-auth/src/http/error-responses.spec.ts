import { AuthError } from '../common/auth-error.js';
import { authErrorBody } from './error-responses.js';

describe('authErrorBody', () => {
  it('shows a refused login by its code and a fixed message, never the audit reason', () => {
    const body = authErrorBody(new AuthError('not_allowed', 'the allow list refuses a@b.example'));
    expect(body).toEqual({
      statusCode: 401,
      error: 'not_allowed',
      message: 'This account is not allowed to sign in',
    });
  });

  it("answers the token endpoint's refusals in RFC 6749's shape", () => {
    const body = authErrorBody(new AuthError('invalid_grant', 'The refresh token is invalid'));
    expect(body).toEqual({
      statusCode: 400,
      error: 'invalid_grant',
      error_description: 'The refresh token is invalid',
      message: 'The refresh token is invalid',
    });
  });

  it('gives other codes their status, reason phrase and message', () => {
    expect(authErrorBody(new AuthError('token_name_taken', 'Taken'))).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'Taken',
    });
    expect(authErrorBody(new AuthError('content_too_large', 'Too big')).statusCode).toBe(413);
    expect(authErrorBody(new AuthError('token_expired')).message).toBe('Access token expired');
  });
});
