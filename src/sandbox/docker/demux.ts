// Demultiplexes Docker's attach stream (non-TTY): frames of [type, 0, 0, 0, size (uint32 BE)] + payload, type 1 =
// stdout, 2 = stderr. docker-modem's demuxStream ignores backpressure and re-concatenates its buffer per chunk;
// this Writable hands each payload slice to its sink and only asks for more once the sink is done, so a slow
// consumer slows the engine's socket instead of growing the heap.
import { Writable } from 'node:stream';

export interface ChunkSink {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
}

export class DockerDemuxer extends Writable {
  private readonly header = Buffer.alloc(8);
  private headerBytes = 0;
  private remaining = 0;
  private target: ChunkSink | null = null;

  constructor(
    private readonly stdout: ChunkSink,
    private readonly stderr: ChunkSink,
  ) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.consume(chunk).then(
      () => callback(),
      (err: unknown) => callback(err as Error),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    Promise.all([this.stdout.end(), this.stderr.end()]).then(
      () => callback(),
      (err: unknown) => callback(err as Error),
    );
  }

  private async consume(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(8 - this.headerBytes, chunk.length - offset);
        chunk.copy(this.header, this.headerBytes, offset, offset + take);
        this.headerBytes += take;
        offset += take;
        if (this.headerBytes < 8) return;
        this.headerBytes = 0;
        this.remaining = this.header.readUInt32BE(4);
        // 0 would be stdin (never sent back); anything but 2 goes to stdout like the docker CLI does.
        this.target = this.header[0] === 2 ? this.stderr : this.stdout;
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - offset);
      const payload = chunk.subarray(offset, offset + take);
      offset += take;
      this.remaining -= take;
      await (this.target ?? this.stdout).write(payload);
    }
  }
}
