import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RunFinalStatus } from '../../../src/state/index.js';
import { StateDb } from '../../../src/state/db.js';
import { listRuns } from '../../../src/state/run-queries.js';
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
    assert.deepEqual(
      store.runs.list().map((r) => r.input),
      ['5', '4', '3', '2', '1', '0'],
    );
    assert.deepEqual(
      store.runs.list({ limit: 2 }).map((r) => r.input),
      ['5', '4'],
    );
    assert.deepEqual(
      store.runs.list({ status: 'running' }).map((r) => r.input),
      ['3', '2'],
    );
    assert.deepEqual(
      store.runs.list({ status: ['pending', 'completed'] }).map((r) => r.input),
      ['5', '4', '1', '0'],
    );
    assert.deepEqual(
      store.runs.list({ pipeline: 'odd' }).map((r) => r.input),
      ['5', '3', '1'],
    );
    assert.deepEqual(
      store.runs.list({ pipeline: 'odd', status: 'pending' }).map((r) => r.input),
      ['1'],
    );
    const fourth = store.runs.get(ids[3] ?? '')?.createdAt ?? '';
    assert.deepEqual(
      store.runs.list({ createdAfter: fourth }).map((r) => r.input),
      ['5', '4', '3'],
      'createdAfter keeps runs created at or after the time',
    );
  });

  it('breaks ties in creation time by id', () => {
    const store = openStore(undefined, { clock: new TestClock().now });
    for (const id of ['r-b', 'r-c', 'r-a']) store.runs.create({ id, pipeline: 'p', pipelinePath: 'p.yaml', input: '' });
    assert.deepEqual(
      store.runs.list().map((r) => r.id),
      ['r-c', 'r-b', 'r-a'],
    );
  });

  it('lists 20 of 10,000 runs through an index, never by sorting the table', () => {
    const clock = new TestClock('2024-01-01T00:00:00.000Z');
    const path = tempDbPath();
    const store = openStore(path, { clock: clock.now });
    const statuses: (RunFinalStatus | 'running')[] = ['completed', 'failed', 'cancelled', 'running'];
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
    const newest = store.runs.list({ limit: 20 });
    const failed = store.runs.list({ limit: 20, status: 'failed' });
    const pipe = store.runs.list({ limit: 20, pipeline: 'pipeline-3' });
    store.close();
    assert.equal(newest.length, 20);
    assert.equal(newest[0]?.input, 'task 9999');
    assert.ok(failed.every((r) => r.status === 'failed') && failed.length === 20);
    assert.equal(pipe.length, 20);

    // What a query costs is its plan (timings belong to test/bench/): each list reads an index in order and stops
    // at the limit, with no full scan and no sort of the table.
    const db = new StateDb(path);
    try {
      const queries: Array<{ sql: string; params: unknown[] }> = [];
      const prepare = db.stmt.bind(db);
      db.stmt = (sql: string) => {
        const statement = prepare(sql);
        return new Proxy(statement, {
          get: (target, key) =>
            key === 'all'
              ? (...params: unknown[]) => (queries.push({ sql, params }), target.all(...params))
              : Reflect.get(target, key),
        });
      };
      for (const query of [{}, { status: 'failed' as const }, { pipeline: 'pipeline-3' }])
        listRuns(db, { limit: 20, ...query });
      assert.equal(queries.length, 3);
      for (const { sql, params } of queries) {
        const plan = (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map(
          (r) => r.detail,
        );
        assert.ok(
          plan.some((d) => /USING (COVERING )?INDEX runs_by_/.test(d)),
          `${sql}: ${plan.join('; ')}`,
        );
        assert.ok(!plan.some((d) => /TEMP B-TREE|^SCAN runs$/.test(d)), `${sql}: ${plan.join('; ')}`);
      }
    } finally {
      db.close();
    }
  });
});
