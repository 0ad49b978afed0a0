// Reading files of Wave's commits for the contracts on changes: a path the commit lacks (or holds as a link or a
// folder) is "no file"; git failing (an unknown commit, a lost object) is an error, never an empty file.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { captureDir, writeTree } from '../../../src/workspace/git/capture.js';
import { CommitFiles } from '../../../src/workspace/git/commit-files.js';
import { commitTree, openWaveGit } from '../../../src/workspace/git/store.js';

const root = mkdtempSync(path.join(tmpdir(), 'wave-commit-files-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function commitOf(files: Record<string, string>, links: Record<string, string> = {}) {
  const store = await openWaveGit(path.join(root, 'project'));
  const tree = mkdtempSync(path.join(root, 'tree-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
    writeFileSync(path.join(tree, rel), content);
  }
  for (const [rel, target] of Object.entries(links)) symlinkSync(target, path.join(tree, rel));
  const { entries } = await captureDir(store, tree, []);
  const commit = await commitTree(store, await writeTree(store, entries), [], 'test\n');
  return { store, commit, entries };
}

describe('CommitFiles', () => {
  it('reads files, and says "none" for a path that is missing, a folder or a link', async () => {
    const { store, commit } = await commitOf({ 'a.txt': 'a\n', 'dir/b.txt': 'b\n', 'same.txt': 'a\n' }, { l: 'a.txt' });
    const files = new CommitFiles(store);
    const table: Array<[string, string | undefined]> = [
      ['a.txt', 'a\n'],
      ['dir/b.txt', 'b\n'],
      ['dir', undefined],
      ['l', undefined],
      ['missing.txt', undefined],
      ['*.txt', undefined], // a path, never a pattern
    ];
    for (const [file, content] of table) assert.equal((await files.read(commit, file))?.toString(), content, file);
    const txt = await files.readWhere(commit, (p) => p.endsWith('.txt'));
    assert.deepEqual(
      [...txt].map(([p, b]) => [p, b.toString()]),
      [
        ['a.txt', 'a\n'],
        ['dir/b.txt', 'b\n'],
        ['same.txt', 'a\n'],
      ],
    );
  });

  it('fails on an unknown commit and on a lost object instead of reading nothing', async () => {
    const { store, commit, entries } = await commitOf({ 'x.txt': 'lost\n' });
    await assert.rejects(new CommitFiles(store).read('0'.repeat(40), 'x.txt'), { code: 'git_failed' });
    const sha = entries.find((e) => e.path === 'x.txt')?.sha ?? '';
    await fs.rm(path.join(store.gitDir, 'objects', sha.slice(0, 2), sha.slice(2)), { force: true });
    await assert.rejects(new CommitFiles(store).read(commit, 'x.txt'), { code: 'git_failed' });
  });
});
