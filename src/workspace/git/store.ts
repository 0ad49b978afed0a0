// Wave's own git directory (`.wave/git`, outside every mount): where the bases of writing steps are fetched from
// the user's repository, where the trees the steps leave are hashed, and where their commits wait for `wave apply`.
// A step never sees it; nothing a step wrote is read as git metadata.
import fs from 'node:fs/promises';
import path from 'node:path';
import { WaveError } from '../../errors.js';
import { git, gitText } from './safe-git.js';

export interface WaveGit {
  gitDir: string;
}

export interface UserRepository {
  /** The repository's git directory (absolute). */
  gitDir: string;
  /** Its work tree's top folder. */
  topLevel: string;
}

/**
 * Attributes of Wave's own repository, above any `.gitattributes` a tree holds: no filter, conversion, diff or
 * merge driver is ever chosen by a file the step wrote (`!attr` means unspecified, so git decides by content).
 */
const NEUTRAL_ATTRIBUTES = '* !text !eol !filter !diff !merge !ident !working-tree-encoding !export-subst\n';

export function waveGitDir(projectDir: string): string {
  return path.join(projectDir, '.wave', 'git');
}

const attributesOf = (gitDir: string) => path.join(gitDir, 'info', 'attributes');

/**
 * Opens (creating it the first time) the project's Wave git directory. Two runs starting at once must not both
 * `git init` it (they race on its files): it is made complete in a private folder and renamed into place, and the
 * loser of the rename uses the winner's.
 */
export async function openWaveGit(projectDir: string): Promise<WaveGit> {
  const gitDir = waveGitDir(projectDir);
  const ready = async () =>
    (await fs.readFile(attributesOf(gitDir), 'utf8').catch(() => undefined)) === NEUTRAL_ATTRIBUTES;
  if (await ready()) return { gitDir };
  await fs.mkdir(path.dirname(gitDir), { recursive: true });
  const fresh = await fs.mkdtemp(`${gitDir}.init-`);
  try {
    await initInto(fresh);
    await fs.rename(fresh, gitDir).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST' && err.code !== 'ENOTEMPTY') throw err;
    });
  } finally {
    await fs.rm(fresh, { recursive: true, force: true });
  }
  // A folder left half-made by an older Wave that died mid-init: finishing it is one process's job at a time.
  if (!(await ready())) await initInto(gitDir);
  return { gitDir };
}

async function initInto(gitDir: string): Promise<void> {
  await git(['init', '--quiet', '--bare', gitDir]);
  await fs.mkdir(path.dirname(attributesOf(gitDir)), { recursive: true });
  await fs.writeFile(attributesOf(gitDir), NEUTRAL_ATTRIBUTES);
}

/** The git repository `dir` is in, or undefined when it is in none. */
export async function findUserRepository(dir: string): Promise<UserRepository | undefined> {
  const found = await git(['rev-parse', '--absolute-git-dir', '--show-toplevel'], { cwd: dir, allowFailure: true });
  if (found.code !== 0) return undefined;
  const [gitDir, topLevel] = found.stdout.toString('utf8').trim().split('\n');
  if (!gitDir || !topLevel) return undefined;
  return { gitDir, topLevel };
}

/** The commit `rev` names in the user's repository, or undefined. */
export async function resolveUserCommit(repo: UserRepository, rev: string): Promise<string | undefined> {
  const found = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], {
    gitDir: repo.gitDir,
    allowFailure: true,
  });
  return found.code === 0 ? found.stdout.toString('utf8').trim() : undefined;
}

/** Copies a commit of the user's repository (and what it needs) into Wave's, under `ref`. */
export async function importCommit(store: WaveGit, repo: UserRepository, commit: string, ref: string): Promise<void> {
  await git(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', repo.gitDir, `+${commit}:${ref}`], {
    gitDir: store.gitDir,
  });
}

export async function readRef(store: WaveGit, ref: string): Promise<string | undefined> {
  const found = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    gitDir: store.gitDir,
    allowFailure: true,
  });
  return found.code === 0 ? found.stdout.toString('utf8').trim() : undefined;
}

export async function updateRef(store: WaveGit, ref: string, commit: string): Promise<void> {
  await git(['update-ref', ref, commit], { gitDir: store.gitDir });
}

/** A commit of `tree` on `parents`, by Wave (the step's agent wrote it; the user publishes it). */
export async function commitTree(store: WaveGit, tree: string, parents: string[], message: string): Promise<string> {
  const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p])];
  return gitText(args, { gitDir: store.gitDir, input: message });
}

export async function treeOf(store: WaveGit, commit: string): Promise<string> {
  return gitText(['rev-parse', '--verify', `${commit}^{tree}`], { gitDir: store.gitDir });
}

/** The first parent of a commit, or undefined for a root commit. */
export async function parentOf(store: WaveGit, commit: string): Promise<string | undefined> {
  const found = await git(['rev-parse', '--verify', '--quiet', `${commit}^1`], {
    gitDir: store.gitDir,
    allowFailure: true,
  });
  return found.code === 0 ? found.stdout.toString('utf8').trim() : undefined;
}

/** A user repository is needed (worktree steps, `wave apply`): its absence is the user's to fix. */
export function notARepository(dir: string, what: string): WaveError {
  return new WaveError('usage', `${what}: ${dir} is not in a git repository`, {
    hint: 'run git init and commit, or use a readwrite mount, which needs no repository',
  });
}

/**
 * `wave clean`: the run's refs go, and objects nothing refers to any more once they are two weeks old (git's own
 * grace period, so the objects of a run writing at the same time are never taken).
 */
export async function forgetRun(projectDir: string, runId: string): Promise<void> {
  const gitDir = waveGitDir(projectDir);
  if (!(await fs.stat(path.join(gitDir, 'HEAD')).catch(() => undefined))) return;
  const refs = await gitText(['for-each-ref', '--format=%(refname)', `refs/wave/${runId}/`], { gitDir });
  const input = refs
    .split('\n')
    .filter(Boolean)
    .map((ref) => `delete ${ref}\n`)
    .join('');
  if (input) await git(['update-ref', '--stdin'], { gitDir, input });
  await git(['prune', '--expire=2.weeks.ago'], { gitDir });
}
