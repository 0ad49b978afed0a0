// A folder a step changed, turned into a git tree by Wave: git lists the candidate paths (honouring .gitignore,
// which is data), but every file is opened by Wave without following links, every parent folder is checked to
// be a real folder, and nothing named `.git` (in any letter case) is taken. Submodules of the base are kept as
// they were: what a step writes into their folders is not part of the change.
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WaveError } from '../../errors.js';
import { writeBlob, writeFileBlob } from './objects.js';
import { git, gitText } from './safe-git.js';
import type { WaveGit } from './store.js';

export interface TreeEntry {
  /** 100644, 100755, 120000 (a symbolic link) or 160000 (a submodule). */
  mode: string;
  sha: string;
  /** Relative to the tree's root, with `/`. */
  path: string;
}

export interface Capture {
  entries: TreeEntry[];
  /** Paths left out, with why: `.git` folders, nested repositories, special files. */
  skipped: string[];
}

const GITLINK = '160000';

/** The files of a tree (recursively), below `prefix` when given (paths stay relative to the root). */
export async function listTree(store: WaveGit, treeish: string): Promise<TreeEntry[]> {
  const { stdout } = await git(['ls-tree', '-r', '-z', '--full-tree', treeish], { gitDir: store.gitDir });
  return stdout
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode = '', , sha = ''] = line.slice(0, tab).split(' ');
      return { mode, sha, path: line.slice(tab + 1) };
    });
}

/** A name git must never take from a step: `.git` in any case, or as Windows and macOS would read it. */
export function isGitName(name: string): boolean {
  const folded = name.toLowerCase().replace(/[. ]+$/, '');
  return folded === '.git' || folded === 'git~1';
}

/**
 * The entries of `dir` as a tree, where `base` are the entries the folder started from (relative to it): their
 * ids let unchanged files be hashed without being written, and their submodules are kept.
 */
export async function captureDir(store: WaveGit, dir: string, base: readonly TreeEntry[]): Promise<Capture> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wave-capture-'));
  try {
    // No index: every file that is not ignored is listed; the base's paths are added (tracked but ignored ones).
    const listed = await git(['ls-files', '-z', '--others', '--exclude-standard'], {
      gitDir: store.gitDir,
      workTree: dir,
      indexFile: path.join(tmp, 'index'),
      cwd: dir,
    });
    const skipped: string[] = [];
    const candidates = new Set<string>();
    for (const raw of splitNul(listed.stdout)) {
      const p = raw.toString('utf8');
      if (!Buffer.from(p, 'utf8').equals(raw)) skipped.push(`${p} (a name that is not UTF-8)`);
      else if (p.endsWith('/')) skipped.push(`${p} (a nested repository)`);
      else candidates.add(p);
    }
    const baseByPath = new Map(base.map((e) => [e.path, e]));
    const gitlinks = base.filter((e) => e.mode === GITLINK);
    for (const e of base) if (e.mode !== GITLINK) candidates.add(e.path);

    const entries: TreeEntry[] = [...gitlinks];
    const dirs = new Map<string, boolean>();
    for (const rel of [...candidates].sort()) {
      if (rel.split('/').some(isGitName)) {
        skipped.push(`${rel} (git metadata)`);
        continue;
      }
      if (gitlinks.some((g) => rel.startsWith(`${g.path}/`))) continue;
      const stat = await lstatBelow(dir, rel, dirs);
      if (!stat) continue; // deleted, or below something that is no longer a real folder
      const entry = await entryOf(store, dir, rel, stat, baseByPath.get(rel)?.sha);
      if (entry) entries.push(entry);
      else if (!stat.isDirectory()) skipped.push(`${rel} (not a file or link)`);
    }
    return { entries, skipped };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

function splitNul(out: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let start = 0; start < out.length;) {
    const end = out.indexOf(0, start);
    const stop = end < 0 ? out.length : end;
    if (stop > start) parts.push(out.subarray(start, stop));
    start = stop + 1;
  }
  return parts;
}

/** A file's or link's entry, read without following links; a file Wave cannot read fails the step, named. */
async function entryOf(
  store: WaveGit,
  dir: string,
  rel: string,
  stat: Stats,
  known: string | undefined,
): Promise<TreeEntry | undefined> {
  const file = path.join(dir, rel);
  try {
    if (stat.isSymbolicLink()) {
      const target = await fs.readlink(file, { encoding: 'buffer' });
      return { mode: '120000', sha: await writeBlob(store, target), path: rel };
    }
    if (!stat.isFile()) return undefined;
    const sha = await writeFileBlob(store, file, stat.size, known);
    return { mode: stat.mode & 0o100 ? '100755' : '100644', sha, path: rel };
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new WaveError('artifact_rejected', `the step left ${rel} in its tree, which Wave cannot read (${reason})`, {
      hint: 'leave regular files the step user can read; a change is made of files and links only',
    });
  }
}

/** lstat of `root/rel` when every folder on the way is a real folder (no link), else undefined. */
async function lstatBelow(root: string, rel: string, dirs: Map<string, boolean>): Promise<Stats | undefined> {
  const parts = rel.split('/');
  let current = root;
  for (const part of parts.slice(0, -1)) {
    current = path.join(current, part);
    let real = dirs.get(current);
    if (real === undefined) {
      real = (await fs.lstat(current).catch(() => undefined))?.isDirectory() ?? false;
      dirs.set(current, real);
    }
    if (!real) return undefined;
  }
  return fs.lstat(path.join(root, rel)).catch(() => undefined);
}

/** Writes the tree made of `entries` and returns its id. */
export async function writeTree(store: WaveGit, entries: readonly TreeEntry[]): Promise<string> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wave-tree-'));
  try {
    const indexFile = path.join(tmp, 'index');
    const input = entries.map((e) => `${e.mode} ${e.sha}\t${e.path}\0`).join('');
    await git(['update-index', '-z', '--index-info'], { gitDir: store.gitDir, indexFile, input });
    return await gitText(['write-tree'], { gitDir: store.gitDir, indexFile });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Entries of `base` outside `prefix`, plus `inside` moved below it: a part of a tree replaced. */
export function replaceBelow(base: readonly TreeEntry[], prefix: string, inside: readonly TreeEntry[]): TreeEntry[] {
  if (prefix === '') return [...inside];
  const outside = base.filter((e) => e.path !== prefix && !e.path.startsWith(`${prefix}/`));
  return [...outside, ...inside.map((e) => ({ ...e, path: e.path === '' ? prefix : `${prefix}/${e.path}` }))];
}

/** The entries of `base` below `prefix`, relative to it. */
export function entriesBelow(base: readonly TreeEntry[], prefix: string): TreeEntry[] {
  if (prefix === '') return [...base];
  return base
    .filter((e) => e.path.startsWith(`${prefix}/`))
    .map((e) => ({ ...e, path: e.path.slice(prefix.length + 1) }));
}
