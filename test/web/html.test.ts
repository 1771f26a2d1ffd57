import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
// Imported under another name: prettier reformats templates tagged `html`, and these test exact output.
import { escapeHtml, html as markup, relativeTime } from '../../src/web/html';

function unescape(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');
}

describe('html template', () => {
  it('leaves no markup character of any value unescaped, and loses nothing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const rendered = markup`<td title="${value}">${value}</td>`.text;
        const inner = rendered.slice('<td title="'.length, rendered.indexOf('">'));
        assert.doesNotMatch(inner, /[<>"'`]/);
        assert.equal(unescape(inner), value);
        assert.equal(unescape(escapeHtml(value)), value);
      }),
    );
  });

  it('nests its own output unescaped and joins arrays', () => {
    const items = ['<a>', 'b'].map((item) => markup`<li>${item}</li>`);
    assert.equal(markup`<ul>${items}${undefined}${false}</ul>`.text, '<ul><li>&lt;a&gt;</li><li>b</li></ul>');
  });

  it('says deadlines and past times in words', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    assert.equal(relativeTime(new Date('2030-01-01T04:00:00Z'), now), 'in 4 h');
    assert.equal(relativeTime(new Date('2030-01-02T01:30:00Z'), now), 'in 1 d 1 h');
    assert.equal(relativeTime(new Date('2029-12-31T23:55:00Z'), now), '5 min ago');
    assert.equal(relativeTime(new Date('2030-01-01T00:00:20Z'), now), 'in less than a minute');
  });
});
