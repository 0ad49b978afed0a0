// `wave logs --follow` with the streaming reader: it prints what is there, then what another process writes while
// it waits, and ends by itself once the run has finished.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { Store } from '../../../src/state/index.js';
import { tsxLoader } from '../../support/run-cli.js';
import { stdoutLine } from '../../support/events.js';

const entry = fileURLToPath(new URL('../../support/wave-cli.ts', import.meta.url));

describe('wave logs --follow', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wave-logs-follow-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints lines written after it started and exits when the run ends', async () => {
    const store = new Store(path.join(dir, '.wave', 'state.db'));
    after(() => store.close());
    const runId = store.runs.create({
      pipeline: 'p',
      pipelinePath: 'p.yaml',
      input: '',
      steps: [{ stepId: 's', level: 0, position: 0 }],
    }).id;
    store.runs.start(runId);
    const line = (text: string) => store.events.append(stdoutLine(runId, text));
    line('before follow');

    const child = spawn(process.execPath, ['--import', tsxLoader, entry, 'logs', runId, '--follow'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const seen = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (stdout.includes(text)) {
            child.stdout.off('data', check);
            resolve();
          }
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));

    await seen('s | before follow');
    line('while following \x1b]0;title\x07');
    await seen('s | while following');
    store.runs.finish(runId, 'completed');
    assert.equal(await closed, 0, stderr);
    assert.match(stdout, /^s \| before follow$/m);
    assert.match(stdout, /^s \| while following \\x1b\]0;title\\x07$/m);
    assert.match(stdout, /run .* completed/);
  });
});
