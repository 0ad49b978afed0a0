// `wave logs` on a run whose log is far larger than the memory it may use (issue 13 #5: 300 MB of output needed
// 1.1 GB). The db is written directly, as an older Wave without the output bound would have left it; the CLI runs
// with a heap limit well under the log's size, so reading it all at once ends in a crash, streaming it does not.
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
const ROWS = 24;
const LINE_BYTES = 4 * 1024 * 1024;
const HEAP_MB = 64;

describe('wave logs memory', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wave-logs-memory-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`streams ${(ROWS * LINE_BYTES) / 2 ** 20} MiB of output under a ${HEAP_MB} MiB heap`, async () => {
    const store = new Store(path.join(dir, '.wave', 'state.db'));
    let runId: string;
    try {
      runId = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: '' }).id;
      store.runs.start(runId);
      for (let i = 0; i < ROWS; i++) {
        const line = String.fromCharCode(97 + (i % 26)).repeat(LINE_BYTES);
        store.events.append(stdoutLine(runId, line));
      }
    } finally {
      store.close();
    }

    const child = spawn(process.execPath, ['--import', tsxLoader, entry, 'logs', runId], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (printed += chunk.length));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 0, stderr.slice(-2000));
    assert.ok(printed >= ROWS * LINE_BYTES, `printed ${printed} bytes`);
  });
});
