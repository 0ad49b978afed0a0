// `wave images prune`: removes superseded builds. Only hash tags (`<version>-<12 hex>`) are candidates, and
// only when their image is not the one `latest` names (a rebuild left them behind) and no container, running
// or stopped, uses it. Anything else under the namespace (a bootstrap image, a hand-made tag) is left alone.
// It also removes untagged leftovers of Wave builds (a failed build's cached layers): dangling images that
// carry this namespace's `wave.namespace` label.
import type Docker from 'dockerode';
import { BASE, DEFAULT_NAMESPACE, isHashTag } from './catalog.js';
import { connectEngine } from './engine.js';
import { inventory } from './inventory.js';
import type { PruneResult } from './types.js';

export interface PruneOptions {
  dryRun?: boolean;
  namespace?: string;
  docker?: Docker;
}

export async function pruneImages(opts: PruneOptions = {}): Promise<PruneResult> {
  const docker = await connectEngine(opts.docker);
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const rows = await inventory(docker, namespace);
  const hasLatest = new Set(rows.filter((r) => r.tag === 'latest').map((r) => r.repository));
  const containers = await docker.listContainers({ all: true });
  const inUseIds = new Set(containers.map((c) => c.ImageID));

  const result: PruneResult = { removed: [], inUse: [], failed: [] };
  // Without a `latest` there is no telling which build is current: keep them all.
  const candidates = rows.filter((r) => isHashTag(r.tag) && !r.current && hasLatest.has(r.repository));
  // Dependents first, so an old base is deleted with its last child rather than merely untagged.
  candidates.sort((a, b) => Number(a.name === BASE) - Number(b.name === BASE));
  for (const row of candidates) {
    const ref = `${row.repository}:${row.tag}`;
    if (inUseIds.has(row.imageId)) {
      result.inUse.push(ref);
      continue;
    }
    if (opts.dryRun === true) {
      result.removed.push(ref);
      continue;
    }
    try {
      await docker.getImage(ref).remove();
      result.removed.push(ref);
    } catch (err) {
      result.failed.push({ ref, reason: (err as Error).message });
    }
  }
  const dangling = await docker.listImages({ filters: { dangling: ['true'], label: [`wave.namespace=${namespace}`] } });
  for (const info of dangling) {
    const ref = `<none>@${info.Id}`;
    if (inUseIds.has(info.Id)) result.inUse.push(ref);
    else if (opts.dryRun === true) result.removed.push(ref);
    else {
      try {
        await docker.getImage(info.Id).remove();
        result.removed.push(ref);
      } catch (err) {
        result.failed.push({ ref, reason: (err as Error).message });
      }
    }
  }
  return result;
}
