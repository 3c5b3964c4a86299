import { allowList as kind, parseValue } from './config.values.js';

describe('allow-list patterns', () => {
  it('normalises patterns and ignores blank comma segments', () => {
    expect(parseValue(kind, ' *@Company.COM, ,user+*@x.org,', '/')).toEqual({
      ok: true,
      value: ['*@company.com', 'user+*@x.org'],
    });
  });

  it('refuses a pattern without @', () => {
    const result = parseValue(kind, '*@company.com,company.com', '/');
    expect(result).toEqual({ ok: false, problem: 'has a pattern without "@" ("company.com")' });
  });

  it('refuses an empty entry of a YAML list', () => {
    expect(parseValue(kind, ['*@company.com', ''], '/')).toEqual({
      ok: false,
      problem: 'has an empty pattern',
    });
  });

  it('treats an empty setting as "admit everybody"', () => {
    expect(parseValue(kind, '', '/')).toEqual({ ok: true, value: [] });
    expect(parseValue(kind, [], '/')).toEqual({ ok: true, value: [] });
  });
});
