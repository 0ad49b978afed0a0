// What a step's container is given besides its command: the host values of its passthrough variables, its
// resource limits, the meta files its adapter asked for, and the scrub that removes those values from output.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Manifest, Step } from '../config/types.js';
import { parseDuration, parseMemory } from '../config/units.js';
import { scrubber, secretValuesOf, type Scrub } from '../audit/index.js';
import {
  PROVIDER_CREDENTIAL_ENV,
  credentialRefusal,
  refusedCredentialPassthrough,
  stepPassthrough,
} from '../config/credentials.js';
import { WaveError } from '../errors.js';
import type { SandboxResources, SandboxSpec } from '../sandbox/types.js';
import type { StepWorkspace } from '../workspace/layout.js';
import { SANDBOX_PATHS } from '../config/sandbox-paths.js';
import type { AttemptOutcome, AttemptRequest } from './attempt.js';
import type { Invocation } from './invocation.js';
import { REWORK_FEEDBACK_FILE, REWORK_IN } from './rework.js';
import type { StepRunnerDeps } from './step-deps.js';

/**
 * Removes the host values of every variable the step's container gets from the host (its passthrough list) and
 * of every provider credential the gateway reads, plus the shapes of well-known keys: for all steps, command
 * steps included, whatever they print.
 */
export function stepSecretScrub(deps: StepRunnerDeps, step: Step): Scrub {
  const names = [...stepPassthrough(deps.manifest.manifest, step).map((p) => p.name), ...PROVIDER_CREDENTIAL_ENV];
  return scrubber(secretValuesOf(deps.env ?? process.env, names));
}

export function scrubOutcome(outcome: AttemptOutcome, scrub: Scrub): AttemptOutcome {
  if (outcome.ok) return { ...outcome, outputTail: scrub(outcome.outputTail) };
  return {
    ...outcome,
    reason: scrub(outcome.reason),
    outputTail: scrub(outcome.outputTail),
    feedback: scrub(outcome.feedback),
    ...(outcome.detail !== undefined ? { detail: scrub(outcome.detail) } : {}),
  };
}

export async function writeMetaFiles(
  ws: StepWorkspace,
  files: Record<string, string>,
  homeFiles: Record<string, string>,
): Promise<string> {
  const dir = path.join(ws.dir, 'meta');
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await fs.writeFile(path.join(dir, path.basename(name)), content, { mode: 0o644 });
  }
  // wave-entrypoint copies meta/home/ into the container's HOME before the CLI starts.
  for (const [rel, content] of Object.entries(homeFiles)) {
    const clean = path.posix.normalize(rel);
    if (path.posix.isAbsolute(clean) || clean === '..' || clean.startsWith('../'))
      throw new Error(`home file '${rel}' must stay inside HOME`);
    const file = path.join(dir, 'home', clean);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content, { mode: 0o644 });
  }
  return dir;
}

/**
 * Environment variables named by the runtime's, the persona's and the step's passthrough lists, with the host's
 * values. A provider credential without the opt-in is refused here too: validation reports it first, this is the
 * last line before a real key would enter a container.
 */
export function passthroughEnv(deps: StepRunnerDeps, step: Step): Record<string, string> {
  const env = deps.env ?? process.env;
  const manifest = deps.manifest.manifest;
  const [refused] = refusedCredentialPassthrough(manifest, step);
  if (refused) {
    const owner = refused.from === 'persona' ? step.persona : step.id;
    const { message, hint } = credentialRefusal(refused.name, refused.from, owner);
    const at =
      refused.from === 'step'
        ? undefined
        : deps.manifest.locate(
            refused.from === 'runtime'
              ? ['runtime', 'sandbox', 'env_passthrough']
              : ['personas', owner ?? '', 'sandbox', 'env_passthrough'],
          );
    const where = at ? `${deps.manifest.file}:${at.line}:${at.column}: ` : '';
    throw new WaveError(refused.from === 'step' ? 'pipeline_invalid' : 'manifest_invalid', `${where}${message}`, {
      hint,
    });
  }
  const out: Record<string, string> = {};
  for (const { name } of stepPassthrough(manifest, step)) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

export function resourcesFor(deps: StepRunnerDeps, step: Step): SandboxResources {
  const runtime = deps.manifest.manifest.runtime.sandbox.resources;
  const persona = step.persona ? deps.manifest.manifest.personas[step.persona]?.resources : undefined;
  const merged = { ...runtime, ...persona };
  return {
    ...(merged.memory !== undefined ? { memoryBytes: parseMemory(merged.memory) } : {}),
    ...(merged.cpus !== undefined ? { cpus: merged.cpus } : {}),
    ...(merged.pids !== undefined ? { pids: merged.pids } : {}),
    ...(merged.out_size !== undefined ? { outBytes: parseMemory(merged.out_size) } : {}),
    ...(merged.out_files !== undefined ? { outFiles: merged.out_files } : {}),
  };
}

/** How a step's commands are stopped and drained (runtime.timeouts): for the step and its test_suite commands. */
export function stopTimings(manifest: Manifest): Pick<SandboxSpec, 'killGraceMs' | 'drainMs'> {
  const t = manifest.runtime.timeouts;
  return {
    ...(t?.process_grace_seconds !== undefined ? { killGraceMs: Math.round(t.process_grace_seconds * 1000) } : {}),
    ...(t?.stdout_drain_seconds !== undefined ? { drainMs: Math.round(t.stdout_drain_seconds * 1000) } : {}),
  };
}

/** runtime.stall_timeout in milliseconds; undefined when off (absent or 0). */
export function stallTimeoutMs(manifest: Manifest): number | undefined {
  const written = manifest.runtime.stall_timeout;
  const ms = written === undefined ? undefined : parseDuration(written);
  return ms ? ms : undefined;
}

/** The container of one invocation of a step: its command, environment, mounts, limits and egress. */
export async function containerSpec(
  deps: StepRunnerDeps,
  step: Step,
  request: AttemptRequest,
  ws: StepWorkspace,
  invocation: Invocation,
): Promise<SandboxSpec> {
  const { runId } = deps;
  const stall = stallTimeoutMs(deps.manifest.manifest);
  return {
    image: invocation.image,
    argv: invocation.argv,
    env: {
      ...passthroughEnv(deps, step),
      ...deps.extraEnv,
      ...invocation.env,
      WAVE_RUN_ID: runId,
      WAVE_STEP_ID: step.id,
      WAVE_ATTEMPT: String(request.attempt),
      ...(request.rework ? { WAVE_REWORK_FEEDBACK: `${SANDBOX_PATHS.in}/${REWORK_IN}/${REWORK_FEEDBACK_FILE}` } : {}),
      ...(request.visit === undefined ? {} : { WAVE_VISIT: String(request.visit) }),
    },
    mounts: { src: ws.src, in: ws.in, out: ws.out, srcWritable: ws.srcWritable },
    labels: { run: runId, step: step.id, attempt: request.attempt },
    resources: resourcesFor(deps, step),
    timeoutMs: (step.timeout_minutes ?? deps.manifest.manifest.runtime.default_timeout_minutes) * 60_000,
    ...stopTimings(deps.manifest.manifest),
    ...(stall !== undefined ? { stallTimeoutMs: stall } : {}),
    ...(invocation.stdin !== undefined ? { stdin: invocation.stdin } : {}),
    ...(invocation.network ? { network: invocation.network } : {}),
    ...(invocation.egress ? { egress: invocation.egress } : {}),
    extraMounts: [
      ...ws.mounts,
      ...(invocation.files || invocation.homeFiles
        ? [
            {
              host: await writeMetaFiles(ws, invocation.files ?? {}, invocation.homeFiles ?? {}),
              container: SANDBOX_PATHS.meta,
              readOnly: true,
            },
          ]
        : []),
    ],
  };
}
