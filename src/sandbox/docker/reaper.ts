// Orphan reaper. A Wave process killed with SIGKILL (or a lost machine) cannot remove its containers; the next
// Wave command that uses Docker does, like testcontainers' Ryuk but without a sidecar: a container is an orphan
// when it is labelled wave.managed, its owner (wave.owner = <host>:<pid>) ran on this host and is gone, and its
// run is not active elsewhere. Containers of other hosts (shared engines) are never touched.
import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { isOwnerAlive, LABELS, parseOwner } from './labels.js';

export interface OrphanContainer {
  id: string;
  name: string;
  run: string | undefined;
  step: string | undefined;
  owner: string | undefined;
  state: string;
}

export interface ReapOptions {
  /** Whether some other live process is executing this run (e.g. a resumed run); such containers are kept. */
  isRunActive?: (runId: string) => boolean | Promise<boolean>;
  /** Only consider containers carrying these labels too (e.g. one run). */
  labels?: Record<string, string>;
  /** This host's name; default os.hostname(). */
  host?: string;
}

/** Lists Wave containers that the reaper would remove. */
export async function findOrphans(docker: Docker, options: ReapOptions = {}): Promise<OrphanContainer[]> {
  const here = options.host ?? hostname();
  const label = [`${LABELS.managed}=true`, ...Object.entries(options.labels ?? {}).map(([k, v]) => `${k}=${v}`)];
  const containers = await docker.listContainers({ all: true, filters: { label } });
  const orphans: OrphanContainer[] = [];
  for (const info of containers) {
    const labels = info.Labels ?? {};
    if (labels[LABELS.managed] !== 'true') continue; // belt and braces: never act on a foreign container
    const owner = parseOwner(labels);
    if (!owner || owner.host !== here || isOwnerAlive(owner)) continue;
    const run = labels[LABELS.run];
    if (run && options.isRunActive && (await options.isRunActive(run))) continue;
    orphans.push({
      id: info.Id,
      name: (info.Names?.[0] ?? '').replace(/^\//, ''),
      run,
      step: labels[LABELS.step],
      owner: labels[LABELS.owner],
      state: info.State,
    });
  }
  return orphans;
}

/** Removes orphaned Wave containers (forcefully: they may still be running); returns the removed ids. */
export async function reapOrphans(docker: Docker, options: ReapOptions = {}): Promise<string[]> {
  const removed: string[] = [];
  for (const orphan of await findOrphans(docker, options)) {
    try {
      await docker.getContainer(orphan.id).remove({ force: true, v: true });
      removed.push(orphan.id);
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code === 404 || code === 409) continue; // gone already, or another reaper is on it
      throw err;
    }
  }
  return removed;
}
