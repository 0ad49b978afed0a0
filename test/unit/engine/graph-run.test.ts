// The graph walk against a real state db and a scripted attempt runner (no Docker): WAVE_VISIT numbers, the
// pipeline-wide visit cap, and resume after a fatal failure (the failed visit runs again as itself; the visits
// that ended do not) and after a cancel.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { resolveRetry } from '../../../src/config/retry.js';
import type { Edge, Pipeline, Step } from '../../../src/config/types.js';
import type { AttemptOutcome, AttemptRequest } from '../../../src/engine/attempt.js';
import { executeGraphRun } from '../../../src/engine/graph-run.js';
import { Store } from '../../../src/state/index.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wave-graph-'));
  store = new Store(path.join(dir, 'state.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function def(id: string, edges?: Edge[], extra: Partial<Step> = {}): Step {
  const base: Step = {
    id,
    dependencies: [],
    exec: { type: 'command', script: 'true' },
    output_artifacts: [],
    handover: { contracts: [] },
  };
  return { ...base, ...(edges ? { edges } : {}), ...extra };
}

function graph(steps: Step[], extra: Partial<Pipeline> = {}): { pipeline: Pipeline; runId: string } {
  const run = store.runs.create({
    pipeline: 'g',
    pipelinePath: 'g.yaml',
    input: '',
    steps: steps.map((s, i) => ({ stepId: s.id, level: 0, position: i })),
  });
  store.runs.start(run.id);
  return { pipeline: { kind: 'WavePipeline', metadata: { name: 'g' }, steps, ...extra }, runId: run.id };
}

const start = { persona: '', adapter: 'command', model: '', image: 'img' };
function walk(pipeline: Pipeline, runId: string, attempt: (r: AttemptRequest) => AttemptOutcome, signal?: AbortSignal) {
  return executeGraphRun({
    runId,
    pipeline,
    steps: pipeline.steps.map((s) => ({
      id: s.id,
      dependencies: s.dependencies,
      retry: resolveRetry(undefined),
      start,
    })),
    maxWorkers: 2,
    store,
    runAttempt: async (r) => attempt(r),
    signal: signal ?? new AbortController().signal,
    cancelPollMs: 10_000,
  });
}
const ok = (): AttemptOutcome => ({ ok: true, exitCode: 0, outputTail: '' });
const failed = (): AttemptOutcome => ({
  ok: false,
  failureClass: 'exit',
  reason: 'exit 1',
  exitCode: 1,
  outputTail: '',
  feedback: 'exit 1',
});

describe('executeGraphRun', () => {
  test('each attempt is told its visit; max_step_visits caps the whole walk', async () => {
    const { pipeline, runId } = graph([def('a', [{ target: 'b' }]), def('b', [{ target: 'a' }])], {
      max_step_visits: 5,
    });
    const seen: string[] = [];
    const summary = await walk(pipeline, runId, (r) => {
      seen.push(`${r.stepId}${r.visit}`);
      return ok();
    });
    assert.deepEqual(seen, ['a1', 'b1', 'a2', 'b2', 'a3']);
    assert.equal(summary.status, 'failed');
    assert.equal(summary.failureClass, 'routing');
    assert.equal(summary.error, "the run reached max_step_visits (5 visits of all steps together) before 'b'");
  });

  test('resume after a fatal failure runs the failed visit again as itself, and nothing that ended', async () => {
    const { pipeline, runId } = graph([def('a', [{ target: 'b' }]), def('b', undefined)]);
    let bFails = true;
    const log: string[] = [];
    const attempt = (r: AttemptRequest) => {
      log.push(`${r.stepId}#${r.attempt}v${r.visit}`);
      return r.stepId === 'b' && bFails ? failed() : ok();
    };
    const first = await walk(pipeline, runId, attempt);
    assert.equal(first.status, 'failed');
    store.runs.finish(runId, 'failed', { error: first.error ?? '' });
    store.runs.resume(runId);
    bFails = false;
    const second = await walk(pipeline, runId, attempt);
    assert.equal(second.status, 'completed');
    assert.deepEqual(log, ['a#1v1', 'b#1v1', 'b#2v1']);
    assert.deepEqual(
      store.visits.list(runId).map((v) => [v.stepId, v.visit, v.outcome, v.next]),
      [
        ['a', 1, 'success', 'b'],
        ['b', 1, 'success', '_complete'],
      ],
    );
  });

  test('a cancelled walk leaves its visit open; resume runs it again and goes on', async () => {
    const { pipeline, runId } = graph([def('a', [{ target: 'b' }]), def('b', [{ target: '_complete' }])]);
    const controller = new AbortController();
    const first = await walk(
      pipeline,
      runId,
      (r) => {
        if (r.stepId === 'b') {
          controller.abort();
          return { ...failed(), failureClass: 'cancelled', reason: 'run cancelled' };
        }
        return ok();
      },
      controller.signal,
    );
    assert.equal(first.status, 'cancelled');
    store.runs.finish(runId, 'cancelled');
    store.runs.resume(runId);
    const visits: string[] = [];
    const second = await walk(pipeline, runId, (r) => {
      visits.push(`${r.stepId}v${r.visit}`);
      return ok();
    });
    assert.equal(second.status, 'completed');
    assert.deepEqual(visits, ['bv1']);
    assert.deepEqual(
      store.steps.list(runId).map((s) => [s.stepId, s.status, s.attempts]),
      [
        ['a', 'completed', 1],
        ['b', 'completed', 2],
      ],
    );
  });
});
