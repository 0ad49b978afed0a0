// The composition keys of a step (DESIGN.md "A run is a tree"): `pipeline:` with its input and config, `iterate:`
// and `aggregate:`, normalised and checked on their own. What needs the child pipeline (its outputs, cycles) is
// checked against the project in validate/sub-pipelines.ts.
import { type Ctx, type RawStep, inferArtifactType, report } from './pipeline-context.js';
import type { Aggregate, DocPath, Iterate, OutputArtifact, PipelineExec } from './types.js';
import { parseDuration } from './units.js';

/** `pipeline: <name>` as the step's exec; undefined when the step is not a pipeline step. */
export function pipelineExec(raw: RawStep, at: DocPath, ctx: Ctx): PipelineExec | undefined {
  if (raw.pipeline === undefined && raw.branch === undefined) {
    for (const key of ['input', 'input_ref', 'config'] as const) {
      if (raw[key] === undefined) continue;
      const hint = 'add pipeline: <name> to run another pipeline, or drop it';
      report(ctx, 'error', `step '${raw.id}': ${key} is for a pipeline step`, [...at, key], hint);
    }
    return undefined;
  }
  if (raw.branch) checkBranch(raw, at, ctx);
  // What configures a container or its inputs belongs to the child pipeline's steps.
  const notHere = [
    'exec',
    'script',
    'persona',
    'model',
    'adapter',
    'output_artifacts',
    'handover',
    'memory',
    'workspace',
    'sandbox',
    'credentials',
    'timeout_minutes',
  ] as const;
  for (const key of notHere) {
    if (raw[key] === undefined) continue;
    const hint =
      key === 'output_artifacts'
        ? "name the child's outputs with config.extract"
        : key === 'timeout_minutes'
          ? 'config.timeout limits the child run'
          : key === 'memory'
            ? 'give artifacts to the child with config.inject'
            : "a pipeline step starts no container: set it on the child pipeline's steps";
    const kind = raw.branch ? 'branch' : raw.strategy ? 'strategy.child_pipeline' : 'pipeline';
    report(ctx, 'error', `step '${raw.id}': ${key} cannot be used with ${kind}:`, [...at, key], hint);
  }
  if (raw.input !== undefined && raw.input_ref !== undefined) {
    report(ctx, 'error', `step '${raw.id}': use either input or input_ref, not both`, [...at, 'input_ref']);
  }
  const config = raw.config ?? {};
  let timeoutMs: number | undefined;
  if (config.timeout !== undefined) {
    timeoutMs = parseDuration(config.timeout);
    if (!timeoutMs) report(ctx, 'error', `step '${raw.id}': config.timeout must be more than 0`, [...at, 'config']);
  }
  for (const [j, ref] of (config.inject ?? []).entries()) {
    const [step, artifact, more] = ref.split('.');
    if (step && artifact && more === undefined && (raw.dependencies ?? []).includes(step)) continue;
    const hint = 'write <step>.<artifact>, naming one of its dependencies';
    report(
      ctx,
      'error',
      `step '${raw.id}': config.inject '${ref}' is not a dependency's artifact`,
      [...at, 'config', 'inject', j],
      hint,
    );
  }
  return {
    type: 'pipeline',
    // A branch step's pipeline is the case its run picks.
    pipeline: raw.pipeline ?? '',
    ...(raw.input === undefined ? {} : { input: raw.input }),
    ...(raw.input_ref === undefined ? {} : { input_ref: raw.input_ref }),
    inject: config.inject ?? [],
    extract: config.extract ?? [],
    env: config.env ?? {},
    ...(timeoutMs ? { timeoutMs } : {}),
  };
}

/** A branch picks one of several pipelines: what depends on a single child pipeline cannot be used with it. */
function checkBranch(raw: RawStep, at: DocPath, ctx: Ctx): void {
  const refuse = (key: string, hint: string): void =>
    report(ctx, 'error', `step '${raw.id}': ${key} cannot be used with branch:`, [...at, key], hint);
  if (raw.pipeline !== undefined) refuse('pipeline', 'name the pipelines in branch.cases');
  if (raw.iterate !== undefined) refuse('iterate', 'iterate a pipeline step whose child pipeline branches');
  if (raw.config?.extract !== undefined) {
    const hint = "the cases' pipelines differ: read their outputs in a step of each case's pipeline";
    report(ctx, 'error', `step '${raw.id}': config.extract cannot be used with branch:`, [...at, 'config'], hint);
  }
}

/** The extracted names of a pipeline step, as the artifacts its dependents see (types filled when validated). */
export function extractedOutputs(exec: PipelineExec): OutputArtifact[] {
  return exec.extract.map((ref) => {
    const name = ref.split('.').at(-1) ?? ref;
    return { name, path: name, type: inferArtifactType(name), required: true };
  });
}

export function normaliseIterate(
  raw: RawStep,
  at: DocPath,
  ctx: Ctx,
  itemOutputs: OutputArtifact[],
): Iterate | undefined {
  const it = raw.iterate;
  if (!it) {
    if (raw.aggregate) {
      const hint = 'aggregate merges the items of an iterate step';
      report(ctx, 'error', `step '${raw.id}': aggregate needs iterate`, [...at, 'aggregate'], hint);
    }
    return undefined;
  }
  const writes = raw.workspace?.type === 'worktree' || raw.workspace?.mount?.some((m) => m.mode === 'readwrite');
  if (writes) {
    const hint = 'iterate a pipeline step whose child pipeline changes code, or drop iterate';
    report(
      ctx,
      'error',
      `step '${raw.id}': iterate over a step that changes code is not supported`,
      [...at, 'iterate'],
      hint,
    );
  }
  const mode = it.mode ?? 'sequential';
  // The original accepts it and runs the items one at a time; so does Wave, saying so.
  if (it.max_concurrent !== undefined && mode !== 'parallel') {
    const hint = 'add mode: parallel for items at once, or drop max_concurrent';
    report(
      ctx,
      'warning',
      `step '${raw.id}': not applied: iterate.max_concurrent with mode: sequential (one item at a time)`,
      [...at, 'iterate', 'max_concurrent'],
      hint,
    );
  }
  return {
    over: it.over,
    mode,
    on_failure: it.on_failure ?? 'fail',
    item_outputs: itemOutputs,
    ...(it.max_concurrent === undefined ? {} : { max_concurrent: it.max_concurrent }),
  };
}

/** The aggregate's merged artifact: a JSON file unless the strategy concatenates text. */
export function aggregateOutput(aggregate: Aggregate): OutputArtifact {
  const path = aggregate.strategy === 'concat' ? aggregate.into : `${aggregate.into}.json`;
  return { name: aggregate.into, path, type: aggregate.strategy === 'concat' ? 'text' : 'json', required: true };
}

export function checkAggregate(raw: RawStep, at: DocPath, ctx: Ctx, itemOutputs: readonly OutputArtifact[]): void {
  const agg = raw.aggregate;
  if (!agg) return;
  if (agg.key !== undefined && agg.strategy === 'concat') {
    report(ctx, 'error', `step '${raw.id}': aggregate.key has no meaning with concat`, [...at, 'aggregate', 'key']);
  }
  // A pipeline step's outputs are known once its child is read (validate/sub-pipelines.ts checks them there).
  if (raw.pipeline !== undefined && itemOutputs.length === 0) return;
  if (!itemOutputs.some((o) => o.name === agg.from)) {
    const names = itemOutputs.map((o) => o.name);
    const hint = names.length ? `each item writes: ${names.join(', ')}` : 'declare it in output_artifacts';
    report(
      ctx,
      'error',
      `step '${raw.id}': aggregate.from '${agg.from}' is not an output of the items`,
      [...at, 'aggregate', 'from'],
      hint,
    );
  }
}
