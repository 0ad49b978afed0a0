// The attempt of a `loop:` step (README: loop): one child run per iteration (its body and inline steps, item
// index = the iteration), persisted before it starts; after each, `until` is read over that iteration's outputs.
// When it holds, the step completes with that iteration's outputs as its artifacts; after max_iterations it fails
// (`loop_exhausted`). A resumed run takes its completed iterations as they are and reads `until` over them again.
import { eventTime } from '../events/types.js';
import { conditionReferences, evaluateCondition, parseCondition } from '../plan/condition.js';
import { isOverReference, overReference } from '../plan/iterate-over.js';
import { iterationPlan, lastWriter, type LoopStep, UNTIL_READER, untilGraph } from '../plan/loop.js';
import { failure, type AttemptOutcome, type AttemptRequest } from './attempt.js';
import { type Read, upstreamRecords } from './child-inputs.js';
import { readJsonPath } from './json-fields.js';
import type { ChildRuns, StepRunnerDeps } from './step-deps.js';

export async function runLoopAttempt(
  deps: StepRunnerDeps,
  step: LoopStep,
  children: ChildRuns,
  request: AttemptRequest,
): Promise<AttemptOutcome> {
  const { max_iterations: maxIterations, until } = step.loop;
  const parsed = parseCondition(until);
  if (!parsed.ok) return failure('internal', `loop.until '${until}' does not parse: ${parsed.message}`);
  const ids = { runId: deps.runId, stepId: step.id, attempt: request.attempt };
  let last: Record<string, string> = {};
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    if (request.signal.aborted) return failure('cancelled', 'run cancelled');
    deps.bus.emit({ ...ids, type: 'loop_iteration_started', time: eventTime(), iteration, maxIterations });
    const parent = { runId: deps.runId, stepId: step.id, itemIndex: iteration };
    const result = await children.run({ kind: 'iteration', parent, step, deps }, request.signal);
    if (result.status === 'cancelled') return failure('cancelled', `iteration ${iteration} was cancelled`);
    if (result.status !== 'completed') {
      const reason = `iteration ${iteration} (run ${result.runId}) failed: ${result.error ?? 'see its status'}`;
      return failure(result.failureClass ?? 'exit', reason);
    }
    const values = untilValues(deps, step, result.runId, conditionReferences(parsed.condition));
    if (!values.ok) return failure('missing_input', `iteration ${iteration}: ${values.reason}`);
    const held = evaluateCondition(parsed.condition, (ref) => values.value[ref]);
    if (!held.ok) return failure('contract', `iteration ${iteration}: loop.until ${until}: ${held.message}`);
    last = Object.fromEntries(Object.entries(values.value).map(([ref, v]) => [ref, JSON.stringify(v) ?? 'nothing']));
    deps.bus.emit({
      ...ids,
      type: 'loop_iteration_completed',
      time: eventTime(),
      iteration,
      maxIterations,
      childRunId: result.runId,
      holds: held.holds,
      values: last,
    });
    if (!held.holds) continue;
    const kept = keepIterationOutputs(deps, step, result.runId, iteration);
    return kept ?? { ok: true, exitCode: 0, outputTail: `loop.until held after iteration ${iteration}` };
  }
  const read = Object.entries(last).map(([ref, value]) => `${ref} = ${value}`);
  const held = `loop.until ${until} did not hold after ${maxIterations} iteration(s)`;
  return failure('loop_exhausted', `${held}; last values: ${read.join(', ')}`);
}

/** Each reference of until with its JSON value: the loop's outputs and its steps' from the iteration's run. */
function untilValues(
  deps: StepRunnerDeps,
  step: LoopStep,
  iterationRunId: string,
  refs: readonly string[],
): Read<Record<string, unknown>> {
  const graph = untilGraph(deps.pipeline, step);
  const reader = graph.byId.get(UNTIL_READER)?.step;
  if (!reader) throw new Error(`loop step '${step.id}': no until reader in its graph`);
  const own = new Set(iterationPlan(deps.pipeline, step).steps.map((s) => s.id));
  const values: Record<string, unknown> = {};
  for (const ref of refs) {
    const found = overReference(graph, reader, ref, 'loop.until');
    if (!isOverReference(found)) return { ok: false, reason: found.message };
    const from = found.step === step.id ? lastWriter(step, found.artifact) : found.step;
    const records =
      from !== undefined && own.has(from)
        ? deps.store.artifacts.list(iterationRunId, from)
        : upstreamRecords(deps, found.step);
    const record = records.find((a) => a.name === found.artifact);
    if (!record) return { ok: false, reason: `loop.until: step '${from ?? found.step}' wrote no '${found.artifact}'` };
    const value = readJsonPath(record.path, found.path, `loop.until ${ref}`);
    if (!value.ok) return { ok: false, reason: value.message };
    values[ref] = value.value;
  }
  return { ok: true, value: values };
}

/** The iteration's outputs as the loop step's artifacts: each name from the last step that wrote it. */
function keepIterationOutputs(
  deps: StepRunnerDeps,
  step: LoopStep,
  iterationRunId: string,
  iteration: number,
): AttemptOutcome | undefined {
  for (const out of step.output_artifacts) {
    const from = lastWriter(step, out.name) ?? step.id;
    const record = deps.store.artifacts.list(iterationRunId, from).find((a) => a.name === out.name);
    if (!record) {
      if (!out.required) continue;
      return failure(
        'contract',
        `iteration ${iteration} (run ${iterationRunId}): step '${from}' wrote no '${out.name}'`,
      );
    }
    const { size, sha256 } = record;
    deps.store.artifacts.record(deps.runId, step.id, { name: out.name, path: record.path, size, sha256 });
  }
  return undefined;
}
