import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canTransitionRun,
  canTransitionStep,
  IllegalTransitionError,
  RUN_STATUSES,
  STEP_STATUSES,
} from '../../../src/state/index.js';
import { observedStore, STEP_INFO } from './helpers.js';

describe('transition tables', () => {
  it('allow the documented run lifecycle', () => {
    assert.ok(canTransitionRun('pending', 'running'));
    for (const end of ['completed', 'failed', 'cancelled'] as const) assert.ok(canTransitionRun('running', end));
    assert.ok(canTransitionRun('failed', 'running'), 'resume');
    assert.ok(!canTransitionRun('completed', 'running'));
    assert.ok(!canTransitionRun('running', 'pending'));
    assert.ok(!canTransitionRun('pending', 'completed'));
  });

  it('allow the documented step lifecycle', () => {
    assert.ok(canTransitionStep('pending', 'running'));
    assert.ok(canTransitionStep('running', 'retrying'));
    assert.ok(canTransitionStep('retrying', 'running'));
    for (const end of ['completed', 'failed', 'timed_out', 'cancelled'] as const)
      assert.ok(canTransitionStep('running', end));
    assert.ok(canTransitionStep('pending', 'skipped'));
    assert.ok(!canTransitionStep('completed', 'running'));
    // Only a gate's answer runs a completed step again (engine/gate-rerun.ts); nothing restarts it directly.
    assert.ok(canTransitionStep('completed', 'pending'));
    assert.ok(canTransitionStep('pending', 'waiting'));
    for (const end of ['completed', 'failed', 'timed_out', 'cancelled'] as const)
      assert.ok(canTransitionStep('waiting', end));
    assert.ok(!canTransitionStep('waiting', 'running'));
    assert.ok(!canTransitionStep('pending', 'completed'));
    assert.ok(!canTransitionStep('skipped', 'running'));
  });

  it('never allow a status to move to itself', () => {
    for (const s of RUN_STATUSES) assert.ok(!canTransitionRun(s, s), s);
    for (const s of STEP_STATUSES) assert.ok(!canTransitionStep(s, s), s);
  });
});

describe('store transitions', () => {
  function started() {
    const ctx = observedStore();
    const run = ctx.store.runs.create({
      pipeline: 'demo',
      pipelinePath: 'demo.yaml',
      input: 'hi',
      steps: [
        { stepId: 'a', level: 0, position: 0 },
        { stepId: 'b', level: 1, position: 1 },
      ],
    });
    ctx.store.runs.start(run.id, { host: 'h', pid: 1 });
    return { ...ctx, runId: run.id };
  }

  it('throws on an illegal run transition and changes nothing', () => {
    const { store, runId } = started();
    store.runs.finish(runId, 'completed');
    const eventsBefore = store.events.since(runId).length;
    assert.throws(() => store.runs.start(runId), IllegalTransitionError);
    assert.throws(() => store.runs.finish(runId, 'failed'), /illegal state transition for run .*: completed → failed/);
    assert.equal(store.runs.get(runId)?.status, 'completed');
    assert.equal(store.events.since(runId).length, eventsBefore, 'no event for a refused change');
  });

  it('throws on an illegal step transition', () => {
    const { store, runId } = started();
    assert.throws(() => store.steps.complete(runId, 'a'), IllegalTransitionError, 'pending → completed');
    store.steps.start(runId, 'a', STEP_INFO);
    store.steps.complete(runId, 'a');
    assert.throws(() => store.steps.start(runId, 'a', STEP_INFO), IllegalTransitionError, 'completed → running');
    assert.throws(() => store.steps.skip(runId, 'a', 'x'), IllegalTransitionError);
  });

  it('will not start a step of a run that is not running', () => {
    const { store, runId } = started();
    store.runs.finish(runId, 'cancelled');
    assert.throws(() => store.steps.start(runId, 'a', STEP_INFO), IllegalTransitionError);
  });

  it('rolls the whole change back when it throws half-way', () => {
    const { store, runId } = started();
    assert.throws(() => store.steps.start(runId, 'nope', STEP_INFO), /no step "nope"/);
    assert.deepEqual(store.attempts.list(runId), []);
  });
});
