// The engine's side of steps that change code: before the container, a worktree step's private tree is checked
// out where the tree's previous writer left it (or at its base); after it, what the step left is captured by
// Wave's own git, and on success kept as the step's commit and recorded as its `changes` artifact.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Step } from '../config/types.js';
import { ContractConfigError, type ContractChanges, type TreeSide } from '../contracts/index.js';
import { WaveError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { eventTime } from '../events/types.js';
import { StepGraph } from '../plan/graph.js';
import {
  CHANGES_OUTPUT,
  earlierWriters,
  isWorktreeStep,
  treeKeyOf,
  treeSettings,
  writesCode,
} from '../plan/worktrees.js';
import type { Store } from '../state/index.js';
import { artifactDigest } from '../workspace/artifacts.js';
import { checkoutCommit } from '../workspace/git/checkout.js';
import type { Changes } from '../workspace/git/changes.js';
import { RunTrees, type Captured, type WrittenPart } from '../workspace/git/run-trees.js';
import type { StepWorkspace } from '../workspace/layout.js';

export interface WritingStart {
  /** The commit the step's files start from. */
  start: string;
  /** The commit its change is counted from: its tree's base, or the run's snapshot for readwrite mounts. */
  base: string;
  /** Which tree of the run (see ChangeSummary.tree). */
  tree: string;
  parts: WrittenPart[];
}

/**
 * The run's trees when one of its steps changes code, with every worktree's base resolved now: the commit the run
 * started from is the one the user had checked out, and a `base:` that names nothing fails before any step runs.
 */
export async function openRunTrees(
  projectDir: string,
  runId: string,
  snapshotDir: string,
  steps: readonly Step[],
  /** --from-step: the run whose steps were reused now; its trees are continued. */
  reusedFrom?: string,
): Promise<RunTrees | undefined> {
  if (!steps.some(writesCode)) return undefined;
  const trees = await RunTrees.open(projectDir, runId, snapshotDir);
  if (reusedFrom) await trees.adopt(reusedFrom);
  await trees.head();
  const graph = new StepGraph(steps);
  for (const step of steps) {
    const key = treeKeyOf(graph, step);
    if (key !== undefined) await trees.treeBase(key, treeSettings(graph, key), `step '${step.id}'`);
    await checkBaseRefs(trees, step);
  }
  return trees;
}

/** A base_ref or diff_base that names no commit fails the run before any step, like a worktree's base. */
async function checkBaseRefs(trees: RunTrees, step: Step): Promise<void> {
  const named = [
    ...step.handover.contracts.map((c) => [
      'test_count_baseline base_ref',
      c.type === 'test_count_baseline' && c.base_ref,
    ]),
    ...(step.context ?? []).map((c) => ['context diff_base', c.diff_base]),
  ];
  for (const [what, ref] of named) {
    if (typeof ref !== 'string' || (await trees.userCommit(ref))) continue;
    throw new WaveError('pipeline_invalid', `step '${step.id}': ${String(what)} ${notACommit(trees, ref)}`, {
      hint: 'name a branch, tag or commit id (HEAD~1 counts from the commit the run starts from)',
    });
  }
}

function notACommit(trees: RunTrees, ref: string): string {
  const where = trees.repo ? `a commit of ${trees.repo.topLevel}` : 'a commit: the project is in no git repository';
  return `'${ref}' is not ${where}`;
}

/** Puts the step's private tree in place (a worktree step) and says what to capture; undefined for other steps. */
export async function prepareWriting(
  trees: RunTrees,
  graph: StepGraph,
  step: Step,
  ws: StepWorkspace,
  owner?: { uid: number; gid: number },
): Promise<{ ws: StepWorkspace; start?: WritingStart }> {
  if (!writesCode(step)) return { ws };
  if (!isWorktreeStep(step)) {
    const snapshot = await trees.snapshotCommit();
    const parts = ws.written.map((w) => ({ prefix: joinPrefix(trees.projectPrefix, w.source), host: w.host }));
    return { ws, start: { start: snapshot, base: snapshot, parts, tree: `mount:${step.id}` } };
  }
  const key = treeKeyOf(graph, step) as string;
  const base = await trees.treeBase(key, treeSettings(graph, key), `step '${step.id}'`);
  let start = base;
  for (const earlier of earlierWriters(graph, step)) {
    const commit = await trees.stepCommit(earlier);
    if (commit) {
      start = commit;
      break;
    }
  }
  const dir = path.join(ws.dir, 'src');
  await checkoutCommit(trees.store, start, dir, owner);
  return {
    ws: { ...ws, src: dir, srcWritable: true },
    start: { start, base, parts: [{ prefix: '', host: dir }], tree: key },
  };
}

function joinPrefix(a: string, b: string): string {
  return [a, b].filter(Boolean).join('/');
}

export interface CapturedChanges {
  captured: Captured;
  changes: Changes;
  /** The folder holding changes.patch and changes.json. */
  dir: string;
}

/** Captures the step's tree and writes its change next to (not in) its out/ folder. */
export async function captureChanges(
  trees: RunTrees,
  step: Step,
  ws: StepWorkspace,
  writing: WritingStart,
): Promise<CapturedChanges> {
  const captured = await trees.capture(step.id, writing.start, writing.parts);
  const changes = await trees.changes(writing.base, captured);
  changes.summary = { tree: writing.tree, ...changes.summary };
  const dir = path.join(ws.dir, CHANGES_OUTPUT.path);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'changes.patch'), changes.patch);
  await fs.writeFile(path.join(dir, 'changes.json'), `${JSON.stringify(changes.summary, null, 2)}\n`);
  return { captured, changes, dir };
}

/** The step passed: its commit becomes its tree's latest, its change an artifact, its counts an event. */
export async function keepChanges(
  trees: RunTrees,
  store: Store,
  bus: EventBus,
  step: Step,
  attempt: number,
  done: CapturedChanges,
): Promise<void> {
  await trees.keep(step.id, done.captured);
  const digest = await artifactDigest(done.dir);
  if (!digest) throw new Error(`the changes of step ${step.id} vanished from ${done.dir}`);
  store.artifacts.record(trees.runId, step.id, { name: CHANGES_OUTPUT.name, path: done.dir, ...digest });
  const { totals } = done.changes.summary;
  bus.emit({
    type: 'changes_recorded',
    runId: trees.runId,
    stepId: step.id,
    attempt,
    time: eventTime(),
    commit: done.captured.commit,
    files: totals.files,
    additions: totals.additions,
    deletions: totals.deletions,
  });
}

/** What the contracts on changes read: the step's changed files, and its trees before and after, by Wave's git. */
export function contractChanges(trees: RunTrees, writing: WritingStart, done: CapturedChanges): ContractChanges {
  const commitOf = async (at: TreeSide): Promise<string> => {
    if (at === 'base') return writing.base;
    if (at === 'changed') return done.captured.commit;
    const commit = await trees.userCommit(at.ref);
    if (commit) return commit;
    throw new ContractConfigError(`base_ref ${notACommit(trees, at.ref)}`);
  };
  return {
    files: done.changes.summary.files,
    read: async (side, file) =>
      (await trees.files.read(side === 'base' ? writing.base : done.captured.commit, file))?.toString('utf8'),
    readTree: async (at, wanted) => {
      const commit = await commitOf(at);
      const files = await trees.files.readWhere(commit, wanted);
      return { commit, files: new Map([...files].map(([p, b]) => [p, b.toString('utf8')])) };
    },
  };
}
