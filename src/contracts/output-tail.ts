// The end of a command's output, bounded in lines and bytes, for error messages: enough to see why tests failed,
// small enough for a retry prompt. stdout and stderr are kept apart: the engine delivers each stream in order, but
// not the order between them, so an interleaved tail could put a test runner's failure line far from its end.

export const TAIL_MAX_LINES = 50;
export const TAIL_MAX_BYTES = 8 * 1024;

const bytesOf = (s: string) => Buffer.byteLength(s) + 1;

/** The last lines of one stream. */
export class OutputTail {
  private lines: string[] = [];
  private bytes = 0;
  private dropped = 0;

  constructor(
    private readonly maxLines = TAIL_MAX_LINES,
    private readonly maxBytes = TAIL_MAX_BYTES,
  ) {}

  push(line: string): void {
    let text = line;
    if (Buffer.byteLength(text) > this.maxBytes - 8) {
      // Keep the end of an enormous line: its start is what scrolled away.
      text = `…${Buffer.from(text)
        .subarray(-(this.maxBytes - 8))
        .toString('utf8')
        .replace(/^\uFFFD+/, '')}`;
    }
    this.lines.push(text);
    this.bytes += bytesOf(text);
    while (this.lines.length > this.maxLines || this.bytes > this.maxBytes) {
      this.bytes -= bytesOf(this.lines.shift() as string);
      this.dropped++;
    }
  }

  get lineCount(): number {
    return this.lines.length;
  }

  get byteCount(): number {
    return this.bytes;
  }

  get empty(): boolean {
    return this.lines.length === 0;
  }

  /** The last lines within the limits, preceded by a note of how many earlier lines were left out. */
  render(maxLines = this.maxLines, maxBytes = this.maxBytes): string {
    const kept: string[] = [];
    let size = 0;
    for (let i = this.lines.length - 1; i >= 0 && kept.length < maxLines; i--) {
      const line = this.lines[i] as string;
      if (size + bytesOf(line) > maxBytes && kept.length > 0) break;
      kept.unshift(line);
      size += bytesOf(line);
    }
    const omitted = this.dropped + this.lines.length - kept.length;
    return omitted > 0 ? `… (${omitted} earlier lines omitted)\n${kept.join('\n')}` : kept.join('\n');
  }

  toString(): string {
    return this.render();
  }
}

/** stdout and stderr tails sharing one budget; a stream that needs less leaves the rest to the other. */
export class StreamTails {
  readonly stdout = new OutputTail();
  readonly stderr = new OutputTail();

  push(stream: 'stdout' | 'stderr', line: string): void {
    this[stream].push(line);
  }

  get empty(): boolean {
    return this.stdout.empty && this.stderr.empty;
  }

  toString(): string {
    if (this.stderr.empty) return this.stdout.render();
    if (this.stdout.empty) return this.stderr.render();
    const errLines = Math.min(
      this.stderr.lineCount,
      Math.max(TAIL_MAX_LINES / 2, TAIL_MAX_LINES - this.stdout.lineCount),
    );
    const errBytes = Math.min(
      this.stderr.byteCount,
      Math.max(TAIL_MAX_BYTES / 2, TAIL_MAX_BYTES - this.stdout.byteCount),
    );
    return [
      '[stdout]',
      this.stdout.render(TAIL_MAX_LINES - errLines, TAIL_MAX_BYTES - errBytes),
      '[stderr]',
      this.stderr.render(errLines, errBytes),
    ].join('\n');
  }
}
