import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore } from './helpers.js';

const verdict = {
  outcome: 'resolved' as const,
  failureClass: null,
  reason: null,
  reward: 1,
  tests: { exitCode: 0 },
  runMs: 10,
  evalMs: 5,
};

describe('bench state', () => {
  it('opens a bench with its tasks in order, and a second open keeps done tasks and adds new ones', () => {
    const store = openStore();
    const input = { id: 'b1', dataset: '/d', format: 'jsonl' as const, pipeline: 'p', options: {}, tasks: ['x', 'y'] };
    store.bench.open(input);
    store.bench.startTask('b1', 'x', null);
    store.bench.finishTask('b1', 'x', verdict);
    store.bench.startTask('b1', 'y', null);
    store.bench.finish('b1', 'interrupted');

    const again = store.bench.open({ ...input, tasks: ['x', 'y', 'z'] });
    assert.equal(again.status, 'running');
    const rows = store.bench.tasks('b1');
    assert.deepEqual(
      rows.map((r) => [r.taskId, r.position, r.status, r.outcome ?? null, r.tries]),
      [
        ['x', 0, 'done', 'resolved', 1],
        ['y', 1, 'running', null, 1],
        ['z', 2, 'pending', null, 0],
      ],
    );
    assert.deepEqual(rows[0]?.tests, { exitCode: 0 });
  });

  it('a done task is never restarted; a released one runs again', () => {
    const store = openStore();
    store.bench.open({ id: 'b2', dataset: '/d', format: 'harbor', pipeline: 'p', options: {}, tasks: ['x', 'y'] });
    store.bench.startTask('b2', 'x', null);
    store.bench.finishTask('b2', 'x', verdict);
    store.bench.startTask('b2', 'x', null);
    assert.equal(store.bench.task('b2', 'x')?.status, 'done');
    store.bench.startTask('b2', 'y', null);
    store.bench.releaseTask('b2', 'y', 'cancelled with its bench');
    assert.equal(store.bench.task('b2', 'y')?.status, 'pending');
  });

  it('records a cancel request and lists benches newest first', () => {
    const store = openStore();
    store.bench.open({ id: 'b3', dataset: '/d', format: 'jsonl', pipeline: 'p', options: { workers: 2 }, tasks: [] });
    store.bench.requestCancel('b3');
    assert.equal(store.bench.require('b3').cancelRequested, true);
    assert.deepEqual(store.bench.require('b3').options, { workers: 2 });
    assert.deepEqual(
      store.bench.list().map((b) => b.id),
      ['b3'],
    );
  });
});
