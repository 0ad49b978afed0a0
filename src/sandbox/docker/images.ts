// Wave never pulls: images are built locally (or imported) so a run cannot silently change what it executes.
// A missing image is an error whose hint is the exact command that builds it.
import { WaveError } from '../../errors.js';

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
  const e = err as { statusCode?: number; message?: string; json?: { message?: string } } | undefined;
  if (e?.statusCode !== 404) return false;
  const text = `${e.json?.message ?? ''} ${e.message ?? ''}`.toLowerCase();
  return text.includes('no such image') || text.includes('not found');
}
