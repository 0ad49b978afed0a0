import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { EventBus, ndjsonSink } from '../../../src/events/index.js';
import { sampleEvents } from './fixtures.js';

describe('ndjsonSink', () => {
  it('writes one parseable JSON object per line', async () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const sink = ndjsonSink(stream);
    for (const event of sampleEvents()) sink.write(event);
    stream.end();
    await new Promise((resolve) => stream.on('end', resolve));
    const text = Buffer.concat(chunks).toString('utf8');
    assert.ok(text.endsWith('\n'));
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, sampleEvents().length);
    assert.deepEqual(
      lines.map((line) => JSON.parse(line) as unknown),
      sampleEvents(),
    );
  });

  it('honours a filter', () => {
    const out: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        out.push(chunk.toString());
        done();
      },
    });
    const sink = ndjsonSink(stream, { filter: (event) => event.type !== 'step_output' });
    for (const event of sampleEvents()) sink.write(event);
    assert.equal(out.length, sampleEvents().length - 1);
  });

  it('stops quietly on EPIPE (reader went away) without crashing the run', async () => {
    let writes = 0;
    const stream = new Writable({
      write(_chunk, _enc, done) {
        writes++;
        const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        done(err);
      },
    });
    const reports: string[] = [];
    const bus = new EventBus({ reportTo: (m) => reports.push(m) });
    bus.subscribe(ndjsonSink(stream));
    bus.emit(sampleEvents()[0]!);
    await new Promise((resolve) => setImmediate(resolve));
    for (const event of sampleEvents()) bus.emit(event);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writes, 1, 'nothing more is written after the pipe closed');
    assert.deepEqual(reports, []);
  });
});
