// `wave apply`'s side in the user's repository: which paths of a change are refused (always: git metadata and
// links that lead outside the repository; without --force: hooks, CI workflows, submodules), a new branch made
// without touching the working tree, the index or the current branch, and the patch applied to a clean tree.
import path from 'node:path';
import { WaveError } from '../../errors.js';
import { isGitName } from './capture.js';
import type { ChangedFile } from './changes.js';
import { git, gitText } from './safe-git.js';
import type { UserRepository, WaveGit } from './store.js';

export interface RefusedPath {
  path: string;
  reason: string;
  /** --force lets it through. */
  forceable: boolean;
}

/** Paths that run code on a developer's machine or in CI, or change what the repository pulls in. */
const SENSITIVE: ReadonlyArray<{ test: RegExp; reason: string }> = [
  { test: /^(\.githooks|\.husky)\//, reason: 'a Git hook' },
  { test: /^(\.pre-commit-config\.yaml|\.pre-commit-hooks\.yaml|\.?lefthook\.ya?ml)$/, reason: 'a Git hook manager' },
  { test: /^\.github\/(workflows|actions)\//, reason: 'a CI workflow' },
  { test: /^(\.gitlab-ci\.yml|\.gitlab\/ci\/)/, reason: 'a CI workflow' },
  { test: /^(\.circleci|\.buildkite|\.woodpecker)\//, reason: 'a CI workflow' },
  { test: /(^|\/)Jenkinsfile$/, reason: 'a CI workflow' },
  {
    test: /^(\.travis\.yml|azure-pipelines\.yml|bitbucket-pipelines\.yml|\.drone\.yml|\.woodpecker\.yml)$/,
    reason: 'a CI workflow',
  },
  { test: /^\.gitmodules$/, reason: 'the submodule definitions' },
];

/** Every path of the change `wave apply` refuses, with why. */
export function refusedPaths(files: readonly ChangedFile[]): RefusedPath[] {
  const refused: RefusedPath[] = [];
  for (const f of files) {
    const parts = f.path.split('/');
    if (path.posix.isAbsolute(f.path) || parts.includes('..') || parts.includes('.')) {
      refused.push({ path: f.path, reason: 'a path outside the repository', forceable: false });
    } else if (parts.some(isGitName)) {
      refused.push({ path: f.path, reason: 'git metadata (.git)', forceable: false });
    } else if (f.symlink_target !== undefined && leavesRepository(f.path, f.symlink_target)) {
      const reason = `a symbolic link to ${f.symlink_target}, outside the repository`;
      refused.push({ path: f.path, reason, forceable: false });
    } else if (f.old_mode === '160000' || f.new_mode === '160000') {
      refused.push({ path: f.path, reason: 'a submodule', forceable: true });
    } else {
      const hit = SENSITIVE.find((s) => s.test.test(f.path));
      if (hit) refused.push({ path: f.path, reason: hit.reason, forceable: true });
    }
  }
  return refused;
}

function leavesRepository(linkPath: string, target: string): boolean {
  if (path.posix.isAbsolute(target)) return true;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(linkPath), target));
  return resolved === '..' || resolved.startsWith('../');
}

/** A branch name git accepts, or a WaveError naming the flag. */
export async function checkBranchName(repo: UserRepository, name: string): Promise<void> {
  const ok = await git(['check-ref-format', '--branch', name], { gitDir: repo.gitDir, allowFailure: true });
  if (ok.code !== 0 || name.startsWith('-')) {
    throw new WaveError('usage', `--branch: '${name}' is not a valid branch name`, {
      hint: 'see git check-ref-format; e.g. wave/my-change',
    });
  }
}

export async function branchExists(repo: UserRepository, name: string): Promise<boolean> {
  const found = await git(['show-ref', '--verify', '--quiet', `refs/heads/${name}`], {
    gitDir: repo.gitDir,
    allowFailure: true,
  });
  return found.code === 0;
}

/**
 * Creates `branch` at `commit`: the objects are fetched from Wave's repository, then the ref is created only if
 * it does not exist (an atomic check, so a branch made meanwhile is not overwritten). HEAD, the index and the
 * working tree are not touched; no hook runs.
 */
export async function createBranch(
  store: WaveGit,
  repo: UserRepository,
  commit: string,
  branch: string,
): Promise<void> {
  await git(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', store.gitDir, commit], { gitDir: repo.gitDir });
  const created = await git(['update-ref', `refs/heads/${branch}`, commit, '0'.repeat(40)], {
    gitDir: repo.gitDir,
    allowFailure: true,
  });
  if (created.code !== 0) {
    throw new WaveError('apply_refused', `branch ${branch} exists already: not overwritten`, {
      hint: 'pick another name with --branch, or delete the branch first',
    });
  }
}

/** What in the user's working tree is not committed (tracked files only when `untracked` is false). */
export async function uncommittedPaths(repo: UserRepository, untracked: boolean): Promise<string[]> {
  const args = ['status', '--porcelain', '-z', `--untracked-files=${untracked ? 'all' : 'no'}`, '--no-renames'];
  const out = await gitText(args, { gitDir: repo.gitDir, workTree: repo.topLevel, cwd: repo.topLevel });
  return out
    .split('\0')
    .filter(Boolean)
    .map((line) => line.slice(3));
}

/** Applies `patch` to the user's clean working tree (all or nothing, as git apply does). */
export async function applyToWorkingTree(repo: UserRepository, patch: Buffer): Promise<void> {
  const result = await git(['apply', '--binary', '--whitespace=nowarn', '-'], {
    gitDir: repo.gitDir,
    workTree: repo.topLevel,
    cwd: repo.topLevel,
    input: patch,
    allowFailure: true,
  });
  if (result.code !== 0) {
    throw new WaveError('apply_refused', `the change does not apply to the working tree: ${result.stderr.trim()}`, {
      hint: 'create a branch instead (wave apply without --to-working-tree) and merge it',
    });
  }
}
