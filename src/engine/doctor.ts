// `wave doctor`'s checks for one project: the Docker engine's own checks (reachable, limits enforced, reaper),
// asked about the images this project needs: Wave's base image and every adapter's.
import { existsSync } from 'node:fs';
import { DEFAULT_COMMAND_IMAGE, defaultManifestPath, loadManifest } from '../config/index.js';
import { dockerDoctor, type DockerDoctorReport } from '../sandbox/index.js';

async function wantedImages(manifestPath: string): Promise<string[]> {
  const file = existsSync(manifestPath) ? manifestPath : defaultManifestPath();
  try {
    const { manifest } = await loadManifest(file);
    return [DEFAULT_COMMAND_IMAGE, ...new Set(Object.values(manifest.adapters).map((a) => a.image))];
  } catch {
    return [DEFAULT_COMMAND_IMAGE]; // a broken manifest is `wave validate`'s to report, not the engine's
  }
}

export async function projectDoctor(manifestPath: string): Promise<DockerDoctorReport> {
  return dockerDoctor({ images: await wantedImages(manifestPath) });
}
