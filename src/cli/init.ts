// `wave init`: scaffold a project from the embedded defaults.
import path from 'node:path';
import { initProject } from '../config/index.js';
import type { CliContext } from './context.js';
import { printJson } from './render.js';

export async function initCommand(ctx: CliContext, opts: { force?: boolean }): Promise<number> {
  const { written } = await initProject({ dir: ctx.projectDir, force: Boolean(opts.force) });
  if (ctx.output === 'json') {
    printJson({ written });
  } else {
    for (const file of written) process.stdout.write(`wrote ${path.relative(process.cwd(), file) || file}\n`);
    process.stdout.write('next: wave validate --all\n');
  }
  return 0;
}
