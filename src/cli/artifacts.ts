// `wave artifacts <run-id> [--step S] [--export DIR]`: the run's collected outputs; --export copies them to
// DIR/<step>/<path>, verifying each artifact's sha256 on the way (a workspace changed after the run shows up).
import path from 'node:path';
import { exportArtifacts } from '../engine/artifact-export.js';
import type { CliContext } from './context.js';
import { printJson, table } from './render.js';
import { withStore } from './store-access.js';

/** The artifact's path relative to its step's out/ folder (where the engine collected it from). */
function relativeToOut(file: string, stepId: string): string {
  const marker = `${path.sep}${stepId}${path.sep}out${path.sep}`;
  const at = file.lastIndexOf(marker);
  return at >= 0 ? file.slice(at + marker.length) : path.basename(file);
}

export async function artifactsCommand(
  ctx: CliContext,
  runId: string,
  opts: { step?: string; export?: string },
): Promise<number> {
  return withStore(ctx, async (store) => {
    store.runs.require(runId);
    const artifacts = store.artifacts.list(runId, opts.step);
    const rows = artifacts.map((a) => ({
      step: a.stepId,
      name: a.name,
      path: relativeToOut(a.path, a.stepId),
      size: a.size,
      sha256: a.sha256,
      file: a.path,
    }));
    if (opts.export) await exportArtifacts(rows, path.resolve(opts.export));
    if (ctx.output === 'json') {
      printJson(rows);
    } else if (rows.length === 0) {
      process.stdout.write('no artifacts\n');
    } else {
      process.stdout.write(
        table(
          ['step', 'name', 'path', 'size', 'sha256'],
          rows.map((r) => [r.step, r.name, r.path, String(r.size), r.sha256.slice(0, 12)]),
        ),
      );
      if (opts.export) process.stdout.write(`exported ${rows.length} artifact(s) to ${opts.export}\n`);
    }
    return 0;
  });
}
