// What a step's container needs next to it: its /wave/out volume with the holder that keeps it mounted
// (out-volume.ts), and, for an image without the egress bridge, the bridge sidecar whose network namespace the
// step joins (sidecar.ts). Made before the step's container and removed after it, on every path.
import type Docker from 'dockerode';
import type { SidecarSpec } from '../egress/attachment.js';
import type { ExtractOutcome } from './out-extract.js';
import { OutVolume, type OutVolumeContext } from './out-volume.js';
import { removeContainer } from './engine-errors.js';
import { startSidecar } from './sidecar.js';

export interface CompanionsContext extends OutVolumeContext {
  /** The bridge sidecar to start, when the step's network needs one. */
  sidecar?: SidecarSpec | undefined;
}

export class StepCompanions {
  private constructor(
    private readonly outputs: OutVolume,
    /** Settles once the holder holds the volume: the step must not start before. */
    readonly held: Promise<void>,
    private readonly sidecar: { container: Docker.Container; spec: SidecarSpec } | undefined,
    private readonly ctx: CompanionsContext,
  ) {}

  /**
   * Creates the volume and starts the holder and the sidecar. The holder's start (a container start, the slow part)
   * is not awaited here: it overlaps the sidecar's and the step's create and attach. On failure, removes what it
   * made before throwing.
   */
  static async start(docker: Docker, ctx: CompanionsContext): Promise<StepCompanions> {
    const outputs = new OutVolume(docker, ctx);
    let held: Promise<void> | undefined;
    try {
      await outputs.create();
      held = outputs.hold();
      held.catch(() => undefined); // awaited before the step starts
      const spec = ctx.sidecar;
      const sidecar = spec && { container: await startSidecar(docker, spec, ctx.spec, ctx.build), spec };
      return new StepCompanions(outputs, held, sidecar, ctx);
    } catch (err) {
      await held?.catch(() => undefined);
      await outputs.close();
      throw err;
    }
  }

  /** The step's NetworkMode when it joins the sidecar's namespace. */
  networkMode(): string | undefined {
    return this.sidecar?.spec.stepNetworkMode(this.sidecar.container.id);
  }

  /** Replaces mounts.out's contents with /wave/out's, within the quota (see OutVolume.copyOut). */
  copyOut(): Promise<ExtractOutcome> {
    return this.outputs.copyOut();
  }

  /**
   * Removes the sidecar and the holder while `step` (the step container's removal) runs, then the volume, which no
   * container uses any more. Never throws.
   */
  async release(step: Promise<void>): Promise<void> {
    const sidecar = this.sidecar?.container;
    const { run, step: stepId, attempt } = this.ctx.spec.labels;
    const warn = (err: string) => {
      const fields = { run, step: stepId, attempt, containerId: sidecar?.id, err };
      this.ctx.logger?.warn(fields, 'could not remove the egress bridge container');
    };
    await Promise.all([
      step,
      sidecar && removeContainer(sidecar, warn),
      this.held.catch(() => undefined).then(() => this.outputs.removeHolder()),
    ]);
    await this.outputs.close();
  }
}
