// `pipeline:` steps against the project: the child pipeline must exist and be valid, the references must not
// come back to a pipeline already on the way (a → b → a, refused with the path), and what the step extracts must
// be the child's pipeline_outputs (or a child step's declared artifact). The extracted names become the step's
// artifacts (or its items', with iterate), resolved to the child step and artifact a run reads them from. Each
// pipeline a `branch:` step's cases name is checked the same way (a branch extracts nothing), and a matrix's
// child_pipeline.
import { findPipeline } from '../config/discover.js';
import { inferArtifactType } from '../config/pipeline-context.js';
import { readPipeline } from '../config/pipeline.js';
import type { Problem } from '../config/problems.js';
import { didYouMean } from '../config/suggest.js';
import { loopOutputs } from '../config/pipeline-loop.js';
import type { DocPath, LoadedPipeline, OutputArtifact, Pipeline, PipelineExec, Step } from '../config/types.js';
import { isWaveError } from '../errors.js';
import { casePipelines, SKIP_CASE } from '../plan/branch-case.js';

type Load = (name: string) => Promise<{ pipeline?: Pipeline; error?: { message: string; hint?: string } }>;

export async function resolveSubPipelines(loaded: LoadedPipeline, projectDir: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  const cache = new Map<string, Awaited<ReturnType<Load>>>();
  const load: Load = async (name) => {
    const known = cache.get(name);
    if (known) return known;
    let result: Awaited<ReturnType<Load>>;
    try {
      const found = await findPipeline(name, projectDir);
      const read = await readPipeline(found.path, { projectDir });
      result = read.loaded
        ? { pipeline: read.loaded.pipeline }
        : { error: { message: `pipeline '${name}' has errors`, hint: `wave validate --pipeline ${name}` } };
    } catch (err) {
      if (!isWaveError(err)) throw err;
      result = { error: { message: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
    }
    cache.set(name, result);
    return result;
  };
  const self = loaded.pipeline.metadata.name;
  for (const { step, at, loop } of withLoopSteps(loaded.pipeline.steps)) {
    if (step.exec.type !== 'pipeline') continue;
    const reporter =
      (more: Array<string | number>) =>
      (message: string, hint?: string): void => {
        const pos = loaded.locate([...at, ...more]);
        const where = { file: loaded.file, line: pos?.line, column: pos?.column };
        problems.push({ severity: 'error', ...where, message: `step '${step.id}': ${message}`, hint });
      };
    if (step.branch) {
      // Each case's pipeline is checked as a pipeline step's; the step itself extracts nothing.
      for (const [value, name] of Object.entries(step.branch.cases)) {
        if (name === SKIP_CASE) continue;
        await childPipeline([self], name, load, reporter(['branch', 'cases', value]));
      }
      continue;
    }
    const report = reporter(step.matrix ? ['strategy', 'child_pipeline'] : ['pipeline']);
    const child = await childPipeline([self], step.exec.pipeline, load, report);
    // A matrix extracts nothing: each item's outputs stay in its child run.
    if (!child || step.matrix) continue;
    const outputs = resolveExtract(step.exec, child, report);
    if (!outputs) continue;
    fillOutputs(step, step.exec, outputs);
    // A loop step's artifacts are its iteration's: what its body or one of its steps extracts.
    if (loop?.loop) loop.output_artifacts = loopOutputs(loop.loop);
    if (step.aggregate && !outputs.some((o) => o.name === step.aggregate?.from)) {
      const names = outputs.map((o) => o.name).join(', ');
      report(`aggregate.from '${step.aggregate.from}' is not an output of the items`, `each item gives: ${names}`);
    }
  }
  return problems;
}

/** The child pipeline `name`, read and valid and not on the way back to one of `path`; else reported. */
async function childPipeline(
  path: string[],
  name: string,
  load: Load,
  report: (message: string, hint?: string) => void,
): Promise<Pipeline | undefined> {
  const cycle = await findCycle(path, name, load);
  if (cycle) {
    report(`circular pipeline reference: ${cycle.join(' → ')}`, 'a pipeline may not run itself, however deep');
    return undefined;
  }
  const child = await load(name);
  if (!child.pipeline) report(child.error?.message ?? `pipeline '${name}' cannot be read`, child.error?.hint);
  return child.pipeline;
}

/** Each step with where it is written, a loop's inline steps after their loop step (`loop`: the step they are in). */
function withLoopSteps(steps: readonly Step[]): Array<{ step: Step; at: DocPath; loop?: Step }> {
  return steps.flatMap((step, i) => [
    { step, at: ['steps', i], ...(step.loop ? { loop: step } : {}) },
    ...(step.loop?.steps ?? []).map((inner, j) => ({ step: inner, at: ['steps', i, 'loop', 'steps', j], loop: step })),
  ]);
}

/** The pipelines a pipeline or branch step (or a loop's steps) may start. */
function startedPipelines(step: Step): string[] {
  const inner = (step.loop?.steps ?? []).flatMap(startedPipelines);
  if (step.exec.type !== 'pipeline') return inner;
  return [...(step.branch ? casePipelines(step.branch) : [step.exec.pipeline]), ...inner];
}

/** The path back to a pipeline already on the way from `path`'s start, or undefined. */
async function findCycle(path: string[], next: string, load: Load): Promise<string[] | undefined> {
  if (path.includes(next)) return [...path, next];
  const child = (await load(next)).pipeline;
  if (!child) return undefined;
  for (const name of child.steps.flatMap(startedPipelines)) {
    const found = await findCycle([...path, next], name, load);
    if (found) return found;
  }
  return undefined;
}

type Resolved = Array<{ name: string; step: string; artifact: string; output: OutputArtifact }>;

function resolveExtract(
  exec: PipelineExec,
  child: Pipeline,
  report: (message: string, hint?: string) => void,
): Resolved | undefined {
  const offered = child.pipeline_outputs ?? {};
  const refs = exec.extract.length ? exec.extract : Object.keys(offered);
  const resolved: Resolved = [];
  for (const ref of refs) {
    const alias = offered[ref];
    const [stepId, artifact] = alias ? [alias.step, alias.artifact] : ref.split('.');
    const output = child.steps.find((s) => s.id === stepId)?.output_artifacts.find((o) => o.name === artifact);
    if (!stepId || !artifact || !output) {
      const names = Object.keys(offered);
      report(
        `config.extract '${ref}' is not one of pipeline '${child.metadata.name}''s outputs${didYouMean(ref, names)}`,
        names.length ? `it offers: ${names.join(', ')} (or name <step>.<artifact>)` : 'name <step>.<artifact>',
      );
      return undefined;
    }
    resolved.push({ name: alias ? ref : artifact, step: stepId, artifact, output });
  }
  return resolved;
}

/** The extracted outputs as the step's (or its items') artifacts, typed like the child's. */
function fillOutputs(step: Step, exec: PipelineExec, resolved: Resolved): void {
  exec.outputs = resolved.map(({ name, step: from, artifact }) => ({ name, step: from, artifact }));
  const artifacts: OutputArtifact[] = resolved.map(({ name, output }) => ({
    name,
    path: name,
    type: output.type ?? inferArtifactType(output.path),
    required: true,
  }));
  if (step.iterate) step.iterate.item_outputs = artifacts;
  else if (step.loop) step.loop.body_outputs = artifacts;
  else step.output_artifacts = artifacts;
}
