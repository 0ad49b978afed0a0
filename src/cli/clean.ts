// `wave clean [--keep N] [--older-than D] [--dry-run]`: removes finished runs' workspaces, logs, containers
// and rows, and gives the state db's space back (VACUUM). A running run is never touched, nor a run whose
// process is alive.
import { statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { durationForms, parseDuration } from '../config/index.js';
import { WaveError } from '../errors.js';
import type { RunRecord, Store } from '../state/index.js';
import type { CliContext } from './context.js';
import { printJson, warn } from './render.js';
import { withStore } from './store-access.js';

/** Running or pending runs are kept even when their process died: `wave resume` may still want them. */
function isActive(run: RunRecord): boolean {
  return run.status === 'running' || run.status === 'pending';
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

/** Containers whose Wave process is gone (the reaper's rule); none when no engine answers. */
async function reapContainers(ctx: CliContext): Promise<number> {
  const { DockerEngine } = await import('../sandbox/index.js');
  const engine = await DockerEngine.connectIfAvailable();
  if (!engine) return 0;
  const { removed, warning } = await engine.reapOrphans();
  if (warning) warn(ctx, warning);
  return removed.length;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export async function cleanCommand(
  ctx: CliContext,
  opts: { keep?: string; olderThan?: string; dryRun?: boolean },
): Promise<number> {
  const keep = opts.keep === undefined ? 0 : Number(opts.keep);
  if (!Number.isInteger(keep) || keep < 0) throw new WaveError('usage', `--keep ${opts.keep}: expected a whole number`);
  const olderThanMs = opts.olderThan === undefined ? undefined : parseDuration(opts.olderThan, { days: true });
  if (opts.olderThan !== undefined && olderThanMs === undefined) {
    const hint = `write ${durationForms({ days: true })}`;
    throw new WaveError('usage', `--older-than ${opts.olderThan}: not a duration`, { hint });
  }
  const { loadProjectManifest } = await import('../engine/run-service.js');
  const { runtime } = (await loadProjectManifest(ctx.manifestPath, () => undefined)).manifest;
  const workspaceRoot = path.resolve(ctx.projectDir, runtime.workspace_root);
  const tracesDir = path.resolve(ctx.projectDir, runtime.audit.log_dir);

  return withStore(ctx, async (store) => {
    const finished = store.runs.list({ limit: 1_000_000 }).filter((r) => !isActive(r));
    const cutoff = olderThanMs === undefined ? undefined : Date.now() - olderThanMs;
    const doomed = finished
      .slice(keep)
      .filter((r) => cutoff === undefined || Date.parse(r.finishedAt ?? r.createdAt) < cutoff);
    const containers = opts.dryRun ? 0 : await reapContainers(ctx);
    if (!opts.dryRun) {
      for (const run of doomed) {
        await fs.rm(path.join(workspaceRoot, run.id), { recursive: true, force: true });
        await fs.rm(path.join(tracesDir, `${run.id}.log`), { force: true });
        await fs.rm(path.join(tracesDir, run.id), { recursive: true, force: true });
        store.runs.delete(run.id);
      }
    }
    const compacted = !opts.dryRun && doomed.length > 0 ? compactStateDb(store) : undefined;
    if (ctx.output === 'json') {
      printJson({
        dryRun: Boolean(opts.dryRun),
        removed: doomed.map((r) => r.id),
        containersRemoved: containers,
        ...(compacted
          ? {
              stateDb: {
                bytesBefore: compacted.before,
                bytesAfter: compacted.after,
                ...(compacted.error ? { error: compacted.error } : {}),
              },
            }
          : {}),
      });
    } else {
      for (const run of doomed)
        process.stdout.write(`${opts.dryRun ? 'would remove' : 'removed'} ${run.id} (${run.status})\n`);
      process.stdout.write(
        `${doomed.length} run(s) ${opts.dryRun ? 'would be ' : ''}removed, ${finished.length - doomed.length} finished run(s) kept\n`,
      );
      if (containers) process.stdout.write(`removed ${containers} orphaned container(s)\n`);
      if (compacted?.error)
        process.stdout.write(`state db not compacted (${compacted.error}); the next wave clean tries again\n`);
      else if (compacted)
        process.stdout.write(`state db compacted: ${mib(compacted.before)} → ${mib(compacted.after)}\n`);
    }
    return 0;
  });
}
