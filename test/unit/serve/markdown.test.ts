import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSafeLink, renderMarkdown } from '../../../src/serve/markdown.js';

describe('serve markdown', () => {
  it('refuses script and inline-document links however they are spelled', () => {
    for (const url of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'java\nscript:alert(1)',
      'javascript%3Aalert(1)',
      'vbscript:msgbox(1)',
      'data:text/html,<script>alert(1)</script>',
      'data:image/svg+xml,<svg onload=alert(1)>',
      'file:///etc/passwd',
    ]) {
      assert.equal(isSafeLink(url), false, url);
    }
    for (const url of ['https://example.org/a', '/runs/x', '#section', 'mailto:a@b.c', 'notes/javascript:x']) {
      assert.equal(isSafeLink(url), true, url);
    }
  });

  it('renders Markdown, shows raw HTML as text and makes no link of a refused URL', () => {
    const out = renderMarkdown(
      '# Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n' +
        '[click](javascript:alert(1)) [ok](https://example.org/) ![i](data:image/svg+xml,<svg onload=alert(1)>)\n',
    ).text;
    assert.match(out, /<h1>Title<\/h1>/);
    assert.match(out, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(out, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(out, /<a href="https:\/\/example.org\/">ok<\/a>/);
    assert.doesNotMatch(out, /<script|<img|href="javascript|src="data/i);
  });
});
