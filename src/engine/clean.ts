// Removing finished runs: their workspaces, logs, rows, their commits in .wave/git (wave apply cannot publish them
// any more) and orphaned containers, then giving the state db's space back (VACUUM). A running or pending run is never touched: `wave resume` may still want it.
import { statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DockerEngine } from '../sandbox/index.js';
import type { RunRecord, Store } from '../state/index.js';
import { forgetRun } from '../workspace/git/store.js';

export interface CleanOptions {
  /** The newest finished runs kept whatever their age. */
  keep: number;
  /** Only runs that finished longer ago than this. */
  olderThanMs?: number | undefined;
  dryRun: boolean;
  /** Where .wave/git is. */
  projectDir: string;
  workspaceRoot: string;
  tracesDir: string;
  onWarning: (message: string) => void;
}

export interface CleanReport {
  removed: RunRecord[];
  kept: number;
  containersRemoved: number;
  /** Present when runs were removed: the db's size before and after VACUUM, or why it was not compacted. */
  stateDb?: { before: number; after: number; error?: string };
}

function isActive(run: RunRecord): boolean {
  return run.status === 'running' || run.status === 'pending';
}

export async function cleanRuns(store: Store, opts: CleanOptions): Promise<CleanReport> {
  // Top-level runs: a run's child runs (sub-pipelines, iterate items) go with it, never on their own.
  const finished = store.runs.list({ limit: 1_000_000, topLevel: true }).filter((r) => !isActive(r));
  const cutoff = opts.olderThanMs === undefined ? undefined : Date.now() - opts.olderThanMs;
  const doomed = finished
    .slice(opts.keep)
    .filter((r) => cutoff === undefined || Date.parse(r.finishedAt ?? r.createdAt) < cutoff);
  const report: CleanReport = { removed: doomed, kept: finished.length - doomed.length, containersRemoved: 0 };
  if (opts.dryRun) return report;
  report.containersRemoved = await reapContainers(opts.onWarning);
  for (const root of doomed) {
    for (const run of [...store.runs.descendants(root.id), root]) {
      await fs.rm(path.join(opts.workspaceRoot, run.id), { recursive: true, force: true });
      await fs.rm(path.join(opts.tracesDir, `${run.id}.log`), { force: true });
      await fs.rm(path.join(opts.tracesDir, run.id), { recursive: true, force: true });
      await forgetRun(opts.projectDir, run.id);
    }
    store.runs.delete(root.id); // its child runs' rows go with it (runs.parent_run_id cascades)
  }
  if (doomed.length > 0) report.stateDb = compactStateDb(store);
  return report;
}

/** Containers whose Wave process is gone (the reaper's rule); none when no engine answers. */
async function reapContainers(onWarning: (message: string) => void): Promise<number> {
  const engine = await DockerEngine.connectIfAvailable();
  if (!engine) return 0;
  const { removed, warning } = await engine.reapOrphans();
  if (warning) onWarning(warning);
  return removed.length;
}

/** The state db's size on disk: the file and its write-ahead log. */
function stateDbBytes(store: Store): number {
  const size = (file: string): number => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  };
  return size(store.path) + size(`${store.path}-wal`);
}

/** VACUUM after deleting runs; a db another process holds busy is left as it is (the next clean compacts it). */
function compactStateDb(store: Store): { before: number; after: number; error?: string } {
  const before = stateDbBytes(store);
  try {
    store.compact();
  } catch (err) {
    return { before, after: before, error: (err as Error).message };
  }
  return { before, after: stateDbBytes(store) };
}
