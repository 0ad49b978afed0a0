// Graph mode (the original's `executeGraphPipeline`): a pipeline with edges or a `type: conditional` step is walked
// from its first step, one visit at a time, each step's edges naming the next (engine/graph-run.ts). These are the
// checks `wave validate` makes of such a pipeline, and the refusal of graph-only keys in a pipeline without it.
import { FAIL_TARGET } from '../config/pipeline-gate.js';
import type { Problem } from '../config/problems.js';
import { didYouMean } from '../config/suggest.js';
import {
  GRAPH_COMPLETE,
  type DocPath,
  type Locator,
  type Pipeline,
  type SourceLocator,
  type Step,
} from '../config/types.js';
import { conditionReferences, OUTCOME, parseCondition } from './condition.js';
import type { StepGraph } from './graph.js';
import { isOverReference, overReference } from './iterate-over.js';

export function isGraphPipeline(steps: readonly Step[]): boolean {
  return steps.some((s) => (s.edges?.length ?? 0) > 0 || s.exec.type === 'conditional');
}

/** The steps that list `id` among their dependencies, in pipeline order. */
export function dependentsOf(steps: readonly Step[], id: string): Step[] {
  return steps.filter((s) => s.dependencies.includes(id));
}

export interface GraphCheckOptions {
  file: string;
  locate?: Locator | undefined;
  source?: SourceLocator | undefined;
}

export function checkGraphMode(pipeline: Pipeline, graph: StepGraph, opts: GraphCheckOptions): Problem[] {
  const problems: Problem[] = [];
  const error = (message: string, at: DocPath, hint?: string, column?: number): void => {
    const pos = columnAt(opts, at, column) ?? opts.locate?.(at);
    problems.push({ severity: 'error', file: opts.file, line: pos?.line, column: pos?.column, message, hint });
  };
  if (!isGraphPipeline(pipeline.steps)) {
    const hint = 'graph mode is a pipeline with edges: or a type: conditional step; without it, remove the key';
    if (pipeline.max_step_visits !== undefined) {
      error('max_step_visits acts only in graph mode', ['max_step_visits'], hint);
    }
    pipeline.steps.forEach((step, i) => {
      if (step.max_visits === undefined) return;
      error(`step '${step.id}': max_visits acts only in graph mode`, ['steps', i, 'max_visits'], hint);
    });
    return problems;
  }
  const ids = pipeline.steps.map((s) => s.id);
  pipeline.steps.forEach((step, i) => {
    if (step.exec.type === 'pipeline' || step.iterate || step.loop) {
      // A revisit would take the child runs of the first visit over instead of starting new ones.
      const kind = step.loop ? 'a loop' : step.iterate ? 'an iterate' : step.branch ? 'a branch' : 'a pipeline';
      error(
        `step '${step.id}': ${kind} step cannot be part of a graph-mode pipeline yet`,
        ['steps', i, 'id'],
        'run the graph as the child pipeline of a pipeline step instead',
      );
    }
    if (step.exec.type === 'gate') {
      // The walk visits one step at a time: a choice that re-runs upstream steps has no DAG to re-run in.
      step.exec.choices.forEach((choice, j) => {
        if (choice.target === undefined || choice.target === FAIL_TARGET) return;
        error(
          `step '${step.id}': gate choice '${choice.key}' re-runs '${choice.target}', not possible in graph mode`,
          ['steps', i, 'gate', 'choices', j, 'target'],
          `route with the gate's edges instead (condition on its decision), or use _fail`,
        );
      });
    }
    step.edges?.forEach((edge, j) => {
      const at: DocPath = ['steps', i, 'edges', j];
      if (edge.target !== GRAPH_COMPLETE && !graph.byId.has(edge.target)) {
        const message = `step '${step.id}': edge target '${edge.target}' is not a step of this pipeline`;
        error(message + didYouMean(edge.target, [...ids, GRAPH_COMPLETE]), [...at, 'target'], targetsHint(ids));
      }
      if (edge.condition !== undefined && edge.condition.trim() !== '') {
        checkCondition(graph, step, edge.condition, [...at, 'condition'], error);
      }
    });
    const dependents = dependentsOf(pipeline.steps, step.id);
    if (!step.edges?.length && dependents.length > 1) {
      const names = dependents.map((d) => `'${d.id}'`).join(', ');
      error(
        `step '${step.id}' has no edges but ${dependents.length} dependents (${names}): a graph walk goes one way`,
        ['steps', i, 'id'],
        'add edges to say where the walk goes after it',
      );
    }
  });
  return problems;
}

function targetsHint(ids: readonly string[]): string {
  return `targets: ${[...ids, GRAPH_COMPLETE].join(', ')} (${GRAPH_COMPLETE} ends the run)`;
}

function checkCondition(
  graph: StepGraph,
  step: Step,
  text: string,
  at: DocPath,
  error: (message: string, at: DocPath, hint?: string, column?: number) => void,
): void {
  const parsed = parseCondition(text);
  if (!parsed.ok) {
    const hint = "e.g. outcome=success, or {{ steps.<id>.output.<field> }} == 'value' (README: Graph mode)";
    error(`step '${step.id}': edge condition: ${parsed.message}`, at, hint, parsed.column);
    return;
  }
  for (const ref of conditionReferences(parsed.condition)) {
    if (ref === OUTCOME) continue;
    const found = overReference(graph, step, ref, 'edge condition', true);
    if (!isOverReference(found)) {
      error(`step '${step.id}': ${found.message}`, at, found.hint, text.indexOf(ref) + 1);
    }
  }
}

/** Where column `column` (1-based) of the scalar at `at` is in the file, quotes and all. */
function columnAt(opts: GraphCheckOptions, at: DocPath, column: number | undefined) {
  if (column === undefined) return undefined;
  const scalar = opts.source?.(at);
  if (!scalar) return undefined;
  const quote = /^["']/.test(scalar.raw) ? 1 : 0;
  return scalar.positionAt(quote + column - 1);
}
