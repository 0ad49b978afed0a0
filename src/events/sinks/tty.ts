// The human view of a run. On a terminal: one line per step (state, elapsed, attempt, last tool), redrawn in
// place. Anywhere else (CI logs, a file, `wave logs` replay): plain append-only lines for state changes only,
// timed from the events themselves so a replay prints exactly what the live run printed. Every text in an event
// may come from a step (a failure reason, a file name, a host it asked for), so each event is made terminal-safe
// before anything of it is printed; only this sink's own colours are escape codes.
import type { EventSink } from '../bus.js';
import { terminalSafeDeep } from '../terminal-safe.js';
import type { WaveEvent } from '../types.js';

export interface TtyStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface TtySinkOptions {
  stream: TtyStream;
  /** Redraw in place; defaults to whether the stream is a terminal. */
  interactive?: boolean;
  /** ANSI colours; defaults to interactive unless NO_COLOR is set (https://no-color.org). */
  color?: boolean;
  /** Clock for the elapsed time of running steps (tests pin it). */
  now?: () => number;
  /** How often a terminal view refreshes elapsed times. */
  refreshMs?: number;
}

type StepView = {
  stepId: string;
  status: string;
  attempt: number;
  startedAt: number | undefined;
  endedAt: number | undefined;
  lastTool: string;
};

const ICON: Record<string, string> = {
  pending: '·',
  running: '▶',
  retrying: '↻',
  waiting: '⏸',
  completed: '✓',
  failed: '✗',
  timed_out: '⏱',
  cancelled: '■',
  skipped: '-',
};

const COLOUR: Record<string, number> = {
  running: 36,
  retrying: 33,
  waiting: 35,
  completed: 32,
  failed: 31,
  timed_out: 31,
  cancelled: 33,
  skipped: 90,
  pending: 90,
};

export function ttySink(options: TtySinkOptions): EventSink {
  const stream = options.stream;
  const interactive = options.interactive ?? stream.isTTY === true;
  const color = options.color ?? (interactive && !process.env.NO_COLOR);
  const now = options.now ?? Date.now;
  const paint = (code: number | undefined, text: string): string =>
    color && code !== undefined ? `\x1b[${code}m${text}\x1b[0m` : text;

  const steps = new Map<string, StepView>();
  let runStart: number | undefined;
  let linesDrawn = 0;
  const gatesWaiting = new Set<string>();
  // Set by run_completed: the last frame is on screen, with the run's outcome under it; nothing redraws it.
  let finished = false;
  let ticker: NodeJS.Timeout | undefined;
  let redrawPending: NodeJS.Timeout | undefined;

  const stepOf = (stepId: string): StepView => {
    let view = steps.get(stepId);
    if (!view) {
      view = { stepId, status: 'pending', attempt: 0, startedAt: undefined, endedAt: undefined, lastTool: '' };
      steps.set(stepId, view);
    }
    return view;
  };

  // ---- plain, append-only ----

  const stamp = (event: WaveEvent): string => {
    const at = Date.parse(event.time);
    const offset = runStart === undefined ? 0 : (at - runStart) / 1000;
    return paint(90, `[${offset.toFixed(1).padStart(6)}s]`);
  };

  const plainLine = (event: WaveEvent): string | undefined => {
    const step = event.stepId === undefined ? '' : paint(1, event.stepId);
    switch (event.type) {
      case 'run_started':
        return `run ${event.runId} ${event.resumed ? 'resumed' : 'started'}: pipeline ${event.pipeline}`;
      case 'run_completed': {
        const what = `run ${event.runId} ${event.status} in ${seconds(event.durationMs)}`;
        return paint(COLOUR[event.status], event.error ? `${what}: ${event.error}` : what);
      }
      case 'cancel_requested':
        return paint(33, 'cancel requested');
      case 'step_started':
        return `${step} started (attempt ${event.attempt}, ${event.adapter}/${event.model})`;
      case 'step_retrying':
        return paint(
          33,
          `${event.stepId} attempt ${event.attempt} failed (${event.failureClass}: ${event.reason}); ` +
            `retrying in ${seconds(event.delayMs)}`,
        );
      case 'step_completed':
        return `${step} ${paint(32, 'completed')} in ${seconds(event.durationMs)}`;
      case 'step_failed':
        return `${step} ${paint(31, 'failed')} (${event.failureClass}): ${event.reason}`;
      case 'step_timed_out':
        return `${step} ${paint(31, 'timed out')} after ${seconds(event.timeoutMs)}`;
      case 'step_cancelled':
        return `${step} ${paint(33, 'cancelled')}: ${event.reason}`;
      case 'step_skipped':
        return `${step} ${paint(90, 'skipped')}: ${event.reason}`;
      case 'step_reset':
        return `${step} reset (was ${event.from})`;
      case 'step_reused':
        return `${step} ${paint(32, 'reused')} from run ${event.fromRun} (${event.artifacts.length} artifact(s), not run again)`;
      case 'gate_waiting': {
        const until = event.deadline ? ` until ${event.deadline}` : '';
        if (event.kind === 'timer') return `${step} ${paint(35, 'waiting')} (timer)${until}`;
        const asked = event.message ? `: ${event.message}` : '';
        return (
          `${step} ${paint(35, 'waiting')} for an answer${asked}${until}; ` +
          `wave gate approve|reject ${event.runId} ${event.stepId}`
        );
      }
      case 'gate_resolved': {
        if (event.choice === null) return `${step} gate not answered in time (no default)`;
        const note = event.message ? `: ${event.message}` : '';
        return `${step} gate answered '${event.choice}' by ${event.by} (${event.how})${note}`;
      }
      case 'graph_visit':
        return `${step} visit ${event.visit} of at most ${event.maxVisits}`;
      case 'graph_edge':
        return `${step} (${event.outcome}) -> ${paint(1, event.to)}: ${event.why}`;
      case 'contract_result':
        if (event.ok) return undefined;
        return paint(
          event.hard ? 31 : 33,
          `${event.stepId} contract #${event.index} ${event.contractType} ${event.hard ? 'failed' : 'warned'}: ` +
            event.errors.join('; '),
        );
      case 'egress_decision':
        return event.allowed ? undefined : paint(33, `egress denied: ${event.host}:${event.port} (${event.reason})`);
      case 'warning':
        return paint(33, `warning: ${event.message}`);
      case 'loop_iteration_started':
        return `${step} loop iteration ${event.iteration}/${event.maxIterations}`;
      case 'loop_iteration_completed': {
        const read = Object.entries(event.values).map(([ref, value]) => `${ref} = ${value}`);
        const held = event.holds ? paint(32, 'until holds') : 'until does not hold';
        return `${step} loop iteration ${event.iteration}/${event.maxIterations}: ${held} (${read.join(', ')})`;
      }
      case 'changes_recorded':
        return (
          `${event.stepId}: its tree differs from its base in ${event.files} file(s), ` +
          `+${event.additions} -${event.deletions}`
        );
      case 'progress': {
        const count = event.total !== undefined ? ` (${event.current ?? 0}/${event.total})` : '';
        return `${event.phase}: ${event.message}${count}`;
      }
      case 'step_output_truncated':
        return paint(
          33,
          `${event.stepId} ${event.stream}: … ${event.droppedLines} lines (${event.droppedBytes} bytes) dropped … ` +
            `(stored: the first ${event.headBytes} and the last ${event.tailBytes} bytes; resources.stored_output_head/tail)`,
        );
      case 'relay_triggered':
        return paint(
          33,
          `${event.stepId}: context at ${event.contextPercent}% (threshold ${event.thresholdPercent}%): ` +
            `relay ${event.relay}, writing a checkpoint`,
        );
      case 'checkpoint_written':
        return `${event.stepId}: checkpoint ${event.relay} written (${event.path})`;
      case 'relay_resumed':
        return `${event.stepId}: a fresh instance continues from checkpoint ${event.relay}`;
      case 'step_output':
      case 'tool_call':
      case 'usage':
      case 'artifact_collected':
        return undefined;
    }
  };

  // ---- interactive, redrawn in place ----

  const stepLine = (view: StepView, width: number): string => {
    const end = view.endedAt ?? now();
    const elapsed = view.startedAt === undefined ? '' : seconds(end - view.startedAt);
    const attempt = view.attempt > 0 ? `attempt ${view.attempt}` : '';
    const head = `${ICON[view.status] ?? '?'} ${view.stepId} `;
    const status = view.status.padEnd(9);
    const tail = ` ${elapsed.padStart(7)}  ${attempt.padEnd(9)}  ${view.lastTool}`;
    // Truncate before colouring so escape codes never count against the width; a wrapped line would throw
    // the cursor-up arithmetic off by one.
    const plain = head + status + tail;
    if (plain.length <= width) return paint(1, head) + paint(COLOUR[view.status], status) + tail;
    return plain.slice(0, Math.max(0, width - 1)) + '…';
  };

  const clearBlock = (): void => {
    if (linesDrawn > 0) stream.write(`\x1b[${linesDrawn}A\r\x1b[J`);
    linesDrawn = 0;
  };

  const drawBlock = (): void => {
    // While a gate waits the run's terminal may be asking it (cli/gate-prompt.ts): the block is not redrawn over it.
    if (finished || gatesWaiting.size > 0) return;
    const width = Math.max(20, (stream.columns ?? 100) - 1);
    const lines = [...steps.values()].map((view) => stepLine(view, width));
    clearBlock();
    if (lines.length > 0) stream.write(`${lines.join('\n')}\n`);
    linesDrawn = lines.length;
  };

  const scheduleRedraw = (): void => {
    // Agents emit tool calls and output lines in bursts; a frame every 80 ms is smooth and cheap.
    if (redrawPending) return;
    redrawPending = setTimeout(() => {
      redrawPending = undefined;
      drawBlock();
    }, 80);
    redrawPending.unref();
  };

  const printAbove = (line: string): void => {
    clearBlock();
    stream.write(`${line}\n`);
    drawBlock();
  };

  const stopTimers = (): void => {
    if (ticker) clearInterval(ticker);
    if (redrawPending) clearTimeout(redrawPending);
    ticker = undefined;
    redrawPending = undefined;
  };

  const track = (event: WaveEvent): void => {
    const at = Date.parse(event.time);
    // Any later event of the gate step (its answer, its end) means it no longer waits.
    if (event.type === 'gate_waiting') gatesWaiting.add(event.stepId);
    else if (event.stepId !== undefined) gatesWaiting.delete(event.stepId);
    if (event.type === 'run_started') runStart = at;
    if (event.stepId === undefined) return;
    const view = stepOf(event.stepId);
    switch (event.type) {
      case 'step_started':
        view.status = 'running';
        view.attempt = event.attempt;
        // Elapsed counts from the first attempt: retries and backoff are part of what the step cost.
        view.startedAt ??= at;
        view.endedAt = undefined;
        view.lastTool = '';
        break;
      case 'step_retrying':
        view.status = 'retrying';
        break;
      case 'gate_waiting':
        view.status = 'waiting';
        view.attempt = event.attempt;
        view.startedAt ??= at;
        view.endedAt = undefined;
        break;
      case 'step_completed':
      case 'step_failed':
      case 'step_cancelled':
      case 'step_skipped':
      case 'step_timed_out':
        view.status = event.type.slice('step_'.length);
        view.endedAt = at;
        break;
      case 'step_reused':
        view.status = 'completed';
        view.endedAt = at;
        view.lastTool = `reused from ${event.fromRun}`;
        break;
      case 'step_reset':
        view.status = 'pending';
        view.startedAt = undefined;
        view.endedAt = undefined;
        break;
      case 'tool_call':
        view.lastTool = event.input ? `${event.name} ${event.input}` : event.name;
        break;
      default:
        break;
    }
  };

  return {
    name: 'tty',
    write(untrusted) {
      // Output lines are never printed here (`wave logs` prints them); no need to copy megabytes of them.
      const safe = untrusted.type === 'step_output' ? untrusted : terminalSafeDeep(untrusted);
      // A child run's (DESIGN.md "A run is a tree"): its start and end are lines of their own, never the run's
      // end; its steps are named after the step and item that started it (`each[2]/review`).
      if (safe.parentRunId !== undefined && (safe.type === 'run_started' || safe.type === 'run_completed')) {
        const line = plainLine(safe);
        if (line !== undefined && !interactive) stream.write(`${stamp(safe)} ${line}\n`);
        else if (line !== undefined) printAbove(line);
        return;
      }
      const event =
        safe.parentRunId !== undefined && safe.stepId !== undefined ? { ...safe, stepId: childLabel(safe) } : safe;
      track(event);
      const line = plainLine(event);
      if (!interactive) {
        if (line !== undefined) stream.write(`${stamp(event)} ${line}\n`);
        return;
      }
      if (!ticker && event.type === 'run_started') {
        ticker = setInterval(drawBlock, options.refreshMs ?? 1000);
        ticker.unref();
      }
      if (event.type === 'run_completed') {
        // The final screen: the steps as they ended, then the run's outcome once, below them.
        stopTimers();
        drawBlock();
        finished = true;
        linesDrawn = 0; // the frame stays: anything later is written under it, never over it
        if (line !== undefined) stream.write(`${line}\n`);
        return;
      }
      // Step state lines are what the block shows; everything else worth reading scrolls above it.
      const shownInBlock =
        event.type.startsWith('step_') && event.type !== 'step_retrying' && event.type !== 'step_output_truncated';
      if (line !== undefined && !shownInBlock) printAbove(line);
      else scheduleRedraw();
    },
    close() {
      stopTimers();
      if (interactive) drawBlock();
    },
  };
}

function childLabel(event: WaveEvent): string {
  const item = event.itemIndex === undefined ? '' : `[${event.itemIndex}]`;
  return `${event.parentStepId ?? ''}${item}/${event.stepId ?? ''}`;
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.floor((ms % 60_000) / 1000)}s`;
}
