// `wave clean --older-than D` (issue 14 item 4): a value it cannot parse used to delete every finished run.
// Real runs in the project's state db (finished 30, 10 and 2 days ago, and one still running); no Docker: the
// orphan reaper is pointed at a socket that does not exist, so it removes nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultStatePath, Store } from '../../../src/state/index.js';
import { runWave } from '../../support/run-cli.js';

const DAY = 86_400_000;
const ONE_STEP = [{ stepId: 'one', level: 0, position: 0 }];
const NO_DOCKER = { DOCKER_HOST: 'unix:///nonexistent/wave-clean-test.sock' };

let dir: string;
const ids: Record<'old' | 'tenDays' | 'recent' | 'running', string> = { old: '', tenDays: '', recent: '', running: '' };

/** The default runtime.workspace_root. */
function workspaceOf(runId: string): string {
  return path.join(dir, '.wave', 'workspaces', runId);
}

function runFinishedAgo(days: number, pipeline: string): string {
  let now = new Date(Date.now() - days * DAY);
  const store = new Store(defaultStatePath(dir), { clock: () => now });
  try {
    const run = store.runs.create({ pipeline, pipelinePath: `${pipeline}.yaml`, input: '', steps: ONE_STEP });
    store.runs.start(run.id);
    now = new Date(now.getTime() + 1000);
    store.runs.finish(run.id, 'completed');
    mkdirSync(workspaceOf(run.id), { recursive: true });
    return run.id;
  } finally {
    store.close();
  }
}

function runIds(): string[] {
  const store = new Store(defaultStatePath(dir));
  try {
    return store.runs
      .list({ limit: 100 })
      .map((r) => r.id)
      .sort();
  } finally {
    store.close();
  }
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wave-clean-older-'));
  ids.old = runFinishedAgo(30, 'old');
  ids.tenDays = runFinishedAgo(10, 'ten-days');
  ids.recent = runFinishedAgo(2, 'recent');
  const store = new Store(defaultStatePath(dir));
  try {
    const run = store.runs.create({ pipeline: 'live', pipelinePath: 'live.yaml', input: '', steps: ONE_STEP });
    store.runs.start(run.id);
    ids.running = run.id;
  } finally {
    store.close();
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('wave clean --older-than', () => {
  for (const bad of ['7x', '-1d']) {
    test(`${JSON.stringify(bad)} exits 2 naming the flag and the accepted forms, and deletes nothing`, () => {
      const before = runIds();
      const res = runWave(['clean', '--older-than', bad], dir, NO_DOCKER);
      assert.equal(res.status, 2, res.stderr);
      assert.match(res.stderr, /--older-than/);
      assert.match(res.stderr, /hint: .*7d.*2w/);
      assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(res.stdout, '');
      assert.deepEqual(runIds(), before);
      assert.equal(before.length, 4);
    });
  }

  test('1w removes only the runs that finished more than a week ago, with their workspaces', () => {
    const res = runWave(['clean', '--older-than', '1w', '-o', 'json'], dir, NO_DOCKER);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual((JSON.parse(res.stdout) as { removed: string[] }).removed.sort(), [ids.old, ids.tenDays].sort());
    assert.deepEqual(runIds(), [ids.recent, ids.running].sort());
    assert.equal(existsSync(workspaceOf(ids.old)), false);
    assert.equal(existsSync(workspaceOf(ids.recent)), true);
  });
});
