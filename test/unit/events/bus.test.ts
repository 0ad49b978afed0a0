import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBus, type EventSink } from '../../../src/events/index.js';
import type { WaveEvent } from '../../../src/events/types.js';
import { sampleEvents } from './fixtures.js';

function collector(name = 'collector'): EventSink & { seen: WaveEvent[] } {
  const seen: WaveEvent[] = [];
  return { name, seen, write: (event) => void seen.push(event) };
}

describe('EventBus', () => {
  it('delivers every event to every sink, in order, synchronously', () => {
    const bus = new EventBus();
    const a = collector();
    const b = collector();
    bus.subscribe(a);
    bus.subscribe(b);
    for (const event of sampleEvents()) bus.emit(event);
    assert.deepEqual(a.seen, sampleEvents());
    assert.deepEqual(b.seen, sampleEvents());
  });

  it('keeps going when a sink throws, and reports that sink once', () => {
    const reports: string[] = [];
    const bus = new EventBus({ reportTo: (message) => reports.push(message) });
    const before = collector('before');
    const after = collector('after');
    bus.subscribe(before);
    bus.subscribe({
      name: 'broken',
      write: () => {
        throw new Error('disk full');
      },
    });
    bus.subscribe(after);
    for (const event of sampleEvents()) bus.emit(event);
    assert.equal(before.seen.length, sampleEvents().length);
    assert.equal(after.seen.length, sampleEvents().length, 'sinks after the broken one still get everything');
    assert.equal(reports.length, 1);
    assert.match(reports[0] ?? '', /event sink "broken" failed: disk full/);
  });

  it('survives a failing close and a failing reporter', async () => {
    const bus = new EventBus({
      reportTo: () => {
        throw new Error('stderr gone');
      },
    });
    let closed = false;
    bus.subscribe({
      name: 'bad',
      write: () => {
        throw new Error('x');
      },
      close: () => Promise.reject(new Error('y')),
    });
    bus.subscribe({
      name: 'good',
      write: () => {},
      close: () => {
        closed = true;
      },
    });
    bus.emit(sampleEvents()[0] as WaveEvent);
    await bus.close();
    assert.equal(closed, true);
  });

  it('unsubscribe stops delivery', () => {
    const bus = new EventBus();
    const sink = collector();
    const off = bus.subscribe(sink);
    bus.emit(sampleEvents()[0] as WaveEvent);
    off();
    bus.emit(sampleEvents()[1] as WaveEvent);
    assert.equal(sink.seen.length, 1);
  });
});
