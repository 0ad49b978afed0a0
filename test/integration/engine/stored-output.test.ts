// Issue 13, findings 5 (stored output) and 8 (terminal escapes), attacked from inside real step containers: a step
// that prints 20 MB, or one 30 MB line, must leave a small state.db and log file with the head, the tail and an
// exact count of what was dropped; `wave logs` must print bounded output, with the escape sequences a step prints
// shown, not obeyed; `wave clean` must give the db's space back.
import assert from 'node:assert/strict';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerForTests, imageForTests } from '../../support/docker.js';
import { createCommandProject, ndjsonEvents, runIdOf, writePipeline } from '../../support/command-project.js';
import { runWave } from '../../support/run-cli.js';

const { docker, skip: noDocker } = await dockerForTests();
const skip = noDocker || (await imageForTests(docker));

const KiB = 1024;
const MiB = 1024 * KiB;

/** A project whose runtime stores at most `head` + `tail` of each stream of each attempt. */
function boundedProject(prefix: string, head: string, tail: string): string {
  const dir = createCommandProject(prefix);
  writeFileSync(
    path.join(dir, 'wave.yaml'),
    `apiVersion: v1\nkind: WaveManifest\nmetadata: {name: bounded}\nruntime:\n  sandbox:\n    resources: {stored_output_head: ${head}, stored_output_tail: ${tail}}\n`,
  );
  return dir;
}

function bytesOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** state.db and its write-ahead log. */
const dbBytes = (dir: string) =>
  bytesOf(path.join(dir, '.wave', 'state.db')) + bytesOf(path.join(dir, '.wave', 'state.db-wal'));

type Output = { type: 'step_output'; stepId: string; stream: string; line: string; truncatedBytes?: number };
type Truncated = {
  type: 'step_output_truncated';
  stepId: string;
  stream: string;
  droppedLines: number;
  droppedBytes: number;
  headBytes: number;
  tailBytes: number;
};
type Logged = Output | Truncated | { type: string; stepId?: string };

const FLOOD_LINES = 200_000;
const LONG_LINE = 30_000_000;

/** Hostile terminal sequences: title (OSC 0), clear screen, clipboard (OSC 52), bracketed paste, 8-bit CSI, bidi override. */
const HOSTILE_PRINTF = String.raw`printf '\033]0;pwned-title\007\033[2J\033[H\033]52;c;cm0gLXJmIH4=\007\033[?2004h\302\2332J\342\200\256desrever\n'`;

describe('stored step output is bounded (issue 13 #5) and printed terminal-safe (#8)', { skip }, () => {
  let dir: string;
  let runId: string;
  let events: Logged[];

  before(() => {
    dir = boundedProject('wave-stored-output-', '64k', '64k');
    writePipeline(
      dir,
      'noisy',
      `  - id: flood
    exec: {type: command, script: "echo FIRST-LINE; yes $(printf '%0100d' 0) | head -n ${FLOOD_LINES}; echo LAST-LINE; echo on-stderr >&2"}
  - id: longline
    exec: {type: command, script: "head -c ${LONG_LINE} /dev/zero | tr '\\\\0' x; echo; echo after-long-line"}
  - id: escapes
    exec: {type: command, script: "${HOSTILE_PRINTF.replace(/\\/g, '\\\\')}"}
`,
    );
    const res = runWave(['run', 'noisy', '-o', 'json'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    runId = runIdOf(res.stdout);
    const logs = runWave(['logs', runId, '-o', 'json'], dir);
    assert.equal(logs.status, 0, logs.stderr);
    events = ndjsonEvents<Logged>(logs.stdout);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const outputOf = (step: string) => events.filter((e): e is Output => e.type === 'step_output' && e.stepId === step);
  const markerOf = (step: string, stream = 'stdout') =>
    events.find(
      (e): e is Truncated =>
        e.type === 'step_output_truncated' && e.stepId === step && (e as Truncated).stream === stream,
    );

  test('20 MB of stdout: a small state.db and log file, the head and the tail kept, the dropped lines counted exactly', () => {
    assert.ok(dbBytes(dir) < 2 * MiB, `state.db is ${dbBytes(dir)} bytes`);
    const logFile = path.join(dir, '.wave', 'traces', `${runId}.log`);
    assert.ok(bytesOf(logFile) > 0 && bytesOf(logFile) < 2 * MiB, `the run's log file is ${bytesOf(logFile)} bytes`);

    const stdout = outputOf('flood').filter((e) => e.stream === 'stdout');
    assert.equal(stdout[0]?.line, 'FIRST-LINE', 'the head starts where the output started');
    assert.equal(stdout.at(-1)?.line, 'LAST-LINE', 'the tail ends where the output ended');
    const storedBytes = stdout.reduce((sum, e) => sum + Buffer.byteLength(e.line) + 1, 0);
    assert.ok(storedBytes <= 128 * KiB, `${storedBytes} bytes of stdout stored`);

    const marker = markerOf('flood');
    assert.ok(marker, 'a step_output_truncated event');
    assert.deepEqual([marker.headBytes, marker.tailBytes], [64 * KiB, 64 * KiB]);
    assert.equal(marker.droppedLines + stdout.length, FLOOD_LINES + 2, 'every line is either stored or counted');
    assert.equal(marker.droppedBytes, marker.droppedLines * 101, 'every dropped line was 100 bytes and a newline');
    const at = events.indexOf(marker);
    assert.ok(
      events.indexOf(stdout[0]) < at && at < events.indexOf(stdout.at(-1) as Logged),
      'the marker sits between head and tail',
    );

    assert.deepEqual(
      outputOf('flood')
        .filter((e) => e.stream === 'stderr')
        .map((e) => e.line),
      ['on-stderr'],
      'stderr has its own bound',
    );
    assert.equal(markerOf('flood', 'stderr'), undefined);
  });

  test('one 30 MB line without a newline is cut, and the cut is counted', () => {
    const [long, next] = outputOf('longline');
    assert.ok(
      long && long.line.length > 0 && long.line.length <= 64 * KiB,
      `the long line keeps ${long?.line.length} bytes`,
    );
    assert.match(long.line, /^x+$/);
    assert.equal(long.line.length + (long.truncatedBytes ?? 0), LONG_LINE, 'kept + cut = the whole line');
    assert.equal(markerOf('longline')?.droppedBytes, long.truncatedBytes);
    assert.equal(markerOf('longline')?.droppedLines, 0);
    assert.equal(next?.line, 'after-long-line');
  });

  test('wave logs prints a bounded view: head, the marker line, tail', () => {
    const res = runWave(['logs', runId, '--step', 'flood'], dir);
    assert.equal(res.status, 0, res.stderr);
    assert.ok(res.stdout.length < 256 * KiB, `wave logs printed ${res.stdout.length} bytes`);
    const lines = res.stdout.split('\n');
    const marker = markerOf('flood') as Truncated;
    const markerLine = lines.findIndex((l) =>
      l.startsWith(`flood | … ${marker.droppedLines} lines (${marker.droppedBytes} bytes) dropped …`),
    );
    assert.ok(markerLine > 0, 'the marker line');
    assert.ok(lines.indexOf('flood | FIRST-LINE') < markerLine && markerLine < lines.indexOf('flood | LAST-LINE'));

    const long = runWave(['logs', runId, '--step', 'longline'], dir);
    assert.match(
      long.stdout,
      new RegExp(
        `^longline \\| x+ … \\[${LONG_LINE - (outputOf('longline')[0]?.line.length ?? 0)} bytes dropped\\]$`,
        'm',
      ),
    );
  });

  test('escape sequences a step prints are shown as visible escapes by wave logs, never sent to the terminal', () => {
    const res = runWave(['logs', runId, '--step', 'escapes'], dir);
    assert.equal(res.status, 0, res.stderr);
    // Nothing a terminal acts on: no ESC, BEL, C1 control or bidi override (NO_COLOR is set by runWave).
    assert.doesNotMatch(res.stdout, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    assert.ok(
      res.stdout.includes(
        String.raw`escapes | \x1b]0;pwned-title\x07\x1b[2J\x1b[H\x1b]52;c;cm0gLXJmIH4=\x07\x1b[?2004h\x9b2J\u202edesrever`,
      ),
      res.stdout,
    );
    // The stored event keeps the bytes as printed (scripts reading --json get the real text) …
    assert.equal(
      outputOf('escapes')[0]?.line,
      '\x1b]0;pwned-title\x07\x1b[2J\x1b[H\x1b]52;c;cm0gLXJmIH4=\x07\x1b[?2004h\u009b2J\u202edesrever',
    );
    // … and the JSON text itself is escaped too.
    const json = runWave(['logs', runId, '--step', 'escapes', '-o', 'json'], dir);
    assert.doesNotMatch(json.stdout, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });
});

describe('wave clean gives the state db space back (issue 13 #5)', { skip }, () => {
  let dir: string;
  before(() => {
    dir = boundedProject('wave-clean-vacuum-', '16m', '1m');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('after deleting a run with a large log, state.db shrinks', () => {
    writePipeline(
      dir,
      'big',
      `  - id: big\n    exec: {type: command, script: "yes $(printf '%0100d' 0) | head -n 60000"}\n`,
    );
    // Text mode: the NDJSON of 60,000 lines would overflow the test's output buffer.
    const res = runWave(['run', 'big'], dir);
    assert.equal(res.status, 0, res.stderr + res.stdout.slice(-2000));
    const before = dbBytes(dir);
    assert.ok(before > 8 * MiB, `state.db holds the run's 6 MB of output (${before} bytes)`);

    const clean = runWave(['clean', '-o', 'json'], dir);
    assert.equal(clean.status, 0, clean.stderr);
    const report = JSON.parse(clean.stdout) as {
      removed: string[];
      stateDb?: { bytesBefore: number; bytesAfter: number };
    };
    assert.equal(report.removed.length, 1);
    const after = dbBytes(dir);
    assert.ok(after < 1 * MiB, `state.db after wave clean: ${after} bytes (was ${before})`);
    assert.equal(report.stateDb?.bytesAfter, after);
  });
});
