import { allowList as kind, readValue } from './config.values.js';

/** The value, or why it is refused (after the value itself). */
function parseValue(schema: typeof kind, raw: unknown, cwd: string) {
  const { value, problem } = readValue(schema, raw, cwd);
  return problem === undefined ? { ok: true, value } : { ok: false, problem };
}

describe('allow-list patterns', () => {
  it('normalises patterns and ignores blank comma segments', () => {
    expect(parseValue(kind, ' *@Company.COM, ,user+*@x.org,', '/')).toEqual({
      ok: true,
      value: ['*@company.com', 'user+*@x.org'],
    });
  });

  it('refuses a pattern without @', () => {
    const result = parseValue(kind, '*@company.com,company.com', '/');
    expect(result).toEqual({
      ok: false,
      problem: '"*@company.com,company.com" has a pattern without "@" ("company.com")',
    });
  });

  it('refuses an empty entry of a YAML list', () => {
    expect(parseValue(kind, ['*@company.com', ''], '/')).toEqual({
      ok: false,
      problem: '["*@company.com",""] has an empty pattern',
    });
  });

  it('treats an empty setting as "admit everybody"', () => {
    expect(parseValue(kind, '', '/')).toEqual({ ok: true, value: [] });
    expect(parseValue(kind, [], '/')).toEqual({ ok: true, value: [] });
  });
});
