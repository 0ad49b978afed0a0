// Wave's capture of a tree a step left, against what a hostile step can leave: a folder replaced by a link to a
// host folder (the files below it are gone from the change, nothing of the host is read), a fifo (not listed,
// never opened), a name that is not UTF-8 (left out, said so) and a `.git` folder in another letter case.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { captureDir, listTree, writeTree } from '../../../src/workspace/git/capture.js';
import { openWaveGit } from '../../../src/workspace/git/store.js';

const root = mkdtempSync(path.join(tmpdir(), 'wave-capture-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('captureDir', () => {
  it('takes files and links as they are, and nothing a link leads to', async () => {
    const store = await openWaveGit(path.join(root, 'project'));
    const tree = path.join(root, 'tree');
    mkdirSync(path.join(tree, 'lib'), { recursive: true });
    writeFileSync(path.join(tree, 'lib', 'keep.txt'), 'k\n');
    writeFileSync(path.join(tree, 'a.txt'), 'a\n');
    const base = await captureDir(store, tree, []);
    const baseTree = await writeTree(store, base.entries);
    const baseEntries = await listTree(store, baseTree);

    const host = path.join(root, 'host');
    mkdirSync(host);
    writeFileSync(path.join(host, 'keep.txt'), 'HOST\n');
    rmSync(path.join(tree, 'lib'), { recursive: true });
    symlinkSync(host, path.join(tree, 'lib'));
    execFileSync('mkfifo', [path.join(tree, 'pipe')]);
    writeFileSync(Buffer.concat([Buffer.from(`${tree}/bad-`), Buffer.from([0xff])]), 'x');
    mkdirSync(path.join(tree, 'sub', '.GIT'), { recursive: true });
    writeFileSync(path.join(tree, 'sub', '.GIT', 'config'), '[core]\n');

    const after = await captureDir(store, tree, baseEntries);
    const byPath = Object.fromEntries(after.entries.map((e) => [e.path, e.mode]));
    assert.equal(byPath.lib, '120000', 'the link is an entry of its own');
    assert.equal(byPath['lib/keep.txt'], undefined, 'nothing below a link is read');
    assert.equal(byPath.pipe, undefined, 'a fifo is not part of the change (and never opened)');
    assert.equal(byPath['sub/.GIT/config'], undefined);
    assert.ok(
      after.skipped.some((s) => s.includes('not UTF-8')),
      after.skipped.join('; '),
    );
    assert.ok(
      after.skipped.some((s) => s.startsWith('sub/.GIT/config')),
      after.skipped.join('; '),
    );
  });
});
