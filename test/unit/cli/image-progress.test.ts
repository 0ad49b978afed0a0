// `wave images build` without a terminal printed each Dockerfile step four to six times (once per builder message
// of the step) — issue 14 item 9. The builder's real message sequence goes through the parser and the printer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProgressPrinter } from '../../../src/cli/image-progress.js';
import { BuildStreamParser } from '../../../src/images/progress.js';
import type { BuildProgress } from '../../../src/images/types.js';

const message = (o: object): string => `${JSON.stringify(o)}\r\n`;

/** What the classic builder sends for a FROM, a RUN with output, and a LABEL. */
const BUILDER_STREAM = [
  { stream: 'Step 1/3 : FROM wave/base:latest' },
  { stream: '\n' },
  { stream: ' ---> 0123abcd0123\n' },
  { stream: 'Step 2/3 : RUN npm install -g x\n' },
  { stream: ' ---> Running in a67e577290bf\n' },
  { stream: 'added 3 packages in 2s\n' },
  { stream: 'Removing intermediate container a67e577290bf\n' },
  { stream: ' ---> 4567efab4567\n' },
  { stream: 'Step 3/3 : LABEL wave.image=claude\n' },
  { stream: ' ---> Running in 89ab89ab89ab\n' },
  { stream: 'Removing intermediate container 89ab89ab89ab\n' },
  { stream: ' ---> feedfeedfeed\n' },
  { aux: { ID: 'sha256:feedfeedfeed' } },
  { stream: 'Successfully built feedfeedfeed\n' },
]
  .map(message)
  .join('');

function printed(verbose: boolean, events: BuildProgress[]): string[] {
  let out = '';
  const write = (text: string): void => void (out += text);
  const print = buildProgressPrinter({ write, verbose, label: (text) => text });
  for (const event of events) print(event);
  return out.trimEnd().split('\n');
}

function parsed(): BuildProgress[] {
  const events: BuildProgress[] = [{ image: 'claude', phase: 'hash', message: 'context 0123456789ab' }];
  const parser = new BuildStreamParser('claude', (e) => events.push(e));
  parser.write(BUILDER_STREAM);
  parser.end();
  return events;
}

describe('wave images build: progress in a log', () => {
  it('prints each step once', () => {
    assert.deepEqual(printed(false, parsed()), [
      '[claude] context 0123456789ab',
      '[claude 1/3] FROM wave/base:latest',
      '[claude 2/3] RUN npm install -g x',
      '[claude 3/3] LABEL wave.image=claude',
    ]);
  });

  it("with --verbose, adds the step's output under it, still with one header per step", () => {
    const lines = printed(true, parsed());
    assert.equal(lines.filter((l) => l.endsWith('RUN npm install -g x')).length, 1);
    assert.ok(lines.includes('[claude 2/3]   added 3 packages in 2s'), lines.join('\n'));
    const output = lines.indexOf('[claude 2/3]   added 3 packages in 2s');
    assert.ok(output > lines.indexOf('[claude 2/3] RUN npm install -g x'));
  });

  it('drops a status repeated back to back (a pull reporting progress on one layer)', () => {
    const pull = (m: string): BuildProgress => ({ image: 'base', phase: 'pull', message: m });
    assert.deepEqual(printed(false, [pull('Downloading 1a2b'), pull('Downloading 1a2b'), pull('Pull complete 1a2b')]), [
      '[base] Downloading 1a2b',
      '[base] Pull complete 1a2b',
    ]);
  });
});
