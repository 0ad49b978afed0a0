// `wave run --dry-run` as a service: the plan without running anything: levels, and per step what would run where,
// with which contracts and outputs; with --from-step, which steps would be reused from which run (checked exactly
// as the run would check them, so a dry run fails where the run would). The CLI renders it.
import { existsSync } from 'node:fs';
import { DEFAULT_PERSONA_NETWORK, SANDBOX_PATHS } from '../config/index.js';
import { DEFAULT_MAX_STEP_VISITS, DEFAULT_MAX_VISITS, type Step } from '../config/types.js';
import { dependentsOf, isGraphPipeline } from '../plan/graph-mode.js';
import { WaveError } from '../errors.js';
import { defaultStatePath } from '../state/index.js';
import { expansionOf } from './dry-run-tree.js';
import { noEarlierRun, type ReuseSource } from './from-step.js';
import {
  findReuseSource,
  openStore,
  preparePipeline,
  type Prepared,
  type RunFlags,
  type RunServiceOptions,
} from './run-service.js';

export interface DryRun {
  prepared: Prepared;
  /** Graph mode: where the walk starts and how many visits the run may make in all. */
  graph?: { start: string; maxStepVisits: number };
  /** --from-step: the run the reused steps would come from. */
  source?: ReuseSource;
  steps: DryRunStep[];
}

export type DryRunStep = ReturnType<typeof stepPlans>[number] & { expansion?: string[] };

export async function dryRun(
  options: Pick<RunServiceOptions, 'manifestPath' | 'projectDir'>,
  pipelineRef: string,
  flags: RunFlags,
  note: (m: string) => void,
): Promise<DryRun> {
  const prepared = await preparePipeline(options, pipelineRef, flags, note);
  const source = prepared.fromStep ? await reuseSourceFor(options.projectDir, prepared, flags) : undefined;
  const steps = await Promise.all(
    stepPlans(prepared, source).map(async (plan, i) => {
      const step = prepared.steps[i];
      const expansion = step ? await expansionOf(options, step, flags) : [];
      return expansion.length ? { ...plan, expansion } : plan;
    }),
  );
  const pipeline = prepared.pipeline.pipeline;
  const graph = isGraphPipeline(prepared.steps)
    ? { start: prepared.steps[0]?.id ?? '', maxStepVisits: pipeline.max_step_visits ?? DEFAULT_MAX_STEP_VISITS }
    : undefined;
  return { prepared, ...(source ? { source } : {}), ...(graph ? { graph } : {}), steps };
}

function stepPlans(prepared: Prepared, source: ReuseSource | undefined) {
  const reusedFrom = new Map((source?.steps ?? []).map((s) => [s.stepId, s]));
  const byId = new Map(prepared.executorSteps.map((s) => [s.id, s]));
  return prepared.steps.map((step) => {
    const plan = byId.get(step.id);
    const persona = step.persona ? prepared.manifest.manifest.personas[step.persona] : undefined;
    const reused = reusedFrom.get(step.id);
    return {
      id: step.id,
      action: reused ? ('reuse' as const) : ('run' as const),
      ...(reused && source
        ? {
            reusedFrom: source.run.id,
            reusedArtifacts: reused.artifacts.map((a) => ({ name: a.name, path: a.file, sha256: a.sha256 })),
          }
        : {}),
      level: prepared.levels.findIndex((l) => l.includes(step.id)),
      kind: step.exec.type,
      image: plan?.start.image,
      adapter: plan?.start.adapter,
      persona: plan?.start.persona || undefined,
      model: plan?.start.model || undefined,
      // A pipeline step starts no container: its child pipeline's steps have their own networks.
      network:
        step.exec.type === 'pipeline'
          ? undefined
          : step.exec.type === 'command'
            ? 'none'
            : (step.sandbox?.network ?? persona?.sandbox?.network ?? DEFAULT_PERSONA_NETWORK),
      dependencies: step.dependencies,
      outputs: step.output_artifacts.map(
        (o) => `${o.name}: ${SANDBOX_PATHS.out}/${o.path}${o.required ? '' : ' (optional)'}`,
      ),
      contracts: step.handover.contracts.map(
        (c) =>
          `${c.type}${c.source ? ` ${c.source}` : ''}${c.on_failure && c.on_failure !== 'fail' ? ` (on_failure: ${c.on_failure})` : ''}`,
      ),
      retry: plan
        ? `${plan.retry.maxAttempts} attempt(s), ${plan.retry.backoff} backoff, on_failure ${plan.retry.onFailure}`
        : undefined,
      ...(isGraphPipeline(prepared.steps) ? graphPlan(prepared.steps, step) : {}),
    };
  });
}

/** Graph mode: the step's visit limit and its edges in order (first match wins), or where it goes without any. */
function graphPlan(steps: readonly Step[], step: Step): { maxVisits: number; edges: string[] } {
  const edges = (step.edges ?? []).map(
    (e, i) => `edge ${i}: -> ${e.target}${e.condition?.trim() ? ` when ${e.condition.trim()}` : ' (always)'}`,
  );
  const dependent = dependentsOf(steps, step.id)[0];
  const fallback = `no edges: -> ${dependent ? `${dependent.id} (its dependent)` : 'the end of the walk'}`;
  return { maxVisits: step.max_visits ?? DEFAULT_MAX_VISITS, edges: edges.length ? edges : [fallback] };
}

/** The run --from-step would reuse; without a state db there is no earlier run, which the resolver reports. */
async function reuseSourceFor(
  projectDir: string,
  prepared: Prepared,
  flags: RunFlags,
): Promise<ReuseSource | undefined> {
  // A dry run must not create the state db as a side effect.
  if (!existsSync(defaultStatePath(projectDir))) {
    if (prepared.fromStep?.reuse.length)
      throw noEarlierRun(prepared.pipeline.pipeline.metadata.name, prepared.fromStep);
    if (flags.fromRun)
      throw new WaveError('run_not_found', `no run "${flags.fromRun}": there are no runs yet`, {
        hint: 'list runs with: wave list runs',
      });
    return undefined;
  }
  const store = openStore(projectDir);
  try {
    return await findReuseSource(store, prepared, flags);
  } finally {
    store.close();
  }
}
