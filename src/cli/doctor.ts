// `wave doctor`: is the Docker engine reachable and able to enforce limits, are the images there, are there
// containers left behind by a killed Wave process. Exit 0 when nothing failed.
import { existsSync } from 'node:fs';
import { DEFAULT_COMMAND_IMAGE, defaultManifestPath, loadManifest } from '../config/index.js';
import { ExitCode } from '../errors.js';
import type { CliContext } from './context.js';
import { paint, printJson } from './render.js';

/** The images a project needs: Wave's base image and every adapter's. */
async function wantedImages(ctx: CliContext): Promise<string[]> {
  const manifestPath = existsSync(ctx.manifestPath) ? ctx.manifestPath : defaultManifestPath();
  try {
    const { manifest } = await loadManifest(manifestPath);
    return [DEFAULT_COMMAND_IMAGE, ...new Set(Object.values(manifest.adapters).map((a) => a.image))];
  } catch {
    return [DEFAULT_COMMAND_IMAGE];
  }
}

export async function doctorCommand(ctx: CliContext): Promise<number> {
  const { dockerDoctor } = await import('../sandbox/index.js');
  const report = await dockerDoctor({ images: await wantedImages(ctx) });
  if (ctx.output === 'json') {
    printJson(report);
  } else {
    const mark = {
      ok: paint(ctx, 'green', 'ok  '),
      warn: paint(ctx, 'yellow', 'warn'),
      fail: paint(ctx, 'red', 'FAIL'),
      skipped: paint(ctx, 'dim', 'skip'),
    };
    for (const check of report.checks) {
      process.stdout.write(`${mark[check.status]}  ${check.id.padEnd(8)} ${check.summary}\n`);
      if (check.hint && check.status !== 'ok')
        process.stdout.write(`      ${paint(ctx, 'dim', 'hint:')} ${check.hint}\n`);
    }
  }
  return report.ok ? ExitCode.ok : ExitCode.infrastructure;
}
