// Opens the Docker Engine connection on first use: dockerode is imported dynamically so commands that never
// touch images (`wave --version`) do not pay for loading it.
import type Docker from 'dockerode';
import { WaveError } from '../errors.js';

export async function connectEngine(existing?: Docker): Promise<Docker> {
  const docker = existing ?? new (await import('dockerode')).default();
  try {
    await docker.ping();
  } catch (err) {
    throw new WaveError('docker_unavailable', `cannot reach the Docker engine: ${(err as Error).message}`, {
      hint: 'start Docker (or set DOCKER_HOST) and try again',
      cause: err,
    });
  }
  return docker;
}

/** Engine errors carry the HTTP status; 404 means "no such image/container". */
export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { statusCode?: unknown }).statusCode === 404;
}

/** The image's id, or undefined when the engine has no image by that reference. */
export async function imageIdOf(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
