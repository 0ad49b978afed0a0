// Copying /wave/out out of the step's volume: the tar stream the engine gives for it, written into the host's
// out/ as plain directories and regular files, within the step's quotas. The stream describes what code we do not
// trust left behind, so it is read like hostile input with collect.ts's rules: no links (symbolic or hard), no
// devices, fifos or other special files, no name that climbs out or carries control characters or invalid UTF-8,
// no nesting deeper than the limit — and never more bytes or entries than the quota. Bytes are counted as they
// arrive (not as a header claims), and the stream is dropped at the first byte over, so the host never holds more
// than the quota whatever the archive says. Anything refused leaves out/ empty: nothing partial is kept.
import { constants } from 'node:fs';
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { decodeName, outputRejected } from '../collect.js';
import { isWaveError } from '../../errors.js';
import type { OutputRefusal } from '../types.js';
import type { OutQuota } from './spec.js';

export interface ExtractedOutputs {
  /** Regular files written. */
  files: number;
  /** Directories written (out/ itself not counted). */
  directories: number;
  bytes: number;
}

export type ExtractOutcome = ({ ok: true } & ExtractedOutputs) | { ok: false; refusal: OutputRefusal };

const CONFIG_HINT = "in wave.yaml, under runtime.sandbox.resources or the persona's resources";

/** "1 GiB", "8 MiB", "1536 bytes": quotas as people wrote them. */
export function describeBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

export function bytesQuotaRefusal(maxBytes: number): OutputRefusal {
  return {
    kind: 'quota',
    message: `/wave/out holds more than the step's output quota of ${describeBytes(maxBytes)} (resources.out_size)`,
    hint: `raise resources.out_size ${CONFIG_HINT} (at most resources.memory); the step's writes beyond the quota failed with "No space left on device"`,
  };
}

export function filesQuotaRefusal(maxFiles: number): OutputRefusal {
  return {
    kind: 'quota',
    message: `/wave/out holds more than the step's quota of ${maxFiles} files and directories (resources.out_files)`,
    hint: `raise resources.out_files ${CONFIG_HINT}; the step's files beyond the quota could not be created`,
  };
}

/** Raised inside the walk to stop it; turned into the outcome at the top. */
class Refused extends Error {
  constructor(readonly refusal: OutputRefusal) {
    super(refusal.message);
  }
}

const unsafe = (path: string, why: string): Refused => {
  const err = outputRejected(path, why);
  return new Refused({ kind: 'unsafe', message: err.message, hint: err.hint ?? '' });
};

/** Removes everything inside dir (not dir itself). Only Wave writes in it, so nothing in it is a link to follow. */
export async function emptyDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}

/**
 * The entry's path below the archive's root folder, as validated segments; [] for the root itself. Names come
 * decoded as latin1 (one char per byte) so the bytes can be checked as UTF-8 here; a PAX path is decoded by the
 * parser already, and a replacement character in it means its bytes were not UTF-8.
 */
function segmentsOf(header: Header, root: string): string[] {
  const pax = (header.pax as { path?: string } | null | undefined)?.path;
  const raw = pax ?? header.name;
  const name = pax === undefined ? decodeName(Buffer.from(raw, 'latin1'), '') : raw;
  if (pax !== undefined && name.includes('\ufffd')) throw unsafe(name, 'file name is not valid UTF-8');
  const parts = name.split('/');
  if (parts[parts.length - 1] === '') parts.pop(); // "dir/"
  if (parts[0] !== root) throw unsafe(name, `outside /wave/out (the archive holds ${root}/ only)`);
  const segments = parts.slice(1);
  const rel = segments.join('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..')
      throw unsafe(rel, 'path traversal or an empty path segment');
    decodeName(Buffer.from(segment, 'utf8'), ''); // control characters
  }
  return segments;
}

function kindOf(type: string): string {
  switch (type) {
    case 'symlink':
      return 'symbolic link';
    case 'link':
      return 'hard link (more than one link to the file)';
    case 'character-device':
    case 'block-device':
      return 'device';
    case 'fifo':
      return 'fifo';
    default:
      return `special file (${String(type)})`;
  }
}

/** A name that already exists as something else (a file where a directory goes) is a name given twice. */
const twice = (err: NodeJS.ErrnoException, rel: string): unknown =>
  err.code === 'EEXIST' || err.code === 'EISDIR' || err.code === 'ENOTDIR'
    ? unsafe(rel, 'appears twice in /wave/out')
    : err;

async function makeDir(path: string, rel: string): Promise<void> {
  // Parents first is the engine's order; recursive only covers an archive that skips one. Everything in dest was
  // made here, so no link is followed.
  await mkdir(path, { recursive: true, mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
    throw twice(err, rel);
  });
}

/**
 * Writes the archive of /wave/out (entries named `<root>/…`, as the engine names them) into dest, which is
 * emptied first. Resolves with what was written, or with the refusal (dest then empty); rejects only when the
 * stream or the disk fails.
 */
export async function extractOutputs(
  archive: Readable,
  dest: string,
  quota: OutQuota,
  root = 'out',
): Promise<ExtractOutcome> {
  await emptyDir(dest);
  // latin1: one char per byte, so names can be checked as UTF-8 here (the types omit the parser's own option).
  const tar = extract({ filenameEncoding: 'latin1' } as Parameters<typeof extract>[0]);
  archive.on('error', (err) => tar.destroy(err));
  archive.pipe(tar);
  const done: ExtractedOutputs = { files: 0, directories: 0, bytes: 0 };
  let entries = 0;
  try {
    for await (const entry of tar) {
      const { header } = entry;
      const segments = segmentsOf(header, root);
      const rel = segments.join('/');
      if (segments.length === 0) {
        if (header.type !== 'directory') throw unsafe('.', 'out/ is not a directory');
        entry.resume();
        continue;
      }
      if (++entries > quota.maxFiles) throw new Refused(filesQuotaRefusal(quota.maxFiles));
      const target = join(dest, ...segments);
      if (header.type === 'directory') {
        if (segments.length > quota.maxDepth) throw unsafe(rel, `nested deeper than ${quota.maxDepth} directories`);
        await makeDir(target, rel);
        done.directories++;
        entry.resume();
        continue;
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') throw unsafe(rel, kindOf(header.type));
      if (segments.length - 1 > quota.maxDepth) throw unsafe(rel, `nested deeper than ${quota.maxDepth} directories`);
      if (done.bytes + header.size > quota.maxBytes) throw new Refused(bytesQuotaRefusal(quota.maxBytes));
      await makeDir(join(dest, ...segments.slice(0, -1)), rel);
      // O_EXCL: a name twice in one archive is refused rather than one copy silently replacing the other.
      // Modes: the step's rwx bits without setuid/setgid/sticky and without group/other write; always owner rw.
      const mode = (header.mode & 0o755) | 0o600;
      const handle = await open(
        target,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        mode,
      ).catch((err: NodeJS.ErrnoException) => {
        throw twice(err, rel);
      });
      try {
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          done.bytes += chunk.length;
          if (done.bytes > quota.maxBytes) throw new Refused(bytesQuotaRefusal(quota.maxBytes));
          await handle.write(chunk);
        }
      } finally {
        await handle.close();
      }
      done.files++;
    }
    return { ok: true, ...done };
  } catch (err) {
    archive.destroy(); // stop the engine sending the rest
    tar.destroy();
    const refusal =
      err instanceof Refused
        ? err.refusal
        : isWaveError(err) && err.code === 'artifact_rejected'
          ? { kind: 'unsafe' as const, message: err.message, hint: err.hint ?? '' }
          : undefined;
    await emptyDir(dest);
    if (refusal) return { ok: false, refusal };
    throw err;
  }
}
