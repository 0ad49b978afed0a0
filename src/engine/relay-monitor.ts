// Watches one agent instance for the context relay: the share of the context window each usage report says is
// in use (stopping the instance once it reaches the threshold), and the transcript the summarizer is given
// (assistant text, tool calls and their results, as the parsed stream tells them), scrubbed as it is recorded
// and bounded: the beginning and the most recent part are kept, the middle is left out.
import type { AdapterEvent } from '../adapters/index.js';
import type { Scrub } from '../audit/index.js';

/** One entry of the transcript is cut to this many characters. */
const ENTRY_CHARS = 2_000;
/** The first entries, up to this many characters, are always kept (the task as the agent began it). */
const HEAD_CHARS = 8_000;
/** Then the latest entries, up to this many characters. */
const TAIL_CHARS = 40_000;

export interface RelayMonitorOptions {
  thresholdPercent: number;
  /** The scrubber of the instance's stream: every secret the step handled, and the shapes of known keys. */
  scrub: Scrub;
  /** The instance's prompt: the summarizer's statement of the task. */
  task: string;
}

export class RelayMonitor {
  private readonly controller = new AbortController();
  private readonly head: string[] = [];
  private readonly tail: string[] = [];
  private headChars = 0;
  private tailChars = 0;
  private leftOut = 0;
  private names = new Map<string, string>();
  private pending: number | undefined;
  private finished = false;
  /** The share of the window in use at the report that crossed the threshold. */
  crossedAt: number | undefined;

  constructor(private readonly options: RelayMonitorOptions) {}

  /** Aborted once a usage report reaches the threshold: the instance is to be stopped and relayed. */
  get stop(): AbortSignal {
    return this.controller.signal;
  }

  get triggered(): boolean {
    return this.crossedAt !== undefined;
  }

  /** A usage report: the share (0–100) of the context window the instance uses now. Acts at settle(). */
  usage(contextPercent: number): void {
    if (this.triggered || contextPercent < this.options.thresholdPercent) return;
    this.pending ??= contextPercent;
  }

  /**
   * After the events of one line: a crossing stops the instance, unless the same line ended the run (Codex and
   * Gemini report usage only with their result: a run that is over is not stopped and relayed).
   */
  settle(): void {
    if (this.pending === undefined || this.triggered || this.finished) return;
    this.crossedAt = this.pending;
    this.controller.abort();
  }

  /** Records what the transcript needs of a parsed stream event. */
  record(event: AdapterEvent): void {
    switch (event.kind) {
      case 'text':
        if (event.text.trim()) this.add(`assistant: ${event.text}`);
        break;
      case 'tool_call':
        this.names.set(event.id, event.name);
        this.add(`tool call ${event.name}: ${JSON.stringify(event.input)}`);
        break;
      case 'tool_result':
        this.add(`tool result ${this.names.get(event.id) ?? ''}${event.isError ? ' (error)' : ''}: ${event.text}`);
        break;
      case 'result':
        this.finished = true;
        break;
      default:
        break;
    }
  }

  /** The instance's prompt, scrubbed and bounded like a transcript entry's start. */
  task(): string {
    const clean = this.options.scrub(this.options.task);
    return clean.length > HEAD_CHARS ? `${clean.slice(0, HEAD_CHARS)} […]` : clean;
  }

  /** The scrubbed transcript, oldest first. */
  transcript(): string {
    const gap = this.leftOut ? [`[… ${this.leftOut} entries left out …]`] : [];
    return [...this.head, ...gap, ...this.tail].join('\n');
  }

  private add(raw: string): void {
    // Scrubbed before it is cut, so that no cut leaves a secret's beginning unrecognised.
    const clean = this.options.scrub(raw);
    const entry = clean.length > ENTRY_CHARS ? `${clean.slice(0, ENTRY_CHARS)} […]` : clean;
    if (this.leftOut === 0 && this.tail.length === 0 && this.headChars + entry.length <= HEAD_CHARS) {
      this.head.push(entry);
      this.headChars += entry.length;
      return;
    }
    this.tail.push(entry);
    this.tailChars += entry.length;
    while (this.tailChars > TAIL_CHARS && this.tail.length > 1) {
      this.tailChars -= (this.tail.shift() as string).length;
      this.leftOut += 1;
    }
  }
}
