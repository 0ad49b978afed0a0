// Text output helpers: colour that respects --no-color/NO_COLOR, aligned tables, JSON. Text that may come from a
// step (errors, reasons) goes through terminalSafe before it is printed; JSON is escaped the same way.
import { terminalSafe, terminalSafeJson } from '../events/terminal-safe.js';
import type { CliContext } from './context.js';

export { terminalSafe };

const codes = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Style = keyof typeof codes;

export function paint(ctx: Pick<CliContext, 'color'>, style: Style, text: string): string {
  return ctx.color ? `\u001b[${codes[style]}m${text}\u001b[0m` : text;
}

/** A plain aligned table; columns are as wide as their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n';
}

/** A span of time as a table shows it: "12.3s", or "4m05s" from a minute on. */
export function elapsed(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

export function printJson(value: unknown): void {
  process.stdout.write(terminalSafeJson(value, 2) + '\n');
}

/** A warning that does not stop the command, on stderr (so -o json's stdout stays one document). */
export function warn(ctx: Pick<CliContext, 'color'>, message: string): void {
  process.stderr.write(`${paint(ctx, 'yellow', 'wave: warning:')} ${terminalSafe(message)}\n`);
}
