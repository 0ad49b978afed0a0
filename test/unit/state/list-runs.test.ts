import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { Store, type RunFinalStatus } from '../../../src/state/index.js';
import { openStore, tempDbPath, TestClock } from './helpers.js';

describe('listRuns', () => {
  it('returns newest first, filtered by status and pipeline, limited', () => {
    const clock = new TestClock();
    const store = openStore(undefined, { clock: clock.now });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      const run = store.runs.create({ pipeline: i % 2 ? 'odd' : 'even', pipelinePath: 'p.yaml', input: `${i}` });
      ids.push(run.id);
      if (i >= 2) store.runs.start(run.id);
      if (i >= 4) store.runs.finish(run.id, 'completed');
    }
    assert.deepEqual(store.runs.list().map((r) => r.input), ['5', '4', '3', '2', '1', '0']);
    assert.deepEqual(store.runs.list({ limit: 2 }).map((r) => r.input), ['5', '4']);
    assert.deepEqual(store.runs.list({ status: 'running' }).map((r) => r.input), ['3', '2']);
    assert.deepEqual(store.runs.list({ status: ['pending', 'completed'] }).map((r) => r.input), ['5', '4', '1', '0']);
    assert.deepEqual(store.runs.list({ pipeline: 'odd' }).map((r) => r.input), ['5', '3', '1']);
    assert.deepEqual(store.runs.list({ pipeline: 'odd', status: 'pending' }).map((r) => r.input), ['1']);
  });

  it('breaks ties in creation time by id', () => {
    const store = openStore(undefined, { clock: new TestClock().now });
    for (const id of ['r-b', 'r-c', 'r-a']) store.runs.create({ id, pipeline: 'p', pipelinePath: 'p.yaml', input: '' });
    assert.deepEqual(store.runs.list().map((r) => r.id), ['r-c', 'r-b', 'r-a']);
  });

  it('lists 20 of 10,000 runs well under 250 ms', () => {
    const clock = new TestClock('2024-01-01T00:00:00.000Z');
    const path = tempDbPath();
    const store = openStore(path, { clock: clock.now });
    const statuses: (RunFinalStatus | 'running')[] = ['completed', 'failed', 'cancelled', 'running'];
    const seedStart = performance.now();
    store.transaction(() => {
      for (let i = 0; i < 10_000; i++) {
        clock.advance(1000);
        const run = store.runs.create({
          pipeline: `pipeline-${i % 7}`,
          pipelinePath: 'p.yaml',
          input: `task ${i}`,
          steps: [{ stepId: 'only', level: 0, position: 0 }],
        });
        const status = statuses[i % statuses.length] ?? 'completed';
        store.runs.start(run.id, { host: 'h', pid: 1 });
        if (status !== 'running') store.runs.finish(run.id, status);
      }
    });
    const seedMs = performance.now() - seedStart;

    const timings: Record<string, number> = {};
    const time = <T>(label: string, fn: () => T): T => {
      const t0 = performance.now();
      const result = fn();
      timings[label] = performance.now() - t0;
      return result;
    };
    const newest = time('all', () => store.runs.list({ limit: 20 }));
    const failed = time('status=failed', () => store.runs.list({ limit: 20, status: 'failed' }));
    const pipe = time('pipeline', () => store.runs.list({ limit: 20, pipeline: 'pipeline-3' }));
    // What `wave list runs` pays in a fresh process: open (pragmas, migration check) plus the query.
    const reopened = time('open+list', () => {
      const fresh = new Store(path);
      try {
        return fresh.runs.list({ limit: 20 });
      } finally {
        fresh.close();
      }
    });
    assert.equal(reopened.length, 20);

    console.log(
      `    10,000 runs seeded in ${seedMs.toFixed(0)} ms; listRuns(20): ` +
        Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(2)} ms`).join(', '),
    );
    assert.equal(newest.length, 20);
    assert.equal(newest[0]?.input, 'task 9999');
    assert.ok(failed.every((r) => r.status === 'failed') && failed.length === 20);
    assert.equal(pipe.length, 20);
    for (const [label, ms] of Object.entries(timings)) assert.ok(ms < 250, `${label} took ${ms} ms`);
  });
});
