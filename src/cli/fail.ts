// The single place where errors become output and an exit code. User errors print one line and a hint;
// only --debug (or a bug) shows a stack.
import { ExitCode, isWaveError } from '../errors.js';
import type { CliContext } from './context.js';
import { paint, terminalSafe } from './render.js';
import { terminalSafeJson } from '../events/terminal-safe.js';

export function reportError(err: unknown, ctx: Pick<CliContext, 'output' | 'color' | 'debug'>): number {
  if (isWaveError(err)) {
    if (ctx.output === 'json') {
      process.stdout.write(
        terminalSafeJson({ error: { code: err.code, message: err.message, details: err.details, hint: err.hint } }) +
          '\n',
      );
    } else {
      // A message may quote what a step wrote (a file name in /wave/out, an exit reason): printed terminal-safe.
      const lines = [
        `${paint(ctx, 'red', 'error:')} ${terminalSafe(err.message)}`,
        ...err.details.map((d) => `  ${terminalSafe(d)}`),
      ];
      if (err.hint) lines.push(`${paint(ctx, 'dim', 'hint:')} ${terminalSafe(err.hint)}`);
      process.stderr.write(lines.join('\n') + '\n');
    }
    if (ctx.debug && err.stack) process.stderr.write(err.stack + '\n');
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${paint(ctx, 'red', 'internal error:')} ${terminalSafe(message)}\n`);
  if (ctx.debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  else process.stderr.write('hint: this is a bug in Wave; run again with --debug for the stack trace and report it\n');
  return ExitCode.internal;
}
