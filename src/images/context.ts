// A build context is the files of images/<name>/ plus files Wave adds in memory (an extra CA). Its hash decides
// whether an image must be rebuilt, so it covers everything that can change the result: each file's path,
// type, mode and content, the build arguments that shape the image, and the parent image's id.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';

export interface ContextEntry {
  /** Path inside the context, `/`-separated, no leading `./`. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  /** Permission bits (0o7777). */
  mode: number;
  /** sha256 of a file's bytes, or a symlink's target. Empty for directories. */
  digest: string;
}

/** A file that exists only in the context sent to the engine (never written into the source tree). */
export interface VirtualFile {
  path: string;
  mode: number;
  content: Buffer;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Every entry under dir (recursively, links not followed), plus the virtual files, sorted by path. */
export async function readContext(dir: string, extra: VirtualFile[] = []): Promise<ContextEntry[]> {
  const entries: ContextEntry[] = [];
  async function walk(rel: string): Promise<void> {
    const names = (await readdir(path.join(dir, rel))).sort();
    for (const name of names) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const abs = path.join(dir, relPath);
      const st = await lstat(abs);
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink())
        entries.push({ path: relPath, type: 'symlink', mode, digest: sha256(await readlink(abs)) });
      else if (st.isDirectory()) {
        entries.push({ path: relPath, type: 'directory', mode, digest: '' });
        await walk(relPath);
      } else if (st.isFile()) entries.push({ path: relPath, type: 'file', mode, digest: sha256(await readFile(abs)) });
      // Sockets, fifos and devices cannot be sent in a build context; the engine would reject them anyway.
    }
  }
  await walk('');
  const onDisk = new Set(entries.map((e) => e.path));
  for (const file of extra) {
    if (onDisk.has(file.path)) throw new Error(`context file ${file.path} exists on disk and in memory`);
    entries.push({ path: file.path, type: 'file', mode: file.mode & 0o7777, digest: sha256(file.content) });
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The content hash (64 hex). Records are NUL-separated so no path or value can impersonate another field;
 * build args are sorted so their order does not matter; the parent id ties an image to the exact base it
 * was built on (a rebuilt base means rebuilt adapters).
 */
export function hashContext(entries: ContextEntry[], buildArgs: Record<string, string>, parentId: string): string {
  const h = createHash('sha256');
  h.update('wave-context-v1\n');
  for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`entry\0${e.type}\0${e.path}\0${e.mode.toString(8)}\0${e.digest}\n`);
  }
  for (const key of Object.keys(buildArgs).sort()) h.update(`arg\0${key}\0${buildArgs[key] ?? ''}\n`);
  h.update(`parent\0${parentId}\n`);
  return h.digest('hex');
}
