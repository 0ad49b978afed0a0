// A run that ended while a step was still open (`running` or `retrying`: the process died, or a throw kept the
// executor from recording the step's end) must always be resumable, without losing what completed. Issue 13
// finding 3: such a run failed `wave resume` on every try with "illegal state transition running → pending".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import type { StepFailedEvent } from '../../../src/events/types.js';
import { canTransitionStep } from '../../../src/state/index.js';
import { observedStore, STEP_INFO } from './helpers.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

function runWithSteps(ids: string[]) {
  const ctx = observedStore();
  const run = ctx.store.runs.create({
    pipeline: 'demo',
    pipelinePath: 'demo.yaml',
    input: '',
    steps: ids.map((stepId, position) => ({ stepId, level: 0, position })),
  });
  ctx.store.runs.start(run.id, { host: 'h', pid: 1 });
  return { ...ctx, runId: run.id };
}

describe('state machine: open steps', () => {
  it('keeps running → pending illegal: resume goes through a terminal, closed state', () => {
    assert.equal(canTransitionStep('running', 'pending'), false);
    assert.equal(canTransitionStep('retrying', 'pending'), false);
    assert.equal(canTransitionStep('running', 'failed'), true);
    assert.equal(canTransitionStep('retrying', 'failed'), true);
    assert.equal(canTransitionStep('failed', 'pending'), true);
  });
});

describe('Store.runs.resume: steps a failed run left open', () => {
  it('a step left running inside a failed run (the old executor after a throw) resumes; the completed step keeps its output', () => {
    const { store, runId } = runWithSteps(['done', 'stuck', 'later']);
    store.steps.start(runId, 'done', STEP_INFO);
    store.artifacts.record(runId, 'done', { name: 'report', path: '/ws/done/out/r.md', size: 3, sha256: 'ab' });
    store.steps.complete(runId, 'done', { exitCode: 0 });
    store.steps.start(runId, 'stuck', STEP_INFO);
    // What the executor used to do when an attempt threw: the run ended, the step row stayed running.
    store.runs.finish(runId, 'failed', { error: "step 'stuck': EMFILE", exitCode: 3 });
    assert.equal(store.steps.get(runId, 'stuck')?.status, 'running');

    const events = store.runs.resume(runId, { host: 'h', pid: 2 });

    assert.deepEqual(
      events.map((e) => `${e.type}:${e.stepId ?? ''}`),
      ['step_failed:stuck', 'step_reset:stuck', 'run_started:'],
    );
    const failedEvent = events[0] as StepFailedEvent;
    assert.equal(failedEvent.failureClass, 'infrastructure');
    assert.match(failedEvent.reason, /^interrupted: /);
    assert.equal(store.runs.get(runId)?.status, 'running');
    assert.deepEqual(
      store.steps.list(runId).map((s) => [s.stepId, s.status]),
      [
        ['done', 'completed'],
        ['stuck', 'pending'],
        ['later', 'pending'],
      ],
    );
    const [attempt] = store.attempts.list(runId, 'stuck');
    assert.equal(attempt?.status, 'failed', 'the interrupted attempt is closed, not left running');
    assert.match(attempt?.reason ?? '', /^interrupted: /);
    assert.deepEqual(
      store.artifacts.list(runId, 'done').map((a) => [a.name, a.sha256]),
      [['report', 'ab']],
    );

    // The next attempt counts on.
    assert.equal(store.steps.start(runId, 'stuck', STEP_INFO).attempt, 2);
  });

  it('a step waiting to retry inside a cancelled run resumes too', () => {
    const { store, runId } = runWithSteps(['s']);
    store.steps.start(runId, 's', STEP_INFO);
    store.steps.retry(runId, 's', { reason: 'exit 1', failureClass: 'exit', exitCode: 1, delayMs: 1000 });
    store.runs.finish(runId, 'cancelled');

    const events = store.runs.resume(runId);

    assert.deepEqual(
      events.map((e) => e.type),
      ['step_failed', 'step_reset', 'run_started'],
    );
    assert.equal(store.steps.get(runId, 's')?.status, 'pending');
    assert.equal(store.attempts.list(runId, 's')[0]?.status, 'failed', 'the retried attempt keeps its own end');
    assert.equal(store.attempts.list(runId, 's')[0]?.reason, 'exit 1');
  });

  it('an attempt row still marked running under a pending step (a stale attempt) is closed on resume', () => {
    const { store, runId, path } = runWithSteps(['s']);
    store.steps.start(runId, 's', STEP_INFO);
    store.runs.finish(runId, 'failed');
    // A db written by another version or cut short mid-way: the step is pending but its attempt is not closed.
    const raw = new Database(path);
    raw.prepare(`UPDATE steps SET status = 'pending' WHERE run_id = ? AND step_id = 's'`).run(runId);
    raw.close();

    store.runs.resume(runId);

    assert.equal(store.steps.get(runId, 's')?.status, 'pending');
    assert.deepEqual(
      store.attempts.list(runId, 's').map((a) => [a.attempt, a.status, a.failureClass]),
      [[1, 'failed', 'infrastructure']],
    );
    assert.equal(store.steps.start(runId, 's', STEP_INFO).attempt, 2);
  });

  it('a crash (owner gone, run still running) is abandoned and resumed through the same close', () => {
    const { store, runId } = runWithSteps(['a', 'b']);
    store.steps.start(runId, 'a', STEP_INFO);
    store.steps.start(runId, 'b', STEP_INFO);
    store.steps.retry(runId, 'b', { reason: 'exit 1', failureClass: 'exit', exitCode: 1, delayMs: 10 });

    const abandoned = store.runs.abandon(runId, 'the Wave process running it died');
    assert.deepEqual(
      abandoned.map((e) => `${e.type}:${e.stepId ?? ''}`),
      ['step_failed:a', 'step_failed:b', 'run_completed:'],
    );
    assert.deepEqual(
      store.attempts.list(runId).map((a) => a.status),
      ['failed', 'failed'],
    );

    store.runs.resume(runId);
    assert.deepEqual(
      store.steps.list(runId).map((s) => s.status),
      ['pending', 'pending'],
    );
  });

  it('a resume that is refused changes nothing (all in one transaction)', () => {
    const { store, runId } = runWithSteps(['s']);
    store.steps.start(runId, 's', STEP_INFO);
    store.runs.finish(runId, 'completed');
    const before = store.events.since(runId).length;
    assert.throws(() => store.runs.resume(runId), /completed → running/);
    assert.equal(store.steps.get(runId, 's')?.status, 'running');
    assert.equal(store.events.since(runId).length, before);
  });
});

describe('Store.steps.fail: a thrown attempt', () => {
  it('puts the stack into the step_failed event only; the row and the attempt keep the one-line reason', () => {
    const { store, runId, delivered } = runWithSteps(['s']);
    store.steps.start(runId, 's', STEP_INFO);
    store.steps.fail(runId, 's', {
      reason: 'internal error: boom',
      failureClass: 'internal',
      exitCode: null,
      detail: 'Error: boom\n    at x.ts:1:1',
    });
    const event = delivered.at(-1) as StepFailedEvent;
    assert.equal(event.type, 'step_failed');
    assert.equal(event.failureClass, 'internal');
    assert.equal(event.detail, 'Error: boom\n    at x.ts:1:1');
    assert.equal(store.steps.get(runId, 's')?.status, 'failed');
    assert.equal(store.steps.get(runId, 's')?.error, 'internal error: boom');
    assert.deepEqual(
      store.attempts.list(runId, 's').map((a) => [a.status, a.failureClass, a.reason]),
      [['failed', 'internal', 'internal error: boom']],
    );
  });
});

/** The pid of a process that has exited (and been reaped), so nothing answers to it. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('Store.runs.abandonIfOwnerDied: a killed Wave does not leave a run `running` forever', () => {
  it('abandons a run whose owner on this host is gone: failed, open steps interrupted, completed ones kept', () => {
    const ctx = observedStore();
    const run = ctx.store.runs.create({
      pipeline: 'demo',
      pipelinePath: 'demo.yaml',
      input: '',
      steps: [
        { stepId: 'a', level: 0, position: 0 },
        { stepId: 'b', level: 1, position: 1 },
      ],
    });
    const pid = deadPid();
    ctx.store.runs.start(run.id, { host: hostname(), pid });
    ctx.store.steps.start(run.id, 'a', STEP_INFO);
    ctx.store.steps.complete(run.id, 'a');
    ctx.store.steps.start(run.id, 'b', STEP_INFO);

    assert.equal(ctx.store.runs.abandonIfOwnerDied(run.id), true);
    assert.equal(ctx.store.runs.get(run.id)?.status, 'failed');
    assert.match(ctx.store.runs.get(run.id)?.error ?? '', new RegExp(`pid ${pid}\\) died`));
    assert.deepEqual(
      ctx.store.steps.list(run.id).map((s) => s.status),
      ['completed', 'failed'],
    );
    assert.equal(ctx.store.runs.abandonIfOwnerDied(run.id), false, 'once');
    ctx.store.runs.resume(run.id);
    assert.deepEqual(
      ctx.store.steps.list(run.id).map((s) => s.status),
      ['completed', 'pending'],
    );
  });

  it('leaves a live owner and an owner on another host alone', () => {
    const ctx = observedStore();
    const mine = ctx.store.runs.create({ pipeline: 'demo', pipelinePath: 'demo.yaml', input: '' });
    ctx.store.runs.start(mine.id, { host: hostname(), pid: process.pid });
    const elsewhere = ctx.store.runs.create({ pipeline: 'demo', pipelinePath: 'demo.yaml', input: '' });
    ctx.store.runs.start(elsewhere.id, { host: `not-${hostname()}`, pid: deadPid() });
    assert.equal(ctx.store.runs.abandonIfOwnerDied(mine.id), false);
    assert.equal(ctx.store.runs.abandonIfOwnerDied(elsewhere.id), false);
    assert.equal(ctx.store.runs.get(mine.id)?.status, 'running');
    assert.equal(ctx.store.runs.get(elsewhere.id)?.status, 'running');
  });
});
