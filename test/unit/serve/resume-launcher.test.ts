// The dashboard's resume button starts `wave resume <run>` as a process of its own that outlives the server, its
// output in .wave/detached/<run>.resume.log.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { backgroundResume } from '../../../src/serve/resume-launcher.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('serve resume launcher', () => {
  it('runs the wave command with resume <run> in the project, detached, logging to its own file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wave-serve-resume-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const wave = [process.execPath, '-e', 'console.log(process.cwd(), process.argv.slice(1).join(" "))', '--'];
    const pid = await backgroundResume(wave, dir)('demo-20261208-000000-abcd');
    assert.ok(pid);
    while (alive(pid)) await sleep(50); // it is detached: no exit event reaches this process
    const log = readFileSync(path.join(dir, '.wave', 'detached', 'demo-20261208-000000-abcd.resume.log'), 'utf8');
    assert.equal(log.trim(), `${dir} resume demo-20261208-000000-abcd`);
  });
});
