// `wave clean` and the run tree: --keep counts top-level runs only, and a removed run takes its child runs (rows,
// workspaces) with it; a kept run keeps them. No Docker: the reaper is pointed at a socket that does not exist.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { defaultStatePath, Store } from '../../../src/state/index.js';
import { runWave } from '../../support/run-cli.js';

const NO_DOCKER = { DOCKER_HOST: 'unix:///nonexistent/wave-clean-tree.sock' };
const dir = mkdtempSync(path.join(tmpdir(), 'wave-clean-tree-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const workspaceOf = (runId: string) => path.join(dir, '.wave', 'workspaces', runId);

/** A finished run with `children` finished child runs (each with a workspace folder); returns [root, ...children]. */
function tree(store: Store, children: number): string[] {
  const finished = (parent?: { runId: string; stepId: string; itemIndex: number }) => {
    const run = store.runs.create({
      pipeline: parent ? 'leaf' : 'root',
      pipelinePath: 'p.yaml',
      input: '',
      steps: [{ stepId: 'one', level: 0, position: 0 }],
      ...(parent ? { parent } : {}),
    });
    store.runs.start(run.id);
    store.runs.finish(run.id, 'completed');
    mkdirSync(workspaceOf(run.id), { recursive: true });
    return run.id;
  };
  const root = finished();
  return [root, ...Array.from({ length: children }, (_, i) => finished({ runId: root, stepId: 'each', itemIndex: i }))];
}

describe('wave clean with child runs', () => {
  test('keeps the newest top-level run with its children; removes the older one and its children', () => {
    // A clock that moves on every read: the newer tree is newer, whatever the machine's clock resolution.
    let tick = Date.parse('2025-01-02T03:04:05.000Z');
    const store = new Store(defaultStatePath(dir), { clock: () => new Date((tick += 1000)) });
    let older: string[];
    let newer: string[];
    try {
      older = tree(store, 2);
      newer = tree(store, 3);
    } finally {
      store.close();
    }
    const res = runWave(['clean', '--keep', '1'], dir, NO_DOCKER);
    assert.equal(res.status, 0, res.stderr);
    const left = new Store(defaultStatePath(dir));
    try {
      assert.deepEqual(
        left.runs
          .list({ limit: 100 })
          .map((r) => r.id)
          .sort(),
        [...newer].sort(),
      );
    } finally {
      left.close();
    }
    for (const id of older) assert.equal(existsSync(workspaceOf(id)), false, `${id} workspace removed`);
    for (const id of newer) assert.equal(existsSync(workspaceOf(id)), true, `${id} workspace kept`);
  });
});
