// /wave/out as one Docker volume per attempt: a tmpfs (local driver) capped at the step's quota, so the kernel
// refuses writes beyond it (ENOSPC) however fast the step writes, and nothing of it is on the host's disk until
// Wave copies it out — bounded again, see out-extract.ts — after the step. Its pages are charged to the step's
// memory cgroup (so the quota may not exceed the memory limit, see outQuota).
//
// Docker 20.10's local driver unmounts a tmpfs volume, losing its contents, as soon as no running container uses
// it, and the archive of a stopped container remounts it empty. So a holder container keeps it mounted from before
// the step starts until its contents are out: the step's image running `sleep` under the engine's init, with the
// step's hardening, no network, no env and small limits. The volume and the holder carry the step's labels (plus
// wave.role=out), so the orphan reaper removes them like step containers when Wave dies.
import { readdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { WaveError } from '../../errors.js';
import { SANDBOX_PATHS } from '../../config/sandbox-paths.js';
import type { SandboxLogger, SandboxSpec } from '../types.js';
import { detailOf, removeContainer, statusOf } from './engine-errors.js';
import { LABELS } from './labels.js';
import { extractOutputs, type ExtractOutcome } from './out-extract.js';
import { buildContainerSpec, sandboxLabels, type BuildContext, type OutQuota } from './spec.js';

/** tmpfs accounts whole pages: room for one per allowed file, so outputs within both quotas always fit. */
const PAGE_BYTES = 4096;
const SLACK_BYTES = 1024 * 1024;
const HOLDER_RESOURCES = { memoryBytes: 32 * 1024 * 1024, cpus: 0.1, pids: 8 };

export const OUT_ROLE = 'out';

export function outVolumeName(containerName: string): string {
  return `${containerName}-out`;
}

/**
 * The volume's create options. Bytes: the quota plus page rounding plus 1 MiB, so a step that goes over gets
 * somewhat past the quota before ENOSPC and the copy sees it (the copy itself stops at the quota). Inodes: the
 * quota, one for the root, one more to go over by.
 */
export function outVolumeOptions(
  name: string,
  quota: OutQuota,
  user: { uid: number; gid: number },
  labels: Record<string, string>,
  exec: boolean,
): Docker.VolumeCreateOptions {
  const size = quota.maxBytes + quota.maxFiles * PAGE_BYTES + SLACK_BYTES;
  const inodes = quota.maxFiles + 2;
  const flags = ['nosuid', 'nodev', ...(exec ? [] : ['noexec'])].join(',');
  return {
    Name: name,
    Driver: 'local',
    DriverOpts: {
      type: 'tmpfs',
      device: 'tmpfs',
      o: `size=${size},nr_inodes=${inodes},mode=0700,uid=${user.uid},gid=${user.gid},${flags}`,
    },
    Labels: { ...labels, [LABELS.role]: OUT_ROLE },
  };
}

export interface OutVolumeContext {
  spec: SandboxSpec;
  /** The step's build context (its outVolume is this volume's name). */
  build: Omit<BuildContext, 'egress' | 'networkMode' | 'imageEntrypoint'>;
  quota: OutQuota;
  user: { uid: number; gid: number };
  logger?: SandboxLogger;
}

/**
 * One attempt's /wave/out: create() before the step's container is created (the engine would otherwise make a
 * plain, unbounded volume of that name), hold() before it starts, copyOut() after it ended, close() on every path.
 */
export class OutVolume {
  private holder: Docker.Container | undefined;
  private created = false;

  constructor(
    private readonly docker: Docker,
    private readonly ctx: OutVolumeContext,
  ) {}

  get name(): string {
    return this.ctx.build.outVolume;
  }

  async create(): Promise<void> {
    const { spec, build, quota, user } = this.ctx;
    try {
      await this.docker.createVolume(
        outVolumeOptions(this.name, quota, user, sandboxLabels(spec, build.owner), build.profile.tmpfsExec),
      );
      this.created = true;
    } catch (err) {
      throw new WaveError(
        'sandbox_failed',
        `cannot create the /wave/out volume of step ${spec.labels.step}: ${detailOf(err)}`,
        { cause: err },
      );
    }
  }

  /** Starts the holder and seeds the volume with mounts.out's contents (if any). */
  async hold(): Promise<void> {
    const { spec, build } = this.ctx;
    const { stdin: _stdin, egress: _egress, extraMounts: _extra, env: _env, ...rest } = spec;
    const options = buildContainerSpec(
      { ...rest, argv: ['sleep', 'infinity'], network: 'none', resources: HOLDER_RESOURCES },
      { ...build, ...(build.name ? { name: `${build.name}-out` } : {}), imageEntrypoint: [] },
    );
    options.Labels = { ...options.Labels, [LABELS.role]: OUT_ROLE };
    try {
      this.holder = await this.docker.createContainer(options);
      await this.holder.start();
    } catch (err) {
      throw new WaveError(
        'sandbox_failed',
        `cannot start the /wave/out holder of step ${spec.labels.step}: ${detailOf(err)}`,
        {
          hint: `the image ${spec.image} must have \`sleep\` on its PATH: a container running it keeps /wave/out's volume mounted while the step runs`,
          cause: err,
        },
      );
    }
    if ((await readdir(spec.mounts.out)).length > 0) await this.seed();
  }

  /**
   * Puts mounts.out's contents into the volume, owned by the step's user: the engine keeps the archive's owner ids
   * (copyUIDGID would look the user up in the image's passwd, where a numeric uid need not be).
   */
  private async seed(): Promise<void> {
    const tar = await import('tar-fs');
    const { uid, gid } = this.ctx.user;
    // Not dereferenced: a link is copied as a link, to be resolved inside the container, never on the host.
    const pack = tar.pack(this.ctx.spec.mounts.out, { dereference: false, map: (header) => ({ ...header, uid, gid }) });
    try {
      await (this.holder as Docker.Container).putArchive(pack as unknown as NodeJS.ReadableStream, {
        path: SANDBOX_PATHS.out,
      });
    } catch (err) {
      throw new WaveError(
        'sandbox_failed',
        `cannot put ${this.ctx.spec.mounts.out} into /wave/out of step ${this.ctx.spec.labels.step}: ${detailOf(err)}`,
        {
          hint: 'what a step starts with in /wave/out counts against its quota (resources.out_size, resources.out_files)',
          cause: err,
        },
      );
    }
  }

  /** Replaces mounts.out's contents with /wave/out's, within the quota; the refusal if there was one. */
  async copyOut(): Promise<ExtractOutcome> {
    const holder = this.holder as Docker.Container;
    const { spec, quota } = this.ctx;
    let archive: Readable;
    try {
      archive = (await holder.getArchive({ path: SANDBOX_PATHS.out })) as unknown as Readable;
    } catch (err) {
      throw new WaveError('sandbox_failed', `cannot read /wave/out of step ${spec.labels.step}: ${detailOf(err)}`, {
        cause: err,
      });
    }
    const outcome = await extractOutputs(archive, spec.mounts.out, quota);
    // A holder that stopped would have let the volume go: the archive would then be an empty remount, not outputs.
    const state = await holder.inspect().then(
      (i) => i.State,
      () => undefined,
    );
    if (!state?.Running) {
      throw new WaveError(
        'sandbox_failed',
        `the /wave/out holder of step ${spec.labels.step} stopped before the outputs were copied (${state ? `exit ${state.ExitCode}` : 'gone'})`,
      );
    }
    return outcome;
  }

  /** The step a log line is about. */
  private ids(): { run: string; step: string; attempt: number } {
    const { run, step, attempt } = this.ctx.spec.labels;
    return { run, step, attempt };
  }

  /** Removes the holder (the volume goes with close()); never throws. */
  async removeHolder(): Promise<void> {
    const holder = this.holder;
    this.holder = undefined;
    if (!holder) return;
    await removeContainer(holder, (err) => {
      this.ctx.logger?.warn({ ...this.ids(), containerId: holder.id, err }, 'could not remove the /wave/out holder');
    });
  }

  /**
   * Removes the holder and the volume, once no container uses it; never throws (what is left carries labels for
   * the reaper).
   */
  async close(): Promise<void> {
    const log = this.ctx.logger;
    await this.removeHolder();
    if (this.created) {
      await this.docker
        .getVolume(this.name)
        .remove({ force: true })
        .catch((err: unknown) => {
          if (statusOf(err) === 404) return;
          log?.warn({ ...this.ids(), volume: this.name, err: detailOf(err) }, 'could not remove the /wave/out volume');
        });
    }
  }
}
