// The bound on stored step output: head emitted as it comes, tail held and emitted at the end, what lies between
// counted in one marker; huge lines cut on a character boundary; a flood of empty lines bounded too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createOutputRecorder,
  cutUtf8,
  LINE_OVERHEAD_BYTES,
  storedOutputBounds,
  DEFAULT_STORED_OUTPUT_HEAD,
  DEFAULT_STORED_OUTPUT_TAIL,
  type OutputBounds,
} from '../../../src/engine/output-budget.js';
import type { StepOutputEvent, StepOutputTruncatedEvent } from '../../../src/events/types.js';
import type { Manifest, Step } from '../../../src/config/types.js';

type Emitted = StepOutputEvent | StepOutputTruncatedEvent;

function recorder(bounds: OutputBounds) {
  const events: Emitted[] = [];
  const rec = createOutputRecorder({ bounds, runId: 'r', stepId: 's', attempt: 1, emit: (e) => events.push(e) });
  return {
    rec,
    events,
    lines: () => events.filter((e): e is StepOutputEvent => e.type === 'step_output').map((e) => e.line),
  };
}

/** What one stored line of `text` costs against the bound. */
const cost = (text: string) => Buffer.byteLength(text) + 1 + LINE_OVERHEAD_BYTES;

describe('createOutputRecorder', () => {
  it('stores everything, with no marker, when the output fits', () => {
    const { rec, events, lines } = recorder({ headBytes: 10_000, tailBytes: 10_000 });
    for (let i = 0; i < 20; i++) rec.line('stdout', `line ${i}`);
    assert.equal(events.length, 20, 'all emitted as they came');
    rec.finish();
    assert.deepEqual(
      lines(),
      Array.from({ length: 20 }, (_, i) => `line ${i}`),
    );
    assert.ok(events.every((e) => e.type === 'step_output' && e.truncatedBytes === undefined));
  });

  it('keeps the head at once and the tail at the end, and counts exactly what was dropped between', () => {
    const line = (i: number) => `line ${String(i).padStart(6, '0')}`; // 11 bytes each
    const per = cost(line(0));
    const { rec, events, lines } = recorder({ headBytes: per * 10, tailBytes: per * 5 });
    const total = 1000;
    for (let i = 0; i < total; i++) rec.line('stdout', line(i));
    assert.equal(events.length, 10, 'only the head is emitted while the step runs');
    rec.finish();
    const marker = events.find((e): e is StepOutputTruncatedEvent => e.type === 'step_output_truncated');
    assert.ok(marker, 'a truncation marker');
    assert.deepEqual(
      {
        lines: marker.droppedLines,
        bytes: marker.droppedBytes,
        head: marker.headBytes,
        tail: marker.tailBytes,
        stream: marker.stream,
      },
      { lines: total - 15, bytes: (total - 15) * (11 + 1), head: per * 10, tail: per * 5, stream: 'stdout' },
    );
    assert.equal(events.indexOf(marker), 10, 'the marker sits between head and tail');
    assert.deepEqual(lines(), [
      ...Array.from({ length: 10 }, (_, i) => line(i)),
      ...Array.from({ length: 5 }, (_, i) => line(total - 5 + i)),
    ]);
  });

  it('bounds each stream on its own and interleaves the tails as they were printed', () => {
    const { rec, events } = recorder({ headBytes: cost('x') * 2, tailBytes: cost('x') * 2 });
    for (let i = 0; i < 10; i++) {
      rec.line('stdout', 'o');
      rec.line('stderr', 'e');
    }
    rec.finish();
    const markers = events.filter((e) => e.type === 'step_output_truncated');
    assert.deepEqual(
      markers.map((m) => [m.stream, m.droppedLines, m.droppedBytes]),
      [
        ['stdout', 6, 12],
        ['stderr', 6, 12],
      ],
    );
    const tail = events
      .slice(events.indexOf(markers[1] as Emitted) + 1)
      .map((e) => (e.type === 'step_output' ? e.stream : ''));
    assert.deepEqual(tail, ['stdout', 'stderr', 'stdout', 'stderr']);
  });

  it('cuts a line larger than the head on a character boundary and counts the rest', () => {
    const { rec, events } = recorder({ headBytes: 1000, tailBytes: 1000 });
    const huge = 'é'.repeat(50_000); // 100,000 bytes of two-byte characters
    rec.line('stdout', huge, 7); // the line splitter already cut 7 bytes
    rec.line('stdout', 'next');
    rec.finish();
    const first = events[0] as StepOutputEvent;
    const kept = Buffer.byteLength(first.line);
    assert.ok(kept <= 1000 - LINE_OVERHEAD_BYTES - 1 && kept >= 1000 - LINE_OVERHEAD_BYTES - 2, `kept ${kept} bytes`);
    assert.equal(first.line, 'é'.repeat(kept / 2), 'no half character');
    assert.equal(first.truncatedBytes, 100_000 - kept + 7);
    const marker = events.find((e): e is StepOutputTruncatedEvent => e.type === 'step_output_truncated');
    assert.deepEqual([marker?.droppedLines, marker?.droppedBytes], [0, 100_000 - kept + 7]);
    assert.equal((events.at(-1) as StepOutputEvent).line, 'next', 'the next line goes to the tail');
  });

  it('cuts a huge line in the tail to the tail bound', () => {
    const { rec, events } = recorder({ headBytes: 2000, tailBytes: 1000 });
    rec.line('stdout', 'head');
    rec.line('stdout', 'x'.repeat(1850)); // does not fit what is left of the head: goes to the tail
    rec.line('stdout', 'y'.repeat(1_000_000));
    rec.finish();
    const stored = events.filter((e): e is StepOutputEvent => e.type === 'step_output');
    assert.deepEqual(
      stored.map((e) => [e.line[0], e.line.length]),
      [
        ['h', 4],
        ['y', 1000 - LINE_OVERHEAD_BYTES - 1],
      ],
    );
    const marker = events.find((e): e is StepOutputTruncatedEvent => e.type === 'step_output_truncated');
    assert.deepEqual(
      [marker?.droppedLines, marker?.droppedBytes],
      [1, 1851 + (1_000_000 - (1000 - LINE_OVERHEAD_BYTES - 1))],
    );
  });

  it('a flood of empty lines stores a bounded number of them', () => {
    const { rec, events } = recorder({ headBytes: 64 * 1024, tailBytes: 64 * 1024 });
    for (let i = 0; i < 200_000; i++) rec.line('stdout', '');
    rec.finish();
    const stored = events.filter((e) => e.type === 'step_output').length;
    assert.equal(stored, 2 * Math.floor((64 * 1024) / cost('')));
    const marker = events.find((e): e is StepOutputTruncatedEvent => e.type === 'step_output_truncated');
    assert.deepEqual([marker?.droppedLines, marker?.droppedBytes], [200_000 - stored, 200_000 - stored]);
  });

  it('finish emits once, and lines after it are ignored', () => {
    const { rec, events } = recorder({ headBytes: cost('a'), tailBytes: cost('a') });
    for (const l of ['a', 'b', 'c']) rec.line('stdout', l);
    rec.finish();
    const n = events.length;
    rec.finish();
    rec.line('stdout', 'late');
    assert.equal(events.length, n);
  });
});

describe('cutUtf8', () => {
  it('never splits a character', () => {
    assert.equal(cutUtf8('aé', 2), 'a');
    assert.equal(cutUtf8('a😀', 4), 'a');
    assert.equal(cutUtf8('a😀', 5), 'a😀');
    assert.equal(cutUtf8('abc', 0), '');
  });
});

describe('storedOutputBounds', () => {
  const manifest = (runtime: object, persona?: object) =>
    ({
      runtime: { sandbox: { resources: runtime } },
      personas: persona ? { p: { resources: persona } } : {},
    }) as unknown as Manifest;
  it('defaults to 1 MiB head and 1 MiB tail', () => {
    assert.deepEqual(storedOutputBounds(manifest({}), { id: 's' } as Step), {
      headBytes: DEFAULT_STORED_OUTPUT_HEAD,
      tailBytes: DEFAULT_STORED_OUTPUT_TAIL,
    });
    assert.equal(DEFAULT_STORED_OUTPUT_HEAD, 1024 * 1024);
  });
  it('reads sizes from the runtime, overridden by the persona', () => {
    const m = manifest({ stored_output_head: '64k', stored_output_tail: '2MiB' }, { stored_output_tail: 4096 });
    assert.deepEqual(storedOutputBounds(m, { id: 's' } as Step), { headBytes: 65_536, tailBytes: 2 * 1024 * 1024 });
    assert.deepEqual(storedOutputBounds(m, { id: 's', persona: 'p' } as Step), { headBytes: 65_536, tailBytes: 4096 });
  });
});
