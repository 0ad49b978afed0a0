// Where a run's and a step's files live on the host: <workspace_root>/<run>/<step>/{src?,in,out}.
// Inside the container these are always /wave/src, /wave/in and /wave/out (see DESIGN.md).
import fs from 'node:fs/promises';
import path from 'node:path';
import { WaveError } from '../errors.js';
import { copyArtifact } from './artifacts.js';
import { prepareMounts, type BoundMount, type MountRequest } from './mounts.js';
import { snapshotSource, type SnapshotOptions } from './snapshot.js';

export interface RunWorkspace {
  dir: string;
  /** The run's read-only source snapshot, shared by every step that mounts the source read-only. */
  source: string;
}

export interface StepWorkspace {
  dir: string;
  /** What the step sees at /wave/src: the run's snapshot, or what its `workspace.mount` list puts there. */
  src: string;
  /** /wave/src is a private copy for a `readwrite` mount. */
  srcWritable: boolean;
  /** The step's other mounts (targets besides /wave/src). */
  mounts: BoundMount[];
  /** Its readwrite mounts' copies, by the project path each was made from. */
  written: Array<{ source: string; host: string }>;
  in: string;
  out: string;
}

export function runWorkspaceDir(workspaceRoot: string, runId: string): string {
  return path.join(workspaceRoot, runId);
}

/** Create the run's folder and its source snapshot (once; a resumed run reuses it). */
export async function prepareRun(
  workspaceRoot: string,
  runId: string,
  sourceDir: string,
  options: SnapshotOptions = {},
): Promise<RunWorkspace> {
  const dir = runWorkspaceDir(workspaceRoot, runId);
  const source = path.join(dir, '_source');
  const done = path.join(dir, '.source-complete');
  const exists = await fs.access(done).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await fs.rm(source, { recursive: true, force: true });
    await snapshotSource(sourceDir, source, options);
    await fs.writeFile(done, new Date().toISOString());
  }
  return { dir, source };
}

export interface StepPrepareOptions extends SnapshotOptions {
  /** The step's `workspace.mount` list; a `readwrite` mount gets its own copy it may change. */
  mounts?: readonly MountRequest[];
}

/**
 * Fresh in/ and out/ folders for an attempt. A previous (failed) attempt's out/ is removed, not kept: its files
 * must never leak into the next attempt's outputs, and retries must not pile up outputs on the host beyond one
 * attempt's quota (resources.out_size).
 */
export async function prepareStep(
  run: RunWorkspace,
  stepId: string,
  attempt: number,
  options: StepPrepareOptions = {},
): Promise<StepWorkspace> {
  const dir = path.join(run.dir, stepId);
  const out = path.join(dir, 'out');
  const input = path.join(dir, 'in');
  await fs.rm(out, { recursive: true, force: true });
  // attempts/<n>/out is where earlier versions kept failed attempts' outputs (a resumed run may still have them).
  await fs.rm(path.join(dir, 'attempts'), { recursive: true, force: true });
  await fs.rm(input, { recursive: true, force: true });
  await fs.mkdir(input, { recursive: true });
  await fs.mkdir(out, { recursive: true });
  const { mounts = [], ...snapshot } = options;
  const source = await prepareMounts(run.source, dir, mounts, { ...snapshot, stepId, copyAll: true });
  if (options.owner) {
    await fs.chown(input, options.owner.uid, options.owner.gid);
    await fs.chown(out, options.owner.uid, options.owner.gid);
  }
  return { dir, ...source, in: input, out };
}

/** A relative path that stays below its base: no absolute paths, no `..`, no NUL. */
export function safeRelative(rel: string, what: string): string {
  const normalized = path.posix.normalize(rel.replace(/\\/g, '/'));
  if (rel.includes('\0') || path.posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
    throw new WaveError('artifact_rejected', `${what}: path '${rel}' leaves its folder`, {
      hint: 'artifact paths are relative to the step folder and may not contain ..',
    });
  }
  return normalized;
}

/**
 * Copy a dependency's artifact (a file or a folder) into the step's in/ folder at in/<as>. A copy (never a link)
 * so nothing a later step does can reach back into the producing step's outputs.
 */
export async function injectArtifact(step: StepWorkspace, as: string, source: string): Promise<string> {
  const rel = safeRelative(as, 'injected artifact');
  const target = path.join(step.in, rel);
  await copyArtifact(source, target, { readOnly: true });
  return target;
}
