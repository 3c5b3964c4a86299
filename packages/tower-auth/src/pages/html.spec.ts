import { describe, expect, it } from '@jest/globals';
import { describeDuration, escapeHtml } from './html.js';

describe('escapeHtml', () => {
  it('escapes every character that could leave a text node or a quoted attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
  });
});

describe('describeDuration', () => {
  it.each([
    [1800, '30 minutes'],
    [3600, '1 hour'],
    [86400, '1 day'],
    [90, '90 seconds'],
    [60, '1 minute'],
    [1, '1 second'],
  ])('%d s → %s', (seconds, text) => {
    expect(describeDuration(seconds)).toBe(text);
  });
});
