// The image service talks to the engine the sandbox uses: the one DOCKER_HOST selects, connected on first use
// (dockerode is imported lazily so commands that never touch images, `wave --version`, do not pay for loading it).
import type Docker from 'dockerode';
import { DockerEngine } from '../sandbox/docker/facade.js';

export { imageIdOf } from '../sandbox/docker/images.js';

export async function connectEngine(existing?: Docker): Promise<Docker> {
  return existing ?? (await DockerEngine.connect()).docker;
}
