// What the engine holds under a namespace: one row per tag, grouped with the image its `latest` names.
import type Docker from 'dockerode';
import { splitRef } from './catalog.js';
import type { TaggedImage } from './types.js';

export async function inventory(docker: Docker, namespace: string): Promise<TaggedImage[]> {
  const prefix = `${namespace}/`;
  const rows: TaggedImage[] = [];
  for (const info of await docker.listImages()) {
    for (const ref of info.RepoTags ?? []) {
      const { repository, tag } = splitRef(ref);
      if (!repository.startsWith(prefix)) continue;
      rows.push({
        repository,
        name: repository.slice(prefix.length),
        tag,
        imageId: info.Id,
        sizeBytes: info.Size,
        created: new Date(info.Created * 1000),
        current: false,
      });
    }
  }
  const latest = new Map(rows.filter((r) => r.tag === 'latest').map((r) => [r.repository, r.imageId]));
  for (const row of rows) row.current = latest.get(row.repository) === row.imageId;
  return rows.sort(
    (a, b) =>
      a.name.localeCompare(b.name) ||
      Number(b.current) - Number(a.current) ||
      b.created.getTime() - a.created.getTime(),
  );
}
