// How much of a step's output Wave keeps. Everything that persists output (the state db's events, the run's log
// file) is fed from the `step_output` events, so the bound is applied here, where those events are made: per
// attempt and per stream, the first `stored_output_head` bytes are emitted as they come, the last
// `stored_output_tail` bytes are held in a ring and emitted when the container has ended, and what fell in
// between is counted and reported by one `step_output_truncated` event between the two. Memory stays bounded
// however much a step prints: the head is not held at all, the tail never holds more than its bound.
import type { Manifest, Resources, Step } from '../config/types.js';
import { parseMemory } from '../config/units.js';
import { eventTime, type StepOutputEvent, type StepOutputTruncatedEvent } from '../events/types.js';

export const DEFAULT_STORED_OUTPUT_HEAD = 1024 * 1024;
export const DEFAULT_STORED_OUTPUT_TAIL = 1024 * 1024;

/**
 * Each stored line also counts this many bytes against the bound: about what its record costs in state.db and
 * the log file beyond its text. Without it a flood of empty lines would be "small" and still make a million rows.
 */
export const LINE_OVERHEAD_BYTES = 100;

export interface OutputBounds {
  headBytes: number;
  tailBytes: number;
}

type Stream = 'stdout' | 'stderr';

/** A line on its way to being stored. `cutBytes`: bytes already cut from its end (the line splitter's limit). */
export interface BoundedLine {
  text: string;
  cutBytes: number;
  time: string;
  /** Print order across both streams, so the stored tails interleave as they were printed. */
  seq: number;
}

export interface StreamSummary {
  /** Whole lines not stored, and every byte not stored (newlines included); undefined when nothing was lost. */
  dropped: { lines: number; bytes: number } | undefined;
  /** The tail, oldest first, to be stored after the head. */
  tail: BoundedLine[];
}

/** The bounds for a step: the runtime's `resources`, overridden by its persona's. */
export function storedOutputBounds(manifest: Manifest, step: Step): OutputBounds {
  const runtime = manifest.runtime.sandbox.resources;
  const persona = step.persona ? manifest.personas[step.persona]?.resources : undefined;
  const merged: Resources = { ...runtime, ...persona };
  return {
    headBytes: size(merged.stored_output_head, DEFAULT_STORED_OUTPUT_HEAD, 'stored_output_head'),
    tailBytes: size(merged.stored_output_tail, DEFAULT_STORED_OUTPUT_TAIL, 'stored_output_tail'),
  };
}

function size(value: string | number | undefined, fallback: number, key: string): number {
  if (value === undefined) return fallback;
  const bytes = parseMemory(value);
  // The manifest check refuses a bad size with file:line before any run; reaching here with one is a bug.
  if (bytes === undefined) throw new Error(`resources.${key} '${String(value)}' is not a size`);
  return bytes;
}

/** The bound of one stream. Pure bookkeeping: it decides, the recorder below makes the events. */
export class StreamBudget {
  private headUsed = 0;
  private headClosed = false;
  private readonly tail = new LineQueue();
  private tailUsed = 0;
  private droppedLines = 0;
  private droppedBytes = 0;

  constructor(private readonly bounds: OutputBounds) {}

  /** The line as stored now (part of the head, possibly cut), or undefined when it is held for the tail. */
  admit(line: BoundedLine): BoundedLine | undefined {
    const bytes = Buffer.byteLength(line.text, 'utf8');
    if (!this.headClosed) {
      const room = this.bounds.headBytes - this.headUsed;
      if (cost(bytes) <= room) {
        this.headUsed += cost(bytes);
        this.droppedBytes += line.cutBytes;
        return line;
      }
      this.headClosed = true;
      // A line bigger than the whole head is cut to what is left of it, so one endless line still shows its start;
      // an ordinary line that just does not fit goes to the tail whole.
      if (cost(bytes) > this.bounds.headBytes && room > cost(0)) {
        const kept = cutUtf8(line.text, room - cost(0));
        const cut = bytes - Buffer.byteLength(kept, 'utf8');
        this.headUsed = this.bounds.headBytes;
        this.droppedBytes += line.cutBytes + cut;
        return { ...line, text: kept, cutBytes: line.cutBytes + cut };
      }
    }
    this.hold(line, bytes);
    return undefined;
  }

  /** Ends the stream: what was dropped, and the tail to store. */
  finish(): StreamSummary {
    const tail = this.tail.drain();
    for (const held of tail) this.droppedBytes += held.cutBytes;
    const dropped =
      this.droppedLines > 0 || this.droppedBytes > 0
        ? { lines: this.droppedLines, bytes: this.droppedBytes }
        : undefined;
    return { dropped, tail: tail.map(({ keptBytes: _keptBytes, ...line }) => line) };
  }

  private hold(line: BoundedLine, bytes: number): void {
    let held: HeldLine = { ...line, keptBytes: bytes };
    if (cost(bytes) > this.bounds.tailBytes) {
      const text = cutUtf8(line.text, Math.max(0, this.bounds.tailBytes - cost(0)));
      const keptBytes = Buffer.byteLength(text, 'utf8');
      held = { ...line, text, keptBytes, cutBytes: line.cutBytes + bytes - keptBytes };
    }
    this.tail.push(held);
    this.tailUsed += cost(held.keptBytes);
    while (this.tailUsed > this.bounds.tailBytes) {
      const oldest = this.tail.shift();
      if (!oldest) break;
      this.tailUsed -= cost(oldest.keptBytes);
      this.droppedLines += 1;
      this.droppedBytes += oldest.keptBytes + 1 + oldest.cutBytes;
    }
  }
}

/** What storing a line of `bytes` bytes costs against the bound: its text, its newline and its record. */
function cost(bytes: number): number {
  return bytes + 1 + LINE_OVERHEAD_BYTES;
}

/** The longest prefix of `text` that is at most `maxBytes` bytes of UTF-8 and does not split a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  // buf[end] is the first byte left out; while it continues a character, that character is left out whole.
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

interface HeldLine extends BoundedLine {
  keptBytes: number;
}

/** A FIFO with O(1) shift: a flood of lines through the tail must not cost a copy of the tail per line. */
class LineQueue {
  private items: (HeldLine | undefined)[] = [];
  private start = 0;

  push(item: HeldLine): void {
    this.items.push(item);
  }

  shift(): HeldLine | undefined {
    if (this.start >= this.items.length) return undefined;
    const item = this.items[this.start];
    this.items[this.start] = undefined;
    this.start += 1;
    if (this.start > 1024 && this.start * 2 > this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
    return item;
  }

  drain(): HeldLine[] {
    const rest = this.items.slice(this.start) as HeldLine[];
    this.items = [];
    this.start = 0;
    return rest;
  }
}

export interface OutputRecorder {
  /** One line the container printed, already scrubbed; `cutBytes` is what the line splitter cut from it. */
  line(stream: Stream, text: string, cutBytes?: number): void;
  /** The container has ended: emits each stream's truncation marker, then the tails. Later calls do nothing. */
  finish(): void;
}

export interface OutputRecorderOptions {
  bounds: OutputBounds;
  runId: string;
  stepId: string;
  attempt: number;
  emit: (event: StepOutputEvent | StepOutputTruncatedEvent) => void;
}

/** The `step_output` events of one attempt, bounded per stream. */
export function createOutputRecorder(options: OutputRecorderOptions): OutputRecorder {
  const { bounds, runId, stepId, attempt, emit } = options;
  const budgets: Record<Stream, StreamBudget> = { stdout: new StreamBudget(bounds), stderr: new StreamBudget(bounds) };
  let sequence = 0;
  let finished = false;
  const output = (stream: Stream, line: BoundedLine): StepOutputEvent => ({
    type: 'step_output',
    runId,
    stepId,
    attempt,
    time: line.time,
    stream,
    line: line.text,
    ...(line.cutBytes > 0 ? { truncatedBytes: line.cutBytes } : {}),
  });

  return {
    line(stream, text, cutBytes = 0) {
      if (finished) return;
      const stored = budgets[stream].admit({ text, cutBytes, time: eventTime(), seq: sequence++ });
      if (stored) emit(output(stream, stored));
    },
    finish() {
      if (finished) return;
      finished = true;
      const tails: { stream: Stream; line: BoundedLine }[] = [];
      for (const stream of ['stdout', 'stderr'] as const) {
        const summary = budgets[stream].finish();
        if (summary.dropped) {
          emit({
            type: 'step_output_truncated',
            runId,
            stepId,
            attempt,
            time: eventTime(),
            stream,
            droppedLines: summary.dropped.lines,
            droppedBytes: summary.dropped.bytes,
            headBytes: bounds.headBytes,
            tailBytes: bounds.tailBytes,
          });
        }
        for (const line of summary.tail) tails.push({ stream, line });
      }
      for (const { stream, line } of tails.sort((a, b) => a.line.seq - b.line.seq)) emit(output(stream, line));
    },
  };
}
