// `wave images` / `wave images ls`: Wave's images with their size, age and the adapters that use them.
import type Docker from 'dockerode';
import { DEFAULT_NAMESPACE, splitRef } from './catalog.js';
import { connectEngine } from './engine.js';
import { inventory } from './inventory.js';
import type { ImageRow } from './types.js';

export interface ListOptions {
  /** adapter → image reference, as configured (the manifest's adapters, personas' overrides resolved). */
  adapterImages?: Record<string, string>;
  namespace?: string;
  docker?: Docker;
}

export async function listImages(opts: ListOptions = {}): Promise<ImageRow[]> {
  const docker = await connectEngine(opts.docker);
  const rows = await inventory(docker, opts.namespace ?? DEFAULT_NAMESPACE);
  // An adapter uses an image, not a tag: every tag of the image its reference names is "used by" it.
  const idOfRef = new Map(rows.map((r) => [`${r.repository}:${r.tag}`, r.imageId]));
  const usedBy = new Map<string, string[]>();
  for (const [adapter, ref] of Object.entries(opts.adapterImages ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const { repository, tag } = splitRef(ref);
    const id = idOfRef.get(`${repository}:${tag}`);
    if (id !== undefined) usedBy.set(id, [...(usedBy.get(id) ?? []), adapter]);
  }
  return rows.map((r) => ({ ...r, usedBy: usedBy.get(r.imageId) ?? [] }));
}
