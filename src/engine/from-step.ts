// `wave run --from-step X`: a new run in which X and everything downstream of X run, while the steps upstream of
// them take over their completed results from an earlier run. The earlier run's artifacts are checked against
// their recorded sha256 and copied into the new run's workspace, so cleaning the old run never breaks the new
// one and dependents get their inputs exactly as in a normal run.
import path from 'node:path';
import { didYouMean } from '../config/index.js';
import type { Step } from '../config/types.js';
import { stepOutputs } from '../plan/worktrees.js';
import { WaveError } from '../errors.js';
import type { ReusedArtifact } from '../events/types.js';
import type { RunRecord, Store } from '../state/index.js';
import { artifactDigest, copyArtifact } from '../workspace/artifacts.js';
import { safeRelative } from '../workspace/layout.js';

interface DagNode {
  id: string;
  dependencies: readonly string[];
}

export interface FromStepPlan {
  fromStep: string;
  /** X and every step downstream of it, in pipeline order: these run. */
  run: string[];
  /**
   * Every step upstream of a step that runs, in pipeline order: these are reused. That is X's ancestors plus,
   * where a downstream step also depends on a side branch (a diamond's other arm), that branch: its result
   * cannot have changed either, and the downstream step needs it as input.
   */
  reuse: string[];
}

/** Which steps run and which are reused; steps in neither list are not part of the run. */
export function planFromStep(steps: readonly DagNode[], fromStep: string, pipelineName: string): FromStepPlan {
  const byId = new Map(steps.map((s) => [s.id, s]));
  if (!byId.has(fromStep)) {
    throw new WaveError(
      'usage',
      `--from-step ${fromStep}: pipeline ${pipelineName} has no such step${didYouMean(fromStep, byId.keys())}`,
      {
        hint: `steps: ${[...byId.keys()].join(', ')}`,
      },
    );
  }
  const dependents = new Map<string, string[]>();
  for (const step of steps) {
    for (const dep of step.dependencies) dependents.set(dep, [...(dependents.get(dep) ?? []), step.id]);
  }
  const run = closure([fromStep], (id) => dependents.get(id) ?? []);
  const upstream = closure([...run], (id) => byId.get(id)?.dependencies ?? []);
  const inOrder = (set: Set<string>) => steps.map((s) => s.id).filter((id) => set.has(id));
  return { fromStep, run: inOrder(run), reuse: inOrder(new Set([...upstream].filter((id) => !run.has(id)))) };
}

function closure(start: readonly string[], next: (id: string) => readonly string[]): Set<string> {
  const seen = new Set(start);
  const queue = [...start];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const n of next(id)) {
      if (seen.has(n)) continue;
      seen.add(n);
      queue.push(n);
    }
  }
  return seen;
}

export function noEarlierRun(pipelineName: string, plan: FromStepPlan): WaveError {
  return new WaveError(
    'run_not_found',
    `--from-step ${plan.fromStep}: no earlier run of ${pipelineName} in which ${listOf(plan.reuse)} completed`,
    {
      hint: `run the whole pipeline first: wave run ${pipelineName}`,
    },
  );
}

/** One artifact of a reused step as found in the earlier run. */
export interface SourceArtifact {
  name: string;
  /** The declared output path, relative to the step's out/ folder. */
  relPath: string;
  /** The file in the earlier run's workspace. */
  file: string;
  size: number;
  sha256: string;
}

export interface ReusedStepSource {
  stepId: string;
  artifacts: SourceArtifact[];
}

export interface ReuseSource {
  run: RunRecord;
  steps: ReusedStepSource[];
}

export interface ResolveReuseInput {
  pipelineName: string;
  /** The pipeline's step definitions (their declared outputs say which artifacts to take over). */
  steps: readonly Step[];
  plan: FromStepPlan;
  /** `--from-run`: this run rather than the newest that fits. */
  fromRun?: string;
  /** Never pick this run (the run being resumed). */
  exceptRunId?: string;
}

/**
 * The earlier run to take the reused steps from, with every artifact checked on disk. Throws a user error when
 * there is none, when `--from-run` names a run that does not fit, or when a file is gone or changed.
 */
export async function resolveReuseSource(store: Store, input: ResolveReuseInput): Promise<ReuseSource | undefined> {
  const { pipelineName, plan } = input;
  const explicit = input.fromRun === undefined ? undefined : store.runs.require(input.fromRun);
  if (explicit && explicit.pipeline !== pipelineName) {
    throw new WaveError(
      'usage',
      `--from-run ${explicit.id} is a run of pipeline ${explicit.pipeline}, not ${pipelineName}`,
      {
        hint: `list this pipeline's runs: wave list runs (or drop --from-run to use the newest that fits)`,
      },
    );
  }
  if (plan.reuse.length === 0) return undefined; // X has nothing upstream: nothing to take over
  const run = explicit ?? store.runs.latestWithCompletedSteps(pipelineName, plan.reuse, input.exceptRunId);
  if (!run) throw noEarlierRun(pipelineName, plan);
  const stepRows = new Map(store.steps.list(run.id).map((s) => [s.stepId, s]));
  const notCompleted = plan.reuse.filter((id) => stepRows.get(id)?.status !== 'completed');
  if (notCompleted.length) {
    const what = notCompleted.map((id) => `${id} (${stepRows.get(id)?.status ?? 'not part of that run'})`).join(', ');
    throw new WaveError(
      'usage',
      `--from-run ${run.id}: ${plural(notCompleted, 'step')} ${what} did not complete there`,
      {
        hint: `--from-step ${plan.fromStep} reuses ${listOf(plan.reuse)}; pick a run where they completed, or drop --from-run`,
      },
    );
  }

  const byId = new Map(input.steps.map((s) => [s.id, s]));
  const steps: ReusedStepSource[] = [];
  for (const stepId of plan.reuse) {
    const records = new Map(store.artifacts.list(run.id, stepId).map((a) => [a.name, a]));
    const artifacts: SourceArtifact[] = [];
    const reused = byId.get(stepId);
    for (const output of reused ? stepOutputs(reused) : []) {
      const record = records.get(output.name);
      const label = `artifact ${stepId}.${output.name} of run ${run.id}`;
      if (!record) {
        if (!output.required) continue; // optional and not written then: dependents handle its absence
        throw new WaveError(
          'file_not_found',
          `--from-step ${plan.fromStep}: ${label} was never recorded (the pipeline declares it now)`,
          {
            hint: `run the whole pipeline again: wave run ${pipelineName}`,
          },
        );
      }
      const actual = await artifactDigest(record.path);
      if (actual === undefined) {
        throw new WaveError('file_not_found', `--from-step ${plan.fromStep}: ${label} is gone: ${record.path}`, {
          hint: `its workspace was removed (wave clean?); pick another run with --from-run, or run the whole pipeline: wave run ${pipelineName}`,
        });
      }
      if (actual.sha256 !== record.sha256) {
        throw new WaveError(
          'usage',
          `--from-step ${plan.fromStep}: ${label} changed on disk since it was recorded: ${record.path} (sha256 ${actual.sha256.slice(0, 12)}…, recorded ${record.sha256.slice(0, 12)}…)`,
          {
            hint: `it is not reused as it is now; run the whole pipeline again (wave run ${pipelineName}) or pick another run with --from-run`,
          },
        );
      }
      artifacts.push({
        name: output.name,
        relPath: safeRelative(output.path, `output ${stepId}.${output.name}`),
        file: record.path,
        size: actual.size,
        sha256: record.sha256,
      });
    }
    steps.push({ stepId, artifacts });
  }
  return { run, steps };
}

/**
 * Copies a reused step's artifacts to `<run dir>/<step>/out/<path>`, where the step would have written them,
 * and checks each copy against the recorded hash (the source could change between the check and the copy).
 */
export async function copyReusedArtifacts(
  runDir: string,
  source: ReusedStepSource,
  fromRun: string,
): Promise<ReusedArtifact[]> {
  const out = path.join(runDir, source.stepId, 'out');
  const copied: ReusedArtifact[] = [];
  for (const artifact of source.artifacts) {
    const target = path.join(out, artifact.relPath);
    try {
      await copyArtifact(artifact.file, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Checked a moment ago; removed since (a `wave clean` running at the same time).
      throw new WaveError(
        'file_not_found',
        `artifact ${source.stepId}.${artifact.name} of run ${fromRun} is gone: ${artifact.file}`,
        {
          hint: 'its workspace was removed while this run started; pick another run with --from-run, or run the whole pipeline',
        },
      );
    }
    const hashed = await artifactDigest(target);
    if (hashed?.sha256 !== artifact.sha256) {
      throw new WaveError(
        'usage',
        `artifact ${source.stepId}.${artifact.name} of run ${fromRun} changed while it was being copied: ${artifact.file}`,
        {
          hint: "something is writing to the earlier run's workspace; try again, or run the whole pipeline",
        },
      );
    }
    copied.push({ name: artifact.name, path: target, size: hashed.size, sha256: hashed.sha256 });
  }
  return copied;
}

function listOf(ids: readonly string[]): string {
  return ids.length === 1 ? `step ${ids[0]}` : `steps ${ids.join(', ')}`;
}

function plural(items: readonly unknown[], word: string): string {
  return items.length === 1 ? word : `${word}s`;
}
