import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, href, html, trusted } from '../../../src/serve/html.js';

describe('serve html', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const name = `<img src=x onerror="alert(1)">'&`;
    const out = html`<a title="${name}">${name}</a>`.text;
    assert.equal(
      out,
      '<a title="&#60;img src=x onerror=&#34;alert(1)&#34;&#62;&#39;&#38;">' +
        '&#60;img src=x onerror=&#34;alert(1)&#34;&#62;&#39;&#38;</a>',
    );
    assert.equal(escapeHtml('"\''), '&#34;&#39;');
  });

  it('nests safe fragments and lists without escaping them twice; skips null, undefined and false', () => {
    const items = ['<a>', '<b>'].map((x) => html`<li>${x}</li>`);
    assert.equal(
      html`<ul>
        ${items}${null}${undefined}${false}
      </ul>`.text.replace(/\s+/g, ''),
      '<ul><li>&#60;a&#62;</li><li>&#60;b&#62;</li></ul>',
    );
    assert.equal(html`${trusted('<br>')}${0}`.text, '<br>0');
  });

  it('builds paths with every segment percent-encoded', () => {
    assert.equal(href('runs', 'r/../x', 'steps', '<s>?a=1#f'), '/runs/r%2F..%2Fx/steps/%3Cs%3E%3Fa%3D1%23f');
  });
});
