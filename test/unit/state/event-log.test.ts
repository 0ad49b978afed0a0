// The event log for `wave logs` and `wave clean`: streaming every event of a run one row at a time, and giving
// the file's space back after runs are deleted.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { openStore, STEP_INFO, tempDbPath } from './helpers.js';

const time = '2025-01-02T03:04:06.000Z';

function dbBytes(path: string): number {
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  return size(path) + size(`${path}-wal`);
}

describe('Store.events.iterate', () => {
  it('yields every event after the cursor, oldest first, with no page limit, filtered like events.since', () => {
    const store = openStore();
    const run = store.runs.create({
      pipeline: 'p',
      pipelinePath: 'p.yaml',
      input: '',
      steps: [{ stepId: 'a', level: 0, position: 0 }],
    });
    store.runs.start(run.id);
    store.steps.start(run.id, 'a', STEP_INFO);
    store.transaction(() => {
      for (let i = 0; i < 2500; i++) {
        store.events.append({
          type: 'step_output',
          runId: run.id,
          stepId: i % 2 ? 'a' : 'b',
          attempt: 1,
          time,
          stream: 'stdout',
          line: `l${i}`,
        });
      }
    });
    const all = [...store.events.iterate(run.id)];
    assert.equal(all.length, 2 + 2500, 'more than one page of eventsSince (1000)');
    assert.deepEqual(
      all.map((e) => e.eventId),
      [...all.map((e) => e.eventId)].sort((x, y) => (x ?? 0) - (y ?? 0)),
    );
    const cursor = all[100]?.eventId ?? 0;
    assert.equal([...store.events.iterate(run.id, cursor)].length, all.length - 101);
    const onlyA = [...store.events.iterate(run.id, 0, { stepId: 'a', types: ['step_output'] })];
    assert.equal(onlyA.length, 1250);
    assert.deepEqual(
      onlyA.slice(0, 2).map((e) => (e.type === 'step_output' ? e.line : '')),
      ['l1', 'l3'],
    );
  });

  it('a loop left early releases the connection for other statements', () => {
    const store = openStore();
    const run = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: '' });
    store.runs.start(run.id);
    for (const e of store.events.iterate(run.id)) {
      assert.equal(e.type, 'run_started');
      break;
    }
    assert.equal(store.runs.get(run.id)?.status, 'running');
  });
});

describe('Store.events.after', () => {
  it('reads the events of every run after a cursor, oldest first, and knows the newest id', () => {
    const store = openStore();
    assert.equal(store.events.lastId(), 0);
    const runs = ['p', 'q'].map((pipeline) =>
      store.runs.create({
        pipeline,
        pipelinePath: 'p.yaml',
        input: '',
        steps: [{ stepId: 'a', level: 0, position: 0 }],
      }),
    );
    for (const run of runs) store.runs.start(run.id);
    const cursor = store.events.lastId();
    for (const run of runs) store.steps.start(run.id, 'a', STEP_INFO);
    const after = store.events.after(cursor);
    assert.deepEqual(
      after.map((e) => [e.runId, e.type]),
      runs.map((r) => [r.id, 'step_started']),
    );
    assert.equal(store.events.lastId(), after[1]?.eventId);
    assert.equal(store.events.after(0, 3).length, 3, 'at most limit');
  });
});

describe('Store.compact', () => {
  it('gives the space of deleted runs back: the file shrinks to about what is left', () => {
    const path = tempDbPath();
    const store = openStore(path);
    const big = 'x'.repeat(4096);
    const ids: string[] = [];
    for (let r = 0; r < 3; r++) {
      const run = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: '' });
      ids.push(run.id);
      store.transaction(() => {
        for (let i = 0; i < 2000; i++)
          store.events.append({
            type: 'step_output',
            runId: run.id,
            stepId: 's',
            attempt: 1,
            time,
            stream: 'stdout',
            line: big,
          });
      });
    }
    const full = dbBytes(path);
    assert.ok(full > 20 * 1024 * 1024, `${full} bytes written`);
    for (const id of ids.slice(0, 2)) store.runs.delete(id);
    assert.ok(dbBytes(path) >= full, 'deleting alone does not shrink the file');
    store.compact();
    const after = dbBytes(path);
    assert.ok(after < full / 2, `after compact: ${after} of ${full} bytes`);
    assert.equal([...store.events.iterate(ids[2] as string)].length, 2000, 'the kept run is intact');
    assert.equal(store.integrityCheck(), 'ok');
  });
});
