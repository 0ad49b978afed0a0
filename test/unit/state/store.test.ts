import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWaveError } from '../../../src/errors.js';
import { STATE_CHANGE_EVENT_TYPES, type WaveEvent } from '../../../src/events/types.js';
import { observedStore, STEP_INFO } from './helpers.js';

function withRun() {
  const ctx = observedStore();
  const run = ctx.store.runs.create({
    pipeline: 'demo',
    pipelinePath: '.wave/pipelines/demo.yaml',
    input: 'review   the\nchange',
    options: { model: 'opus', steps: ['a'] },
    steps: [
      { stepId: 'b', level: 1, position: 1 },
      { stepId: 'a', level: 0, position: 0 },
      { stepId: 'c', level: 1, position: 2 },
    ],
  });
  return { ...ctx, runId: run.id };
}

describe('Store: runs and steps', () => {
  it('creates a pending run with its pending steps, without events', () => {
    const { store, runId, delivered } = withRun();
    const run = store.runs.get(runId);
    assert.ok(run);
    assert.match(run.id, /^demo-20250102-030405-[0-9a-z]{4}$/);
    assert.equal(run.status, 'pending');
    assert.deepEqual(run.options, { model: 'opus', steps: ['a'] });
    assert.equal(run.createdAt, '2025-01-02T03:04:05.000Z');
    assert.deepEqual(
      store.steps.list(runId).map((s) => [s.stepId, s.status, s.attempts]),
      [
        ['a', 'pending', 0],
        ['b', 'pending', 0],
        ['c', 'pending', 0],
      ],
    );
    assert.deepEqual(store.events.since(runId), []);
    assert.deepEqual(delivered, []);
  });

  it('writes an event with every state change, in order, and delivers the same events after commit', () => {
    const { store, runId, delivered, clock } = withRun();
    store.runs.start(runId, { host: 'box', pid: 4242 });
    clock.advance(1000);
    store.steps.start(runId, 'a', STEP_INFO);
    store.attempts.setContainer(runId, 'a', 'c0ffee');
    clock.advance(500);
    store.contractResults.record(runId, 'a', {
      index: 0,
      contractType: 'json_schema',
      ok: false,
      hard: true,
      errors: ['missing x'],
    });
    store.steps.retry(runId, 'a', {
      delayMs: 2000,
      reason: 'contract failed',
      failureClass: 'contract',
      exitCode: 0,
      outputTail: 'tail 1',
    });
    clock.advance(2000);
    store.steps.start(runId, 'a', STEP_INFO);
    store.artifacts.record(runId, 'a', { name: 'report', path: 'out/report.json', size: 12, sha256: 'ab'.repeat(32) });
    store.contractResults.record(runId, 'a', {
      index: 0,
      contractType: 'json_schema',
      ok: true,
      hard: true,
      errors: [],
    });
    clock.advance(1500);
    store.steps.complete(runId, 'a', { exitCode: 0 });
    store.steps.start(runId, 'b', STEP_INFO);
    store.steps.timeOut(runId, 'b', { timeoutMs: 60_000 });
    store.steps.skip(runId, 'c', 'dependency b timed out');
    clock.advance(100);
    store.runs.finish(runId, 'failed', { error: 'step b timed out', exitCode: 3 });

    const stored = store.events.since(runId);
    assert.deepEqual(
      stored.map((e) => e.type),
      [
        'run_started',
        'step_started',
        'contract_result',
        'step_retrying',
        'step_started',
        'artifact_collected',
        'contract_result',
        'step_completed',
        'step_started',
        'step_timed_out',
        'step_skipped',
        'run_completed',
      ],
    );
    assert.deepEqual(delivered, stored, 'onEvent sees exactly what was stored, eventIds included');
    for (const e of stored) assert.ok(typeof e.eventId === 'number' && e.time.endsWith('Z'));

    const retrying = stored[3];
    assert.equal(retrying?.type, 'step_retrying');
    if (retrying?.type === 'step_retrying') {
      assert.equal(retrying.attempt, 1);
      assert.equal(retrying.nextAttempt, 2);
      assert.equal(retrying.delayMs, 2000);
    }
    const runStarted = stored[0];
    if (runStarted?.type === 'run_started') assert.equal(runStarted.input, 'review the change');
    const completed = stored[7];
    if (completed?.type === 'step_completed')
      assert.equal(completed.durationMs, 4000, 'from first start, retries included');
    const runCompleted = stored.at(-1);
    if (runCompleted?.type === 'run_completed') {
      assert.equal(runCompleted.status, 'failed');
      assert.equal(runCompleted.durationMs, 5100);
    }

    const run = store.runs.get(runId);
    assert.equal(run?.status, 'failed');
    assert.equal(run?.exitCode, 3);
    assert.equal(run?.ownerPid, 4242);
    assert.deepEqual(
      store.steps.list(runId).map((s) => [s.stepId, s.status, s.attempts]),
      [
        ['a', 'completed', 2],
        ['b', 'timed_out', 1],
        ['c', 'skipped', 0],
      ],
    );
    const attempts = store.attempts.list(runId, 'a');
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.status, a.failureClass, a.delayMs, a.outputTail, a.containerId]),
      [
        [1, 'failed', 'contract', 0, 'tail 1', 'c0ffee'],
        [2, 'completed', null, 2000, null, null],
      ],
    );
    assert.deepEqual(
      store.attempts.list(runId).map((a) => `${a.stepId}#${a.attempt}`),
      ['a#1', 'a#2', 'b#1'],
    );
    assert.equal(store.attempts.list(runId, 'b')[0]?.failureClass, 'timeout');
    assert.deepEqual(
      store.artifacts.list(runId).map((a) => a.name),
      ['report'],
    );
    assert.deepEqual(
      store.contractResults.list(runId, 'a').map((r) => [r.attempt, r.ok, r.errors]),
      [
        [1, false, ['missing x']],
        [2, true, []],
      ],
    );
  });

  it('fails a step from running (attempt closed) and from retrying', () => {
    const { store, runId } = withRun();
    store.runs.start(runId);
    store.steps.start(runId, 'a', STEP_INFO);
    const failed = store.steps.fail(runId, 'a', { reason: 'exit 2', exitCode: 2, failureClass: 'exit' });
    assert.equal(failed.exitCode, 2);
    assert.equal(store.attempts.list(runId, 'a')[0]?.status, 'failed');
    store.steps.start(runId, 'b', STEP_INFO);
    store.steps.retry(runId, 'b', { delayMs: 10, reason: 'rate limited', failureClass: 'rate_limit' });
    store.steps.fail(runId, 'b', { reason: 'giving up', failureClass: 'rate_limit' });
    assert.equal(store.steps.get(runId, 'b')?.status, 'failed');
    assert.equal(store.steps.get(runId, 'b')?.error, 'giving up');
  });

  it('cancels pending and running steps', () => {
    const { store, runId } = withRun();
    store.runs.start(runId);
    store.steps.start(runId, 'a', STEP_INFO);
    store.steps.cancel(runId, 'a', 'cancelled by user');
    store.steps.cancel(runId, 'b', 'cancelled by user');
    assert.equal(store.attempts.list(runId, 'a')[0]?.status, 'cancelled');
    assert.deepEqual(
      store.steps.list(runId).map((s) => s.status),
      ['cancelled', 'cancelled', 'pending'],
    );
  });

  it('resumes a failed run under the same id: unfinished steps reset, attempts keep counting', () => {
    const { store, runId, delivered } = withRun();
    store.runs.start(runId);
    store.steps.start(runId, 'a', STEP_INFO);
    store.steps.complete(runId, 'a');
    store.steps.start(runId, 'b', STEP_INFO);
    store.steps.fail(runId, 'b', { reason: 'boom', failureClass: 'exit', exitCode: 1 });
    store.steps.skip(runId, 'c', 'dependency failed');
    store.runs.finish(runId, 'failed', { error: 'boom', exitCode: 3 });
    delivered.length = 0;

    const events = store.runs.resume(runId, { host: 'h2', pid: 7 });
    assert.deepEqual(
      events.map((e) => `${e.type}:${e.stepId ?? ''}`),
      ['step_reset:b', 'step_reset:c', 'run_started:'],
    );
    assert.deepEqual(delivered, events);
    const run = store.runs.get(runId);
    assert.equal(run?.status, 'running');
    assert.equal(run?.error, null);
    assert.equal(run?.ownerHost, 'h2');
    assert.deepEqual(
      store.steps.list(runId).map((s) => s.status),
      ['completed', 'pending', 'pending'],
    );
    store.steps.start(runId, 'b', STEP_INFO);
    assert.equal(store.steps.get(runId, 'b')?.attempts, 2);
  });

  it('abandons a run whose owner died: active steps fail as infrastructure, pending ones stay', () => {
    const { store, runId } = withRun();
    store.runs.start(runId);
    store.steps.start(runId, 'a', STEP_INFO);
    const events = store.runs.abandon(runId, 'owner process 123 is gone');
    assert.deepEqual(
      events.map((e) => e.type),
      ['step_failed', 'run_completed'],
    );
    assert.deepEqual(
      store.steps.list(runId).map((s) => s.status),
      ['failed', 'pending', 'pending'],
    );
    assert.equal(store.attempts.list(runId, 'a')[0]?.failureClass, 'infrastructure');
  });

  it('a missing run is a WaveError run_not_found', () => {
    const { store } = withRun();
    assert.throws(
      () => store.runs.start('nope'),
      (err: unknown) => isWaveError(err) && err.code === 'run_not_found',
    );
    assert.equal(store.runs.get('nope'), undefined);
  });

  it('runs.delete removes the run and every row about it (foreign keys cascade)', () => {
    const { store, runId } = withRun();
    store.runs.start(runId);
    store.steps.start(runId, 'a', STEP_INFO);
    store.artifacts.record(runId, 'a', { name: 'x', path: 'x', size: 1, sha256: '00' });
    store.contractResults.record(runId, 'a', { index: 0, contractType: 't', ok: true, hard: false, errors: [] });
    store.events.append({ type: 'warning', runId, time: new Date().toISOString(), message: 'hm' });
    store.runs.requestCancel(runId);
    assert.equal(store.runs.delete(runId), true);
    assert.equal(store.runs.get(runId), undefined);
    assert.deepEqual(store.steps.list(runId), []);
    assert.deepEqual(store.attempts.list(runId), []);
    assert.deepEqual(store.artifacts.list(runId), []);
    assert.deepEqual(store.contractResults.list(runId), []);
    assert.deepEqual(store.events.since(runId), []);
    assert.equal(store.runs.isCancelRequested(runId), false);
    assert.equal(store.runs.delete(runId), false);
  });
});

describe('Store: events', () => {
  it('events.append stores non-state events with an id and round-trips them', () => {
    const { store, runId } = withRun();
    const time = '2025-01-02T03:04:06.000Z';
    const out = store.events.append({
      type: 'step_output',
      runId,
      stepId: 'a',
      attempt: 1,
      time,
      stream: 'stdout',
      line: 'hello',
    });
    assert.equal(typeof out.eventId, 'number');
    store.events.append({
      type: 'progress',
      runId,
      time,
      phase: 'image_build',
      message: 'layer 2',
      current: 2,
      total: 5,
    });
    store.events.append({
      type: 'egress_decision',
      runId,
      stepId: 'a',
      time,
      host: 'x.com',
      port: 443,
      allowed: false,
      reason: 'not listed',
    });
    const all = store.events.since(runId);
    assert.deepEqual(all[0], {
      type: 'step_output',
      runId,
      stepId: 'a',
      attempt: 1,
      time,
      stream: 'stdout',
      line: 'hello',
      eventId: out.eventId,
    });
    assert.equal(all[1]?.stepId, undefined);
    assert.equal(all[2]?.stepId, 'a');
    assert.equal(all[2]?.attempt, undefined, 'an absent attempt stays absent');
  });

  it('events.append refuses state-change events (only transitions write them)', () => {
    const { store, runId } = withRun();
    for (const type of STATE_CHANGE_EVENT_TYPES) {
      const event = { type, runId, time: new Date().toISOString() } as unknown as WaveEvent;
      assert.throws(() => store.events.append(event), /written by the state store's transitions/, type);
    }
  });

  it('events.since pages by cursor and filters by step and type', () => {
    const { store, runId } = withRun();
    store.runs.start(runId);
    store.steps.start(runId, 'a', STEP_INFO);
    const time = new Date().toISOString();
    for (let i = 0; i < 5; i++) {
      store.events.append({
        type: 'step_output',
        runId,
        stepId: 'a',
        attempt: 1,
        time,
        stream: 'stdout',
        line: `a${i}`,
      });
      store.events.append({
        type: 'step_output',
        runId,
        stepId: 'b',
        attempt: 1,
        time,
        stream: 'stderr',
        line: `b${i}`,
      });
    }
    const first = store.events.since(runId, 0, { limit: 3 });
    assert.deepEqual(
      first.map((e) => e.type),
      ['run_started', 'step_started', 'step_output'],
    );
    const rest = store.events.since(runId, first.at(-1)?.eventId ?? 0);
    assert.equal(rest.length, 12 - 3);
    const onlyA = store.events.since(runId, 0, { stepId: 'a', types: ['step_output'] });
    assert.deepEqual(
      onlyA.map((e) => (e.type === 'step_output' ? e.line : '')),
      ['a0', 'a1', 'a2', 'a3', 'a4'],
    );
  });
});
