// One attempt of one step, as DESIGN.md's "One step, as data": workspace → inputs → invocation → container →
// collection → contracts → artifacts. Every way it can go wrong ends as an AttemptFailure with a class the
// executor can act on; a throw (a bug, the host out of descriptors or disk) too, as class `internal` or
// `infrastructure`.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Step } from '../config/types.js';
import { formatDuration } from '../config/units.js';
import { describeFailures, type ContractContext, type ContractsRun } from '../contracts/index.js';
import { chainScrubs } from '../audit/index.js';
import { isWaveError } from '../errors.js';
import { StepGraph } from '../plan/graph.js';
import { stepTemplateContext } from '../plan/inputs.js';
import { renderTemplate } from '../plan/template.js';
import { writesCode } from '../plan/worktrees.js';
import { collectOutputs, normalizeDeclaredPath } from '../sandbox/collect.js';
import type { SandboxResult } from '../sandbox/types.js';
import { artifactIn } from '../workspace/artifacts.js';
import { eventTime } from '../events/types.js';
import type { TemplateContext } from '../plan/template.js';
import { copyArtifact } from '../workspace/artifacts.js';
import { injectArtifact, prepareStep, type StepWorkspace } from '../workspace/layout.js';
import {
  failure,
  failureFromThrown,
  type AttemptOutcome,
  type AttemptRequest,
  type AttemptRunner,
  type ReworkInput,
} from './attempt.js';
import { reviewRunner } from './reviewer.js';
import { REWORK_FEEDBACK_FILE, REWORK_IN, runContractsWithRework } from './rework.js';
import { commandInvocation, contractCommandRunner, type CommandContext } from './command-step.js';
import type { Invocation } from './invocation.js';
import type { AgentInvocationRequest } from './agent.js';
import { renderDiffContext } from './diff-context.js';
import { createOutputRecorder, storedOutputBounds } from './output-budget.js';
import { jsonFieldReader } from './json-fields.js';
import { captureStdout } from './stdout-output.js';
import { containerSpec, scrubOutcome, stepSecretScrub, stopTimings } from './step-environment.js';
import { relayPolicy } from './relay-policy.js';
import { runRelayed, type RelayLaunch } from './relay.js';
import { injectInputs } from './step-inputs.js';
import { captureChanges, contractChanges, keepChanges, prepareWriting, type WritingStart } from './writing-step.js';
import type { StepRunnerDeps } from './step-deps.js';
import { isComposite, runCompositeAttempt } from './composite-step.js';
import { runMatrixAttempt } from './matrix-step.js';

export type { StepRunnerDeps } from './step-deps.js';

const TAIL_CHARS = 4_000;

function tail(result: SandboxResult): string {
  const text = [result.stdoutTail, result.stderrTail].filter(Boolean).join('\n');
  return text.length > TAIL_CHARS ? text.slice(-TAIL_CHARS) : text;
}

export function createAttemptRunner(deps: StepRunnerDeps): AttemptRunner {
  const steps = new Map(deps.pipeline.steps.map((s) => [s.id, s]));
  return async (request) => {
    const step = steps.get(request.stepId);
    if (!step) throw new Error(`unknown step ${request.stepId}`);
    // Whatever the attempt reports (reasons, feedback, output tails, error messages) is stored and printed.
    return scrubOutcome(await attemptOf(step, request), stepSecretScrub(deps, step));
  };
  async function attemptOf(step: Step, request: AttemptRequest): Promise<AttemptOutcome> {
    try {
      if (step.matrix) return await runMatrixAttempt(deps, step, step.matrix, request);
      if (isComposite(step)) return await runCompositeAttempt(deps, step, request);
      return await runAttempt(deps, step, request);
    } catch (err) {
      if (request.signal.aborted) return failure('cancelled', 'run cancelled');
      if (isWaveError(err)) {
        const cls =
          err.code === 'artifact_rejected' ? 'contract' : err.code === 'cancelled' ? 'cancelled' : 'infrastructure';
        return failure(cls, err.message + (err.hint ? ` (${err.hint})` : ''));
      }
      // EMFILE, a full disk, a bug: still this attempt's failure, so the step row ends and the run can resume.
      return failureFromThrown(err);
    }
  }
}

async function runAttempt(deps: StepRunnerDeps, step: Step, request: AttemptRequest): Promise<AttemptOutcome> {
  const { runId } = deps;
  const prepared = await prepareStep(deps.runWorkspace, step.id, request.attempt, {
    mounts: step.workspace?.mount ?? [],
    ...(deps.stepUser ? { owner: deps.stepUser } : {}),
  });

  const graph = new StepGraph(deps.pipeline.steps);
  if (writesCode(step) && !deps.trees) throw new Error(`step '${step.id}' changes code but the run has no trees`);
  const { ws, start } = deps.trees
    ? await prepareWriting(deps.trees, graph, step, prepared, deps.stepUser)
    : { ws: prepared, start: undefined };
  const injected = await injectInputs(deps, graph, step, ws);
  if (!injected.ok) return injected.failure;
  if (request.rework) await seedRework(ws, request.rework, deps.stepUser);

  const { variables } = deps.manifest.manifest;
  const values = {
    input: deps.input,
    runId,
    pipelineName: deps.pipeline.metadata.name,
    vars: variables ?? {},
    ...(deps.item ? { item: deps.item } : {}),
    ...(deps.iteration === undefined ? {} : { iteration: deps.iteration }),
  };
  const templates = stepTemplateContext(graph, step, values, injected.present);
  templates.readJsonField = jsonFieldReader(graph, step, ws.in);
  const judges: JudgeEnv = { templates, nextCall: () => nextModelCall(deps, step.id) };
  const run = async (invocation: Invocation) => {
    try {
      return await runInvocation(deps, step, request, ws, invocation, judges, start);
    } finally {
      await invocation.cleanup?.();
    }
  };
  if (step.exec.type === 'command') {
    const script = renderTemplate(step.exec.script, templates, `step '${step.id}' exec.script`, { syntax: 'shell' });
    return run(await commandInvocation(commandContext(deps, step, request), step, script, deps.input));
  }
  const context = await renderDiffContext(deps, graph, step);
  const launch: RelayLaunch = (relay, checkpoint) =>
    agentInvocation(deps, step, templates, request, context + checkpoint, relay);
  const { personas, runtime } = deps.manifest.manifest;
  const policy = relayPolicy(step, runtime, (name) => Object.hasOwn(personas, name));
  if (!policy) return run(await launch(undefined, ''));
  return runRelayed({ deps, step, request, ws, templates, policy, launch, run });
}

async function runInvocation(
  deps: StepRunnerDeps,
  step: Step,
  request: AttemptRequest,
  ws: StepWorkspace,
  invocation: Invocation,
  judges: JudgeEnv,
  writing?: WritingStart,
): Promise<AttemptOutcome> {
  const { runId, store, bus } = deps;
  const scrub = chainScrubs(invocation.scrub, stepSecretScrub(deps, step));
  const spec = await containerSpec(deps, step, request, ws, invocation);

  // Stored output is bounded (head + tail per stream); the parser still sees every line.
  const bounds = storedOutputBounds(deps.manifest.manifest, step);
  const stdoutOutput = captureStdout(step.output_artifacts, bounds);
  const output = createOutputRecorder({
    bounds,
    runId,
    stepId: step.id,
    attempt: request.attempt,
    emit: (e) => bus.emit(e),
  });
  const result = await deps.sandbox
    .run(spec, {
      signal: request.signal,
      ...(invocation.relay ? { stop: invocation.relay.stop } : {}),
      onCreated: (id) => store.attempts.setContainer(runId, step.id, id),
      onLine: (line) => {
        invocation.parseLine?.(line.text, line.stream);
        const text = scrub(line.text);
        output.line(line.stream, text, line.truncatedBytes);
        if (line.stream === 'stdout') stdoutOutput?.line(text, line.truncatedBytes);
      },
    })
    .finally(() => output.finish());

  const outputTail = scrub(tail(result));
  const base = { exitCode: result.exitCode, outputTail };
  switch (result.status) {
    case 'cancelled':
      return failure('cancelled', 'run cancelled', base);
    case 'timed_out':
      return failure('timeout', `timed out after ${Math.round((spec.timeoutMs ?? 0) / 1000)} s`, {
        ...base,
        timeoutMs: spec.timeoutMs ?? 0,
      });
    case 'stalled': {
      const reason = `stalled: no output for ${formatDuration(spec.stallTimeoutMs ?? 0)}`;
      return failure('stalled', reason, { ...base, feedback: `The step was stopped: ${reason}.\n${outputTail}` });
    }
    case 'oom_killed':
      return failure('exit', 'killed: out of memory (raise resources.memory)', {
        ...base,
        feedback: `The container ran out of memory.\n${outputTail}`,
      });
    case 'stopped': // engine/relay.ts takes it from here
      return failure('context_exhausted', 'stopped near its context limit for the context relay', base);
    case 'exited':
      break;
  }
  if (result.outputRefused) {
    // Before the exit code: a step that hit its quota usually also exited non-zero (ENOSPC), and the quota is why.
    const { kind, message, hint } = result.outputRefused;
    return failure(kind === 'quota' ? 'quota' : 'contract', `${message} (${hint})`, {
      ...base,
      feedback: `${message}.\n${outputTail}`,
    });
  }
  const agentFailure = invocation.verdict?.(result);
  if (agentFailure) return { ...agentFailure, ...base };
  if (result.exitCode !== 0) {
    return failure('exit', `exited with code ${result.exitCode}`, {
      ...base,
      feedback: `The step exited with code ${result.exitCode}. Output tail:\n${outputTail}`,
    });
  }

  const stdoutFailure = await stdoutOutput?.write(ws.out);
  if (stdoutFailure) return { ...stdoutFailure, ...base };
  const declared = step.output_artifacts.map((o) => o.path);
  const limits = {
    ...(spec.resources?.outBytes !== undefined ? { maxTotalBytes: spec.resources.outBytes } : {}),
    ...(spec.resources?.outFiles !== undefined ? { maxEntries: spec.resources.outFiles } : {}),
  };
  const manifest = await collectOutputs(ws.out, { declared, ...limits });
  const missing = new Set(manifest.missing);
  const missingRequired = step.output_artifacts.filter((o) => o.required && missing.has(normalizeDeclaredPath(o.path)));
  if (missingRequired.length) {
    const names = missingRequired.map((o) => `${o.name} (/wave/out/${o.path})`).join(', ');
    return failure('contract', `declared output not written: ${names}`, {
      ...base,
      feedback: `These declared outputs were not written: ${names}`,
    });
  }

  // Captured before the contracts, which check the changed tree; kept only when they pass.
  const changed = writing && deps.trees ? await captureChanges(deps.trees, step, ws, writing) : undefined;
  const contractCtx: ContractContext = {
    outDir: ws.out,
    outputs: step.output_artifacts.map((o) => ({ name: o.name, path: o.path })),
    resolvePath: deps.resolvePath,
    signal: request.signal,
    image: invocation.image,
    ...(changed && writing && deps.trees ? { changes: contractChanges(deps.trees, writing, changed) } : {}),
    runCommand: contractCommandRunner({
      sandbox: deps.sandbox,
      srcDir: ws.src,
      mounts: ws.mounts,
      labels: { run: runId, step: step.id, attempt: request.attempt },
      egress: commandContext(deps, step, request),
      timings: stopTimings(deps.manifest.manifest),
    }),
    review: reviewRunner({
      deps,
      step,
      ws,
      templates: judges.templates,
      request,
      nextCall: judges.nextCall,
      ...(changed ? { changesDir: changed.dir } : {}),
    }),
    judge: (judgeRequest) => {
      if (!deps.agents) throw new Error(`step '${step.id}' has an llm_judge contract but the run has no agents`);
      const scope = { stepId: step.id, attempt: request.attempt, call: judges.nextCall() };
      return deps.agents.judge(scope, judgeRequest);
    },
  };
  const record = (run: ContractsRun) => recordContracts(deps, step, request, run, scrub);
  const runStep = (target: Step, rework: AttemptRequest) => runAttempt(deps, target, rework);
  const checked = await runContractsWithRework(deps, step, request, contractCtx, record, runStep);
  if (checked.failure) return { ...checked.failure, ...base };
  const contracts = checked.run;
  if (!contracts.passed) {
    // A rejection decides the run, whatever else failed before it.
    const first = contracts.results.find((r) => r.outcome === 'rejected') ?? contracts.results.find((r) => r.hard);
    const reason = `contract ${first?.type ?? ''} failed: ${first?.errors[0]?.message ?? 'see the contract results'}`;
    const cls = first?.outcome === 'rejected' ? 'rejected' : 'contract';
    return failure(cls, cls === 'rejected' ? `${reason} (on_failure: rejected)` : reason, {
      ...base,
      feedback: describeFailures(contracts.results),
    });
  }

  // Hash after the contracts: a json_schema contract with `recover: true` may have rewritten a file. Without any
  // contract nothing ran since the first collection, so its hashes stand (no second walk and hash of out/).
  const final = contracts.results.length ? await collectOutputs(ws.out, { declared, ...limits }) : manifest;
  for (const output of step.output_artifacts) {
    const artifact = artifactIn(final, output.path); // a file, or a folder of files
    if (!artifact) continue; // optional and not written
    const { size, sha256 } = artifact;
    store.artifacts.record(runId, step.id, { name: output.name, path: path.join(ws.out, artifact.path), size, sha256 });
  }
  if (changed && deps.trees) await keepChanges(deps.trees, store, bus, step, request.attempt, changed);
  return { ok: true, exitCode: result.exitCode, outputTail };
}

/** What the judged contracts of an attempt share: the step's templates, and one numbering of its model calls. */
interface JudgeEnv {
  templates: TemplateContext;
  nextCall: () => number;
}

const modelCalls = new WeakMap<StepRunnerDeps, Map<string, number>>();

/** 1, 2, … per step of a run, across its attempts and rework rounds: each review or judgement is a new call. */
function nextModelCall(deps: StepRunnerDeps, stepId: string): number {
  const calls = modelCalls.get(deps) ?? new Map<string, number>();
  modelCalls.set(deps, calls);
  const n = (calls.get(stepId) ?? 0) + 1;
  calls.set(stepId, n);
  return n;
}

/** Every round's results are stored (a later round replaces an earlier one's) and evented; warnings too. */
function recordContracts(
  deps: StepRunnerDeps,
  step: Step,
  request: AttemptRequest,
  run: ContractsRun,
  scrub: (text: string) => string,
): void {
  for (const r of run.results) {
    deps.store.contractResults.record(deps.runId, step.id, {
      index: r.index,
      contractType: r.type,
      ok: r.ok,
      hard: r.hard,
      errors: r.errors.map((e) => scrub(e.path ? `${e.path}: ${e.message}` : e.message)),
    });
    const warning = r.details.warning;
    if (typeof warning === 'string') {
      const ids = { runId: deps.runId, stepId: step.id, attempt: request.attempt, time: eventTime() };
      deps.bus.emit({ ...ids, type: 'warning', code: 'contract_warning', message: scrub(warning) });
    }
  }
}

/** A rework attempt starts from the judged step's outputs and finds the feedback at /wave/in/_rework/. */
async function seedRework(ws: StepWorkspace, rework: ReworkInput, owner?: { uid: number; gid: number }) {
  await copyArtifact(rework.seedOut, ws.out);
  if (owner) await chownTree(ws.out, owner);
  await injectArtifact(ws, `${REWORK_IN}/${REWORK_FEEDBACK_FILE}`, rework.feedbackFile);
}

async function chownTree(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  await fs.chown(dir, owner.uid, owner.gid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    await fs.lchown(path.join(entry.parentPath, entry.name), owner.uid, owner.gid);
  }
}

function commandContext(deps: StepRunnerDeps, step: Step, request: AttemptRequest): CommandContext {
  return { egress: deps.egress, runtime: deps.manifest.manifest.runtime, stepId: step.id, attempt: request.attempt };
}

async function agentInvocation(
  deps: StepRunnerDeps,
  step: Step,
  templates: Parameters<typeof renderTemplate>[1],
  request: AttemptRequest,
  context: string,
  relay: AgentInvocationRequest['relay'],
): Promise<Invocation> {
  if (!deps.agents) throw new Error(`step '${step.id}' is a prompt step but no agent launcher was configured`);
  return deps.agents.invocationFor({ step, templates, request, context, ...(relay ? { relay } : {}) });
}
