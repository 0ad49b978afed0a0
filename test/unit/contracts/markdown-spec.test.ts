// markdown_spec: required headings at their level and in order, each with content; headings in code blocks and
// front matter do not count; matching ignores case and trailing punctuation; max_length; errors name the heading.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runContracts, validateContractSpec } from '../../../src/contracts/index.js';
import { outline } from '../../../src/contracts/markdown-outline.js';
import { context, fixture, outFolder, removeOutFolders } from './_helpers.js';

after(removeOutFolders);

const headings = ['## Summary', '## Security', '## Quality'];

async function check(doc: string, spec: Record<string, unknown>) {
  const out = await outFolder({ 'summary.md': doc });
  const r = (
    await runContracts([{ type: 'markdown_spec', ...spec }], context(out, [{ name: 'summary', path: 'summary.md' }]))
  ).results[0];
  assert.ok(r);
  return r;
}

describe('markdown_spec', () => {
  it('passes a document with every section (case, trailing punctuation, subsections, front matter)', async () => {
    const r = await check(await fixture('markdown/good.md'), { headings });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.details.headings, ['# Code review', '## Summary:', '## security', '### Details', '## Quality']);
  });

  it('accepts {text, level} objects and the required_headings alias', async () => {
    const doc = await fixture('markdown/good.md');
    assert.equal((await check(doc, { headings: [{ text: 'summary', level: 2 }, { text: 'Quality' }] })).ok, true);
    assert.equal((await check(doc, { required_headings: ['Summary', 'Security', 'Quality'] })).ok, true);
  });

  it('names a section that is out of order', async () => {
    const r = await check(await fixture('markdown/out-of-order.md'), { headings });
    assert.deepEqual(r.errors, [
      { path: '## Quality', message: "out of order (line 5): it must come after '## Security'" },
    ]);
  });

  it('names a missing section (a heading in a code block does not count) and an empty one', async () => {
    const r = await check(await fixture('markdown/empty-and-missing.md'), { headings });
    assert.deepEqual(r.errors, [
      { path: '## Summary', message: 'section is empty (line 1)' },
      { path: '## Quality', message: 'missing heading' },
    ]);
  });

  it('names a heading at the wrong level', async () => {
    const r = await check(await fixture('markdown/wrong-level.md'), { headings: ['## Summary', '## Security'] });
    assert.deepEqual(r.errors, [{ path: '## Security', message: 'is a level 3 heading (line 5); expected level 2' }]);
  });

  it('enforces max_length in characters', async () => {
    const doc = '## Summary\n\nÉté ✓\n';
    assert.equal((await check(doc, { headings: ['Summary'], max_length: [...doc].length })).ok, true);
    const r = await check(doc, { headings: ['Summary'], max_length: 10 });
    assert.deepEqual(r.errors, [
      { path: 'summary.md', message: `is ${[...doc].length} characters long; the limit is 10` },
    ]);
  });

  it('reads setext headings and ignores ~~~ fences and closing hashes', () => {
    const hs = outline('Title\n=====\n\ntext\n\nPart ##\n---\n\n~~~\n# not a heading\n~~~\n\n## Last ##\n');
    assert.deepEqual(
      hs.map((h) => [h.level, h.text, h.hasContent]),
      [
        [1, 'Title', true],
        [2, 'Part ##', true],
        [2, 'Last', false],
      ],
    );
  });

  it('rejects malformed heading requirements at load time', () => {
    assert.deepEqual(validateContractSpec({ type: 'markdown_spec', headings: [{ text: 'A', level: 9 }, ''] }), [
      'markdown_spec: headings[0] must be a heading such as "## Summary", "Summary" or {text: Summary, level: 2} (level 1-6)',
      'markdown_spec: headings[1] must be a heading such as "## Summary", "Summary" or {text: Summary, level: 2} (level 1-6)',
    ]);
    assert.deepEqual(validateContractSpec({ type: 'markdown_spec', max_length: -3 }), [
      "markdown_spec: 'max_length' must be a positive integer",
    ]);
  });
});
