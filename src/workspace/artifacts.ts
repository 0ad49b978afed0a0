// An artifact is what a declared output path names in a step's out/: one file, or a folder of files. A folder is
// recorded like a file - a path, a size (of all its files) and a sha256 (of its listing, see treeDigest) - so
// injection, --from-step reuse and `wave artifacts --export` treat both alike and check both against the record.
// Folders are read with the same walk as collection: links, devices and other special files are refused.

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { collectOutputs, normalizeDeclaredPath, type ManifestFile, type OutputManifest } from '../sandbox/collect.js';

export interface ArtifactSummary {
  /** Relative to out/, normalized ("reports" for a declared "reports/"). */
  path: string;
  size: number;
  sha256: string;
}

/** A folder's sha256: of the lines `<sha256>  <path>` of its files, sorted by path, as `sha256sum` prints them. */
export function treeDigest(files: ReadonlyArray<Pick<ManifestFile, 'path' | 'sha256'>>): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return createHash('sha256')
    .update(sorted.map((f) => `${f.sha256}  ${f.path}\n`).join(''))
    .digest('hex');
}

/** What the declared path names among the collected files: the file, the folder of files below it, or nothing. */
export function artifactIn(manifest: OutputManifest, declared: string): ArtifactSummary | undefined {
  const rel = normalizeDeclaredPath(declared);
  const file = manifest.files.find((f) => f.path === rel);
  if (file) return { path: rel, size: file.size, sha256: file.sha256 };
  const inside = manifest.files
    .filter((f) => f.path.startsWith(`${rel}/`))
    .map((f) => ({ ...f, path: f.path.slice(rel.length + 1) }));
  if (inside.length === 0) return undefined;
  return { path: rel, size: inside.reduce((n, f) => n + f.size, 0), sha256: treeDigest(inside) };
}

/** Its limits were applied when it was collected; reading it again must not refuse what was accepted. */
const RECORDED = { maxTotalBytes: Number.MAX_SAFE_INTEGER, maxEntries: Number.MAX_SAFE_INTEGER };

/** The files of an artifact folder, relative to it. */
async function folderFiles(dir: string): Promise<ManifestFile[]> {
  return (await collectOutputs(dir, RECORDED)).files;
}

/** Size and sha256 of an artifact on disk as it is now, or undefined when it is gone. */
export async function artifactDigest(p: string): Promise<{ size: number; sha256: string } | undefined> {
  const stat = await fs.lstat(p).catch(() => undefined);
  if (stat?.isDirectory()) {
    const files = await folderFiles(p);
    return { size: files.reduce((n, f) => n + f.size, 0), sha256: treeDigest(files) };
  }
  if (!stat?.isFile()) return undefined;
  const hash = createHash('sha256');
  const handle = await fs.open(p, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    let size = 0;
    for await (const chunk of handle.createReadStream({ autoClose: false })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

/** Copies an artifact (a file, or a folder's files) to `target`, replacing what is there; `readOnly` for in/. */
export async function copyArtifact(source: string, target: string, opts: { readOnly?: boolean } = {}): Promise<void> {
  await fs.rm(target, { recursive: true, force: true });
  const stat = await fs.lstat(source);
  const files = stat.isDirectory() ? (await folderFiles(source)).map((f) => f.path) : undefined;
  for (const rel of files ?? ['']) {
    const to = path.join(target, rel);
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.copyFile(path.join(source, rel), to, constants.COPYFILE_FICLONE);
    if (opts.readOnly) await fs.chmod(to, 0o444);
  }
}
