// `wave doctor`: is the Docker engine reachable and able to enforce limits, are the images there, are there
// containers left behind by a killed Wave process. Exit 0 when nothing failed.
import { ExitCode } from '../errors.js';
import type { CliContext } from './context.js';
import { paint, printJson } from './render.js';

export async function doctorCommand(ctx: CliContext): Promise<number> {
  const { projectDoctor } = await import('../engine/doctor.js');
  const report = await projectDoctor(ctx.manifestPath);
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
