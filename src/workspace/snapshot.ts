// A run's source snapshot: a private copy of the project that steps see read-only at /wave/src.
// Steps never see the user's tree itself, so an agent cannot change it, and every step of a run sees the same
// files even if the user keeps editing while the run goes on.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Never copied: Wave's own state (it holds the workspaces themselves), VCS internals and dependency caches. */
const alwaysSkipped = new Set(['.wave', '.git', 'node_modules']);

/** Files to copy, relative to `dir`: git's view (tracked plus untracked-but-not-ignored) when `dir` is a work tree. */
async function listSourceFiles(dir: string): Promise<string[]> {
  try {
    const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: dir,
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout.split('\0').filter((f) => f !== '' && !alwaysSkipped.has(f.split('/')[0] ?? ''));
  } catch {
    return walk(dir, '');
  }
}

async function walk(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  const stack = [rel];
  while (stack.length) {
    const current = stack.pop() as string;
    for (const entry of await fs.readdir(path.join(root, current), { withFileTypes: true })) {
      const child = current ? `${current}/${entry.name}` : entry.name;
      if (!current && alwaysSkipped.has(entry.name)) continue;
      if (entry.isDirectory()) stack.push(child);
      else if (entry.isFile() || entry.isSymbolicLink()) out.push(child);
    }
  }
  return out;
}

export interface SnapshotResult {
  files: number;
  bytes: number;
}

export interface SnapshotOptions {
  /** Give the copy to the user the step runs as (when Wave runs as root and steps as an unprivileged uid), so a
   * file that is private to its owner (mode 0600) stays readable in the step without widening its mode. */
  owner?: { uid: number; gid: number };
  /**
   * Copy every file, without asking git: for a copy of a snapshot (filtered already), which lies in Wave's
   * workspace folder, where git would see only the project's repository ignoring it and list nothing.
   */
  copyAll?: boolean;
}

/** Copy `sourceDir` into `target` (created), preserving modes and symlinks; copy-on-write where the filesystem can. */
export async function snapshotSource(
  sourceDir: string,
  target: string,
  options: SnapshotOptions = {},
): Promise<SnapshotResult> {
  const { owner } = options;
  await fs.mkdir(target, { recursive: true });
  if (owner) await fs.chown(target, owner.uid, owner.gid);
  const files = options.copyAll ? await walk(sourceDir, '') : await listSourceFiles(sourceDir);
  let bytes = 0;
  let copied = 0;
  const madeDirs = new Set<string>();
  for (const rel of files) {
    const from = path.join(sourceDir, rel);
    const to = path.join(target, rel);
    const stat = await fs.lstat(from).catch(() => undefined);
    if (!stat) continue; // listed by git but deleted in the work tree
    const dir = path.dirname(to);
    if (!madeDirs.has(dir)) {
      const first = await fs.mkdir(dir, { recursive: true });
      if (owner && first) await chownTree(target, first, dir, owner);
      madeDirs.add(dir);
    }
    if (stat.isSymbolicLink()) {
      await fs.symlink(await fs.readlink(from), to);
    } else if (stat.isFile()) {
      await fs.copyFile(from, to, constants.COPYFILE_FICLONE);
      await fs.chmod(to, stat.mode & 0o777);
      bytes += stat.size;
    } else {
      continue;
    }
    if (owner) await fs.lchown(to, owner.uid, owner.gid);
    copied++;
  }
  return { files: copied, bytes };
}

/** chown the directories `mkdir -p` just made, from the first one created down to `leaf`. */
async function chownTree(
  root: string,
  first: string,
  leaf: string,
  owner: { uid: number; gid: number },
): Promise<void> {
  for (let dir = leaf; dir.length >= first.length && dir.startsWith(root); dir = path.dirname(dir)) {
    await fs.chown(dir, owner.uid, owner.gid);
  }
}
