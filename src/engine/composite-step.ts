// The attempt of a step that runs child runs instead of a container (DESIGN.md "A run is a tree"): a `pipeline:`
// step's sub-pipeline, or an `iterate:` step's items, each an indexed child run, then the `aggregate:` merge; a
// `loop:` step's iterations (loop-step.ts).
// It holds no worker slot itself; every container of its children takes one from the tree's pool.
import { setMaxListeners } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { aggregateOutput } from '../config/pipeline-composition.js';
import type { Iterate, PipelineExec, Step } from '../config/types.js';
import { pickCase } from '../plan/branch-case.js';
import { isLoopStep } from '../plan/loop.js';
import { runLoopAttempt } from './loop-step.js';
import type { RunParent } from '../state/index.js';
import { artifactDigest } from '../workspace/artifacts.js';
import { mergeArtifacts } from './aggregate.js';
import { failure, type AttemptOutcome, type AttemptRequest } from './attempt.js';
import { childInput, injectedArtifacts, iterateItems, type Read, referencedValue } from './child-inputs.js';
import type { ChildResult, ChildRuns, ChildSpec, StepRunnerDeps } from './step-deps.js';

export function isComposite(step: Step): boolean {
  const { iterate, matrix, loop } = step;
  return step.exec.type === 'pipeline' || iterate !== undefined || matrix !== undefined || loop !== undefined;
}

export async function runCompositeAttempt(
  deps: StepRunnerDeps,
  written: Step,
  request: AttemptRequest,
): Promise<AttemptOutcome> {
  const children = deps.children;
  if (!children) throw new Error(`step '${written.id}' starts child runs but the run has no run tree`);
  if (isLoopStep(written)) return runLoopAttempt(deps, written, children, request);
  const picked = branchStep(deps, written);
  if (!picked.ok) return failure('missing_input', picked.reason);
  const step = picked.value;
  if (!step) return { ok: true, exitCode: 0, outputTail: `branch: case skip, nothing to run` };
  if (!step.iterate) {
    const spec = await specFor(deps, step, { runId: deps.runId, stepId: step.id }, undefined);
    if (!spec.ok) return failure('missing_input', spec.reason);
    const result = await children.run(spec.value, request.signal);
    const failed = childFailure(result);
    if (failed) return failed;
    const kept = await keepExtracted(deps, step, result.runId);
    return kept ?? { ok: true, exitCode: 0, outputTail: `child run ${result.runId} completed` };
  }
  const items = iterateItems(deps, step, step.iterate.over);
  if (!items.ok) return failure('missing_input', items.reason);
  const results = await runItems(deps, step, step.iterate, items.value, children, request.signal);
  if (request.signal.aborted) return failure('cancelled', 'run cancelled');
  const failedItems = results.flatMap((r, i) => (r && r.status !== 'completed' ? [i] : []));
  const firstFailed = failedItems[0];
  const first = firstFailed === undefined ? undefined : results[firstFailed];
  if (first && step.iterate.on_failure === 'fail') {
    const reason = `item ${firstFailed} (run ${first.runId}) ${first.status}: ${first.error ?? 'see its status'}`;
    return failure(first.failureClass ?? 'exit', reason);
  }
  const merged = await aggregateItems(deps, step, results);
  if (merged) return merged;
  const summary = `${items.value.length} item(s): ${items.value.length - failedItems.length} completed`;
  const failedNote = failedItems.length ? `, ${failedItems.length} failed (items ${failedItems.join(', ')})` : '';
  return { ok: true, exitCode: 0, outputTail: summary + failedNote };
}

/**
 * A branch step as the pipeline step of the case its value picks (the same child run path), undefined for skip;
 * any other step as it is.
 */
function branchStep(deps: StepRunnerDeps, step: Step): Read<Step | undefined> {
  if (!step.branch || step.exec.type !== 'pipeline') return { ok: true, value: step };
  const value = referencedValue(deps, step, step.branch.on, 'branch.on');
  if (!value.ok) return value;
  const picked = pickCase(step.branch, value.value);
  if (!picked.ok) return { ok: false, reason: picked.message };
  if (picked.pipeline === undefined) return { ok: true, value: undefined };
  return { ok: true, value: { ...step, exec: { ...step.exec, pipeline: picked.pipeline } } };
}

/** The child run of one pipeline step (or one of its items). */
export async function specFor(
  deps: StepRunnerDeps,
  step: Step,
  parent: RunParent,
  item: { value: unknown } | undefined,
): Promise<{ ok: true; value: ChildSpec } | { ok: false; reason: string }> {
  if (step.exec.type !== 'pipeline') {
    const value: ChildSpec = { kind: 'item', parent, step, item: item?.value, deps };
    return { ok: true, value };
  }
  const exec: PipelineExec = step.exec;
  const inherited = injectedArtifacts(deps, exec);
  if (!inherited.ok) return inherited;
  const input = await childInput(deps, step, exec, item?.value);
  if (!input.ok) return input;
  const value: ChildSpec = {
    kind: 'pipeline',
    parent,
    pipeline: exec.pipeline,
    input: input.value,
    inherited: inherited.value,
    env: exec.env,
    ...(exec.timeoutMs === undefined ? {} : { timeoutMs: exec.timeoutMs }),
  };
  return { ok: true, value };
}

function childFailure(result: ChildResult): AttemptOutcome | undefined {
  if (result.status === 'completed') return undefined;
  if (result.status === 'cancelled') return failure('cancelled', `child run ${result.runId} was cancelled`);
  return failure(
    result.failureClass ?? 'exit',
    `child run ${result.runId} failed: ${result.error ?? 'see its status'}`,
    result.timeoutMs === undefined ? {} : { timeoutMs: result.timeoutMs },
  );
}

/**
 * The items, each an indexed child run, in order (sequential) or up to max_concurrent at once (parallel). With
 * on_failure: fail the first failed item cancels the items still running and starts no more.
 */
async function runItems(
  deps: StepRunnerDeps,
  step: Step,
  iterate: Iterate,
  items: readonly unknown[],
  children: ChildRuns,
  signal: AbortSignal,
): Promise<Array<ChildResult | undefined>> {
  const stop = new AbortController();
  // Each running item's child run listens on it once.
  setMaxListeners(items.length + 10, stop.signal);
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const results: Array<ChildResult | undefined> = items.map(() => undefined);
  const width = iterate.mode === 'sequential' ? 1 : Math.min(iterate.max_concurrent ?? items.length, items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && !stop.signal.aborted) {
      const index = next++;
      const parent = { runId: deps.runId, stepId: step.id, itemIndex: index };
      const spec = await specFor(deps, step, parent, { value: items[index] });
      const result: ChildResult = spec.ok
        ? await children.run(spec.value, stop.signal)
        : { runId: '-', status: 'failed', error: spec.reason, failureClass: 'missing_input', reused: false };
      results[index] = result;
      if (result.status !== 'completed' && iterate.on_failure === 'fail') stop.abort();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(width, 0) }, lane));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return results;
}

/** A sub-pipeline's extracted outputs become this step's artifacts (the files stay in the child's workspace). */
async function keepExtracted(
  deps: StepRunnerDeps,
  step: Step,
  childRunId: string,
): Promise<AttemptOutcome | undefined> {
  if (step.exec.type !== 'pipeline') return undefined;
  for (const out of step.exec.outputs ?? []) {
    const record = deps.store.artifacts.list(childRunId, out.step).find((a) => a.name === out.artifact);
    if (!record) {
      return failure(
        'contract',
        `child run ${childRunId} wrote no '${out.step}.${out.artifact}' (extracted as ${out.name})`,
      );
    }
    const { size, sha256 } = record;
    deps.store.artifacts.record(deps.runId, step.id, { name: out.name, path: record.path, size, sha256 });
  }
  return undefined;
}

/** The completed items' `aggregate.from` files, in item order, merged into the step's `aggregate.into`. */
async function aggregateItems(
  deps: StepRunnerDeps,
  step: Step,
  results: ReadonlyArray<ChildResult | undefined>,
): Promise<AttemptOutcome | undefined> {
  const aggregate = step.aggregate;
  if (!aggregate) return undefined;
  const files: string[] = [];
  for (const [index, result] of results.entries()) {
    if (result?.status !== 'completed') continue;
    const [from, name] =
      step.exec.type === 'pipeline'
        ? ((o) => [o?.step ?? '', o?.artifact ?? ''])(step.exec.outputs?.find((o) => o.name === aggregate.from))
        : [step.id, aggregate.from];
    const record = deps.store.artifacts.list(result.runId, from).find((a) => a.name === name);
    if (!record)
      return failure('contract', `aggregate: item ${index} (run ${result.runId}) wrote no '${aggregate.from}'`);
    files.push(record.path);
  }
  const merged = await mergeArtifacts(aggregate, files);
  if (!merged.ok) return failure('contract', `aggregate: ${merged.reason}`);
  const output = aggregateOutput(aggregate);
  const file = path.join(deps.runWorkspace.dir, step.id, 'out', output.path);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, merged.text);
  const digest = await artifactDigest(file);
  if (!digest) throw new Error(`aggregate: ${file} vanished after it was written`);
  deps.store.artifacts.record(deps.runId, step.id, { name: output.name, path: file, ...digest });
  return undefined;
}
