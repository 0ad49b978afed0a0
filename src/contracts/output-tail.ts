// The end of a command's combined output, bounded in lines and bytes, for error messages: enough to see why tests
// failed, small enough for a retry prompt. Lines arrive interleaved from stdout and stderr, in arrival order.

export const TAIL_MAX_LINES = 50;
export const TAIL_MAX_BYTES = 8 * 1024;

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
    if (Buffer.byteLength(text) > this.maxBytes) {
      // Keep the end of an enormous line: its start is what scrolled away.
      text = `…${Buffer.from(text).subarray(-this.maxBytes + 4).toString('utf8').replace(/^\uFFFD+/, '')}`;
    }
    this.lines.push(text);
    this.bytes += Buffer.byteLength(text) + 1;
    while (this.lines.length > this.maxLines || this.bytes > this.maxBytes) {
      const first = this.lines.shift() as string;
      this.bytes -= Buffer.byteLength(first) + 1;
      this.dropped++;
    }
  }

  /** The kept lines, preceded by a note of how many earlier lines were left out. */
  toString(): string {
    const body = this.lines.join('\n');
    return this.dropped > 0 ? `… (${this.dropped} earlier lines omitted)\n${body}` : body;
  }

  get empty(): boolean {
    return this.lines.length === 0;
  }
}
