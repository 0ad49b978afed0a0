import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { isOwnerAlive, procStat } from '../../../src/liveness.js';
import { Store } from '../../../src/state/index.js';
import { observedStore, openStore, tempDbPath } from './helpers.js';

describe('cancel requests', () => {
  it('are recorded once, seen by another Store on the same file, and cleared by resume', () => {
    const { store, path, delivered } = observedStore();
    const run = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: '' });
    store.runs.start(run.id);
    const other = openStore(path);
    assert.equal(store.runs.isCancelRequested(run.id), false);
    assert.equal(other.runs.requestCancel(run.id), 'requested');
    assert.equal(other.runs.requestCancel(run.id), 'already_requested');
    assert.equal(store.runs.isCancelRequested(run.id), true);
    assert.deepEqual(
      store.events.since(run.id).map((e) => e.type),
      ['run_started', 'cancel_requested'],
    );
    assert.deepEqual(
      delivered.map((e) => e.type),
      ['run_started'],
      'the other process delivers its own events',
    );

    store.runs.finish(run.id, 'cancelled', { exitCode: 5 });
    assert.equal(other.runs.requestCancel(run.id), 'not_active', 'a finished run cannot be cancelled');
    store.runs.resume(run.id);
    assert.equal(store.runs.isCancelRequested(run.id), false);
  });
});

describe('dead owners', () => {
  it('isOwnerAlive tells live from gone', () => {
    assert.equal(isOwnerAlive({ pid: process.pid }), true);
    assert.equal(isOwnerAlive({ pid: 0 }), false);
    assert.equal(isOwnerAlive({ pid: -1 }), false);
  });

  it('finds running runs on this host whose owner process was killed', async () => {
    const store = openStore(tempDbPath());
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const pid = child.pid;
    assert.ok(pid);
    const host = hostname();

    const orphan = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: 'orphan' });
    store.runs.start(orphan.id, { host, pid });
    const mine = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: 'mine' });
    store.runs.start(mine.id, { host, pid: process.pid });
    const elsewhere = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: 'elsewhere' });
    store.runs.start(elsewhere.id, { host: 'another-host', pid });
    const finished = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: 'finished' });
    store.runs.start(finished.id, { host, pid });
    store.runs.finish(finished.id, 'completed');

    assert.deepEqual(store.runs.ownedByDeadProcesses(host), [], 'owner still alive');

    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const dead = store.runs.ownedByDeadProcesses(host);
    assert.deepEqual(
      dead.map((r) => r.input),
      ['orphan'],
    );
    store.runs.abandon(orphan.id, `owner process ${pid} on ${host} is gone`);
    assert.deepEqual(store.runs.ownedByDeadProcesses(host), []);
  });

  it('a pid reused by another process does not keep a run alive', { skip: process.platform !== 'linux' }, () => {
    const store = openStore(tempDbPath());
    const host = hostname();
    const mine = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: 'mine' });
    store.runs.start(mine.id);
    assert.equal(store.runs.get(mine.id)?.ownerStart, procStat(process.pid)?.start);
    // What a crashed Wave leaves when its pid is later given to this process.
    const recycled = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: 'recycled' });
    store.runs.start(recycled.id, { host, pid: process.pid, start: '1' });

    assert.deepEqual(
      store.runs.ownedByDeadProcesses(host).map((r) => r.input),
      ['recycled'],
    );
    assert.equal(store.runs.abandonIfOwnerDied(mine.id, host), false);
    assert.equal(store.runs.abandonIfOwnerDied(recycled.id, host), true);
    assert.equal(store.runs.get(recycled.id)?.status, 'failed');
    store.close();
  });

  it('heartbeat moves heartbeat_at forward', () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const store = new Store(tempDbPath(), { clock: () => new Date(now) });
    const run = store.runs.create({ pipeline: 'p', pipelinePath: 'p.yaml', input: '' });
    store.runs.start(run.id);
    now += 30_000;
    store.runs.heartbeat(run.id);
    assert.equal(store.runs.get(run.id)?.heartbeatAt, '2025-01-01T00:00:30.000Z');
    store.close();
  });
});
