// What a run is made of before anything starts: the manifest (the project's or the defaults), the pipeline checked
// as `wave validate` checks it, the steps the selection flags choose, and each step's agent and image. The run's
// flags are stored with it so `wave resume` continues with the same selection.
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  defaultManifestPath,
  findPipeline,
  loadManifest,
  problemsToError,
  resolveRetry,
  resolveStepAgent,
  type LoadedManifest,
  type LoadedPipeline,
} from '../config/index.js';
import { DEFAULT_COMMAND_IMAGE, type Manifest, type Step } from '../config/types.js';
import { WaveError } from '../errors.js';
import { checkDag } from '../plan/dag.js';
import { isGraphPipeline } from '../plan/graph-mode.js';
import type { JsonObject, RunRecord } from '../state/index.js';
import { checkPipelineFile } from '../validate/index.js';
import { preflightPipeline } from './preflight.js';
import type { ExecutorStep } from './executor.js';
import { planFromStep, type FromStepPlan } from './from-step.js';

export interface RunFlags {
  adapter?: string;
  model?: string;
  /** Only these steps (and nothing that depends on a step left out). */
  steps?: string[];
  maxWorkers?: number;
  /** A new run of this step and everything downstream; the steps upstream take over an earlier run's results. */
  fromStep?: string;
  /** With fromStep: the run to take them from (default: the newest run of the pipeline where they all completed). */
  fromRun?: string;
  /** --auto-approve (run and resume, not stored with the run): every approval gate takes its default. */
  autoApprove?: boolean;
}

/** The manifest to use: the project's, else the embedded defaults (a run should work in any folder). */
export async function loadProjectManifest(manifestPath: string, note: (m: string) => void): Promise<LoadedManifest> {
  if (existsSync(manifestPath)) return loadManifest(manifestPath);
  note(`no ${path.basename(manifestPath)} here: using Wave's default manifest (wave init writes one to edit)`);
  const loaded = await loadManifest(defaultManifestPath());
  // Relative runtime paths (workspaces, traces) belong to the project, not to Wave's install folder.
  return { ...loaded, projectDir: path.dirname(manifestPath) };
}

/** Steps to run with --steps: each named step must exist, and a named step's dependencies must be named too. */
function selectSteps(steps: readonly Step[], only: string[] | undefined): Step[] {
  if (!only?.length) return [...steps];
  const known = new Set(steps.map((s) => s.id));
  const unknown = only.filter((s) => !known.has(s));
  if (unknown.length)
    throw new WaveError('usage', `--steps: unknown step(s) ${unknown.join(', ')}`, {
      hint: `steps: ${[...known].join(', ')}`,
    });
  const chosen = new Set(only);
  for (const step of steps) {
    if (!chosen.has(step.id)) continue;
    const outside = step.dependencies.filter((d) => !chosen.has(d));
    if (outside.length) {
      throw new WaveError(
        'usage',
        `--steps: step '${step.id}' depends on ${outside.join(', ')}, which is not selected`,
        {
          hint: 'add the dependencies to --steps, or use wave resume <run-id> to reuse a run whose earlier steps completed',
        },
      );
    }
  }
  return steps.filter((s) => chosen.has(s.id));
}

export interface Prepared {
  manifest: LoadedManifest;
  pipeline: LoadedPipeline;
  /** The steps that are part of the run, reused ones included (the step runner needs their definitions). */
  steps: Step[];
  /** The steps that run (with --from-step, not the reused ones). */
  executorSteps: ExecutorStep[];
  levels: string[][];
  /** --from-step: which steps run and which are reused. */
  fromStep?: FromStepPlan;
}

/** --from-step and --from-run against the other selection flags; a combination that would be ambiguous is refused. */
function checkSelectionFlags(flags: RunFlags): void {
  if (flags.fromRun !== undefined && flags.fromStep === undefined) {
    throw new WaveError('usage', '--from-run needs --from-step', {
      hint: 'wave run <pipeline> --from-step <step> --from-run <run-id>',
    });
  }
  if (flags.fromStep !== undefined && flags.steps?.length) {
    throw new WaveError('usage', '--from-step and --steps cannot be combined', {
      hint: '--from-step X runs X and everything downstream, reusing what is upstream; --steps runs exactly the steps named',
    });
  }
}

export async function preparePipeline(
  options: { manifestPath: string; projectDir: string },
  pipelineRef: string,
  flags: RunFlags,
  note: (m: string) => void,
): Promise<Prepared> {
  const manifest = await loadProjectManifest(options.manifestPath, note);
  const found = await findPipeline(pipelineRef, options.projectDir);
  const agentFlags = {
    ...(flags.adapter ? { adapter: flags.adapter } : {}),
    ...(flags.model ? { model: flags.model } : {}),
  };
  // The same checks as `wave validate`, with the agents this run's flags choose.
  const preflight = (loaded: LoadedPipeline, m?: Manifest) => preflightPipeline(loaded, m, agentFlags);
  const checked = await checkPipelineFile(found.path, options.projectDir, manifest.manifest, preflight);
  const pipeline = checked.loaded;
  if (!pipeline) throw problemsToError('pipeline_invalid', checked.problems);
  for (const warning of checked.problems.filter((p) => p.severity === 'warning')) note(`warning: ${warning.message}`);
  checkSelectionFlags(flags);
  if (flags.autoApprove) checkAutoApprove(pipeline.pipeline.steps);
  if (isGraphPipeline(pipeline.pipeline.steps) && (flags.steps?.length || flags.fromStep !== undefined)) {
    throw new WaveError('usage', `--steps and --from-step do not apply to a graph-mode pipeline`, {
      hint: 'its walk decides which steps run (README: Graph mode); run it whole, or wave resume a run of it',
    });
  }
  const fromStep =
    flags.fromStep === undefined
      ? undefined
      : planFromStep(pipeline.pipeline.steps, flags.fromStep, pipeline.pipeline.metadata.name);
  const selected = fromStep
    ? pipeline.pipeline.steps.filter((s) => fromStep.run.includes(s.id) || fromStep.reuse.includes(s.id))
    : selectSteps(pipeline.pipeline.steps, flags.steps);
  const steps = withReworkSteps(pipeline.pipeline.steps, selected);
  const reworkFor = reworkTargets(steps);
  const { levels } = checkDag({ ...pipeline.pipeline, steps });
  // Reused steps start no container, so they need neither an image nor an agent.
  const executorSteps = steps
    .filter((s) => !fromStep?.reuse.includes(s.id))
    .map((step) => {
      const executor = executorStepFor(manifest, step, agentFlags);
      const judged = reworkFor.get(step.id);
      return judged === undefined ? executor : { ...executor, reworkFor: judged };
    });
  return { manifest, pipeline, steps, executorSteps, levels, ...(fromStep ? { fromStep } : {}) };
}

/** --auto-approve answers every approval gate with its default: a gate with choices and no default cannot be. */
function checkAutoApprove(steps: readonly Step[]): void {
  for (const step of steps) {
    if (step.exec.type !== 'gate' || step.exec.kind !== 'approval') continue;
    if (step.exec.choices.length === 0 || step.exec.default !== undefined) continue;
    const keys = step.exec.choices.map((c) => c.key).join(', ');
    throw new WaveError('usage', `--auto-approve: gate '${step.id}' has choices (${keys}) and no default`, {
      hint: `add default: <choice key> to its gate, or answer it: wave gate approve <run> ${step.id} --choice <key>`,
    });
  }
}

/** rework_step → the step whose contract names it (`wave validate` makes sure there is one only). */
export function reworkTargets(steps: readonly Step[]): Map<string, string> {
  const targets = new Map<string, string>();
  for (const step of steps) {
    for (const c of step.handover.contracts) if (c.rework_step) targets.set(c.rework_step, step.id);
  }
  return targets;
}

/** The selection plus the rework steps its contracts name: a rework step runs only as part of its judged step. */
function withReworkSteps(all: readonly Step[], selected: Step[]): Step[] {
  const wanted = new Set(selected.map((s) => s.id));
  for (const id of reworkTargets(selected).keys()) wanted.add(id);
  return all.filter((s) => wanted.has(s.id));
}

/** How the executor runs a step: its retry policy, what its start records, and whether it holds a worker slot. */
export function executorStepFor(
  manifest: LoadedManifest,
  step: Step,
  agentFlags: Pick<RunFlags, 'adapter' | 'model'>,
): ExecutorStep {
  const base = { id: step.id, dependencies: step.dependencies, retry: resolveRetry(step.retry) };
  // A step that only starts child runs holds no worker slot; an iterate or matrix step's retries are its items'
  // own, a loop step's its iterations' steps' own. A gate waits: it holds no worker slot, and is not retried.
  const fansOut = step.iterate !== undefined || step.matrix !== undefined || step.loop !== undefined;
  const composite = step.exec.type === 'pipeline' || step.exec.type === 'gate' || fansOut;
  const retry = fansOut ? { ...base.retry, maxAttempts: 1 } : base.retry;
  const shape = composite ? { ...base, retry, holdsWorker: false } : base;
  if (step.loop) return { ...shape, start: { persona: '', adapter: 'loop', model: '', image: '' } };
  if (step.exec.type === 'pipeline' || step.exec.type === 'gate') {
    const adapter = step.exec.type;
    const gate = step.exec.type === 'gate' ? { gate: true } : {};
    return { ...shape, ...gate, start: { persona: '', adapter, model: '', image: '' } };
  }
  if (step.exec.type === 'conditional') {
    // It runs nothing (graph-run.ts routes on the outcome before it): no container, no worker slot, no retry.
    const once = { ...base.retry, maxAttempts: 1 };
    return {
      ...base,
      retry: once,
      holdsWorker: false,
      start: { persona: '', adapter: 'conditional', model: '', image: '' },
    };
  }
  if (step.exec.type === 'command') {
    const image = step.exec.image ?? DEFAULT_COMMAND_IMAGE;
    return { ...shape, start: { persona: '', adapter: 'command', model: '', image } };
  }
  const agent = resolveStepAgent(manifest.manifest, step, agentFlags);
  const start = {
    persona: agent.personaName ?? '',
    adapter: agent.adapterName,
    model: agent.model,
    image: agent.adapter.image,
  };
  return { ...shape, start };
}

export function flagsToJson(flags: RunFlags): JsonObject {
  const out: JsonObject = {};
  if (flags.adapter) out.adapter = flags.adapter;
  if (flags.model) out.model = flags.model;
  if (flags.steps?.length) out.steps = flags.steps;
  if (flags.maxWorkers) out.maxWorkers = flags.maxWorkers;
  if (flags.fromStep) out.fromStep = flags.fromStep;
  if (flags.fromRun) out.fromRun = flags.fromRun;
  return out;
}

export function jsonToFlags(json: RunRecord['options']): RunFlags {
  return {
    ...(typeof json.adapter === 'string' ? { adapter: json.adapter } : {}),
    ...(typeof json.model === 'string' ? { model: json.model } : {}),
    ...(Array.isArray(json.steps) ? { steps: json.steps.filter((s): s is string => typeof s === 'string') } : {}),
    ...(typeof json.maxWorkers === 'number' ? { maxWorkers: json.maxWorkers } : {}),
    ...(typeof json.fromStep === 'string' ? { fromStep: json.fromStep } : {}),
    ...(typeof json.fromRun === 'string' ? { fromRun: json.fromRun } : {}),
  };
}
