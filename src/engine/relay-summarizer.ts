// The relay's summarizer: the compaction persona in its own container, through the same launcher as any prompt
// step, given the stopped instance's scrubbed transcript and a read-only view of what the step has so far (its
// /wave/out at /wave/in, its tree at /wave/src). It writes one file into its own /wave/out; Wave checks it against
// the checkpoint schema, then keeps it as the step's artifact `checkpoint-<n>` with a copy of the step's outputs.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Step } from '../config/types.js';
import { describeFailures, runContracts } from '../contracts/index.js';
import { chainScrubs } from '../audit/index.js';
import { collectOutputs } from '../sandbox/collect.js';
import { artifactDigest, copyArtifact } from '../workspace/artifacts.js';
import type { StepWorkspace } from '../workspace/layout.js';
import type { TemplateContext } from '../plan/template.js';
import { failure, type AttemptFailure, type AttemptRequest } from './attempt.js';
import type { RelayPolicy } from './relay-policy.js';
import type { StepRunnerDeps } from './step-deps.js';
import type { RelayMonitor } from './relay-monitor.js';
import {
  CHECKPOINT_FILE,
  CHECKPOINT_SCHEMA_PATH,
  SUMMARIZER_PROMPT,
  outputsSnapshot,
  relayDir,
  summarizerContext,
  type Checkpoint,
} from './relay-checkpoint.js';
import { containerSpec, stepSecretScrub } from './step-environment.js';

/** What the summarizer of a step's relay is given (relay.ts's RelayRun has it all). */
export interface SummarizerRun {
  deps: StepRunnerDeps;
  step: Step;
  request: AttemptRequest;
  ws: StepWorkspace;
  templates: TemplateContext;
  policy: RelayPolicy;
}

export type WrittenCheckpoint = { ok: true; checkpoint: Checkpoint; path: string } | AttemptFailure;

export async function writeCheckpoint(
  r: SummarizerRun,
  relay: number,
  monitor: RelayMonitor,
): Promise<WrittenCheckpoint> {
  const { deps, step, request, ws, policy } = r;
  const what = `context relay ${relay} of step '${step.id}'`;
  if (!deps.manifest.manifest.personas[policy.persona]) {
    const hint = 'define it in wave.yaml, or name another in handover.compaction.persona or runtime.relay';
    return failure('infrastructure', `${what}: the summarizer persona '${policy.persona}' is not defined (${hint})`);
  }
  if (!deps.agents) throw new Error(`${what}: no agent launcher`);
  const dir = path.join(relayDir(ws), `summarizer-${relay}`);
  const out = path.join(dir, 'out');
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(out, { recursive: true });
  if (deps.stepUser) await fs.chown(out, deps.stepUser.uid, deps.stepUser.gid);
  const summarizer = summarizerStep(step, relay, policy.persona, policy.timeoutMinutes);
  // Read-only everywhere but its own out/: the step's outputs become its /wave/in, the step's tree its /wave/src.
  const view: StepWorkspace = {
    dir,
    src: ws.src,
    srcWritable: false,
    mounts: ws.mounts.map((m) => ({ ...m, readOnly: true })),
    written: [],
    in: ws.out,
    out,
  };
  const scrub = stepSecretScrub(deps, step);
  const context = summarizerContext(scrub(monitor.task()), scrub(monitor.transcript()));
  const invocation = await deps.agents.invocationFor({ step: summarizer, templates: r.templates, request, context });
  try {
    const spec = await containerSpec(deps, summarizer, request, view, invocation);
    const result = await deps.sandbox.run(spec, {
      signal: request.signal,
      onLine: (line) => invocation.parseLine?.(line.text, line.stream),
    });
    const tail = chainScrubs(invocation.scrub, scrub)([result.stdoutTail, result.stderrTail].join('\n').slice(-4000));
    if (result.status === 'cancelled') return failure('cancelled', 'run cancelled');
    if (result.status !== 'exited' || result.exitCode !== 0 || result.outputRefused) {
      const how = result.outputRefused
        ? `left outputs that were refused: ${result.outputRefused.message}`
        : result.status === 'exited'
          ? `exited with code ${result.exitCode}`
          : result.status.replace('_', ' ');
      return failure('exit', `${what}: the summarizer ${how}`, { outputTail: tail });
    }
    const refused = invocation.verdict?.(result);
    if (refused) return { ...refused, reason: `${what}: ${refused.reason}` };
    return await keepCheckpoint(r, relay, out, what);
  } finally {
    await invocation.cleanup?.();
  }
}

/** Validates the summarizer's file, then stores it and the step's outputs for a later resume. */
async function keepCheckpoint(r: SummarizerRun, relay: number, out: string, what: string): Promise<WrittenCheckpoint> {
  const { deps, step, ws } = r;
  const outputs = [{ name: 'checkpoint', path: CHECKPOINT_FILE }];
  const collected = await collectOutputs(out, { declared: [CHECKPOINT_FILE] });
  if (collected.missing.length) {
    return failure('contract', `${what}: the summarizer wrote no /wave/out/${CHECKPOINT_FILE}`);
  }
  const contracts = await runContracts(
    [{ type: 'json_schema', schema_path: CHECKPOINT_SCHEMA_PATH, source: CHECKPOINT_FILE, recover: true }],
    { outDir: out, outputs, resolvePath: deps.resolvePath, signal: r.request.signal },
  );
  if (!contracts.passed) {
    const errors = describeFailures(contracts.results);
    return failure('contract', `${what}: the checkpoint does not match ${CHECKPOINT_SCHEMA_PATH}`, {
      feedback: errors,
      outputTail: errors,
    });
  }
  const kept = path.join(relayDir(ws), `checkpoint-${relay}.json`);
  await fs.copyFile(path.join(out, CHECKPOINT_FILE), kept);
  const checkpoint = JSON.parse(await fs.readFile(kept, 'utf8')) as Checkpoint;
  await copyArtifact(ws.out, outputsSnapshot(ws));
  const digest = await artifactDigest(kept);
  if (!digest) throw new Error(`${what}: ${kept} vanished`);
  deps.store.artifacts.record(deps.runId, step.id, { name: `checkpoint-${relay}`, path: kept, ...digest });
  return { ok: true, checkpoint, path: kept };
}

/** The summarizer as a prompt step of its own: its id names the step and the relay (the model's step marker). */
function summarizerStep(step: Step, relay: number, persona: string, timeoutMinutes: number): Step {
  return {
    id: `${step.id}.checkpoint-${relay}`,
    persona,
    dependencies: [],
    exec: { type: 'prompt', source: SUMMARIZER_PROMPT },
    output_artifacts: [{ name: 'checkpoint', path: CHECKPOINT_FILE, type: 'json', required: true }],
    handover: { contracts: [{ type: 'json_schema', schema_path: CHECKPOINT_SCHEMA_PATH, source: CHECKPOINT_FILE }] },
    timeout_minutes: timeoutMinutes,
  };
}
