// What a composite step reads from its own run on the host before it starts children: the items `iterate.over`
// names, a pipeline step's input (`input` rendered, or `input_ref.from`), and the artifacts `config.inject`
// gives the child. All of them come from the artifacts its upstream steps recorded, never from a container.
import { readFile } from 'node:fs/promises';
import type { PipelineExec, Step } from '../config/types.js';
import { StepGraph } from '../plan/graph.js';
import { stepTemplateContext } from '../plan/inputs.js';
import { isOverReference, overReference } from '../plan/iterate-over.js';
import { renderTemplate } from '../plan/template.js';
import type { ArtifactRecord } from '../state/index.js';
import { readJsonPath } from './json-fields.js';
import type { StepRunnerDeps } from './step-deps.js';

export type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

type RecordDeps = Pick<StepRunnerDeps, 'store' | 'runId' | 'inputsRunId'>;

/**
 * What an upstream step recorded: in this run, or (for the run of an iterate item or a loop iteration) in the
 * parent run, where the steps upstream of the iterated or looped step ran.
 */
export function upstreamRecords(deps: RecordDeps, step: string): ArtifactRecord[] {
  const own = deps.inputsRunId === undefined ? [] : deps.store.artifacts.list(deps.runId, step);
  return own.length ? own : deps.store.artifacts.list(deps.inputsRunId ?? deps.runId, step);
}

function recordOf(deps: RecordDeps, step: string, artifact: string): ArtifactRecord | undefined {
  return upstreamRecords(deps, step).find((a) => a.name === artifact);
}

/**
 * The JSON value a reference (`iterate.over`, `branch.on`, a graph edge's condition) names, read from the step's
 * recorded artifact (an upstream step's, or with `anyStep` any step's of this run).
 */
export function referencedValue(
  deps: Pick<StepRunnerDeps, 'pipeline' | 'store' | 'runId' | 'inputsRunId'>,
  step: Step,
  reference: string,
  key: string,
  anyStep = false,
): Read<unknown> {
  const ref = overReference(new StepGraph(deps.pipeline.steps), step, reference, key, anyStep);
  if (!isOverReference(ref)) return { ok: false, reason: ref.message };
  const record = recordOf(deps, ref.step, ref.artifact);
  if (!record) return { ok: false, reason: `${key}: step '${ref.step}' wrote no '${ref.artifact}' in this run` };
  const read = readJsonPath(record.path, ref.path, `${key} ${reference}`);
  return read.ok ? { ok: true, value: read.value } : { ok: false, reason: read.message };
}

/** The JSON array `iterate.over` names. */
export function iterateItems(deps: StepRunnerDeps, step: Step, over: string): Read<unknown[]> {
  const read = referencedValue(deps, step, over, 'iterate.over');
  if (!read.ok) return read;
  if (!Array.isArray(read.value)) {
    const got = read.value === null ? 'null' : typeof read.value;
    return { ok: false, reason: `iterate.over ${over} is not a JSON array (it is ${got})` };
  }
  return { ok: true, value: read.value };
}

/**
 * The child's input: `input` rendered (with the item), `input_ref.from`'s artifact text (`<dependency>.<artifact>`;
 * anything else is a literal), or this run's input.
 */
export async function childInput(
  deps: StepRunnerDeps,
  step: Step,
  exec: PipelineExec,
  item?: unknown,
): Promise<Read<string>> {
  if (exec.input_ref) {
    const { from: ref } = exec.input_ref;
    const [from, artifact, more] = ref.split('.');
    if (!from || !artifact || more !== undefined || !step.dependencies.includes(from)) return { ok: true, value: ref };
    const record = recordOf(deps, from, artifact);
    if (!record) return { ok: false, reason: `input_ref.from '${ref}': step '${from}' wrote no '${artifact}'` };
    return { ok: true, value: (await readFile(record.path, 'utf8')).trim() };
  }
  if (exec.input === undefined) return { ok: true, value: deps.input };
  const graph = new StepGraph(deps.pipeline.steps);
  const values = {
    input: deps.input,
    runId: deps.runId,
    pipelineName: deps.pipeline.metadata.name,
    vars: deps.manifest.manifest.variables ?? {},
    ...(item === undefined ? {} : { item: { value: item } }),
    ...(deps.iteration === undefined ? {} : { iteration: deps.iteration }),
  };
  const ctx = stepTemplateContext(graph, step, values);
  // On the host a JSON field is read from the recorded artifact (no container, no /wave/in).
  ctx.readJsonField = (from, artifact, fieldPath) => {
    const record = recordOf(deps, from, artifact);
    if (!record) return { message: `step '${from}' wrote no '${artifact}' in this run` };
    const read = readJsonPath(record.path, fieldPath, `artifact '${artifact}' of step '${from}'`);
    if (!read.ok) return { message: read.message };
    return typeof read.value === 'string' ? read.value : JSON.stringify(read.value);
  };
  return { ok: true, value: renderTemplate(exec.input, ctx, `step '${step.id}' input`) };
}

/** config.inject: each `<step>.<artifact>` of this run, as the file the child's steps receive. */
export function injectedArtifacts(
  deps: StepRunnerDeps,
  exec: PipelineExec,
): Read<Array<{ name: string; path: string }>> {
  const out: Array<{ name: string; path: string }> = [];
  for (const ref of exec.inject) {
    const [from = '', artifact = ''] = ref.split('.');
    const record = recordOf(deps, from, artifact);
    if (!record) return { ok: false, reason: `config.inject: step '${from}' wrote no '${artifact}' in this run` };
    out.push({ name: artifact, path: record.path });
  }
  return { ok: true, value: out };
}
