// `wave diff` and `wave apply` as a service: a run's recorded changes (checked against their sha256), and their
// publication into the user's repository as a new branch, or onto a clean working tree. What is published is
// computed again by Wave's own git from the recorded commits, never taken from the JSON on disk.
import fs from 'node:fs/promises';
import path from 'node:path';
import { WaveError } from '../errors.js';
import type { ArtifactRecord, Store } from '../state/index.js';
import { artifactDigest } from '../workspace/artifacts.js';
import { computeChanges, type ChangedFile, type ChangeSummary } from '../workspace/git/changes.js';
import {
  applyToWorkingTree,
  branchExists,
  checkBranchName,
  createBranch,
  refusedPaths,
  uncommittedPaths,
  type RefusedPath,
} from '../workspace/git/publish.js';
import {
  findUserRepository,
  notARepository,
  openWaveGit,
  readRef,
  type UserRepository,
} from '../workspace/git/store.js';

export type { ChangedFile, ChangeSummary };

export interface RecordedChange {
  stepId: string;
  /** The folder holding changes.patch and changes.json. */
  dir: string;
  summary: ChangeSummary;
}

/** The changes of one step, or the run's final ones: for each of its trees, the last step that wrote it. */
export async function loadRunChanges(store: Store, runId: string, stepId?: string): Promise<RecordedChange[]> {
  store.runs.require(runId);
  const all = store.artifacts.list(runId).filter((a) => a.name === 'changes');
  if (all.length === 0) {
    throw new WaveError('usage', `run ${runId} recorded no changes`, {
      hint: 'steps with workspace.type: worktree or a readwrite mount record their changes when they succeed',
    });
  }
  const chosen = stepId === undefined ? all : all.filter((a) => a.stepId === stepId);
  if (chosen.length === 0) {
    throw new WaveError('usage', `--step: step '${stepId}' of run ${runId} recorded no changes`, {
      hint: `steps with changes: ${all.map((a) => a.stepId).join(', ')}`,
    });
  }
  const loaded = await Promise.all(chosen.map(loadChange));
  if (stepId !== undefined) return loaded;
  const last = new Map<string, RecordedChange>();
  const order = [...loaded].sort((a, b) => createdAt(all, a).localeCompare(createdAt(all, b)));
  for (const change of order) last.set(change.summary.tree ?? change.stepId, change);
  return [...last.values()];
}

function createdAt(all: readonly ArtifactRecord[], change: RecordedChange): string {
  return all.find((a) => a.stepId === change.stepId)?.createdAt ?? '';
}

async function loadChange(record: ArtifactRecord): Promise<RecordedChange> {
  const digest = await artifactDigest(record.path);
  if (digest?.sha256 !== record.sha256) {
    const why = digest ? 'changed since the run recorded it' : 'is gone (was the workspace cleaned?)';
    throw new WaveError('artifact_rejected', `the changes of step ${record.stepId} (${record.path}) ${why}`);
  }
  const text = await fs.readFile(path.join(record.path, 'changes.json'), 'utf8');
  return { stepId: record.stepId, dir: record.path, summary: JSON.parse(text) as ChangeSummary };
}

export interface ApplyOptions {
  step?: string;
  branch?: string;
  /** Say what would happen; change nothing. */
  check?: boolean;
  /** Let hooks, CI workflows and submodule changes through. */
  force?: boolean;
  toWorkingTree?: boolean;
}

export interface ApplyResult {
  stepId: string;
  /** The branch created (or that would be, with check); absent with --to-working-tree. */
  branch?: string;
  commit: string;
  base: string;
  files: ChangedFile[];
  /** Sensitive paths --force let through. */
  forced: RefusedPath[];
  applied: boolean;
}

export async function applyRunChanges(
  projectDir: string,
  store: Store,
  runId: string,
  opts: ApplyOptions,
): Promise<ApplyResult> {
  if (opts.toWorkingTree && opts.branch !== undefined) {
    throw new WaveError('usage', '--to-working-tree and --branch cannot be combined', {
      hint: '--to-working-tree changes your files; without it wave apply creates a branch',
    });
  }
  const finals = await loadRunChanges(store, runId);
  const [change, ...more] = await loadRunChanges(store, runId, opts.step);
  if (!change || more.length) {
    throw new WaveError('usage', `run ${runId} changed ${finals.length} trees: say which with --step`, {
      hint: `steps: ${finals.map((c) => c.stepId).join(', ')}`,
    });
  }
  const repo = await findUserRepository(projectDir);
  if (!repo) throw notARepository(projectDir, 'wave apply');
  const waveGit = await openWaveGit(projectDir);
  const { base, commit } = change.summary;
  if ((await readRef(waveGit, commit)) !== commit || (await readRef(waveGit, base)) !== base) {
    throw new WaveError('artifact_rejected', `the commits of step ${change.stepId} are gone from ${waveGit.gitDir}`, {
      hint: `run the pipeline again: nothing in .wave/git may be removed while its runs are kept`,
    });
  }
  const { patch, summary } = await computeChanges(waveGit, base, commit);
  const refused = refusedPaths(summary.files);
  const blocking = refused.filter((r) => !r.forceable || !opts.force);
  if (blocking.length) {
    const forceable = blocking.every((r) => r.forceable);
    throw new WaveError(
      'apply_refused',
      `the change of step ${change.stepId} touches ${blocking.length} refused path(s)`,
      {
        details: blocking.map((r) => `${r.path}: ${r.reason}`),
        hint: forceable ? 'review them (wave diff), then --force to apply anyway' : 'these are never applied',
      },
    );
  }
  const result = { stepId: change.stepId, commit, base, files: summary.files, forced: refused, applied: false };
  if (opts.toWorkingTree) {
    await checkCleanFor(repo, summary.files);
    if (!opts.check) await applyToWorkingTree(repo, patch);
    return { ...result, applied: !opts.check };
  }
  const branch = opts.branch ?? (finals.length > 1 ? `wave/${runId}-${change.stepId}` : `wave/${runId}`);
  await checkBranchName(repo, branch);
  if (await branchExists(repo, branch)) {
    throw new WaveError('apply_refused', `branch ${branch} exists already: not overwritten`, {
      hint: 'pick another name with --branch, or delete the branch first',
    });
  }
  if (!opts.check) await createBranch(waveGit, repo, commit, branch);
  return { ...result, branch, applied: !opts.check };
}

/** --to-working-tree: no uncommitted change to a tracked file, and no untracked file where the change writes. */
async function checkCleanFor(repo: UserRepository, files: ChangedFile[]): Promise<void> {
  const dirty = await uncommittedPaths(repo, false);
  const touched = new Set(files.map((f) => f.path));
  const clashing = (await uncommittedPaths(repo, true)).filter((p) => touched.has(p));
  const problems = [...new Set([...dirty, ...clashing])];
  if (problems.length) {
    throw new WaveError('apply_refused', `the working tree is not clean: ${problems.length} uncommitted path(s)`, {
      details: problems.slice(0, 20),
      hint: 'commit or stash them first, or create a branch instead (wave apply without --to-working-tree)',
    });
  }
}
