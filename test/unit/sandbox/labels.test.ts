import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { currentOwner, isOwnerAlive, procStat } from '../../../src/liveness.js';
import { ownerLabels, parseOwner } from '../../../src/sandbox/docker/labels.js';

describe('owner labels', () => {
  it('round-trip host:pid and the start time', () => {
    const owner = currentOwner();
    assert.equal(owner.pid, process.pid);
    assert.deepEqual(parseOwner(ownerLabels(owner)), owner);
    assert.equal(parseOwner({ 'wave.owner': 'garbage' }), undefined);
    assert.equal(parseOwner({}), undefined);
  });

  it('a live process is alive; a dead one, a zombie-free exited child, or a recycled pid is not', async () => {
    assert.equal(isOwnerAlive(currentOwner()), true);
    const child = spawn('sleep', ['30']);
    const pid = child.pid as number;
    const start = procStat(pid)?.start;
    assert.equal(isOwnerAlive({ pid, start }), true);
    assert.equal(isOwnerAlive({ pid, start: 'not-its-start-time' }), process.platform !== 'linux');
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(isOwnerAlive({ pid, start }), false);
    assert.equal(isOwnerAlive({ pid: 2 ** 22 + 11 }), false);
  });

  it('a zombie counts as dead', { skip: process.platform !== 'linux' }, async () => {
    // The child exits, but is not reaped until we let the event loop run.
    const child = spawn('sh', ['-c', 'exit 0']);
    const pid = child.pid as number;
    const deadline = Date.now() + 2000;
    let state = procStat(pid)?.state;
    while (state !== 'Z' && state !== undefined && Date.now() < deadline) state = procStat(pid)?.state; // busy-wait: no reaping
    if (state === 'Z') assert.equal(isOwnerAlive({ pid }), false);
    await once(child, 'exit');
  });
});
