// The graph of one iteration of a `loop:` step (README: loop), shared by `wave validate` and the run. An
// iteration runs the step's body (when it has one) under the step's id, then the inline steps, each after the one
// written before it. Around them stand the outer steps upstream of the loop step, completed before it starts, so
// that templates and `until` may read them as they read any upstream step.
import type { DocPath, Loop, Pipeline, Step } from '../config/types.js';
import { StepGraph } from './graph.js';

export interface IterationPlan {
  /** The steps one iteration runs, in order: the body first (when the loop has one), then the inline steps. */
  steps: Step[];
  /** The outer upstream steps and the iteration's, as one pipeline (what templates and inputs are read against). */
  pipeline: Pipeline;
  /** Where each step of `pipeline` is written in the file: ['steps', i] or ['steps', i, 'loop', 'steps', j]. */
  origins: DocPath[];
}

export type LoopStep = Step & { loop: Loop };

export function isLoopStep(step: Step): step is LoopStep {
  return step.loop !== undefined;
}

/** The body of a loop step: the step itself without its loop, writing what one iteration's body writes. */
export function loopBody(step: LoopStep): Step {
  const { loop, ...body } = step;
  return { ...body, output_artifacts: loop.body_outputs };
}

export function iterationPlan(outer: Pipeline, step: LoopStep): IterationPlan {
  const graph = new StepGraph(outer.steps);
  const index = graph.byId.get(step.id)?.index ?? -1;
  const upstream = graph.ancestorsOf(step.id);
  const ancestors = outer.steps.flatMap((s, i) => (upstream.has(s.id) ? [{ s, i }] : []));
  const known = step.dependencies.filter((d) => graph.byId.has(d));
  const steps: Step[] = step.loop.body ? [loopBody(step)] : [];
  for (const inner of step.loop.steps) {
    const previous = steps.at(-1)?.id;
    // The step written before it, and the loop step's own dependencies: it receives their outputs too.
    const implied = previous === undefined ? known : [previous, ...known];
    const dependencies = [...inner.dependencies, ...implied.filter((d) => !inner.dependencies.includes(d))];
    steps.push({ ...inner, dependencies });
  }
  const origins: DocPath[] = [
    ...ancestors.map(({ i }): DocPath => ['steps', i]),
    ...(step.loop.body ? [['steps', index] as DocPath] : []),
    ...step.loop.steps.map((_, j): DocPath => ['steps', index, 'loop', 'steps', j]),
  ];
  const { pipeline_outputs: _outputs, ...rest } = outer;
  const pipeline: Pipeline = { ...rest, steps: [...ancestors.map(({ s }) => s), ...steps] };
  return { steps, pipeline, origins };
}

/** The id of the pseudo-step that reads `until`: it comes after every step of the iteration. */
export const UNTIL_READER = '<until>';

/**
 * The graph `until` is read against: the iteration's, where the loop step's id names the loop's outputs so far
 * (each name from the last step that wrote it), and a reader after every step.
 */
export function untilGraph(outer: Pipeline, step: LoopStep): StepGraph {
  const plan = iterationPlan(outer, step);
  const merged: Step = { ...loopBody(step), output_artifacts: step.output_artifacts };
  // The other outer steps too, so that reading one downstream is refused as not upstream, not as unknown.
  const inner = new Set(plan.pipeline.steps.map((s) => s.id));
  const others = outer.steps.filter((s) => !inner.has(s.id) && s.id !== step.id);
  const steps = [...plan.pipeline.steps.filter((s) => s.id !== step.id), ...others];
  const ids = [step.id, ...plan.steps.map((s) => s.id)];
  const reader: Step = {
    id: UNTIL_READER,
    dependencies: [...new Set(ids)],
    exec: { type: 'command', script: '' },
    output_artifacts: [],
    handover: { contracts: [] },
  };
  return new StepGraph([...steps, merged, reader]);
}

/** The iteration's step that last writes `artifact` under the loop's name, for the loop's outputs. */
export function lastWriter(step: LoopStep, artifact: string): string | undefined {
  const inner = [...step.loop.steps].reverse().find((s) => s.output_artifacts.some((o) => o.name === artifact));
  if (inner) return inner.id;
  return step.loop.body_outputs.some((o) => o.name === artifact) ? step.id : undefined;
}
