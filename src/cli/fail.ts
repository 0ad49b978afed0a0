// The single place where errors become output and an exit code. User errors print one line and a hint;
// only --debug (or a bug) shows a stack.
import { ExitCode, isWaveError } from '../errors.js';
import type { CliContext } from './context.js';
import { paint } from './render.js';

export function reportError(err: unknown, ctx: Pick<CliContext, 'output' | 'color' | 'debug'>): number {
  if (isWaveError(err)) {
    if (ctx.output === 'json') {
      process.stdout.write(
        JSON.stringify({ error: { code: err.code, message: err.message, details: err.details, hint: err.hint } }) + '\n',
      );
    } else {
      const lines = [`${paint(ctx, 'red', 'error:')} ${err.message}`, ...err.details.map((d) => `  ${d}`)];
      if (err.hint) lines.push(`${paint(ctx, 'dim', 'hint:')} ${err.hint}`);
      process.stderr.write(lines.join('\n') + '\n');
    }
    if (ctx.debug && err.stack) process.stderr.write(err.stack + '\n');
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${paint(ctx, 'red', 'internal error:')} ${message}\n`);
  if (ctx.debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  else process.stderr.write('hint: this is a bug in Wave; run again with --debug for the stack trace and report it\n');
  return ExitCode.internal;
}
