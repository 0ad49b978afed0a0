// `source: stdout` outputs: the step's stdout written whole to the output's path, or the step fails.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { OutputArtifact } from '../../../src/config/types.js';
import { captureStdout } from '../../../src/engine/stdout-output.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'wave-stdout-'));
after(() => fs.rm(root, { recursive: true, force: true }));

const out = (p: string, extra: Partial<OutputArtifact> = {}): OutputArtifact => ({
  name: 'log',
  path: p,
  type: 'text',
  required: true,
  source: 'stdout',
  ...extra,
});
const bounds = { headBytes: 8, tailBytes: 8 };

interface Case {
  name: string;
  outputs: OutputArtifact[];
  lines: Array<[text: string, cut?: number]>;
  /** Set up what the step left in /wave/out. */
  before?: (outDir: string, outside: string) => Promise<void>;
  files?: Record<string, string>;
  error?: RegExp;
}

const cases: Case[] = [
  { name: 'lines, each ended by a newline', outputs: [out('log.txt')], lines: [['a'], ['b c']] },
  { name: 'no output at all: an empty file', outputs: [out('log.txt')], lines: [], files: { 'log.txt': '' } },
  { name: 'a nested path is made', outputs: [out('x/y/log.bin', { type: 'binary' })], lines: [['\u00e9']] },
  { name: 'exactly the bound is kept', outputs: [out('log.txt')], lines: [['123456789012345']] },
  {
    name: 'more than the bound fails',
    outputs: [out('log.txt')],
    lines: [['1234567890'], ['123456']],
    error: /stdout output log: the step printed more than 16 bytes on stdout/,
  },
  {
    name: 'a cut line fails',
    outputs: [out('log.txt')],
    lines: [['abc', 5]],
    error: /a stdout line was longer than the line limit \(5 bytes cut\)/,
  },
  {
    name: 'a file the step wrote itself is not replaced',
    outputs: [out('log.txt')],
    lines: [['a']],
    before: (dir) => fs.writeFile(path.join(dir, 'log.txt'), 'mine'),
    files: { 'log.txt': 'mine' },
    error: /the step itself wrote the file \(\/wave\/out\/log\.txt\)/,
  },
  {
    name: 'a link the step left on the way is not followed',
    outputs: [out('x/log.txt')],
    lines: [['a']],
    before: (dir, outside) => fs.symlink(outside, path.join(dir, 'x')),
    error: /the step left 'x', which is not a folder/,
  },
];

describe('captureStdout', () => {
  it('is not made for a step without stdout outputs', () => {
    const file: OutputArtifact = { name: 'a', path: 'a.txt', type: 'text', required: true };
    assert.equal(captureStdout([file], bounds), undefined);
  });

  cases.forEach((c, i) => {
    it(c.name, async () => {
      const outDir = path.join(root, `out${i}`);
      const outside = path.join(root, `outside${i}`);
      await fs.mkdir(outDir);
      await fs.mkdir(outside);
      await c.before?.(outDir, outside);
      const capture = captureStdout(c.outputs, bounds);
      assert.ok(capture);
      for (const [text, cut] of c.lines) capture.line(text, cut ?? 0);
      const failed = await capture.write(outDir);
      assert.deepEqual(await fs.readdir(outside), [], 'nothing is written outside /wave/out');
      if (c.error) {
        assert.match(failed?.reason ?? '', c.error);
        assert.equal(failed?.failureClass, 'contract');
      } else {
        assert.equal(failed, undefined);
        const expected = c.lines.map(([t]) => `${t}\n`).join('');
        for (const o of c.outputs) assert.equal(await fs.readFile(path.join(outDir, o.path), 'utf8'), expected);
      }
      for (const [p, content] of Object.entries(c.files ?? {})) {
        assert.equal(await fs.readFile(path.join(outDir, p), 'utf8'), content);
      }
    });
  });
});
