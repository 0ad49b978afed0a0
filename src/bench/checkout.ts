// The files a task starts from, on the host: a checkout of its repository at its base commit (or, for a Harbor task,
// a fresh repository holding its environment folder), made once per bench and task. The run snapshots it and works
// on its own tree; the evaluation gets a copy of it with the run's change (and a SWE-bench test_patch) applied.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { git } from '../workspace/git/safe-git.js';
import type { TaskSource } from './types.js';

const READY = '.wave-bench-ready';
/** Remote repositories too (Wave's own git only ever speaks the local file protocol). */
const FETCH_PROTOCOLS = ['https', 'http', 'git'].flatMap((p) => ['-c', `protocol.${p}.allow=always`]);
const PINNED_DATE = '2000-01-01T00:00:00Z';

/** The task's repository at its base commit in `dir` (reused when an earlier attempt finished making it). */
export async function checkoutTask(source: TaskSource, dir: string): Promise<void> {
  if (existsSync(path.join(dir, '.git', READY))) return;
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(path.dirname(dir), { recursive: true });
  if (source.kind === 'git') {
    await git([...FETCH_PROTOCOLS, 'clone', '--quiet', '--no-checkout', '--', source.repo, dir]);
    await git(['checkout', '--quiet', '--detach', source.commit, '--'], { cwd: dir });
  } else {
    await fs.cp(source.dir, dir, {
      recursive: true,
      filter: (from) => !source.exclude.includes(path.relative(source.dir, from)),
    });
    await git(['init', '--quiet'], { cwd: dir });
    await git(['add', '--all'], { cwd: dir });
    await git(['commit', '--quiet', '--allow-empty', '-m', 'task environment'], { cwd: dir, date: PINNED_DATE });
  }
  await fs.writeFile(path.join(dir, '.git', READY), new Date().toISOString());
}

/**
 * A fresh copy of the checkout's files (not its .git) with each patch applied in order. It gets a repository of its
 * own while patching, so git never takes an enclosing one (the project's) for the tree the paths are relative to.
 */
export async function evaluationTree(
  checkout: string,
  dir: string,
  patches: ReadonlyArray<Buffer | string>,
): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.cp(checkout, dir, {
    recursive: true,
    filter: (from) => {
      const rel = path.relative(checkout, from);
      return rel !== '.git' && rel !== '.wave';
    },
  });
  const todo = patches.filter((p) => p.length > 0);
  if (todo.length === 0) return;
  await git(['init', '--quiet'], { cwd: dir });
  try {
    for (const patch of todo) await git(['apply', '--binary', '--whitespace=nowarn', '-'], { cwd: dir, input: patch });
  } finally {
    await fs.rm(path.join(dir, '.git'), { recursive: true, force: true });
  }
}
