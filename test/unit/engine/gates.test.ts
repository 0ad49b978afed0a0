// Gate steps without Docker, against a real state db: the waiting state and its rounds, the answer from "another
// process" (the store, as `wave gate` writes it), --auto-approve, deadlines, what an answer means (go on, re-run,
// reject), `wave gate`'s checks, and the executor re-running an upstream step on a gate's answer.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { resolveRetry } from '../../../src/config/retry.js';
import type { GateExec, Step } from '../../../src/config/types.js';
import { executeRun, type ExecutorStep } from '../../../src/engine/executor.js';
import { answerGate } from '../../../src/engine/gate-answer.js';
import { rerunSet } from '../../../src/engine/gate-rerun.js';
import { GATE_POLL_MS, runGate, type GateOutcome, type GateRunOptions } from '../../../src/engine/gate-step.js';
import { isWaveError } from '../../../src/errors.js';
import { Store } from '../../../src/state/index.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wave-gates-'));
  store = new Store(path.join(dir, 'state.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const gateStep = (gate: Partial<GateExec> = {}, id = 'approve'): Step => ({
  id,
  dependencies: [],
  exec: { type: 'gate', kind: 'approval', choices: [], freeform: false, auto: false, ...gate },
  output_artifacts: [],
  handover: { contracts: [] },
});
function createRun(ids: string[]): string {
  const run = store.runs.create({
    pipeline: 'p',
    pipelinePath: 'p.yaml',
    input: '',
    steps: ids.map((stepId, position) => ({ stepId, level: 0, position })),
  });
  store.runs.start(run.id);
  return run.id;
}
const options = (runId: string, more: Partial<GateRunOptions> = {}): GateRunOptions => ({
  store,
  runId,
  runDir: dir,
  autoApprove: false,
  approvalTimeoutMs: 3_600_000,
  pollMs: 5,
  ...more,
});
const signal = () => new AbortController().signal;
const decision = (stepId = 'approve') =>
  JSON.parse(readFileSync(path.join(dir, stepId, 'out', 'decision.json'), 'utf8')) as Record<string, unknown>;

describe('a gate step', () => {
  test('the run notices an answer within a second: the poll interval is under one', () => {
    assert.ok(GATE_POLL_MS <= 1000, `${GATE_POLL_MS} ms`);
  });

  test('waits (step waiting, round 1) until another process answers; the decision is its artifact', async () => {
    const runId = createRun(['approve']);
    const waiting = runGate(options(runId), gateStep({ message: 'ship?' }), signal());
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(store.steps.get(runId, 'approve')?.status, 'waiting');
    assert.equal(store.gates.listOpen()[0]?.message, 'ship?');
    answerGate(store, { runId, stepId: 'approve', verdict: 'approve', message: 'fine' });
    const outcome = await waiting;
    assert.equal(outcome.ok, true);
    assert.deepEqual(
      { ...decision(), by: 'x', at: 'x' },
      { choice: 'approve', label: null, target: null, message: 'fine', by: 'x', at: 'x', how: 'cli', round: 1 },
    );
    assert.equal(store.artifacts.list(runId, 'approve')[0]?.name, 'decision');
    assert.deepEqual(store.gates.listOpen(), []);
  });

  test('--auto-approve takes the default choice; a gate without choices is approved', async () => {
    const runId = createRun(['a', 'b']);
    const choices = [
      { key: 'go', label: 'Go' },
      { key: 'stop', label: 'Stop', target: '_fail' },
    ];
    const withDefault = await runGate(
      options(runId, { autoApprove: true }),
      gateStep({ choices, default: 'go' }, 'a'),
      signal(),
    );
    assert.deepEqual([withDefault.ok, decision('a').choice, decision('a').how], [true, 'go', 'auto']);
    const plain = await runGate(options(runId, { autoApprove: true }), gateStep({}, 'b'), signal());
    assert.deepEqual([plain.ok, decision('b').choice], [true, 'approve']);
  });

  test('a deadline takes the default, or fails as a timeout without one; a timer just elapses', async () => {
    const runId = createRun(['a', 'b', 'c']);
    const late = { timeoutMs: 10 };
    const taken = await runGate(
      options(runId),
      gateStep({ ...late, choices: [{ key: 'ok', label: 'OK' }], default: 'ok' }, 'a'),
      signal(),
    );
    assert.deepEqual([taken.ok, decision('a').choice, decision('a').how], [true, 'ok', 'timeout']);
    const none = await runGate(options(runId), gateStep(late, 'b'), signal());
    assert.deepEqual(none, {
      ok: false,
      failureClass: 'timeout',
      reason: "gate 'b' was not answered in time and has no default",
      timeoutMs: 10,
    } satisfies GateOutcome);
    const timer = await runGate(options(runId), gateStep({ kind: 'timer', ...late }, 'c'), signal());
    assert.equal(timer.ok, true);
  });

  test('reject and a _fail choice fail with class rejected; a step target asks for a re-run', async () => {
    const runId = createRun(['a', 'b', 'c']);
    const choices = [
      { key: 'again', label: 'Again', target: 'build' },
      { key: 'stop', label: 'Stop', target: '_fail' },
    ];
    const answerSoon = (stepId: string, verdict: 'approve' | 'reject', choice?: string) =>
      setTimeout(
        () => answerGate(store, { runId, stepId, verdict, ...(choice ? { choice } : {}), message: 'why' }),
        10,
      );
    answerSoon('a', 'reject');
    const rejected = await runGate(options(runId), gateStep({ choices }, 'a'), signal());
    assert.equal(rejected.ok, false);
    assert.match(!rejected.ok ? rejected.reason : '', /^gate 'a' rejected by \S+: why$/);
    answerSoon('b', 'approve', 'stop');
    const stopped = await runGate(options(runId), gateStep({ choices }, 'b'), signal());
    assert.equal(!stopped.ok && stopped.failureClass, 'rejected');
    answerSoon('c', 'approve', 'again');
    const again = await runGate(options(runId), gateStep({ choices }, 'c'), signal());
    assert.equal(again.ok && again.rerun, 'build');
  });

  test('a cancelled run stops waiting; the round stays open and is taken up again with its answer', async () => {
    const runId = createRun(['approve']);
    const controller = new AbortController();
    const waiting = runGate(options(runId), gateStep(), controller.signal);
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    assert.equal((await waiting).ok, false);
    store.steps.cancel(runId, 'approve', 'run cancelled');
    answerGate(store, { runId, stepId: 'approve', verdict: 'approve' });
    store.runs.finish(runId, 'cancelled');
    store.runs.resume(runId);
    const resumed = await runGate(options(runId), gateStep(), signal());
    assert.equal(resumed.ok, true);
    assert.equal(decision().round, 1, 'the same round, not a new one');
  });

  test('wave gate checks the answer against the open round', async () => {
    const runId = createRun(['approve', 'plain']);
    const choices = [
      { key: 'a', label: 'A' },
      { key: 'b', label: 'B' },
    ];
    const refused = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(fn, (err) => isWaveError(err) && pattern.test(err.message));
    refused(() => answerGate(store, { runId, stepId: 'approve', verdict: 'approve' }), /is not a gate waiting/);
    const waiting = runGate(options(runId), gateStep({ choices }), signal());
    await new Promise((r) => setTimeout(r, 10));
    refused(() => answerGate(store, { runId, stepId: 'approve', verdict: 'approve' }), /has choices and no default/);
    refused(() => answerGate(store, { runId, stepId: 'approve', verdict: 'approve', choice: 'c' }), /not a choice/);
    refused(() => answerGate(store, { runId, stepId: 'approve', verdict: 'reject', choice: 'a' }), /takes no --choice/);
    answerGate(store, { runId, stepId: 'approve', verdict: 'approve', choice: 'b' });
    refused(() => answerGate(store, { runId, stepId: 'approve', verdict: 'approve', choice: 'a' }), /not waiting/);
    assert.equal((await waiting).ok, true);
    const plain = runGate(options(runId), gateStep({}, 'plain'), signal());
    await new Promise((r) => setTimeout(r, 10));
    refused(() => answerGate(store, { runId, stepId: 'plain', verdict: 'approve', choice: 'x' }), /has no choices/);
    answerGate(store, { runId, stepId: 'plain', verdict: 'approve' });
    await plain;
  });
});

describe('the executor and a gate', () => {
  const start = { persona: '', adapter: 'command', model: '', image: 'img' };
  const step = (id: string, dependencies: string[] = [], gate = false): ExecutorStep => ({
    id,
    dependencies,
    retry: resolveRetry(undefined),
    start,
    ...(gate ? { gate: true } : {}),
  });

  test('rerunSet: the target and everything downstream of it', () => {
    const steps = [step('a'), step('b', ['a']), step('g', ['b']), step('c', ['g']), step('side')];
    assert.deepEqual([...rerunSet(steps, 'b')].sort(), ['b', 'c', 'g']);
  });

  test('an answer that targets an upstream step runs it again, then asks again; the run completes', async () => {
    const steps = [step('build'), step('check', ['build']), step('gate', ['check'], true), step('after', ['gate'])];
    const runId = createRun(steps.map((s) => s.id));
    const ran: string[] = [];
    let asked = 0;
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 1,
      store,
      signal: signal(),
      runAttempt: async (r) => {
        ran.push(r.stepId);
        return { ok: true, exitCode: 0, outputTail: '' };
      },
      runGate: async (stepId) => {
        ran.push(stepId);
        store.gates.open(runId, stepId, { kind: 'approval', choices: [] }, undefined);
        const answer = { choice: 'x', by: 'me', how: 'cli' as const };
        return ++asked === 1 ? { ok: true, answer, rerun: 'check' } : { ok: true, answer };
      },
    });
    assert.equal(summary.status, 'completed');
    assert.deepEqual(ran, ['build', 'check', 'gate', 'check', 'gate', 'after']);
    assert.deepEqual(
      store.steps.list(runId).map((s) => [s.stepId, s.attempts]),
      [
        ['build', 1],
        ['check', 2],
        ['gate', 2],
        ['after', 1],
      ],
    );
  });

  test('a rejected gate ends the run rejected, as a rejecting contract does', async () => {
    const steps = [step('gate', [], true), step('after', ['gate'])];
    const runId = createRun(steps.map((s) => s.id));
    const summary = await executeRun({
      runId,
      steps,
      maxWorkers: 1,
      store,
      signal: signal(),
      runAttempt: async () => ({ ok: true, exitCode: 0, outputTail: '' }),
      runGate: async (stepId) => {
        store.gates.open(runId, stepId, { kind: 'approval', choices: [] }, undefined);
        return { ok: false, failureClass: 'rejected', reason: "gate 'gate' rejected by me" };
      },
    });
    assert.deepEqual(
      [summary.status, summary.failureClass, summary.error],
      ['rejected', 'rejected', "rejected: gate 'gate' rejected by me"],
    );
    assert.equal(store.steps.get(runId, 'after')?.status, 'skipped');
  });
});
