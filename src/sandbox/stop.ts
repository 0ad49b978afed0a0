// When and how a sandboxed command is stopped, the same for every backend: on cancel (the caller's signal), at
// its deadline, after a stall (no output for the stall limit), or when a line consumer threw (the output is then
// unwanted); SIGTERM first, SIGKILL once the grace period is over. The backend supplies only how to deliver a
// signal (to a container, to a process group).
import type { SandboxStatus } from './types.js';

export type StopReason = Extract<SandboxStatus, 'timed_out' | 'stalled' | 'cancelled' | 'stopped'>;

/** Delivers a signal to what runs; must not throw (something already gone is what a stop wants). */
export type SignalTarget = (signal: 'SIGTERM' | 'SIGKILL') => Promise<void> | void;

export interface StopOptions {
  /** Delay between SIGTERM and SIGKILL. */
  graceMs: number;
  /** The caller's cancellation. */
  signal?: AbortSignal | undefined;
  /** The caller's stop on purpose (outputs kept): the reason is then 'stopped'. */
  stopSignal?: AbortSignal | undefined;
  /** Wall-clock limit, counted from attach(). */
  timeoutMs?: number | undefined;
  /** Stall limit: counted from attach() and again from every activity(). */
  stallMs?: number | undefined;
  /** Told once, when a stop begins (for a log line). */
  onStop?: (reason: StopReason) => void;
}

export class StopControl {
  private stopReason: StopReason | undefined;
  private target: SignalTarget | undefined;
  private failure: { err: unknown } | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private stallTimer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly onAbort = () => void this.stop('cancelled');
  private readonly onStopSignal = () => void this.stop('stopped');

  /** Listens to the caller's signal from now on; a stop asked for before attach() waits for the target. */
  constructor(private readonly options: StopOptions) {
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (options.stopSignal?.aborted) this.stopReason = 'stopped';
    else options.stopSignal?.addEventListener('abort', this.onStopSignal, { once: true });
  }

  /** Why the command was stopped, if it was. */
  get reason(): StopReason | undefined {
    return this.stopReason;
  }

  /** The first error a line consumer threw, if one did. */
  get consumerError(): { err: unknown } | undefined {
    return this.failure;
  }

  /** The command runs now: signals go to `target`, the deadline starts, and a stop asked for earlier happens. */
  attach(target: SignalTarget): void {
    this.target = target;
    const { timeoutMs } = this.options;
    if (timeoutMs !== undefined) this.timers.push(setTimeout(() => void this.stop('timed_out'), timeoutMs));
    this.activity();
    if (this.stopReason) void this.signal();
  }

  /** The command printed something: the stall limit counts again from now. */
  readonly activity = (): void => {
    const { stallMs } = this.options;
    if (stallMs === undefined || !this.target || this.stopReason || this.ended) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => void this.stop('stalled'), stallMs);
  };

  /** The command has ended: what follows (copying /wave/out out, the drain) prints nothing and is no stall. */
  commandEnded(): void {
    this.ended = true;
    clearTimeout(this.stallTimer);
  }

  /** Stops the command (once: a later reason does not replace the first). */
  async stop(reason: StopReason): Promise<void> {
    if (this.stopReason) return;
    this.stopReason = reason;
    if (this.target) await this.signal();
  }

  /** For OutputSink: a throwing consumer stops the command, and its error becomes the run's. */
  readonly consumerFailed = (err: unknown): void => {
    this.failure ??= { err };
    void this.stop('cancelled');
  };

  /** Clears the timers and stops listening to the caller's signal; call on every way out. */
  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    clearTimeout(this.stallTimer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.options.stopSignal?.removeEventListener('abort', this.onStopSignal);
  }

  private async signal(): Promise<void> {
    const target = this.target as SignalTarget;
    this.options.onStop?.(this.stopReason as StopReason);
    this.timers.push(setTimeout(() => void target('SIGKILL'), this.options.graceMs));
    await target('SIGTERM');
  }
}
