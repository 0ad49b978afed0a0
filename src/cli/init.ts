// `wave init`: scaffold a project from the embedded defaults.
import path from 'node:path';
import { PROJECT_LAYOUTS, type ProjectLayout, initProject } from '../config/index.js';
import { WaveError } from '../errors.js';
import type { CliContext } from './context.js';
import { printJson } from './render.js';

const LAYOUT_FLAGS: Record<string, ProjectLayout> = { wave: '.wave', agents: '.agents' };

export async function initCommand(ctx: CliContext, opts: { force?: boolean; layout?: string }): Promise<number> {
  const layout = LAYOUT_FLAGS[opts.layout ?? 'wave'];
  if (layout === undefined || !PROJECT_LAYOUTS.includes(layout)) {
    throw new WaveError('usage', `--layout: unknown layout '${opts.layout ?? ''}'`, {
      hint: 'wave (files under .wave/, the default) or agents (under .agents/, as the original Wave)',
    });
  }
  const { written } = await initProject({ dir: ctx.projectDir, force: Boolean(opts.force), layout });
  if (ctx.output === 'json') {
    printJson({ written });
  } else {
    for (const file of written) process.stdout.write(`wrote ${path.relative(process.cwd(), file) || file}\n`);
    process.stdout.write('next: wave validate --all\n');
  }
  return 0;
}
