// `wave clean [--keep N] [--older-than D] [--dry-run]`: removes finished runs' workspaces, logs, containers
// and rows, and compacts the state db (the work is engine/clean.ts's). A running run is never touched.
import path from 'node:path';
import { durationForms, parseDuration } from '../config/index.js';
import { WaveError } from '../errors.js';
import type { CliContext } from './context.js';
import { printJson, warn } from './render.js';
import { withStore } from './store-access.js';

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
  const { cleanRuns } = await import('../engine/clean.js');
  const { runtime } = (await loadProjectManifest(ctx.manifestPath, () => undefined)).manifest;
  const dryRun = Boolean(opts.dryRun);
  const report = await withStore(ctx, (store) =>
    cleanRuns(store, {
      keep,
      olderThanMs,
      dryRun,
      projectDir: ctx.projectDir,
      workspaceRoot: path.resolve(ctx.projectDir, runtime.workspace_root),
      tracesDir: path.resolve(ctx.projectDir, runtime.audit.log_dir),
      onWarning: (message) => warn(ctx, message),
    }),
  );
  const { removed, stateDb } = report;
  if (ctx.output === 'json') {
    printJson({
      dryRun,
      removed: removed.map((r) => r.id),
      containersRemoved: report.containersRemoved,
      ...(stateDb
        ? {
            stateDb: {
              bytesBefore: stateDb.before,
              bytesAfter: stateDb.after,
              ...(stateDb.error ? { error: stateDb.error } : {}),
            },
          }
        : {}),
    });
    return 0;
  }
  for (const run of removed) process.stdout.write(`${dryRun ? 'would remove' : 'removed'} ${run.id} (${run.status})\n`);
  process.stdout.write(
    `${removed.length} run(s) ${dryRun ? 'would be ' : ''}removed, ${report.kept} finished run(s) kept\n`,
  );
  if (report.containersRemoved) process.stdout.write(`removed ${report.containersRemoved} orphaned container(s)\n`);
  if (stateDb?.error)
    process.stdout.write(`state db not compacted (${stateDb.error}); the next wave clean tries again\n`);
  else if (stateDb) process.stdout.write(`state db compacted: ${mib(stateDb.before)} → ${mib(stateDb.after)}\n`);
  return 0;
}
