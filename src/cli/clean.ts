// `wave clean [--keep N] [--older-than D] [--dry-run]`: removes finished runs' workspaces, logs, containers
// and rows. A running run is never touched, nor a run whose process is alive.
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDuration } from '../config/index.js';
import { WaveError } from '../errors.js';
import type { RunRecord } from '../state/index.js';
import type { CliContext } from './context.js';
import { printJson } from './render.js';
import { withStore } from './store-access.js';

/** Running or pending runs are kept even when their process died: `wave resume` may still want them. */
function isActive(run: RunRecord): boolean {
  return run.status === 'running' || run.status === 'pending';
}

/** Containers whose Wave process is gone (the reaper's rule); none when no engine answers. */
async function reapContainers(): Promise<number> {
  const { connectDocker, reapOrphans } = await import('../sandbox/index.js');
  try {
    const { docker } = await connectDocker();
    return (await reapOrphans(docker)).length;
  } catch {
    return 0;
  }
}

export async function cleanCommand(ctx: CliContext, opts: { keep?: string; olderThan?: string; dryRun?: boolean }): Promise<number> {
  const keep = opts.keep === undefined ? 0 : Number(opts.keep);
  if (!Number.isInteger(keep) || keep < 0) throw new WaveError('usage', `--keep ${opts.keep}: expected a whole number`);
  let olderThanMs: number | undefined;
  if (opts.olderThan !== undefined) {
    try {
      olderThanMs = parseDuration(opts.olderThan.replace(/(\d+)d$/, (_, n: string) => `${Number(n) * 24}h`));
    } catch {
      throw new WaveError('usage', `--older-than ${opts.olderThan}: expected a duration such as 12h or 7d`);
    }
  }
  const { loadProjectManifest } = await import('../engine/run-service.js');
  const { runtime } = (await loadProjectManifest(ctx.manifestPath, () => undefined)).manifest;
  const workspaceRoot = path.resolve(ctx.projectDir, runtime.workspace_root);
  const tracesDir = path.resolve(ctx.projectDir, runtime.audit.log_dir);

  return withStore(ctx, async (store) => {
    const finished = store.listRuns({ limit: 1_000_000 }).filter((r) => !isActive(r));
    const cutoff = olderThanMs === undefined ? undefined : Date.now() - olderThanMs;
    const doomed = finished.slice(keep).filter((r) => cutoff === undefined || Date.parse(r.finishedAt ?? r.createdAt) < cutoff);
    const containers = opts.dryRun ? 0 : await reapContainers();
    if (!opts.dryRun) {
      for (const run of doomed) {
        await fs.rm(path.join(workspaceRoot, run.id), { recursive: true, force: true });
        await fs.rm(path.join(tracesDir, `${run.id}.log`), { force: true });
        await fs.rm(path.join(tracesDir, run.id), { recursive: true, force: true });
        store.deleteRun(run.id);
      }
    }
    if (ctx.output === 'json') {
      printJson({ dryRun: Boolean(opts.dryRun), removed: doomed.map((r) => r.id), containersRemoved: containers });
    } else {
      for (const run of doomed) process.stdout.write(`${opts.dryRun ? 'would remove' : 'removed'} ${run.id} (${run.status})\n`);
      process.stdout.write(`${doomed.length} run(s) ${opts.dryRun ? 'would be ' : ''}removed, ${finished.length - doomed.length} finished run(s) kept\n`);
      if (containers) process.stdout.write(`removed ${containers} orphaned container(s)\n`);
    }
    return 0;
  });
}
