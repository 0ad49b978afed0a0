// Which images a build request covers, and in what order: parents before their dependents.
import { WaveError } from '../errors.js';
import type { ImageSpec } from './types.js';

/**
 * requested: names asked for (empty = all). present(name): whether `<ns>/<name>:latest` exists.
 * alsoBuild: names that must be rebuilt whatever was asked (base, when an extra CA is given).
 * A dependent whose parent is neither requested nor present pulls the parent in.
 */
export function planBuild(
  catalog: ImageSpec[],
  requested: string[],
  present: (name: string) => boolean,
  alsoBuild: string[] = [],
): ImageSpec[] {
  const byName = new Map(catalog.map((s) => [s.name, s]));
  for (const name of requested) {
    if (!byName.has(name)) {
      throw new WaveError('usage', `unknown image "${name}"`, {
        hint: `images: ${catalog.map((s) => s.name).join(', ')}`,
      });
    }
  }
  const wanted = new Set(requested.length === 0 ? catalog.map((s) => s.name) : requested);
  for (const name of alsoBuild) if (byName.has(name)) wanted.add(name);
  // Close over missing parents until nothing changes (the catalogue is tiny).
  let grew = true;
  while (grew) {
    grew = false;
    for (const name of [...wanted]) {
      const parent = byName.get(name)?.parent;
      if (parent?.kind === 'wave' && !wanted.has(parent.name) && !present(parent.name)) {
        if (!byName.has(parent.name))
          throw new WaveError('usage', `image "${name}" builds FROM unknown image "${parent.name}"`);
        wanted.add(parent.name);
        grew = true;
      }
    }
  }
  const ordered: ImageSpec[] = [];
  const visiting = new Set<string>();
  const visit = (spec: ImageSpec): void => {
    if (ordered.includes(spec)) return;
    if (visiting.has(spec.name))
      throw new WaveError('usage', `images build FROM each other in a cycle through "${spec.name}"`);
    visiting.add(spec.name);
    const parent = spec.parent.kind === 'wave' ? byName.get(spec.parent.name) : undefined;
    if (parent && wanted.has(parent.name)) visit(parent);
    visiting.delete(spec.name);
    ordered.push(spec);
  };
  for (const spec of catalog) if (wanted.has(spec.name)) visit(spec);
  return ordered;
}
