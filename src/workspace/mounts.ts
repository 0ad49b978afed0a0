// A step's `workspace.mount` list made real: each source is a part of the run's source snapshot (never the user's
// tree), bound at its target; a `readwrite` mount gets a private copy for the attempt. A step with mounts sees
// only them: /wave/src (its working directory) is then the mount that targets /wave/src, or an empty read-only
// folder holding the mount points of the targets below it.
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SANDBOX_PATHS } from '../config/sandbox-paths.js';
import { WaveError } from '../errors.js';
import { snapshotSource, type SnapshotOptions } from './snapshot.js';

/** Where a step's source appears inside the container: its working directory. */
const SOURCE_TARGET = SANDBOX_PATHS.src;

export interface MountRequest {
  /** A project path (`./src/auth`, `./`). */
  source: string;
  /** An absolute container path. */
  target: string;
  mode: 'readonly' | 'readwrite';
}

/** A host folder or file bound into the container besides /wave/src (the sandbox's ExtraMount). */
export interface BoundMount {
  host: string;
  container: string;
  readOnly: boolean;
}

export interface StepSource {
  /** Bound at /wave/src. */
  src: string;
  srcWritable: boolean;
  /** The other mounts, in the order they were declared. */
  mounts: BoundMount[];
  /** The readwrite mounts' private copies and the project paths they were made from (`src/auth`, `` for `./`). */
  written: Array<{ source: string; host: string }>;
}

function invalid(stepId: string, message: string, hint?: string): WaveError {
  return new WaveError('pipeline_invalid', `step '${stepId}': ${message}`, hint ? { hint } : {});
}

/** Validation (src/config/pipeline.ts) has checked the targets with file:line: absolute, apart, not Wave's. */
function targetOf(target: string): string {
  return path.posix.normalize(target).replace(/(.)\/$/, '$1');
}

/** The source's real path inside the run's snapshot; a source that leaves it (by `..` or a link) is refused. */
async function sourceIn(snapshot: string, stepId: string, source: string): Promise<string> {
  const rel = path.posix.normalize(source.replace(/\\/g, '/'));
  if (source.includes('\0') || path.posix.isAbsolute(rel) || rel === '..' || rel.startsWith('../')) {
    throw invalid(stepId, `mount source '${source}' leaves the project`);
  }
  const root = await fs.realpath(snapshot);
  const real = await fs.realpath(path.join(root, rel)).catch(() => undefined);
  if (real === undefined) {
    throw invalid(
      stepId,
      `mount source '${source}' is not in the run's source snapshot`,
      'the snapshot holds the files git tracks or would track (not ignored ones, nor .git, .wave or node_modules)',
    );
  }
  if (real !== root && !real.startsWith(root + path.sep)) {
    throw invalid(stepId, `mount source '${source}' leads outside the project through a symbolic link`);
  }
  return real;
}

export interface MountOptions extends SnapshotOptions {
  stepId: string;
}

/**
 * What the step sees at /wave/src and where its other mounts go. `stepDir` is the step's folder; the attempt's
 * previous copies there are replaced. Without mounts: the run's whole snapshot, read-only.
 */
export async function prepareMounts(
  snapshot: string,
  stepDir: string,
  requests: readonly MountRequest[],
  options: MountOptions,
): Promise<StepSource> {
  const base = path.join(stepDir, 'src');
  const copies = path.join(stepDir, 'mounts');
  await fs.rm(base, { recursive: true, force: true });
  await fs.rm(copies, { recursive: true, force: true });
  if (requests.length === 0) return { src: snapshot, srcWritable: false, mounts: [], written: [] };

  const { stepId, ...snapshotOptions } = options;
  const bound: BoundMount[] = [];
  const written: StepSource['written'] = [];
  const root = await fs.realpath(snapshot);
  for (const [i, request] of requests.entries()) {
    const source = await sourceIn(snapshot, stepId, request.source);
    const writable = request.mode === 'readwrite';
    const host = writable ? await privateCopy(source, path.join(copies, String(i + 1)), snapshotOptions) : source;
    bound.push({ host, container: targetOf(request.target), readOnly: !writable });
    if (writable) written.push({ source: path.relative(root, source).split(path.sep).join('/'), host });
  }
  const whole = bound.find((m) => m.container === SOURCE_TARGET);
  if (whole && !(await fs.stat(whole.host)).isDirectory()) {
    throw invalid(
      stepId,
      `mount source '${requests[bound.indexOf(whole)]?.source}' is a file: ${SOURCE_TARGET} takes a folder`,
      `mount the file below it, e.g. at ${SOURCE_TARGET}/<name>`,
    );
  }
  if (whole) {
    return { src: whole.host, srcWritable: !whole.readOnly, mounts: bound.filter((m) => m !== whole), written };
  }

  // The engine cannot create mount points inside a read-only bind: they are made here, empty.
  await fs.mkdir(base, { recursive: true, mode: 0o755 });
  for (const m of bound) {
    if (!m.container.startsWith(`${SOURCE_TARGET}/`)) continue;
    const point = path.join(base, m.container.slice(SOURCE_TARGET.length + 1));
    const isDir = (await fs.stat(m.host)).isDirectory();
    await fs.mkdir(isDir ? point : path.dirname(point), { recursive: true, mode: 0o755 });
    if (!isDir) await fs.writeFile(point, '', { mode: 0o644 });
  }
  return { src: base, srcWritable: false, mounts: bound, written };
}

/** A copy the step may change: a folder through the snapshot copier, a single file as a file. */
async function privateCopy(source: string, target: string, options: SnapshotOptions): Promise<string> {
  const stat = await fs.stat(source);
  if (stat.isDirectory()) {
    await snapshotSource(source, target, options);
    return target;
  }
  await fs.mkdir(target, { recursive: true });
  const file = path.join(target, path.basename(source));
  await fs.copyFile(source, file, constants.COPYFILE_FICLONE);
  if (options.owner) await fs.chown(file, options.owner.uid, options.owner.gid);
  return file;
}
