// The Docker backend: one throwaway container per run, through the Engine API only.
// Lifecycle: /wave/out volume → create → attach → start → (stdin) → wait → drain output and inspect → copy
// /wave/out out → remove. The container and the volume are removed on every path out of run(), including errors
// and cancellation; a crash of Wave itself leaves them to the reaper (reaper.ts), which is why both carry owner
// labels. /wave/out is never a host bind: a step could fill the host's disk through one (see out-volume.ts).
// Round trips per step are kept to what the lifecycle needs: the image's config is remembered (image-config.ts),
// and the inspect for OOMKilled (the wait answer does not carry it) overlaps the output drain.
import { lstat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import type { Readable, Duplex } from 'node:stream';
import { nanoid } from 'nanoid';
import type Docker from 'dockerode';
import { WaveError, isWaveError } from '../../errors.js';
import { loadSandboxProfile, type SandboxProfile } from '../profile.js';
import { OutputSink } from '../output.js';
import type { Sandbox, SandboxLogger, SandboxResult, SandboxRunOptions, SandboxSpec, SandboxStatus } from '../types.js';
import { DockerDemuxer } from './demux.js';
import { connectDocker } from './engine.js';
import { ImageConfigCache } from './image-config.js';
import { imageMissing, isNoSuchImage, requireImages } from './images.js';
import { currentOwner, type OwnerIdentity } from '../../liveness.js';
import { OutVolume, outVolumeName } from './out-volume.js';
import { imageHasBridge } from '../egress/attachment.js';
import { startSidecar } from './sidecar.js';
import { buildContainerSpec, containerName, containerUser, currentHostIdentity, outQuota, type BuildContext, type HostIdentity } from './spec.js';

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

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number } | undefined)?.statusCode;

function sandboxFailed(what: string, err: unknown): WaveError {
  if (isWaveError(err)) return err;
  const e = err as { json?: { message?: string }; message?: string };
  const detail = (e?.json?.message ?? e?.message ?? String(err)).split('\n')[0];
  return new WaveError('sandbox_failed', `${what}: ${detail}`, { cause: err });
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
      throw new WaveError('sandbox_failed', `mounts.${name}: ${path} is not readable by the container user ${inner.uid}:${inner.gid}`, {
        hint: `make it readable (chmod o+rx ${path}, and the files in it o+r)`,
      });
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

  async run(spec: SandboxSpec, runOptions: SandboxRunOptions = {}): Promise<SandboxResult> {
    const started = performance.now();
    const log = this.options.logger;
    // Every line names the step, so a warning reaches the user against it.
    const ids = { run: spec.labels.run, step: spec.labels.step, attempt: spec.labels.attempt };
    const host = this.options.host ?? currentHostIdentity();
    const inner = containerUser(host, this.profile);
    const name = containerName(spec, nanoid(8).replace(/[^a-zA-Z0-9]/g, 'x'));
    const base = {
      profile: this.profile,
      host,
      owner: this.options.owner ?? currentOwner(),
      name,
      outVolume: outVolumeName(name),
    };
    const build = (extra: Pick<BuildContext, 'imageEntrypoint' | 'egress' | 'networkMode'> = {}) => buildContainerSpec(spec, { ...base, ...extra });
    build(); // validate the spec before touching anything
    const quota = outQuota(spec, this.profile);
    const { signal } = runOptions;
    const empty = (status: SandboxStatus): SandboxResult => ({
      status, exitCode: null, durationMs: performance.now() - started, containerId: null, stdoutTail: '', stderrTail: '',
    });
    if (signal?.aborted) return empty('cancelled');

    await checkMounts(spec, host, inner);
    const docker = await this.docker();
    // Never pulled: a missing image fails here, with the command that builds it.
    const image = await this.images.get(docker, spec.image).catch((err: unknown) => {
      throw isNoSuchImage(err) ? imageMissing(spec.image, err) : sandboxFailed(`cannot inspect image ${spec.image}`, err);
    });
    const attachment = spec.network && spec.network !== 'none' ? spec.egress?.(imageHasBridge(image.labels)) : undefined;
    const outputs = new OutVolume(docker, { spec, build: base, quota, user: inner, ...(log ? { logger: log } : {}) });
    // The holder's start (a container start, the slow part) overlaps the sidecar's and the step's create and
    // attach; the step itself starts only once the holder holds the volume (see out-volume.ts).
    let held: Promise<void> | undefined;
    let sidecar: Docker.Container | undefined;
    try {
      await outputs.create();
      held = outputs.hold();
      held.catch(() => undefined); // awaited before the step starts
      if (attachment?.sidecar) sidecar = await startSidecar(docker, attachment.sidecar, spec, base);
    } catch (err) {
      await held?.catch(() => undefined);
      await sidecar?.remove({ force: true, v: true }).catch(() => undefined);
      await outputs.close();
      throw err;
    }
    const createOptions = build({
      imageEntrypoint: image.entrypoint,
      ...(attachment ? { egress: attachment } : {}),
      ...(sidecar && attachment?.sidecar ? { networkMode: attachment.sidecar.stepNetworkMode(sidecar.id) } : {}),
    });
    let container: Docker.Container | undefined;
    let consumerError: unknown;
    const internal = new AbortController(); // fired by a throwing line consumer
    const stdout = new OutputSink('stdout', this.profile.maxLineBytes, runOptions.onLine, (err) => { consumerError = err; internal.abort(); });
    const stderr = new OutputSink('stderr', this.profile.maxLineBytes, runOptions.onLine, (err) => { consumerError = err; internal.abort(); });
    let killReason: 'timed_out' | 'cancelled' | undefined;
    const timers: NodeJS.Timeout[] = [];
    const onAbort = () => void kill('cancelled');

    const kill = async (reason: 'timed_out' | 'cancelled'): Promise<void> => {
      if (killReason || !container) return;
      killReason = reason;
      const c = container;
      log?.info({ ...ids, containerId: c.id, reason }, 'stopping sandbox');
      const grace = spec.killGraceMs ?? this.profile.killGraceMs;
      timers.push(setTimeout(() => void c.kill({ signal: 'SIGKILL' }).catch(() => undefined), grace));
      // 409/404: it already stopped, which is what we wanted.
      await c.kill({ signal: 'SIGTERM' }).catch(() => undefined);
    };

    try {
      try {
        container = await docker.createContainer(createOptions);
      } catch (err) {
        if (isNoSuchImage(err)) {
          this.images.forget(spec.image);
          throw imageMissing(spec.image, err);
        }
        throw sandboxFailed(`cannot create the container for step ${spec.labels.step}`, err);
      }
      const c = container;
      log?.info({ ...ids, containerId: c.id, image: spec.image }, 'sandbox created');
      const envKeys = Object.keys(spec.env ?? {});
      const network = spec.network ?? 'none';
      log?.debug({ ...ids, containerId: c.id, envKeys, network, egress: attachment?.mode }, 'sandbox spec');
      runOptions.onCreated?.(c.id);

      const hasStdin = spec.stdin !== undefined;
      // Attach before start so no early output is lost; hijack only when stdin must be written.
      const stream = (await c.attach({ stream: true, stdin: hasStdin, stdout: true, stderr: true, hijack: hasStdin })) as unknown as Duplex;
      let streamEnded = false;
      stream.once('end', () => (streamEnded = true));
      const drained = pipeline(stream as Readable, new DockerDemuxer(stdout, stderr)).catch((err: unknown) => {
        // Destroyed by us after a drain timeout, or the engine dropped the connection: output is best effort then.
        if (streamEnded) return;
        log?.debug({ ...ids, containerId: c.id, err: (err as Error).message }, 'output stream closed early');
      });

      if (signal?.aborted) return { ...empty('cancelled'), containerId: c.id };
      signal?.addEventListener('abort', onAbort, { once: true });
      internal.signal.addEventListener('abort', onAbort, { once: true });
      // The holder must hold /wave/out before the step can write to it.
      await held.catch((err: unknown) => {
        stream.destroy();
        throw err;
      });
      try {
        await c.start();
      } catch (err) {
        stream.destroy();
        throw sandboxFailed(`cannot start the container for step ${spec.labels.step}`, err);
      }
      // Cancelled while starting: the first SIGTERM hit a container that was not running yet.
      if (killReason) await c.kill({ signal: 'SIGTERM' }).catch(() => undefined);
      if (spec.timeoutMs !== undefined) timers.push(setTimeout(() => void kill('timed_out'), spec.timeoutMs));
      if (hasStdin) {
        const data = spec.stdin as string | Uint8Array;
        // end() half-closes the socket: with StdinOnce the engine then closes the command's stdin (EOF).
        stream.end(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));
      }

      // condition 'not-running' after start returns at once if the command already finished: no lost exit.
      const lost = (err: unknown) => sandboxFailed(`lost the container of step ${spec.labels.step} (removed from outside?)`, err);
      const waited = (await c.wait().catch((err: unknown) => { throw lost(err); })) as { StatusCode?: number };
      const drainTimer = setTimeout(() => {
        if (!streamEnded) stream.destroy();
      }, this.options.drainTimeoutMs ?? 10_000);
      // The container has exited: its state is final, so asking for it need not wait for the last output bytes.
      const inspected = c.inspect();
      inspected.catch(() => undefined); // awaited below; not an unhandled rejection while the drain runs
      await drained;
      clearTimeout(drainTimer);

      const state = (await inspected.catch((err: unknown) => { throw lost(err); })).State;
      const exitCode = typeof waited.StatusCode === 'number' ? waited.StatusCode : state.ExitCode;
      const status: SandboxStatus = killReason ?? (state.OOMKilled ? 'oom_killed' : 'exited');
      if (consumerError !== undefined) throw consumerError;
      // Cancelled: nobody wants the outputs. Otherwise (a failed step's too, for inspection) they come out bounded.
      const copied = status === 'cancelled' ? undefined : await outputs.copyOut();
      const result: SandboxResult = {
        status,
        exitCode,
        durationMs: performance.now() - started,
        containerId: c.id,
        stdoutTail: stdout.tail.toString(),
        stderrTail: stderr.tail.toString(),
        ...(copied && !copied.ok ? { outputRefused: copied.refusal } : {}),
      };
      const durationMs = Math.round(result.durationMs);
      log?.debug({ ...ids, containerId: c.id, status, exitCode, durationMs }, 'sandbox finished');
      return result;
    } finally {
      for (const t of timers) clearTimeout(t);
      signal?.removeEventListener('abort', onAbort);
      const step = container;
      await Promise.all([
        step?.remove({ force: true, v: true }).catch((err: unknown) => {
          // 404: already gone; 409: removal already in progress. Anything else leaves work for the reaper.
          const code = statusOf(err);
          if (code === 404 || code === 409) return;
          const detail = (err as Error).message;
          log?.warn({ ...ids, containerId: step.id, err: detail }, 'could not remove sandbox container');
        }),
        sidecar?.remove({ force: true, v: true }).catch((err: unknown) => {
          const code = statusOf(err);
          if (code === 404 || code === 409) return;
          const detail = (err as Error).message;
          log?.warn({ ...ids, containerId: sidecar?.id, err: detail }, 'could not remove the egress bridge container');
        }),
        held?.catch(() => undefined).then(() => outputs.removeHolder()),
      ]);
      await outputs.close(); // the volume, now that no container uses it
    }
  }
}

/** A DockerSandbox on the engine selected by DOCKER_HOST (connects lazily, on first run). */
export function createDockerSandbox(options: DockerSandboxOptions = {}): DockerSandbox {
  return new DockerSandbox(options);
}
