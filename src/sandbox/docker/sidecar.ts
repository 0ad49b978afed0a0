// The egress bridge as a sidecar, for step images without node or the bridge: a container from wave/base with the
// step's hardening and no network but loopback, whose network namespace the step joins (NetworkMode
// container:<id>). It carries the step's labels, so the reaper removes it like any step container.
import type Docker from 'dockerode';
import { WaveError } from '../../errors.js';
import type { SidecarSpec } from '../egress/attachment.js';
import type { SandboxSpec } from '../types.js';
import { buildContainerSpec, type BuildContext } from './spec.js';

const READY_TIMEOUT_MS = 10_000;
const SIDECAR_RESOURCES = { memoryBytes: 128 * 1024 * 1024, pids: 64, cpus: 0.5 };

export async function startSidecar(
  docker: Docker,
  sidecar: SidecarSpec,
  step: SandboxSpec,
  ctx: Omit<BuildContext, 'egress' | 'networkMode' | 'imageEntrypoint' | 'hold'>,
): Promise<Docker.Container> {
  const { stdin: _stdin, egress: _egress, ...rest } = step;
  const spec: SandboxSpec = {
    ...rest,
    image: sidecar.image,
    argv: sidecar.argv,
    network: 'none',
    extraMounts: sidecar.mounts,
    resources: SIDECAR_RESOURCES,
  };
  const options = buildContainerSpec(spec, {
    ...ctx,
    ...(ctx.name ? { name: `${ctx.name}-bridge` } : {}),
    imageEntrypoint: [],
  });
  const container = await docker.createContainer(options);
  try {
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    const ready = new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () =>
          reject(
            new WaveError('sandbox_failed', `egress bridge sidecar did not start within ${READY_TIMEOUT_MS / 1000} s`),
          ),
        READY_TIMEOUT_MS,
      );
      stream.on('data', (chunk: Buffer) => {
        // Multiplexed frames: the ready line's text appears verbatim inside them.
        seen = (seen + chunk.toString('latin1')).slice(-4096);
        if (seen.includes(sidecar.readyLine)) {
          clearTimeout(timer);
          resolve();
        }
      });
      stream.on('end', () => {
        clearTimeout(timer);
        reject(new WaveError('sandbox_failed', 'egress bridge sidecar exited before it was ready'));
      });
    });
    await container.start();
    await ready;
    return container;
  } catch (err) {
    await container.remove({ force: true }).catch(() => undefined);
    throw err;
  }
}
