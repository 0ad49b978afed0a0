// /wave/out as one Docker volume per attempt: a tmpfs (local driver) capped at the step's quota, so the kernel
// refuses writes beyond it (ENOSPC) however fast the step writes, and nothing of it is on the host's disk until
// Wave copies it out — bounded again, see out-extract.ts — after the step. Its pages are charged to the step's
// memory cgroup (so the quota may not exceed the memory limit, see outQuota).
//
// Docker 20.10's local driver unmounts a tmpfs volume, losing its contents, as soon as no running container uses
// it, and the archive of a stopped container remounts it empty. So the step's own container keeps running after its
// command ended (wave-hold, hold.ts) until the contents are out; seeding and copying go through it. The volume
// carries the step's labels (plus wave.role=out), so the orphan reaper removes it like step containers.
import { readdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { WaveError } from '../../errors.js';
import { SANDBOX_PATHS } from '../../config/sandbox-paths.js';
import type { SandboxLogger, SandboxSpec } from '../types.js';
import { detailOf, statusOf } from './engine-errors.js';
import { LABELS } from './labels.js';
import { emptyDir, extractOutputs, type ExtractOutcome } from './out-extract.js';
import { sandboxLabels, type BuildContext, type OutQuota } from './spec.js';

/** tmpfs accounts whole pages: room for one per allowed file, so outputs within both quotas always fit. */
const PAGE_BYTES = 4096;
const SLACK_BYTES = 1024 * 1024;

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
  build: Pick<BuildContext, 'outVolume' | 'owner' | 'profile'>;
  quota: OutQuota;
  user: { uid: number; gid: number };
  logger?: SandboxLogger;
}

/**
 * One attempt's /wave/out: create() before the step's container is created (the engine would otherwise make a
 * plain, unbounded volume of that name), seed() once it runs (wave-hold waits for it), copyOut() after the command
 * ended while the container still holds the volume, close() on every path.
 */
export class OutVolume {
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

  /** Whether mounts.out holds something the step starts with (then seed() must run before the command). */
  async seeded(): Promise<boolean> {
    return (await readdir(this.ctx.spec.mounts.out)).length > 0;
  }

  /**
   * Puts mounts.out's contents into the running container's /wave/out, owned by the step's user (the engine keeps
   * the archive's owner ids; copyUIDGID would look the user up in the image's passwd, where a numeric uid need not
   * be), then the sentinel wave-hold waits for: the archive's last entry, so everything before it is in place.
   */
  async seed(container: Docker.Container, sentinel: string): Promise<void> {
    const tar = await import('tar-fs');
    const { uid, gid } = this.ctx.user;
    // Not dereferenced: a link is copied as a link, to be resolved inside the container, never on the host.
    const pack = tar.pack(this.ctx.spec.mounts.out, {
      dereference: false,
      map: (header) => ({ ...header, uid, gid }),
      finalize: false,
      finish: (p) => {
        p.entry({ name: sentinel, uid, gid, mode: 0o600 }, '');
        p.finalize();
      },
    });
    try {
      await container.putArchive(pack as unknown as NodeJS.ReadableStream, { path: SANDBOX_PATHS.out });
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

  /**
   * Replaces mounts.out's contents with /wave/out's, within the quota; the refusal if there was one. The container
   * must still run once the archive has been read: if it stopped, the archive may be an empty remount rather than
   * the outputs, and they count as lost.
   */
  async copyOut(container: Docker.Container): Promise<ExtractOutcome> {
    const { spec, quota } = this.ctx;
    const running = () =>
      container.inspect().then(
        (i) => i.State.Running,
        () => false,
      );
    let archive: Readable;
    try {
      archive = (await container.getArchive({ path: SANDBOX_PATHS.out })) as unknown as Readable;
    } catch (err) {
      if (!(await running())) return this.lost();
      throw new WaveError('sandbox_failed', `cannot read /wave/out of step ${spec.labels.step}: ${detailOf(err)}`, {
        cause: err,
      });
    }
    const outcome = await extractOutputs(archive, spec.mounts.out, quota);
    return (await running()) ? outcome : this.lost();
  }

  /** Nothing in /wave/out: mounts.out ends empty too. */
  async copyEmpty(): Promise<ExtractOutcome> {
    await emptyDir(this.ctx.spec.mounts.out);
    return { ok: true, files: 0, directories: 0, bytes: 0 };
  }

  /**
   * The container stopped before /wave/out was copied (its processes killed wave-hold): the volume's contents are
   * gone with the mount. mounts.out ends empty, and the step's outputs are refused.
   */
  async lost(): Promise<ExtractOutcome> {
    await emptyDir(this.ctx.spec.mounts.out);
    return {
      ok: false,
      refusal: {
        kind: 'unsafe',
        message:
          `/wave/out of step ${this.ctx.spec.labels.step} was lost: its container stopped before the outputs were ` +
          'copied (was wave-hold killed from inside?)',
        hint: "a step must not kill or stop the container's processes outside its own command",
      },
    };
  }

  /** The step a log line is about. */
  private ids(): { run: string; step: string; attempt: number } {
    const { run, step, attempt } = this.ctx.spec.labels;
    return { run, step, attempt };
  }

  /** Removes the volume, once no container uses it; never throws (what is left carries labels for the reaper). */
  async close(): Promise<void> {
    const log = this.ctx.logger;
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
