// format and non_empty_file: file types parse (json/yaml with positions), text is UTF-8 without NUL, markdown has
// a heading or a paragraph; non_empty_file catches missing, empty and oversized files.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runContracts, validateContractSpec, type ContractInput } from '../../../src/contracts/index.js';
import { context, outFolder, removeOutFolders } from './_helpers.js';

after(removeOutFolders);

async function check(content: string | Buffer | undefined, spec: ContractInput) {
  const out = await outFolder(content === undefined ? {} : { f: content });
  const r = (await runContracts([{ source: 'f', ...spec }], context(out))).results[0];
  assert.ok(r);
  return r;
}

describe('format', () => {
  it('json: passes valid JSON, fails with line:column', async () => {
    assert.equal((await check('[1, 2]', { type: 'format', format: 'json' })).ok, true);
    const r = await check('{\n  "a": 1,\n}', { type: 'format', format: 'json' });
    assert.equal(r.errors[0]?.path, 'f:3:1');
    assert.match(r.errors[0]?.message ?? '', /expected a double-quoted property name/);
  });

  it('yaml: passes valid YAML, fails with line:column, and an empty file is not a document', async () => {
    assert.equal((await check('a: 1\nb: [x, y]\n---\nc: 2\n', { type: 'format', format: 'yaml' })).ok, true);
    const r = await check('a: 1\nb: [x, y\nc: 2\n', { type: 'format', format: 'yaml' });
    assert.equal(r.ok, false);
    assert.match(r.errors[0]?.path ?? '', /^f:\d+:\d+$/);
    assert.match(r.errors[0]?.message ?? '', /^invalid YAML/);
    const dup = await check('a: 1\na: 2\n', { type: 'format', format: 'yaml' });
    assert.deepEqual(
      dup.errors.map((e) => e.path),
      ['f:2:1'],
    );
    assert.match((await check('  \n', { type: 'format', format: 'yaml' })).errors[0]?.message ?? '', /is empty/);
  });

  it('markdown: needs a heading or a paragraph', async () => {
    assert.equal((await check('# Title\n', { type: 'format', format: 'markdown' })).ok, true);
    assert.equal((await check('Just a paragraph.\n', { type: 'format', format: 'markdown' })).ok, true);
    assert.match(
      (await check('\n\n   \n', { type: 'format', format: 'markdown' })).errors[0]?.message ?? '',
      /no heading and no paragraph/,
    );
  });

  it('text: valid UTF-8 without NUL', async () => {
    assert.equal((await check('héllo ✓\n', { type: 'format', format: 'text' })).ok, true);
    const nul = await check('ab\ncd\0ef', { type: 'format', format: 'text' });
    assert.deepEqual(nul.errors, [{ path: 'f:2:3', message: 'contains a NUL byte: not a text file' }]);
    const latin1 = await check(Buffer.from([0x61, 0x62, 0xe9, 0x74, 0xe9]), { type: 'format', format: 'text' });
    assert.deepEqual(latin1.errors, [{ path: 'f', message: 'is not valid UTF-8 (first bad byte at offset 2)' }]);
  });

  it('an unknown format is a load-time error', () => {
    assert.deepEqual(validateContractSpec({ type: 'format', format: 'toml' }), [
      "format: unknown format 'toml' (json | yaml | markdown | text)",
    ]);
    assert.deepEqual(validateContractSpec({ type: 'format' }), [
      "format: 'format' is required (json | yaml | markdown | text)",
    ]);
  });
});

describe('non_empty_file', () => {
  it('passes a file with content', async () => {
    const r = await check('x', { type: 'non_empty_file' });
    assert.equal(r.ok, true);
    assert.equal(r.details.size, 1);
  });

  it('fails an empty file', async () => {
    assert.deepEqual((await check('', { type: 'non_empty_file' })).errors, [
      { path: 'f', message: 'is empty (0 bytes)' },
    ]);
  });

  it('fails a missing file, naming its path in the container', async () => {
    const r = await check(undefined, { type: 'non_empty_file' });
    assert.deepEqual(r.errors, [{ path: 'f', message: 'missing: /wave/out/f was not written' }]);
    assert.equal(r.details.missing, true);
  });

  it('fails a file above max_size (bytes or units)', async () => {
    assert.equal((await check('x'.repeat(1024), { type: 'non_empty_file', max_size: '1kb' })).ok, true);
    const r = await check('x'.repeat(1025), { type: 'non_empty_file', max_size: '1kb' });
    assert.deepEqual(r.errors, [{ path: 'f', message: 'is 1025 bytes; the limit is 1024 bytes (1kb)' }]);
    assert.equal((await check('xyz', { type: 'non_empty_file', max_size: 2 })).ok, false);
  });

  it('rejects a malformed max_size at load time', () => {
    assert.deepEqual(validateContractSpec({ type: 'non_empty_file', max_size: 'big' }), [
      `non_empty_file: max_size 'big' is not a size such as 2048, "10kb" or "1mb"`,
    ]);
  });
});
