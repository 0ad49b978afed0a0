// `wave apply <run> [--step S] [--branch NAME] [--check] [--force] [--to-working-tree]`: the run's change as a new
// branch of the user's repository (default wave/<run>), leaving the working tree, the index and the current
// branch alone; or, with --to-working-tree, applied to a clean working tree. Refusals exit with code 7.
import { applyRunChanges, type ApplyOptions } from '../engine/changes-service.js';
import type { CliContext } from './context.js';
import { diffstat } from './diff.js';
import { paint, printJson, terminalSafe, warn } from './render.js';
import { withStore } from './store-access.js';

export async function applyCommand(ctx: CliContext, runId: string, opts: ApplyOptions): Promise<number> {
  return withStore(ctx, async (store) => {
    const result = await applyRunChanges(ctx.projectDir, store, runId, opts);
    if (ctx.output === 'json') {
      printJson(result);
      return 0;
    }
    for (const f of result.forced) warn(ctx, `--force: ${f.path}: ${f.reason}`);
    const summary = {
      base: result.base,
      commit: result.commit,
      files: result.files,
      totals: {
        files: result.files.length,
        additions: result.files.reduce((n, f) => n + (f.additions ?? 0), 0),
        deletions: result.files.reduce((n, f) => n + (f.deletions ?? 0), 0),
      },
      skipped: [],
    };
    process.stdout.write(diffstat(ctx, { stepId: result.stepId, dir: '', summary }));
    const where = result.branch ? `branch ${result.branch} at ${result.commit.slice(0, 12)}` : 'the working tree';
    if (!result.applied) {
      process.stdout.write(`check: the change applies to ${terminalSafe(where)}; nothing was changed\n`);
    } else {
      process.stdout.write(`${paint(ctx, 'green', 'applied')} to ${terminalSafe(where)}\n`);
      if (result.branch) process.stdout.write(`${paint(ctx, 'dim', 'hint:')} git switch ${result.branch}\n`);
    }
    return 0;
  });
}
