// collect.ts attacked on a temp dir, without Docker.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { collectOutputs, missingDeclared, normalizeDeclaredPath } from '../../../src/sandbox/collect.js';

const roots: string[] = [];
let root: string;
let out: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'wave-collect-'));
  roots.push(root);
  out = join(root, 'out');
  await mkdir(out);
  await writeFile(join(root, 'secret.txt'), 'outside out/\n');
});
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

const rejected = (pattern: RegExp) => ({ code: 'artifact_rejected', message: pattern });

describe('collectOutputs', () => {
  it('returns a sorted manifest of regular files with size and sha256; reports missing declared paths', async () => {
    await mkdir(join(out, 'b', 'c'), { recursive: true });
    await writeFile(join(out, 'b', 'c', 'x.json'), '{}');
    await writeFile(join(out, 'a.txt'), 'hello');
    const m = await collectOutputs(out, { declared: ['a.txt', './b/c/x.json', 'b', 'nope.md', 'b/c/y'] });
    assert.deepEqual(
      m.files.map((f) => [f.path, f.size]),
      [
        ['a.txt', 5],
        ['b/c/x.json', 2],
      ],
    );
    assert.equal(m.files[0]?.sha256, '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    assert.equal(m.totalBytes, 7);
    assert.deepEqual(m.missing, ['nope.md', 'b/c/y']);
  });

  it('rejects a symlink to a file outside out/', async () => {
    await symlink('/etc/passwd', join(out, 'passwd'));
    await assert.rejects(collectOutputs(out), rejected(/"passwd" rejected: symbolic link/));
  });

  it('rejects a relative symlink, even one pointing inside out/', async () => {
    await writeFile(join(out, 'real'), 'x');
    await symlink('real', join(out, 'alias'));
    await assert.rejects(collectOutputs(out), rejected(/"alias".*symbolic link/));
  });

  it('rejects a symlinked directory', async () => {
    await symlink(root, join(out, 'up'));
    await assert.rejects(collectOutputs(out), rejected(/"up".*symbolic link/));
  });

  it('rejects a hard link to a file outside out/', async () => {
    await link(join(root, 'secret.txt'), join(out, 'innocent.txt'));
    await assert.rejects(collectOutputs(out), rejected(/"innocent.txt".*hard link/));
  });

  it('rejects a fifo without blocking', async () => {
    execFileSync('mkfifo', [join(out, 'pipe')]);
    await assert.rejects(collectOutputs(out), rejected(/"pipe".*fifo/));
  });

  it('rejects a unix socket', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(out, 'sock'), resolve));
    try {
      await assert.rejects(collectOutputs(out), rejected(/"sock".*socket/));
    } finally {
      server.close();
    }
  });

  it(
    'rejects a device node (when we may create one)',
    { skip: process.getuid?.() !== 0 ? 'needs root for mknod' : false },
    async () => {
      try {
        execFileSync('mknod', [join(out, 'null'), 'c', '1', '3']);
      } catch {
        return; // no CAP_MKNOD here
      }
      await assert.rejects(collectOutputs(out), rejected(/"null".*device/));
    },
  );

  it('rejects output over the total size limit, counting all files', async () => {
    await writeFile(join(out, 'a'), Buffer.alloc(600));
    await writeFile(join(out, 'b'), Buffer.alloc(600));
    await assert.rejects(collectOutputs(out, { maxTotalBytes: 1000 }), rejected(/"b".*size limit/));
    assert.equal((await collectOutputs(out, { maxTotalBytes: 1200 })).totalBytes, 1200);
  });

  it('rejects too many entries and too deep nesting', async () => {
    for (let i = 0; i < 5; i++) await writeFile(join(out, `f${i}`), '');
    await assert.rejects(collectOutputs(out, { maxEntries: 4 }), rejected(/too many entries/));
    await mkdir(join(out, 'd1', 'd2', 'd3'), { recursive: true });
    await assert.rejects(collectOutputs(out, { maxDepth: 2 }), rejected(/nested deeper/));
  });

  it('rejects file names with control characters or invalid UTF-8', async () => {
    await writeFile(join(out, 'a\nb'), '');
    await assert.rejects(collectOutputs(out), rejected(/control character/));
    await rm(join(out, 'a\nb'));
    await writeFile(Buffer.concat([Buffer.from(`${out}/`), Buffer.from([0xff, 0xfe])]), '');
    await assert.rejects(collectOutputs(out), rejected(/not valid UTF-8/));
  });

  it('rejects when out/ itself is not a directory', async () => {
    await assert.rejects(collectOutputs(join(root, 'secret.txt')), rejected(/not a directory/));
  });

  it('rejects traversal in declared paths before reading anything', async () => {
    for (const bad of ['../x', 'a/../../x', '..', '/etc/passwd', 'C:\\x', 'a\0b', '', '.', './']) {
      await assert.rejects(
        collectOutputs(out, { declared: [bad] }),
        { code: 'artifact_rejected' },
        JSON.stringify(bad),
      );
    }
  });
});

describe('declared paths', () => {
  it('normalizes harmless forms', () => {
    assert.equal(normalizeDeclaredPath('./a//b/./c.txt'), 'a/b/c.txt');
    assert.throws(() => normalizeDeclaredPath('a/../b'), { code: 'artifact_rejected' }); // even when it stays inside
  });

  it('missingDeclared treats a directory as present when it holds files', () => {
    const files = [{ path: 'dir/a', size: 1, sha256: '' }];
    assert.deepEqual(missingDeclared(files, ['dir', 'dir/a', 'di', 'dir/b']), ['di', 'dir/b']);
  });
});
