// The run tree's one worker limit: never more slots out than its size, a waiter that is cancelled leaves the queue,
// a released slot goes to the next waiter: first come first served within a step's lane, in turns between sibling
// lanes at every depth of the tree.
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

  /** Queues `lanes` (in that order) behind one held slot, then lets each grant release at once: the grants' order. */
  const grantOrder = async (lanes: string[][]): Promise<string[]> => {
    const pool = new WorkerPool(1);
    const never = new AbortController().signal;
    const held = await pool.acquire(never);
    const order: string[] = [];
    const granted = lanes.map((lane, i) =>
      pool.acquire(never, lane).then((release) => {
        order.push(`${lane.join('/')}#${i}`);
        release();
      }),
    );
    held();
    await Promise.all(granted);
    return order;
  };

  it('takes turns between sibling steps: a 4-item iterate shares its turn with the step next to it', async () => {
    const items = Array.from({ length: 4 }, () => ['fanout', 'work']);
    const order = await grantOrder([...items, ['lint'], ['lint'], ['report']]);
    assert.deepEqual(order, [
      'fanout/work#0',
      'lint#4',
      'report#6',
      'fanout/work#1',
      'lint#5',
      'fanout/work#2',
      'fanout/work#3',
    ]);
  });

  it('takes turns at every depth: the steps of one child run alternate, items of one step keep their order', async () => {
    const order = await grantOrder([['a', 'x'], ['a', 'x'], ['a', 'y'], ['b']]);
    assert.deepEqual(order, ['a/x#0', 'b#3', 'a/y#2', 'a/x#1']);
  });

  it('a cancelled waiter gives up its turn without breaking the rotation', async () => {
    const pool = new WorkerPool(1);
    const never = new AbortController().signal;
    const held = await pool.acquire(never);
    const order: string[] = [];
    const cancel = new AbortController();
    const waits = [
      pool.acquire(cancel.signal, ['a']).then(
        () => order.push('a'),
        () => order.push('a cancelled'),
      ),
      pool.acquire(never, ['b']).then((release) => {
        order.push('b');
        release();
      }),
      pool.acquire(never, ['a', 'x']).then((release) => {
        order.push('a/x');
        release();
      }),
    ];
    cancel.abort();
    held();
    await Promise.all(waits);
    assert.deepEqual(order, ['a cancelled', 'a/x', 'b']);
  });
});
