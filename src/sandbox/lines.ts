// Splitting a byte stream into lines with bounded memory. A step may print a 5 MB JSON line (fine) or an endless
// line without a newline (must not take the host down): a line over the limit keeps its first maxLineBytes
// bytes, the rest is counted and dropped until the next newline, and the line says how much was dropped.

export interface SplitLine {
  text: string;
  /** Bytes dropped because the line exceeded the limit; 0 for a whole line. */
  truncatedBytes: number;
}

export const DEFAULT_MAX_LINE_BYTES = 10 * 1024 * 1024;

/** Where to cut `buf` so it does not end inside a multi-byte UTF-8 sequence. */
function utf8SafeEnd(buf: Buffer): number {
  let i = buf.length - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && ((buf[i] ?? 0) & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return buf.length;
  const lead = buf[i] ?? 0;
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return needed > continuation + 1 ? i : buf.length;
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private pendingBytes = 0;
  private droppedBytes = 0;

  constructor(private readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES) {
    if (!(maxLineBytes > 0)) throw new RangeError('maxLineBytes must be positive');
  }

  /** Feeds a chunk; returns the lines it completed (possibly none). */
  push(chunk: Buffer): SplitLine[] {
    const lines: SplitLine[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.append(chunk.subarray(start, nl));
      lines.push(this.finish());
      start = nl + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
    return lines;
  }

  /** Flushes a last line that had no newline. */
  end(): SplitLine[] {
    return this.pendingBytes > 0 || this.droppedBytes > 0 ? [this.finish()] : [];
  }

  private append(segment: Buffer): void {
    const room = this.maxLineBytes - this.pendingBytes;
    if (segment.length <= room) {
      if (segment.length > 0) this.parts.push(segment);
      this.pendingBytes += segment.length;
      return;
    }
    if (room > 0) this.parts.push(segment.subarray(0, room));
    this.pendingBytes = this.maxLineBytes;
    this.droppedBytes += segment.length - room;
  }

  private finish(): SplitLine {
    let buf = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.pendingBytes);
    let dropped = this.droppedBytes;
    if (dropped > 0) {
      // Never hand out half a character: move the cut back to a character boundary.
      const end = utf8SafeEnd(buf);
      dropped += buf.length - end;
      buf = buf.subarray(0, end);
    } else if (buf.length > 0 && buf[buf.length - 1] === 13) {
      buf = buf.subarray(0, buf.length - 1); // CRLF
    }
    this.parts = [];
    this.pendingBytes = 0;
    this.droppedBytes = 0;
    return { text: buf.toString('utf8'), truncatedBytes: dropped };
  }
}

/** The last `maxChars` characters of a stream's lines, for error messages. */
export class TailBuffer {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly maxChars = 64 * 1024) {}

  add(line: string): void {
    const s = line.length >= this.maxChars ? line.slice(line.length - this.maxChars + 1) + '\n' : line + '\n';
    this.chunks.push(s);
    this.size += s.length;
    while (this.size > this.maxChars && this.chunks.length > 1) this.size -= (this.chunks.shift() as string).length;
  }

  toString(): string {
    return this.chunks.join('');
  }
}
