// The store's side of `wave run --from-step`: a step taking over an earlier run's result (completed, no attempt,
// artifacts and the source run recorded, one event), the search for that earlier run, and the v1 → v2 migration.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { canReuseStep, IllegalTransitionError, Store, STEP_STATUSES } from '../../../src/state/index.js';
import { migrate, MIGRATIONS } from '../../../src/state/migrations.js';
import { observedStore, STEP_INFO, tempDbPath } from './helpers.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const ARTIFACT = { name: 'a', path: '/ws/new/a/out/a.txt', size: 3, sha256: 'ab'.repeat(32) };

function chainRun(store: Store, pipeline = 'chain') {
  const run = store.runs.create({
    pipeline,
    pipelinePath: `${pipeline}.yaml`,
    input: '',
    steps: ['a', 'b', 'c'].map((stepId, i) => ({ stepId, level: i, position: i })),
  });
  return run.id;
}

/** A run of `pipeline` whose steps `completed` completed (by running), the rest left as they are. */
function finishedRun(store: Store, completed: string[], pipeline = 'chain', failing?: string): string {
  const runId = chainRun(store, pipeline);
  store.runs.start(runId);
  for (const stepId of completed) {
    store.steps.start(runId, stepId, STEP_INFO);
    store.steps.complete(runId, stepId);
  }
  if (failing) {
    store.steps.start(runId, failing, STEP_INFO);
    store.steps.fail(runId, failing, { reason: 'exit 1', failureClass: 'exit' });
  }
  store.runs.finish(runId, failing ? 'failed' : 'completed');
  return runId;
}

describe('Store.steps.reuse', () => {
  it('completes a pending step with no attempt, records where it came from and its artifacts, in one event', () => {
    const { store, delivered, clock } = observedStore();
    const earlier = finishedRun(store, ['a', 'b', 'c']);
    clock.advance(1000);
    const runId = chainRun(store);
    store.runs.start(runId);
    delivered.length = 0;

    const event = store.steps.reuse(runId, 'a', { fromRun: earlier, artifacts: [ARTIFACT] });

    assert.equal(event.type, 'step_reused');
    assert.equal(typeof event.eventId, 'number');
    assert.equal(event.attempt, undefined, 'no attempt ran');
    assert.deepEqual(
      { ...event, eventId: 0 },
      {
        type: 'step_reused',
        runId,
        stepId: 'a',
        time: clock.now().toISOString(),
        fromRun: earlier,
        artifacts: [ARTIFACT],
        eventId: 0,
      },
    );
    assert.deepEqual(delivered, [event], 'delivered after commit');
    assert.deepEqual(store.events.since(runId, 0, { types: ['step_reused'] }), [event], 'stored as written');

    const step = store.steps.get(runId, 'a');
    assert.deepEqual([step?.status, step?.attempts, step?.reusedFrom, step?.error], ['completed', 0, earlier, null]);
    assert.equal(step?.startedAt, step?.finishedAt);
    assert.deepEqual(store.attempts.list(runId, 'a'), []);
    assert.deepEqual(
      store.artifacts.list(runId, 'a').map(({ name, path, size, sha256 }) => ({ name, path, size, sha256 })),
      [ARTIFACT],
    );
    assert.equal(store.steps.get(runId, 'b')?.reusedFrom, null, 'other steps are untouched');
    assert.equal(store.steps.get(earlier, 'a')?.reusedFrom, null);
  });

  it('refuses a step that has started, a run that is not running, and the run itself as source', () => {
    const { store } = observedStore();
    const earlier = finishedRun(store, ['a']);
    const runId = chainRun(store);
    assert.throws(
      () => store.steps.reuse(runId, 'a', { fromRun: earlier, artifacts: [] }),
      IllegalTransitionError,
      'pending run',
    );
    store.runs.start(runId);
    store.steps.start(runId, 'a', STEP_INFO);
    assert.throws(
      () => store.steps.reuse(runId, 'a', { fromRun: earlier, artifacts: [] }),
      IllegalTransitionError,
      'running step',
    );
    store.steps.complete(runId, 'a');
    assert.throws(
      () => store.steps.reuse(runId, 'a', { fromRun: earlier, artifacts: [] }),
      IllegalTransitionError,
      'completed step',
    );
    assert.throws(() => store.steps.reuse(runId, 'b', { fromRun: runId, artifacts: [] }), /cannot reuse its own run/);
    assert.equal(store.steps.get(runId, 'b')?.status, 'pending', 'nothing changed');
    assert.deepEqual(store.artifacts.list(runId, 'b'), []);
  });

  it('rolls the artifacts back with the step when an insert fails half-way', () => {
    const { store } = observedStore();
    const earlier = finishedRun(store, ['a']);
    const runId = chainRun(store);
    store.runs.start(runId);
    // The same name twice violates the artifacts key on the second insert.
    assert.throws(() => store.steps.reuse(runId, 'a', { fromRun: earlier, artifacts: [ARTIFACT, ARTIFACT] }));
    assert.equal(store.steps.get(runId, 'a')?.status, 'pending');
    assert.deepEqual(store.artifacts.list(runId, 'a'), []);
    assert.deepEqual(store.events.since(runId, 0, { types: ['step_reused'] }), []);
  });

  it('a reused step stays completed, with 0 attempts, through wave resume', () => {
    const { store } = observedStore();
    const earlier = finishedRun(store, ['a', 'b', 'c']);
    const runId = chainRun(store);
    store.runs.start(runId);
    store.steps.reuse(runId, 'a', { fromRun: earlier, artifacts: [ARTIFACT] });
    store.steps.start(runId, 'b', STEP_INFO);
    store.steps.fail(runId, 'b', { reason: 'exit 1', failureClass: 'exit' });
    store.runs.finish(runId, 'failed');

    const events = store.runs.resume(runId);
    assert.deepEqual(
      events.map((e) => `${e.type}:${e.stepId ?? ''}`),
      ['step_reset:b', 'run_started:'],
    );
    assert.deepEqual(
      store.steps.list(runId).map((s) => [s.stepId, s.status, s.attempts, s.reusedFrom]),
      [
        ['a', 'completed', 0, earlier],
        ['b', 'pending', 1, null],
        ['c', 'pending', 0, null],
      ],
    );
    assert.equal(store.artifacts.list(runId, 'a').length, 1);
  });

  it('is the only way from pending to completed', () => {
    for (const status of STEP_STATUSES) assert.equal(canReuseStep(status, 0), status === 'pending', status);
    assert.equal(canReuseStep('pending', 1), false, 'a step that already had an attempt (resumed) is not reused');
  });
});

describe('Store.runs.latestWithCompletedSteps', () => {
  it('finds the newest run of the pipeline where every named step completed', () => {
    const { store, clock } = observedStore();
    const old = finishedRun(store, ['a', 'b', 'c']);
    clock.advance(1000);
    const onlyA = finishedRun(store, ['a'], 'chain', 'b');
    clock.advance(1000);
    const nothing = finishedRun(store, [], 'chain', 'a');
    clock.advance(1000);
    finishedRun(store, ['a', 'b', 'c'], 'other');

    assert.equal(
      store.runs.latestWithCompletedSteps('chain', ['a'])?.id,
      onlyA,
      'a failed run counts when a completed',
    );
    assert.equal(store.runs.latestWithCompletedSteps('chain', ['a', 'b'])?.id, old);
    assert.equal(store.runs.latestWithCompletedSteps('chain', ['b', 'a', 'b'])?.id, old, 'duplicates do not matter');
    assert.equal(store.runs.latestWithCompletedSteps('chain', ['a'], onlyA)?.id, old, 'except a run');
    assert.equal(store.runs.latestWithCompletedSteps('chain', ['a', 'x']), undefined, 'a step no run has');
    assert.equal(store.runs.latestWithCompletedSteps('nope', ['a']), undefined);
    assert.notEqual(store.runs.latestWithCompletedSteps('chain', ['a'])?.id, nothing);
  });

  it('counts reused steps as completed, so --from-step runs can feed the next one', () => {
    const { store, clock } = observedStore();
    const earlier = finishedRun(store, ['a', 'b', 'c']);
    clock.advance(1000);
    const runId = chainRun(store);
    store.runs.start(runId);
    store.steps.reuse(runId, 'a', { fromRun: earlier, artifacts: [] });
    store.steps.start(runId, 'b', STEP_INFO);
    store.steps.complete(runId, 'b');
    assert.equal(store.runs.latestWithCompletedSteps('chain', ['a', 'b'])?.id, runId);
  });
});

describe('migration 2 (reused steps)', () => {
  it('upgrades a version-1 db: existing steps read as not reused, and reuse works on the old rows', () => {
    const path = tempDbPath();
    new Store(path).close(); // creates the folder
    const raw = new Database(path);
    raw.exec(
      'DROP TABLE bench_tasks; DROP TABLE benches; DROP TABLE gates; DROP TABLE visits; DROP TABLE contract_results; DROP TABLE artifacts; DROP TABLE attempts; DROP TABLE events; DROP TABLE cancellations; DROP TABLE steps; DROP TABLE runs; DROP TABLE schema_migrations;',
    );
    assert.deepEqual(
      migrate(
        raw,
        path,
        MIGRATIONS.filter((m) => m.version === 1),
      ),
      [1],
    );
    raw
      .prepare(
        `INSERT INTO runs (id, pipeline, pipeline_path, input, status, created_at) VALUES ('r1', 'chain', 'c.yaml', '', 'running', '2025-01-01T00:00:00.000Z')`,
      )
      .run();
    raw
      .prepare(`INSERT INTO steps (run_id, step_id, status) VALUES ('r1', 'a', 'completed'), ('r1', 'b', 'pending')`)
      .run();
    raw.close();

    const store = new Store(path);
    try {
      assert.deepEqual(
        store.steps.list('r1').map((s) => [s.stepId, s.status, s.reusedFrom]),
        [
          ['a', 'completed', null],
          ['b', 'pending', null],
        ],
      );
      assert.equal(store.runs.latestWithCompletedSteps('chain', ['a'])?.id, 'r1');
      const runId = chainRun(store);
      store.runs.start(runId);
      store.steps.reuse(runId, 'a', { fromRun: 'r1', artifacts: [] });
      assert.equal(store.steps.get(runId, 'a')?.reusedFrom, 'r1');
    } finally {
      store.close();
    }
  });
});
