import { describeError } from './describe-error.js';

describe('describeError', () => {
  it('names the class, the driver code and the message', () => {
    const error = Object.assign(new Error('duplicate key value'), { code: '23505' });
    expect(describeError(error)).toBe('Error 23505: duplicate key value');
  });

  it('does not repeat a code the message already quotes', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(describeError(error)).toBe('Error: connect ECONNREFUSED 127.0.0.1:5432');
  });

  it('masks a connection string, which may hold a password', () => {
    const error = new TypeError('bad url postgres://app:s3cret@db:5432/tower rejected');
    expect(describeError(error)).toBe('TypeError: bad url postgres://… rejected');
    expect(describeError(error)).not.toContain('s3cret');
  });

  it('reads an error made in another realm by its shape', () => {
    const foreign = { name: 'Error', message: 'connect ECONNREFUSED ::1:25', code: 'ECONNREFUSED' };
    expect(describeError(foreign)).toBe('Error: connect ECONNREFUSED ::1:25');
  });

  it('shows nothing of a thrown value that is not an Error', () => {
    expect(describeError('Bearer eyJhbGciOi.secret')).toBe('unknown error (string)');
    expect(describeError({ token: 'x' })).toBe('unknown error (object)');
  });
});
