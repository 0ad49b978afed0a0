// `wave validate`: every problem of the manifest and the selected pipelines, then an exit code.
import path from 'node:path';
import { ExitCode } from '../errors.js';
import { formatProblem } from '../config/index.js';
import { validationChecks } from '../engine/preflight.js';
import { validateProject } from '../validate/index.js';
import type { CliContext } from './context.js';
import { paint, printJson } from './render.js';

export async function validateCommand(ctx: CliContext, opts: { pipeline?: string; all?: boolean }): Promise<number> {
  const { problems, pipelinesChecked } = await validateProject({
    manifestPath: ctx.manifestPath,
    ...(opts.pipeline === undefined ? {} : { pipeline: opts.pipeline }),
    all: Boolean(opts.all),
    extraChecks: validationChecks(),
  });
  const errors = problems.filter((p) => p.severity === 'error');
  if (ctx.output === 'json') {
    printJson({ valid: errors.length === 0, pipelines: pipelinesChecked, problems });
  } else {
    for (const p of problems) {
      const line = formatProblem({ ...p, file: path.relative(process.cwd(), p.file) || p.file });
      process.stderr.write((p.severity === 'error' ? paint(ctx, 'red', line) : paint(ctx, 'yellow', line)) + '\n');
    }
    const what = pipelinesChecked.length ? `manifest and ${pipelinesChecked.length} pipeline(s)` : 'manifest';
    const warnings = problems.length - errors.length;
    if (errors.length === 0) {
      process.stdout.write(`${paint(ctx, 'green', 'valid:')} ${what}${warnings ? ` (${warnings} warning(s))` : ''}\n`);
    } else {
      process.stderr.write(`${errors.length} error(s), ${warnings} warning(s) in ${what}\n`);
    }
  }
  return errors.length === 0 ? ExitCode.ok : ExitCode.invalidInput;
}
