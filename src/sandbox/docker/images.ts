// Does the engine have an image: the one check behind `wave run` (before anything starts), `wave doctor`, the
// sandbox and the image service. Wave never pulls: images are built locally (or imported) so a run cannot silently
// change what it executes. A missing image is an error whose hint is the exact command that builds it.
import type Docker from 'dockerode';
import { WaveError } from '../../errors.js';
import { sandboxFailed, statusOf } from './engine-errors.js';

export function buildHintFor(image: string): string {
  const m = /^wave\/([a-z0-9][a-z0-9._-]*)(?::[\w.-]+)?$/.exec(image);
  if (m?.[1] === 'base') return 'build it with: make base-image';
  if (m?.[1]) return `build it with: wave images build ${m[1]}`;
  return `Wave does not pull images; build or pull it yourself: docker pull ${image}`;
}

export function imageMissing(image: string, cause?: unknown): WaveError {
  return new WaveError('image_missing', `image ${image} is not present in the Docker engine`, {
    hint: buildHintFor(image),
    cause,
  });
}

/** True for the engine's "no such image" answers (create or inspect). */
export function isNoSuchImage(err: unknown): boolean {
  if (statusOf(err) !== 404) return false;
  const e = err as { message?: string; json?: { message?: string } };
  const text = `${e.json?.message ?? ''} ${e.message ?? ''}`.toLowerCase();
  return text.includes('no such image') || text.includes('not found');
}

/** The image's id, or undefined when the engine has no image by that reference; other engine errors throw. */
export async function imageIdOf(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

/** The references the engine has no image for, in the order given, each once; sandbox_failed if it cannot say. */
export async function missingImages(docker: Docker, refs: Iterable<string>): Promise<string[]> {
  const missing: string[] = [];
  for (const ref of new Set(refs)) {
    const id = await imageIdOf(docker, ref).catch((err: unknown) => {
      throw sandboxFailed(`cannot inspect image ${ref}`, err);
    });
    if (id === undefined) missing.push(ref);
  }
  return missing;
}

/** Refuses to go on without every image: one image_missing naming them all, with the command for each. */
export async function requireImages(docker: Docker, refs: Iterable<string>): Promise<void> {
  const missing = await missingImages(docker, refs);
  if (missing.length) {
    throw new WaveError('image_missing', `image(s) missing: ${missing.join(', ')}`, {
      hint: missing.map(buildHintFor).join('; '),
    });
  }
}
