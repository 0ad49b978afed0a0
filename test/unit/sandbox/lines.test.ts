import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter, TailBuffer } from '../../../src/sandbox/lines.js';

const texts = (lines: { text: string }[]) => lines.map((l) => l.text);

describe('LineSplitter', () => {
  it('splits on \\n across chunk boundaries, strips \\r, flushes a last line without newline', () => {
    const s = new LineSplitter(100);
    assert.deepEqual(texts(s.push(Buffer.from('ab'))), []);
    assert.deepEqual(texts(s.push(Buffer.from('c\r\nde\n\nf'))), ['abc', 'de', '']);
    assert.deepEqual(texts(s.push(Buffer.from('g'))), []);
    assert.deepEqual(texts(s.end()), ['fg']);
    assert.deepEqual(s.end(), []);
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const bytes = Buffer.from('é✓\n');
    const s = new LineSplitter(100);
    const out = [...s.push(bytes.subarray(0, 1)), ...s.push(bytes.subarray(1, 3)), ...s.push(bytes.subarray(3))];
    assert.deepEqual(texts(out), ['é✓']);
  });

  it('truncates an over-long line, counts the dropped bytes, and recovers at the next newline', () => {
    const s = new LineSplitter(10);
    const lines = [...s.push(Buffer.from('0123456789abcdef')), ...s.push(Buffer.from('ghij\nok\n'))];
    assert.deepEqual(lines, [
      { text: '0123456789', truncatedBytes: 10 },
      { text: 'ok', truncatedBytes: 0 },
    ]);
  });

  it('never cuts inside a UTF-8 character when truncating', () => {
    const s = new LineSplitter(5);
    const [line] = s.push(Buffer.from('abc✓✓\n')); // ✓ is 3 bytes: a b c ✓(3) ✓(3) = 9 bytes
    assert.deepEqual(line, { text: 'abc', truncatedBytes: 6 });
  });

  it('holds at most maxLineBytes for an endless line (memory stays bounded)', () => {
    const s = new LineSplitter(1024);
    const chunk = Buffer.alloc(64 * 1024, 120);
    for (let i = 0; i < 200; i++) assert.deepEqual(s.push(chunk), []); // 12.5 MiB, no newline
    const [line] = s.end();
    assert.equal(line?.text.length, 1024);
    assert.equal(line?.truncatedBytes, 200 * 64 * 1024 - 1024);
  });

  it('passes a 5 MB line intact under the default 10 MiB limit', () => {
    const s = new LineSplitter();
    const big = Buffer.alloc(5_000_000, 97);
    const lines = [
      ...s.push(big.subarray(0, 1_000_003)),
      ...s.push(big.subarray(1_000_003)),
      ...s.push(Buffer.from('\n')),
    ];
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.text.length, 5_000_000);
    assert.equal(lines[0]?.truncatedBytes, 0);
  });
});

describe('TailBuffer', () => {
  it('keeps the last characters only', () => {
    const t = new TailBuffer(10);
    for (const l of ['one', 'two', 'three']) t.add(l);
    assert.equal(t.toString(), 'two\nthree\n');
    t.add('four');
    assert.equal(t.toString(), 'four\n'); // whole lines while they fit
    const long = new TailBuffer(8);
    long.add('x'.repeat(100));
    assert.equal(long.toString(), `${'x'.repeat(7)}\n`);
  });
});
