// An attempt that throws (a bug, EMFILE, a full disk) instead of reporting a failure: the step must end
// `failed` with a clear class, a parallel step must finish as the failure policy says, the run must end
// consistently, and `wave resume` must finish it (issue 13 finding 3, issue 14 item 5).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { resolveRetry } from '../../../src/config/retry.js';
import type { Retry } from '../../../src/config/types.js';
import type { AttemptOutcome, AttemptRequest } from '../../../src/engine/attempt.js';
import { executeRun, type ExecutorStep } from '../../../src/engine/executor.js';
import type { StepFailedEvent, WaveEvent } from '../../../src/events/types.js';
import { Store } from '../../../src/state/index.js';

let dir: string;
let store: Store;
let events: WaveEvent[];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wave-exec-throw-'));
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
const statuses = (runId: string) => Object.fromEntries(store.steps.list(runId).map((s) => [s.stepId, s.status]));

function emfile(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error("EMFILE: too many open files, open '/ws/out/x'");
  err.code = 'EMFILE';
  err.errno = -24;
  err.syscall = 'open';
  return err;
}

/**
 * `thrower` throws `error` once `sibling` has started, so the sibling is surely running in parallel; the
 * sibling completes only after the throw has been recorded, so it finishes while the run is already halting.
 */
function parallelThrow(error: () => unknown, opts: { sync?: boolean } = {}) {
  let siblingStarted!: () => void;
  const started = new Promise<void>((resolve) => (siblingStarted = resolve));
  let thrown!: () => void;
  const afterThrow = new Promise<void>((resolve) => (thrown = resolve));
  const runAttempt = (r: AttemptRequest): Promise<AttemptOutcome> => {
    if (r.stepId === 'sibling') {
      siblingStarted();
      return afterThrow.then(ok);
    }
    if (r.stepId === 'thrower') {
      if (opts.sync && r.attempt === 1) {
        // Not even a promise: the attempt runner itself blew up before it got going.
        thrown();
        throw error();
      }
      return started.then(() => {
        setImmediate(thrown);
        throw error();
      });
    }
    return Promise.resolve(ok());
  };
  return runAttempt;
}

describe('executeRun: an attempt that throws', () => {
  test('a plain Error fails the step as internal while a parallel step completes; the run fails consistently; resume finishes it', async () => {
    const steps = [step('thrower'), step('sibling'), step('after', ['thrower'])];
    const runId = createRun(steps);

    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 2,
      store,
      signal: new AbortController().signal,
      runAttempt: parallelThrow(() => new TypeError("Cannot read properties of undefined (reading 'path')")),
    });

    assert.equal(summary.status, 'failed');
    assert.equal(summary.failureClass, 'internal');
    assert.deepEqual(summary.failed, ['thrower']);
    assert.match(summary.error ?? '', /internal error .*TypeError: Cannot read properties of undefined/);
    assert.deepEqual(statuses(runId), { thrower: 'failed', sibling: 'completed', after: 'skipped' });
    const [attempt] = store.attempts.list(runId, 'thrower');
    assert.deepEqual([attempt?.status, attempt?.failureClass], ['failed', 'internal']);
    const failedEvent = events.find((e): e is StepFailedEvent => e.type === 'step_failed');
    assert.equal(failedEvent?.stepId, 'thrower');
    assert.match(
      failedEvent?.reason ?? '',
      /^internal error \(a bug in Wave; the stack is in the run's log\): TypeError: /,
    );
    assert.doesNotMatch(failedEvent?.reason ?? '', /\n/, 'the one-line reason carries no stack');
    assert.match(
      failedEvent?.detail ?? '',
      /TypeError: Cannot read properties[\s\S]*\n\s+at /,
      'the stack is in the event for the log',
    );
    assert.equal(store.attempts.list(runId).filter((a) => a.status === 'running').length, 0, 'no attempt left running');

    store.runs.finish(runId, summary.status, { exitCode: 1 });
    store.runs.resume(runId);
    const ran: string[] = [];
    const resumed = await executeRun({
      runId,
      steps,
      maxWorkers: 2,
      store,
      signal: new AbortController().signal,
      runAttempt: async (r) => (ran.push(`${r.stepId}#${r.attempt}`), ok()),
    });
    assert.equal(resumed.status, 'completed');
    assert.deepEqual(ran.sort(), ['after#1', 'thrower#2'], 'the completed sibling is not run again');
    assert.deepEqual(statuses(runId), { thrower: 'completed', sibling: 'completed', after: 'completed' });
  });

  test("EMFILE is the host's trouble (infrastructure), not retried, and the step still ends failed", async () => {
    const steps = [step('thrower', [], { max_attempts: 3 }), step('sibling')];
    const runId = createRun(steps);
    let throws = 0;
    const inner = parallelThrow(() => (throws++, emfile()));
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 2,
      store,
      signal: new AbortController().signal,
      runAttempt: inner,
    });

    assert.equal(summary.status, 'failed');
    assert.equal(summary.failureClass, 'infrastructure');
    assert.equal(throws, 1, 'a host error is not retried');
    assert.deepEqual(statuses(runId), { thrower: 'failed', sibling: 'completed' });
    assert.equal(store.steps.get(runId, 'thrower')?.error, "host error: EMFILE: too many open files, open '/ws/out/x'");
  });

  test('a synchronous throw from the attempt runner is caught the same way', async () => {
    const steps = [step('thrower'), step('sibling')];
    const runId = createRun(steps);
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 2,
      store,
      signal: new AbortController().signal,
      runAttempt: parallelThrow(() => emfile(), { sync: true }),
    });
    assert.equal(summary.status, 'failed');
    assert.deepEqual(statuses(runId), { thrower: 'failed', sibling: 'completed' });
  });

  test('on_failure continue: the thrower fails, independent steps go on, the run fails but nothing is left open', async () => {
    const steps = [step('thrower', [], { on_failure: 'continue' }), step('sibling'), step('next', ['sibling'])];
    const runId = createRun(steps);
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 2,
      store,
      signal: new AbortController().signal,
      runAttempt: parallelThrow(() => new Error('boom')),
    });
    assert.equal(summary.status, 'failed');
    assert.deepEqual(statuses(runId), { thrower: 'failed', sibling: 'completed', next: 'completed' });
  });

  test('a throw that is not an Error at all (a string) still fails the step with its text', async () => {
    const steps = [step('thrower')];
    const runId = createRun(steps);
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 1,
      store,
      signal: new AbortController().signal,
      runAttempt: async () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a non-Error throw is the case under test
        throw 'disk on fire';
      },
    });
    assert.equal(summary.status, 'failed');
    assert.match(store.steps.get(runId, 'thrower')?.error ?? '', /internal error .*: disk on fire$/);
  });

  test('the store failing after the attempt (completing the step throws) still closes the step row', async () => {
    const steps = [step('s')];
    const runId = createRun(steps);
    const completeStep = store.steps.complete.bind(store);
    let refused = 0;
    store.steps.complete = () => {
      refused++;
      const err: NodeJS.ErrnoException = new Error('database or disk is full');
      err.code = 'SQLITE_FULL';
      throw err;
    };
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 1,
      store,
      signal: new AbortController().signal,
      runAttempt: async () => ok(),
    });
    store.steps.complete = completeStep;
    assert.equal(refused, 1);
    assert.equal(summary.status, 'failed');
    assert.equal(summary.failureClass, 'infrastructure');
    assert.equal(store.steps.get(runId, 's')?.status, 'failed');
    assert.match(store.steps.get(runId, 's')?.error ?? '', /^host error: database or disk is full/);
  });
});
