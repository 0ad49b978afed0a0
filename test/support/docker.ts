// Integration tests need a real Docker engine. Locally they are reported as skipped without one; under CI=true
// (or WAVE_REQUIRE_DOCKER=1) a missing engine is a failure, so CI can never go green by skipping them.
import Docker from 'dockerode';

export interface DockerAvailability {
  docker: Docker;
  /** false when the tests should run; otherwise the reason they are skipped. */
  skip: false | string;
}

export function dockerRequired(): boolean {
  return process.env.CI === 'true' || process.env.WAVE_REQUIRE_DOCKER === '1';
}

export async function dockerForTests(): Promise<DockerAvailability> {
  const docker = new Docker();
  try {
    await docker.ping();
    return { docker, skip: false };
  } catch (err) {
    const reason = `no Docker engine reachable (${(err as Error).message})`;
    if (dockerRequired()) throw new Error(`${reason}; integration tests are required under CI=true`);
    return { docker, skip: reason };
  }
}

/** The image integration tests run in: Wave's base image (built by `make base-image`). */
export const TEST_IMAGE = process.env.WAVE_TEST_IMAGE ?? 'wave/base:latest';

export async function imageForTests(docker: Docker, image = TEST_IMAGE): Promise<false | string> {
  try {
    await docker.getImage(image).inspect();
    return false;
  } catch {
    const reason = `image ${image} is missing (run: make base-image)`;
    if (dockerRequired()) throw new Error(`${reason}; integration tests are required under CI=true`);
    return reason;
  }
}
