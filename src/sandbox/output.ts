// One output stream of a sandboxed command: bytes in, lines out to the caller, with a tail kept for error
// messages. Shared by the docker and host backends so both deliver exactly the same lines.
import { LineSplitter, TailBuffer } from './lines.js';
import type { OutputLine, SandboxStream } from './types.js';

export class OutputSink {
  readonly tail = new TailBuffer();
  private readonly splitter: LineSplitter;
  private failure: unknown = undefined;

  constructor(
    private readonly stream: SandboxStream,
    maxLineBytes: number,
    private readonly onLine?: (line: OutputLine) => void | Promise<void>,
    /** A throwing consumer must not wedge the stream: we stop calling it and let the runner stop the step. */
    private readonly onConsumerError?: (err: unknown) => void,
    /** Told of every chunk, a part of a line too: the command is not stalled (StopControl.activity). */
    private readonly onActivity?: () => void,
  ) {
    this.splitter = new LineSplitter(maxLineBytes);
  }

  /** Resolves once every line in `chunk` has been handled (this is what carries backpressure). */
  async write(chunk: Buffer): Promise<void> {
    this.onActivity?.();
    for (const line of this.splitter.push(chunk)) await this.emit(line.text, line.truncatedBytes);
  }

  async end(): Promise<void> {
    for (const line of this.splitter.end()) await this.emit(line.text, line.truncatedBytes);
  }

  private async emit(text: string, truncatedBytes: number): Promise<void> {
    this.tail.add(text);
    if (!this.onLine || this.failure !== undefined) return;
    try {
      await this.onLine({ stream: this.stream, text, truncatedBytes });
    } catch (err) {
      this.failure = err ?? new Error('onLine failed');
      this.onConsumerError?.(this.failure);
    }
  }
}

/** A command's two streams, with the tails the result reports. */
export class CommandOutput {
  readonly stdout: OutputSink;
  readonly stderr: OutputSink;

  constructor(
    maxLineBytes: number,
    onLine?: (line: OutputLine) => void | Promise<void>,
    onConsumerError?: (err: unknown) => void,
    onActivity?: () => void,
  ) {
    this.stdout = new OutputSink('stdout', maxLineBytes, onLine, onConsumerError, onActivity);
    this.stderr = new OutputSink('stderr', maxLineBytes, onLine, onConsumerError, onActivity);
  }

  tails(): { stdoutTail: string; stderrTail: string } {
    return { stdoutTail: this.stdout.tail.toString(), stderrTail: this.stderr.tail.toString() };
  }
}
