// Steps that change code, through the run service with an in-process sandbox that edits /wave/src as an agent
// would: worktree steps start at the commit the run started from (not the user's uncommitted files), steps of
// one branch see each other's changes in dependency order, each records a cumulative `changes` artifact that
// dependents receive, and the user's repository is left byte for byte as it was.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { applyRunChanges } from '../../../src/engine/changes-service.js';
import { startRun } from '../../../src/engine/run-service.js';
import type { WaveEvent } from '../../../src/events/types.js';
import type { Sandbox, SandboxSpec } from '../../../src/sandbox/types.js';
import { defaultStatePath, Store } from '../../../src/state/index.js';
import type { ChangeSummary } from '../../../src/workspace/git/changes.js';
import { createGitProject, fingerprint, gitIn } from '../../support/git-project.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Edit = (src: string, spec: SandboxSpec) => Promise<void>;

function editingSandbox(edits: Record<string, Edit>, seen: Map<string, SandboxSpec>): Sandbox {
  return {
    kind: 'host',
    async run(spec: SandboxSpec) {
      seen.set(spec.labels.step, spec);
      await edits[spec.labels.step]?.(spec.mounts.src, spec);
      return { status: 'exited', exitCode: 0, durationMs: 1, containerId: 'fake', stdoutTail: '', stderrTail: '' };
    },
  };
}

async function run(projectDir: string, steps: string, sandbox: Sandbox, events: WaveEvent[] = []) {
  writeFileSync(
    path.join(projectDir, '.wave', 'pipelines', 'p.yaml'),
    `kind: WavePipeline\nmetadata: {name: p}\nsteps:\n${steps}`,
  );
  const sink = { name: 'test', write: (e: WaveEvent) => void events.push(e) };
  return startRun(
    { projectDir, manifestPath: path.join(projectDir, 'wave.yaml'), sinks: [sink], sandbox },
    'p',
    'go',
    {},
  );
}

function changesOf(projectDir: string, runId: string, stepId: string): { summary: ChangeSummary; patch: string } {
  const store = new Store(defaultStatePath(projectDir));
  try {
    const record = store.artifacts.list(runId, stepId).find((a) => a.name === 'changes');
    assert.ok(record, `step ${stepId} recorded its changes`);
    const summary = JSON.parse(readFileSync(path.join(record.path, 'changes.json'), 'utf8')) as ChangeSummary;
    return { summary, patch: readFileSync(path.join(record.path, 'changes.patch'), 'utf8') };
  } finally {
    store.close();
  }
}

describe('steps that change code', () => {
  it('share a branch in dependency order, start at HEAD, record cumulative changes, leave the repo alone', async () => {
    const projectDir = createGitProject('wave-writing-', { 'a.txt': 'one\n', 'lib/keep.txt': 'k\n' });
    dirs.push(projectDir);
    writeFileSync(path.join(projectDir, 'a.txt'), 'uncommitted\n'); // the worktree must not start from this
    const before = fingerprint(projectDir);
    const seen = new Map<string, SandboxSpec>();
    const sandbox = editingSandbox(
      {
        impl: async (src) => {
          assert.equal(readFileSync(path.join(src, 'a.txt'), 'utf8'), 'one\n');
          await fs.writeFile(path.join(src, 'a.txt'), 'two\n');
          await fs.writeFile(path.join(src, 'new.sh'), '#!/bin/sh\n', { mode: 0o755 });
        },
        fix: async (src) => {
          assert.equal(readFileSync(path.join(src, 'a.txt'), 'utf8'), 'two\n', 'fix sees what impl changed');
          await fs.rm(path.join(src, 'lib', 'keep.txt'));
          await fs.symlink('a.txt', path.join(src, 'link'));
        },
      },
      seen,
    );
    const events: WaveEvent[] = [];
    const steps = `
  - {id: impl, type: command, script: 'true', workspace: {type: worktree, branch: feat}}
  - {id: fix, type: command, script: 'true', dependencies: [impl], workspace: {type: worktree, branch: feat}}
  - id: review
    type: command
    dependencies: [fix]
    script: 'cat {{ deps.fix.changes }}/changes.patch'
`;
    const outcome = await run(projectDir, steps, sandbox, events);
    assert.equal(outcome.exitCode, 0, JSON.stringify(outcome.summary));

    assert.equal(seen.get('impl')?.mounts.srcWritable, true);
    assert.equal(seen.get('review')?.mounts.srcWritable, false);
    const impl = changesOf(projectDir, outcome.runId, 'impl');
    assert.deepEqual(
      impl.summary.files.map((f) => [f.path, f.status, f.new_mode]),
      [
        ['a.txt', 'modified', '100644'],
        ['new.sh', 'added', '100755'],
      ],
    );
    const fix = changesOf(projectDir, outcome.runId, 'fix');
    assert.deepEqual(
      fix.summary.files.map((f) => [f.path, f.status]),
      [
        ['a.txt', 'modified'],
        ['lib/keep.txt', 'deleted'],
        ['link', 'added'],
        ['new.sh', 'added'],
      ],
      'the change is counted from the tree base, so it holds impl too',
    );
    assert.equal(fix.summary.files.find((f) => f.path === 'link')?.symlink_target, 'a.txt');
    assert.match(fix.patch, /^-one\n\+two$/m);
    const review = seen.get('review');
    assert.ok(review);
    const injected = path.join(review.mounts.in ?? '', 'fix', 'changes', 'changes.patch');
    assert.ok(existsSync(injected), 'the dependent received the patch');
    assert.match(review.argv.join(' '), /\/wave\/in\/fix\/changes/);
    const recorded = events.filter((e) => e.type === 'changes_recorded');
    assert.deepEqual(
      recorded.map((e) => (e.type === 'changes_recorded' ? [e.stepId, e.files] : [])),
      [
        ['impl', 2],
        ['fix', 4],
      ],
    );
    assert.equal(fingerprint(projectDir), before, "the user's repository is unchanged");
  });

  it('a readwrite mount records its change against the snapshot, paths from the repository root', async () => {
    const projectDir = createGitProject('wave-writing-rw-', { 'src/x.txt': 'x\n', 'other.txt': 'o\n' });
    dirs.push(projectDir);
    const sandbox = editingSandbox(
      { edit: async (_src, spec) => fs.writeFile(path.join(spec.extraMounts?.[0]?.host ?? '', 'x.txt'), 'y\n') },
      new Map(),
    );
    const steps = `
  - id: edit
    type: command
    script: 'true'
    workspace: {mount: [{source: ./src, target: /project, mode: readwrite}]}
`;
    const outcome = await run(projectDir, steps, sandbox);
    assert.equal(outcome.exitCode, 0, JSON.stringify(outcome.summary));
    const { summary, patch } = changesOf(projectDir, outcome.runId, 'edit');
    assert.deepEqual(
      summary.files.map((f) => [f.path, f.status, f.additions, f.deletions]),
      [['src/x.txt', 'modified', 1, 1]],
    );
    assert.match(patch, /^diff --git a\/src\/x.txt b\/src\/x.txt$/m);
  });

  it('two runs at once in one project: separate trees, separate changes, separate branches', async () => {
    const projectDir = createGitProject('wave-writing-parallel-', { 'a.txt': 'one\n' });
    dirs.push(projectDir);
    const before = fingerprint(projectDir);
    const trees: string[] = [];
    // Each step waits inside its container until the other run's step is inside its own: they overlap for sure.
    let arrived!: () => void;
    const bothInside = new Promise<void>((resolve) => (arrived = resolve));
    const sandbox = editingSandbox(
      {
        impl: async (src, spec) => {
          trees.push(src);
          if (trees.length === 2) arrived();
          await bothInside;
          assert.equal(readFileSync(path.join(src, 'a.txt'), 'utf8'), 'one\n', 'the other run wrote elsewhere');
          await fs.writeFile(path.join(src, 'a.txt'), `${spec.env?.WAVE_RUN_ID}\n`);
        },
      },
      new Map(),
    );
    // The same branch name in both: a branch names a tree of its run, never one shared between runs.
    const steps = "  - {id: impl, type: command, script: 'true', workspace: {type: worktree, branch: feat}}\n";
    const [first, second] = await Promise.all([run(projectDir, steps, sandbox), run(projectDir, steps, sandbox)]);
    assert.ok(first && second && first.runId !== second.runId);
    assert.equal(new Set(trees).size, 2, 'two private trees');
    for (const outcome of [first, second]) {
      assert.equal(outcome.exitCode, 0, JSON.stringify(outcome.summary));
      const { patch } = changesOf(projectDir, outcome.runId, 'impl');
      assert.match(patch, new RegExp(`^\\+${outcome.runId}$`, 'm'), 'each run recorded its own change');
      assert.doesNotMatch(patch, new RegExp((outcome === first ? second : first).runId));
    }
    assert.equal(fingerprint(projectDir), before, "the user's repository is unchanged by the runs");
    const store = new Store(defaultStatePath(projectDir));
    try {
      for (const outcome of [first, second]) {
        const applied = await applyRunChanges(projectDir, store, outcome.runId, {});
        assert.equal(applied.branch, `wave/${outcome.runId}`);
        assert.equal(gitIn(projectDir, 'show', `wave/${outcome.runId}:a.txt`), `${outcome.runId}\n`);
      }
    } finally {
      store.close();
    }
  });

  it("test_count_baseline counts whole trees by Wave's git; HEAD in base_ref is the commit the run started at", async () => {
    const twoTests = "it('a', f)\nit('b', f)\n";
    const projectDir = createGitProject('wave-writing-baseline-', { 'a.test.js': twoTests });
    dirs.push(projectDir);
    writeFileSync(path.join(projectDir, 'a.test.js'), "it('a', f)\n");
    gitIn(projectDir, 'commit', '-qam', 'drop a test'); // HEAD has one test fewer than HEAD~1
    let commits = 0;
    const sandbox = editingSandbox(
      {
        // A test moves to another file; meanwhile the user commits again (HEAD~1 would now be 'drop a test').
        impl: async (src) => {
          await fs.writeFile(path.join(src, 'a.test.js'), '');
          await fs.writeFile(path.join(src, 'b.test.js'), "it('a', f)\n");
          writeFileSync(path.join(projectDir, 'c.txt'), `${(commits += 1)}\n`);
          gitIn(projectDir, 'add', 'c.txt');
          gitIn(projectDir, 'commit', '-qm', 'later');
        },
      },
      new Map(),
    );
    const pipeline = (contract: string) =>
      `  - {id: impl, type: command, script: 'true', workspace: {type: worktree}, retry: {policy: none},
     handover: {contracts: [${contract}]}}\n`;
    const moved = await run(projectDir, pipeline('{type: test_count_baseline}'), sandbox);
    assert.equal(moved.exitCode, 0, 'a moved test is no deletion: ' + JSON.stringify(moved.summary));

    const events: WaveEvent[] = [];
    const older = await run(projectDir, pipeline('{type: test_count_baseline, base_ref: "HEAD~2"}'), sandbox, events);
    assert.notEqual(older.exitCode, 0);
    const failed = events.find((e) => e.type === 'step_failed');
    assert.match(JSON.stringify(failed), /the tree holds 1 test\(s\), HEAD~2 \([0-9a-f]{12}\) 2: 1 fewer/);

    const seen = new Map<string, SandboxSpec>();
    await assert.rejects(
      run(projectDir, pipeline('{type: test_count_baseline, base_ref: nope}'), editingSandbox({}, seen)),
      /step 'impl': test_count_baseline base_ref 'nope' is not a commit of/,
    );
    assert.equal(seen.size, 0, 'refused before any step ran');
  });

  it('base names another commit; include_uncommitted starts from the files as the run found them', async () => {
    const projectDir = createGitProject('wave-writing-base-', { 'a.txt': 'one\n' });
    dirs.push(projectDir);
    gitIn(projectDir, 'branch', 'old');
    writeFileSync(path.join(projectDir, 'a.txt'), 'two\n');
    gitIn(projectDir, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qam', 'two');
    writeFileSync(path.join(projectDir, 'a.txt'), 'three, uncommitted\n');
    writeFileSync(path.join(projectDir, 'untracked.txt'), 'new\n');
    const seen: Record<string, string[]> = {};
    const sandbox = editingSandbox(
      {
        fromOld: async (src) => void (seen.fromOld = [readFileSync(path.join(src, 'a.txt'), 'utf8')]),
        dirty: async (src) => {
          seen.dirty = [
            readFileSync(path.join(src, 'a.txt'), 'utf8'),
            readFileSync(path.join(src, 'untracked.txt'), 'utf8'),
          ];
          await fs.writeFile(path.join(src, 'a.txt'), 'four\n');
        },
      },
      new Map(),
    );
    const steps = `
  - {id: fromOld, type: command, script: 'true', workspace: {type: worktree, base: old}}
  - {id: dirty, type: command, script: 'true', workspace: {type: worktree, include_uncommitted: true}}
`;
    const outcome = await run(projectDir, steps, sandbox);
    assert.equal(outcome.exitCode, 0, JSON.stringify(outcome.summary));
    assert.deepEqual(seen, { fromOld: ['one\n'], dirty: ['three, uncommitted\n', 'new\n'] });
    const { summary } = changesOf(projectDir, outcome.runId, 'dirty');
    assert.deepEqual(
      summary.files.map((f) => f.path),
      ['a.txt'],
      'counted from the snapshot, not from HEAD',
    );

    const store = new Store(defaultStatePath(projectDir));
    try {
      const applied = await applyRunChanges(projectDir, store, outcome.runId, { step: 'dirty' });
      assert.equal(applied.branch, `wave/${outcome.runId}-dirty`, 'two trees: the step names the branch');
      const log = gitIn(projectDir, 'log', '--format=%s', `main..${applied.branch}`).trim().split('\n');
      assert.equal(log.length, 2, 'the uncommitted files, then the step');
      assert.equal(gitIn(projectDir, 'show', `${applied.branch}:untracked.txt`), 'new\n');
    } finally {
      store.close();
    }
  });

  it('a base that names no commit fails the run before any step, naming the step', async () => {
    const projectDir = createGitProject('wave-writing-nobase-', { 'a.txt': 'one\n' });
    dirs.push(projectDir);
    const seen = new Map<string, SandboxSpec>();
    const steps = "  - {id: impl, type: command, script: 'true', workspace: {type: worktree, base: nope}}\n";
    await assert.rejects(run(projectDir, steps, editingSandbox({}, seen)), /step 'impl': base 'nope' is not a commit/);
    assert.equal(seen.size, 0);
  });
});
