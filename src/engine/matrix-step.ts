// The attempt of a `strategy: matrix` step (DESIGN.md "A run is a tree"): the items of an upstream step's JSON file,
// each an indexed child run (the step itself per item, or its child_pipeline) on the same child-run path as iterate.
// Without dependency_key all items form one tier and the first failure stops the rest (as the original's errgroup);
// with it, tiers run in order, every item of a tier runs, and an item whose dependency failed is skipped. When two
// items of a tier change the same file (their child runs' `changes`), the step fails with the conflict.
import { setMaxListeners } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Matrix, Step } from '../config/types.js';
import { eventTime } from '../events/types.js';
import { StepGraph } from '../plan/graph.js';
import { isMatrixSource, matrixItems, matrixSource, matrixTiers, renderInputTemplate } from '../plan/matrix.js';
import { failure, type AttemptOutcome, type AttemptRequest } from './attempt.js';
import type { Read } from './child-inputs.js';
import { specFor } from './composite-step.js';
import { readJsonPath } from './json-fields.js';
import type { ChildResult, ChildRuns, StepRunnerDeps } from './step-deps.js';

type Outcome = ChildResult | { skipped: string };

export async function runMatrixAttempt(
  deps: StepRunnerDeps,
  step: Step,
  matrix: Matrix,
  request: AttemptRequest,
): Promise<AttemptOutcome> {
  const children = deps.children;
  if (!children) throw new Error(`step '${step.id}' starts child runs but the run has no run tree`);
  const note = (phase: string, message: string): void =>
    deps.bus.emit({
      type: 'progress',
      runId: deps.runId,
      stepId: step.id,
      attempt: request.attempt,
      time: eventTime(),
      phase,
      message,
    });
  const items = readItems(deps, step, matrix);
  if (!items.ok) return failure('missing_input', items.reason);
  const n = items.value.length;
  let tiers: number[][] = [items.value.map((_, i) => i)];
  let dependsOn: number[][] = items.value.map(() => []);
  let ids = items.value.map((_, i) => String(i));
  if (matrix.dependency_key !== undefined && matrix.item_id_key !== undefined) {
    const tiered = matrixTiers(items.value, matrix.item_id_key, matrix.dependency_key);
    if (!tiered.ok) return failure('missing_input', `strategy: ${tiered.reason}`);
    ({ tiers, dependsOn, ids } = tiered.value);
    note('matrix', `${tiers.length} tier(s) for ${n} item(s)`);
  }
  const outcomes: Array<Outcome | undefined> = items.value.map(() => undefined);
  const stopOnFailure = matrix.dependency_key === undefined;
  for (const [t, tier] of tiers.entries()) {
    const runnable: number[] = [];
    for (const i of tier) {
      const failedDep = dependsOn[i]?.find((d) => !isCompleted(outcomes[d]));
      if (failedDep === undefined) runnable.push(i);
      else {
        outcomes[i] = { skipped: `dependency '${ids[failedDep]}' did not complete` };
        note('matrix_item_skipped', `item ${i} ('${ids[i]}') skipped: dependency '${ids[failedDep]}' did not complete`);
      }
    }
    if (tiers.length > 1) note('matrix_tier', `tier ${t + 1}/${tiers.length}: ${runnable.length} item(s)`);
    const results = await runTier(deps, step, matrix, items.value, runnable, children, request.signal, stopOnFailure);
    for (const [k, i] of runnable.entries()) outcomes[i] = results[k];
    if (request.signal.aborted) return failure('cancelled', 'run cancelled');
    const conflicts = await fileConflicts(deps, runnable, outcomes);
    if (conflicts.length) {
      const message = `file conflicts between items of tier ${t + 1}: ${conflicts.join('; ')}`;
      deps.bus.emit({
        type: 'warning',
        runId: deps.runId,
        stepId: step.id,
        attempt: request.attempt,
        time: eventTime(),
        message,
        code: 'matrix_conflict',
      });
      return failure('exit', message);
    }
    if (stopOnFailure && results.some((r) => r && !isCompleted(r))) break;
  }
  return summarise(outcomes, ids, n);
}

function isCompleted(outcome: Outcome | undefined): boolean {
  return outcome !== undefined && 'status' in outcome && outcome.status === 'completed';
}

/** The items, from the artifact `items_source` names (recorded by the upstream step in this run). */
function readItems(deps: StepRunnerDeps, step: Step, matrix: Matrix): Read<unknown[]> {
  const source = matrixSource(new StepGraph(deps.pipeline.steps), step, matrix);
  if (!isMatrixSource(source)) return { ok: false, reason: source.message };
  const records = deps.store.artifacts.list(deps.inputsRunId ?? deps.runId, source.step);
  const record = records.find((a) => a.name === source.artifact);
  if (!record)
    return { ok: false, reason: `strategy.items_source: step '${source.step}' wrote no '${source.artifact}'` };
  const read = readJsonPath(record.path, [], `strategy.items_source ${matrix.items_source}`);
  if (!read.ok) return { ok: false, reason: read.message };
  const items = matrixItems(read.value, matrix);
  return items.ok ? items : { ok: false, reason: items.reason };
}

/** The items of one tier, at most max_concurrency at once; each a child run of `step` with its item index. */
async function runTier(
  deps: StepRunnerDeps,
  step: Step,
  matrix: Matrix,
  items: readonly unknown[],
  runnable: readonly number[],
  children: ChildRuns,
  signal: AbortSignal,
  stopOnFailure: boolean,
): Promise<Array<ChildResult | undefined>> {
  const stop = new AbortController();
  setMaxListeners(runnable.length + 10, stop.signal);
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) stop.abort();
  const results: Array<ChildResult | undefined> = runnable.map(() => undefined);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < runnable.length && !stop.signal.aborted) {
      const k = next++;
      const index = runnable[k] as number;
      results[k] = await runItem(deps, step, matrix, items[index], index, children, stop.signal);
      if (results[k]?.status !== 'completed' && stopOnFailure) stop.abort();
    }
  };
  const width = Math.min(matrix.max_concurrency ?? runnable.length, runnable.length);
  try {
    await Promise.all(Array.from({ length: width }, lane));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return results;
}

async function runItem(
  deps: StepRunnerDeps,
  step: Step,
  matrix: Matrix,
  item: unknown,
  index: number,
  children: ChildRuns,
  signal: AbortSignal,
): Promise<ChildResult> {
  const failed = (error: string): ChildResult => ({
    runId: '-',
    status: 'failed',
    error,
    failureClass: 'missing_input',
    reused: false,
  });
  const parent = { runId: deps.runId, stepId: step.id, itemIndex: index };
  const spec = await specFor(deps, step, parent, { value: item });
  if (!spec.ok) return failed(spec.reason);
  if (spec.value.kind !== 'pipeline') return children.run(spec.value, signal);
  const input = renderInputTemplate(matrix.input_template, item);
  if (!input.ok) return failed(input.reason);
  return children.run({ ...spec.value, input: input.value }, signal);
}

/** The files two or more completed items of a tier changed, as `path (items 0, 2)`. */
async function fileConflicts(
  deps: StepRunnerDeps,
  tier: readonly number[],
  outcomes: ReadonlyArray<Outcome | undefined>,
): Promise<string[]> {
  const writers = new Map<string, number[]>();
  for (const i of tier) {
    const outcome = outcomes[i];
    if (!outcome || !('status' in outcome) || outcome.status !== 'completed') continue;
    const files = new Set<string>();
    for (const record of deps.store.artifacts.list(outcome.runId).filter((a) => a.name === 'changes')) {
      const summary = JSON.parse(await readFile(path.join(record.path, 'changes.json'), 'utf8')) as {
        files: Array<{ path: string }>;
      };
      for (const file of summary.files) files.add(file.path);
    }
    for (const file of files) writers.set(file, [...(writers.get(file) ?? []), i]);
  }
  return [...writers]
    .filter(([, items]) => items.length > 1)
    .map(([file, items]) => `${file} (items ${items.join(', ')})`);
}

function summarise(outcomes: ReadonlyArray<Outcome | undefined>, ids: readonly string[], n: number): AttemptOutcome {
  const failed: string[] = [];
  const skipped: string[] = [];
  let firstFailure: ChildResult | undefined;
  for (const [i, outcome] of outcomes.entries()) {
    if (!outcome) continue;
    if ('skipped' in outcome) skipped.push(`item ${i} ('${ids[i]}'): ${outcome.skipped}`);
    else if (outcome.status !== 'completed') {
      firstFailure ??= outcome;
      failed.push(`item ${i} (run ${outcome.runId}) ${outcome.status}: ${outcome.error ?? 'see its status'}`);
    }
  }
  const done = outcomes.filter(isCompleted).length;
  const notRun = n - done - failed.length - skipped.length;
  const counts = `${done}/${n} item(s) completed, ${failed.length} failed, ${skipped.length} skipped`;
  if (!firstFailure) return { ok: true, exitCode: 0, outputTail: `matrix: ${counts}` };
  const more = [...failed.slice(0, 3), ...(failed.length > 3 ? [`and ${failed.length - 3} more`] : []), ...skipped];
  const unstarted = notRun > 0 ? `; ${notRun} not started` : '';
  return failure(firstFailure.failureClass ?? 'exit', `matrix: ${counts}${unstarted}: ${more.join('; ')}`);
}
