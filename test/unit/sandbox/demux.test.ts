import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { DockerDemuxer, type ChunkSink } from '../../../src/sandbox/docker/demux.js';

function frame(type: number, payload: string): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(Buffer.byteLength(payload), 4);
  return Buffer.concat([header, Buffer.from(payload)]);
}

function collector(delayMs = 0): ChunkSink & { data: string; ended: boolean } {
  const sink = {
    data: '',
    ended: false,
    async write(chunk: Buffer) {
      if (delayMs) await delay(delayMs);
      sink.data += chunk.toString();
    },
    async end() {
      sink.ended = true;
    },
  };
  return sink;
}

describe('DockerDemuxer', () => {
  it('separates stdout and stderr frames, whatever the chunking', async () => {
    const bytes = Buffer.concat([
      frame(1, 'out1\n'),
      frame(2, 'err1\n'),
      frame(1, ''),
      frame(1, 'out2\n'),
      frame(2, 'err2'),
    ]);
    for (const size of [1, 3, 7, 8, 9, bytes.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const out = collector();
      const err = collector();
      await pipeline(Readable.from(chunks), new DockerDemuxer(out, err));
      assert.equal(out.data, 'out1\nout2\n', `chunk size ${size}`);
      assert.equal(err.data, 'err1\nerr2');
      assert.ok(out.ended && err.ended);
    }
  });

  it('applies backpressure: the source is not drained faster than the sink consumes', async () => {
    let produced = 0;
    const source = new Readable({
      highWaterMark: 1,
      read() {
        produced++;
        this.push(produced > 200 ? null : frame(1, 'x'.repeat(32 * 1024)));
      },
    });
    let consumed = 0;
    let maxAhead = 0;
    const slow: ChunkSink = {
      async write() {
        maxAhead = Math.max(maxAhead, produced - consumed);
        await delay(1);
        consumed++;
      },
      async end() {},
    };
    await pipeline(source, new DockerDemuxer(slow, collector()));
    assert.equal(consumed, 200);
    // Only a few frames may be buffered between the socket and the consumer, never the whole stream.
    assert.ok(maxAhead < 10, `producer ran ${maxAhead} frames ahead`);
  });
});
