// The one neutraliser of untrusted text on a terminal, by class of sequence a step could print, and the sinks
// that use it (the TTY view, NDJSON).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ndjsonSink, terminalSafe, terminalSafeDeep, terminalSafeJson, ttySink } from '../../../src/events/index.js';
import type { WaveEvent } from '../../../src/events/types.js';
import { PassThrough } from 'node:stream';
import { at, RUN } from './fixtures.js';

/** Anything a terminal would act on: C0 but \t and \n, DEL, C1, bidi controls, line/paragraph separators. */
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('terminalSafe', () => {
  const cases: [string, string, string][] = [
    ['window title (OSC 0, BEL)', '\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'],
    ['window title (OSC 2, ST)', '\x1b]2;pwned\x1b\\', '\\x1b]2;pwned\\x1b\\'],
    ['clipboard (OSC 52)', '\x1b]52;c;cm0gLXJmIH4=\x07', '\\x1b]52;c;cm0gLXJmIH4=\\x07'],
    [
      'hyperlink (OSC 8)',
      '\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\',
      '\\x1b]8;;http://evil\\x1b\\click\\x1b]8;;\\x1b\\',
    ],
    ['clear screen (CSI 2J, CSI H)', '\x1b[2J\x1b[H', '\\x1b[2J\\x1b[H'],
    ['cursor up and erase line', 'ok\x1b[1A\x1b[2K', 'ok\\x1b[1A\\x1b[2K'],
    ['bracketed paste on', '\x1b[?2004h', '\\x1b[?2004h'],
    ['colour (SGR)', '\x1b[31mred\x1b[0m', '\\x1b[31mred\\x1b[0m'],
    ['8-bit CSI (C1)', '\u009b2J', '\\x9b2J'],
    ['8-bit OSC (C1) and ST', '\u009d0;title\u009c', '\\x9d0;title\\x9c'],
    ['carriage return overwrite', 'rm -rf /\rls', 'rm -rf /\\x0dls'],
    ['backspace, bell, NUL', 'a\bb\x07c\x00', 'a\\x08b\\x07c\\x00'],
    ['DEL', 'a\x7fb', 'a\\x7fb'],
    ['bidi override (trojan source)', 'admin\u202e }ʇᴉxǝ', 'admin\\u202e }ʇᴉxǝ'],
    ['bidi isolates and marks', '\u2066x\u2069\u200f\u061c', '\\u2066x\\u2069\\u200f\\u061c'],
    ['line separator', 'a\u2028b', 'a\\u2028b'],
  ];
  for (const [name, input, shown] of cases) {
    it(`shows ${name} as visible escapes`, () => {
      const out = terminalSafe(input);
      assert.equal(out, shown);
      assert.doesNotMatch(out, ACTIVE);
    });
  }

  it('keeps newlines, tabs, printable ASCII and other Unicode as they are', () => {
    const text = 'a\tb\nc: ünïcødé ✓ 日本 \\x1b (a literal backslash)';
    assert.equal(terminalSafe(text), text);
  });

  it('reaches every string inside an event, and nothing else', () => {
    const event: WaveEvent = {
      type: 'contract_result',
      runId: RUN,
      stepId: 's',
      attempt: 1,
      time: at(1),
      index: 0,
      contractType: 'json_schema',
      ok: false,
      hard: true,
      errors: ['bad \x1b]0;x\x07'],
    };
    const safe = terminalSafeDeep(event);
    assert.deepEqual(safe, { ...event, errors: ['bad \\x1b]0;x\\x07'] });
    assert.equal(event.errors[0], 'bad \x1b]0;x\x07', 'the original event is not changed');
  });
});

describe('terminalSafeJson', () => {
  it('escapes C1, DEL and bidi characters too, and parses back to the same value', () => {
    const value = { line: '\x1b[2J \u009b2J \x7f \u202e \u2028 plain ✓' };
    const json = terminalSafeJson(value);
    assert.doesNotMatch(json, ACTIVE);
    assert.match(json, /\\u009b2J/);
    assert.match(json, /\\u202e/);
    assert.deepEqual(JSON.parse(json), value);
  });
});

describe('printers of step text', () => {
  const hostile = '\x1b]0;pwned\x07\x1b[2J\u009b2J\u202e';

  it('the TTY view prints failure reasons, warnings and denied hosts terminal-safe, with its own colours intact', () => {
    const chunks: string[] = [];
    const sink = ttySink({ stream: { write: (c) => (chunks.push(c), true), isTTY: false }, color: true });
    const events: WaveEvent[] = [
      { type: 'run_started', runId: RUN, time: at(0), pipeline: 'p', input: hostile, resumed: false },
      {
        type: 'step_failed',
        runId: RUN,
        stepId: 's',
        attempt: 1,
        time: at(1),
        reason: hostile,
        exitCode: 1,
        failureClass: 'exit',
      },
      { type: 'warning', runId: RUN, time: at(2), message: hostile },
      {
        type: 'egress_decision',
        runId: RUN,
        stepId: 's',
        attempt: 1,
        time: at(3),
        host: hostile,
        port: 443,
        allowed: false,
        reason: hostile,
      },
    ];
    for (const e of events) sink.write(e);
    const text = chunks.join('');
    // Only SGR colour codes of the sink itself remain: ESC followed by [<digits>m.
    assert.doesNotMatch(text.replace(/\x1b\[\d+m/g, ''), ACTIVE);
    assert.equal(text.split('\\x1b]0;pwned\\x07').length - 1, 4, 'each hostile text is shown, escaped');
  });

  it('the TTY view shows the truncation marker', () => {
    const chunks: string[] = [];
    const sink = ttySink({ stream: { write: (c) => (chunks.push(c), true), isTTY: false } });
    sink.write({
      type: 'step_output_truncated',
      runId: RUN,
      stepId: 's',
      attempt: 1,
      time: at(1),
      stream: 'stdout',
      droppedLines: 12,
      droppedBytes: 3456,
      headBytes: 1024,
      tailBytes: 2048,
    });
    assert.match(chunks.join(''), /s stdout: … 12 lines \(3456 bytes\) dropped …/);
  });

  it('NDJSON output escapes what JSON alone leaves raw', async () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    ndjsonSink(stream).write({
      type: 'step_output',
      runId: RUN,
      stepId: 's',
      attempt: 1,
      time: at(1),
      stream: 'stdout',
      line: hostile,
    });
    stream.end();
    await new Promise((r) => stream.on('end', r));
    const text = Buffer.concat(chunks).toString('utf8');
    assert.doesNotMatch(text.trimEnd(), ACTIVE);
    assert.equal((JSON.parse(text) as { line: string }).line, hostile);
  });
});
