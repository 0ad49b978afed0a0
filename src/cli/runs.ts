// `wave list runs [--limit N] [--status S] [--all]`: top-level runs; --all adds the child runs of the tree.
import { RUN_STATUSES, type RunStatus } from '../state/types.js';
import { WaveError } from '../errors.js';
import type { CliContext } from './context.js';
import { printJson, table } from './render.js';
import { duration, withStore } from './store-access.js';

export async function listRunsCommand(
  ctx: CliContext,
  opts: { limit?: string; status?: string; all?: boolean },
): Promise<number> {
  const limit = opts.limit === undefined ? 20 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new WaveError('usage', `--limit ${opts.limit}: expected a positive whole number`);
  const statuses = opts.status?.split(',').map((s) => s.trim()) ?? [];
  const bad = statuses.filter((s) => !(RUN_STATUSES as readonly string[]).includes(s));
  if (bad.length)
    throw new WaveError('usage', `--status ${bad.join(',')}: unknown status`, {
      hint: `one of: ${RUN_STATUSES.join(', ')}`,
    });
  return withStore(ctx, (store) => {
    const runs = store.runs.list({
      limit,
      topLevel: !opts.all,
      ...(statuses.length ? { status: statuses as RunStatus[] } : {}),
    });
    if (ctx.output === 'json') {
      printJson(
        runs.map((r) => ({
          id: r.id,
          pipeline: r.pipeline,
          status: r.status,
          createdAt: r.createdAt,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          exitCode: r.exitCode,
          parentRunId: r.parentRunId,
          parentStepId: r.parentStepId,
          itemIndex: r.itemIndex,
        })),
      );
    } else if (runs.length === 0) {
      process.stdout.write('no runs\n');
    } else {
      process.stdout.write(
        table(
          ['run', 'pipeline', 'status', 'started', 'time'],
          runs.map((r) => [
            r.parentRunId ? `${r.id} (child of ${r.parentRunId}/${r.parentStepId})` : r.id,
            r.pipeline,
            r.status,
            r.startedAt ?? r.createdAt,
            duration(r.startedAt, r.finishedAt),
          ]),
        ),
      );
    }
    return 0;
  });
}
