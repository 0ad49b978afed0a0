// Orphan reaper. A Wave process killed with SIGKILL (or a lost machine) cannot remove its containers; the next
// Wave command that uses Docker does, like testcontainers' Ryuk but without a sidecar: a container is an orphan
// when it is labelled wave.managed, its owner (wave.owner = <host>:<pid>) ran on this host and is gone, and its
// run is not active elsewhere. Containers of other hosts (shared engines) are never touched. The /wave/out volumes
// (out-volume.ts) carry the same labels and go by the same rule, after the containers that use them.
// removeLabelled is the same removal without the rule, for `wave cancel` of a run whose process is gone.
import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { isOwnerAlive } from '../../liveness.js';
import { isGoneOrGoing } from './engine-errors.js';
import { LABELS, parseOwner } from './labels.js';

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

function labelFilter(options: ReapOptions): string[] {
  return [`${LABELS.managed}=true`, ...Object.entries(options.labels ?? {}).map(([k, v]) => `${k}=${v}`)];
}

/** The reaper's rule, for a container's or a volume's labels. */
async function isOrphan(labels: Record<string, string>, options: ReapOptions): Promise<boolean> {
  if (labels[LABELS.managed] !== 'true') return false; // belt and braces: never act on something foreign
  const owner = parseOwner(labels);
  if (!owner || owner.host !== (options.host ?? hostname()) || isOwnerAlive(owner)) return false;
  const run = labels[LABELS.run];
  return !(run && options.isRunActive && (await options.isRunActive(run)));
}

/** Lists Wave containers that the reaper would remove. */
export async function findOrphans(docker: Docker, options: ReapOptions = {}): Promise<OrphanContainer[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: labelFilter(options) } });
  const orphans: OrphanContainer[] = [];
  for (const info of containers) {
    const labels = info.Labels ?? {};
    if (!(await isOrphan(labels, options))) continue;
    const run = labels[LABELS.run];
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

/** Names of Wave's /wave/out volumes whose owner is gone. */
export async function findOrphanVolumes(docker: Docker, options: ReapOptions = {}): Promise<string[]> {
  const { Volumes } = await docker.listVolumes({ filters: { label: labelFilter(options) } });
  const names: string[] = [];
  for (const volume of Volumes ?? []) {
    if (await isOrphan(volume.Labels ?? {}, options)) names.push(volume.Name);
  }
  return names;
}

/**
 * Removes orphaned Wave containers (forcefully: they may still be running), then the orphaned /wave/out volumes
 * they used; returns the removed container ids.
 */
export async function reapOrphans(docker: Docker, options: ReapOptions = {}): Promise<string[]> {
  const containers = (await findOrphans(docker, options)).map((o) => o.id);
  return removeResources(docker, containers, () => findOrphanVolumes(docker, options));
}

/**
 * Removes every Wave container and /wave/out volume carrying `labels` (a run's, say), whoever owns them; returns
 * the removed container ids.
 */
export async function removeLabelled(docker: Docker, labels: Record<string, string>): Promise<string[]> {
  const filters = { label: labelFilter({ labels }) };
  const containers = (await docker.listContainers({ all: true, filters })).map((c) => c.Id);
  const volumes = async () => ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name);
  return removeResources(docker, containers, volumes);
}

/** Containers first, then the volumes they used (listed only then, so none is still in use by a removed one). */
async function removeResources(
  docker: Docker,
  containers: string[],
  volumes: () => Promise<string[]>,
): Promise<string[]> {
  const removed: string[] = [];
  for (const id of containers) {
    try {
      await docker.getContainer(id).remove({ force: true, v: true });
      removed.push(id);
    } catch (err) {
      if (!isGoneOrGoing(err)) throw err; // else: gone already, or another reaper is on it
    }
  }
  for (const name of await volumes()) {
    await docker
      .getVolume(name)
      .remove({ force: true })
      .catch((err: unknown) => {
        // 409 here: still in use (by a container another reaper has not removed yet): next time.
        if (!isGoneOrGoing(err)) throw err;
      });
  }
  return removed;
}
