// Collection of a step's outputs from the host side of /wave/out. Whatever is in out/ was written by code we do
// not trust, so it is read like hostile input: nothing is followed out of out/ (lstat, O_NOFOLLOW, realpath
// checks on every directory), only plain regular files with a single link are accepted, and sizes and entry
// counts are capped. Backend-independent: docker and host backends leave the same kind of directory behind (the
// docker backend has already applied the same rules while copying /wave/out out of its volume, see
// docker/out-extract.ts; this walk is then the second line).
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { WaveError } from '../errors.js';
import { loadSandboxProfile } from './profile.js';

export interface CollectLimits {
  /** Total bytes of all files together. Default: the profile's outputs.maxBytes (1 GiB), the step's out quota. */
  maxTotalBytes?: number;
  /** Files and directories together. Default: the profile's outputs.maxFiles (10000). */
  maxEntries?: number;
  /** Directory nesting. Default: the profile's outputs.maxDepth (32). */
  maxDepth?: number;
}

export interface CollectOptions extends CollectLimits {
  /** Output paths the step declared, relative to out/ (a file, or a directory that must contain files). */
  declared?: string[];
}

export interface ManifestFile {
  /** Relative to out/, with '/' separators. */
  path: string;
  size: number;
  sha256: string;
}

export interface OutputManifest {
  /** Regular files, sorted by path. */
  files: ManifestFile[];
  totalBytes: number;
  /** Declared paths (normalized) that are not present. Empty when all exist. */
  missing: string[];
}

/** The limits collection applies when none are given: the sandbox profile's output quotas. */
export function defaultCollectLimits(): Required<CollectLimits> {
  const { maxBytes, maxFiles, maxDepth } = loadSandboxProfile().outputs;
  return { maxTotalBytes: maxBytes, maxEntries: maxFiles, maxDepth };
}

export const OUTPUT_RULES_HINT =
  'outputs must be regular files (no links, devices, fifos or sockets) inside /wave/out, within the size limits';

/** The one wording of "this output is refused", for the host-side walk and the docker backend's extraction. */
export function outputRejected(path: string, why: string): WaveError {
  return new WaveError('artifact_rejected', `output ${JSON.stringify(path)} rejected: ${why}`, {
    hint: OUTPUT_RULES_HINT,
  });
}

/** Throws unless a file name (one path segment, already decoded) is free of control characters. */
function checkNameText(text: string, parent: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text))
    throw outputRejected(`${parent}${JSON.stringify(text).slice(1, -1)}`, 'file name contains a control character');
}

/**
 * Validates a declared output path and returns its normalized form ("a/b.txt"). Rejects empty paths, NUL and
 * other control characters, absolute paths and any `..` segment (even one that would stay inside).
 */
export function normalizeDeclaredPath(path: string): string {
  if (typeof path !== 'string' || path.length === 0) throw outputRejected(String(path), 'empty path');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw outputRejected(path, 'contains a NUL or control character');
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path))
    throw outputRejected(path, 'absolute path (paths are relative to /wave/out)');
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw outputRejected(path, 'path traversal (`..`)');
  if (segments.length === 0) throw outputRejected(path, 'names out/ itself');
  return segments.join('/');
}

/** Declared paths that the manifest does not contain (as a file, or as a directory holding files). */
export function missingDeclared(files: readonly ManifestFile[], declared: readonly string[]): string[] {
  const paths = new Set(files.map((f) => f.path));
  return declared
    .map(normalizeDeclaredPath)
    .filter((p) => !paths.has(p) && !files.some((f) => f.path.startsWith(`${p}/`)));
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A file name's bytes as text: valid UTF-8 without control characters, or a rejection naming it. */
export function decodeName(name: Buffer, parent: string): string {
  let text: string;
  try {
    text = decoder.decode(name);
  } catch {
    throw outputRejected(`${parent}${name.toString('latin1')}`, 'file name is not valid UTF-8');
  }
  checkNameText(text, parent);
  return text;
}

/** Reads and hashes one file without following links, checking it is still what lstat saw. */
async function hashFile(
  abs: string,
  rel: string,
  expected: { dev: number; ino: number },
  budget: number,
): Promise<{ size: number; sha256: string }> {
  // O_NONBLOCK: if a fifo were swapped in after lstat, open must not hang waiting for a writer.
  const handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    (err: NodeJS.ErrnoException) => {
      throw err.code === 'ELOOP' ? outputRejected(rel, 'symbolic link') : err;
    },
  );
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw outputRejected(rel, 'not a regular file');
    if (st.dev !== expected.dev || st.ino !== expected.ino) throw outputRejected(rel, 'changed while being collected');
    if (st.nlink > 1) throw outputRejected(rel, 'hard link (more than one link to the file)');
    if (st.size > budget)
      throw outputRejected(rel, `over the size limit (${st.size} bytes; ${budget} bytes left of the step's limit)`);
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1024 * 1024);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      // Counted as read, not as stat said: a file that grows cannot smuggle more than the budget.
      if (size > budget) throw outputRejected(rel, 'over the size limit (grew while being read)');
      hash.update(buf.subarray(0, bytesRead));
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

/**
 * Collects out/: returns a manifest of every regular file with its size and SHA-256, or throws
 * WaveError('artifact_rejected') naming the first offending path. Nothing outside out/ is ever read.
 */
export async function collectOutputs(outDir: string, options: CollectOptions = {}): Promise<OutputManifest> {
  const defaults = defaultCollectLimits();
  const limits: Required<CollectLimits> = {
    maxTotalBytes: options.maxTotalBytes ?? defaults.maxTotalBytes,
    maxEntries: options.maxEntries ?? defaults.maxEntries,
    maxDepth: options.maxDepth ?? defaults.maxDepth,
  };
  const declared = (options.declared ?? []).map(normalizeDeclaredPath); // reject traversal before reading anything
  const rootLstat = await lstat(outDir);
  if (!rootLstat.isDirectory()) throw outputRejected('.', 'out/ is not a directory');
  const root = await realpath(outDir);
  const files: ManifestFile[] = [];
  let totalBytes = 0;
  let entries = 0;

  const walk = async (dirAbs: string, dirRel: string, depth: number): Promise<void> => {
    if (depth > limits.maxDepth) throw outputRejected(dirRel, `nested deeper than ${limits.maxDepth} directories`);
    const real = await realpath(dirAbs);
    if (real !== root && !real.startsWith(root + sep)) throw outputRejected(dirRel, 'resolves outside out/');
    const prefix = dirRel === '' ? '' : `${dirRel}/`;
    const names = (await readdir(dirAbs, { encoding: 'buffer' })).map((n) => decodeName(n, prefix)).sort();
    for (const name of names) {
      const rel = prefix + name;
      if (++entries > limits.maxEntries) throw outputRejected(rel, `too many entries (limit ${limits.maxEntries})`);
      const abs = join(dirAbs, name);
      const st = await lstat(abs);
      if (st.isSymbolicLink()) throw outputRejected(rel, 'symbolic link');
      if (st.isDirectory()) {
        await walk(abs, rel, depth + 1);
      } else if (st.isFile()) {
        if (st.nlink > 1) throw outputRejected(rel, 'hard link (more than one link to the file)');
        const { size, sha256 } = await hashFile(abs, rel, st, limits.maxTotalBytes - totalBytes);
        totalBytes += size;
        files.push({ path: rel, size, sha256 });
      } else {
        const kind = st.isFIFO()
          ? 'fifo'
          : st.isSocket()
            ? 'socket'
            : st.isCharacterDevice() || st.isBlockDevice()
              ? 'device'
              : 'special file';
        throw outputRejected(rel, kind);
      }
    }
  };

  await walk(root, '', 0);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, totalBytes, missing: missingDeclared(files, declared) };
}
