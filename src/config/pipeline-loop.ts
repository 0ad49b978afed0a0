// `loop: {max_iterations, until, steps}` of a step, normalised and checked on its own (README: loop). An iteration
// is the step's own body (pipeline:, exec: or script, when it has one) and then the inline steps, each normalised
// and checked like any step, with problems placed inside `loop.steps`. What spans steps (dependencies, references,
// the until condition) is checked in plan/loop-check.ts over the iteration's graph.
import { type Ctx, type RawStep, report } from './pipeline-context.js';
import type { DocPath, Exec, Loop, OutputArtifact, Step } from './types.js';

/** The exec of a loop step without a body of its own: never run (the loop step starts child runs only). */
export const LOOP_ONLY_EXEC: Exec = { type: 'command', script: '' };

export function hasLoopBody(raw: RawStep): boolean {
  return raw.pipeline !== undefined || raw.exec !== undefined || raw.type !== undefined || raw.script !== undefined;
}

export function normaliseLoop(
  raw: RawStep,
  at: DocPath,
  ctx: Ctx,
  bodyOutputs: OutputArtifact[],
  normalise: (raw: RawStep, at: DocPath, ctx: Ctx) => Step,
): Loop | undefined {
  const loop = raw.loop;
  if (!loop) return undefined;
  const refuse = (key: string, hint: string): void =>
    report(ctx, 'error', `step '${raw.id}': ${key} cannot be used with loop:`, [...at, key], hint);
  if (raw.iterate) refuse('iterate', 'loop a pipeline step whose child pipeline iterates');
  if (raw.branch) refuse('branch', 'loop a pipeline step whose child pipeline branches');
  if (raw.aggregate) refuse('aggregate', 'aggregate merges the items of an iterate step');
  if (raw.strategy) refuse('strategy', 'loop a pipeline step whose child pipeline has the matrix step');
  const body = hasLoopBody(raw);
  const steps = (loop.steps ?? []).map((inner, j) => {
    const where: DocPath = [...at, 'loop', 'steps', j];
    if (inner.loop) {
      const hint = 'loop a pipeline step whose child pipeline loops';
      report(
        ctx,
        'error',
        `step '${inner.id}': a loop inside a loop's steps is not supported`,
        [...where, 'loop'],
        hint,
      );
    }
    // An iteration runs its steps in order: a graph walk (edges, a conditional step) is not one.
    const routes = inner.edges ? 'edges' : inner.type === 'conditional' ? 'type' : undefined;
    if (routes) {
      const hint = 'loop a pipeline step whose child pipeline is the graph';
      report(ctx, 'error', `step '${inner.id}': a loop's step cannot route (graph mode)`, [...where, routes], hint);
    }
    if (inner.id === raw.id) {
      const hint = `the loop's own body runs as '${raw.id}' in each iteration: give this step another id`;
      report(ctx, 'error', `step '${inner.id}': a loop's step cannot have the loop step's id`, [...where, 'id'], hint);
    }
    const { loop: _nested, ...plain } = inner;
    return normalise(plain, where, ctx);
  });
  if (!body && steps.length === 0) {
    const hint = 'give the step a pipeline:, an exec: or loop.steps to run in each iteration';
    report(ctx, 'error', `step '${raw.id}': the loop has nothing to repeat`, [...at, 'loop'], hint);
  }
  for (const [j, step] of [...(body ? [raw] : []), ...(loop.steps ?? [])].entries()) {
    const writes = step.workspace?.type === 'worktree' || step.workspace?.mount?.some((m) => m.mode === 'readwrite');
    if (!writes) continue;
    const where: DocPath = body && j === 0 ? [...at, 'workspace'] : [...at, 'loop', 'steps', j - (body ? 1 : 0)];
    const hint = 'loop a pipeline step whose child pipeline changes code';
    report(ctx, 'error', `step '${step.id}': a step of a loop that changes code is not supported`, where, hint);
  }
  return { max_iterations: loop.max_iterations, until: loop.until, steps, body, body_outputs: bodyOutputs };
}

/**
 * The loop step's artifacts, as its dependents read them: each name once, from the last step of the iteration
 * (in the order written, the body first) that writes it.
 */
export function loopOutputs(loop: Loop): OutputArtifact[] {
  const byName = new Map<string, OutputArtifact>();
  for (const out of [...loop.body_outputs, ...loop.steps.flatMap((s) => s.output_artifacts)]) {
    byName.delete(out.name);
    byName.set(out.name, out);
  }
  return [...byName.values()];
}
