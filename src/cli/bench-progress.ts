// How `wave bench run` shows itself: NDJSON with -o json; on a TTY one line per finished task above a progress line
// rewritten in place (done/failed/running, ETA); otherwise the finished tasks' lines only.
import type { BenchEvent } from '../bench/events.js';
import { terminalSafe, terminalSafeJson } from '../events/terminal-safe.js';
import type { CliContext } from './context.js';
import { elapsed, paint } from './render.js';

export interface BenchView {
  onEvent(event: BenchEvent): void;
  close(): void;
}

export function benchView(ctx: CliContext, stream: NodeJS.WriteStream = process.stdout): BenchView {
  if (ctx.output === 'json') {
    return { onEvent: (e) => stream.write(`${terminalSafeJson(e)}\n`), close: () => undefined };
  }
  const tty = Boolean(stream.isTTY);
  const state = { total: 0, done: 0, resolved: 0, failed: 0, running: 0, finishedNow: 0, started: Date.now() };
  let shown = false;
  const clear = () => {
    if (tty && shown) stream.write('\r\u001b[2K');
    shown = false;
  };
  const progress = () => {
    if (!tty) return;
    const left = state.total - state.done;
    const eta =
      state.finishedNow > 0 && left > 0
        ? ` · ETA ${elapsed(((Date.now() - state.started) / state.finishedNow) * left)}`
        : '';
    const line =
      `bench: ${state.done}/${state.total} done (${state.resolved} resolved, ${state.failed} failed)` +
      ` · ${state.running} running${eta}`;
    stream.write(`\r\u001b[2K${line}`);
    shown = true;
  };
  const print = (text: string) => {
    clear();
    stream.write(`${terminalSafe(text)}\n`);
    progress();
  };
  return {
    onEvent(e) {
      switch (e.type) {
        case 'bench_started':
          Object.assign(state, { total: e.tasks, done: e.done });
          print(`bench ${e.benchId}: ${e.tasks} task(s), ${e.done} done already${skipped(e.skippedBad)}`);
          return;
        case 'task_skipped':
          clear();
          process.stderr.write(
            `${paint(ctx, 'yellow', 'wave: skipped:')} ${terminalSafe(`${e.where}: ${e.message}`)}\n`,
          );
          progress();
          return;
        case 'task_started':
          state.running++;
          progress();
          return;
        case 'task_released':
          state.running--;
          progress();
          return;
        case 'task_finished': {
          state.running--;
          state.done++;
          state.finishedNow++;
          if (e.outcome === 'resolved') state.resolved++;
          else state.failed++;
          const label =
            e.outcome === 'resolved'
              ? paint(ctx, 'green', 'resolved')
              : e.outcome === 'unresolved'
                ? paint(ctx, 'red', 'unresolved')
                : paint(ctx, 'yellow', `error (${e.failureClass})`);
          print(`${e.taskId}: ${label}${e.reason ? ` — ${e.reason}` : ''}`);
          return;
        }
        case 'bench_finished':
          clear();
          stream.write(
            `bench ${e.benchId} ${e.status}: ${e.resolved} resolved, ${e.unresolved} unresolved, ` +
              `${e.errors} error(s)${e.pending ? `, ${e.pending} not run` : ''} · wave bench report ${e.benchId}\n`,
          );
          return;
      }
    },
    close: clear,
  };
}

function skipped(n: number): string {
  return n ? `, ${n} skipped (unreadable)` : '';
}
