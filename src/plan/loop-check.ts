// `wave validate` of a `loop:` step (README: loop): its iteration's steps are checked as any pipeline's steps
// (dependencies, references, templates), over the iteration's graph, with problems placed inside `loop.steps`;
// `until` must parse (file:line:column at the fault) and read only what the iteration or its upstream writes.
import type { Problem } from '../config/problems.js';
import type { DocPath, Locator, Pipeline, SourceLocator } from '../config/types.js';
import { conditionReferences, OUTCOME, parseCondition } from './condition.js';
import { isOverReference, overReference } from './iterate-over.js';
import { isLoopStep, iterationPlan, UNTIL_READER, untilGraph, type LoopStep } from './loop.js';

export interface LoopCheckOptions {
  file: string;
  locate?: Locator;
  source?: SourceLocator;
  loopSteps?: ReadonlySet<string>;
}

/** Checks one pipeline's steps and graph (plan/dag.ts's checkDag), handed in so this module does not import it. */
export type PipelineCheck = (pipeline: Pipeline, opts: LoopCheckOptions) => Problem[];

export function checkLoops(pipeline: Pipeline, opts: LoopCheckOptions, checkPipeline: PipelineCheck): Problem[] {
  const problems: Problem[] = [];
  pipeline.steps.forEach((step, index) => {
    if (!isLoopStep(step)) return;
    const plan = iterationPlan(pipeline, step);
    const mapped = (path: DocPath): DocPath => {
      const [top, k, ...rest] = path;
      const origin = top === 'steps' && typeof k === 'number' ? plan.origins[k] : undefined;
      return origin ? [...origin, ...rest] : path;
    };
    const locate: Locator | undefined = opts.locate && ((path, at) => opts.locate?.(mapped(path), at));
    const source: SourceLocator | undefined = opts.source && ((path) => opts.source?.(mapped(path)));
    const error = (message: string, at: DocPath, hint?: string, column?: number): void => {
      const scalar = column === undefined ? undefined : opts.source?.(at);
      const quoted = scalar && /^["']/.test(scalar.raw) ? 1 : 0;
      const pos = scalar && column !== undefined ? scalar.positionAt(quoted + column - 1) : opts.locate?.(at, 'value');
      problems.push({ severity: 'error', file: opts.file, line: pos?.line, column: pos?.column, message, hint });
    };
    const outer = new Set(pipeline.steps.map((s) => s.id));
    let clash = false;
    step.loop.steps.forEach((inner, j) => {
      if (!outer.has(inner.id)) return;
      clash = true;
      const message = `step '${inner.id}' of loop '${step.id}': the pipeline has a step '${inner.id}' too`;
      error(message, ['steps', index, 'loop', 'steps', j, 'id'], 'give this step another id');
    });
    // With an id twice its iteration's graph is not one: the clash is the one problem to fix first.
    if (!clash) {
      problems.push(
        ...checkPipeline(plan.pipeline, {
          file: opts.file,
          loopSteps: new Set(plan.steps.map((s) => s.id)),
          ...(locate ? { locate } : {}),
          ...(source ? { source } : {}),
        }),
      );
    }
    checkUntil(pipeline, step, ['steps', index, 'loop', 'until'], error);
  });
  return problems;
}

function checkUntil(
  pipeline: Pipeline,
  step: LoopStep,
  at: DocPath,
  error: (message: string, at: DocPath, hint?: string, column?: number) => void,
): void {
  const parsed = parseCondition(step.loop.until);
  if (!parsed.ok) {
    const hint = "compare references and values, e.g. {{ steps.review.output.verdict }} == 'APPROVE'";
    error(`step '${step.id}': loop.until: ${parsed.message}`, at, hint, parsed.column);
    return;
  }
  const graph = untilGraph(pipeline, step);
  const reader = graph.byId.get(UNTIL_READER)?.step;
  if (!reader) return;
  for (const ref of conditionReferences(parsed.condition)) {
    if (ref === OUTCOME) {
      const hint = "only a graph edge has an outcome; compare a step's output, e.g. {{ steps.<id>.output.<field> }}";
      error(
        `step '${step.id}': loop.until: 'outcome' has no value in a loop`,
        at,
        hint,
        step.loop.until.indexOf(ref) + 1,
      );
      continue;
    }
    const found = overReference(graph, reader, ref, 'loop.until');
    if (!isOverReference(found)) error(`step '${step.id}': ${found.message}`, at, found.hint);
  }
}
