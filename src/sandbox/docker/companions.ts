// What a step's container needs next to it: its /wave/out volume (out-volume.ts), and, for an image without the
// egress bridge, the bridge sidecar whose network namespace the step joins (sidecar.ts). Made before the step's
// container and removed after it, on every path.
import type Docker from 'dockerode';
import type { SidecarSpec } from '../egress/attachment.js';
import { OutVolume, type OutVolumeContext } from './out-volume.js';
import { removeContainer } from './engine-errors.js';
import { startSidecar } from './sidecar.js';

export interface CompanionsContext extends OutVolumeContext {
  /** The step's build context, for the sidecar's container. */
  build: Parameters<typeof startSidecar>[3];
  /** The bridge sidecar to start, when the step's network needs one. */
  sidecar?: SidecarSpec | undefined;
}

export class StepCompanions {
  private constructor(
    /** The step's /wave/out: seeded and copied out through the step's own container. */
    readonly outputs: OutVolume,
    private readonly sidecar: { container: Docker.Container; spec: SidecarSpec } | undefined,
    private readonly ctx: CompanionsContext,
  ) {}

  /** Creates the volume and starts the sidecar. On failure, removes what it made before throwing. */
  static async start(docker: Docker, ctx: CompanionsContext): Promise<StepCompanions> {
    const outputs = new OutVolume(docker, ctx);
    try {
      await outputs.create();
      const spec = ctx.sidecar;
      const sidecar = spec && { container: await startSidecar(docker, spec, ctx.spec, ctx.build), spec };
      return new StepCompanions(outputs, sidecar, ctx);
    } catch (err) {
      await outputs.close();
      throw err;
    }
  }

  /** The step's NetworkMode when it joins the sidecar's namespace. */
  networkMode(): string | undefined {
    return this.sidecar?.spec.stepNetworkMode(this.sidecar.container.id);
  }

  /**
   * Removes the sidecar while `step` (the step container's removal) runs, then the volume, which no container uses
   * any more. Never throws.
   */
  async release(step: Promise<void>): Promise<void> {
    const sidecar = this.sidecar?.container;
    const { run, step: stepId, attempt } = this.ctx.spec.labels;
    const warn = (err: string) => {
      const fields = { run, step: stepId, attempt, containerId: sidecar?.id, err };
      this.ctx.logger?.warn(fields, 'could not remove the egress bridge container');
    };
    await Promise.all([step, sidecar && removeContainer(sidecar, warn)]);
    await this.outputs.close();
  }
}
