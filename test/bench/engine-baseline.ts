// The Docker engine's own cost of one step container, as the baseline Wave's figures are read against: the very
// create options Wave builds (buildContainerSpec — same image and entrypoint, the same hardening, mounts and
// labels), then only create → start → wait → remove. No attach, no inspect, no workspace, no state: what is left
// when everything Wave adds is taken away. A helper for the benchmarks, not a benchmark itself.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { loadSandboxProfile } from '../../src/sandbox/profile.js';
import { currentOwner } from '../../src/liveness.js';
import { buildContainerSpec, containerUser, currentHostIdentity } from '../../src/sandbox/docker/spec.js';

export interface EngineBaselineOptions {
  docker: Docker;
  image: string;
  /** The step's argv, as Wave passes it (a command step: ['sh', '-c', script]). */
  argv: string[];
  /** A scratch folder for the src/in/out bind mounts. */
  dir: string;
}

/** Returns one engine-only step: resolves when the container has run and is removed; throws on a non-zero exit. */
export async function engineBaselineStep(options: EngineBaselineOptions): Promise<() => Promise<void>> {
  const { docker, image, argv, dir } = options;
  const profile = loadSandboxProfile();
  const host = currentHostIdentity();
  const user = containerUser(host, profile);
  const mounts = { src: join(dir, 'src'), in: join(dir, 'in'), out: join(dir, 'out') };
  for (const m of Object.values(mounts)) await mkdir(m, { recursive: true, mode: 0o755 });
  if (host.uid === 0) await import('node:fs/promises').then((fs) => fs.chown(mounts.out, user.uid, user.gid));
  const entrypoint = (await docker.getImage(image).inspect()).Config?.Entrypoint as string[] | null | undefined;
  const owner = currentOwner();
  let n = 0;
  return async () => {
    // The engine creates the named /wave/out volume on first use (a plain one: the baseline skips the quota work).
    const outVolume = `bench-engine-baseline-${process.pid}-${n}`;
    const createOptions = buildContainerSpec(
      { image, argv, mounts, labels: { run: 'bench-engine-baseline', step: `s${n++}`, attempt: 1 } },
      { profile, host, owner, imageEntrypoint: entrypoint, outVolume },
    );
    const container = await docker.createContainer(createOptions);
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      if (StatusCode !== 0) throw new Error(`engine baseline: exit ${StatusCode}`);
    } finally {
      await container.remove({ force: true, v: true });
      await docker.getVolume(outVolume).remove({ force: true });
    }
  };
}
