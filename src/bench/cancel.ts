// `wave cancel <bench-id>`: the bench's process sees the request (it polls its row) and stops its tasks in flight;
// a bench whose process is gone is only marked, its interrupted tasks run again with the same bench id.
import { hostname } from 'node:os';
import { WaveError } from '../errors.js';
import { isOwnerAlive } from '../liveness.js';
import type { BenchStatus, Store } from '../state/index.js';

const OWNER_WAIT_MS = 15_000;

export async function cancelBench(store: Store, benchId: string): Promise<BenchStatus> {
  const bench = store.bench.require(benchId);
  if (bench.status !== 'running') throw new WaveError('usage', `bench ${benchId} is not running (${bench.status})`);
  store.bench.requestCancel(benchId);
  const alive =
    bench.ownerHost === hostname() &&
    bench.ownerPid !== null &&
    isOwnerAlive({ pid: bench.ownerPid, start: bench.ownerStart ?? undefined });
  if (!alive) {
    store.bench.finish(benchId, 'cancelled');
    return 'cancelled';
  }
  const deadline = Date.now() + OWNER_WAIT_MS;
  while (Date.now() < deadline && store.bench.get(benchId)?.status === 'running') {
    await new Promise((r) => setTimeout(r, 200));
  }
  return store.bench.require(benchId).status;
}
