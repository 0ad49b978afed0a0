// Nothing outside the step's out folder is ever read: traversal and absolute paths are refused at load time and at
// run time, and a symbolic link (as the file or anywhere on its way) is refused, never followed.
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runContracts, validateContractSpec } from '../../../src/contracts/index.js';
import { context, outFolder, removeOutFolders } from './_helpers.js';

after(removeOutFolders);

describe('contract sources', () => {
  it('refuses ../ traversal and absolute paths, at load time and at run time', async () => {
    const out = await outFolder();
    await writeFile(path.join(out, '..', 'secret.json'), '{"secret": true}');
    for (const source of ['../secret.json', 'a/../../secret.json', path.join(out, '..', 'secret.json')]) {
      assert.equal(validateContractSpec({ type: 'non_empty_file', source }).length, 1, source);
      const spec = { type: 'non_empty_file', source };
      // Bypassing validation (runContracts validates too), the run-time check still refuses.
      const r = (await runContracts([spec], context(out))).results[0];
      assert.equal(r?.ok, false, source);
      assert.equal(r?.hard, true);
      assert.match(r?.errors[0]?.message ?? '', /contains '\.\.'|is absolute/);
    }
    // A traversal in a declared output (the default source) is refused the same way.
    const r = (
      await runContracts([{ type: 'format', format: 'json' }], context(out, [{ name: 'x', path: '../secret.json' }]))
    ).results[0];
    assert.match(r?.errors[0]?.message ?? '', /source path contains '\.\.'/);
  });

  it('refuses a symbolic link as the source, even to a file inside the folder', async () => {
    const out = await outFolder({ 'real.json': '{}' });
    await symlink(path.join(out, 'real.json'), path.join(out, 'link.json'));
    await symlink('/etc/passwd', path.join(out, 'passwd'));
    for (const source of ['link.json', 'passwd']) {
      const r = (await runContracts([{ type: 'non_empty_file', source }], context(out))).results[0];
      assert.deepEqual(r?.errors, [{ path: source, message: `${source} is a symbolic link; links are not followed` }]);
    }
  });

  it('refuses a symbolic link on the way to the source (a linked directory)', async () => {
    const out = await outFolder();
    const elsewhere = path.join(out, '..', 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(path.join(elsewhere, 'r.json'), '{}');
    await symlink(elsewhere, path.join(out, 'dir'));
    const r = (await runContracts([{ type: 'format', format: 'json', source: 'dir/r.json' }], context(out))).results[0];
    assert.deepEqual(r?.errors, [{ path: 'dir/r.json', message: 'dir is a symbolic link; links are not followed' }]);
  });

  it('refuses a directory as the source', async () => {
    const out = await outFolder({ 'sub/a.txt': 'x' });
    const r = (await runContracts([{ type: 'non_empty_file', source: 'sub' }], context(out))).results[0];
    assert.deepEqual(r?.errors, [{ path: 'sub', message: '/wave/out/sub is not a regular file (a directory)' }]);
  });

  it('defaults to the first declared output', async () => {
    const out = await outFolder({ 'b.md': '# B\n' });
    const outputs = [
      { name: 'b', path: 'b.md' },
      { name: 'c', path: 'c.md' },
    ];
    const r = (await runContracts([{ type: 'non_empty_file' }], context(out, outputs))).results[0];
    assert.equal(r?.ok, true);
    assert.equal(r?.details.source, 'b.md');
  });

  it('without a source and without outputs there is nothing to check: a hard error, not a pass', async () => {
    const out = await outFolder();
    const r = (await runContracts([{ type: 'non_empty_file', on_failure: 'warn' }], context(out))).results[0];
    assert.equal(r?.hard, true);
    assert.match(r?.errors[0]?.message ?? '', /no source and no declared output/);
  });
});
