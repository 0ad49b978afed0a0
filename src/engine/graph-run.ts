// Graph mode (plan/graph-mode.ts): the run is a walk from the first step, one visit at a time. Each visit is
// recorded before it starts (store.visits), its step runs through the executor like a one-step run (retries,
// the worker pool, cancellation), and the walk records where it goes next (plan/graph-route.ts) before it goes.
// So a resumed run continues from its last visit: a visit that ended is never run again, one that did not (its
// process died, it was cancelled, or its failure ended the run) runs again as the same visit.
import {
  DEFAULT_MAX_STEP_VISITS,
  DEFAULT_MAX_VISITS,
  GRAPH_COMPLETE,
  type Pipeline,
  type Step,
} from '../config/types.js';
import { routeAfter, type VisitOutcome } from '../plan/graph-route.js';
import type { VisitRecord } from '../state/index.js';
import type { AttemptRunner } from './attempt.js';
import { referencedValue } from './child-inputs.js';
import { executeRun, type ExecutionSummary, type ExecutorOptions } from './executor.js';

export interface GraphRunOptions extends ExecutorOptions {
  /** The pipeline as the run sees it (its steps' definitions: edges, max_visits, outputs). */
  pipeline: Pipeline;
}

/** Where the walk stands: a step to visit (a new visit, or `again` the recorded one), or a visit to route from. */
type Position = { visit: string; again?: VisitRecord } | { route: VisitRecord };

export async function executeGraphRun(options: GraphRunOptions): Promise<ExecutionSummary> {
  const { runId, store, pipeline } = options;
  const defs = new Map(pipeline.steps.map((s) => [s.id, s]));
  const executorSteps = new Map(options.steps.map((s) => [s.id, s]));
  const maxStepVisits = pipeline.max_step_visits ?? DEFAULT_MAX_STEP_VISITS;
  const restored = restore(options, defs);
  let { position } = restored;
  let pending = restored.pending;
  let before = restored.before;

  for (;;) {
    if ('route' in position) {
      const visit = position.route;
      const step = defs.get(visit.stepId) as Step;
      const counts = store.visits.counts(runId);
      const valueOf = (ref: string) => referencedValue(options, step, ref, 'edge condition', true);
      const route = routeAfter(pipeline.steps, step, visit.outcome ?? 'failure', { counts, pending }, valueOf);
      if (!route.ok) return routingFailure(visit.stepId, route.reason);
      const { ok: _ok, pending: next, ...decision } = route;
      store.visits.decide(runId, visit.seq, { ...decision, pending: next });
      pending = next;
      before = visit.outcome ?? undefined;
      position = { visit: route.next };
      continue;
    }
    if (position.visit === GRAPH_COMPLETE) return complete(options);
    const step = defs.get(position.visit) as Step;
    let visit = position.again;
    if (visit) visit = store.visits.reopen(runId, visit.seq);
    else {
      const limit = visitLimit(options, step, maxStepVisits);
      if (limit) return routingFailure(step.id, limit);
      visit = store.visits.begin(runId, step.id, step.max_visits ?? DEFAULT_MAX_VISITS);
    }
    const executorStep = executorSteps.get(step.id);
    if (!executorStep) throw new Error(`graph run ${runId}: no executor step for '${step.id}'`);
    const conditional = step.exec.type === 'conditional';
    const inherited: VisitOutcome = before ?? 'success';
    const seen = visit.visit;
    const summary = await executeRun({
      ...options,
      steps: [{ ...executorStep, dependencies: [] }],
      runAttempt: conditional ? routesOnly(inherited) : (request) => options.runAttempt({ ...request, visit: seen }),
    });
    if (summary.status === 'cancelled') return summary;
    const ran = store.steps.get(runId, step.id)?.status === 'completed' ? 'success' : 'failure';
    const outcome: VisitOutcome = conditional ? inherited : ran;
    store.visits.end(runId, visit.seq, outcome);
    if (outcome === 'failure' && !conditional && !step.edges?.length) {
      // The original's rule: a failing step without edges ends the walk (its failure is the run's).
      return summary.status === 'failed'
        ? summary
        : { status: 'failed', failed: [step.id], contractFailure: false, error: `step '${step.id}' failed` };
    }
    position = { route: { ...visit, outcome } };
  }
}

/** Where a (resumed) run's walk stands, from its recorded visits. */
function restore(
  options: GraphRunOptions,
  defs: ReadonlyMap<string, Step>,
): { position: Position; pending: string[]; before: VisitOutcome | undefined } {
  const visits = options.store.visits.list(options.runId);
  const last = visits.at(-1);
  const first = options.pipeline.steps[0]?.id ?? GRAPH_COMPLETE;
  if (!last) return { position: { visit: first }, pending: [], before: undefined };
  const previous = visits.at(-2);
  const pending = [...visits].reverse().find((v) => v.next !== null)?.pending ?? [];
  if (last.next !== null) return { position: { visit: last.next }, pending, before: last.outcome ?? undefined };
  const before = previous?.outcome ?? undefined;
  const step = defs.get(last.stepId);
  if (!step) throw new Error(`run ${options.runId}: visited step '${last.stepId}' is not in the pipeline`);
  const status = options.store.steps.get(options.runId, last.stepId)?.status;
  if (last.outcome === null && status === 'completed' && step.exec.type !== 'conditional') {
    // The step ended but the process died before the walk recorded it: it is not run again.
    options.store.visits.end(options.runId, last.seq, 'success');
    return { position: { route: { ...last, outcome: 'success' } }, pending, before };
  }
  const fatal = last.outcome === 'failure' && step.exec.type !== 'conditional' && !step.edges?.length;
  if (last.outcome === null || fatal) return { position: { visit: last.stepId, again: last }, pending, before };
  return { position: { route: last }, pending, before };
}

/** Why the walk may not visit `step` again, if it may not. */
function visitLimit(options: GraphRunOptions, step: Step, maxStepVisits: number): string | undefined {
  const counts = options.store.visits.counts(options.runId);
  const max = step.max_visits ?? DEFAULT_MAX_VISITS;
  const visits = counts.get(step.id) ?? 0;
  if (visits >= max) {
    return `step '${step.id}' reached max_visits (${max}): the walk would visit it a ${ordinal(visits + 1)} time`;
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total >= maxStepVisits) {
    return `the run reached max_step_visits (${maxStepVisits} visits of all steps together) before '${step.id}'`;
  }
  return undefined;
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** A conditional step's attempt: no container; it only routes, on the outcome of the visit before it. */
function routesOnly(outcome: VisitOutcome): AttemptRunner {
  return async () => ({ ok: true, exitCode: null, outputTail: `conditional: routes on outcome=${outcome}` });
}

function routingFailure(stepId: string, reason: string): ExecutionSummary {
  return { status: 'failed', failed: [stepId], contractFailure: false, failureClass: 'routing', error: reason };
}

/**
 * The walk ended: a step still pending is skipped, so the run reads as complete: one it never visited, or one whose
 * failed visit (routed by its edges) `wave resume` had put back to pending.
 */
function complete(options: GraphRunOptions): ExecutionSummary {
  const { store, runId } = options;
  const counts = store.visits.counts(runId);
  for (const row of store.steps.list(runId)) {
    if (row.status !== 'pending') continue;
    const why = counts.has(row.stepId) ? 'its last visit failed; the walk went on by its edges' : 'not visited';
    store.steps.skip(runId, row.stepId, `graph walk: ${why}`);
  }
  return { status: 'completed', failed: [], contractFailure: false };
}
