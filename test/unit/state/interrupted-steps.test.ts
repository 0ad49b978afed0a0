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
  const run = ctx.store.createRun({
    pipeline: 'demo',
    pipelinePath: 'demo.yaml',
    input: '',
    steps: ids.map((stepId, position) => ({ stepId, level: 0, position })),
  });
  ctx.store.startRun(run.id, { host: 'h', pid: 1 });
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

describe('Store.resumeRun: steps a failed run left open', () => {
  it('a step left running inside a failed run (the old executor after a throw) resumes; the completed step keeps its output', () => {
    const { store, runId } = runWithSteps(['done', 'stuck', 'later']);
    store.startStep(runId, 'done', STEP_INFO);
    store.recordArtifact(runId, 'done', { name: 'report', path: '/ws/done/out/r.md', size: 3, sha256: 'ab' });
    store.completeStep(runId, 'done', { exitCode: 0 });
    store.startStep(runId, 'stuck', STEP_INFO);
    // What the executor used to do when an attempt threw: the run ended, the step row stayed running.
    store.finishRun(runId, 'failed', { error: "step 'stuck': EMFILE", exitCode: 3 });
    assert.equal(store.getStep(runId, 'stuck')?.status, 'running');

    const events = store.resumeRun(runId, { host: 'h', pid: 2 });

    assert.deepEqual(events.map((e) => `${e.type}:${e.stepId ?? ''}`), ['step_failed:stuck', 'step_reset:stuck', 'run_started:']);
    const failedEvent = events[0] as StepFailedEvent;
    assert.equal(failedEvent.failureClass, 'infrastructure');
    assert.match(failedEvent.reason, /^interrupted: /);
    assert.equal(store.getRun(runId)?.status, 'running');
    assert.deepEqual(
      store.getSteps(runId).map((s) => [s.stepId, s.status]),
      [['done', 'completed'], ['stuck', 'pending'], ['later', 'pending']],
    );
    const [attempt] = store.getAttempts(runId, 'stuck');
    assert.equal(attempt?.status, 'failed', 'the interrupted attempt is closed, not left running');
    assert.match(attempt?.reason ?? '', /^interrupted: /);
    assert.deepEqual(store.artifacts(runId, 'done').map((a) => [a.name, a.sha256]), [['report', 'ab']]);

    // The next attempt counts on.
    assert.equal(store.startStep(runId, 'stuck', STEP_INFO).attempt, 2);
  });

  it('a step waiting to retry inside a cancelled run resumes too', () => {
    const { store, runId } = runWithSteps(['s']);
    store.startStep(runId, 's', STEP_INFO);
    store.retryStep(runId, 's', { reason: 'exit 1', failureClass: 'exit', exitCode: 1, delayMs: 1000 });
    store.finishRun(runId, 'cancelled');

    const events = store.resumeRun(runId);

    assert.deepEqual(events.map((e) => e.type), ['step_failed', 'step_reset', 'run_started']);
    assert.equal(store.getStep(runId, 's')?.status, 'pending');
    assert.equal(store.getAttempts(runId, 's')[0]?.status, 'failed', 'the retried attempt keeps its own end');
    assert.equal(store.getAttempts(runId, 's')[0]?.reason, 'exit 1');
  });

  it('an attempt row still marked running under a pending step (a stale attempt) is closed on resume', () => {
    const { store, runId, path } = runWithSteps(['s']);
    store.startStep(runId, 's', STEP_INFO);
    store.finishRun(runId, 'failed');
    // A db written by another version or cut short mid-way: the step is pending but its attempt is not closed.
    const raw = new Database(path);
    raw.prepare(`UPDATE steps SET status = 'pending' WHERE run_id = ? AND step_id = 's'`).run(runId);
    raw.close();

    store.resumeRun(runId);

    assert.equal(store.getStep(runId, 's')?.status, 'pending');
    assert.deepEqual(store.getAttempts(runId, 's').map((a) => [a.attempt, a.status, a.failureClass]), [[1, 'failed', 'infrastructure']]);
    assert.equal(store.startStep(runId, 's', STEP_INFO).attempt, 2);
  });

  it('a crash (owner gone, run still running) is abandoned and resumed through the same close', () => {
    const { store, runId } = runWithSteps(['a', 'b']);
    store.startStep(runId, 'a', STEP_INFO);
    store.startStep(runId, 'b', STEP_INFO);
    store.retryStep(runId, 'b', { reason: 'exit 1', failureClass: 'exit', exitCode: 1, delayMs: 10 });

    const abandoned = store.abandonRun(runId, 'the Wave process running it died');
    assert.deepEqual(abandoned.map((e) => `${e.type}:${e.stepId ?? ''}`), ['step_failed:a', 'step_failed:b', 'run_completed:']);
    assert.deepEqual(store.getAttempts(runId).map((a) => a.status), ['failed', 'failed']);

    store.resumeRun(runId);
    assert.deepEqual(store.getSteps(runId).map((s) => s.status), ['pending', 'pending']);
  });

  it('a resume that is refused changes nothing (all in one transaction)', () => {
    const { store, runId } = runWithSteps(['s']);
    store.startStep(runId, 's', STEP_INFO);
    store.finishRun(runId, 'completed');
    const before = store.eventsSince(runId).length;
    assert.throws(() => store.resumeRun(runId), /completed → running/);
    assert.equal(store.getStep(runId, 's')?.status, 'running');
    assert.equal(store.eventsSince(runId).length, before);
  });
});

describe('Store.failStep: a thrown attempt', () => {
  it('puts the stack into the step_failed event only; the row and the attempt keep the one-line reason', () => {
    const { store, runId, delivered } = runWithSteps(['s']);
    store.startStep(runId, 's', STEP_INFO);
    store.failStep(runId, 's', { reason: 'internal error: boom', failureClass: 'internal', exitCode: null, detail: 'Error: boom\n    at x.ts:1:1' });
    const event = delivered.at(-1) as StepFailedEvent;
    assert.equal(event.type, 'step_failed');
    assert.equal(event.failureClass, 'internal');
    assert.equal(event.detail, 'Error: boom\n    at x.ts:1:1');
    assert.equal(store.getStep(runId, 's')?.status, 'failed');
    assert.equal(store.getStep(runId, 's')?.error, 'internal error: boom');
    assert.deepEqual(store.getAttempts(runId, 's').map((a) => [a.status, a.failureClass, a.reason]), [['failed', 'internal', 'internal error: boom']]);
  });
});

/** The pid of a process that has exited (and been reaped), so nothing answers to it. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('Store.abandonIfOwnerDied: a killed Wave does not leave a run `running` forever', () => {
  it('abandons a run whose owner on this host is gone: failed, open steps interrupted, completed ones kept', () => {
    const ctx = observedStore();
    const run = ctx.store.createRun({ pipeline: 'demo', pipelinePath: 'demo.yaml', input: '', steps: [{ stepId: 'a', level: 0, position: 0 }, { stepId: 'b', level: 1, position: 1 }] });
    const pid = deadPid();
    ctx.store.startRun(run.id, { host: hostname(), pid });
    ctx.store.startStep(run.id, 'a', STEP_INFO);
    ctx.store.completeStep(run.id, 'a');
    ctx.store.startStep(run.id, 'b', STEP_INFO);

    assert.equal(ctx.store.abandonIfOwnerDied(run.id), true);
    assert.equal(ctx.store.getRun(run.id)?.status, 'failed');
    assert.match(ctx.store.getRun(run.id)?.error ?? '', new RegExp(`pid ${pid}\\) died`));
    assert.deepEqual(ctx.store.getSteps(run.id).map((s) => s.status), ['completed', 'failed']);
    assert.equal(ctx.store.abandonIfOwnerDied(run.id), false, 'once');
    ctx.store.resumeRun(run.id);
    assert.deepEqual(ctx.store.getSteps(run.id).map((s) => s.status), ['completed', 'pending']);
  });

  it('leaves a live owner and an owner on another host alone', () => {
    const ctx = observedStore();
    const mine = ctx.store.createRun({ pipeline: 'demo', pipelinePath: 'demo.yaml', input: '' });
    ctx.store.startRun(mine.id, { host: hostname(), pid: process.pid });
    const elsewhere = ctx.store.createRun({ pipeline: 'demo', pipelinePath: 'demo.yaml', input: '' });
    ctx.store.startRun(elsewhere.id, { host: `not-${hostname()}`, pid: deadPid() });
    assert.equal(ctx.store.abandonIfOwnerDied(mine.id), false);
    assert.equal(ctx.store.abandonIfOwnerDied(elsewhere.id), false);
    assert.equal(ctx.store.getRun(mine.id)?.status, 'running');
    assert.equal(ctx.store.getRun(elsewhere.id)?.status, 'running');
  });
});
