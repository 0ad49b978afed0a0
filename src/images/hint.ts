// What to tell a user whose step needs an image that is not there: the exact command that makes it.
import type Docker from 'dockerode';
import { WaveError } from '../errors.js';
import { DEFAULT_NAMESPACE, catalogNameOf, defaultCatalog } from './catalog.js';
import { imageIdOf } from './engine.js';

/** `wave images build claude` for Wave's own images; `docker pull REF` for anything else. */
export function missingImageHint(ref: string, namespace: string = DEFAULT_NAMESPACE): string {
  const name = catalogNameOf(ref, namespace);
  const known = defaultCatalog().map((s) => s.name);
  if (name !== undefined && known.includes(name)) {
    return `run: wave images build ${name}`;
  }
  return `run: docker pull ${ref}   (or build it yourself: docker build -t ${ref} <context>)`;
}

/** Refuses to go on without the image: throws image_missing with the command that builds or fetches it. */
export async function ensureImage(docker: Docker, ref: string, namespace: string = DEFAULT_NAMESPACE): Promise<string> {
  const id = await imageIdOf(docker, ref);
  if (id === undefined) {
    throw new WaveError('image_missing', `image ${ref} is missing`, { hint: missingImageHint(ref, namespace) });
  }
  return id;
}
