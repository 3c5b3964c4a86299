import { describe, expect, it } from '@jest/globals';
import { isApiAliasPath } from './routes.js';

describe('isApiAliasPath', () => {
  it.each([
    ['/api/ephemeral', '', true],
    ['/ephemeral', '', false],
    ['/apix/ephemeral', '', false],
    ['/v1/api/ephemeral?x=1', '/v1', true],
    ['/v1/ephemeral', '/v1', false],
    // A proxy that strips the server URL's path hands over what follows it.
    ['/api/ephemeral', '/v1', true],
    ['/v1x/api/ephemeral', '/v1', false],
    ['/api/api/ephemeral', '/api', true],
    ['/api/ephemeral', '/api', false],
  ])('%s under base path %j: %s', (path, serverPath, expected) => {
    expect(isApiAliasPath(path, serverPath)).toBe(expected);
  });
});
