// The scheduler against a real state db and a scripted attempt runner: concurrency, ordering, retries with
// backoff, failure policies, cancellation and resume — without Docker.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { resolveRetry } from '../../../src/config/retry.js';
import type { Retry } from '../../../src/config/types.js';
import type { AttemptFailure, AttemptOutcome, AttemptRequest } from '../../../src/engine/attempt.js';
import { executeRun, type ExecutorStep } from '../../../src/engine/executor.js';
import type { WaveEvent } from '../../../src/events/types.js';
import { Store } from '../../../src/state/index.js';

let dir: string;
let store: Store;
let events: WaveEvent[];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wave-exec-'));
  events = [];
  store = new Store(path.join(dir, 'state.db'), { onEvent: (e) => events.push(e) });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = { persona: '', adapter: 'command', model: '', image: 'img' };
function step(id: string, dependencies: string[] = [], retry?: Retry): ExecutorStep {
  return { id, dependencies, retry: resolveRetry(retry), start };
}
function createRun(steps: ExecutorStep[]): string {
  const run = store.runs.create({
    pipeline: 'p',
    pipelinePath: 'p.yaml',
    input: '',
    steps: steps.map((s, i) => ({ stepId: s.id, level: 0, position: i })),
  });
  store.runs.start(run.id);
  return run.id;
}
const ok = (): AttemptOutcome => ({ ok: true, exitCode: 0, outputTail: '' });
const fail = (failureClass: 'exit' | 'contract' | 'infrastructure' | 'cancelled' = 'exit'): AttemptFailure => ({
  ok: false,
  failureClass,
  reason: `failed (${failureClass})`,
  exitCode: 1,
  outputTail: 'tail',
  feedback: `feedback ${failureClass}`,
});
const noSleep = async () => undefined;

describe('executeRun', () => {
  test('a diamond runs in dependency order and the middle steps overlap', async () => {
    const steps = [
      step('analyze'),
      step('security', ['analyze']),
      step('quality', ['analyze']),
      step('summary', ['security', 'quality']),
    ];
    const runId = createRun(steps);
    const log: string[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 4,
      store,
      signal: new AbortController().signal,
      runAttempt: async (r: AttemptRequest) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        log.push(`start ${r.stepId}`);
        await new Promise((res) => setTimeout(res, 30));
        log.push(`end ${r.stepId}`);
        concurrent--;
        return ok();
      },
    });
    assert.equal(summary.status, 'completed');
    assert.equal(maxConcurrent, 2, 'security and quality ran at the same time');
    assert.equal(log[0], 'start analyze');
    assert.ok(log.indexOf('start summary') > log.indexOf('end security'));
    assert.ok(log.indexOf('start summary') > log.indexOf('end quality'));
    assert.deepEqual(
      store.steps.list(runId).map((s) => s.status),
      ['completed', 'completed', 'completed', 'completed'],
    );
  });

  test('the worker limit is never exceeded', async () => {
    const steps = Array.from({ length: 20 }, (_, i) => step(`s${i}`));
    const runId = createRun(steps);
    let concurrent = 0;
    let maxConcurrent = 0;
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 3,
      store,
      signal: new AbortController().signal,
      runAttempt: async () => {
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        await new Promise((res) => setTimeout(res, 5));
        concurrent--;
        return ok();
      },
    });
    assert.equal(summary.status, 'completed');
    assert.equal(maxConcurrent, 3);
  });

  test('fails twice then passes: 3 attempts with growing delays, the failure fed to the next attempt', async () => {
    const steps = [step('flaky', [], { max_attempts: 3, backoff: 'exponential', base_delay: '100ms' })];
    const runId = createRun(steps);
    const delays: number[] = [];
    const seen: Array<string | undefined> = [];
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 1,
      store,
      signal: new AbortController().signal,
      sleep: async (ms) => void delays.push(ms),
      runAttempt: async (r) => {
        seen.push(r.previousFailure?.feedback);
        return r.attempt < 3 ? fail('contract') : ok();
      },
    });
    assert.equal(summary.status, 'completed');
    assert.deepEqual(delays, [100, 200]);
    assert.deepEqual(seen, [undefined, 'feedback contract', 'feedback contract']);
    const attempts = store.attempts.list(runId, 'flaky');
    assert.deepEqual(
      attempts.map((a) => a.status),
      ['failed', 'failed', 'completed'],
    );
    assert.deepEqual(
      attempts.map((a) => a.delayMs),
      [0, 100, 200],
    );
    assert.equal(events.filter((e) => e.type === 'step_retrying').length, 2);
  });

  test('an infrastructure failure is not retried', async () => {
    const steps = [step('s', [], { max_attempts: 5 })];
    const runId = createRun(steps);
    let calls = 0;
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 1,
      store,
      signal: new AbortController().signal,
      sleep: noSleep,
      runAttempt: async () => (calls++, fail('infrastructure')),
    });
    assert.equal(calls, 1);
    assert.equal(summary.status, 'failed');
  });

  test('a failure halts the run: no new steps start, dependents are skipped, a contract failure is flagged', async () => {
    const steps = [step('a'), step('b', ['a']), step('c')];
    const runId = createRun(steps);
    const started: string[] = [];
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 1,
      store,
      signal: new AbortController().signal,
      sleep: noSleep,
      runAttempt: async (r) => (started.push(r.stepId), r.stepId === 'a' ? fail('contract') : ok()),
    });
    assert.equal(summary.status, 'failed');
    assert.equal(summary.contractFailure, true);
    assert.deepEqual(started, ['a']);
    assert.deepEqual(Object.fromEntries(store.steps.list(runId).map((s) => [s.stepId, s.status])), {
      a: 'failed',
      b: 'skipped',
      c: 'skipped',
    });
  });

  test('on_failure continue: independent steps go on, dependents are skipped, the run fails', async () => {
    const steps = [step('a', [], { on_failure: 'continue' }), step('b', ['a']), step('c')];
    const runId = createRun(steps);
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 1,
      store,
      signal: new AbortController().signal,
      sleep: noSleep,
      runAttempt: async (r) => (r.stepId === 'a' ? fail() : ok()),
    });
    assert.equal(summary.status, 'failed');
    assert.deepEqual(Object.fromEntries(store.steps.list(runId).map((s) => [s.stepId, s.status])), {
      a: 'failed',
      b: 'skipped',
      c: 'completed',
    });
  });

  test('on_failure skip: the step ends skipped and the run can complete', async () => {
    const steps = [step('a', [], { on_failure: 'skip' }), step('c')];
    const runId = createRun(steps);
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 2,
      store,
      signal: new AbortController().signal,
      sleep: noSleep,
      runAttempt: async (r) => (r.stepId === 'a' ? fail() : ok()),
    });
    assert.equal(summary.status, 'completed');
    assert.deepEqual(Object.fromEntries(store.steps.list(runId).map((s) => [s.stepId, s.status])), {
      a: 'skipped',
      c: 'completed',
    });
  });

  test('cancellation through the signal stops running attempts and cancels pending steps', async () => {
    const steps = [step('long'), step('after', ['long'])];
    const runId = createRun(steps);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 1,
      store,
      signal: controller.signal,
      runAttempt: (r) => new Promise((resolve) => r.signal.addEventListener('abort', () => resolve(fail('cancelled')))),
    });
    assert.equal(summary.status, 'cancelled');
    assert.deepEqual(Object.fromEntries(store.steps.list(runId).map((s) => [s.stepId, s.status])), {
      long: 'cancelled',
      after: 'cancelled',
    });
  });

  test('a cancel request in the db (wave cancel from another process) cancels the run', async () => {
    const steps = [step('long')];
    const runId = createRun(steps);
    const other = new Store(path.join(dir, 'state.db'));
    setTimeout(() => other.runs.requestCancel(runId), 50);
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 1,
      store,
      signal: new AbortController().signal,
      cancelPollMs: 20,
      runAttempt: (r) => new Promise((resolve) => r.signal.addEventListener('abort', () => resolve(fail('cancelled')))),
    });
    other.close();
    assert.equal(summary.status, 'cancelled');
  });

  test('resume: completed steps are not run again and attempts keep counting', async () => {
    const steps = [step('a'), step('b', ['a'])];
    const runId = createRun(steps);
    await executeRun({
      runId,
      steps,
      maxWorkers: 1,
      store,
      signal: new AbortController().signal,
      sleep: noSleep,
      runAttempt: async (r) => (r.stepId === 'b' ? fail() : ok()),
    });
    store.runs.finish(runId, 'failed');
    store.runs.resume(runId);
    const ran: string[] = [];
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 1,
      store,
      signal: new AbortController().signal,
      runAttempt: async (r) => (ran.push(`${r.stepId}#${r.attempt}`), ok()),
    });
    assert.equal(summary.status, 'completed');
    assert.deepEqual(ran, ['b#2']);
    assert.equal(store.steps.get(runId, 'a')?.attempts, 1);
  });

  test('500 steps in a chain and a 200-wide fan-out complete', async () => {
    const chain = Array.from({ length: 500 }, (_, i) => step(`c${i}`, i ? [`c${i - 1}`] : []));
    const runId = createRun(chain);
    assert.equal(
      (
        await executeRun({
          runId,
          steps: chain,
          maxWorkers: 8,
          store,
          signal: new AbortController().signal,
          runAttempt: async () => ok(),
        })
      ).status,
      'completed',
    );
    const fan = [
      step('root'),
      ...Array.from({ length: 200 }, (_, i) => step(`f${i}`, ['root'])),
      step(
        'sink',
        Array.from({ length: 200 }, (_, i) => `f${i}`),
      ),
    ];
    const fanRun = createRun(fan);
    assert.equal(
      (
        await executeRun({
          runId: fanRun,
          steps: fan,
          maxWorkers: 8,
          store,
          signal: new AbortController().signal,
          runAttempt: async () => ok(),
        })
      ).status,
      'completed',
    );
    assert.equal(store.integrityCheck(), 'ok');
  });
});
