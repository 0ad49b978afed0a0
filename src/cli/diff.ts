// `wave diff <run> [--step S] [--stat]`: the change a run made (for each of its trees, the last step that wrote
// it; or one step's), as a patch `git apply` takes, or as a diffstat. Coloured on a terminal, where a step's bytes
// are also made terminal-safe; piped, the patch is written byte for byte.
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadRunChanges, type ChangedFile, type RecordedChange } from '../engine/changes-service.js';
import type { CliContext } from './context.js';
import { paint, printJson, table, terminalSafe } from './render.js';
import { withStore } from './store-access.js';

export async function diffCommand(ctx: CliContext, runId: string, opts: { step?: string; stat?: boolean }) {
  return withStore(ctx, async (store) => {
    const changes = await loadRunChanges(store, runId, opts.step);
    if (ctx.output === 'json') {
      printJson(changes.map((c) => ({ step: c.stepId, ...c.summary })));
      return 0;
    }
    for (const change of changes) {
      if (opts.stat) process.stdout.write(diffstat(ctx, change));
      else await writePatch(ctx, change);
    }
    return 0;
  });
}

/** One line per file, then the totals, as `git diff --stat` prints them (terminal-safe: names come from a step). */
export function diffstat(ctx: Pick<CliContext, 'color'>, change: RecordedChange): string {
  const { files, totals } = change.summary;
  const rows = files.map((f) => [terminalSafe(f.path), f.status, counts(ctx, f)]);
  const head = `step ${change.stepId}: ${totals.files} file(s) changed, +${totals.additions} -${totals.deletions}\n`;
  return head + (rows.length ? table(['file', 'status', 'lines'], rows) : '');
}

function counts(ctx: Pick<CliContext, 'color'>, f: ChangedFile): string {
  if (f.binary) return f.symlink_target !== undefined ? `link -> ${terminalSafe(f.symlink_target)}` : 'binary';
  return `${paint(ctx, 'green', `+${f.additions ?? 0}`)} ${paint(ctx, 'red', `-${f.deletions ?? 0}`)}`;
}

async function writePatch(ctx: CliContext, change: RecordedChange): Promise<void> {
  const patch = await fs.readFile(path.join(change.dir, 'changes.patch'));
  if (!process.stdout.isTTY) {
    process.stdout.write(patch);
    return;
  }
  const lines = terminalSafe(patch.toString('utf8')).split('\n');
  const style = (line: string): string => {
    if (line.startsWith('diff --git') || line.startsWith('+++') || line.startsWith('---'))
      return paint(ctx, 'bold', line);
    if (line.startsWith('+')) return paint(ctx, 'green', line);
    if (line.startsWith('-')) return paint(ctx, 'red', line);
    if (line.startsWith('@@')) return paint(ctx, 'yellow', line);
    return line;
  };
  process.stdout.write(lines.map(style).join('\n'));
}
