// The Docker backend: one throwaway container per run, through the Engine API only.
// Lifecycle: /wave/out volume → create → attach → start → (seed /wave/out) → (stdin) → the command's end (wave-hold's
// marker, hold.ts) → copy /wave/out out → release → wait → drain output and inspect → remove. The container and the
// volume are removed on every path out of run(), including errors and cancellation; a crash of Wave itself leaves
// them to the reaper (reaper.ts), which is why both carry owner labels. /wave/out is never a host bind: a step could
// fill the host's disk through one (see out-volume.ts).
// Round trips per step are kept to what the lifecycle needs: the image's config is remembered (image-config.ts),
// and the inspect for OOMKilled (the wait answer does not carry it) overlaps the output drain.
import { lstat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { nanoid } from 'nanoid';
import type Docker from 'dockerode';
import { WaveError } from '../../errors.js';
import { currentOwner, type OwnerIdentity } from '../../liveness.js';
import { imageHasBridge } from '../egress/attachment.js';
import { CommandOutput } from '../output.js';
import { loadSandboxProfile, type SandboxProfile } from '../profile.js';
import { StopControl } from '../stop.js';
import {
  DEFAULT_DRAIN_MS,
  type Sandbox,
  type SandboxLogger,
  type SandboxResult,
  type SandboxRunOptions,
  type SandboxSpec,
  type SandboxStatus,
} from '../types.js';
import { StepCompanions } from './companions.js';
import { connectDocker } from './engine.js';
import { sandboxFailed } from './engine-errors.js';
import { ImageConfigCache } from './image-config.js';
import { imageIdOf, imageMissing, isNoSuchImage, requireImages } from './images.js';
import { holdNonce, seedSentinel } from './hold.js';
import { outVolumeName } from './out-volume.js';
import {
  buildContainerSpec,
  containerName,
  containerUser,
  currentHostIdentity,
  outQuota,
  type HostIdentity,
} from './spec.js';
import { StepContainer } from './step-container.js';

export interface DockerSandboxOptions {
  /** A connected client; by default connectDocker() is called on first use. */
  docker?: Docker;
  profile?: SandboxProfile;
  logger?: SandboxLogger;
  /** For tests: pretend Wave runs as this user. */
  host?: HostIdentity;
  owner?: OwnerIdentity;
  /** How long to wait for the engine to close the output stream after the container exited. */
  drainTimeoutMs?: number;
}

/**
 * Mount sources must be existing directories: the engine would otherwise fail late with a vaguer message. When the
 * container runs as another user than Wave (Wave as root → uid 10001), the read-only mounts must also be readable
 * by that user, or the step starts in a source tree it cannot list — a confusing failure far from its cause.
 */
async function checkMounts(spec: SandboxSpec, host: HostIdentity, inner: { uid: number; gid: number }): Promise<void> {
  for (const [name, path] of Object.entries(spec.mounts)) {
    if (typeof path !== 'string') continue; // absent `in`, and the srcWritable flag
    const st = await lstat(path).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new WaveError('sandbox_failed', `mounts.${name}: ${path} is not a directory`, {
        hint: 'the workspace must be prepared before the step runs',
      });
    }
    if (name === 'out' || host.uid === inner.uid) continue;
    const bits = st.uid === inner.uid ? (st.mode >> 6) & 5 : st.gid === inner.gid ? (st.mode >> 3) & 5 : st.mode & 5;
    if (bits !== 5) {
      throw new WaveError(
        'sandbox_failed',
        `mounts.${name}: ${path} is not readable by the container user ${inner.uid}:${inner.gid}`,
        {
          hint: `make it readable (chmod o+rx ${path}, and the files in it o+r)`,
        },
      );
    }
  }
}

export class DockerSandbox implements Sandbox {
  readonly kind = 'docker' as const;
  private client: Promise<Docker> | undefined;
  private readonly profile: SandboxProfile;
  private readonly images = new ImageConfigCache();

  constructor(private readonly options: DockerSandboxOptions = {}) {
    this.profile = options.profile ?? loadSandboxProfile();
    if (options.docker) this.client = Promise.resolve(options.docker);
  }

  private docker(): Promise<Docker> {
    this.client ??= connectDocker().then((c) => c.docker);
    // A failed connection is not cached: the next run may find the engine up.
    this.client.catch(() => (this.client = undefined));
    return this.client;
  }

  async requireImages(images: Iterable<string>): Promise<void> {
    await requireImages(await this.docker(), images);
  }

  async imageId(image: string): Promise<string | undefined> {
    const docker = await this.docker();
    return imageIdOf(docker, image).catch((err: unknown) => {
      throw sandboxFailed(`cannot inspect image ${image}`, err);
    });
  }

  async run(spec: SandboxSpec, runOptions: SandboxRunOptions = {}): Promise<SandboxResult> {
    const started = performance.now();
    const log = this.options.logger;
    // Every line names the step, so a warning reaches the user against it.
    const ids = { run: spec.labels.run, step: spec.labels.step, attempt: spec.labels.attempt };
    const host = this.options.host ?? currentHostIdentity();
    const inner = containerUser(host, this.profile);
    const name = containerName(spec, nanoid(8).replace(/[^a-zA-Z0-9]/g, 'x'));
    const owner = this.options.owner ?? currentOwner();
    const base = { profile: this.profile, host, owner, name, outVolume: outVolumeName(name) };
    buildContainerSpec(spec, base); // validate the spec before touching anything
    const { signal } = runOptions;
    const notStarted = (containerId: string | null): SandboxResult => {
      const durationMs = performance.now() - started;
      return { status: 'cancelled', exitCode: null, durationMs, containerId, stdoutTail: '', stderrTail: '' };
    };
    if (signal?.aborted) return notStarted(null);

    await checkMounts(spec, host, inner);
    const docker = await this.docker();
    // Never pulled: a missing image fails here, with the command that builds it.
    const image = await this.images.get(docker, spec.image).catch((err: unknown) => {
      if (isNoSuchImage(err)) throw imageMissing(spec.image, err);
      throw sandboxFailed(`cannot inspect image ${spec.image}`, err);
    });
    const attachment =
      spec.network && spec.network !== 'none' ? spec.egress?.(imageHasBridge(image.labels)) : undefined;
    const quota = outQuota(spec, this.profile);
    const companions = await StepCompanions.start(docker, {
      spec,
      build: base,
      quota,
      user: inner,
      sidecar: attachment?.sidecar,
      ...(log ? { logger: log } : {}),
    });
    const { outputs } = companions;
    let container: StepContainer | undefined;
    const stop = new StopControl({
      graceMs: spec.killGraceMs ?? this.profile.killGraceMs,
      signal,
      stopSignal: runOptions.stop,
      timeoutMs: spec.timeoutMs,
      stallMs: spec.stallTimeoutMs,
      onStop: (reason) => log?.info({ ...ids, containerId: container?.id, reason }, 'stopping sandbox'),
    });
    try {
      const networkMode = companions.networkMode();
      const nonce = holdNonce();
      const seeded = await outputs.seeded();
      const createOptions = buildContainerSpec(spec, {
        ...base,
        hold: { nonce, seeded },
        imageEntrypoint: image.entrypoint,
        ...(attachment ? { egress: attachment } : {}),
        ...(networkMode ? { networkMode } : {}),
      });
      container = await StepContainer.create(docker, createOptions, {
        step: spec.labels.step,
        image: spec.image,
        onNoSuchImage: () => this.images.forget(spec.image),
        debug: (fields, message) => log?.debug({ ...ids, ...fields }, message),
      });
      const { id } = container;
      log?.info({ ...ids, containerId: id, image: spec.image }, 'sandbox created');
      const envKeys = Object.keys(spec.env ?? {});
      const network = spec.network ?? 'none';
      log?.debug({ ...ids, containerId: id, envKeys, network, egress: attachment?.mode }, 'sandbox spec');
      runOptions.onCreated?.(id);

      const output = new CommandOutput(
        this.profile.maxLineBytes,
        runOptions.onLine,
        stop.consumerFailed,
        stop.activity,
      );
      await container.attach(output, spec.stdin !== undefined, nonce);
      if (signal?.aborted) return notStarted(id);
      await container.start();
      stop.attach(container.signal);
      // wave-hold starts the command once the sentinel, the archive's last entry, is in /wave/out.
      if (seeded) await outputs.seed(container.handle, seedSentinel(nonce));
      if (spec.stdin !== undefined) container.writeStdin(spec.stdin);
      const drainTimeoutMs = spec.drainMs ?? this.options.drainTimeoutMs ?? DEFAULT_DRAIN_MS;
      const ended = await container.ended(drainTimeoutMs);
      stop.commandEnded();
      // Cancelled: nobody wants the outputs. Otherwise (a failed step's too, for inspection) they come out bounded,
      // while the container still holds /wave/out; without a marker it no longer does, and they are lost.
      const copied =
        stop.reason === 'cancelled' || stop.consumerError
          ? undefined
          : !ended
            ? await outputs.lost()
            : ended.empty
              ? await outputs.copyEmpty()
              : await outputs.copyOut(container.handle);
      // After an empty marker wave-hold exits by itself; the release only matters if the marker was forged.
      if (ended?.empty) void container.release();
      else if (ended) await container.release();
      const exit = await container.exit(drainTimeoutMs);

      const status: SandboxStatus = stop.reason ?? (exit.oomKilled ? 'oom_killed' : 'exited');
      if (stop.consumerError) throw stop.consumerError.err;
      const result: SandboxResult = {
        status,
        exitCode: exit.exitCode,
        durationMs: performance.now() - started,
        containerId: id,
        ...output.tails(),
        ...(copied && !copied.ok ? { outputRefused: copied.refusal } : {}),
      };
      const durationMs = Math.round(result.durationMs);
      log?.debug({ ...ids, containerId: id, status, exitCode: exit.exitCode, durationMs }, 'sandbox finished');
      return result;
    } finally {
      stop.dispose();
      const step = container;
      const removal = step?.remove((err) => {
        log?.warn({ ...ids, containerId: step.id, err }, 'could not remove sandbox container');
      });
      await companions.release(removal ?? Promise.resolve());
    }
  }
}

/** A DockerSandbox on the engine selected by DOCKER_HOST (connects lazily, on first run). */
export function createDockerSandbox(options: DockerSandboxOptions = {}): DockerSandbox {
  return new DockerSandbox(options);
}
