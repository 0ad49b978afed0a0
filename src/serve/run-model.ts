// What the run page shows, read from the store the CLI uses: the run's steps with their state, attempts,
// duration and tokens, the dependency edges from its pipeline file, and the child runs of composition steps
// (a sub-pipeline's child, one per iterate item).
import { readPipeline } from '../config/index.js';
import type { RunRecord, StepRecord, Store } from '../state/index.js';

export interface StepNode {
  step: StepRecord;
  tokens: number;
  dependencies: string[];
  children: RunRecord[];
}

export interface RunModel {
  run: RunRecord;
  steps: StepNode[];
  /** Why the edges are missing, when the pipeline file could not be read. */
  edgesUnknown?: string;
}

export async function loadRunModel(store: Store, runId: string): Promise<RunModel | undefined> {
  const run = store.runs.get(runId);
  if (!run) return undefined;
  const { dependencies, problem } = await pipelineDependencies(run.pipelinePath);
  const tokens = tokensByStep(store, runId);
  const children = store.runs.children(runId);
  const steps = store.steps.list(runId).map((step) => ({
    step,
    tokens: tokens.get(step.stepId) ?? 0,
    dependencies: dependencies.get(step.stepId) ?? [],
    children: children.filter((c) => c.parentStepId === step.stepId),
  }));
  return { run, steps, ...(problem === undefined ? {} : { edgesUnknown: problem }) };
}

/** Input and output tokens the step's agent reported, over all its attempts. */
function tokensByStep(store: Store, runId: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const event of store.events.iterate(runId, 0, { types: ['usage'] })) {
    if (event.type !== 'usage') continue;
    out.set(event.stepId, (out.get(event.stepId) ?? 0) + event.inputTokens + event.outputTokens);
  }
  return out;
}

async function pipelineDependencies(file: string): Promise<{ dependencies: Map<string, string[]>; problem?: string }> {
  const dependencies = new Map<string, string[]>();
  try {
    const read = await readPipeline(file);
    const pipeline = (read.loaded ?? read.partial)?.pipeline;
    for (const step of pipeline?.steps ?? []) dependencies.set(step.id, [...step.dependencies]);
    return pipeline ? { dependencies } : { dependencies, problem: `${file} has errors` };
  } catch (err) {
    return { dependencies, problem: (err as Error).message };
  }
}

/** "12.3s", "4m05s"; the time so far for a step still running. */
export function durationText(start: string | null, end: string | null, now = Date.now()): string {
  if (!start) return '';
  const ms = Math.max(0, (end ? Date.parse(end) : now) - Date.parse(start));
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

export function tokensText(tokens: number): string {
  if (tokens === 0) return '';
  return tokens < 1000 ? `${tokens} tok` : `${(tokens / 1000).toFixed(1)}k tok`;
}
