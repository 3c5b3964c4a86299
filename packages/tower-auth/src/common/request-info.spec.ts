import { describe, expect, it } from '@jest/globals';
import { clientAddress, requestInfo } from './request-info.js';

function req(forwarded?: string | string[], peer = '10.0.0.2') {
  return {
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
    socket: { remoteAddress: peer },
  };
}

describe('clientAddress', () => {
  it('ignores X-Forwarded-For without trusted proxies', () => {
    expect(clientAddress(req('198.51.100.1'), 0)).toBe('10.0.0.2');
  });

  it('takes the entry as many places from the right as there are proxies', () => {
    const header = '6.6.6.6, 198.51.100.1, 10.0.0.9';
    expect(clientAddress(req(header), 1)).toBe('10.0.0.9');
    expect(clientAddress(req(header), 2)).toBe('198.51.100.1');
    expect(clientAddress(req(header), 3)).toBe('6.6.6.6');
  });

  it('does not let the client choose by writing entries on the left', () => {
    for (const spoof of ['1.1.1.1', '1.1.1.1, 2.2.2.2', 'garbage, 3.3.3.3']) {
      expect(clientAddress(req(`${spoof}, 198.51.100.1`), 1)).toBe('198.51.100.1');
    }
  });

  it('joins repeated headers in order', () => {
    expect(clientAddress(req(['6.6.6.6', '198.51.100.1']), 1)).toBe('198.51.100.1');
  });

  it('with fewer entries than proxies takes the left-most, with none the socket peer', () => {
    expect(clientAddress(req('198.51.100.1'), 2)).toBe('198.51.100.1');
    expect(clientAddress(req(), 2)).toBe('10.0.0.2');
    expect(clientAddress(req(''), 1)).toBe('10.0.0.2');
  });

  it('reads addresses with ports and brackets, and falls back to the peer for anything else', () => {
    expect(clientAddress(req('198.51.100.1:4711'), 1)).toBe('198.51.100.1');
    expect(clientAddress(req('2001:db8::1'), 1)).toBe('2001:db8::1');
    expect(clientAddress(req('[2001:db8::1]:4711'), 1)).toBe('2001:db8::1');
    for (const bad of ['unknown', 'x'.repeat(100), '198.51.100.1:port', '[1.2.3.4]', ' , ']) {
      expect(clientAddress(req(bad), 1)).toBe('10.0.0.2');
    }
  });
});

describe('requestInfo', () => {
  it('keeps a bounded user agent', () => {
    const info = requestInfo(
      { headers: { 'user-agent': 'u'.repeat(600) }, socket: { remoteAddress: '::1' } },
      0,
    );
    expect(info).toEqual({ userAgent: 'u'.repeat(512), ipAddress: '::1' });
  });
});
