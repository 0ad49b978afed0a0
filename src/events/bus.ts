// Synchronous fan-out of events to sinks. A sink is an observer: when one breaks (a full disk under the log
// file, a closed pipe) the run must go on, so its errors are caught here and reported once.
import type { WaveEvent } from './types.js';

export interface EventSink {
  /** Shown when the sink fails, e.g. "ndjson" or "log file". */
  readonly name: string;
  write(event: WaveEvent): void;
  /** Flush and release resources; called by `EventBus.close`. */
  close?(): void | Promise<void>;
}

export interface EventBusOptions {
  /** Where sink failures are reported; stderr unless a test wants them. */
  reportTo?: (message: string) => void;
}

export class EventBus {
  private readonly sinks: EventSink[] = [];
  private readonly reported = new Set<EventSink>();
  private readonly report: (message: string) => void;
  private enrich: ((event: WaveEvent) => WaveEvent) | undefined;

  constructor(options: EventBusOptions = {}) {
    this.report = options.reportTo ?? ((message) => process.stderr.write(`${message}\n`));
  }

  /** Adds a sink; returns a function that removes it again. */
  subscribe(sink: EventSink): () => void {
    this.sinks.push(sink);
    return () => {
      const index = this.sinks.indexOf(sink);
      if (index >= 0) this.sinks.splice(index, 1);
    };
  }

  /** Every event emitted from now on first goes through `fn` (a child run's events gain their parent). */
  enrichWith(fn: (event: WaveEvent) => WaveEvent): void {
    this.enrich = fn;
  }

  emit(raw: WaveEvent): void {
    const event = this.enrich ? this.enrich(raw) : raw;
    // A copy, so a sink that unsubscribes during delivery does not make the loop skip its neighbour.
    for (const sink of [...this.sinks]) {
      try {
        sink.write(event);
      } catch (err) {
        this.reportOnce(sink, err);
      }
    }
  }

  /** Closes every sink (in order), reporting rather than throwing failures. */
  async close(): Promise<void> {
    for (const sink of [...this.sinks]) {
      try {
        await sink.close?.();
      } catch (err) {
        this.reportOnce(sink, err);
      }
    }
    this.sinks.length = 0;
  }

  private reportOnce(sink: EventSink, err: unknown): void {
    // Once per sink: a sink that fails on one event usually fails on all of them, and a thousand identical
    // lines on stderr would bury the run's own output.
    if (this.reported.has(sink)) return;
    this.reported.add(sink);
    const message = err instanceof Error ? err.message : String(err);
    try {
      this.report(`wave: event sink "${sink.name}" failed: ${message} (further errors from it are not shown)`);
    } catch {
      // Nowhere left to report to; the run still goes on.
    }
  }
}
