// The step's own container, from create to remove: its output attached before it starts (so no early line is
// lost), its stdin written once and closed, the end of its command seen through wave-hold's marker (hold.ts) while
// the container still holds /wave/out, then released, its exit read while the last output drains. Stopping it is
// the shared StopControl's job (../stop.ts); this supplies the signal delivery.
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { WaveError } from '../../errors.js';
import type { CommandOutput } from '../output.js';
import type { SignalTarget } from '../stop.js';
import { DockerDemuxer } from './demux.js';
import { removeContainer, sandboxFailed } from './engine-errors.js';
import { KILL_SIGNAL, MarkerWatch, RELEASE_SIGNAL, type HoldMarker } from './hold.js';
import { imageMissing, isNoSuchImage } from './images.js';

const STOPPED = Symbol('stopped');

/** How long wave-hold gets to act on a kill or a release before the container itself is killed (it was stopped). */
const HOLD_ANSWER_MS = 3000;

export interface ContainerExit {
  exitCode: number | null;
  oomKilled: boolean;
}

export interface StepContainerContext {
  /** The step, for messages. */
  step: string;
  /** For debug lines about the output stream. */
  debug?: (fields: object, message: string) => void;
}

export class StepContainer {
  private stream: Duplex | undefined;
  private streamEnded = false;
  private drained: Promise<void> = Promise.resolve();
  private marker: Promise<HoldMarker> = new Promise(() => undefined);
  private markerSeen = false;
  private waited: Promise<{ StatusCode?: number }> | undefined;
  private stopped = false;
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(
    private readonly container: Docker.Container,
    private readonly ctx: StepContainerContext,
  ) {}

  get id(): string {
    return this.container.id;
  }

  /** The engine's handle, for archives into and out of the running container. */
  get handle(): Docker.Container {
    return this.container;
  }

  /** Creates the container; a missing image is image_missing (after `onNoSuchImage`, so a cache can forget it). */
  static async create(
    docker: Docker,
    options: Docker.ContainerCreateOptions,
    ctx: StepContainerContext & { image: string; onNoSuchImage: () => void },
  ): Promise<StepContainer> {
    try {
      return new StepContainer(await docker.createContainer(options), ctx);
    } catch (err) {
      if (!isNoSuchImage(err)) throw sandboxFailed(`cannot create the container for step ${ctx.step}`, err);
      ctx.onNoSuchImage();
      throw imageMissing(ctx.image, err);
    }
  }

  /**
   * Attaches its output to `output` (wave-hold's markers for `nonce` taken out of stderr), and its stdin when there
   * is some to write (hijacked only then).
   */
  async attach(output: CommandOutput, withStdin: boolean, nonce: string): Promise<void> {
    const options = { stream: true, stdin: withStdin, stdout: true, stderr: true, hijack: withStdin };
    const stream = (await this.container.attach(options)) as unknown as Duplex;
    this.stream = stream;
    stream.once('end', () => (this.streamEnded = true));
    const stderr = new MarkerWatch(nonce, output.stderr);
    this.marker = stderr.marker;
    void this.marker.then(() => (this.markerSeen = true));
    const demuxer = new DockerDemuxer(output.stdout, stderr);
    this.drained = pipeline(stream as Readable, demuxer).catch((err: unknown) => {
      // Destroyed by us after a drain timeout, or the engine dropped the connection: output is best effort then.
      if (this.streamEnded) return;
      this.ctx.debug?.({ containerId: this.id, err: (err as Error).message }, 'output stream closed early');
    });
  }

  /** Starts it, and from then on watches for its end. */
  async start(): Promise<void> {
    try {
      await this.container.start();
    } catch (err) {
      this.stream?.destroy();
      const failed = sandboxFailed(`cannot start the container for step ${this.ctx.step}`, err);
      if (!/\/bin\/sh/.test(failed.message)) throw failed;
      throw new WaveError('sandbox_failed', failed.message, {
        hint:
          'the image needs /bin/sh and sleep: wave-hold, a sh script, runs the command and keeps /wave/out ' +
          'mounted until it is copied',
        cause: err,
      });
    }
    // condition 'not-running' after start returns at once if the container already stopped: no lost exit.
    this.waited = this.container.wait() as Promise<{ StatusCode?: number }>;
    this.waited.then(
      () => (this.stopped = true),
      () => (this.stopped = true),
    );
  }

  /**
   * Settles when the command has ended: with wave-hold's marker while the container holds /wave/out, or with
   * undefined when the container stopped without one (wave-hold killed from inside, or the container from outside).
   */
  async ended(drainTimeoutMs: number): Promise<HoldMarker | undefined> {
    const stopped = (this.waited as Promise<unknown>).then(
      (): typeof STOPPED => STOPPED,
      (): typeof STOPPED => STOPPED,
    );
    const first = await Promise.race([this.marker, stopped]);
    if (first !== STOPPED) return first;
    // With /wave/out empty wave-hold exits right after its marker, which may still be in the output behind what a
    // slow consumer has not taken yet: wait for the output (bounded) before calling /wave/out lost. Only an "empty"
    // marker holds after the stop; "copy now" from a container that has stopped is a lost /wave/out all the same.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainTimeoutMs)));
    await Promise.race([this.drained, timeout]);
    clearTimeout(timer);
    const late = await Promise.race([this.marker, Promise.resolve(undefined)]);
    return late?.empty ? late : undefined;
  }

  /** Asks wave-hold to exit with the command's exit code; the container is killed if it does not answer. */
  async release(): Promise<void> {
    await this.send(RELEASE_SIGNAL);
    this.later(() => void this.send('SIGKILL'));
  }

  /** Writes `data`, then half-closes the stream: with StdinOnce the engine then closes the command's stdin (EOF). */
  writeStdin(data: string | Uint8Array): void {
    this.stream?.end(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));
  }

  /**
   * SIGTERM goes to the command (wave-hold forwards it); SIGKILL to every process of the step but wave-hold, so
   * /wave/out stays mounted for the copy. If wave-hold does not answer (stopped from inside), the container is killed.
   */
  readonly signal: SignalTarget = async (signal) => {
    if (signal === 'SIGTERM') return this.send('SIGTERM');
    await this.send(KILL_SIGNAL);
    this.later(() => {
      if (!this.markerSeen) void this.send('SIGKILL');
    });
  };

  /** 409/404 mean it has stopped already, which is what a stop wants. */
  private send(signal: string): Promise<void> {
    return this.container.kill({ signal }).then(
      () => undefined,
      () => undefined,
    );
  }

  private later(action: () => void): void {
    this.timers.push(
      setTimeout(() => {
        if (!this.stopped) action();
      }, HOLD_ANSWER_MS).unref(),
    );
  }

  /**
   * Waits for the command to exit, then for the rest of its output (at most `drainTimeoutMs`). The inspect for
   * OOMKilled (the wait answer does not carry it) overlaps the drain: the container's state is final by then.
   */
  async exit(drainTimeoutMs: number): Promise<ContainerExit> {
    const lost = (err: unknown) =>
      sandboxFailed(`lost the container of step ${this.ctx.step} (removed from outside?)`, err);
    const waiting = this.waited ?? (this.container.wait() as Promise<{ StatusCode?: number }>);
    const waited = await waiting.catch((err: unknown) => {
      throw lost(err);
    });
    this.clearTimers();
    const drainTimer = setTimeout(() => {
      if (!this.streamEnded) this.stream?.destroy();
    }, drainTimeoutMs);
    const inspected = this.container.inspect();
    inspected.catch(() => undefined); // awaited below; not an unhandled rejection while the drain runs
    await this.drained;
    clearTimeout(drainTimer);
    const state = (
      await inspected.catch((err: unknown) => {
        throw lost(err);
      })
    ).State;
    const exitCode = typeof waited.StatusCode === 'number' ? waited.StatusCode : state.ExitCode;
    return { exitCode, oomKilled: state.OOMKilled };
  }

  remove(warn: (detail: string) => void): Promise<void> {
    this.clearTimers();
    return removeContainer(this.container, warn);
  }

  private clearTimers(): void {
    for (const t of this.timers.splice(0)) clearTimeout(t);
  }
}
