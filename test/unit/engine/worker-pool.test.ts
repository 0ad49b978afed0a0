// The run tree's one worker limit: never more slots out than its size, first come first served, a waiter that is
// cancelled leaves the queue, and a released slot goes to the next waiter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkerPool } from '../../../src/engine/worker-pool.js';

describe('WorkerPool', () => {
  it('hands out at most its size, in arrival order, and skips a cancelled waiter', async () => {
    const pool = new WorkerPool(2);
    const never = new AbortController().signal;
    const a = await pool.acquire(never);
    const b = await pool.acquire(never);
    const order: string[] = [];
    const cancel = new AbortController();
    const c = pool.acquire(cancel.signal).then(
      () => order.push('c'),
      () => order.push('c cancelled'),
    );
    const d = pool.acquire(never).then((release) => {
      order.push('d');
      return release;
    });
    const e = pool.acquire(never).then((release) => {
      order.push('e');
      return release;
    });
    cancel.abort();
    await c;
    a();
    a(); // a second release of the same slot gives nothing away
    const releaseD = await d;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['c cancelled', 'd'], 'e still waits: both slots are out (b and d)');
    b();
    (await e)();
    releaseD();
    assert.deepEqual(order, ['c cancelled', 'd', 'e']);
    // Both slots are free again: two acquire at once.
    await Promise.all([pool.acquire(never), pool.acquire(never)]);
  });
});
