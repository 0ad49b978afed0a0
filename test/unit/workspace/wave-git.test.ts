import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openWaveGit, waveGitDir } from '../../../src/workspace/git/store.js';

describe('openWaveGit', () => {
  const project = mkdtempSync(path.join(tmpdir(), 'wave-git-'));
  after(() => rmSync(project, { recursive: true, force: true }));

  it('eight runs starting at once in a new project all get the one complete git directory', async () => {
    const opened = await Promise.all(Array.from({ length: 8 }, () => openWaveGit(project)));
    assert.deepEqual(new Set(opened.map((o) => o.gitDir)), new Set([waveGitDir(project)]));
    assert.match(readFileSync(path.join(waveGitDir(project), 'info', 'attributes'), 'utf8'), /!filter/);
    assert.deepEqual(
      readdirSync(path.join(project, '.wave')).filter((name) => name !== 'git'),
      [],
      'no private init folder is left behind',
    );
  });

  it('finishes a git directory an earlier process left half made', async () => {
    rmSync(path.join(waveGitDir(project), 'info', 'attributes'));
    await openWaveGit(project);
    assert.match(readFileSync(path.join(waveGitDir(project), 'info', 'attributes'), 'utf8'), /!filter/);
  });
});
